"""Lesson 07 (code size, PCA and depth): the checks of ``notebooks/07_code_size.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from aelib.baselines import axis_angles, principal_angles
from aelib.exercises.feedback import as_array, as_float, call, check, choice, fail, ok

__all__ = ["check_principal_angles", "check_pca_mse_prediction", "check_linear_autoencoder_claim"]

PIXELS = 28 * 28


def _rotation_case(dim: int, degrees: list[float], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two bases ``(dim, k)`` whose subspaces meet at exactly ``degrees``; ``a``'s columns are mixed and scaled
    (independent, not orthonormal) and the whole picture is rotated at random, so only the subspaces are fixed."""
    k = len(degrees)
    basis = np.zeros((dim, 2 * k))
    for j, d in enumerate(degrees):
        t = math.radians(d)
        basis[j, j] = 1.0  # a's j-th direction: e_j
        basis[j, k + j] = math.cos(t)  # b's: cos t · e_j + sin t · e_(k+j)
        basis[k + j, k + j] = math.sin(t)
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))  # a random rotation of the whole space
    a, b = q @ basis[:, :k], q @ basis[:, k:]
    mix = rng.normal(size=(k, k)) + 3 * np.eye(k)  # invertible: the same subspace, other columns
    return a @ mix, b


@check
def check_principal_angles(angles_fn: Callable, hidden: bool = False) -> None:
    """``angles_fn(a, b)``: the principal angles in degrees, smallest first, between the column spaces of the
    numpy arrays ``a`` ``(D, k)`` and ``b`` ``(D, k)`` (columns independent, not necessarily orthonormal)."""
    __tracebackhide__ = True

    rng = np.random.default_rng(11 if hidden else 7)
    cases = [(6, [0.0, 30.0, 60.0])] if not hidden else [(5, [45.0, 90.0]), (12, [1.0, 2.0, 5.0, 80.0])]
    for dim, degrees in cases:
        a, b = _rotation_case(dim, degrees, rng)
        shown = f"angles_fn(a, b) with two {len(degrees)}-d subspaces of R^{dim}"
        hint = "orthonormalise each basis first (np.linalg.qr), then the singular values of Qa.T @ Qb are cosines."
        got = as_array(call(angles_fn, a.copy(), b.copy(), shown=shown, hint=hint), f"`{shown}`").astype(float)
        want = np.array(sorted(degrees))
        if got.shape != want.shape:
            fail(f"`{shown}` returned shape {got.shape}; expected {want.shape}: one angle per dimension.")
        if np.allclose(got, want, atol=0.05):
            continue
        if np.allclose(np.degrees(got), want, atol=0.05):
            fail(f"Got {np.round(got, 3)}: those are radians. Hint: np.degrees (the check wants degrees).")
        if np.allclose(np.sort(got), want, atol=0.05):
            fail(f"Got {np.round(got, 1)}: the right angles in the wrong order. Hint: smallest first (np.sort).")
        if np.allclose(np.sort(90 - got), want, atol=0.05):
            fail(f"Got {np.round(got, 1)}: 90° minus each angle. Hint: the singular values are the COSINES "
                 "(np.arccos), not the sines.")
        fail(f"Expected {want.tolist()} degrees, got {np.round(got, 2).tolist()}. Hint: {hint} The bases given are "
             "mixed and scaled: without the orthonormalisation, the singular values are not cosines.")
    if not hidden:
        ok("orthonormal bases, then arccos of the singular values of Qa^T Qb: the angles are a property of the "
           "subspaces, whatever basis you are given.")


@check
def check_pca_mse_prediction(predict_mse: Callable, variances: torch.Tensor | None = None, k: int = 30,
                             measured: float | None = None, hidden: bool = False) -> None:
    """``predict_mse(variances, k)`` → PCA-k's MSE per pixel predicted from the eigenvalues alone: ``variances`` is
    PCA's ``(784,)`` float64 tensor of variances, largest first. ``measured``: PCA-k's MSE measured on images, to
    quote. Without ``variances`` the check uses a fixed made-up spectrum."""
    __tracebackhide__ = True

    v = (torch.as_tensor(variances, dtype=torch.float64) if variances is not None
         else 1.0 / torch.arange(1, PIXELS + 1, dtype=torch.float64))
    for kk in ([k] if not hidden else [0, 1, 100, PIXELS]):
        shown = f"predict_mse(variances, {kk})"
        got = as_float(call(predict_mse, v.clone(), kk, shown=shown), f"`{shown}`")
        want = v[kk:].sum().item() / PIXELS
        if math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-12):
            continue
        off_by_one = f"one component off: leave out the eigenvalues from index {kk} on"
        hints = {
            want * PIXELS: "that is the sum over all 784 pixels (the SSE per image): divide by 784 for per pixel",
            v[:kk].sum().item() / PIXELS: f"that is the variance KEPT by the top {kk}: the error is what is left out",
            v[kk + 1 :].sum().item() / PIXELS: off_by_one,
            v[max(kk - 1, 0) :].sum().item() / PIXELS: off_by_one,
            math.sqrt(want): "that is a root-mean-square: the MSE is not square-rooted",
        }
        for near, hint in hints.items():
            if near != want and math.isclose(got, near, rel_tol=1e-4):
                fail(f"`{shown}` returned {got:.5g}: {hint} (expected {want:.5g}).")
        fail(f"`{shown}` returned {got:.5g}, expected {want:.5g}. Hint: add up the eigenvalues PCA-{kk} leaves "
             f"out, variances[{kk}:], and divide by the 784 pixels.")
    if not hidden:
        want = v[k:].sum().item() / PIXELS
        where = f"; measured on the test images: {measured:.5f}" if measured is not None else ""
        ok(f"the variance PCA-{k} leaves out, {want:.5f} per pixel{where}. Each component kept removes its "
           "eigenvalue from the error, and nothing else does.")


@check
def check_linear_autoencoder_claim(claim: Callable, decoder: torch.Tensor | None = None,
                                   components: torch.Tensor | None = None, hidden: bool = False) -> None:
    """``claim()`` → ``"axes"`` or ``"subspace"``: what a linear autoencoder trained with MSE is guaranteed to share
    with PCA — its decoder's columns are PCA's top directions (axes), or they span the same subspace?

    ``decoder``: the trained decoder weight ``(784, k)``; ``components``: PCA's top ``k`` directions ``(k, 784)``;
    with both, the check measures how close the claim is on the lesson's model."""
    __tracebackhide__ = True

    answer = choice(call(claim, shown="claim()"), ("axes", "subspace"), "claim()")
    if hidden or decoder is None or components is None:
        return
    d, c = torch.as_tensor(decoder).double(), torch.as_tensor(components).double()
    angles = principal_angles(d, c.T)
    best_match = axis_angles(d, c.T)
    median = angles.quantile(0.5).item()  # numpy's median: the mean of the middle two of ten
    measured = (f"the median principal angle between the two subspaces is {median:.1f}°, while the median angle "
                f"from a decoder column to its closest principal direction is {best_match.quantile(0.5).item():.1f}°")
    if answer != "subspace":
        fail(f"Measured on the lesson's model: {measured}. You said {answer!r}. Why not the axes: D E x is unchanged "
             "when the code is mixed by any invertible matrix M (D M⁻¹ and M E), so nothing in the loss picks PCA's "
             "axes; only the subspace the columns span is fixed by the optimum.")
    ok(f"{measured}. Any invertible mix of the code gives the same reconstructions: only the subspace is fixed.")
