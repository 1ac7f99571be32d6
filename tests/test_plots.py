"""Tests of aelib.plots: each figure shows exactly the data it was given, laid out as documented."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # no display in tests; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from aelib import plots  # noqa: E402

PREVIEW = Path(os.environ.get("AELIB_PLOTS_PREVIEW", "/tmp/plots_preview"))
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


@pytest.fixture(autouse=True)
def _figures(monkeypatch):
    """Fail if a plot function calls plt.show() itself; close every figure after each test."""

    def no_show(*args, **kwargs):
        raise AssertionError("plot functions must return the figure, not call plt.show()")

    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


def random_uint8(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)


def shown(ax) -> np.ndarray:
    """The array an axes' (single) image displays."""
    assert len(ax.images) == 1
    return np.asarray(ax.images[0].get_array())


# --- input normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "convert",
    [
        lambda u: u,  # numpy uint8 (N, 28, 28)
        lambda u: u[:, None],  # numpy uint8 (N, 1, 28, 28)
        lambda u: torch.from_numpy(u),  # torch uint8
        lambda u: torch.from_numpy(u[:, None]).float() / 255,  # torch float (N, 1, 28, 28)
        lambda u: (torch.from_numpy(u).float() / 255).requires_grad_(True),  # a model output with grad
        lambda u: u.reshape(len(u), 784).astype(np.float64) / 255,  # flat MLP output
    ],
)
def test_every_input_form_shows_the_same_pixels(convert):
    u = random_uint8(3)
    fig = plots.show_images(convert(u))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    for ax, img in zip(fig.axes, u, strict=True):
        np.testing.assert_allclose(shown(ax), img / 255.0, atol=1e-6)
        assert ax.images[0].get_clim() == (0.0, 1.0)  # fixed scale, not stretched per image
        assert ax.images[0].get_cmap().name == "gray"
        assert not ax.get_xticks().size and not ax.get_yticks().size


@pytest.mark.parametrize("shape", [(28, 28), (2, 3, 28, 28), (0, 28, 28), (4, 783), (2, 2, 28, 28, 1)])
def test_bad_image_shapes_raise_a_clear_error(shape):
    with pytest.raises(ValueError, match="expected"):
        plots.show_images(np.zeros(shape, dtype=np.float32))


def test_images_outside_unit_range_warn_and_point_to_to_unit():
    x = np.linspace(-1, 1, 3 * 28 * 28, dtype=np.float32).reshape(3, 28, 28)
    with pytest.warns(UserWarning, match="to_unit"):
        plots.show_images(x)


# --- show_images ----------------------------------------------------------------------------------------


def test_show_images_grid_and_class_name_titles():
    u, labels = random_uint8(7), torch.tensor([0, 9, 3, 3, 1, 5, 8])
    fig = plots.show_images(u, labels, FASHION, ncols=5, title="samples")
    assert len(fig.axes) == 7  # the 3 blank slots of the 2 x 5 grid are removed
    assert [ax.get_title() for ax in fig.axes] == [FASHION[k] for k in labels]
    assert fig.axes[5].get_subplotspec().rowspan.start == 1  # 6th image starts row 2
    assert fig.get_suptitle() == "samples"


def test_show_images_titles_are_numbers_without_class_names_and_check_label_count():
    fig = plots.show_images(random_uint8(2), [4, 7])
    assert [ax.get_title() for ax in fig.axes] == ["4", "7"]
    with pytest.raises(ValueError, match="labels"):
        plots.show_images(random_uint8(3), [1, 2])


# --- reconstruction_grid --------------------------------------------------------------------------------


def test_reconstruction_grid_rows_names_and_captions():
    clean, noisy = random_uint8(10, 1), random_uint8(10, 2)
    denoised = torch.rand(10, 1, 28, 28)
    rows = {"noisy": noisy, "denoised": denoised, "clean": clean}
    caps = {"denoised": [f"{20 + i:.1f} dB" for i in range(10)]}
    fig = plots.reconstruction_grid(rows, n=4, captions=caps, title="denoising")
    axes = np.array(fig.axes).reshape(3, 4)
    assert [a.get_ylabel() for a in axes[:, 0]] == ["noisy", "denoised", "clean"]
    assert all(a.get_ylabel() == "" for a in axes[:, 1:].flat)
    for c in range(4):
        np.testing.assert_allclose(shown(axes[0, c]), noisy[c] / 255.0, atol=1e-6)
        np.testing.assert_allclose(shown(axes[1, c]), denoised[c, 0].numpy(), atol=1e-6)
        np.testing.assert_allclose(shown(axes[2, c]), clean[c] / 255.0, atol=1e-6)
    assert [a.get_xlabel() for a in axes[1]] == ["20.0 dB", "21.0 dB", "22.0 dB", "23.0 dB"]
    assert axes[0, 0].get_xlabel() == ""


def test_reconstruction_grid_shows_no_more_than_the_shortest_row_and_checks_captions():
    fig = plots.reconstruction_grid({"a": random_uint8(3), "b": random_uint8(5)}, n=8)
    assert len(fig.axes) == 2 * 3
    with pytest.raises(ValueError, match="names no row"):
        plots.reconstruction_grid({"a": random_uint8(3)}, captions={"b": ["x"] * 3})
    with pytest.raises(ValueError, match="texts"):
        plots.reconstruction_grid({"a": random_uint8(3)}, n=3, captions={"a": ["x"]})
    with pytest.raises(ValueError, match="empty"):
        plots.reconstruction_grid({})


# --- make_grid_image / show_grid ------------------------------------------------------------------------


@pytest.mark.parametrize("n, nrow", [(12, 4), (10, 4), (6, 3), (5, 8)])
def test_make_grid_image_tile_r_c_holds_image_r_times_nrow_plus_c(n, nrow):
    # Each image is filled with its own index, so a mis-indexed grid (i*m + j, the original tutorial's bug)
    # puts a wrong value in some tile. The grids are not square so rows and columns cannot be confused.
    x = (torch.arange(n, dtype=torch.float32) / 100).view(n, 1, 1, 1).expand(n, 1, 28, 28).contiguous()
    pad = 2
    grid = plots.make_grid_image(x, nrow=nrow, padding=pad)
    ncols, nrows = min(nrow, n), -(-n // nrow)
    assert grid.shape == (nrows * (28 + pad) + pad, ncols * (28 + pad) + pad)
    for r in range(nrows):
        for c in range(ncols):
            top, left = pad + r * (28 + pad), pad + c * (28 + pad)
            tile = grid[top : top + 28, left : left + 28]
            k = r * nrow + c
            expected = k / 100 if k < n else 0.5  # make_grid leaves missing tiles as padding
            np.testing.assert_allclose(tile, expected, atol=1e-6, err_msg=f"tile ({r}, {c})")
    assert np.allclose(grid[0, :], 0.5)  # grey padding keeps black-background tiles apart


def test_show_grid_displays_the_grid_image():
    u = random_uint8(10)
    fig = plots.show_grid(u, nrow=5, title="ten digits")
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "ten digits"
    np.testing.assert_allclose(shown(fig.axes[0]), plots.make_grid_image(u, nrow=5))
    with pytest.raises(ValueError, match="nrow"):
        plots.make_grid_image(u, nrow=0)


# --- plot_history ---------------------------------------------------------------------------------------


def test_plot_history_train_and_val_with_missing_entries():
    h = SimpleNamespace(train_loss=[0.9, 0.5, 0.3], val_loss=[None, 0.6, 0.4])
    fig = plots.plot_history(h, title="run", log=True)
    ax = fig.axes[0]
    train, val = ax.get_lines()
    np.testing.assert_allclose(train.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(train.get_ydata(), [0.9, 0.5, 0.3])
    assert np.isnan(val.get_ydata()[0]) and np.allclose(val.get_ydata()[1:], [0.6, 0.4])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
    assert ax.get_yscale() == "log" and ax.get_title() == "run"


def test_plot_history_skips_absent_validation_and_compares_runs():
    fig = plots.plot_history(SimpleNamespace(train_loss=[1.0, 0.5], val_loss=[None, None]))
    assert len(fig.axes[0].get_lines()) == 1
    fig = plots.plot_history({"sigmoid": [0.3, 0.2, 0.1], "tanh": np.array([0.4, 0.25])})
    lines = fig.axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == ["sigmoid", "tanh"]
    np.testing.assert_allclose(lines[1].get_ydata(), [0.4, 0.25])
    assert lines[0].get_color() != lines[1].get_color()
    assert fig.axes[0].get_yscale() == "linear"


def test_plot_history_rejects_what_it_cannot_read():
    with pytest.raises(TypeError, match="train_loss"):
        plots.plot_history([0.5, 0.4])
    with pytest.raises(ValueError, match="no losses"):
        plots.plot_history({"empty": []})


# --- plot_epoch_snapshots -------------------------------------------------------------------------------


def test_epoch_snapshots_default_first_middle_last():
    originals = random_uint8(8, 0)
    snaps = [torch.full((8, 1, 28, 28), e / 10) for e in range(1, 11)]  # after epoch e: all pixels e/10
    fig = plots.plot_epoch_snapshots(originals, snaps, n=3)
    axes = np.array(fig.axes).reshape(4, 3)
    assert [a.get_ylabel() for a in axes[:, 0]] == ["original", "epoch 1", "epoch 5", "epoch 10"]
    np.testing.assert_allclose(shown(axes[0, 2]), originals[2] / 255.0, atol=1e-6)
    for row, epoch in zip(axes[1:], (1, 5, 10), strict=True):
        np.testing.assert_allclose(shown(row[0]), epoch / 10, atol=1e-6)


def test_epoch_snapshots_chosen_epochs_and_dict_form():
    originals = random_uint8(4)
    fig = plots.plot_epoch_snapshots(originals, {2: originals, 20: originals}, n=4)
    assert [fig.axes[r * 4].get_ylabel() for r in range(3)] == ["original", "epoch 2", "epoch 20"]
    fig = plots.plot_epoch_snapshots(originals, [originals] * 3, epochs=[3], n=2)
    assert len(fig.axes) == 4 and fig.axes[2].get_ylabel() == "epoch 3"
    with pytest.raises(ValueError, match="epoch 4"):
        plots.plot_epoch_snapshots(originals, [originals] * 3, epochs=[4])
    with pytest.raises(ValueError, match="empty"):
        plots.plot_epoch_snapshots(originals, [])


# --- plot_codes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [2, 3])
def test_plot_codes_dimension_colours_legend_and_marker(dim):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 20)
    codes = torch.from_numpy(rng.normal(size=(200, dim)).astype(np.float32))
    star = [0.5, -0.25, 1.0][:dim]
    fig = plots.plot_codes(codes, labels, FASHION, title="latent space", marker=star)
    ax = fig.axes[0]
    assert (ax.name == "3d") == (dim == 3)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == FASHION
    classes = [c for c in ax.collections if c.get_gid() != "marker"]
    assert len(classes) == 10
    np.testing.assert_allclose(classes[3].get_facecolor()[0][:3], plt.get_cmap("tab10")(3)[:3], atol=1e-6)
    if dim == 2:  # the 3-D projection reports screen offsets, so only 2-D points are compared directly
        np.testing.assert_allclose(classes[3].get_offsets(), codes.numpy()[labels == 3], atol=1e-6)
    (mark,) = [c for c in ax.collections if c.get_gid() == "marker"]
    np.testing.assert_allclose(mark.get_facecolor()[0], (0, 0, 0, 1))
    if dim == 2:
        np.testing.assert_allclose(mark.get_offsets()[0], star)


def test_plot_codes_bad_inputs():
    with pytest.raises(ValueError, match=r"\(N, 2\) or \(N, 3\)"):
        plots.plot_codes(np.zeros((5, 4)), np.zeros(5))
    with pytest.raises(ValueError, match="marker"):
        plots.plot_codes(np.zeros((5, 2)), np.zeros(5), marker=[1, 2, 3])
    with pytest.raises(ValueError, match="labels"):
        plots.plot_codes(np.zeros((5, 2)), np.zeros(4))


# --- lesson 01: mean image, class counts ----------------------------------------------------------------


def test_plot_mean_image_overall_and_per_class():
    u, labels = random_uint8(6), np.array([0, 0, 1, 1, 1, 2])
    fig = plots.plot_mean_image(u)
    np.testing.assert_allclose(shown(fig.axes[0]), u.mean(axis=0) / 255.0, atol=1e-5)
    assert len(fig.axes) == 2  # the image and its colour bar
    fig = plots.plot_mean_image(u, labels, ["zero", "one", "two"])
    assert [ax.get_title() for ax in fig.axes] == ["zero", "one", "two"]
    np.testing.assert_allclose(shown(fig.axes[1]), u[2:5].mean(axis=0) / 255.0, atol=1e-5)


def test_plot_class_counts_bars_and_annotations():
    labels = torch.tensor([0] * 5 + [2] * 1200 + [3] * 7)
    fig = plots.plot_class_counts(labels, ["a", "b", "c", "d", "e"])
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == [5, 0, 1200, 7, 0]  # empty classes still get a bar
    assert [t.get_text() for t in ax.texts] == ["5", "0", "1,200", "7", "0"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "d", "e"]
    with pytest.raises(ValueError, match="labels"):
        plots.plot_class_counts([])


# --- lesson 04 and widgets: PSNR curve, error map -------------------------------------------------------


def test_plot_psnr_vs_sigma_lines():
    sigmas = [0.1, 0.3, 0.5]
    fig = plots.plot_psnr_vs_sigma(sigmas, {"noisy input": [20, 11, 6], "autoencoder": [26.0, 22.5, 19.0]})
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["noisy input", "autoencoder"]
    np.testing.assert_allclose(lines[1].get_xdata(), sigmas)
    np.testing.assert_allclose(lines[1].get_ydata(), [26.0, 22.5, 19.0])
    assert "dB" in ax.get_ylabel() and lines[0].get_marker() == "o"
    with pytest.raises(ValueError, match="3 sigmas"):
        plots.plot_psnr_vs_sigma(sigmas, {"bad": [1.0, 2.0]})


def test_plot_error_map_panels_and_mse():
    a = random_uint8(1)[0]  # (28, 28) uint8
    b = torch.from_numpy(a.astype(np.float32) / 255).view(784).clone()  # flat float, as an MLP gives
    b[:100] = 0.0
    fig = plots.plot_error_map(a, b)
    img_axes = [ax for ax in fig.axes if ax.images]
    assert len(img_axes) == 3 and [ax.get_title() for ax in img_axes] == ["original", "reconstruction", "squared error"]
    expected = (a / 255.0 - b.view(28, 28).numpy()) ** 2
    np.testing.assert_allclose(shown(img_axes[2]), expected, atol=1e-6)
    assert fig.get_suptitle() == f"MSE = {expected.mean():.4f}"
    with pytest.raises(ValueError, match="same shape"):
        plots.plot_error_map(a, np.zeros((14, 14)))
    with pytest.raises(ValueError, match="one image"):
        plots.plot_error_map(random_uint8(2), random_uint8(2))


# --- previews for a human to look at --------------------------------------------------------------------


def test_save_previews():
    """Save one example of every figure (real data when cached) to PREVIEW for a visual check."""
    from aelib.data import DataError, load

    try:
        images, labels = load("fashion-mnist", "test", download=False)
        digits, _ = load("mnist", "test", download=False)
    except DataError:
        pytest.skip("datasets not cached")
    PREVIEW.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = images[:8].float() / 255
    noisy = (x + 0.4 * torch.randn(x.shape, generator=torch.Generator().manual_seed(0))).clamp(0, 1)
    blur = torch.nn.functional.avg_pool2d(x.unsqueeze(1), 3, 1, 1)
    codes = rng.normal(size=(2000, 2)) + labels[:2000, None].numpy() * 0.6
    figures = {
        "show_images": plots.show_images(images[:25], labels[:25], FASHION, title="25 test images"),
        "reconstruction_grid": plots.reconstruction_grid(
            {"noisy": noisy, "denoised": blur, "clean": x}, captions={"denoised": [f"{18 + i} dB" for i in range(8)]}
        ),
        "show_grid": plots.show_grid(digits[:32], nrow=8, title="make_grid"),
        "plot_history": plots.plot_history(
            {
                "run A": SimpleNamespace(train_loss=[0.1, 0.05, 0.04, 0.035], val_loss=[0.08, 0.05, 0.045, 0.04]),
                "run B": [0.12, 0.07, 0.05, 0.045],
            }
        ),
        "plot_epoch_snapshots": plots.plot_epoch_snapshots(x, [blur * k / 10 for k in range(1, 11)]),
        "plot_codes_2d": plots.plot_codes(codes, labels[:2000], FASHION, title="2-D codes", marker=[1.0, 2.0]),
        "plot_codes_3d": plots.plot_codes(rng.normal(size=(500, 3)), labels[:500], FASHION, marker=[0, 0, 0]),
        "plot_mean_image": plots.plot_mean_image(images, labels, FASHION),
        "plot_class_counts": plots.plot_class_counts(labels, FASHION),
        "plot_psnr_vs_sigma": plots.plot_psnr_vs_sigma(
            [0.1, 0.2, 0.3, 0.5], {"noisy": [20, 14, 10.5, 6], "autoencoder": [25, 23, 21, 18]}
        ),
        "plot_error_map": plots.plot_error_map(x[0], blur[0]),
    }
    for name, fig in figures.items():
        fig.savefig(PREVIEW / f"{name}.png", dpi=80)
        assert (PREVIEW / f"{name}.png").stat().st_size > 1000


def test_plot_path_frames_the_points_in_holes_in_red():
    t = np.linspace(0, 1, 5)
    profile = {"t": t, "images": np.random.default_rng(0).random((5, 28, 28)), "gap": np.array([0, 1, 4, 5, 0.5])}
    fig = plots.plot_path(profile, title="A → B", far=3.0)
    tiles, curve = fig.axes[:5], fig.axes[5]
    red = [ax.spines["top"].get_edgecolor()[:3] == (1.0, 0.0, 0.0) for ax in tiles]
    assert red == [False, False, True, True, False]
    np.testing.assert_allclose(curve.lines[0].get_ydata(), profile["gap"])
    assert fig._suptitle.get_text() == "A → B"


def test_plot_code_slice_draws_the_grid_and_crosses_the_holes():
    n, k = 3, 3
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(50, k))
    ranges = np.array([[-1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0]])
    grid = np.tile([0.0, 0.0, 0.0], (n * n, 1))
    grid[:, 0], grid[:, 2] = np.tile([-1.0, 0.0, 1.0], n), np.repeat([1.0, 0.0, -1.0], n)
    gap = np.array([0, 0, 5, 0, 0, 0, 4, 0, 0], dtype=float)  # two holes
    slice_ = dict(name="tiny", dims=(0, 2), fixed=np.zeros(k), ranges=ranges, grid=grid,
                  images=rng.random((n * n, 28, 28)), gap=gap, codes=codes, labels=rng.integers(0, 2, 50),
                  class_names=["a", "b"], in_slab=np.abs(codes[:, 1]) < 0.2)  # fmt: skip
    fig = plots.plot_code_slice(slice_, far=3.0)
    left, right = fig.axes[:2]
    assert left.images[0].get_array().shape == (n * 28, n * 28)
    assert len(left.patches) == 2  # one red frame per hole
    crosses = right.collections[-1].get_offsets()
    np.testing.assert_allclose(np.asarray(crosses), grid[gap > 3][:, [0, 2]])
    assert f"({int(slice_['in_slab'].sum()):,} of 50)" in right.get_title()


def test_plot_code_size_sweep_draws_both_curves_and_the_ratio():
    pca = {k: 0.06 / k**0.5 for k in range(1, 101)}
    ae = {2: 0.03, 8: 0.018, 64: 0.0072}
    fig = plots.plot_code_size_sweep(pca, ae, title="sweep")
    curves, ratio = fig.axes
    assert curves.get_xscale() == curves.get_yscale() == "log" and ratio.get_xscale() == "log"
    np.testing.assert_allclose(curves.lines[0].get_xdata(), range(1, 101))
    np.testing.assert_allclose(curves.lines[1].get_ydata(), [0.03, 0.018, 0.0072])
    np.testing.assert_allclose(ratio.lines[0].get_ydata(), [ae[k] / pca[k] for k in (2, 8, 64)])
    assert [t.get_text() for t in ratio.texts] == [f"{ae[k] / pca[k]:.2f}" for k in (2, 8, 64)]
    with pytest.raises(ValueError, match=r"missing for the code sizes \[128\]"):
        plots.plot_code_size_sweep(pca, {128: 0.001})
    with pytest.raises(ValueError, match="ae_mse is empty"):
        plots.plot_code_size_sweep(pca, {})


def test_plot_principal_angles_bars_and_median():
    fig = plots.plot_principal_angles([0.5, 1.0, 2.0, 12.0])
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == [0.5, 1.0, 2.0, 12.0]
    assert "median 1.5°" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="non-empty 1-d"):
        plots.plot_principal_angles([])


def test_plot_scores_and_challenge_curve():
    fig = plots.plot_scores({"ours": 5.0}, {"paper": 3.0, "PCA": 13.87}, unit="SSE")
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == [5.0, 3.0, 13.87]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ours", "paper", "PCA"]
    fig = plots.plot_challenge([1, 2, 3], [20.0, 9.0, 4.5], target=3.0, reference={"PCA": 13.87})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and [line.get_ydata()[0] for line in ax.lines[1:]] == [3.0, 13.87]
    assert any("best 4.50" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match="one length"):
        plots.plot_challenge([1, 2], [3.0], target=3.0)


def test_plot_roc_draws_each_curve_with_its_auc_and_the_diagonal():
    rng = np.random.default_rng(0)
    unusual = rng.random(300) < 0.5
    good, weak = rng.normal(size=300) + 2 * unusual, rng.normal(size=300) + 0.5 * unusual
    fig = plots.plot_roc({"good": (good, unusual), "weak": (weak, unusual)}, title="t")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    from aelib.detection import roc_auc, roc_curve

    assert labels == [f"good: AUC {roc_auc(good, unusual):.3f}", f"weak: AUC {roc_auc(weak, unusual):.3f}",
                      "chance: AUC 0.5"]
    fpr, tpr, _ = roc_curve(good, unusual)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xydata(), np.c_[fpr, tpr])
    with pytest.raises(ValueError, match="curves is empty"):
        plots.plot_roc({})


def test_plot_score_histograms_two_groups_on_common_bins_and_a_threshold():
    scores = np.r_[np.full(30, 0.01), np.full(10, 0.1)]
    unusual = np.r_[np.zeros(30, bool), np.ones(10, bool)]
    fig = plots.plot_score_histograms(scores, unusual, names=("8s", "others"), threshold=0.05)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["8s (30)", "others (10)", "threshold 0.05"]
    assert len(ax.containers) == 2 and all(len(c) == 59 for c in ax.containers)  # 60 edges, shared
    with pytest.raises(ValueError, match="log=False"):
        plots.plot_score_histograms(scores - 1, unusual)
    with pytest.raises(ValueError, match="both kinds"):
        plots.plot_score_histograms(scores, np.zeros(40, bool))


def test_plot_few_labels_means_and_ranges():
    accuracies = {"pixels": {1: [0.4, 0.5], 10: [0.7, 0.8]}, "code": {1: [0.5, 0.6], 10: [0.75, 0.85]}}
    fig = plots.plot_few_labels(accuracies)
    ax = fig.axes[0]
    lines = [c.lines[0] for c in ax.containers]
    np.testing.assert_allclose(lines[0].get_ydata(), [0.45, 0.75])
    np.testing.assert_allclose(lines[1].get_ydata(), [0.55, 0.8])
    assert ax.get_xscale() == "log" and [t.get_text() for t in ax.get_legend().get_texts()] == ["pixels", "code"]
    with pytest.raises(ValueError, match="accuracies is empty"):
        plots.plot_few_labels({})


def test_plot_directions_one_row_per_model_each_image_on_its_own_symmetric_scale():
    d = np.zeros((3, 784))
    d[0, 0], d[1, 5], d[2, 10] = 0.5, -2.0, 1.0
    fig = plots.plot_directions({"a": d, "b": d[:2]}, title="t")
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(fig.axes) == 6 and len(images) == 5  # b's third cell is left empty
    assert images[0].get_clim() == (-0.5, 0.5) and images[1].get_clim() == (-2.0, 2.0)
    assert images[0].get_cmap().name == "RdBu_r"
    assert [ax.get_ylabel() for ax in fig.axes[::3]] == ["a", "b"]
    with pytest.raises(ValueError, match="rows is empty"):
        plots.plot_directions({})


def test_plot_sparsity_tradeoff_draws_pca_as_the_baseline_line():
    fig = plots.plot_sparsity_tradeoff({"TopK": ([16, 4, 8], [0.9, 0.7, 0.8]), "PCA (k)": ([1, 2], [0.1, 0.2])},
                                       ylabel="explained variance")
    ax = fig.axes[0]
    topk, pca = ax.get_lines()
    np.testing.assert_array_equal(topk.get_xydata(), [[4, 0.7], [8, 0.8], [16, 0.9]])  # sorted by L0
    assert pca.get_linestyle() == "--" and topk.get_marker() == "o" and ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="series is empty"):
        plots.plot_sparsity_tradeoff({}, ylabel="y")


def test_plot_density_counts_dead_latents_apart():
    fig = plots.plot_density({"a": np.array([0.0, 0.0, 0.1, 0.01]), "b": np.array([0.5, 0.2, 0.1, 0.3])})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a: 50% dead", "b: 0% dead"]
    with pytest.raises(ValueError, match="densities is empty"):
        plots.plot_density({})


def test_plot_purity_falls_from_one_and_reports_the_median():
    fig = plots.plot_purity({"units": np.array([0.2, 0.5, 0.9]), "features": np.array([1.0, 1.0, 0.5])}, top=20)
    ax = fig.axes[0]
    units = ax.get_lines()[0].get_ydata()
    assert units[0] == 1.0 and units[-1] == 0.0 and np.all(np.diff(units) <= 0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["units (3): median 0.50",
                                                                    "features (3): median 1.00"]
    with pytest.raises(ValueError, match="purity is empty"):
        plots.plot_purity({}, top=20)


def test_plot_features_rows_of_top_images_and_logit_bars():
    images = np.arange(20 * 784, dtype=np.float32).reshape(20, 784) % 255 / 255
    top = np.array([[3, 1, 2], [5, 6, 7]])
    effects = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 2.0]])
    fig = plots.plot_features(images, top, effects, [1, 0], n_images=2)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 4 and np.array_equal(shown[0].images[0].get_array(), images[5].reshape(28, 28))
    bars = [ax for ax in fig.axes if ax.patches]
    assert [p.get_height() for p in bars[0].patches] == [0.0, 1.0, 2.0]
    assert shown[0].get_ylabel() == "#1"
    with pytest.raises(ValueError, match="picked is empty"):
        plots.plot_features(images, top, effects, [])
