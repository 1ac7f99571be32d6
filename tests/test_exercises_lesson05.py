"""aelib.exercises.lesson05, the checks of ``notebooks/05_mlp_from_scratch_csv.ipynb``:
each accepts a right answer and rejects plausible wrong ones with a learner-facing message (the message is the
product: each rejection pins the hint). Checks that train on or read real MNIST are marked ``integration``."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from aelib import exercises as ex
from tests.checking import accepts, rejects


def train_step(model, optimizer, x):
    loss = 0.5 * F.mse_loss(model(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def test_train_step_against_the_reference_step(capsys):
    accepts(ex.check_train_step, train_step, hidden=True, capsys=capsys)

    def full_mse(model, optimizer, x):
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    accepts(ex.check_train_step, full_mse, hidden=True, capsys=capsys)


def _step(zero=True, step=True, backward=True, target=None, result="item"):
    def train_step(model, optimizer, x):
        loss = F.mse_loss(model(x), x if target is None else target(x))
        if zero:
            optimizer.zero_grad()
        if backward:
            loss.backward()
        if step:
            optimizer.step()
        if result == "tensor":
            return loss
        if result == "after":
            return F.mse_loss(model(x), x).item()
        return loss.item()

    return train_step


@pytest.mark.parametrize(
    "wrong, match",
    [
        (_step(zero=False), r"second step used the gradients of the first batch.*zero_grad"),
        (_step(step=False), r"did not change, though gradients were computed.*optimizer\.step\(\)"),
        (_step(backward=False, step=False), r"no gradients were computed.*loss\.backward\(\)"),
        (_step(target=torch.zeros_like), r"target of an autoencoder is its input"),
        (_step(result="tensor"), r"returned a tensor; return `loss\.item\(\)`"),
        (_step(result="after"), r"loss before the step was"),
    ],
    ids=["no zero_grad", "no step", "no backward", "wrong target", "tensor", "loss after the step"],
)
def test_train_step_rejects(wrong, match):
    rejects(ex.check_train_step, wrong, hidden=True, match=match)


@pytest.mark.integration
def test_train_step_trains(capsys):
    out = accepts(ex.check_train_step, train_step, capsys=capsys)
    assert "SGD step on 0.5 × MSE exactly" in out


@pytest.mark.integration
def test_loss_scale(capsys):
    out = accepts(ex.check_loss_scale, lambda: "same", capsys=capsys)
    assert "Adam reaches" in out and "plain SGD" in out
    rejects(ex.check_loss_scale, lambda: "faster", match=r"^Measured: .*You predicted 'faster'.*Adam divides")
    rejects(ex.check_loss_scale, lambda: "quicker", match=r"one of 'faster', 'slower', 'same'")
