"""Test order for `make test`: unit tests, then nbval over the lessons, then the tests that use the lessons' work.

The lessons save their trained models as checkpoints (`aelib.recipes.load_or_train`). The quality bars score the
checkpoints the lessons wrote in this session, and the browser test opens lesson 06, which loads those checkpoints.
Run after nbval, they take seconds per model instead of training it again. Order within each group is kept.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")  # no display in tests; before any test module imports pyplot

import pytest  # noqa: E402
import torch  # noqa: E402

import aelib.train as train_module  # noqa: E402

# tests/i18n/ holds a tiny lesson that test_i18n.py edits in a copy; it is data, not a notebook for nbval to run.
collect_ignore_glob = ["i18n/*"]

LAST = ("test_quality.py", "test_browser.py")


def pytest_collection_modifyitems(session, config, items) -> None:
    def group(item) -> int:
        name = item.path.name
        return 2 if name in LAST else 0 if name.startswith("test_") else 1  # tests/, notebooks/, last ones

    items.sort(key=group)  # stable: keeps pytest's order within each group


@pytest.fixture(autouse=True)
def no_checkpoint_reuse(monkeypatch):
    """A learner's AELIB_REUSE_CHECKPOINTS=1 must not turn a test's training into loading; the tests that want
    reuse set it themselves."""
    monkeypatch.delenv("AELIB_REUSE_CHECKPOINTS", raising=False)


@pytest.fixture
def one_thread():
    """Tiny models train fastest on one thread, as the exercise checks do; two threads spin against any other busy
    process on a 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def epochs_run(monkeypatch) -> list:
    """One entry per epoch fit really trained (a spy on aelib.train._train_epoch)."""
    run, real_epoch = [], train_module._train_epoch
    monkeypatch.setattr(train_module, "_train_epoch", lambda *a, **k: run.append(1) or real_epoch(*a, **k))
    return run


@pytest.fixture(autouse=True)
def _close_figures():
    """No figure outlives its test (matplotlib warns past 20 open ones, and each holds its pixels)."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


@pytest.fixture(scope="module")
def fashion():
    """A tiny untrained 3-d Fashion-shaped autoencoder on synthetic images (tests/synthetic.py): a Subject."""
    from tests.synthetic import subject

    return subject()
