"""aelib.widgets.lesson06, the four explorers, driven in-process: set a control's ``.value``, check what the widget
then shows (synthetic images and tiny untrained models: no dataset, no training)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aelib import latent, metrics, models, recipes, subjects
from aelib import widgets as wd
from aelib.transforms import to_float
from tests.synthetic import images_and_labels, png_pixels, subject


def test_reconstruction_browser_follows_the_slider(fashion, capsys):
    other = subject(seed=1)
    w = wd.reconstruction_browser({"a": fashion, "b": other}, index=3)
    assert w.updates == 1
    first = {k: v.copy() for k, v in w.images.items()}
    w.controls["index"].value = 10
    assert w.updates == 2
    np.testing.assert_array_equal(w.images["original"], fashion.images[10].numpy() / np.float32(255))
    with torch.no_grad():
        recon = fashion.model(to_float(fashion.images[10:11])).reshape(28, 28).numpy()
    np.testing.assert_allclose(w.images["reconstruction"], recon, atol=1e-6)
    np.testing.assert_array_equal(w.images["error"], (w.images["original"] - w.images["reconstruction"]) ** 2)
    assert w.values["mse"] == pytest.approx(float(w.images["error"].astype(np.float64).mean()))
    assert w.values["psnr"] == pytest.approx(metrics.psnr(w.values["mse"]))
    assert w.values["test_mse"] == pytest.approx(metrics.evaluate(fashion.model, fashion.images)["mse"])
    assert not np.array_equal(first["original"], w.images["original"])
    assert png_pixels(w.views["original"].value).shape == (28 * wd.base.ZOOM, 28 * wd.base.ZOOM)
    w.controls["model"].value = "b"  # another model on other images
    np.testing.assert_array_equal(w.images["original"], other.images[10].numpy() / np.float32(255))
    assert w.controls["index"].max == len(other.images) - 1
    assert capsys.readouterr().out == ""  # callbacks never print (nbval would see it)


def test_latent_explorer_decodes_the_slider_point(fashion, capsys):
    w = wd.latent_explorer(fashion, start=5)
    codes = fashion.codes()
    ranges = latent.code_ranges(codes)
    for d in range(3):
        s = w.controls[f"z{d + 1}"]
        assert (s.min, s.max) == pytest.approx(tuple(ranges[d]))
        assert s.value == pytest.approx(float(np.clip(codes[5, d], *ranges[d])))
    scatter_before = w.images["scatter"].copy()
    n = w.updates
    w.controls["z2"].value = float(ranges[1].mean())
    assert w.updates == n + 1
    z = w.code()
    assert z[1] == pytest.approx(ranges[1].mean(), abs=1e-6)
    with torch.no_grad():
        expected = fashion.model.decode(torch.from_numpy(z)[None]).reshape(28, 28).numpy()
    np.testing.assert_array_equal(w.images["decoded"], expected)
    np.testing.assert_array_equal(w.images["scatter"], w.scatter.render(z))
    assert not np.array_equal(scatter_before, w.images["scatter"])  # the marker moved
    j, dist = latent.nearest_code(codes, z)
    assert w.values["nearest_index"] == j and w.values["nearest_distance"] == pytest.approx(dist)
    n = w.updates
    w.set_code(codes[7])  # three sliders, one redraw
    assert w.updates == n + 1
    np.testing.assert_allclose(w.code(), np.clip(codes[7], ranges[:, 0], ranges[:, 1]), atol=1e-6)
    assert capsys.readouterr().out == ""


def test_latent_explorer_on_a_10_d_code_has_10_sliders():
    s = subject(models.deep_autoencoder)
    w = wd.latent_explorer(s)
    assert [k for k in w.controls] == [f"z{d}" for d in range(1, 11)]
    w.controls["z10"].value = w.controls["z10"].max
    np.testing.assert_array_equal(w.images["decoded"], latent.decode_point(s.model, w.code()))


def test_interpolation_explorer_endpoints_and_blend(fashion, capsys):
    w = wd.interpolation_explorer(fashion, a=4, b=9, t=0.5)
    za, zb = latent.encode_images(fashion.model, fashion.images[[4, 9]])
    A, B = fashion.image(4), fashion.image(9)
    np.testing.assert_allclose(w.images["decoded"], latent.decode_point(fashion.model, (za + zb) / 2), atol=1e-6)
    np.testing.assert_allclose(w.images["blend"], (A + B) / 2, atol=1e-6)
    w.controls["t"].value = 0.0
    with torch.no_grad():
        at_a = fashion.model.decode(torch.from_numpy(za)[None]).reshape(28, 28).numpy()
    np.testing.assert_array_equal(w.images["decoded"], at_a)
    np.testing.assert_array_equal(w.images["blend"], A)
    w.controls["t"].value = 1.0
    np.testing.assert_array_equal(w.images["decoded"], latent.decode_point(fashion.model, zb))
    np.testing.assert_array_equal(w.images["blend"], B)
    assert w.values["blend_nearest_mse"] == pytest.approx(0.0, abs=1e-6)  # B itself is a test image
    strip = w.images["strip"].copy()
    w.controls["a"].value = 20  # a new endpoint: new A, new strip, same t
    np.testing.assert_array_equal(w.images["a"], fashion.image(20))
    assert not np.array_equal(strip, w.images["strip"])
    assert strip.shape == w.images["strip"].shape == (2 * 28 + 3 * 2, 9 * 28 + 10 * 2)
    assert capsys.readouterr().out == ""


def test_denoising_lab_psnrs_match_the_shown_arrays(capsys):
    images, _ = images_and_labels(20)
    torch.manual_seed(0)
    dens = {"conv": models.ConvDenoiser().eval(), "U-Net": models.UNetDenoiser(channels=4).eval()}
    w = wd.denoising_lab(dens, images, sigma=0.5, index=2)
    assert list(w.images) == ["noisy", "conv", "U-Net", "clean"]
    noisy_at_half = w.images["noisy"].copy()
    w.controls["sigma"].value = 0.8
    for name in ("noisy", "conv", "U-Net"):
        mse = metrics.mse_per_pixel(torch.from_numpy(w.images[name])[None], torch.from_numpy(w.images["clean"])[None])
        assert w.values[name] == pytest.approx(metrics.psnr(mse), rel=1e-9)
    assert not np.array_equal(noisy_at_half, w.images["noisy"])
    w.controls["sigma"].value = 0.0  # no noise: the noisy image IS the clean one
    np.testing.assert_array_equal(w.images["noisy"], w.images["clean"])
    assert math.isinf(w.values["noisy"])
    w.controls["index"].value = 7
    np.testing.assert_array_equal(w.images["clean"], images[7].numpy() / np.float32(255))
    assert capsys.readouterr().out == ""


def test_denoising_lab_uses_the_linear_baseline_like_any_model():
    from aelib.baselines import LinearDenoiser

    images, _ = images_and_labels(50)
    lin = LinearDenoiser().fit(images, std=0.5)
    w = wd.denoising_lab({"linear": lin}, images, index=1)
    expected = lin.denoise(torch.from_numpy(w.images["noisy"]).reshape(1, 1, 28, 28)).reshape(28, 28).numpy()
    np.testing.assert_array_equal(w.images["linear"], expected)


def test_load_subject_uses_load_or_train_without_a_progress_bar(monkeypatch):
    calls = []
    images, labels = images_and_labels(30)

    def fake_load_or_train(recipe, **kwargs):
        calls.append((recipe.name, kwargs))
        torch.manual_seed(0)
        return recipe.model()

    monkeypatch.setattr(subjects.recipes, "load_or_train", fake_load_or_train)
    monkeypatch.setattr(subjects.data, "load", lambda dataset, split="train", **kw: (images, labels))
    subjects.load_subject.cache_clear()
    try:
        s = subjects.load_subject("tanh_mnist")
        assert calls == [("tanh_mnist", {"progress": False})]
        assert s.scale == "symmetric" and s.class_names == [str(k) for k in range(10)]
        assert subjects.load_subject("tanh_mnist") is s  # cached: loaded once per process
        w = wd.reconstruction_browser({"tanh": recipes.TANH_MNIST})
        assert len(calls) == 1
        assert 0.0 <= w.images["reconstruction"].min() and w.images["reconstruction"].max() <= 1.0
    finally:
        subjects.load_subject.cache_clear()
