"""Lesson 07's explorer: one test image through the autoencoder and PCA of the same code size, over the sizes trained.

What it computes is :func:`aelib.panels.reconstruct_image` and :meth:`aelib.baselines.PCA.reconstruct`; what it is
drawn with is :mod:`aelib.widgets.base`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import ipywidgets as W
import numpy as np
import torch
from torch import nn

from aelib import data, recipes
from aelib.baselines import PCA
from aelib.panels import image_mse, reconstruct_image
from aelib.widgets.base import INFO, LabWidget, caption, image_view, light, to_png

__all__ = ["code_size_explorer", "mnist_pca"]


@functools.cache
def mnist_pca() -> PCA:
    """PCA fitted on the 60,000 MNIST training images (cached per process; fitting takes a few seconds)."""
    images, _ = data.load("mnist", "train")
    return PCA().fit(images)


def code_size_explorer(
    models: Mapping[int, nn.Module] | None = None,
    pca: PCA | None = None,
    images: torch.Tensor | None = None,
    index: int = 0,
) -> LabWidget:
    """A slider over code sizes and one over test images: original | autoencoder | PCA with the same ``k``.

    ``models``: ``{k: trained autoencoder with a k-number code}`` (default: lesson 07's sweep,
    :data:`aelib.recipes.CODE_SIZE_SWEEP`, from its checkpoints, else trained now); ``pca``: a fitted PCA
    (default: :func:`mnist_pca`); ``images``: uint8 test images ``(N, 28, 28)`` (default: MNIST's test split).
    ``w.images``: ``original``, ``autoencoder``, ``pca``; ``w.values``: ``k``, ``ae_mse``, ``pca_mse`` (of the
    image shown, per pixel in [0, 1] units).
    """
    if models is None:
        models = {k: recipes.load_or_train(r, progress=False) for k, r in recipes.CODE_SIZE_SWEEP.items()}
    if not models:
        raise ValueError("models is empty: give at least one {code size: trained autoencoder}.")
    for k, model in models.items():
        size = getattr(model, "code_size", k)
        if size != k:
            raise ValueError(f"models[{k}] has a {size}-number code; key each model by its code size.")
    pca = pca if pca is not None else mnist_pca()
    if images is None:
        images, _ = data.load("mnist", "test")
    sizes = sorted(models)
    k_slider = W.SelectionSlider(options=sizes, value=sizes[0], description="code size k",
                                 continuous_update=True, layout=W.Layout(width="420px"))
    i_slider = W.IntSlider(value=min(index, len(images) - 1), min=0, max=len(images) - 1, description="test image",
                           continuous_update=True, layout=W.Layout(width="420px"))
    boxes = {name: image_view(name) for name in ("original", "autoencoder", "pca")}
    info = W.HTML()
    w = LabWidget("code size explorer", [k_slider, i_slider, W.HBox([b[0] for b in boxes.values()]), info])
    w.controls.update(k=k_slider, index=i_slider)
    w.views.update({name: b[1] for name, b in boxes.items()})

    @light
    def update(_change=None) -> None:
        k, i = int(k_slider.value), int(i_slider.value)
        original = images[i].numpy().astype(np.float32) / 255.0
        ae = reconstruct_image(models[k].eval(), images[i])
        linear = pca.reconstruct(images[i : i + 1], k).reshape(28, 28).clamp(0, 1).numpy()
        ae_mse, pca_mse = image_mse(ae, original), image_mse(linear, original)
        for name, image in (("original", original), ("autoencoder", ae), ("pca", linear)):
            w._show(name, image, to_png(image))
        w.values.update(k=k, ae_mse=ae_mse, pca_mse=pca_mse)
        boxes["original"][2].value = caption("original", f"test image #{i}")
        boxes["autoencoder"][2].value = caption(f"autoencoder, {k} numbers", f"MSE {ae_mse:.4f}")
        boxes["pca"][2].value = caption(f"PCA, {k} numbers", f"MSE {pca_mse:.4f}")
        better = "autoencoder" if ae_mse < pca_mse else "PCA"
        info.value = (f"{INFO}Both keep <b>{k}</b> numbers of this image's 784. Lower MSE wins: here the "
                      f"<b>{better}</b> ({min(ae_mse, pca_mse):.4f} against {max(ae_mse, pca_mse):.4f}).</div>")
        w.updates += 1

    k_slider.observe(update, names="value")
    i_slider.observe(update, names="value")
    update()
    return w
