"""The nbval-student plugin (tests/nbval_student.py) on a tiny two-exercise lesson: after nbval has run the lesson,
its student copy's exercise cells run in the same kernel, and each check must fail on its stub with the learner's
message. Planted mistakes in a check make those items fail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat

from tests.test_student import tiny_lesson

REPO = Path(__file__).resolve().parent.parent


def run_nbval(lesson: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.nbval_student", "--nbval",
         "--nbval-current-env", "-v", "--rootdir", str(lesson.parent), str(lesson)],
        capture_output=True, text=True, timeout=300, cwd=lesson.parent,
        env={**os.environ, "PYTHONPATH": str(REPO), "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    )  # fmt: skip
    return result.stdout + result.stderr


def verdicts(report: str) -> dict[str, str]:
    return dict(re.findall(r"01_tiny(?:\.|::)ipynb::(Cell \d+|Student copy, cell \d+) (PASSED|FAILED)", report))


def test_the_student_copys_exercise_cells_run_after_the_lesson_and_fail_as_a_learner_sees_them(tmp_path):
    report = run_nbval(tiny_lesson(tmp_path))
    # the lesson's four code cells (two solutions, two checks), then the copy's stubs and checks
    assert verdicts(report) == {
        **{f"Cell {i}": "PASSED" for i in range(4)},
        **{f"Student copy, cell {i}": "PASSED" for i in range(4)},
    }, report[-3000:]


def plant(lesson: Path, grade_id: str, source: str) -> Path:
    nb = nbformat.read(lesson, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    nbformat.write(nb, lesson)
    return lesson


def test_checks_that_a_stub_gets_past_fail(tmp_path):
    """Two planted mistakes, one per exercise: a check that swallows the stub's error (1.2), and one that lets the
    stub's NotImplementedError through instead of the learner's message (1.1). Both pass on the solutions."""
    lesson = plant(tiny_lesson(tmp_path), "c2", "from aelib.exercises import check_deconv_size\n\ntry:\n"
                   "    check_deconv_size(deconv_size)\nexcept Exception:\n    pass")
    lesson = plant(lesson, "c1", "assert batches_per_epoch() == (235, 96)")
    report = run_nbval(lesson)
    assert verdicts(report) == {
        **{f"Cell {i}": "PASSED" for i in range(4)},
        "Student copy, cell 0": "PASSED", "Student copy, cell 1": "FAILED",
        "Student copy, cell 2": "PASSED", "Student copy, cell 3": "FAILED",
    }, report[-3000:]  # fmt: skip
    assert "the check failed with NotImplementedError" in report and "the check did not fail on the stub" in report


def test_the_repo_conftest_loads_the_plugin():
    assert "tests.nbval_student" in (REPO / "conftest.py").read_text()
