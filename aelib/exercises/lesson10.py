"""Lesson 10 (sparse autoencoders): the checks of ``notebooks/10_sparse_autoencoders.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from aelib.exercises.feedback import as_float, as_tensor, call, check, choice, fail, ok
from aelib.features import explained_variance

__all__ = ["check_explained_variance", "check_feature_vote", "check_topk"]


def _topk_cases(hidden: bool) -> list[tuple[str, torch.Tensor, int]]:
    g = torch.Generator().manual_seed(10 if not hidden else 11)
    cases = [
        ("pre = [[0.5, -1.0, 2.0, 0.1], [-0.3, -0.2, -0.9, 0.4]], k = 2",
         torch.tensor([[0.5, -1.0, 2.0, 0.1], [-0.3, -0.2, -0.9, 0.4]]), 2),
        ("pre of shape (64, 512) drawn from N(0, 1), k = 16", torch.randn(64, 512, generator=g), 16),
    ]
    if hidden:
        cases += [("pre of shape (3, 5), k = 5 (keep every positive one)", torch.randn(3, 5, generator=g), 5),
                  ("pre of shape (8, 100), k = 1", torch.randn(8, 100, generator=g), 1)]
    return cases


@check
def check_topk(topk_fn: Callable, hidden: bool = False) -> None:
    """``topk_fn(pre, k)``: of each row of ``pre`` ``(N, n)`` keep the ``k`` largest entries through a ReLU, every
    other entry 0; ``(N, n)``, with the gradient flowing to the kept entries only."""
    __tracebackhide__ = True

    hint = ("top = pre.topk(k, dim=1); return torch.zeros_like(pre).scatter(1, top.indices, torch.relu(top.values))")
    for what, pre, k in _topk_cases(hidden):
        shown = f"topk_fn(pre, k) with {what}"
        x = pre.clone().requires_grad_()
        out = as_tensor(call(topk_fn, x, k, shown=shown, hint=hint), f"`{shown}`")
        top = pre.topk(k, dim=1)
        want = torch.zeros_like(pre).scatter(1, top.indices, torch.relu(top.values))
        if out.shape != pre.shape:
            extra = " (the kept values alone: put them back in place, in a tensor of zeros)" if out.shape == (
                len(pre), k) else ""
            fail(f"`{shown}` returned shape {tuple(out.shape)}; expected {tuple(pre.shape)}, like pre{extra}. "
                 f"Hint: {hint}")
        got = out.detach().float()
        if torch.allclose(got, want, atol=1e-6):
            pass
        elif ((got != 0).sum(1) > k).any():
            fail(f"`{shown}` leaves more than k = {k} entries non-zero in some rows: keep the k largest of each "
                 f"row, along dim=1. Hint: {hint}")
        elif (got < 0).any():
            fail(f"`{shown}` keeps negative values: a latent is an amount of a feature, never below zero. Pass "
                 f"the kept values through a ReLU. Hint: {hint}")
        elif torch.allclose(got, torch.zeros_like(pre).scatter(1, (low := pre.topk(k, dim=1, largest=False)).indices,
                                                               torch.relu(low.values))):
            fail(f"`{shown}` keeps the k smallest entries: use the largest (topk's default, largest=True).")
        else:
            fail(f"`{shown}` returned {got[:2, :6].tolist()} in its first rows and columns; expected "
                 f"{want[:2, :6].tolist()}. Hint: {hint}")
        if not out.requires_grad:
            fail(f"`{shown}` returns a tensor with no gradient: the encoder could not learn through it. Build it from "
                 "pre with torch operations (no .detach(), no numpy, no torch.no_grad). Hint: " + hint)
        out.sum().backward()
        if x.grad is None or not torch.equal(x.grad, (want > 0).float()):
            fail(f"With `{shown}`, the gradient of the sum of the output should be 1 on the kept positive entries "
                 "and 0 everywhere else (the others did not take part). Hint: " + hint)
    if not hidden:
        ok("each row keeps its k largest pre-activations (through a ReLU) and nothing else: L0 is at most k by "
           "construction, and only the kept latents receive a gradient — which is why the others can die.")


def _ev_cases(hidden: bool) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(20 if not hidden else 21)
    x = torch.randn(500, 32, generator=g) * 2 + 3
    noisy = x + 0.5 * torch.randn(500, 32, generator=g)
    cases = [
        ("x_hat = x (a perfect reconstruction)", x, x.clone()),
        ("x_hat = the mean row of x for every row", x, x.mean(0).expand_as(x).clone()),
        ("x (500, 32) with a mean of 3, x_hat = x plus noise of std 0.5", x, noisy),
    ]
    if hidden:
        cases.append(("x_hat = 0 everywhere", x, torch.zeros_like(x)))
    return cases


@check
def check_explained_variance(ev_fn: Callable, hidden: bool = False) -> None:
    """``ev_fn(x, x_hat)``: ``1 − Σ‖x − x̂‖² / Σ‖x − x̄‖²`` for ``x``, ``x_hat`` ``(N, d)``, a number; checked against
    :func:`aelib.features.explained_variance`."""
    __tracebackhide__ = True

    hint = "1 - (x - x_hat).pow(2).sum() / (x - x.mean(0)).pow(2).sum(), as a float."
    for what, x, x_hat in _ev_cases(hidden):
        shown = f"ev_fn(x, x_hat) with {what}"
        got = as_float(call(ev_fn, x.clone(), x_hat.clone(), shown=shown, hint=hint), f"`{shown}`")
        want = explained_variance(x, x_hat)
        if math.isclose(got, want, abs_tol=1e-4):
            continue
        residual = (x - x_hat).double().square().sum()
        if math.isclose(got, 1 - want, abs_tol=1e-4):
            fail(f"`{shown}` returned {got:.4f}, the share *unexplained* (1 − {want:.4f}). Subtract it from 1.")
        if math.isclose(got, (1 - residual / x.double().square().sum()).item(), abs_tol=1e-4):
            fail(f"`{shown}` returned {got:.4f}, expected {want:.4f}: the total must be measured around the mean "
                 "row x̄, not around 0 — otherwise predicting the mean would already 'explain' most of it.")
        per_row = (1 - (x - x_hat).double().square().sum(1) / (x - x.mean(0)).double().square().sum(1)).mean()
        if math.isclose(got, per_row.item(), abs_tol=1e-4):
            fail(f"`{shown}` returned {got:.4f}, expected {want:.4f}: a ratio per row, then averaged (SAELens' "
                 "older 'legacy' figure). Pool the sums over all rows first, then divide once.")
        fail(f"`{shown}` returned {got:.4f}, expected {want:.4f}. Hint: {hint}")
    if not hidden:
        ok("1 for a perfect reconstruction, 0 for predicting the mean row every time: the share of the "
           "inputs' spread around their mean that the reconstruction accounts for.")


BANDS = ("over 90 %", "50 to 90 %", "under 50 %")


def _band(share: float) -> str:
    return BANDS[0] if share > 0.9 else BANDS[1] if share >= 0.5 else BANDS[2]


@check
def check_feature_vote(predict: Callable, measured: float, hidden: bool = False) -> None:
    """``predict()`` → one of :data:`BANDS`: the share of the SAE's features at least 0.9 pure whose direction
    raises their own digit's logit the most. ``measured``: that share, as the lesson measured it."""
    __tracebackhide__ = True

    answer = choice(call(predict, shown="predict()"), BANDS, "`predict()`")
    share = as_float(measured, "`measured`")
    if not 0 <= share <= 1:
        fail(f"`measured` must be a share between 0 and 1, got {share}.")
    if hidden:
        return
    why = ("a feature's direction is added to those of 15 others, and it may carry only what sets its images apart "
           "from other ways of writing the same digit (a slant, a thick stroke, an open loop), which the head can "
           "read as evidence for another digit")
    if answer != _band(share):
        fail(f"Not quite: measured here, a share of {share:.2f} ({_band(share)}). Found without a single label, "
             f"most pure features vote for their own digit; not all, because {why}.")
    ok(f"{answer}: measured here, a share of {share:.2f}. Found without a single label, most pure features vote for "
       f"their own digit, and the classifier's head reads them as evidence for it. Not all: {why}.")
