"""Checkpoints never lose a run: damaged or foreign files give one clear error, and fit never writes over another run
unasked. Tiny models and synthetic images (tests/test_train.py), no dataset."""

from __future__ import annotations

import io
import traceback
import zipfile

import pytest
import torch

from aelib.checkpoint import CheckpointError, CheckpointExistsError, load_checkpoint, load_model, save_checkpoint
from aelib.train import History, fit
from tests.test_train import FAST, OtherDense, TinyConv, blobs, make, same_weights

OPTS = dict(epochs=2, batch_size=64, lr=3e-3, seed=5, **FAST)


def good_checkpoint(path) -> bytes:
    model = make()
    with torch.no_grad():  # a recognisable weight: its bytes can be found in the file
        model.decoder[0].bias.copy_(torch.arange(784, dtype=torch.float32) / 7)
    save_checkpoint(path, model, None, 1, History(), {"seed": 0})
    return path.read_bytes()


def flip_a_weight_byte(good: bytes) -> bytes:
    needle = (torch.arange(784, dtype=torch.float32) / 7).numpy().tobytes()[400:432]
    at = good.index(needle) + 5
    return good[:at] + bytes([good[at] ^ 0x10]) + good[at + 1 :]


def without_key(path, key: str) -> bytes:
    state = torch.load(path, weights_only=True)
    del state[key]
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "not a model")
    return buf.getvalue()


def torch_file(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


# kind of damage -> (the file's bytes given a good checkpoint's, what the message must say)
DAMAGED = {
    "truncated": (lambda good, p: good[: len(good) // 2], "is damaged: the file is cut short"),
    "empty": (lambda good, p: b"", "is damaged: the file is cut short"),
    "garbage": (lambda good, p: b"these are not the weights you are looking for", "is not a checkpoint"),
    "random bytes": (lambda good, p: bytes(range(256)) * 8, "is not a checkpoint"),
    "a zip, not torch": (lambda good, p: plain_zip(), "is a zip file but not a torch checkpoint"),
    "a pickled module": (lambda good, p: torch_file(make()), "holds pickled Python objects"),
    "a bare state_dict": (lambda good, p: torch_file(make().state_dict()), "is not an aelib checkpoint"),
    "a tensor": (lambda good, p: torch_file(torch.zeros(3)), "is not an aelib checkpoint"),
    "missing keys": (lambda good, p: without_key(p, "model"), "has no model"),
    "a flipped bit": (lambda good, p: flip_a_weight_byte(good), "do not match the checksum"),
}


@pytest.mark.parametrize("kind", list(DAMAGED))
def test_a_damaged_checkpoint_raises_one_error_that_names_the_file_and_what_to_do(kind, tmp_path):
    path = tmp_path / "run.pt"
    good = good_checkpoint(path)
    damage, says = DAMAGED[kind]
    path.write_bytes(damage(good, path))
    for load in (lambda: load_checkpoint(path), lambda: load_model(path, make())):
        with pytest.raises(CheckpointError) as caught:
            load()
        message = str(caught.value)
        assert str(path) in message and says in message, message
        assert "Delete it and train again, or pass another path" in message or "aelib" in message, message
        assert caught.value.path == path and "\n" not in caught.value.reason
        shown = "".join(traceback.format_exception(caught.value))  # what a notebook shows, causes included
        assert "weights_only=False" not in shown and "`weights_only` set to `False`" not in shown, shown


def test_a_good_checkpoint_still_loads_and_a_missing_one_says_so(tmp_path):
    path = tmp_path / "run.pt"
    good_checkpoint(path)
    model = load_model(path, make(init_seed=3))
    assert torch.equal(model.decoder[0].bias, torch.arange(784, dtype=torch.float32) / 7)
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*nothing.pt"):
        load_checkpoint(tmp_path / "nothing.pt")
    with pytest.raises(CheckpointError, match="is a folder"):
        load_checkpoint(tmp_path)


def test_fit_refuses_to_write_over_another_run_before_training(tmp_path, epochs_run):
    path, images = tmp_path / "long_run.pt", blobs(256)
    fit(make(), images, checkpoint=path, **OPTS)
    kept = path.read_bytes()
    epochs_run.clear()
    others = {
        "another architecture": (make(hidden=8), images, {}),
        "another class": (make(OtherDense), images, {}),
        "a conv model": (make(TinyConv), images, {}),
        "another lr": (make(), images, {"lr": 1e-3}),
        "more epochs": (make(), images, {"epochs": 3}),
        "another seed": (make(), images, {"seed": 6}),
        "other images": (make(), blobs(256, seed=1), {}),
    }
    for what, (model, data, change) in others.items():
        with pytest.raises(CheckpointExistsError) as caught:
            fit(model, data, checkpoint=path, **{**OPTS, **change})
        message = str(caught.value)
        assert str(path) in message and "overwrite=True" in message and f"resume='{path}'" in message, what
        assert epochs_run == [] and path.read_bytes() == kept, f"{what}: trained or wrote over the run"
    assert "holds a run of another architecture (TinyDense; the model given is OtherDense)" in str(pytest.raises(
        CheckpointExistsError, fit, make(OtherDense), images, checkpoint=path, **OPTS).value)
    assert "another run (lr=0.003 where this run has 0.001)" in str(pytest.raises(
        CheckpointExistsError, fit, make(), images, checkpoint=path, **{**OPTS, "lr": 1e-3}).value)

    # The same run (validation and watch images aside) is rewritten, as after every epoch.
    fit(make(), images, checkpoint=path, val=blobs(32, seed=2), watch=blobs(2, seed=3), **OPTS)
    assert len(epochs_run) == 2 and load_checkpoint(path)["epoch"] == 2

    # Way past 1: overwrite=True replaces it with the new run.
    fit(make(hidden=8), images, checkpoint=path, overwrite=True, **OPTS)
    assert load_checkpoint(path)["param_shapes"]["encoder.2.weight"] == [8, 784]
    # Way past 2: resume= continues the run in the file, in place.
    fit(make(hidden=8), images, checkpoint=path, resume=path, **{**OPTS, "epochs": 3})
    saved = load_checkpoint(path)
    assert saved["epoch"] == 3 and saved["config"]["epochs"] == 3 and len(saved["history"]["epochs"]) == 3


def test_fit_refuses_to_write_over_a_file_that_is_no_checkpoint(tmp_path, epochs_run):
    path = tmp_path / "notes.pt"
    path.write_bytes(b"a learner's notes, not a checkpoint")
    with pytest.raises(CheckpointExistsError, match="is not a checkpoint.*so fit will not write over it"):
        fit(make(), blobs(64), checkpoint=path, **OPTS)
    assert path.read_bytes() == b"a learner's notes, not a checkpoint" and epochs_run == []
    fit(make(), blobs(64), checkpoint=path, overwrite=True, **OPTS)
    assert load_checkpoint(path)["epoch"] == 2


def test_an_unfinished_run_of_the_same_settings_is_trained_again_with_a_note(tmp_path, capsys):
    path, images = tmp_path / "run.pt", blobs(128)
    fit(make(), images, checkpoint=path, **{**OPTS, "epochs": 3})
    saved = load_checkpoint(path)
    state = {**saved, "epoch": 1}  # as if interrupted after its first epoch
    buf = io.BytesIO()
    torch.save(state, buf)
    path.write_bytes(buf.getvalue())
    again = make()
    fit(again, images, checkpoint=path, **{**OPTS, "epochs": 3})
    assert f"{path} holds 1 of this run's 3 epochs: training it again from epoch 1 (resume='{path}'" in (
        capsys.readouterr().out
    )
    assert load_checkpoint(path)["epoch"] == 3 and same_weights(again, load_model(path, make()))


def test_a_checkpoint_records_the_settings_that_made_it(tmp_path):
    path, images = tmp_path / "run.pt", blobs(128)
    fit(make(), images, checkpoint=path, noise_std=0.2, weight_decay=1e-5, tags={"recipe": "tiny"}, **OPTS)
    config = load_checkpoint(path)["config"]
    expected = dict(epochs=2, batch_size=64, lr=3e-3, weight_decay=1e-5, loss="mse", noise_std=0.2, scale="unit",
                    seed=5, tags={"recipe": "tiny"}, val=None, watch=None)
    assert {k: config[k] for k in expected} == expected
    assert config["model"] == str(make()) and len(config["data"]) == 16
