"""Lesson 06 (the latent space lab): the checks of ``notebooks/06_latent_space_lab.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from aelib import latent
from aelib.exercises.feedback import as_array, as_float, as_int, call, check, choice, fail, ok

__all__ = ["check_interpolation", "check_nearest_mse", "check_extrapolation"]



@check
def check_interpolation(interpolate: Callable, hidden: bool = False) -> None:
    """``interpolate(z_a, z_b, ts)``: the points ``(1 - t) z_a + t z_b`` for each ``t`` of ``ts``, as an array
    ``(len(ts), k)`` (numpy or torch); ``z_a``, ``z_b`` are numpy codes ``(k,)``, ``ts`` a numpy array."""
    __tracebackhide__ = True

    rng = np.random.default_rng(3 if hidden else 0)
    cases = [(10, np.linspace(0, 1, 9))] if not hidden else [(3, np.array([0.5])), (2, np.array([-1.0, 2.0]))]
    for k, ts in cases:
        z_a, z_b = rng.normal(size=k).astype(np.float32), rng.normal(size=k).astype(np.float32)
        shown = f"interpolate(z_a, z_b, ts) with codes of {k} numbers and {len(ts)} values of t"
        hint = "ts holds one t per point: `ts[:, None]` makes it a column that broadcasts against the codes."
        got = as_array(call(interpolate, z_a.copy(), z_b.copy(), ts.copy(), shown=shown, hint=hint), f"`{shown}`")
        want = (1 - ts[:, None]) * z_a[None, :] + ts[:, None] * z_b[None, :]
        if got.shape != want.shape:
            hint = (
                "that is transposed: one ROW per value of t."
                if got.shape == want.shape[::-1]
                else "one row per value of t, one column per code number: (1 - t[:, None]) * z_a + t[:, None] * z_b."
            )
            fail(f"`{shown}` returned shape {got.shape}, expected {want.shape}. Hint: {hint}")
        if np.allclose(got, want, atol=1e-5):
            continue
        if np.allclose(got, want[::-1], atol=1e-5):
            fail("The path runs backwards: at t = 0 it should be z_a, at t = 1 z_b. Hint: (1 - t) z_a + t z_b.")
        if np.allclose(got[0], z_a, atol=1e-5) and np.allclose(got[-1], z_b, atol=1e-5):
            fail(
                "The endpoints are right but the points in between are not on the straight line from z_a to z_b. "
                "Hint: (1 - t) z_a + t z_b for every t, not only 0 and 1."
            )
        fail(
            f"At t = {ts[0]:g} expected z_a and at t = {ts[-1]:g} z_b, got points {np.round(got[0][:3], 3)}… and "
            f"{np.round(got[-1][:3], 3)}…. Hint: (1 - t) z_a + t z_b."
        )
    if not hidden:
        ok("(1 - t) z_a + t z_b: t = 0 gives z_a, t = 1 gives z_b, and the steps between are equal.")


@check
def check_nearest_mse(nearest_mse: Callable, hidden: bool = False) -> None:
    """``nearest_mse(pixels, image)`` → ``(index, mse)``: the row of ``pixels`` (numpy ``(N, 784)`` in [0, 1]) closest
    to ``image`` (numpy ``(28, 28)``), and the mean squared error per pixel between them."""
    __tracebackhide__ = True

    rng = np.random.default_rng(4 if hidden else 1)
    n = 50 if hidden else 2000
    pixels = rng.random((n, 784), dtype=np.float32)
    target = 17 if hidden else 1234
    image = np.clip(pixels[target] + rng.normal(0, 0.05, 784).astype(np.float32), 0, 1).reshape(28, 28)
    cases = [(image, target)]
    if hidden:
        cases.append((pixels[3].reshape(28, 28).copy(), 3))  # an exact copy: MSE 0
    for img, want_i in cases:
        shown = f"nearest_mse(pixels of shape {pixels.shape}, image of shape (28, 28))"
        result = call(nearest_mse, pixels.copy(), img.copy(), shown=shown)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail(f"`{shown}` should return two things, (index, mse); got {result!r:.80}.")
        index = as_int(result[0], "The index")
        mse = as_float(result[1], "The mse")
        want_mse = float(((pixels[want_i] - img.reshape(-1)).astype(np.float64) ** 2).mean())
        if index != want_i:
            far = int(((pixels - img.reshape(1, -1)) ** 2).mean(1).argmax())
            hint = (
                "that is the FURTHEST image: take the argmin."
                if index == far
                else "compare the image with every row: ((pixels - image.reshape(1, -1)) ** 2).mean(axis=1), then "
                "argmin."
            )
            fail(f"The closest row is {want_i} (MSE {want_mse:.4g}), you returned {index}. Hint: {hint}")
        if math.isclose(mse, want_mse, rel_tol=1e-4, abs_tol=1e-9):
            continue
        if math.isclose(mse, want_mse * 784, rel_tol=1e-4):
            fail(f"Got {mse:.4g}, which is the SUM of squared errors over the 784 pixels. Hint: take the mean.")
        if math.isclose(mse, math.sqrt(want_mse), rel_tol=1e-4):
            fail(f"Got {mse:.4g}, the square root of the MSE (an RMSE). Hint: don't take the square root.")
        fail(
            f"The index is right, but its MSE is {want_mse:.4g}, not {mse:.4g}. Hint: mean over the 784 pixels of "
            "the squared differences."
        )
    if not hidden:
        ok("the nearest row and its MSE per pixel, by comparing the image with every row at once.")


@check
def check_extrapolation(predicted_extrapolation: Callable, subject: Any = None, hidden: bool = False) -> None:
    """``predicted_extrapolation()`` → "closer" or "further": decoding ``z_A + 2 (z_B - z_A)`` (t = 2, past B) gives
    images that are closer to / further from every real test image than decoding B's own code (t = 1)?

    ``subject``: a :class:`aelib.subjects.Subject` (lesson 06's ``mnist``); the check measures it on 50 random pairs
    of test images of different classes."""
    __tracebackhide__ = True

    prediction = choice(
        call(predicted_extrapolation, shown="predicted_extrapolation()"),
        ("closer", "further"),
        "predicted_extrapolation()",
    )
    if hidden or subject is None:
        return
    codes, pixels = subject.codes(), subject.pixels()
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, len(codes), size=(2, 200))
    keep = (subject.labels[a] != subject.labels[b]).numpy()
    a, b = a[keep][:50], b[keep][:50]
    far = {}
    for t in (1.0, 2.0):
        points = codes[a] + t * (codes[b] - codes[a])
        _, mse = latent.nearest_images(
            pixels, latent.decode_points(subject.model, points, subject.scale), np.stack([a, b], 1)
        )
        far[t] = (float(mse.mean()), float((latent.distances_to_codes(codes, points)).mean()))
    gap = far[2.0][1] / latent.typical_distance(codes)
    measured = (
        f"decoded at t = 2 the images are {far[2.0][0]:.3g} (MSE) from the nearest real image, at t = 1 "
        f"{far[1.0][0]:.3g}; the codes at t = 2 lie {gap:.1f}× the typical neighbour distance from every test "
        "code"
    )
    if prediction != "further":
        fail(
            f"Measured on 50 pairs: {measured}. You predicted {prediction!r}. Why: past B the line leaves the "
            "region where the codes of real images lie, and there the decoder was never trained to draw anything "
            "in particular."
        )
    ok(f"{measured}. Past the data, the decoder extrapolates.")
