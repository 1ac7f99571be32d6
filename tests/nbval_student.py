"""nbval-student: every lesson's student copy runs in the kernel nbval has just run the lesson in.

A student copy (``aelib.tools.student``, ``make student``) is the instructor notebook with each solution replaced by a
``raise NotImplementedError()`` stub and the hidden tests removed; every other cell is the instructor's, byte for byte
(``tests/test_student.py`` checks that), and the exercise cells come last. So running a copy top to bottom in a fresh
kernel would run every lesson cell a second time — the lesson's whole run time — to learn nothing nbval does not.

Instead, after nbval has run and compared a lesson's cells, this plugin runs the student copy's exercise cells in
that same kernel, in order: the kernel then holds exactly what the copy's own lesson cells would have left, and the
copy's cells have all run. Each stub must run without an error (it only defines the function), and each check cell
must fail with its learner-facing message alone: an ``ExerciseError`` saying "Not done yet: replace the
``raise NotImplementedError()`` line in ...", with a one-line traceback that shows none of aelib's code.

They are pytest items of their own after the lesson's cells (``notebooks/NN_x.ipynb::Student copy, cell N``), in
both of ``make test``'s nbval passes. Loaded by the repo's root ``conftest.py``, like ``tests/nbval_approx.py``.
"""

from __future__ import annotations

import functools

import nbformat

NOT_DONE = "Not done yet: replace the `raise NotImplementedError()` line in `"


def student_cells(path) -> list[tuple[int, object]]:
    """The exercise code cells of the student copy of the lesson at ``path``, with their index among its code cells
    (the instructor's numbering: the copy has the same cells)."""
    from aelib.tools import student

    instructor = nbformat.read(str(path), as_version=4)
    if not student.exercises(instructor, path.name[:2]):
        return []
    copy = student.student_copy(instructor, path.parent)
    code = [c for c in copy.cells if c.cell_type == "code"]
    return [(i, c) for i, c in enumerate(code) if student.part(c) in ("solution", "check")]


class StudentCellMixin:
    """One exercise cell of the student copy, run in the lesson's kernel by nbval's own cell runner; there is no
    stored output to compare it with, only what a learner must see."""

    def runtest(self):
        from aelib.tools import student

        super().runtest()  # runs the cell; with check_exception an error is kept as an output, not raised
        errors = [o for o in self.test_outputs if o.output_type == "error"]
        if student.part(self.cell) == "solution":
            if errors:
                self.raise_cell_error(f"the stub raised {errors[0].ename}: {errors[0].evalue}")
            return
        if len(errors) != 1:
            self.raise_cell_error("the check did not fail on the stub")
        error = errors[0]
        if error.ename != "ExerciseError" or not error.evalue.startswith(NOT_DONE):
            self.raise_cell_error(f"the check failed with {error.ename}: {error.evalue}")
        if len(error.traceback) != 1 or "aelib/" in error.traceback[0]:
            self.raise_cell_error("the learner sees more than the message:", "\n".join(error.traceback))

    def reportinfo(self):
        return self.fspath, 0, f"{self.fspath.relto(self.config.rootdir)}::{self.name}"


def with_student_cells(lesson_cells, cell_class):
    """nbval's collector of a notebook's cells, followed by its student copy's exercise cells."""

    @functools.wraps(lesson_cells)
    def collect(self):
        yield from lesson_cells(self)
        for number, cell in student_cells(self.path):
            options = {"check": False, "check_exception": True, "skip": False}
            yield cell_class.from_parent(
                self, name=f"Student copy, cell {number}", cell_num=number, cell=cell, options=options
            )

    return collect


def pytest_configure(config) -> None:
    try:
        from nbval.plugin import IPyNbCell, IPyNbFile
    except ImportError:  # nbval not installed: nothing to extend
        return
    if not hasattr(IPyNbFile.collect, "__wrapped__"):
        student_cell = type("StudentCell", (StudentCellMixin, IPyNbCell), {})
        IPyNbFile.collect = with_student_cells(IPyNbFile.collect, student_cell)
