"""nbval-approx: compare the numbers of chosen notebook cells within a tolerance, everything else exactly.

nbval compares a cell's new outputs with the stored ones as text, exactly. Numbers that come out of training
differ between CPU models (float32 kernels round differently, and a few epochs turn that into a different third
digit), so a lesson's stored outputs would only pass on the machine that wrote them. This plugin extends nbval's
comparison for cells tagged ``nbval-approx``:

- the text around the numbers must match exactly (words, integers, shapes, the number of outputs and lines);
- each decimal number (one with a point or an exponent: ``0.0204``, ``19.2``, ``3e-05``) must match the stored
  one within ``max(rtol * |stored|, atol)``. Integers (``60000``, ``57``, ``(64, 1, 28, 28)``) stay exact.

Tolerance: ``DEFAULT_RTOL`` and ``DEFAULT_ATOL`` below, measured by running every lesson under several float paths
(docs/testing.md). A cell may set its own in its metadata::

    "metadata": {"tags": ["nbval-approx"], "nbval-approx": {"rtol": 0.05}}

Never for a whole notebook: notebook-level ``nbval-approx`` metadata is refused. Untagged cells, images and widget
views are compared exactly as nbval compares them (images and widget model ids not at all). ``--nbval-exact`` (or
``NBVAL_EXACT=1`` in the environment) turns the tolerance off, to check determinism on the machine that wrote the
outputs.

It wraps ``nbval.plugin.IPyNbCell.compare_outputs``, the one method nbval 0.11 compares a cell's outputs with; the
repo pins nbval (requirements.lock) and ``tests/test_nbval_approx.py`` runs a notebook that only this comparison
can pass, so an nbval that stops calling the method fails loudly. Loaded by the repo's root ``conftest.py``, so a
plain ``pytest --nbval notebooks/`` uses it.
"""

from __future__ import annotations

import copy
import math
import os
import re
from dataclasses import dataclass

import pytest

TAG = "nbval-approx"
DEFAULT_RTOL = 0.15  # relative: >= 2x the largest move measured in each lesson (docs/testing.md)
DEFAULT_ATOL = 1e-6  # absolute floor, for printed numbers at or near zero
PLACEHOLDER = "<number>"

# A decimal number that stands alone: not part of a word or a version ("v0.11", "2.14.1"), not followed by more
# digits. A sentence's full stop after it is fine ("... 0.0204."). Integers are left out on purpose: exact.
NUMBER = re.compile(
    r"(?<![\w.])[-\u2212]?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?!\d|\.\d)"
)


@dataclass(frozen=True)
class Tolerance:
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL

    def allows(self, stored: float, new: float) -> bool:
        return abs(new - stored) <= max(self.rtol * abs(stored), self.atol)


@dataclass(frozen=True)
class Move:
    """One tagged number that differed from its stored value (and was accepted or not)."""

    where: str
    stored: float
    new: float
    tolerance: Tolerance

    @property
    def relative(self) -> float:
        return abs(self.new - self.stored) / abs(self.stored) if self.stored else math.inf

    def describe(self) -> str:
        return (
            f"stored {self.stored:g}, now {self.new:g}: moved {100 * self.relative:.2f} % "
            f"(tolerance {100 * self.tolerance.rtol:g} % relative, {self.tolerance.atol:g} absolute)"
        )


def parse_number(text: str) -> float:
    return float(text.replace("\u2212", "-"))


def mask(text: str) -> tuple[str, list[float]]:
    """``text`` with every decimal number replaced by a placeholder, and the numbers in order."""
    numbers: list[float] = []

    def keep(match: re.Match) -> str:
        numbers.append(parse_number(match.group()))
        return PLACEHOLDER

    return NUMBER.sub(keep, text), numbers


def tolerance_of(cell) -> Tolerance | None:
    """The cell's tolerance if it is tagged ``nbval-approx``, else None. Bad metadata is an error, not a default."""
    if TAG not in cell.metadata.get("tags", []):
        if TAG in cell.metadata:
            raise ValueError(f"cell metadata has {TAG!r} settings but the cell lacks the {TAG!r} tag: add the tag")
        return None
    settings = dict(cell.metadata.get(TAG, {}))
    unknown = set(settings) - {"rtol", "atol"}
    if unknown:
        raise ValueError(f"unknown {TAG} setting(s) {sorted(unknown)} in cell metadata: use 'rtol' and/or 'atol'")
    tolerance = Tolerance(**{k: float(v) for k, v in settings.items()})
    if not 0 <= tolerance.rtol <= 0.2 or tolerance.atol < 0:
        raise ValueError(f"{TAG}: rtol must lie in [0, 0.2] and atol be >= 0, got {tolerance}")
    return tolerance


def masked_outputs(item, outputs, skip: tuple[str, ...]):
    """Copies of ``outputs`` with the numbers of every compared text masked (after nbval's own sanitizing), and
    the numbers per comparison key (stream name or MIME type) in output order, the way nbval groups them."""
    import nbformat

    numbers: dict[str, list[float]] = {}
    masked = []
    for output in outputs:
        out = copy.deepcopy(dict(output))
        if out.get("output_type") == "stream":
            out["text"], found = mask(item.sanitize(out["text"]))
            numbers.setdefault(out["name"], []).extend(found)
        for key, value in dict(out.get("data", {})).items():
            if key not in skip and isinstance(value, str):
                out["data"][key], found = mask(item.sanitize(value))
                numbers.setdefault(key, []).extend(found)
        masked.append(nbformat.from_dict(out))
    return masked, numbers


class Record:
    """What the tolerant comparison did in this session, for the summary line and the tests."""

    def __init__(self) -> None:
        self.cells = 0  # tagged cells compared
        self.within = 0  # of those, cells that matched only within the tolerance
        self.largest: Move | None = None
        self.left_out: list[str] = []  # notebooks --nbval-trained-only did not run


RECORD = Record()


def exact_mode(config) -> bool:
    return bool(config.getoption("nbval_exact", False)) or os.environ.get("NBVAL_EXACT", "") not in ("", "0")


def tolerant_compare(original):
    def compare_outputs(self, test, ref, skip_compare=None):
        tolerance = tolerance_of(self.cell)
        if TAG in getattr(self.parent, "nb", {}).get("metadata", {}):
            raise ValueError(f"{self.parent.fspath}: {TAG} is set for the whole notebook; tag single cells instead")
        if tolerance is None:
            return original(self, test, ref, skip_compare)
        RECORD.cells += 1
        if exact_mode(self.config):
            return original(self, test, ref, skip_compare)
        if original(self, test, ref, skip_compare):
            return True
        exact_traceback = self.comparison_traceback
        skip = skip_compare or self.parent.skip_compare
        masked_test, test_numbers = masked_outputs(self, test, skip)
        masked_ref, ref_numbers = masked_outputs(self, ref, skip)
        if not original(self, masked_test, masked_ref, skip_compare):
            self.comparison_traceback = [
                *exact_traceback,
                f"{TAG}: the text around the numbers differs (a word, an integer, a shape or the number of "
                "outputs), which no tolerance allows.",
            ]
            return False
        moves = [
            Move(f"{key} number {i + 1}", stored, new, tolerance)
            for key, stored_numbers in ref_numbers.items()
            for i, (stored, new) in enumerate(zip(stored_numbers, test_numbers[key], strict=True))
            if stored != new
        ]
        failed = [m for m in moves if not m.tolerance.allows(m.stored, m.new)]
        if failed:
            self.comparison_traceback = [
                *exact_traceback,
                f"{TAG}: {len(failed)} number(s) beyond the tolerance:",
                *(f"  {m.where}: {m.describe()}" for m in failed),
            ]
            return False
        RECORD.within += 1
        for m in moves:
            if RECORD.largest is None or m.relative > RECORD.largest.relative:
                RECORD.largest = Move(f"{self.nodeid} {m.where}", m.stored, m.new, m.tolerance)
        return True

    compare_outputs.__wrapped__ = original
    return compare_outputs


def pytest_addoption(parser) -> None:
    parser.getgroup("general").addoption(
        "--nbval-exact",
        action="store_true",
        help=f"compare cells tagged {TAG} exactly too (determinism check on the machine that wrote the outputs)",
    )
    parser.getgroup("general").addoption(
        "--nbval-trained-only",
        action="store_true",
        help=f"only notebooks with a cell tagged {TAG} (a number that comes from training): for a pass on another "
        "float path, where a notebook without one has nothing that can move",
    )


def trains(path) -> bool:
    """Whether a notebook prints numbers that come out of training: it has a cell tagged ``nbval-approx``."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return any(TAG in cell.metadata.get("tags", []) for cell in nb.cells if cell.cell_type == "code")


def pytest_collection_modifyitems(config, items) -> None:
    if not config.getoption("nbval_trained_only", False):
        return
    verdict: dict = {}
    for item in items:
        if item.path.suffix == ".ipynb" and item.path not in verdict:
            verdict[item.path] = trains(item.path)
    left_out = [item for item in items if not verdict.get(item.path, True)]
    if left_out:
        RECORD.left_out = sorted({item.path.name for item in left_out})
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if verdict.get(item.path, True)]


def pytest_configure(config) -> None:
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to extend
        return
    if not callable(getattr(IPyNbCell, "compare_outputs", None)):
        raise pytest.UsageError(
            f"{TAG}: this nbval has no IPyNbCell.compare_outputs to extend; install the version in requirements.lock"
        )
    if not hasattr(IPyNbCell.compare_outputs, "__wrapped__"):
        IPyNbCell.compare_outputs = tolerant_compare(IPyNbCell.compare_outputs)


def pytest_terminal_summary(terminalreporter) -> None:
    if RECORD.left_out:
        terminalreporter.write_line(
            f"{TAG}: not run on this pass, no number from training to compare: {', '.join(RECORD.left_out)}"
        )
    if not RECORD.cells:
        return
    mode = "exactly (--nbval-exact)" if exact_mode(terminalreporter.config) else "with tolerance"
    line = f"{TAG}: {RECORD.cells} tagged cell(s) compared {mode}; {RECORD.within} matched only within tolerance"
    if RECORD.largest:
        line += f"; largest move: {RECORD.largest.where}: {RECORD.largest.describe()}"
    terminalreporter.write_line(line)
