"""aelib.challenge on a tiny stand-in (a small model, a few thousand synthetic images): it scores each epoch,
stops at the target, at the time budget or at the last epoch, never replaces a run unasked, and resumes exactly."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial

import pytest
import torch

from aelib import challenge, models, recipes
from aelib.__main__ import build_parser
from aelib.checkpoint import load_checkpoint
from tests.test_train import blobs

SMALL = replace(recipes.HINTON_2006, epochs=3, batch_size=64, model=partial(models.code_size_autoencoder, 4),
                lr=3e-3, schedule="onecycle")


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("AELIB_PROGRESS", "0")
    train, test = blobs(512), blobs(128, seed=1)
    lines: list[str] = []

    def run(recipe=SMALL, target=0.0, **kwargs):
        kwargs.setdefault("checkpoint", tmp_path / "run.pt")
        return challenge.run(recipe, target, train_images=train, test_images=test, say=lines.append, **kwargs)

    run.lines, run.path = lines, tmp_path / "run.pt"
    return run


def test_scores_every_epoch_and_stops_after_the_last(run):
    result = run()
    assert [e.epoch for e in result.epochs] == [1, 2, 3] and result.stopped == "epochs"
    assert all(e.test_sse > 0 for e in result.epochs) and result.best.test_sse == min(
        e.test_sse for e in result.epochs)
    assert result.passed is None and "Not passed (epochs)" in run.lines[-1]
    assert result.train_sse > 0 and "On its training images the last model scores" in run.lines[-1]
    assert sum(line.startswith("epoch ") and "test SSE per image" in line for line in run.lines) == 3
    saved = json.loads(run.path.with_name("run.pt.json").read_text())
    assert saved["stopped"] == "epochs" and [e["epoch"] for e in saved["epochs"]] == [1, 2, 3]
    assert load_checkpoint(run.path)["epoch"] == 3


def test_stops_when_the_target_is_passed(run):
    result = run(target=1e6)
    assert result.stopped == "target" and len(result.epochs) == 1 and result.passed.epoch == 1
    assert "Passed it at epoch 1" in run.lines[-1] and load_checkpoint(run.path)["epoch"] == 1


def test_stops_before_an_epoch_that_would_exceed_the_budget(run):
    result = run(minutes=1e-6)
    assert result.stopped == "time" and len(result.epochs) == 1


def test_never_replaces_a_run_unasked_and_resumes_it_exactly(run, tmp_path):
    run(minutes=1e-6)  # stopped by time after epoch 1
    with pytest.raises(FileExistsError, match="--resume continues it, --restart replaces it"):
        run()
    resumed = run(resume=True)
    assert [e.epoch for e in resumed.epochs] == [1, 2, 3] and resumed.stopped == "epochs"
    straight = run(checkpoint=tmp_path / "straight.pt")
    assert [e.test_sse for e in resumed.epochs] == [e.test_sse for e in straight.epochs]
    a, b = (load_checkpoint(p)["model"] for p in (run.path, tmp_path / "straight.pt"))
    assert all(torch.equal(a[k], b[k]) for k in a)
    spent = run(resume=True, minutes=1e-6)  # its budget used up already: nothing is trained
    assert spent.stopped == "time" and len(spent.epochs) == 3 and "pass a larger --minutes" in run.lines[-2]
    restarted = run(restart=True, target=1e6)
    assert len(restarted.epochs) == 1 and load_checkpoint(run.path)["epoch"] == 1
    with pytest.raises(ValueError, match="choose one"):
        run(resume=True, restart=True)
    with pytest.raises(ValueError, match="minutes must be positive"):
        run(minutes=0)


def test_the_command_line_and_the_long_recipe():
    args = build_parser().parse_args(["challenge", "hinton2006", "--minutes", "5", "--resume"])
    assert args.func is challenge.main and args.minutes == 5 and args.resume and not args.restart
    with pytest.raises(SystemExit):
        build_parser().parse_args(["challenge", "hinton2007"])
    long = recipes.HINTON_2006.original()
    assert long.epochs == 75 and long.schedule == "onecycle" and long.lr == 2e-3
    assert long.model is recipes.HINTON_2006.model and long.batch_size == recipes.HINTON_2006.batch_size
    assert challenge.CHALLENGES["hinton2006"][1] == challenge.PAPER_SSE["deep autoencoder"] == 3.00


def test_the_saved_figures_are_drawn_to_a_png(run, tmp_path):
    run()
    out = challenge.plot(run.path.with_name("run.pt.json"), tmp_path / "fig" / "curve.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(FileNotFoundError, match="run the challenge first"):
        challenge.plot(tmp_path / "none.json", tmp_path / "x.png")


def test_the_command_refuses_an_existing_run_in_one_line(tmp_path, monkeypatch, capsys):
    ckpt = tmp_path / "run.pt"
    monkeypatch.setattr(challenge, "run", lambda *a, **k: (_ for _ in ()).throw(FileExistsError(f"{ckpt} exists")))
    args = build_parser().parse_args(["challenge", "hinton2006", "--checkpoint", str(ckpt)])
    assert challenge.main(args) == 2
    assert capsys.readouterr().err == f"error: {ckpt} exists\n"
