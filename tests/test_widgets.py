"""Tests of aelib.widgets, driven in-process: set a control's ``.value``, check what the widget then shows.

Small untrained models and synthetic images keep this fast (no dataset, no training); the widgets' maths does
not depend on how good the model is.
"""

from __future__ import annotations

import io
import math
import re

import matplotlib

matplotlib.use("Agg")  # no display in tests; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image as PILImage  # noqa: E402

from aelib import metrics, models, plots, recipes  # noqa: E402
from aelib import widgets as wd  # noqa: E402
from aelib.transforms import add_gaussian_noise, to_float  # noqa: E402

N = 120
NAMES = [f"class {k}" for k in range(10)]


def images_and_labels(n: int = N, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Blobby synthetic 'digits': a bright random rectangle on black, so images differ clearly from each other."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), dtype=np.uint8)
    for i in range(n):
        r, c = rng.integers(2, 14, size=2)
        h, w = rng.integers(6, 14, size=2)
        x[i, r : r + h, c : c + w] = rng.integers(120, 256)
    return torch.from_numpy(x), torch.from_numpy(rng.integers(0, 10, size=n).astype(np.int64))


def subject(model_fn=models.fashion_autoencoder, scale: str = "unit", seed: int = 0) -> wd.Subject:
    torch.manual_seed(seed)
    images, labels = images_and_labels(seed=seed)
    return wd.Subject(f"tiny-{seed}", model_fn().eval(), images, labels, scale, NAMES)


@pytest.fixture(scope="module")
def fashion() -> wd.Subject:
    return subject()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(png)))


# ----------------------------------------------------------------------------------------------------------------
# the plain functions


def test_decode_point_is_model_decode(fashion):
    code = np.array([0.3, -1.2, 2.0], dtype=np.float32)
    with torch.no_grad():
        expected = fashion.model.decode(torch.from_numpy(code)[None]).reshape(28, 28).numpy()
    got = wd.decode_point(fashion.model, code)
    assert got.shape == (28, 28) and got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_decode_point_converts_a_tanh_model_to_unit_pixels():
    s = subject(models.tanh_autoencoder, "symmetric")
    code = np.array([1.0, 0.5, -0.5], dtype=np.float32)
    with torch.no_grad():
        raw = s.model.decode(torch.from_numpy(code)[None]).reshape(28, 28).numpy()
    np.testing.assert_allclose(wd.decode_point(s.model, code, "symmetric"), (raw + 1) / 2, atol=1e-7)


def test_decode_points_leaves_torch_threads_as_they_were(fashion):
    before = torch.get_num_threads()
    wd.decode_points(fashion.model, np.zeros((4, 3)))
    assert torch.get_num_threads() == before


def test_interpolate_codes_walks_the_straight_line():
    a, b = np.array([0.0, 2.0, -1.0]), np.array([4.0, 0.0, 1.0])
    np.testing.assert_allclose(wd.interpolate_codes(a, b, 0.0), a)
    np.testing.assert_allclose(wd.interpolate_codes(a, b, 1.0), b)
    np.testing.assert_allclose(wd.interpolate_codes(a, b, 0.25), [1.0, 1.5, -0.5])
    path = wd.interpolate_codes(a, b, np.linspace(0, 1, 5))
    assert path.shape == (5, 3)
    np.testing.assert_allclose(np.diff(path, axis=0), np.tile((b - a) / 4, (4, 1)), atol=1e-6)  # equal steps
    with pytest.raises(ValueError, match="same length"):
        wd.interpolate_codes(a, b[:2], 0.5)


def test_blend_pixels_is_a_cross_fade():
    a, b = np.zeros((28, 28)), np.ones((28, 28))
    np.testing.assert_allclose(wd.blend_pixels(a, b, 0.3), np.full((28, 28), 0.3), atol=1e-7)
    assert wd.blend_pixels(a, b, [0.0, 0.5, 1.0]).shape == (3, 28, 28)


def test_code_ranges_are_percentiles_and_never_empty():
    z = np.column_stack([np.arange(101.0), np.full(101, 5.0)])  # dimension 2 is dead (constant)
    r = wd.code_ranges(z, (1, 99))
    np.testing.assert_allclose(r[0], [1.0, 99.0])
    assert r[1, 0] < 5.0 < r[1, 1]


def test_nearest_code_and_nearest_image():
    z = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    assert wd.nearest_code(z, [2.9, 4.1]) == (1, pytest.approx(math.hypot(0.1, 0.1)))
    pixels = to_float(images_and_labels(10)[0]).reshape(10, -1).numpy()
    j, mse = wd.nearest_image(pixels, pixels[7].reshape(28, 28))
    assert j == 7 and mse == pytest.approx(0.0, abs=1e-6)


def test_error_map_is_squared_difference():
    a, b = np.random.default_rng(0).random((2, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(wd.error_map(a, b), (a - b) ** 2)
    with pytest.raises(ValueError, match="same shape"):
        wd.error_map(a, b[:5])


def test_noisy_image_keeps_its_noise_pattern_as_sigma_changes():
    clean = np.full((28, 28), 0.5, dtype=np.float32)
    a, b = wd.noisy_image(clean, 0.05, seed=3), wd.noisy_image(clean, 0.1, seed=3)
    np.testing.assert_allclose(b - 0.5, 2 * (a - 0.5), atol=1e-6)  # no clipping at 0.5 ± small noise
    expected = add_gaussian_noise(torch.full((1, 1, 28, 28), 0.5), 0.05, torch.Generator().manual_seed(3))
    np.testing.assert_array_equal(a, expected.reshape(28, 28).numpy())
    assert not np.array_equal(a, wd.noisy_image(clean, 0.05, seed=4))


def test_denoise_panel_psnr_is_that_of_the_shown_arrays():
    clean = images_and_labels(1)[0][0]
    dens = {"identity-ish": models.UNetDenoiser(channels=2).eval(), "conv": models.ConvDenoiser().eval()}
    images, psnr = wd.denoise_panel(clean, 0.4, dens, seed=1)
    assert list(images) == ["noisy", "identity-ish", "conv", "clean"]
    np.testing.assert_array_equal(images["clean"], clean.numpy() / np.float32(255))
    for name in ("noisy", "identity-ish", "conv"):
        mse = metrics.mse_per_pixel(torch.from_numpy(images[name])[None], torch.from_numpy(images["clean"])[None])
        assert psnr[name] == pytest.approx(metrics.psnr(mse), rel=1e-9)
    with torch.no_grad():
        expected = dens["conv"](torch.from_numpy(images["noisy"]).reshape(1, 1, 28, 28)).reshape(28, 28).numpy()
    np.testing.assert_array_equal(images["conv"], expected)


def test_to_png_zooms_with_nearest_neighbour_and_colours_with_a_cmap():
    img = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    grey = png_pixels(wd.to_png(img, zoom=3))
    assert grey.shape == (84, 84)
    np.testing.assert_array_equal(grey[::3, ::3], (img * 255 + 0.5).astype(np.uint8))
    np.testing.assert_array_equal(grey[1::3, 2::3], grey[::3, ::3])
    rgb = png_pixels(wd.to_png(img, zoom=1, cmap="inferno", vmax=0.5))
    assert rgb.shape == (28, 28, 3)
    assert (rgb[img >= 0.5] == rgb[img >= 0.5][0]).all()  # everything above vmax gets the top colour


# ----------------------------------------------------------------------------------------------------------------
# the scatter with a movable marker


@pytest.mark.parametrize("k", [2, 3, 10])
def test_code_scatter_marker_lands_where_matplotlib_draws_it(k):
    """Our fast marker must sit where plots.plot_codes itself would draw a marker at that code."""
    rng = np.random.default_rng(k)
    codes = rng.normal(size=(300, k))
    labels = rng.integers(0, 10, 300)
    scatter = wd.CodeScatter(codes, labels, NAMES, figsize=(5.6, 4.4), dpi=80)
    point = codes[17]
    col, row = scatter.pixel(point)
    drawn = scatter.project(point)[0]
    # Render the same figure with plot_codes' own marker, and find where the pixels changed.
    fig_marked = plots.plot_codes(scatter.project(codes), labels, NAMES, marker=drawn)
    fig_plain = plots.plot_codes(scatter.project(codes), labels, NAMES)
    arrays = []
    for fig in (fig_marked, fig_plain):
        fig.set_size_inches(5.6, 4.4)
        fig.set_dpi(80)
        if k > 3:
            fig.axes[0].set_xlabel("PC 1 of the codes")
            fig.axes[0].set_ylabel("PC 2 of the codes")
        fig.canvas.draw()
        arrays.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int))
    changed = np.abs(arrays[0] - arrays[1]).sum(-1) > 60
    rows, cols = np.nonzero(changed)
    assert len(rows) > 20
    assert abs(np.median(rows) - row) < 3 and abs(np.median(cols) - col) < 3, ((row, col), np.median(rows))


def test_code_scatter_render_only_changes_pixels_near_the_marker():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(200, 3))
    scatter = wd.CodeScatter(codes, rng.integers(0, 10, 200), NAMES)
    out = scatter.render(codes[0])
    assert out.shape == (scatter.height, scatter.width, 3) and out.dtype == np.uint8
    diff = np.nonzero((out != scatter.base[..., :3]).any(-1))
    col, row = scatter.pixel(codes[0])
    assert np.abs(diff[0] - row).max() <= 12 and np.abs(diff[1] - col).max() <= 12
    far = scatter.render(codes[0] + 1e6)  # far outside the picture: nothing pasted, no error
    np.testing.assert_array_equal(far, scatter.base[..., :3])


# ----------------------------------------------------------------------------------------------------------------
# the four widgets


def test_widgets_have_a_short_stable_text_form(fashion):
    w = wd.reconstruction_browser({"tiny": fashion})
    text = w._repr_mimebundle_()["text/plain"]
    assert text == "aelib reconstruction browser (interactive: run the notebook to use it)"
    assert len(text) <= 110 and not re.search(r"0x[0-9a-f]{6,}", text)


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
    assert png_pixels(w.views["original"].value).shape == (28 * wd.ZOOM, 28 * wd.ZOOM)
    w.controls["model"].value = "b"  # another model on other images
    np.testing.assert_array_equal(w.images["original"], other.images[10].numpy() / np.float32(255))
    assert w.controls["index"].max == len(other.images) - 1
    assert capsys.readouterr().out == ""  # callbacks never print (nbval would see it)


def test_latent_explorer_decodes_the_slider_point(fashion, capsys):
    w = wd.latent_explorer(fashion, start=5)
    codes = fashion.codes()
    ranges = wd.code_ranges(codes)
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
    j, dist = wd.nearest_code(codes, z)
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
    np.testing.assert_array_equal(w.images["decoded"], wd.decode_point(s.model, w.code()))


def test_interpolation_explorer_endpoints_and_blend(fashion, capsys):
    w = wd.interpolation_explorer(fashion, a=4, b=9, t=0.5)
    za, zb = wd.encode_images(fashion.model, fashion.images[[4, 9]])
    A, B = fashion.image(4), fashion.image(9)
    np.testing.assert_allclose(w.images["decoded"], wd.decode_point(fashion.model, (za + zb) / 2), atol=1e-6)
    np.testing.assert_allclose(w.images["blend"], (A + B) / 2, atol=1e-6)
    w.controls["t"].value = 0.0
    with torch.no_grad():
        at_a = fashion.model.decode(torch.from_numpy(za)[None]).reshape(28, 28).numpy()
    np.testing.assert_array_equal(w.images["decoded"], at_a)
    np.testing.assert_array_equal(w.images["blend"], A)
    w.controls["t"].value = 1.0
    np.testing.assert_array_equal(w.images["decoded"], wd.decode_point(fashion.model, zb))
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

    monkeypatch.setattr(wd.recipes, "load_or_train", fake_load_or_train)
    monkeypatch.setattr(wd.data, "load", lambda dataset, split="train", **kw: (images, labels))
    wd.load_subject.cache_clear()
    try:
        s = wd.load_subject("tanh_mnist")
        assert calls == [("tanh_mnist", {"progress": False})]
        assert s.scale == "symmetric" and s.class_names == [str(k) for k in range(10)]
        assert wd.load_subject("tanh_mnist") is s  # cached: loaded once per process
        w = wd.reconstruction_browser({"tanh": recipes.TANH_MNIST})
        assert len(calls) == 1
        assert 0.0 <= w.images["reconstruction"].min() and w.images["reconstruction"].max() <= 1.0
    finally:
        wd.load_subject.cache_clear()
