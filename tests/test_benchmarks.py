"""The scripts in benchmarks/ still run against today's aelib: each on untrained models, a couple of updates (the
numbers they print are measurements for the docs, not checked here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.integration
def test_widget_latency_times_every_explorer(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AELIB_CHECKPOINTS", str(tmp_path))
    load("widget_latency").main(["--untrained", "--repeat", "2"])
    out = capsys.readouterr().out
    for row in ("reconstruction browser", "latent explorer", "interpolation", "denoising lab", "code size explorer",
                "threshold explorer (09)", "3-D scatter"):
        assert row in out, out
    assert not any(tmp_path.iterdir())  # untrained: nothing trained, nothing saved
