"""aelib.widgets.base: PNG pictures, the code scatter's movable marker, and a widget's short stable text form."""

from __future__ import annotations

import re

import numpy as np
import pytest

from aelib import plots
from aelib import widgets as wd
from tests.synthetic import NAMES, png_pixels


def test_to_png_zooms_with_nearest_neighbour_and_colours_with_a_cmap():
    img = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    grey = png_pixels(wd.base.to_png(img, zoom=3))
    assert grey.shape == (84, 84)
    np.testing.assert_array_equal(grey[::3, ::3], (img * 255 + 0.5).astype(np.uint8))
    np.testing.assert_array_equal(grey[1::3, 2::3], grey[::3, ::3])
    rgb = png_pixels(wd.base.to_png(img, zoom=1, cmap="inferno", vmax=0.5))
    assert rgb.shape == (28, 28, 3)
    assert (rgb[img >= 0.5] == rgb[img >= 0.5][0]).all()  # everything above vmax gets the top colour


@pytest.mark.parametrize("k", [2, 3, 10])
def test_code_scatter_marker_lands_where_matplotlib_draws_it(k):
    """Our fast marker must sit where plots.plot_codes itself would draw a marker at that code."""
    rng = np.random.default_rng(k)
    codes = rng.normal(size=(300, k))
    labels = rng.integers(0, 10, 300)
    scatter = wd.base.CodeScatter(codes, labels, NAMES, figsize=(5.6, 4.4), dpi=80)
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
    scatter = wd.base.CodeScatter(codes, rng.integers(0, 10, 200), NAMES)
    out = scatter.render(codes[0])
    assert out.shape == (scatter.height, scatter.width, 3) and out.dtype == np.uint8
    diff = np.nonzero((out != scatter.base[..., :3]).any(-1))
    col, row = scatter.pixel(codes[0])
    assert np.abs(diff[0] - row).max() <= 12 and np.abs(diff[1] - col).max() <= 12
    far = scatter.render(codes[0] + 1e6)  # far outside the picture: nothing pasted, no error
    np.testing.assert_array_equal(far, scatter.base[..., :3])


def test_widgets_have_a_short_stable_text_form(fashion):
    w = wd.reconstruction_browser({"tiny": fashion})
    text = w._repr_mimebundle_()["text/plain"]
    assert text == "aelib reconstruction browser (interactive: run the notebook to use it)"
    assert len(text) <= 110 and not re.search(r"0x[0-9a-f]{6,}", text)
