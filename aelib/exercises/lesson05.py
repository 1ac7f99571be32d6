"""Lesson 05 (an MLP autoencoder from scratch): the checks of ``notebooks/05_mlp_from_scratch_csv.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from aelib import metrics, models
from aelib.exercises.feedback import as_float, call, check, choice, fail, mnist_subset, ok, quiet_rng
from aelib.transforms import to_float

__all__ = ["check_train_step", "check_loss_scale"]


def _sgd_step(model: nn.Module, x: torch.Tensor, half: bool, lr: float, zero: bool = True) -> float:
    """The reference step (SGD), on ``model`` in place; returns the loss before the step."""
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    if zero:
        opt.zero_grad()
    loss = F.mse_loss(model(x), x) * (0.5 if half else 1.0)
    loss.backward()
    opt.step()
    return loss.item()


def _same_weights(a: nn.Module, b: nn.Module, atol: float = 1e-6) -> bool:
    return all(torch.allclose(p, q, atol=atol, rtol=1e-5) for p, q in zip(a.parameters(), b.parameters(), strict=True))


@check
def check_train_step(train_step: Callable, hidden: bool = False) -> None:
    """``train_step(model, optimizer, x)``: one mini-batch step of training an autoencoder to reconstruct ``x`` with
    the MSE loss (or 0.5 · MSE, as in lesson 05); returns the batch's loss, computed before the step, as a float.

    The check compares one and two steps with SGD against a reference step, then (unless ``hidden``) trains a small
    autoencoder for 2 epochs on 5,000 MNIST images with the learner's step and Adam, and scores it."""
    __tracebackhide__ = True

    with quiet_rng():
        model = models.DenseAutoencoder([784, 32, 8], output="sigmoid", activation="relu")
        g = torch.Generator().manual_seed(7)
        batches = [torch.rand(16, 1, 28, 28, generator=g) for _ in range(2)]
    lr = 0.5
    refs = {half: copy.deepcopy(model) for half in (True, False)}
    stale = {half: copy.deepcopy(model) for half in (True, False)}  # steps without zero_grad
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    start = copy.deepcopy(model)
    matched = None
    for step, x in enumerate(batches, start=1):
        losses = {half: _sgd_step(refs[half], x, half, lr) for half in (True, False)}
        for half in (True, False):  # a stale reference keeps its gradients: SGD's own step sums into .grad
            opt = torch.optim.SGD(stale[half].parameters(), lr=lr)
            (F.mse_loss(stale[half](x), x) * (0.5 if half else 1.0)).backward()
            opt.step()
        got = call(train_step, model, optimizer, x, shown="train_step(model, optimizer, x)")
        if isinstance(got, torch.Tensor):
            fail(
                "train_step returned a tensor; return `loss.item()`, a plain float. (Keeping the loss tensors of "
                "every batch would keep their whole computation graphs in memory.)"
            )
        got = as_float(got, "train_step's result")
        if step == 1 and _same_weights(model, start, atol=0.0):
            if all(p.grad is None for p in model.parameters()):
                fail(
                    "The weights did not change and no gradients were computed. Hint: call loss.backward(), then "
                    "optimizer.step()."
                )
            fail(
                "The weights did not change, though gradients were computed. Hint: call optimizer.step() after "
                "loss.backward()."
            )
        candidates = [half for half in (True, False) if _same_weights(model, refs[half])]
        if matched is not None:
            candidates = [h for h in candidates if h == matched]
        if not candidates:
            if step == 2 and matched is not None and _same_weights(model, stale[matched]):
                fail(
                    "The second step used the gradients of the first batch as well as its own. Hint: call "
                    "optimizer.zero_grad() before loss.backward() — PyTorch adds new gradients to the old ones."
                )
            fail(
                f"After step {step} the weights differ from one gradient step on MSE(model(x), x). Hint: the "
                "target of an autoencoder is its input: loss = F.mse_loss(model(x), x) (or 0.5 × that); then "
                "zero_grad, backward, step."
            )
        matched = candidates[0]
        if not math.isclose(got, losses[matched], rel_tol=1e-5, abs_tol=1e-7):
            fail(
                f"train_step returned {got:.6g}; the batch's loss before the step was {losses[matched]:.6g}. "
                "Hint: return loss.item() of the loss you called backward() on."
            )
    if hidden:
        return

    train, test = mnist_subset(5000, 2000)
    with quiet_rng():
        net = models.DenseAutoencoder([784, 128, 32], output="sigmoid", activation="relu")
        opt = torch.optim.Adam(net.parameters(), lr=2e-3, fused=True)
        before = metrics.evaluate(net, test)["mse"]
        x_all = to_float(train)
        g = torch.Generator().manual_seed(0)
        for _ in range(2):
            order = torch.randperm(len(x_all), generator=g)
            net.train()
            for i in range(0, len(x_all), 100):
                call(train_step, net, opt, x_all[order[i : i + 100]], shown="train_step(model, optimizer, x)")
        after = metrics.evaluate(net, test)["mse"]
    if not after < 0.5 * before:
        fail(
            f"Training with your step took the test MSE only from {before:.3g} to {after:.3g} in 2 epochs; "
            "expected it at least to halve."
        )
    loss = "0.5 × MSE" if matched else "MSE"
    ok(
        f"one step matches an SGD step on {loss} exactly, and 2 epochs of your step with Adam on 5,000 images take a "
        f"784-128-32 autoencoder's test MSE from {before:.3g} to {after:.3g}."
    )


def _train_small(loss_scale: float, optimizer: str, train: torch.Tensor, test: torch.Tensor) -> float:
    """Train a 784-64-16 autoencoder for one epoch (batches of 50) on ``loss_scale`` × MSE; return its test MSE."""

    torch.manual_seed(0)
    net = models.DenseAutoencoder([784, 64, 16], output="sigmoid", activation="relu")
    opt = (
        torch.optim.Adam(net.parameters(), lr=3e-3, fused=True)
        if optimizer == "adam"
        else torch.optim.SGD(net.parameters(), lr=2.0)
    )
    x_all = to_float(train)
    order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(0))
    for i in range(0, len(x_all), 50):
        x = x_all[order[i : i + 50]]
        loss = loss_scale * F.mse_loss(net(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return metrics.evaluate(net, test)["mse"]


@check
def check_loss_scale(predicted_effect: Callable, hidden: bool = False) -> None:
    """``predicted_effect()`` → "faster", "slower" or "same": how training with Adam changes if the loss is MSE
    instead of 0.5 · MSE. The check measures it (one epoch on 5,000 images, Adam and, for contrast, SGD)."""
    __tracebackhide__ = True
    prediction = choice(
        call(predicted_effect, shown="predicted_effect()"), ("faster", "slower", "same"), "predicted_effect()"
    )
    if hidden:
        return
    train, test = mnist_subset(5000, 2000)
    adam = {s: _train_small(s, "adam", train, test) for s in (0.5, 1.0)}
    sgd = {s: _train_small(s, "sgd", train, test) for s in (0.5, 1.0)}
    measured = (
        f"after one epoch on 5,000 images, Adam reaches a test MSE of {adam[0.5]:.3g} with 0.5 · MSE and "
        f"{adam[1.0]:.3g} with MSE; plain SGD (lr 2) reaches {sgd[0.5]:.3g} and {sgd[1.0]:.3g}"
    )
    if prediction != "same":
        fail(
            f"Measured: {measured}. You predicted {prediction!r}, but with Adam the two are the same to within "
            f"{abs(adam[1.0] / adam[0.5] - 1):.1%}. Why: Adam divides each gradient by a running average of its "
            "size, so multiplying the loss by a constant cancels out; with SGD it would scale the steps."
        )
    ok(
        f"{measured}. Adam divides each gradient by its running size, so a constant factor on the loss cancels; "
        "for SGD it is a different learning rate."
    )
