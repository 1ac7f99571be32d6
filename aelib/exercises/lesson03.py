"""Lesson 03 ([-1, 1] inputs and a Tanh decoder): the checks of the exercises of
``notebooks/03_tanh_normalized_autoencoder.ipynb``.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from aelib import data
from aelib.exercises.feedback import as_float, call, check, choice, fail, ok, shape_of, uint8_batch

__all__ = ["check_output_activations", "check_sigmoid_floor"]


ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu", "none")
TARGETS = {  # scaling → (what the learner reads, the right activation, why the others fail)
    "unit": ("ToTensor(): pixels in [0, 1]", "sigmoid"),
    "symmetric": ("ToTensor() + Normalize(0.5, 0.5): pixels in [-1, 1]", "tanh"),
    "standardized": ("ToTensor() + Normalize(0.1307, 0.3081): pixels in about [-0.42, 2.82]", "none"),
}
RANGES = {"sigmoid": "(0, 1)", "tanh": "(-1, 1)", "relu": "[0, ∞)", "none": "all real numbers"}


@check
def check_output_activations(output_activations: Callable, hidden: bool = False) -> None:
    """``output_activations()`` → ``{"unit": …, "symmetric": …, "standardized": …}``: for each scaling of the
    targets, the decoder's last activation whose range matches it ("sigmoid", "tanh", "relu" or "none")."""
    __tracebackhide__ = True
    answer = call(output_activations, shown="output_activations()")
    if not isinstance(answer, dict) or set(answer) != set(TARGETS):
        fail(
            f"Return a dict with the keys {', '.join(repr(k) for k in TARGETS)}, each mapped to one of "
            f"{', '.join(repr(a) for a in ACTIVATION_CHOICES)}; got {answer!r}."
        )
    for key, (targets, right) in TARGETS.items():
        got = choice(answer[key], ACTIVATION_CHOICES, f"output_activations()[{key!r}]")
        if got == right:
            continue
        lo_hi = {"unit": (0, 1), "symmetric": (-1, 1), "standardized": (-0.42, 2.82)}[key]
        if got == "none":
            why = (
                f"an unbounded output can reach every target, but it can also leave [{lo_hi[0]}, {lo_hi[1]}]; "
                f"{right}'s range {RANGES[right]} matches the targets exactly."
            )
        elif got == "relu":
            why = "ReLU's range [0, ∞) has no upper limit, and a unit pushed below 0 gets no gradient at all" + (
                ", nor can it output the negative targets." if lo_hi[0] < 0 else "."
            )
        elif got == "sigmoid":
            why = f"a sigmoid's outputs lie in (0, 1): it can never reach the targets below 0 (down to {lo_hi[0]})"
            why += "." if key == "symmetric" else " nor those above 1."
        else:  # tanh
            why = (
                "tanh can reach 0 and 1, but half its range, (-1, 0), would be wasted on values no target has."
                if key == "unit"
                else "tanh stops at 1, below the brightest targets (2.82)."
            )
        fail(
            f"For targets from {targets}, you chose {got!r}; expected the activation whose range matches "
            f"them. Why not {got}: {why}"
        )
    if not hidden:
        ok(
            "sigmoid for [0, 1], tanh for [-1, 1], and no activation for standardized pixels, which go from "
            "-0.42 to 2.82."
        )


@check
def check_sigmoid_floor(sigmoid_floor: Callable, sigmoid_mse: float | None = None, hidden: bool = False) -> None:
    """``sigmoid_floor(images)``: the smallest test MSE, in [0, 1] units, that a decoder whose outputs cannot go
    below 0 in [-1, 1] units (below 0.5 in [0, 1] units) can reach on the uint8 ``images``."""
    __tracebackhide__ = True
    images, real = uint8_batch(50, 3), False  # random images first: a stub or a crash is reported before any data
    while True:  # is read; then the test set
        x = images.double() / 255
        floor = (0.5 - x).clamp(min=0).square().mean().item()
        answer = as_float(
            call(sigmoid_floor, images, shown=f"sigmoid_floor(<uint8 images {shape_of(images)}>)"),
            "sigmoid_floor(images)",
        )
        if not math.isclose(answer, floor, rel_tol=1e-3):
            break
        if hidden:
            return
        if real:
            extra = (
                (
                    f"; the lesson's sigmoid model scored {sigmoid_mse:.3g}, and no training can remove the "
                    f"{floor / sigmoid_mse:.1%} of it that is this floor"
                )
                if sigmoid_mse
                else ""
            )
            ok(f"no output can go below 0.5 in [0, 1] units, so the test MSE is at least {floor:.3g}{extra}.")
            return

        images, real = data.load("mnist", "test")[0], True
    zeros_only = 0.25 * (images == 0).double().mean().item()
    if math.isclose(answer, 4 * floor, rel_tol=1e-3):
        fail(
            f"Got {answer:.4g}: that is in [-1, 1] units. Hint: errors in [-1, 1] units are twice as large, "
            "their squares 4×; give the floor in [0, 1] units."
        )
    if math.isclose(answer, zeros_only, rel_tol=1e-3):
        fail(
            f"Got {answer:.4g}, which counts only the black pixels (0.25 each). Hint: every pixel darker than "
            "0.5 costs something too: (0.5 - x)² where x < 0.5."
        )
    if answer > 1:
        fail(f"Got {answer:.4g}, more than any MSE in [0, 1] units can be. Hint: divide the bytes by 255 first.")
    fail(
        f"Got {answer:.4g}, expected {floor:.3g} for these images. Hint: in [0, 1] units the best the decoder can "
        "output for a pixel x is max(x, 0.5); average (max(x, 0.5) - x)² over all pixels of all images."
    )
