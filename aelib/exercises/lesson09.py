"""Lesson 09 (autoencoders at work): the checks of ``notebooks/09_autoencoders_at_work.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from aelib.detection import roc_auc, threshold_at
from aelib.exercises.feedback import as_float, call, check, choice, fail, ok

__all__ = ["check_auc_by_ranks", "check_blank_image_prediction", "check_threshold_for"]


def _cases(hidden: bool) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(what it is, scores, unusual) on fixed inputs: small ones to reason about, ties, and a large random one."""
    rng = np.random.default_rng(9 if not hidden else 10)
    n = 2_000
    unusual = rng.random(n) < 0.3
    scores = rng.normal(size=n) + 1.2 * unusual
    cases = [
        ("scores [0.1, 0.4, 0.35, 0.8] with the last two unusual", np.array([0.1, 0.4, 0.35, 0.8]),
         np.array([False, False, True, True])),
        ("scores with ties [1, 2, 2, 3, 3, 3]", np.array([1.0, 2.0, 2.0, 3.0, 3.0, 3.0]),
         np.array([False, True, False, True, False, True])),
        (f"{n:,} random scores, the unusual ones shifted up", scores, unusual),
    ]
    if hidden:
        cases.append(("scores rounded to 1 decimal (many ties)", np.round(scores, 1), unusual))
        cases.append(("every score equal", np.zeros(6), np.array([True, False, True, False, False, False])))
    return cases


def _ordinal_auc(scores: np.ndarray, unusual: np.ndarray) -> float:
    """The AUC with ties broken by position instead of shared: what forgetting the ties gives."""
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="mergesort")] = np.arange(1, len(scores) + 1)
    n1, n0 = unusual.sum(), (~unusual).sum()
    return float((ranks[unusual].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


@check
def check_auc_by_ranks(auc_fn: Callable, hidden: bool = False) -> None:
    """``auc_fn(scores, unusual)``: the ROC AUC of numpy ``scores`` ``(N,)`` for the bool flags ``unusual`` ``(N,)``,
    from ranks, ties sharing their mean rank; checked against :func:`aelib.detection.roc_auc`."""
    __tracebackhide__ = True

    hint = ("rank all scores (1 = lowest; tied scores share the mean of their ranks), add up the unusual items' "
            "ranks R, then AUC = (R − n₁(n₁ + 1)/2) / (n₁ · n₀).")
    for what, scores, unusual in _cases(hidden):
        shown = f"auc_fn(scores, unusual) on {what}"
        got = as_float(call(auc_fn, scores.copy(), unusual.copy(), shown=shown, hint=hint), f"`{shown}`")
        want = roc_auc(scores, unusual)
        if math.isclose(got, want, abs_tol=1e-9):
            continue
        if math.isclose(got, 1 - want, abs_tol=1e-9):
            fail(f"`{shown}` returned {got:.4f}, which is 1 − {want:.4f}: it ranks the *normal* items above the "
                 "unusual ones. The unusual items are the ones that should score high; sum *their* ranks.")
        n1, n0 = int(unusual.sum()), int((~unusual).sum())
        if math.isclose(got, want * n1 * n0, rel_tol=1e-9):
            fail(f"`{shown}` returned {got:g}: the Mann–Whitney U count, not yet divided by n₁ · n₀ = {n1 * n0}.")
        if math.isclose(got, _ordinal_auc(scores, unusual), abs_tol=1e-9):
            fail(f"`{shown}` returned {got:.4f}, expected {want:.4f}: tied scores must share the mean of their "
                 "ranks (a tie between a normal and an unusual item counts one half), not take them in order.")
        fail(f"`{shown}` returned {got:.4f}, expected {want:.4f}. Hint: {hint}")
    if not hidden:
        ok("the AUC is the probability that a random unusual item outscores a random normal one: the rank sum "
           "counts those pairs at once, ties counted one half, in one sort instead of n₁ · n₀ comparisons.")


@check
def check_threshold_for(threshold_fn: Callable, hidden: bool = False) -> None:
    """``threshold_fn(normal_scores, rate)``: a threshold ``t`` such that ``score > t`` flags at most ``rate`` of
    the normal scores, and as many as that allows (the same flags as :func:`aelib.detection.threshold_at`)."""
    __tracebackhide__ = True

    hint = ("sort the normal scores; k = floor(rate · n) of them may lie above t, so t is the (k + 1)-th largest "
            "(np.sort(s)[n - 1 - k]).")
    rng = np.random.default_rng(3 if not hidden else 4)
    cases = [(rng.gamma(2.0, 0.01, size=1_000), 0.05), (rng.gamma(2.0, 0.01, size=1_000), 0.01)]
    if hidden:
        cases += [(rng.gamma(2.0, 0.01, size=37), 0.1), (np.round(rng.gamma(2.0, 0.01, 500), 3), 0.05)]
    for normal, rate in cases:
        shown = f"threshold_fn(normal_scores, {rate}) on {len(normal):,} scores"
        got = as_float(call(threshold_fn, normal.copy(), rate, shown=shown, hint=hint), f"`{shown}`")
        flagged = int((normal > got).sum())
        want = int((normal > threshold_at(normal, rate)).sum())
        if flagged == want:
            continue
        if flagged > rate * len(normal) and math.isclose(flagged / len(normal), 1 - rate, abs_tol=0.01):
            fail(f"`{shown}` flags {flagged} of {len(normal)} normal images, {flagged / len(normal):.0%}: the "
                 f"threshold is the {rate:.0%} quantile from the bottom. False alarms are the normal images "
                 f"*above* it: take the {1 - rate:.0%} quantile. Hint: {hint}")
        if flagged > rate * len(normal):
            fail(f"`{shown}` flags {flagged} of {len(normal)} normal images: more than the {rate:.0%} allowed "
                 f"({math.floor(rate * len(normal))}). Hint: {hint}")
        fail(f"`{shown}` flags {flagged} of {len(normal)} normal images; {want} are allowed, and a lower threshold "
             f"would catch more unusual ones at the same false-alarm rate. Hint: {hint}")
    if not hidden:
        ok("the threshold is the (1 − rate) quantile of the held-out normal scores: at most that fraction of "
           "normal images lies above it, and no lower threshold keeps that promise.")


@check
def check_blank_image_prediction(predict: Callable, measured: dict[str, float] | None = None,
                                 hidden: bool = False) -> None:
    """``predict()`` → ``"likely"`` or ``"unlikely"``: what the Fashion-MNIST VAE thinks of an all-black image —
    a lower negative ELBO than a typical Fashion test image (likely) or a higher one.

    ``measured``: the lesson's figures in nats, ``{"blank": the blank image's negative ELBO, "fashion": the median
    over the Fashion test images, "mnist": the median over the MNIST test images}``."""
    __tracebackhide__ = True

    answer = choice(call(predict, shown="predict()"), ("likely", "unlikely"), "predict()")
    if hidden:
        return
    reason = ("a black pixel is the easiest thing to predict: the decoder gives the border pixels of every image a "
              "probability of black near 1, so an image with nothing on it costs almost no nats")
    if measured is None:
        if answer != "likely":
            fail(f"Not quite: {reason}. Likelihood measures how easy an image is to describe, not how familiar it is.")
        ok(f"likely: {reason}.")
        return
    m = measured
    figures = (f"measured here: the blank image costs {m['blank']:.1f} nats, a Fashion test image a median "
               f"{m['fashion']:.1f} and an MNIST digit {m['mnist']:.1f}")
    if answer != "likely":
        fail(f"Not quite: {figures}. {reason[0].upper() + reason[1:]}; likelihood measures how easy an image is to "
             "describe, not how familiar it is.")
    ok(f"{figures}. The VAE never saw a blank image, yet calls it the likeliest of all: likelihood rewards "
       "simplicity, which is why MNIST's thin strokes on black look likely to it too.")
