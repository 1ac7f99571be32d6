"""The classroom copies (``python -m aelib student``): nbgrader accepts the markup, the student copies hold stubs
and no solutions and every other cell unchanged, the teacher guide's tables come from the notebooks, and grading
counts points. Running the copies is nbval's job: after each lesson, its copy's exercise cells run in the lesson's
kernel and every check must fail on its stub with the learner-facing message (tests/nbval_student.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from aelib.tools import student

REPO = Path(__file__).resolve().parent.parent
LESSONS = student.lessons(REPO / "notebooks")
STUB = "raise NotImplementedError()"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> dict[str, Path]:
    """The student copies of every lesson, written by the same code as `make student`, in a temp folder."""
    out = tmp_path_factory.mktemp("student")
    written = student.build(REPO / "notebooks", out, log=lambda *_: None)
    return {p.name: p for p in written}


# ----------------------------------------------------------------------------------------------------------------
# The instructor notebooks' markup


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_lesson_ends_with_two_to_four_exercises(path):
    nb = read(path)
    exercises = student.exercises(nb, path.name[:2])
    assert 2 <= len(exercises) <= 4, f"{path.name}: {len(exercises)} exercises"
    kinds = " ".join(e.kind for e in exercises)
    assert "code" in kinds, f"{path.name}: no exercise asks for code"
    assert "number" in kinds or "choice" in kinds, f"{path.name}: no exercise asks for a number or a choice"
    parts = [student.part(c) for c in nb.cells]
    first, last = parts.index("intro"), max(i for i, p in enumerate(parts) if p)
    assert all(parts[first : last + 1]), f"{path.name}: the exercise cells are not one block"
    after = [c for c in nb.cells[last + 1 :]]
    assert len(after) == 1 and after[0].source.startswith("## What we learned"), f"{path.name}: ends with {after}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_exercise_cells_carry_valid_nbgrader_metadata(path):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = read(path)
    MetadataValidator().validate_nb(nb)  # schema 3, grade ids present and unique, points on grade cells
    for cell in nb.cells:
        part = student.part(cell)
        meta = cell.metadata.get("nbgrader")
        if part in (None, "intro"):
            assert meta is None, f"{path.name}: a lesson cell carries nbgrader metadata: {cell.source[:60]}"
            continue
        assert meta["schema_version"] == 3
        role = {k for k in ("grade", "solution", "locked") if meta[k]}
        assert role == {"task": {"locked"}, "solution": {"solution"}, "check": {"grade", "locked"}}[part], (part, meta)
        if part == "solution":
            assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION") >= 1
        if part == "check":
            assert meta["points"] > 0
            assert re.search(r"^from aelib\.exercises import check_\w+", cell.source, re.M), cell.source
            assert "SOLUTION" not in cell.source
        if part != "check":
            assert "HIDDEN TESTS" not in cell.source


def test_grade_ids_are_unique_across_the_course():
    ids = [c.metadata["nbgrader"]["grade_id"] for p in LESSONS for c in read(p).cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)) > 0


def test_nbgrader_generate_assignment_accepts_the_lessons(tmp_path, monkeypatch):
    """nbgrader's own pipeline (lock, clear solutions, checksums, save to its gradebook, clear hidden tests, check
    metadata twice) on copies of the instructor notebooks, in a temp course folder."""
    import os
    import sys

    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    source = tmp_path / "source" / "aelib"
    source.mkdir(parents=True)
    for path in LESSONS:
        (source / path.name).write_bytes(path.read_bytes())
    # nbgrader's gradebook runs the `alembic` command of its environment: the venv's bin/ may not be on PATH
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    result = api.generate_assignment("aelib")
    assert result["success"], result.get("error", "") + result.get("log", "")
    for path in LESSONS:
        released = read(tmp_path / "release" / "aelib" / path.name)
        text = json.dumps(released.cells)
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        checks = [c for c in released.cells if student.part(c) == "check"]
        assert checks and all(len(c.metadata.nbgrader["checksum"]) == 32 for c in checks)


# ----------------------------------------------------------------------------------------------------------------
# The student copies and the teacher guide


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_student_copy_has_stubs_and_no_solutions_or_outputs(path, copies):
    original, copy = read(path), read(copies[path.name])
    assert len(original.cells) == len(copy.cells)
    text = json.dumps(copy.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for before, after in zip(original.cells, copy.cells, strict=True):
        if after.cell_type == "code":
            assert after.outputs == [] and after.execution_count is None
        part = student.part(after)
        if part == "solution":
            assert STUB in after.source and after.metadata.get("deletable") is False
            assert re.match(r"def \w+\(", after.source), "a solution cell only defines functions"
        elif part == "check":
            hidden = re.sub(r"\n*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", before.source, flags=re.S)
            assert after.source == hidden and after.metadata.get("editable") is False
        else:
            assert after.source == before.source, "only solutions and hidden tests change"


def test_teacher_guide_tables_come_from_the_notebooks(copies):
    guide = (next(iter(copies.values())).parent / "TEACHER.md").read_text(encoding="utf-8")
    assert student.EXERCISE_TABLE not in guide and student.LESSON_TABLE not in guide
    total = 0.0
    for path in LESSONS:
        exercises = student.exercises(read(path), path.name[:2])
        for e in exercises:
            assert re.search(
                rf"\| {re.escape(e.number)} {re.escape(e.title)} \| {re.escape(e.kind)} \| "
                rf"{e.points:g} \| .*`{e.check_id}`",
                guide,
            ), e
            total += e.points
        assert f"| `{path.name}` |" in guide
    assert f"**{total:g}**" in guide
    source = (REPO / "docs" / "TEACHER.md").read_text(encoding="utf-8")
    assert student.EXERCISE_TABLE in source and student.LESSON_TABLE in source


def test_main_writes_the_copies_and_the_guide(tmp_path, capsys):
    assert student.main(["01", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_data_loading.ipynb", "TEACHER.md"]
    assert "Wrote 1 student notebook(s) and TEACHER.md" in capsys.readouterr().out


def test_the_guide_source_must_keep_its_markers(tmp_path):
    template = tmp_path / "TEACHER.md"
    template.write_text("# Guide without tables\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks the marker"):
        student.teacher_guide(LESSONS, template)


# ----------------------------------------------------------------------------------------------------------------
# Grading without nbgrader, on a tiny two-exercise lesson


def tiny_lesson(folder: Path) -> Path:
    """An instructor notebook with two exercises, marked up as the lessons are."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def cell(kind, source, part=None, number=None, **grader):
        c = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        if part:
            c.metadata["aelib"] = {"exercise": number, "part": part}
        if grader:
            c.metadata["nbgrader"] = {"grade": False, "locked": False, "solution": False, "schema_version": 3, **grader}
        return c

    nb = new_notebook(
        cells=[
            cell("md", "# Lesson 01 — Tiny\n\nA lesson."),
            cell("md", "## Exercises", "intro", "01.intro"),
            cell("md", "### Exercise 1.1 — Batches (number, 1 point)", "task", "01.1", locked=True, grade_id="t1"),
            cell(
                "code",
                "def batches_per_epoch():\n    ### BEGIN SOLUTION\n    return 235, 96\n    ### END SOLUTION",
                "solution",
                "01.1",
                solution=True,
                grade_id="s1",
            ),
            cell(
                "code",
                "from aelib.exercises import check_batches_per_epoch\n\ncheck_batches_per_epoch("
                "batches_per_epoch)\n### BEGIN HIDDEN TESTS\nassert batches_per_epoch() == (235, 96)\n"
                "### END HIDDEN TESTS",
                "check",
                "01.1",
                grade=True,
                locked=True,
                points=1,
                grade_id="c1",
            ),
            cell("md", "### Exercise 1.2 — Sizes (code, 2 points)", "task", "01.2", locked=True, grade_id="t2"),
            cell(
                "code",
                "def deconv_size(size, kernel, stride, padding=0):\n    ### BEGIN SOLUTION\n"
                "    return (size - 1) * stride + kernel - 2 * padding\n    ### END SOLUTION",
                "solution",
                "01.2",
                solution=True,
                grade_id="s2",
            ),
            cell(
                "code",
                "from aelib.exercises import check_deconv_size\n\ncheck_deconv_size(deconv_size)",
                "check",
                "01.2",
                grade=True,
                locked=True,
                points=2,
                grade_id="c2",
            ),
            cell("md", "## What we learned\n- tiny things"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "01_tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_grading_restores_the_checks_and_counts_points(tmp_path, monkeypatch):
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    lesson = tiny_lesson(tmp_path / "notebooks")
    assert [e.number for e in student.exercises(read(lesson), "01")] == ["1.1", "1.2"]
    copy = tmp_path / "student" / lesson.name
    student.make_student_copy(lesson, copy)
    nb = read(copy)
    solutions = [c for c in nb.cells if student.part(c) == "solution"]
    checks = [c for c in nb.cells if student.part(c) == "check"]
    assert all(STUB in c.source for c in solutions) and "HIDDEN" not in checks[0].source
    # The student answers 1.1 right and 1.2 wrong, and edits the check of 1.2 to pass anyway.
    solutions[0].source = "def batches_per_epoch():\n    return 235, 96"
    solutions[1].source = "def deconv_size(size, kernel, stride, padding=0):\n    return size * stride"
    checks[1].source = "print('✓ Correct')"
    nbformat.write(nb, copy)
    lines = []
    earned = student.grade([copy], tmp_path / "notebooks", log=lines.append)
    assert earned == 1.0, lines
    assert lines[1].startswith("  1.1 Batches: 1/1  ✓ Correct: 235 batches"), lines
    assert lines[2].startswith("  1.2 Sizes: 0/2  ExerciseError: `deconv_size(3, kernel=3, stride=2, padding=0)`")
    assert lines[-1] == "Total: 1/3 points"
    assert "print('✓ Correct')" in copy.read_text(encoding="utf-8")  # the student's file is left as it was


def test_grading_refuses_a_notebook_whose_check_was_deleted(tmp_path):
    lesson = tiny_lesson(tmp_path / "notebooks")
    nb = read(lesson)
    nb.cells = [c for c in nb.cells if student.part(c) != "check" or c.metadata.nbgrader.grade_id != "c2"]
    with pytest.raises(ValueError, match="c2 were deleted"):
        student.restore_checks(nb, read(lesson))
