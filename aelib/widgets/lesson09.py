"""Lesson 09's explorer: a false-alarm rate chosen on held-out normal images sets a threshold; see what it flags.

What it computes is :func:`aelib.detection.threshold_at` and :func:`aelib.detection.alarm_report` over one class's
scores (:class:`aelib.oneclass.OneClassScores`); what it is drawn with is :mod:`aelib.widgets.base`.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import torch

from aelib import data, oneclass, plots
from aelib.detection import alarm_report, threshold_at
from aelib.widgets.base import INFO, LabWidget, caption, light, to_png

__all__ = ["threshold_explorer"]

SHOWN = 8  # images in each row of the explorer


def threshold_explorer(
    run: oneclass.OneClassScores | None = None,
    images: torch.Tensor | None = None,
    score: tuple[str, str] = ("autoencoder", "smoothed MSE"),
    rate: float = 0.05,
) -> LabWidget:
    """A slider over the false-alarm rate allowed on the class's held-out normal images; it sets the threshold,
    and the widget shows the test images just above it (the weakest alarms) and just below it (the unusual
    images that slipped through), with the test set's precision and recall.

    ``run``: one class's scores (default: MNIST's 8s, :func:`aelib.oneclass.score_class`, trained now if there is
    no checkpoint); ``images``: its data set's uint8 test images (default: loaded); ``score``: which
    ``(method, score)`` of ``run.scores``; ``rate``: where the slider starts. ``w.values``: ``rate``, ``threshold``,
    ``flagged``, ``precision``, ``recall``, ``false_alarms`` (on the test set); ``w.images``: ``above``,
    ``below`` (tiled, float32 in [0, 1]).
    """
    run = run if run is not None else oneclass.score_class("mnist", 8)
    if score not in run.scores:
        raise ValueError(f"score {score!r} is not one of this run's: {sorted(run.scores)}.")
    if images is None:
        images, _ = data.load(run.dataset, "test")
    if len(images) != len(run.test_labels):
        raise ValueError(f"got {len(images)} images for {len(run.test_labels)} scores: give the run's test images.")
    scores, normal = run.scores[score].numpy(), run.held_out[score].numpy()
    unusual = run.unusual.numpy()
    order = np.argsort(scores, kind="mergesort")
    slider = W.FloatSlider(value=rate, min=0.0, max=0.25, step=0.005, readout_format=".1%",
                           description="false alarms", continuous_update=True, layout=W.Layout(width="480px"))
    above, below = W.Image(format="png"), W.Image(format="png")
    labels = {name: W.HTML() for name in ("above", "below")}
    info = W.HTML()
    w = LabWidget("threshold explorer", [slider, labels["above"], above, labels["below"], below, info])
    w.controls.update(rate=slider)
    w.views.update(above=above, below=below)

    @light
    def update(_change=None) -> None:
        threshold = threshold_at(normal, float(slider.value))
        report = alarm_report(scores, unusual, threshold)
        cut = int(np.searchsorted(scores[order], threshold, side="right"))  # order[cut:] are flagged
        rows = {"above": order[cut : cut + SHOWN], "below": order[max(cut - 4 * SHOWN, 0) : cut][::-1]}
        rows["below"] = rows["below"][unusual[rows["below"]]][:SHOWN]  # the misses nearest the line
        for name, picked in rows.items():
            tiles = images[torch.from_numpy(picked.copy())] if len(picked) else torch.zeros(1, 28, 28)
            grid = plots.make_grid_image(tiles, nrow=SHOWN)
            w._show(name, grid, to_png(grid, zoom=2))
        labels["above"].value = caption("flagged, nearest the threshold", "the weakest alarms")
        labels["below"].value = caption("missed: unusual, just under it", "what the threshold lets through")
        w.values.update(rate=float(slider.value), threshold=threshold, flagged=report.flagged,
                        precision=report.precision, recall=report.recall, false_alarms=report.false_alarm_rate)
        info.value = (
            f"{INFO}Normal class: <b>{run.name}</b>. Allowing {slider.value:.1%} false alarms on the held-out "
            f"{run.name} images sets the threshold at {threshold:.5f}. On the test set it flags {report.flagged:,} "
            f"images: precision <b>{report.precision:.3f}</b> (alarms that are real), recall "
            f"<b>{report.recall:.3f}</b> (unusual images caught), false alarms {report.false_alarm_rate:.1%} of "
            f"the test {run.name} images.</div>")
        w.updates += 1

    slider.observe(update, names="value")
    update()
    return w
