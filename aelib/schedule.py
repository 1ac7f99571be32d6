"""Learning-rate schedules for :func:`aelib.train.fit`: the rate of each optimizer step, from the step alone.

A schedule that depends only on the step number needs no state of its own, so a resumed run follows the same
curve as one that was never interrupted. This module imports nothing else from ``aelib``.
"""

from __future__ import annotations

import math

__all__ = ["SCHEDULES", "learning_rate"]

SCHEDULES = ("constant", "onecycle")


def learning_rate(schedule: str, lr: float, step: int, total_steps: int) -> float:
    """The learning rate of optimizer step ``step`` (0-based) out of ``total_steps`` under ``schedule``.

    ``"constant"``: ``lr`` throughout. ``"onecycle"`` (Smith & Topin, 2018; the shape of torch's ``OneCycleLR``
    with its defaults): a cosine rise from ``lr / 25`` to ``lr`` over the first 30 % of the steps, then a cosine
    fall to ``lr / 25 / 10⁴``. A short warm-up lets a high peak rate through without diverging, the long fall
    settles the weights; the rate depends on the step alone, so a resumed run follows the same curve.
    """
    if schedule == "constant":
        return lr
    if schedule != "onecycle":
        raise ValueError(f"unknown schedule {schedule!r}; use one of {', '.join(SCHEDULES)}.")
    if not 0 <= step < total_steps:
        raise ValueError(f"step must be in [0, {total_steps}), got {step}.")
    start, low = lr / 25, lr / 25 / 1e4
    rise = max(1, round(0.3 * total_steps) - 1)  # steps 0 … rise go up, the rest down (OneCycleLR's split)

    def cos_between(a: float, b: float, frac: float) -> float:
        return b + (a - b) * (1 + math.cos(math.pi * frac)) / 2

    if step <= rise:
        return cos_between(start, lr, step / rise)
    return cos_between(lr, low, (step - rise) / max(1, total_steps - 1 - rise))
