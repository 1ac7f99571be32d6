"""Tests of aelib.train and aelib.checkpoint with tiny models defined here and synthetic images (no dataset)."""

from __future__ import annotations

import os

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from aelib.checkpoint import load_checkpoint, load_model, save_checkpoint
from aelib.train import EpochStats, History, TrainingDiverged, fit, resolve_device

FAST = dict(device="cpu", progress=False)


def blobs(n: int = 512, seed: int = 0) -> torch.Tensor:
    """uint8 (n, 28, 28) Gaussian blobs of random position and size: structure a tiny AE can learn."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    cy, cx = (torch.rand(2, n, 1, 1, generator=g) * 16 + 6).unbind(0)
    r = torch.rand(n, 1, 1, generator=g) * 4 + 2
    return (torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r**2)) * 255).round().to(torch.uint8)


class TinyDense(nn.Module):
    """784 → hidden → 784 with a sigmoid; records its inputs when ``record`` is set."""

    def __init__(self, hidden: int = 16, dropout: float = 0.0):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(784, hidden), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(hidden, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))
        self.record, self.inputs = False, []

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.record:
            self.inputs.append(x.detach().clone())
        return self.decode(self.encode(x))


class OtherDense(TinyDense):
    """Same parameter shapes as TinyDense, another class: a checkpoint of one must not load into the other."""


class TinyConv(nn.Module):
    """A conv AE that records whether its hidden activations are channels_last."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU())  # (N, 4, 14, 14)
        self.decoder = nn.Sequential(nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1), nn.Sigmoid())
        self.channels_last = []

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encode(x)
        self.channels_last.append(h.is_contiguous(memory_format=torch.channels_last))
        return self.decode(h)


def make(cls=TinyDense, init_seed: int = 0, **kwargs) -> nn.Module:
    torch.manual_seed(init_seed)
    return cls(**kwargs)


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_loss_decreases_and_history_fields():
    history = fit(make(), blobs(), epochs=4, lr=1e-2, **FAST)
    assert isinstance(history, History) and len(history.epochs) == 4
    assert [e.epoch for e in history.epochs] == [1, 2, 3, 4]
    assert all(isinstance(e, EpochStats) for e in history.epochs)
    assert history.train_loss[-1] < 0.7 * history.train_loss[0]
    assert history.val_loss == [None] * 4
    assert all(e.seconds > 0 and e.samples_per_sec > 0 for e in history.epochs)
    text = str(history)
    assert "train_loss" in text and len(text.splitlines()) == 5 and repr(history) == text


def test_true_mean_with_partial_last_batch():
    images = blobs(100)  # batches of 64 and 36
    model = make()
    model.record = True  # to know which samples went into which batch
    history = fit(model, images, epochs=1, batch_size=64, lr=0.0, **FAST)  # lr=0: the weights stay as they are
    assert [len(x) for x in model.inputs] == [64, 36]
    x = images.float().unsqueeze(1) / 255
    with torch.no_grad():
        per_sample = F.mse_loss(model(x), x, reduction="none").mean(dim=(1, 2, 3)).double()
        batch_means = [F.mse_loss(model(b), b).double().item() for b in model.inputs[:2]]
    true_mean = per_sample.mean().item()
    assert history.train_loss[0] == pytest.approx(true_mean, rel=1e-6)
    naive = sum(batch_means) / 2  # what averaging batch losses gives: the 36 samples weigh too much
    assert abs(naive - true_mean) > 1e-4 * true_mean  # so the check above can tell the two apart


def test_dataloader_path_gives_the_same_true_mean():
    images = blobs(100)
    x = images.float().unsqueeze(1) / 255
    model = make()
    fast = fit(model, images, epochs=1, batch_size=64, lr=0.0, **FAST)
    loader = DataLoader(TensorDataset(x, torch.zeros(100)), batch_size=64, shuffle=True)
    slow = fit(model, loader, epochs=2, batch_size=64, lr=0.0, **FAST)
    assert isinstance(slow, History) and len(slow.epochs) == 2
    assert slow.train_loss[0] == pytest.approx(fast.train_loss[0], rel=1e-5)
    plain = fit(model, [x[:64], x[64:]], epochs=1, lr=0.0, **FAST)  # an iterable of plain x tensors
    assert plain.train_loss[0] == pytest.approx(fast.train_loss[0], rel=1e-5)
    trained = fit(make(), loader, epochs=3, lr=1e-2, **FAST)
    assert trained.train_loss[-1] < trained.train_loss[0]


def test_same_seed_same_run_and_other_seed_differs():
    images = blobs(256)
    runs = []
    for seed in (0, 0, 1):
        model = make(dropout=0.1)  # same initial weights each time: only fit's seed changes
        runs.append((model, fit(model, images, epochs=2, noise_std=0.2, val=0.2, seed=seed, **FAST)))
    (m0, h0), (m1, h1), (m2, h2) = runs
    assert h0.train_loss == h1.train_loss and h0.val_loss == h1.val_loss and same_weights(m0, m1)
    assert h0.train_loss != h2.train_loss and not same_weights(m0, m2)


def test_caller_rng_is_left_untouched():
    model = make(dropout=0.1)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fit(model, blobs(64), epochs=1, noise_std=0.3, **FAST)
    assert torch.equal(torch.rand(3), expected)


def test_resume_is_bit_identical(tmp_path):
    images, watch = blobs(300), blobs(4, seed=9)
    opts = dict(batch_size=32, lr=3e-3, noise_std=0.3, val=0.1, watch=watch, seed=5, **FAST)
    straight = make(dropout=0.1)
    h_straight = fit(straight, images, epochs=4, **opts)

    ckpt = tmp_path / "run.pt"
    first = make(dropout=0.1)
    fit(first, images, epochs=2, checkpoint=ckpt, **opts)
    resumed = make(init_seed=99, dropout=0.1)  # other initial weights: they must come from the checkpoint
    h_resumed = fit(resumed, images, epochs=4, resume=ckpt, checkpoint=ckpt, **opts)

    assert same_weights(straight, resumed)
    assert h_resumed.train_loss == h_straight.train_loss and h_resumed.val_loss == h_straight.val_loss
    assert len(h_resumed.snapshots) == 4
    assert all(torch.equal(a, b) for a, b in zip(h_resumed.snapshots, h_straight.snapshots, strict=True))
    assert load_checkpoint(ckpt)["epoch"] == 4
    with pytest.raises(ValueError, match="epochs"):
        fit(make(dropout=0.1), images, epochs=3, resume=ckpt, **opts)
    with pytest.warns(UserWarning, match="changed settings.*'lr'"):
        fit(make(dropout=0.1), images, epochs=5, resume=ckpt, **{**opts, "lr": 1e-4})


def test_reuse_loads_this_run_when_it_is_finished_and_trains_anything_else(tmp_path, epochs_run):
    images, watch = blobs(300), blobs(4, seed=9)
    opts = dict(epochs=2, batch_size=32, lr=3e-3, noise_std=0.3, val=0.1, watch=watch, seed=5, **FAST)
    ckpt = tmp_path / "run.pt"
    trained = make()
    h_trained = fit(trained, images, checkpoint=ckpt, **opts)
    epochs_run.clear()
    loaded = make(init_seed=99)  # other initial weights: they must come from the checkpoint
    h_loaded = fit(loaded, images, checkpoint=ckpt, reuse=True, **opts)
    assert epochs_run == [] and same_weights(loaded, trained) and not loaded.training
    assert h_loaded.train_loss == h_trained.train_loss and h_loaded.val_loss == h_trained.val_loss
    assert all(torch.equal(a, b) for a, b in zip(h_loaded.snapshots, h_trained.snapshots, strict=True))

    other_pixel = images.clone()
    other_pixel[0, 14, 14] ^= 1
    for change in (
        {"lr": 1e-3},  # another setting
        {"epochs": 3},  # more epochs than the file holds
        {"seed": 6},
        {"watch": blobs(4, seed=10)},  # the history would hold the wrong snapshots
        {"val": 0.2},
    ):
        epochs_run.clear()
        fit(make(), images, checkpoint=tmp_path / "copy.pt", overwrite=True, **opts)  # the same run, finished
        fit(make(), images, checkpoint=tmp_path / "copy.pt", reuse=True, overwrite=True, **{**opts, **change})
        assert len(epochs_run) == 2 + opts["epochs"] + ("epochs" in change), change
    for other in ((make(), other_pixel), (make(hidden=8), images), (make(OtherDense), images)):
        epochs_run.clear()
        fit(make(), images, checkpoint=tmp_path / "copy.pt", overwrite=True, **opts)
        fit(other[0], other[1], checkpoint=tmp_path / "copy.pt", reuse=True, overwrite=True, **opts)
        assert len(epochs_run) == 4, "other data or another architecture must train"
    (tmp_path / "copy.pt").write_bytes(b"not a checkpoint")
    epochs_run.clear()
    fit(make(), images, checkpoint=tmp_path / "copy.pt", reuse=True, overwrite=True, **opts)  # trained, replaced
    assert len(epochs_run) == 2 and load_checkpoint(tmp_path / "copy.pt")["epoch"] == 2
    epochs_run.clear()
    loader = DataLoader(TensorDataset(images.float().div(255).unsqueeze(1)), batch_size=32)
    fit(make(), loader, checkpoint=tmp_path / "loader.pt", **{**opts, "val": None})
    fit(make(), loader, checkpoint=tmp_path / "loader.pt", reuse=True, **{**opts, "val": None})
    assert len(epochs_run) == 4, "batches from a DataLoader cannot be fingerprinted: never reused"


def test_recipes_train_reuses_a_finished_run_only_when_asked(tmp_path, monkeypatch, epochs_run):
    from aelib import recipes

    monkeypatch.setenv("AELIB_CHECKPOINTS", str(tmp_path))
    monkeypatch.setenv("AELIB_PROGRESS", "0")
    tiny = recipes.Recipe("tiny", lambda: TinyDense(), "mnist", epochs=1, batch_size=64)
    images = blobs(256)
    first, _ = recipes.train(tiny, images=images, device="cpu")
    again, _ = recipes.train(tiny, images=images, device="cpu")  # the same run, but reuse is off: trained again
    assert len(epochs_run) == 2 and same_weights(first, again)
    monkeypatch.setenv("AELIB_REUSE_CHECKPOINTS", "1")
    reused, _ = recipes.train(tiny, images=images, device="cpu")
    assert len(epochs_run) == 2 and same_weights(first, reused)
    other, _ = recipes.train(tiny, seed=1, images=images, device="cpu")  # another seed: another run, trained
    assert len(epochs_run) == 3 and not same_weights(first, other)
    assert load_checkpoint(recipes.checkpoint_path(tiny, seed=1, images=images))["config"]["seed"] == 1
    assert load_checkpoint(recipes.checkpoint_path(tiny, images=images))["config"]["seed"] == 0  # a file each


def test_wrong_architecture_is_refused(tmp_path):
    path = tmp_path / "dense16.pt"
    model = make(hidden=16)
    save_checkpoint(path, model, None, 1, History(), {"seed": 0})
    with pytest.raises(ValueError, match=r"encoder\.2\.weight: expected \(8, 784\), found \(16, 784\)"):
        load_checkpoint(path, make(hidden=8))
    with pytest.raises(ValueError, match="expected OtherDense, found TinyDense"):
        load_model(path, make(OtherDense))
    loaded = load_model(path, make(init_seed=3))
    assert same_weights(loaded, model) and not loaded.training


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    model = make()
    save_checkpoint(path, model, None, 1, History(), {"seed": 0})

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full (injected)")

    with torch.no_grad():
        model.decoder[0].bias.add_(1.0)
    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="injected"):
        save_checkpoint(path, model, None, 2, History(), {"seed": 0})
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temp file left behind
    saved = load_checkpoint(path)
    assert saved["epoch"] == 1
    assert not torch.equal(saved["model"]["decoder.0.bias"], model.decoder[0].bias)


def test_nan_loss_raises_training_diverged():
    calls = []

    def nan_on_third_batch(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        loss = F.mse_loss(recon, target)
        return loss * float("nan") if len(calls) == 3 else loss

    with pytest.raises(TrainingDiverged, match="epoch 1, batch 3") as err:
        fit(make(), blobs(256), epochs=2, loss=nan_on_third_batch, **FAST)
    assert (err.value.epoch, err.value.batch) == (1, 3) and "learning rate" in str(err.value)
    assert isinstance(err.value, RuntimeError)


def test_noise_goes_into_the_input_not_the_target():
    targets = []

    def spy_loss(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        targets.append(target.detach().clone())
        return F.mse_loss(recon, target)

    images = blobs(128)
    for noise_std, scale in ((0.3, "unit"), (0.3, "symmetric"), (None, "unit")):
        model, targets[:] = make(), []
        model.record = True
        fit(model, images, epochs=1, batch_size=32, noise_std=noise_std, scale=scale, loss=spy_loss, **FAST)
        inputs, clean = torch.cat(model.inputs), torch.cat(targets)
        lo = -1.0 if scale == "symmetric" else 0.0
        assert inputs.min() >= lo and inputs.max() <= 1.0  # clipped in pixel units, then in the model's scale
        if noise_std is None:
            assert torch.equal(inputs, clean)
        else:
            assert (inputs - clean).abs().mean() > 0.05
            # The targets are the clean images: every one of them is one of the originals.
            originals = images.float().reshape(len(images), -1) / 255 * (2 if scale == "symmetric" else 1) + lo
            gap = (clean.reshape(len(clean), 1, -1) - originals).abs().amax(dim=2)  # (targets, originals)
            assert gap.min(dim=1).values.max() < 1e-6


def test_channels_last_is_chosen_for_conv_models_on_cpu():
    images = blobs(64)
    auto = make(TinyConv)
    fit(auto, images, epochs=1, **FAST)
    assert auto.channels_last and all(auto.channels_last)
    assert auto.encoder[0].weight.is_contiguous(memory_format=torch.channels_last)
    off = make(TinyConv)
    fit(off, images, epochs=1, channels_last=False, **FAST)
    assert off.channels_last and not any(off.channels_last)


def test_val_fraction_is_held_out_and_reported():
    model = make()
    model.record = True
    history = fit(model, blobs(200), epochs=2, batch_size=50, val=0.25, lr=0.0, noise_std=0.3, **FAST)
    trained_on = sum(len(x) for x in model.inputs) - 2 * 50  # minus the eval passes over the 50 held out
    assert trained_on == 2 * 150
    assert all(isinstance(v, float) and v > 0 for v in history.val_loss)
    assert history.val_loss[0] == history.val_loss[1]  # lr=0 and a fixed noise draw: the same loss

    val_images = blobs(40, seed=3)
    h = fit(make(), blobs(200), epochs=1, val=val_images, **FAST)
    assert h.val_loss[0] is not None and h.val_loss[0] > 0
    with pytest.raises(ValueError, match="fraction"):
        fit(make(), [torch.rand(8, 1, 28, 28)], val=0.1, **FAST)


def test_progress_output(capsys, monkeypatch):
    images = blobs(64)
    fit(make(), images, epochs=2, device="cpu", progress=False)
    assert capsys.readouterr() == ("", "")
    monkeypatch.setenv("AELIB_PROGRESS", "0")
    fit(make(), images, epochs=1, device="cpu")
    assert capsys.readouterr() == ("", "")
    fit(make(), images, epochs=1, device="cpu", progress=True)
    assert "epoch 1/1" in capsys.readouterr().err


def test_watch_snapshots_one_per_epoch():
    watch = blobs(6, seed=4)
    history = fit(make(), blobs(128), epochs=3, watch=watch, scale="symmetric", **FAST)
    assert len(history.snapshots) == 3
    for snap in history.snapshots:
        assert snap.shape == (6, 1, 28, 28) and snap.dtype == torch.float32 and snap.device.type == "cpu"
        assert snap.min() >= 0 and snap.max() <= 1
    assert not torch.equal(history.snapshots[0], history.snapshots[-1])


def test_history_round_trip_and_bad_inputs():
    history = fit(make(), blobs(64), epochs=2, watch=blobs(2), val=0.25, **FAST)
    again = History.from_dict(history.to_dict())
    assert again.epochs == history.epochs and len(again.snapshots) == 2
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fit(make(), blobs(8).float(), **FAST)  # 0..255 floats: not scaled
    with pytest.raises(ValueError, match="unknown loss"):
        fit(make(), blobs(8), loss="l1", **FAST)
    with pytest.raises(ValueError, match="bce"):
        fit(make(), blobs(8), loss="bce", scale="symmetric", **FAST)


def test_vectors_in_a_tensor_dataset_train_as_given(tmp_path):
    """A network's activations are not pixels: fit takes them in a TensorDataset, unscaled and unchecked for range,
    on the fast path; validation, checkpoints and reuse work as for images."""
    from aelib.models import ReLUSAE

    g = torch.Generator().manual_seed(0)
    basis = torch.randn(6, 20, generator=g) * 3
    vectors = torch.relu(torch.randn(800, 6, generator=g)) @ basis - 4.0  # outside [0, 1], 20 numbers each
    model = make(ReLUSAE, d_in=20, n_latents=40)
    history = fit(model, TensorDataset(vectors), epochs=4, batch_size=64, lr=3e-3, val=0.1,
                  checkpoint=tmp_path / "sae.pt", **FAST)
    assert history.val_loss[-1] < 0.5 * history.val_loss[0]
    assert set(history.epochs[-1].val_parts) == {"reconstruction", "l1"}
    again = make(ReLUSAE, d_in=20, n_latents=40, init_seed=1)
    fit(again, TensorDataset(vectors), epochs=4, batch_size=64, lr=3e-3, val=0.1, checkpoint=tmp_path / "sae.pt",
        reuse=True, **FAST)
    assert same_weights(model, again)  # the same vectors make the same run: loaded, not trained
    with pytest.raises(ValueError, match="noise_std corrupts pixels"):
        fit(make(ReLUSAE, d_in=20, n_latents=40), TensorDataset(vectors), noise_std=0.3, **FAST)
    with pytest.raises(ValueError, match="watch keeps reconstructions of images"):
        fit(make(ReLUSAE, d_in=20, n_latents=40), TensorDataset(vectors), watch=blobs(2), **FAST)
    with pytest.raises(ValueError, match=r"a non-empty float tensor \(N, d\) first, got torch.int64"):
        fit(make(ReLUSAE, d_in=20, n_latents=40), TensorDataset(torch.ones(5, 20, dtype=torch.int64)), **FAST)
