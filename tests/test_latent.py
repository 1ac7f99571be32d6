"""aelib.latent, the analysis of trained models on synthetic images and tiny untrained models (no dataset, no training):
decoding, interpolation, neighbours and distances, single-image views, walks and slices through the code space."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aelib import latent, metrics, models, panels
from aelib.transforms import add_gaussian_noise, to_float
from tests.synthetic import images_and_labels, subject


def test_decode_point_is_model_decode(fashion):
    code = np.array([0.3, -1.2, 2.0], dtype=np.float32)
    with torch.no_grad():
        expected = fashion.model.decode(torch.from_numpy(code)[None]).reshape(28, 28).numpy()
    got = latent.decode_point(fashion.model, code)
    assert got.shape == (28, 28) and got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_decode_point_converts_a_tanh_model_to_unit_pixels():
    s = subject(models.tanh_autoencoder, "symmetric")
    code = np.array([1.0, 0.5, -0.5], dtype=np.float32)
    with torch.no_grad():
        raw = s.model.decode(torch.from_numpy(code)[None]).reshape(28, 28).numpy()
    np.testing.assert_allclose(latent.decode_point(s.model, code, "symmetric"), (raw + 1) / 2, atol=1e-7)


def test_decode_points_leaves_torch_threads_as_they_were(fashion):
    before = torch.get_num_threads()
    latent.decode_points(fashion.model, np.zeros((4, 3)))
    assert torch.get_num_threads() == before


def test_interpolate_codes_walks_the_straight_line():
    a, b = np.array([0.0, 2.0, -1.0]), np.array([4.0, 0.0, 1.0])
    np.testing.assert_allclose(latent.interpolate_codes(a, b, 0.0), a)
    np.testing.assert_allclose(latent.interpolate_codes(a, b, 1.0), b)
    np.testing.assert_allclose(latent.interpolate_codes(a, b, 0.25), [1.0, 1.5, -0.5])
    path = latent.interpolate_codes(a, b, np.linspace(0, 1, 5))
    assert path.shape == (5, 3)
    np.testing.assert_allclose(np.diff(path, axis=0), np.tile((b - a) / 4, (4, 1)), atol=1e-6)  # equal steps
    with pytest.raises(ValueError, match="same length"):
        latent.interpolate_codes(a, b[:2], 0.5)


def test_blend_pixels_is_a_cross_fade():
    a, b = np.zeros((28, 28)), np.ones((28, 28))
    np.testing.assert_allclose(latent.blend_pixels(a, b, 0.3), np.full((28, 28), 0.3), atol=1e-7)
    assert latent.blend_pixels(a, b, [0.0, 0.5, 1.0]).shape == (3, 28, 28)


def test_code_ranges_are_percentiles_and_never_empty():
    z = np.column_stack([np.arange(101.0), np.full(101, 5.0)])  # dimension 2 is dead (constant)
    r = latent.code_ranges(z, (1, 99))
    np.testing.assert_allclose(r[0], [1.0, 99.0])
    assert r[1, 0] < 5.0 < r[1, 1]


def test_nearest_code_and_nearest_image():
    z = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    assert latent.nearest_code(z, [2.9, 4.1]) == (1, pytest.approx(math.hypot(0.1, 0.1)))
    pixels = to_float(images_and_labels(10)[0]).reshape(10, -1).numpy()
    j, mse = latent.nearest_image(pixels, pixels[7].reshape(28, 28))
    assert j == 7 and mse == pytest.approx(0.0, abs=1e-6)


def test_error_map_is_squared_difference():
    a, b = np.random.default_rng(0).random((2, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(panels.error_map(a, b), (a - b) ** 2)
    with pytest.raises(ValueError, match="same shape"):
        panels.error_map(a, b[:5])


def test_noisy_image_keeps_its_noise_pattern_as_sigma_changes():
    clean = np.full((28, 28), 0.5, dtype=np.float32)
    a, b = panels.noisy_image(clean, 0.05, seed=3), panels.noisy_image(clean, 0.1, seed=3)
    np.testing.assert_allclose(b - 0.5, 2 * (a - 0.5), atol=1e-6)  # no clipping at 0.5 ± small noise
    expected = add_gaussian_noise(torch.full((1, 1, 28, 28), 0.5), 0.05, torch.Generator().manual_seed(3))
    np.testing.assert_array_equal(a, expected.reshape(28, 28).numpy())
    assert not np.array_equal(a, panels.noisy_image(clean, 0.05, seed=4))


def test_denoise_panel_psnr_is_that_of_the_shown_arrays():
    clean = images_and_labels(1)[0][0]
    dens = {"identity-ish": models.UNetDenoiser(channels=2).eval(), "conv": models.ConvDenoiser().eval()}
    images, psnr = panels.denoise_panel(clean, 0.4, dens, seed=1)
    assert list(images) == ["noisy", "identity-ish", "conv", "clean"]
    np.testing.assert_array_equal(images["clean"], clean.numpy() / np.float32(255))
    for name in ("noisy", "identity-ish", "conv"):
        mse = metrics.mse_per_pixel(torch.from_numpy(images[name])[None], torch.from_numpy(images["clean"])[None])
        assert psnr[name] == pytest.approx(metrics.psnr(mse), rel=1e-9)
    with torch.no_grad():
        expected = dens["conv"](torch.from_numpy(images["noisy"]).reshape(1, 1, 28, 28)).reshape(28, 28).numpy()
    np.testing.assert_array_equal(images["conv"], expected)


def test_typical_distance_is_the_median_nearest_neighbour_distance():
    z = np.array([[0.0], [1.0], [3.0], [7.0], [15.0]])  # nearest-other distances 1, 1, 2, 4, 8: median 2
    assert latent.typical_distance(z) == pytest.approx(2.0)
    assert latent.typical_distance(z, n=1) == pytest.approx(1.0)  # only the first code against all


def test_distances_to_codes_and_class_medians():
    z = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 5.0], [1.0, 9.0], [3.0, 7.0]])
    np.testing.assert_allclose(latent.distances_to_codes(z, [[1.0, 0.0], [0.0, 6.0]]), [1.0, 1.0])
    np.testing.assert_allclose(latent.class_medians(z, [0, 0, 1, 1, 1]), [[1.0, 0.0], [1.0, 7.0]])


def test_nearest_images_is_a_batched_nearest_image_that_can_exclude_the_endpoints():
    pixels = to_float(images_and_labels(12)[0]).reshape(12, -1).numpy()
    queries = pixels[[3, 8]].reshape(2, 28, 28)
    idx, mse = latent.nearest_images(pixels, queries)
    assert idx.tolist() == [3, 8] and mse == pytest.approx([0.0, 0.0], abs=1e-6)
    idx, mse = latent.nearest_images(pixels, queries, exclude=[[3], [8]])
    for q, own, j, m in zip(queries, (3, 8), idx, mse, strict=True):
        d2 = ((pixels - q.reshape(1, -1)).astype(np.float64) ** 2).mean(1)
        d2[own] = np.inf  # what exclude means: the image itself may not match
        assert j == int(d2.argmin()) != own and m == pytest.approx(d2.min(), rel=1e-4)


def test_neighbour_agreement_is_one_for_separate_clusters_and_low_for_a_mix():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 40)
    apart = rng.normal(size=(120, 2)) * 0.1 + labels[:, None] * 10.0
    np.testing.assert_allclose(latent.neighbour_agreement(apart, labels, k=5), [1.0, 1.0, 1.0])
    mixed = latent.neighbour_agreement(rng.normal(size=(120, 2)), labels, k=5)
    assert mixed.shape == (3,) and (mixed < 0.6).all()


def test_decode_grid_varies_two_dimensions_with_the_first_growing_right_and_the_second_up(fashion):
    ranges = np.array([[0.0, 1.0], [5.0, 5.0], [-2.0, 2.0]])
    codes, images = latent.decode_grid(fashion.model, ranges, fixed=[9.0, 3.0, 9.0], dims=(0, 2), n=3)
    assert codes.shape == (9, 3) and images.shape == (9, 28, 28)
    np.testing.assert_allclose(codes[:3, 0], [0.0, 0.5, 1.0])  # top row, left to right
    np.testing.assert_allclose(codes[::3, 2], [2.0, 0.0, -2.0])  # first column, top to bottom
    assert (codes[:, 1] == 3.0).all()  # the fixed dimension
    np.testing.assert_allclose(images[4], latent.decode_point(fashion.model, codes[4]), atol=1e-6)  # batch vs one


def test_path_profile_measures_the_walk(fashion):
    codes = fashion.codes()
    p = latent.path_profile(fashion, codes[0], codes[1], steps=5)
    assert p["codes"].shape == (5, 3) and p["images"].shape == (5, 28, 28)
    np.testing.assert_allclose(p["codes"][[0, -1]], codes[[0, 1]], atol=1e-6)
    assert p["gap"][0] == pytest.approx(0.0, abs=1e-6) and p["gap"][-1] == pytest.approx(0.0, abs=1e-6)
    expected = latent.distances_to_codes(codes, p["codes"]) / latent.typical_distance(codes)
    np.testing.assert_allclose(p["gap"], expected)
    j, mse = latent.nearest_image(fashion.pixels(), p["images"][2])
    assert p["nearest_mse"][2] == pytest.approx(mse) and p["nearest_label"][2] == fashion.label(j)


def test_code_slice_grid_gap_and_slab(fashion):
    s = latent.code_slice(fashion, dims=(0, 2), n=4)
    codes = fashion.codes()
    assert s["grid"].shape == (16, 3) and s["images"].shape == (16, 28, 28) and s["gap"].shape == (16,)
    np.testing.assert_allclose(s["fixed"], np.median(codes, axis=0))
    assert np.allclose(s["grid"][:, 1], s["fixed"][1])  # the dimension not in dims stays at the median
    np.testing.assert_allclose(s["gap"], latent.distances_to_codes(codes, s["grid"]) / latent.typical_distance(codes))
    width = s["ranges"][1, 1] - s["ranges"][1, 0]
    np.testing.assert_array_equal(s["in_slab"], np.abs(codes[:, 1] - s["fixed"][1]) < 0.1 * width)
    assert 0 < s["in_slab"].sum() < len(codes)
