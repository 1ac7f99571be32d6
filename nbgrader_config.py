# nbgrader's settings for this course (docs/TEACHER.md, "Grading with nbgrader"). nbgrader reads this file from the
# folder it is started in, JupyterLab's nbgrader extension included: `make lab` starts there.
c = get_config()  # noqa: F821 (nbgrader's config loader defines it)
c.CourseDirectory.course_id = "aelib"
c.Execute.timeout = 600  # seconds per cell; nbgrader's default of 30 is shorter than a lesson's training cells
