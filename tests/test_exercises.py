"""aelib.exercises as a package: every check is exported and documented, answers a stub with "Not done yet", and
lives in the module of the lesson that uses it (``aelib/exercises/lessonNN.py`` for ``notebooks/NN_*.ipynb``)."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from aelib import exercises as ex
from tests.checking import rejects, stub

CHECKS = [getattr(ex, name) for name in ex.__all__ if name.startswith("check_")]


def test_every_check_is_exported_and_documented():
    assert len(CHECKS) >= 12
    for check in CHECKS:
        assert check.__doc__, check.__name__
        assert "hidden" in inspect.signature(check).parameters, check.__name__


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_a_stub_gets_not_done_yet(check):
    required = [p for p in inspect.signature(check).parameters.values() if p.default is inspect.Parameter.empty]
    message = rejects(
        check,
        *[stub] * len(required),
        match=r"^Not done yet: replace the `raise "
        r"NotImplementedError\(\)` line in `stub`",
    )
    assert "run this check again" in message


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_passing_the_result_instead_of_the_function_is_explained(check):
    required = [p for p in inspect.signature(check).parameters.values() if p.default is inspect.Parameter.empty]
    rejects(check, *[42] * len(required), match=r"Expected a function here, got a int")


NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def checks_used(path: Path) -> set[str]:
    """The check_* names a lesson's code cells import from aelib.exercises or call."""
    cells = json.loads(path.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return set(re.findall(r"\b(check_\w+)\b", code))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_each_lessons_checks_live_in_that_lessons_module(path):
    lesson = path.name[:2]
    module = ex.LESSONS[lesson]
    assert module.__name__ == f"aelib.exercises.lesson{lesson}"
    used = checks_used(path)
    assert used, f"{path.name} uses no check"
    for name in used:
        assert hasattr(ex, name), f"{path.name} uses {name}, which aelib.exercises does not export"
        assert getattr(ex, name).__module__ == module.__name__, (
            f"{name} (used by {path.name}) lives in {getattr(ex, name).__module__}, not in {module.__name__}"
        )
    assert set(module.__all__) == used, f"{module.__name__} has checks no lesson uses: {set(module.__all__) - used}"


def test_every_lesson_has_a_checks_module_and_every_check_module_a_lesson():
    assert sorted(ex.LESSONS) == [p.name[:2] for p in NOTEBOOKS]
    assert sorted(ex.__all__) == sorted(
        ["ExerciseError", "LESSONS", "install_ipython_handler", *(n for m in ex.LESSONS.values() for n in m.__all__)]
    )
