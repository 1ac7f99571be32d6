"""Interactive widgets of the course: look inside trained autoencoders with sliders.

Seven widgets, each a function that returns an ``ipywidgets`` box (a :class:`LabWidget`); lesson 06 has four::

    reconstruction_browser()   a slider over test images: original | reconstruction | squared error, with MSE
    latent_explorer()          one slider per code dimension, the decoded point, the cloud of test codes around it
    interpolation_explorer()   walk the straight line between two images' codes, next to the pixel blend
    denoising_lab()            a noise level σ and an image: noisy | conv | U-Net | linear | clean, with PSNR

lesson 07 one::

    code_size_explorer()       a code size k and an image: original | autoencoder-k | PCA-k, with each MSE

lesson 09 one::

    threshold_explorer()       a false-alarm rate: the threshold it sets, what it flags and misses, precision, recall

and lesson 10 one::

    feature_explorer()         a sparse autoencoder's feature: its top images, the digits it votes for, and one
                               image's verdict with the feature removed or added

This package holds the explorers and what draws them: :mod:`aelib.widgets.base` the pieces every explorer is
built from, ``aelib/widgets/lessonNN.py`` the explorers of lesson NN (all re-exported here). What they compute
(decoding a code, the nearest test code, interpolation, denoising one image, …) is in :mod:`aelib.latent`, plain
functions a lesson or a test calls without ipywidgets. Trained models come from :func:`aelib.subjects.load_subject`
(the checkpoint a lesson saved, else trained now, without a progress bar).

Speed: every update decodes only what changed (one code, one image) and sends PNG bytes to an
``ipywidgets.Image``; the scatter of test codes is drawn once and only the marker is pasted on a copy of it
(see :class:`CodeScatter`). ``benchmarks/widget_latency.py`` times the updates (a few ms each on 2 cores).

What a widget shows is kept on it, so tests and notebooks can check it without a browser: ``w.images`` holds
the last arrays shown (float32 in [0, 1] pixel units, the error map in squared pixel units), ``w.values`` the
numbers (MSE, PSNR, …), ``w.controls`` the sliders and inputs (set their ``.value`` to drive the widget) and
``w.updates`` counts the redraws. Callbacks never print (in a notebook that output would land in the cell).
"""

from __future__ import annotations

from aelib.widgets.base import CodeScatter, LabWidget, to_png
from aelib.widgets.lesson06 import (
    BROWSER_CHOICES,
    denoising_lab,
    interpolation_explorer,
    latent_explorer,
    linear_denoiser,
    reconstruction_browser,
)
from aelib.widgets.lesson07 import code_size_explorer, mnist_pca
from aelib.widgets.lesson09 import threshold_explorer
from aelib.widgets.lesson10 import feature_explorer

__all__ = [
    "BROWSER_CHOICES",
    "CodeScatter",
    "LabWidget",
    "code_size_explorer",
    "denoising_lab",
    "feature_explorer",
    "interpolation_explorer",
    "latent_explorer",
    "linear_denoiser",
    "mnist_pca",
    "reconstruction_browser",
    "threshold_explorer",
    "to_png",
]
