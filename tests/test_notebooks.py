"""Static checks of the lessons (nbval re-executes them; these check what nbval cannot)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    text = "".join(cell["source"])
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())


def model_classes(tree: ast.AST) -> list[str]:
    """Names of classes that subclass something called Module / nn.Module / torch.nn.Module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = ast.unparse(base)
                if name.split(".")[-1] in ("Module", "Sequential", "ModuleList"):
                    found.append(node.name)
    return found


def test_there_are_lessons():
    assert len(LESSONS) >= 5, [p.name for p in LESSONS]


def test_model_class_detector_catches_a_model():
    assert model_classes(ast.parse("import torch.nn as nn\nclass AE(nn.Module):\n    pass")) == ["AE"]
    assert model_classes(ast.parse("class Point:\n    pass")) == []


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_model_classes_defined_in_notebooks(path):
    for cell in code_cells(path):
        assert not model_classes(ast.parse(source(cell))), f"{path.name} defines a model: move it to aelib.models"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_code_cell_was_executed_and_nothing_went_to_stderr(path):
    for i, cell in enumerate(code_cells(path)):
        if not source(cell).strip():
            continue
        assert cell["execution_count"] is not None, f"{path.name} code cell {i} has no stored output"
        for out in cell["outputs"]:
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), (
                f"{path.name} code cell {i} wrote to stderr: {''.join(out['text'])[:200]}"
            )
            assert out["output_type"] != "error" or "raises-exception" in cell["metadata"].get("tags", [])


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_starts_with_title_and_setup(path):
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["cell_type"] == "markdown"
    assert re.match(rf"# Lesson {path.name[:2]} — ", "".join(cells[0]["source"]))
    setup = source(code_cells(path)[0])
    assert "manual_seed" in setup and "set_num_threads" in setup, f"{path.name}: first code cell is not the set-up"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_is_listed_in_readme(path):
    assert path.name in (REPO / "README.md").read_text(), f"README.md does not list {path.name}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_tolerant_cells_are_single_cells_with_valid_settings_and_numbers_to_compare(path):
    """nbval-approx (tests/nbval_approx.py) is for single cells whose printed numbers come from training."""
    import nbformat

    from tests.nbval_approx import TAG, mask, tolerance_of

    nb = nbformat.read(path, as_version=4)
    assert TAG not in nb.metadata, f"{path.name}: {TAG} set for the whole notebook; tag single cells instead"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or tolerance_of(cell) is None:  # tolerance_of raises on bad settings
            continue
        printed = "".join(
            out.get("text", "") + out.get("data", {}).get("text/plain", "") for out in cell.outputs
        )
        assert mask(printed)[1], f"{path.name} code cell {i} is tagged {TAG} but prints no decimal number"


TRAINING = re.compile(r"recipes\.(train|load_or_train)\(|\bfit\(|\.backward\(")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_a_lesson_that_trains_has_tolerant_cells(path):
    """`make test`'s second float path runs only the lessons with a cell tagged nbval-approx (a number that comes
    from training): a lesson that trains must tag the cells that print what training moves."""
    from tests.nbval_approx import trains

    if any(TRAINING.search(source(cell)) for cell in code_cells(path)):
        assert trains(path), f"{path.name} trains a model but tags no cell nbval-approx"


def test_make_test_second_pass_runs_on_a_measured_float_path():
    """The Makefile's second nbval pass uses one of benchmarks/float_paths.py's paths, setting for setting, so the
    docs/testing.md's table of what it moves is about the path `make test` really runs."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("float_paths", REPO / "benchmarks" / "float_paths.py")
    float_paths = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(float_paths)
    line = re.search(r"^FLOAT_PATH\s*:=(.*)$", (REPO / "Makefile").read_text(), re.M)
    assert line, "the Makefile defines no FLOAT_PATH"
    settings = dict(word.split("=", 1) for word in line.group(1).split())
    assert settings in [p for name, p in float_paths.PATHS.items() if name != "default"], settings
