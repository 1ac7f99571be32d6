"""The nbval-approx plugin (tests/nbval_approx.py) on small synthetic notebooks: no training, a few seconds.

Each notebook cell prints something a little different from its stored output; nbval runs them in a subprocess
with the plugin loaded the way the repo's conftest.py loads it, and each cell's verdict is read from the report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests import nbval_approx
from tests.nbval_approx import TAG, mask

REPO = Path(__file__).resolve().parent.parent
PNG_A = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
PNG_B = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def cell(printed: str, stored: str, tagged: bool = True, **settings) -> nbformat.NotebookNode:
    """A code cell that prints ``printed`` and has ``stored`` as its stored stdout."""
    c = nbformat.v4.new_code_cell(f"print({printed!r})", execution_count=1)
    c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored + "\n")]
    if tagged:
        c.metadata["tags"] = [TAG]
    if settings:
        c.metadata[TAG] = settings
    return c


def display_cell(code: str, stored: list[dict], tagged: bool = True) -> nbformat.NotebookNode:
    c = nbformat.v4.new_code_cell("from IPython.display import display\n" + code, execution_count=1)
    c.outputs = [nbformat.v4.new_output("display_data", data=d) for d in stored]
    if tagged:
        c.metadata["tags"] = [TAG]
    return c


CELLS = {
    "within tolerance": cell("test MSE 0.0199, PSNR 19.0 dB", "test MSE 0.0204, PSNR 19.2 dB"),
    "beyond tolerance": cell("test MSE 0.0300", "test MSE 0.0204"),
    "changed word": cell("train MSE 0.0204", "test MSE 0.0204"),
    "changed integer": cell("55 of 144 grid points, 0.631", "56 of 144 grid points, 0.631"),
    "changed shape": cell("images: (64, 1, 28, 28)", "images: (64, 28, 28)"),
    "changed line count": cell("0.0204\n0.0341", "0.0204"),
    "untagged tiny difference": cell("test MSE 0.02041", "test MSE 0.0204", tagged=False),
    "untagged identical": cell("test MSE 0.0204", "test MSE 0.0204", tagged=False),
    "per-cell tolerance": cell("test MSE 0.0240", "test MSE 0.0204", rtol=0.2),
    "exponent and unicode minus": cell("range [\u22120.98, 3.1e-30]", "range [\u22121.00, 3e-30]", rtol=0.05),
    "number of outputs": display_cell(
        "display({'text/plain': '0.0204'}, raw=True)\ndisplay({'text/plain': '0.0204'}, raw=True)",
        [{"text/plain": "0.0204"}],
    ),
    "images not compared": display_cell(
        f"display({{'image/png': {PNG_B!r}, 'text/plain': '<Figure size 0.5x0.5>'}}, raw=True)",
        [{"image/png": PNG_A, "text/plain": "<Figure size 0.5x0.5>"}],
        tagged=False,
    ),
    "widget model ids not compared": display_cell(
        "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'b2', 'version_major': 2,"
        " 'version_minor': 0}, 'text/plain': 'slider 0.51'}, raw=True)",
        [
            {
                "application/vnd.jupyter.widget-view+json": {"model_id": "a1", "version_major": 2, "version_minor": 0},
                "text/plain": "slider 0.5",
            }
        ],
    ),
}
PASS = {
    "within tolerance",
    "untagged identical",
    "per-cell tolerance",
    "exponent and unicode minus",
    "images not compared",
    "widget model ids not compared",
}


def run_nbval(
    tmp_path: Path, cells: list, *args: str, env: dict | None = None, metadata: dict | None = None
) -> subprocess.CompletedProcess:
    nb = nbformat.v4.new_notebook(cells=cells, metadata=metadata or {})
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "synthetic.ipynb")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.nbval_approx", "--nbval",
         "--nbval-current-env", "-v", "--rootdir", str(tmp_path), *args, str(tmp_path / "synthetic.ipynb")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "NBVAL_EXACT": "", **(env or {})},
    )  # fmt: skip


def verdicts(report: str) -> dict[int, str]:
    return {int(n): v for n, v in re.findall(r"synthetic(?:\.|::)ipynb::Cell (\d+) (PASSED|FAILED)", report)}


def failure_text(report: str, n: int) -> str:
    """The FAILURES section of cell n."""
    parts = re.split(r"_{3,} synthetic\.ipynb::Cell (\d+) _{3,}", report)
    return dict(zip(parts[1::2], parts[2::2], strict=True)).get(str(n), "")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    result = run_nbval(tmp_path_factory.mktemp("nb"), list(CELLS.values()))
    return result.stdout + result.stderr


@pytest.mark.parametrize("name", list(CELLS))
def test_each_cell_passes_or_fails_as_it_should(name, report):
    n = list(CELLS).index(name)
    assert verdicts(report).get(n) == ("PASSED" if name in PASS else "FAILED"), report[-3000:]


def test_failure_beyond_tolerance_shows_both_values_and_the_tolerance(report):
    text = failure_text(report, list(CELLS).index("beyond tolerance"))
    assert "stored 0.0204, now 0.03" in text and "moved 47.06 %" in text, text
    assert f"tolerance {100 * nbval_approx.DEFAULT_RTOL:g} % relative" in text, text


def test_a_changed_word_is_reported_as_such(report):
    text = failure_text(report, list(CELLS).index("changed word"))
    assert "the text around the numbers differs" in text and "train MSE" in text, text


def test_summary_line_proves_the_hook_was_called(report):
    # an nbval that stopped calling compare_outputs would pass "within tolerance" nowhere and print no summary
    assert re.search(rf"{TAG}: \d+ tagged cell\(s\) compared with tolerance; [1-9]\d* matched only within", report)


def test_exact_switch_compares_tagged_cells_exactly(tmp_path):
    cells = [CELLS["within tolerance"], CELLS["untagged identical"]]
    for args, env in ((("--nbval-exact",), None), ((), {"NBVAL_EXACT": "1"})):
        result = run_nbval(tmp_path, cells, *args, env=env)
        assert verdicts(result.stdout) == {0: "FAILED", 1: "PASSED"}, result.stdout[-2000:]


def test_bad_cell_settings_are_refused_with_a_reason(tmp_path):
    bad = cell("0.5", "0.5", rtol=0.5)
    bad.metadata[TAG] = {"rtol": 0.5, "tol": 1}
    result = run_nbval(tmp_path, [bad])
    assert "unknown nbval-approx setting(s) ['tol']" in result.stdout, result.stdout[-2000:]
    too_loose = cell("0.5", "0.5", rtol=0.3)
    result = run_nbval(tmp_path, [too_loose])
    assert "rtol must lie in [0, 0.2]" in result.stdout, result.stdout[-2000:]


def test_the_trained_only_pass_leaves_out_notebooks_without_a_tagged_cell(tmp_path):
    result = run_nbval(tmp_path, [CELLS["untagged identical"]], "--nbval-trained-only")
    assert verdicts(result.stdout) == {}, result.stdout[-2000:]
    assert f"{TAG}: not run on this pass, no number from training to compare: synthetic.ipynb" in result.stdout
    result = run_nbval(tmp_path, [CELLS["within tolerance"], CELLS["untagged identical"]], "--nbval-trained-only")
    assert verdicts(result.stdout) == {0: "PASSED", 1: "PASSED"}, result.stdout[-2000:]


def test_notebook_wide_tolerance_is_refused(tmp_path):
    result = run_nbval(tmp_path, [CELLS["within tolerance"]], metadata={TAG: {"rtol": 0.1}})
    assert result.returncode != 0 and "set for the whole notebook" in result.stdout, result.stdout[-2000:]


@pytest.mark.parametrize(
    "text, masked, numbers",
    [
        ("test MSE 0.0204.", "test MSE <number>.", [0.0204]),
        ("4.5x PCA's error, 1.8× higher", "<number>x PCA's error, <number>× higher", [4.5, 1.8]),
        ("below 1e-6; 3e-30", "below <number>; <number>", [1e-6, 3e-30]),
        ("range [\u22121.000, 0.999]", "range [<number>, <number>]", [-1.0, 0.999]),
        ("torch 2.14.1, nbval v0.11, 60,000 images, PCA-10, (64, 1, 28, 28)", None, []),
        ("fashion_3d 10% 0.5·MSE", "fashion_3d 10% <number>·MSE", [0.5]),
    ],
)
def test_mask_finds_decimal_numbers_and_leaves_integers_and_versions(text, masked, numbers):
    assert mask(text) == (masked if masked is not None else text, numbers)


def test_the_repo_conftest_loads_the_plugin():
    conftest = (REPO / "conftest.py").read_text()
    assert "tests.nbval_approx" in conftest
    assert "tests.nbval_approx" in sys.modules or any("nbval_approx" in m for m in sys.modules)
