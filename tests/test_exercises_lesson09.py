"""aelib.exercises.lesson09, the checks of ``notebooks/09_autoencoders_at_work.ipynb``: each accepts a right answer
and rejects plausible wrong ones with a learner-facing message. No dataset, no training."""

from __future__ import annotations

import numpy as np

from aelib import exercises as ex
from tests.checking import accepts, rejects, stub


def auc_fn(scores, unusual):
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    n1, n0 = unusual.sum(), (~unusual).sum()
    return (ranks[unusual].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def pairwise_auc(scores, unusual):  # the definition itself: every pair compared, ties one half
    a, b = scores[unusual][:, None], scores[~unusual][None, :]
    return ((a > b).mean() + 0.5 * (a == b).mean())


def no_ties_auc(scores, unusual):
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="mergesort")] = np.arange(1, len(scores) + 1)
    n1, n0 = unusual.sum(), (~unusual).sum()
    return (ranks[unusual].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def test_auc_by_ranks(capsys):
    accepts(ex.check_auc_by_ranks, auc_fn, capsys=capsys)
    accepts(ex.check_auc_by_ranks, auc_fn, hidden=True, capsys=capsys)
    accepts(ex.check_auc_by_ranks, pairwise_auc, hidden=True, capsys=capsys)
    rejects(ex.check_auc_by_ranks, lambda s, u: 1 - auc_fn(s, u), match=r"ranks the \*normal\* items")
    rejects(ex.check_auc_by_ranks, no_ties_auc, match=r"tied scores must share")
    rejects(ex.check_auc_by_ranks, lambda s, u: auc_fn(s, u) * u.sum() * (~u).sum(), match=r"Mann–Whitney U")
    rejects(ex.check_auc_by_ranks, lambda s, u: 0.5, match=r"returned 0.5000, expected 0.7500")
    rejects(ex.check_auc_by_ranks, lambda s, u: "high", match=r"number")
    rejects(ex.check_auc_by_ranks, stub, match=r"Not done yet")


def threshold_fn(normal, rate):
    s = np.sort(normal)
    return s[len(s) - 1 - int(np.floor(rate * len(s)))]


def test_threshold_for(capsys):
    accepts(ex.check_threshold_for, threshold_fn, capsys=capsys)
    accepts(ex.check_threshold_for, threshold_fn, hidden=True, capsys=capsys)
    accepts(ex.check_threshold_for, lambda s, r: np.quantile(s, 1 - r), capsys=capsys)  # the same flags here
    rejects(ex.check_threshold_for, lambda s, r: np.quantile(s, r), match=r"quantile from the bottom")
    rejects(ex.check_threshold_for, lambda s, r: np.sort(s)[len(s) - 2 - int(r * len(s))], match=r"more than the")
    rejects(ex.check_threshold_for, lambda s, r: np.max(s), match=r"a lower threshold")
    rejects(ex.check_threshold_for, stub, match=r"Not done yet")


MEASURED = {"blank": 34.7, "fashion": 246.6, "mnist": 202.5}


def test_blank_image_prediction(capsys):
    accepts(ex.check_blank_image_prediction, lambda: "likely", capsys=capsys)
    accepts(ex.check_blank_image_prediction, lambda: "likely", measured=MEASURED, capsys=capsys)
    message = rejects(ex.check_blank_image_prediction, lambda: "unlikely", measured=MEASURED, match=r"^Not quite")
    assert "34.7 nats" in message and "246.6" in message
    rejects(ex.check_blank_image_prediction, lambda: "unlikely", match=r"how easy an image is to describe")
    rejects(ex.check_blank_image_prediction, lambda: "maybe", match=r"likely")
    ex.check_blank_image_prediction(lambda: "unlikely", hidden=True)  # hidden: the grader's cell only records
