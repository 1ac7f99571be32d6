"""Lesson 04 (the convolutional denoiser): the checks of ``notebooks/04_conv_denoising_autoencoder.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from aelib.exercises.feedback import as_int, as_tensor, call, check, fail, ok, shape_of

__all__ = ["check_noise_fn", "check_deconv_size"]


@check
def check_noise_fn(add_noise: Callable, hidden: bool = False) -> None:
    """``add_noise(x, std, generator)``: the course's noise model — ``x + std * N(0, 1)`` drawn from ``generator``,
    clipped to [0, 1]; ``x`` in [0, 1], any shape; ``x`` itself left unchanged."""
    __tracebackhide__ = True

    def noisy(x: torch.Tensor, std: float, seed: int) -> torch.Tensor:
        __tracebackhide__ = True
        before = x.clone()
        shown = f"add_noise(x of shape {shape_of(x)}, {std}, generator)"
        y = as_tensor(
            call(add_noise, x, std, torch.Generator().manual_seed(seed), shown=shown), f"The result of {shown}"
        )
        if not torch.equal(x, before):
            fail(
                "add_noise changed its input x in place (e.g. with `x += ...` or `.clamp_()` on x). Hint: build a "
                "new tensor: `x + std * noise`, then clamp that."
            )
        if shape_of(y) != shape_of(x):
            fail(
                f"`{shown}` returned shape {shape_of(y)}; the noisy images must have the shape of x, {shape_of(x)}. "
                "Hint: draw the noise with torch.randn(x.shape, generator=generator)."
            )
        if not y.is_floating_point():
            fail(f"`{shown}` returned dtype {y.dtype}; expected float pixels like x ({x.dtype}).")
        if y.min().item() < 0 or y.max().item() > 1:
            fail(
                f"The noisy pixels go from {y.min().item():.3g} to {y.max().item():.3g}; they must stay in [0, 1]. "
                "Hint: clip with `.clamp(0, 1)` after adding the noise."
            )
        return y

    if hidden:
        for shape, std in (((3, 784), 1.0), ((2, 28, 28), 0.3)):
            x = torch.rand(shape, generator=torch.Generator().manual_seed(5))
            noisy(x, std, 4)
        return
    grey = torch.full((64, 1, 28, 28), 0.5)
    y = noisy(grey, 0.1, 0)
    noise = (y - grey).flatten()
    mean, std = noise.mean().item(), noise.std().item()
    if noise.abs().max().item() == 0:
        fail(
            "The output equals the input: no noise was added. Hint: x + std * torch.randn(x.shape, "
            "generator=generator)."
        )
    per_pixel = noise.reshape(64, -1)
    if per_pixel.std(dim=1).max().item() < 1e-6 or per_pixel.std(dim=0).max().item() < 1e-6:
        fail(
            "Every pixel (or every image) got the same noise value. Hint: draw one N(0, 1) value per pixel: "
            "torch.randn(x.shape, generator=generator)."
        )
    if abs(mean) > 0.01:
        hint = (
            "torch.rand draws uniform noise in [0, 1), always positive; use torch.randn, Gaussian N(0, 1)."
            if 0.04 < mean < 0.06
            else "add std × N(0, 1) noise to x, then clip; don't transform the pixels in any other way."
        )
        fail(f"On a grey image (0.5) with std=0.1 the noise averages {mean:.3g}, expected about 0. Hint: {hint}")
    if not 0.09 < std < 0.11:
        hint = (
            "you scaled by std² (the variance): scale N(0, 1) noise by std itself."
            if 0.009 < std < 0.011
            else "scale N(0, 1) noise (torch.randn) by std."
        )
        fail(f"With std=0.1 the noise has standard deviation {std:.3g}, expected 0.1. Hint: {hint}")
    if not torch.equal(noisy(grey, 0.0, 0), grey):
        fail("With std=0 the output should be x unchanged.")
    if not torch.equal(noisy(grey, 0.1, 0), y):
        fail(
            "Two calls with generators seeded alike gave different noise, so a noisy test set cannot be "
            "reproduced. Hint: draw the noise from the generator you are given: "
            "torch.randn(x.shape, generator=generator)."
        )
    if torch.equal(noisy(grey, 0.1, 1), y):
        fail("A generator with another seed gave the same noise. Hint: torch.randn(x.shape, generator=generator).")
    black = torch.zeros(16, 1, 28, 28)
    clipped = noisy(black, 0.5, 2)
    at_zero = (clipped == 0).double().mean().item()
    if at_zero < 0.4:
        fail(
            f"On a black image with std=0.5 only {at_zero:.0%} of the pixels stay exactly 0; about half the noise "
            "is negative, so about half should. Hint: clip with .clamp(0, 1); don't rescale or squash the values."
        )
    ok(
        f"Gaussian noise (std {std:.3f} measured for 0.1), clipped to [0, 1], reproducible from the generator's "
        f"seed; on black images {at_zero:.0%} of the pixels are clipped at 0."
    )


@check
def check_deconv_size(deconv_size: Callable, hidden: bool = False) -> None:
    """``deconv_size(size, kernel, stride, padding=0)`` → the output size of ``nn.ConvTranspose2d`` along one
    spatial dimension (no output_padding, dilation 1)."""
    __tracebackhide__ = True
    cases = [(3, 3, 2, 0), (7, 2, 2, 0), (14, 2, 2, 0), (5, 3, 1, 1)]
    if hidden:
        cases = [(5, 4, 3, 1), (1, 1, 1, 0), (10, 3, 1, 1), (6, 5, 2, 2)]
    for size, kernel, stride, padding in cases:
        layer = nn.ConvTranspose2d(1, 1, kernel, stride=stride, padding=padding)
        with torch.no_grad():
            want = layer(torch.zeros(1, 1, size, size)).shape[-1]
        shown = f"deconv_size({size}, kernel={kernel}, stride={stride}, padding={padding})"
        got = as_int(call(deconv_size, size, kernel, stride, padding, shown=shown), f"`{shown}`")
        if got == want:
            continue
        if got == size * stride:
            hint = "size × stride is right only when kernel = stride (and no padding); the kernel adds kernel - stride."
        elif stride and got == (size + 2 * padding - kernel) // stride + 1:
            hint = "that is the formula of an ordinary convolution, which shrinks; a transposed one grows."
        else:
            hint = (
                "each input step moves the output by `stride`, the last kernel adds `kernel`, padding trims "
                "`padding` on each side: (size - 1) × stride + kernel - 2 × padding."
            )
        fail(f"`{shown}` should be {want} (what nn.ConvTranspose2d gives), got {got}. Hint: {hint}")
    if not hidden:
        ok("(size - 1) × stride + kernel - 2 × padding: 3 → 7 → 14 → 28 through the denoiser's decoder.")
