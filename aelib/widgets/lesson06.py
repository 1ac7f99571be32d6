"""Lesson 06's four explorers of trained autoencoders: reconstructions, the code space, interpolation, denoising.

Each is a function that returns a :class:`~aelib.widgets.base.LabWidget`; what they compute is in
:mod:`aelib.latent`, what they are drawn with in :mod:`aelib.widgets.base`.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Mapping

import ipywidgets as W
import numpy as np
import torch
from torch import nn

from aelib import data, metrics, plots, recipes
from aelib.baselines import LinearDenoiser
from aelib.latent import (
    blend_pixels,
    code_ranges,
    decode_point,
    decode_points,
    encode_images,
    interpolate_codes,
    nearest_code,
    nearest_image,
    typical_distance,
)
from aelib.panels import denoise_panel, error_map, image_mse, reconstruct_image
from aelib.subjects import Subject, load_subject, subject_of
from aelib.widgets.base import INFO, CodeScatter, LabWidget, caption, fmt_db, image_view, light, to_png

__all__ = [
    "BROWSER_CHOICES",
    "denoising_lab",
    "interpolation_explorer",
    "latent_explorer",
    "linear_denoiser",
    "reconstruction_browser",
]


BROWSER_CHOICES = {  # the reconstruction browser's dropdown: label → recipe (each model loaded when first chosen)
    "MNIST, deep 10-d code (deep_mnist)": recipes.DEEP_MNIST,
    "Fashion-MNIST, 3-d code (fashion_3d)": recipes.FASHION_3D,
    "MNIST, 3-d code, tanh (tanh_mnist)": recipes.TANH_MNIST,
}


@functools.cache
def linear_denoiser(dataset: str = "mnist", std: float = 0.5) -> LinearDenoiser:
    """The linear baseline denoiser fitted on ``dataset``'s training images at noise ``std`` (cached per process;
    fitting takes a few seconds)."""
    images, _ = data.load(dataset, "train")
    return LinearDenoiser().fit(images, std=std)


def reconstruction_browser(
    subjects: Mapping[str, Subject | recipes.Recipe | str] | None = None, index: int = 0
) -> LabWidget:
    """Original | reconstruction | squared-error map of one test image, with its MSE and PSNR.

    ``subjects``: ``{label: Subject or recipe}`` for the model dropdown (default: the deep 10-d MNIST model, the
    3-d Fashion-MNIST model and the 3-d tanh MNIST model; each is loaded when first chosen). The slider picks the
    test image. ``w.images``: ``original``, ``reconstruction``, ``error``; ``w.values``: ``mse``, ``psnr``,
    ``test_mse`` (the model's mean over all test images).
    """
    if subjects is None:
        subjects = BROWSER_CHOICES
    if not subjects:
        raise ValueError("subjects is empty: give at least one {label: Subject or recipe}.")
    loaded: dict[str, Subject] = {}

    def current() -> Subject:
        key = choice.value
        if key not in loaded:
            loaded[key] = subject_of(subjects[key])
        return loaded[key]

    choice = W.Dropdown(options=list(subjects), description="model", layout=W.Layout(width="420px"))
    first = current()
    first.test_mse()  # evaluated on all test images once, with every thread
    slider = W.IntSlider(
        value=min(index, len(first.images) - 1), min=0, max=len(first.images) - 1,
        description="test image", continuous_update=True, layout=W.Layout(width="420px"),
    )  # fmt: skip
    boxes = [image_view(name) for name in ("original", "reconstruction", "squared error")]
    info = W.HTML()
    w = LabWidget("reconstruction browser", [choice, slider, W.HBox([b[0] for b in boxes]), info])
    w.controls.update(model=choice, index=slider)
    w.views.update(original=boxes[0][1], reconstruction=boxes[1][1], error=boxes[2][1])
    labels = {"original": boxes[0][2], "error": boxes[2][2]}

    @light
    def update(_change=None) -> None:
        s = current()
        i = int(slider.value)
        original = s.image(i)
        recon = reconstruct_image(s.model, s.images[i], s.scale)
        err = error_map(original, recon)
        mse = image_mse(recon, original)
        vmax = max(float(err.max()), 1e-6)
        w._show("original", original, to_png(original))
        w._show("reconstruction", recon, to_png(recon))
        w._show("error", err, to_png(err, cmap="inferno", vmax=vmax))
        test_mse = s.test_mse()
        w.values.update(mse=mse, psnr=metrics.psnr(mse), test_mse=test_mse)
        labels["original"].value = caption("original", f"#{i}, {s.label(i)}")
        labels["error"].value = caption("squared error", f"scale 0 … {vmax:.2g}")
        ratio = mse / test_mse if test_mse > 0 else math.inf
        info.value = (
            f"{INFO}image MSE <b>{mse:.4f}</b> ({fmt_db(metrics.psnr(mse))}); "
            f"the model's mean over all {len(s.images):,} test images: {test_mse:.4f} — this image is "
            f"{'harder' if ratio > 1 else 'easier'} than average (× {ratio:.2f}).</div>"
        )
        w.updates += 1

    def change_model(_change=None) -> None:
        s = current()  # loads (or trains) the model on first use: outside the one-thread update
        s.test_mse()
        with slider.hold_trait_notifications():
            slider.max = len(s.images) - 1
        update()

    slider.observe(update, names="value")
    choice.observe(change_model, names="value")
    update()
    return w


def latent_explorer(
    subject: Subject | recipes.Recipe | str = recipes.FASHION_3D,
    start: int = 0,
    percentiles: tuple[float, float] = (1.0, 99.0),
    n_scatter: int = 3000,
) -> LabWidget:
    """One slider per code dimension; the decoded point beside the cloud of test codes with the point marked.

    Slider ranges are the ``percentiles`` of the test codes; the sliders start at test image ``start``'s code.
    Below the picture: the nearest test code (its class and distance), compared with the typical distance
    between a test code and its nearest neighbour — far from every code means a region the decoder never
    learned. ``w.images``: ``decoded``, ``scatter`` (RGB); ``w.values``: ``nearest_distance``, ``typical``;
    ``w.code()`` the current code, ``w.set_code(z)`` moves every slider at once (one redraw).
    """
    s = subject_of(subject)
    codes = s.codes()
    k = codes.shape[1]
    ranges = code_ranges(codes, percentiles)
    scatter = CodeScatter(
        codes[:n_scatter], None if s.labels is None else s.labels[:n_scatter], s.class_names,
        title=f"{s.name}: {min(n_scatter, len(codes)):,} test codes",
    )  # fmt: skip
    typical = typical_distance(codes)
    sliders = []
    for d in range(k):
        lo, hi = ranges[d]
        sliders.append(
            W.FloatSlider(
                value=float(np.clip(codes[start, d], lo, hi)), min=float(lo), max=float(hi), step=float(hi - lo) / 200,
                description=f"z{d + 1}", readout_format=".2f", continuous_update=True,
                layout=W.Layout(width="330px"),
            )
        )  # fmt: skip
    decoded_box, decoded_view, decoded_label = image_view("decoded point", px=28 * 6)
    scatter_view = W.Image(format="png", layout=W.Layout(width=f"{scatter.width}px", height=f"{scatter.height}px"))
    info = W.HTML(layout=W.Layout(width="340px"))
    left = W.VBox([*sliders, decoded_box, info])
    w = LabWidget("latent explorer", [W.HBox([left, scatter_view])])
    w.views.update(decoded=decoded_view, scatter=scatter_view)
    w.controls.update({f"z{d + 1}": sl for d, sl in enumerate(sliders)})
    w.scatter = scatter
    w.ranges = ranges
    holding = [False]

    def code() -> np.ndarray:
        return np.array([sl.value for sl in sliders], dtype=np.float32)

    @light
    def update(_change=None) -> None:
        if holding[0]:
            return
        z = code()
        img = decode_point(s.model, z, s.scale)
        w._show("decoded", img, to_png(img, zoom=6))
        rgb = scatter.render(z)
        w._show("scatter", rgb, to_png(rgb, zoom=1))
        j, dist = nearest_code(codes, z)
        w.values.update(nearest_distance=dist, typical=typical, nearest_index=j)
        far = dist > 3 * typical
        decoded_label.value = caption("decoded point", "z = (" + ", ".join(f"{v:.2f}" for v in z) + ")")
        info.value = (
            f"{INFO}nearest test code: <b>{html.escape(s.label(j))}</b> (image #{j}) at "
            f"distance {dist:.2f}; a typical code's nearest neighbour is {typical:.2f} away."
            + (" <b style='color:#b00'>Far from every code: the decoder is guessing here.</b>" if far else "")
            + "</div>"
        )
        w.updates += 1

    def set_code(z) -> None:
        holding[0] = True
        try:
            for sl, v in zip(sliders, np.asarray(z, dtype=np.float64).reshape(-1), strict=True):
                sl.value = float(np.clip(v, sl.min, sl.max))
        finally:
            holding[0] = False
        update()

    w.code, w.set_code = code, set_code
    for sl in sliders:
        sl.observe(update, names="value")
    update()
    return w


def interpolation_explorer(
    subject: Subject | recipes.Recipe | str = recipes.DEEP_MNIST, a: int = 3, b: int = 2, t: float = 0.5, steps: int = 9
) -> LabWidget:
    """Walk the straight line between two test images' codes, and compare with blending their pixels.

    ``a``, ``b``: test image indices (editable); the ``t`` slider moves along the line (0 → image A's code,
    1 → image B's). Shows A, ``decode((1-t) z_A + t z_B)``, the pixel blend ``(1-t) A + t B`` and B, and a strip
    of ``steps`` points of both paths. Under each middle picture: the MSE to the nearest real test image — how
    far it is from anything in the data. ``w.images``: ``a``, ``b``, ``decoded``, ``blend``, ``strip``;
    ``w.values``: ``t``, ``decoded_nearest_mse``, ``blend_nearest_mse``.
    """
    s = subject_of(subject)
    pixels = s.pixels()
    sq_norms = np.einsum("ij,ij->i", pixels, pixels)
    n = len(s.images)
    box_a = W.BoundedIntText(value=a, min=0, max=n - 1, description="image A", layout=W.Layout(width="180px"))
    box_b = W.BoundedIntText(value=b, min=0, max=n - 1, description="image B", layout=W.Layout(width="180px"))
    t_slider = W.FloatSlider(
        value=t, min=0.0, max=1.0, step=0.02, description="t", readout_format=".2f", continuous_update=True,
        layout=W.Layout(width="420px"),
    )  # fmt: skip
    views = {name: image_view(cap) for name, cap in
             (("a", "A"), ("decoded", "decoded code path"), ("blend", "pixel blend"), ("b", "B"))}  # fmt: skip
    strip_view = W.Image(format="png")
    strip_label = W.HTML(caption(f"{steps} steps from A to B", "top: decoded code path, bottom: pixel blend"))
    w = LabWidget(
        "interpolation explorer",
        [W.HBox([box_a, box_b]), t_slider, W.HBox([v[0] for v in views.values()]), strip_label, strip_view],
    )
    w.controls.update(a=box_a, b=box_b, t=t_slider)
    w.views.update({name: v[1] for name, v in views.items()}, strip=strip_view)
    state: dict = {}

    @light
    def endpoints(_change=None) -> None:
        ia, ib = int(box_a.value), int(box_b.value)
        za, zb = encode_images(s.model, s.images[[ia, ib]], s.scale)
        state.update(ia=ia, ib=ib, za=za, zb=zb, A=s.image(ia), B=s.image(ib))
        w._show("a", state["A"], to_png(state["A"]))
        w._show("b", state["B"], to_png(state["B"]))
        views["a"][2].value = caption("A", f"#{ia}, {s.label(ia)}")
        views["b"][2].value = caption("B", f"#{ib}, {s.label(ib)}")
        ts = np.linspace(0.0, 1.0, steps)
        path = decode_points(s.model, interpolate_codes(za, zb, ts), s.scale)
        blend = blend_pixels(state["A"], state["B"], ts)
        strip = plots.make_grid_image(np.concatenate([path, blend]), nrow=steps, padding=2, pad_value=0.5)
        w._show("strip", strip, to_png(strip, zoom=3))
        point()

    @light
    def point(_change=None) -> None:
        tv = float(t_slider.value)
        dec = decode_point(s.model, interpolate_codes(state["za"], state["zb"], tv), s.scale)
        blend = blend_pixels(state["A"], state["B"], tv)
        w._show("decoded", dec, to_png(dec))
        w._show("blend", blend, to_png(blend))
        jd, md = nearest_image(pixels, dec, sq_norms)
        jb, mb = nearest_image(pixels, blend, sq_norms)
        views["decoded"][2].value = caption("decoded code path", f"nearest real image: MSE {md:.3f} ({s.label(jd)})")
        views["blend"][2].value = caption("pixel blend", f"nearest real image: MSE {mb:.3f} ({s.label(jb)})")
        w.values.update(t=tv, decoded_nearest_mse=md, blend_nearest_mse=mb)
        w.updates += 1

    box_a.observe(endpoints, names="value")
    box_b.observe(endpoints, names="value")
    t_slider.observe(point, names="value")
    endpoints()
    return w


def denoising_lab(
    denoisers: Mapping[str, nn.Module] | None = None,
    images: torch.Tensor | None = None,
    sigma: float = 0.5,
    index: int = 0,
    seed: int = 0,
) -> LabWidget:
    """Noise one clean test image with a σ slider and compare denoisers on it, PSNR under each picture.

    ``denoisers`` default: the lesson-04 conv denoiser, the U-Net and the linear baseline fitted at σ = 0.5
    (all trained on σ = 0.5: move σ away from it to see who generalises). ``images``: clean uint8 test images
    (default: MNIST test). The noise pattern is fixed per image (``seed + index``), σ only scales it.
    ``w.images``: ``noisy``, each denoiser's name, ``clean``; ``w.values``: PSNR (dB) of each, ``"noisy"`` too.
    """
    if denoisers is None:
        denoisers = {
            "conv denoiser": load_subject(recipes.CONV_DENOISER.name).model,
            "U-Net": load_subject(recipes.UNET_DENOISER.name).model,
            "linear (σ=0.5)": linear_denoiser("mnist", 0.5),
        }
    if images is None:
        images, _ = data.load("mnist", "test")
    for m in denoisers.values():
        m.eval()
    sigma_slider = W.FloatSlider(
        value=sigma, min=0.0, max=1.0, step=0.05, description="noise σ", readout_format=".2f",
        continuous_update=True, layout=W.Layout(width="420px"),
    )  # fmt: skip
    index_slider = W.IntSlider(
        value=index, min=0, max=len(images) - 1, description="test image", continuous_update=True,
        layout=W.Layout(width="420px"),
    )  # fmt: skip
    names = ["noisy", *denoisers, "clean"]
    views = {name: image_view(name) for name in names}
    w = LabWidget("denoising lab", [sigma_slider, index_slider, W.HBox([v[0] for v in views.values()])])
    w.controls.update(sigma=sigma_slider, index=index_slider)
    w.views.update({name: v[1] for name, v in views.items()})

    @light
    def update(_change=None) -> None:
        i = int(index_slider.value)
        shown, psnr = denoise_panel(images[i], float(sigma_slider.value), denoisers, seed=seed + i)
        for name in names:
            w._show(name, shown[name], to_png(shown[name]))
            detail = f"PSNR {fmt_db(psnr[name])}" if name in psnr else f"#{i}"
            views[name][2].value = caption(name, detail)
        w.values.clear()
        w.values.update(psnr)
        w.updates += 1

    sigma_slider.observe(update, names="value")
    index_slider.observe(update, names="value")
    update()
    return w
