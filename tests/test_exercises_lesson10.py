"""aelib.exercises.lesson10, the checks of ``notebooks/10_sparse_autoencoders.ipynb``: each accepts a right answer
and rejects plausible wrong ones with a learner-facing message. No dataset, no training."""

from __future__ import annotations

import torch

from aelib import exercises as ex
from tests.checking import accepts, rejects, stub


def topk_fn(pre, k):
    top = pre.topk(k, dim=1)
    return torch.zeros_like(pre).scatter(1, top.indices, torch.relu(top.values))


def masked_topk(pre, k):  # another right answer: a mask of the k largest, times the ReLU
    threshold = pre.topk(k, dim=1).values[:, -1:]
    return torch.relu(pre) * (pre >= threshold)


def test_topk(capsys):
    accepts(ex.check_topk, topk_fn, capsys=capsys)
    accepts(ex.check_topk, topk_fn, hidden=True, capsys=capsys)
    accepts(ex.check_topk, masked_topk, capsys=capsys)
    rejects(ex.check_topk, lambda pre, k: pre.topk(k, dim=1).values, match=r"the kept values alone")
    rejects(ex.check_topk, lambda pre, k: torch.zeros_like(pre).scatter(1, pre.topk(k, dim=1).indices,
                                                                        pre.topk(k, dim=1).values),
            match=r"keeps negative values")
    rejects(ex.check_topk, lambda pre, k: torch.relu(pre), match=r"more than k = 2 entries")
    smallest = lambda pre, k: torch.zeros_like(pre).scatter(  # noqa: E731
        1, pre.topk(k, dim=1, largest=False).indices, torch.relu(pre.topk(k, dim=1, largest=False).values))
    rejects(ex.check_topk, smallest, match=r"k smallest")
    rejects(ex.check_topk, lambda pre, k: topk_fn(pre, k).detach(), match=r"no gradient")
    straight_through = lambda pre, k: pre + (topk_fn(pre, k) - pre).detach()  # noqa: E731  right values, every grad 1
    rejects(ex.check_topk, straight_through, match=r"gradient of the sum")
    rejects(ex.check_topk, stub, match=r"Not done yet")


def ev_fn(x, x_hat):
    return (1 - (x - x_hat).pow(2).sum() / (x - x.mean(0)).pow(2).sum()).item()


def test_explained_variance(capsys):
    accepts(ex.check_explained_variance, ev_fn, capsys=capsys)
    accepts(ex.check_explained_variance, ev_fn, hidden=True, capsys=capsys)
    accepts(ex.check_explained_variance, lambda x, y: 1 - ((x - y) ** 2).sum() / ((x - x.mean(0)) ** 2).sum(),
            capsys=capsys)  # a 0-d tensor is a number too
    rejects(ex.check_explained_variance, lambda x, y: 1 - ev_fn(x, y), match=r"the share \*unexplained\*")
    rejects(ex.check_explained_variance, lambda x, y: (1 - (x - y).pow(2).sum() / x.pow(2).sum()).item(),
            match=r"around the mean")
    rejects(ex.check_explained_variance, lambda x, y: (1 - (x - y).pow(2).sum(1) / (x - x.mean(0)).pow(2).sum(1))
            .mean().item(), match=r"legacy")
    rejects(ex.check_explained_variance, lambda x, y: "high", match=r"number")
    rejects(ex.check_explained_variance, stub, match=r"Not done yet")


def test_feature_vote(capsys):
    message = accepts(ex.check_feature_vote, lambda: "50 to 90 %", measured=0.74, capsys=capsys)
    assert "0.74" in message
    accepts(ex.check_feature_vote, lambda: "over 90 %", measured=0.95, capsys=capsys)
    rejects(ex.check_feature_vote, lambda: "over 90 %", measured=0.74, match=r"^Not quite: measured here, a share of "
            r"0\.74 \(50 to 90 %\)")
    rejects(ex.check_feature_vote, lambda: "all", measured=0.74, match=r"over 90 %")
    rejects(ex.check_feature_vote, lambda: "50 to 90 %", measured=1.5, match=r"between 0 and 1")
    ex.check_feature_vote(lambda: "under 50 %", measured=0.74, hidden=True)  # hidden: the grader's cell only records
