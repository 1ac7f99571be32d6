"""One definition of a run: RunSettings is what fit takes, what a Recipe is made of and what a checkpoint records."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
import torch

from aelib import checkpoint, recipes, runs, train
from aelib.runs import RunSettings
from tests.test_train import FAST, blobs, make, same_weights

PACKAGE = Path(runs.__file__).resolve().parent


def test_settings_are_checked_normalised_and_recorded():
    s = RunSettings(epochs=3, term_weights={"kl": 2.0, "a": 0.0})
    assert s.term_weights == (("a", 0.0), ("kl", 2.0))  # a dict becomes a sorted tuple: hashable, one order
    assert s.record()["term_weights"] == {"a": 0.0, "kl": 2.0} and s.record()["epochs"] == 3
    assert s.replace(lr=3e-3) != s and s.replace(lr=3e-3).lr == 3e-3
    with pytest.raises(TypeError, match=r"unknown training setting 'epoch'; the settings are epochs, batch_size"):
        RunSettings.of(epoch=3)
    with pytest.raises(ValueError, match="unknown schedule 'cosine'"):
        RunSettings(schedule="cosine")
    with pytest.raises(ValueError, match="use scale='unit'"):
        RunSettings(loss="bce", scale="symmetric")


def test_a_new_setting_is_declared_once():
    """fit, Recipe and the checkpoint's record all take their settings from RunSettings's fields."""
    names = RunSettings.names()
    assert set(names) <= {f.name for f in dataclasses.fields(recipes.Recipe)}
    assert set(names) <= set(RunSettings().record())
    fit_own = {"model", "train", "settings", "val", "watch", "device", "progress", "channels_last", "checkpoint",
               "resume", "reuse", "overwrite", "tags", "on_epoch", "changes"}
    source = ast.parse((PACKAGE / "train.py").read_text(encoding="utf-8"))
    fit = next(n for n in source.body if isinstance(n, ast.FunctionDef) and n.name == "fit")
    declared = {a.arg for a in (*fit.args.args, *fit.args.kwonlyargs)} | {fit.args.kwarg.arg}
    assert declared == fit_own, "fit declares a training setting of its own: make it a field of RunSettings"


def test_fit_takes_the_settings_as_keywords_or_as_an_object_alike(tmp_path):
    images = blobs(128)
    a, b = make(), make()
    ha = train.fit(a, images, epochs=2, batch_size=32, lr=3e-3, checkpoint=tmp_path / "a.pt", **FAST)
    hb = train.fit(b, images, RunSettings(epochs=2, batch_size=32), lr=3e-3, checkpoint=tmp_path / "b.pt", **FAST)
    assert same_weights(a, b) and ha.train_loss == hb.train_loss
    config = checkpoint.load_checkpoint(tmp_path / "a.pt")["config"]
    assert config == checkpoint.load_checkpoint(tmp_path / "b.pt")["config"]
    assert {k: config[k] for k in RunSettings.names()} == RunSettings(epochs=2, batch_size=32, lr=3e-3).record()


def test_a_checkpoint_of_an_earlier_format_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "old.pt"
    checkpoint.save_checkpoint(path, make(), None, 1, {"epochs": []}, None, {})
    saved = torch.load(path, weights_only=True)
    saved["format"] = "aelib-checkpoint-1"
    torch.save(saved, path)
    with pytest.raises(checkpoint.CheckpointError, match=r"another version of aelib \(aelib-checkpoint-1.*train again"):
        checkpoint.load_checkpoint(path)


def test_no_function_takes_more_than_eight_positional_parameters():
    crowded = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                positional = [a for a in (*node.args.posonlyargs, *node.args.args) if a.arg not in ("self", "cls")]
                if len(positional) > 8:
                    crowded.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} ({len(positional)})")
    assert not crowded, "functions with more than 8 positional parameters (group them, or make them keywords): " + (
        ", ".join(crowded))
