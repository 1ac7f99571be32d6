"""Telling the unusual from the usual: a score per image, and how well a score separates two groups.

    scores = reconstruction_scores(model, test_images)          # (N,) float64: higher = more unusual
    roc_auc(scores, is_unusual)                                 # 0.5 = chance, 1 = every unusual one ranked first
    t = threshold_at(scores_of_normal_images, false_alarms=0.05)
    alarm_report(scores, is_unusual, t)                         # precision, recall, false-alarm rate at t

A score is any number per image where larger means "less like the training data": a reconstruction error, a
VAE's negative ELBO (:func:`aelib.metrics.elbo_per_image`), either minus the image's compressed length
(:func:`compressed_nats`). Everything here is arrays in, arrays out, on the CPU, in float64; the one model call is
:func:`aelib.metrics.reconstruct`.

This module imports nothing from ``aelib`` except :mod:`aelib.metrics` and :mod:`aelib.transforms`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from aelib.metrics import mse_per_image, reconstruct
from aelib.transforms import image_batch

__all__ = [
    "AlarmReport",
    "alarm_report",
    "compressed_nats",
    "image_scores",
    "reconstruction_scores",
    "roc_auc",
    "smoothed",
    "roc_curve",
    "threshold_at",
]

# The 3×3 binomial filter, (1 2 1)ᵀ(1 2 1) / 16: the smallest blur that averages an error over a stroke's width.
_BINOMIAL = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)
SMOOTHING = (_BINOMIAL[:, None] * _BINOMIAL[None, :] / 16).view(1, 1, 3, 3)


def image_scores(recon: torch.Tensor, images, smooth: bool = False) -> torch.Tensor:
    """Each image's reconstruction error: the mean over its pixels of ``(recon − image)²``
    (:func:`aelib.metrics.mse_per_image`), ``(N,)`` float64.

    ``recon``: reconstructions in [0, 1] units (a model's through :func:`aelib.metrics.reconstruct`, or PCA's);
    ``images``: the originals, uint8 or float in [0, 1] (:func:`aelib.transforms.image_batch`). With ``smooth`` the
    error map ``recon − image`` is first blurred with :data:`SMOOTHING` (zero padding), so an error counts by how
    much it changes the shape at the scale of a stroke, not pixel by pixel: a stroke drawn one pixel to the side
    costs less, a missing stroke as much as before (the idea behind SSIM-based scores, Bergmann et al., 2019).
    """
    target = image_batch(images, "images").double()
    recon = image_batch(recon, "recon").double()
    if smooth:  # the filter is linear: blurring both blurs their difference
        recon, target = smoothed(recon), smoothed(target)
    return mse_per_image(recon, target).cpu()


def smoothed(x: torch.Tensor) -> torch.Tensor:
    """``x`` ``(N, 1, H, W)`` filtered with :data:`SMOOTHING` (zero padding): ``conv2d(x, SMOOTHING, padding=1)``,
    computed as two passes of (1 2 1) / 4, one per axis, which on a CPU is ten times faster for one channel."""
    x = F.pad(x, (1, 1, 1, 1))
    x = (x[..., :-2, :] + 2 * x[..., 1:-1, :] + x[..., 2:, :]) / 4
    return (x[..., :-2] + 2 * x[..., 1:-1] + x[..., 2:]) / 4


def reconstruction_scores(
    model: nn.Module, images: torch.Tensor, *, smooth: bool = False, scale: str = "unit", batch_size: int = 1000
) -> torch.Tensor:
    """:func:`image_scores` of ``model``'s reconstructions of ``images`` (uint8 ``(N, 28, 28)``), ``(N,)`` float64.

    The reconstructions are :func:`aelib.metrics.reconstruct`'s (eval mode, no grad, in [0, 1] units whatever
    ``scale`` the model works in)."""
    _, recon = reconstruct(model, images, scale=scale, batch_size=batch_size)
    return image_scores(recon, images, smooth=smooth)


def _arrays(scores, unusual) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores.detach().cpu() if isinstance(scores, torch.Tensor) else scores, dtype=np.float64).ravel()
    u = np.asarray(unusual.detach().cpu() if isinstance(unusual, torch.Tensor) else unusual).ravel()
    if len(s) != len(u):
        raise ValueError(f"got {len(s)} scores and {len(u)} labels: give one is-unusual flag per score.")
    if u.dtype != bool and not np.isin(u, (0, 1)).all():
        raise ValueError("unusual must say True (or 1) for an unusual item and False (0) for a normal one.")
    if np.isnan(s).any():
        raise ValueError(f"{int(np.isnan(s).sum())} scores are NaN: a score must be a number for every item.")
    u = u.astype(bool)
    if u.all() or not u.any():
        raise ValueError("an AUC needs both kinds: at least one unusual and one normal item.")
    return s, u


def roc_auc(scores, unusual) -> float:
    """The area under the ROC curve: the probability that a random unusual item scores higher than a random normal
    one (ties count one half). 1 = a perfect ranking, 0.5 = chance, below 0.5 = the score points the wrong way.

    Computed from ranks (the Mann–Whitney U statistic): ``(R − n₁(n₁ + 1)/2) / (n₁ n₀)``, ``R`` the sum of the
    unusual items' ranks among all scores, tied scores given the mean of their ranks. ``scores``: ``(N,)``;
    ``unusual``: ``(N,)`` bools (or 0/1), True for the items that should score high."""
    s, u = _arrays(scores, unusual)
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    _, group, count = np.unique(s, return_inverse=True, return_counts=True)
    ranks = (np.bincount(group, weights=ranks) / count)[group]  # ties share their mean rank
    n1, n0 = int(u.sum()), int((~u).sum())
    return float((ranks[u].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def roc_curve(scores, unusual) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ROC curve: ``(false_alarm_rate, hit_rate, thresholds)``, one point per distinct score, from (0, 0) to
    (1, 1). At threshold ``t`` every item scoring above ``t`` is flagged: the hit rate (recall) is the fraction of
    unusual items flagged, the false-alarm rate the fraction of normal ones. Its area is :func:`roc_auc`."""
    s, u = _arrays(scores, unusual)
    order = np.argsort(-s, kind="mergesort")
    s, u = s[order], u[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # the last item of each run of equal scores
    hits, alarms = np.cumsum(u)[last], np.cumsum(~u)[last]
    thresholds = np.r_[np.inf, s[last]]
    return np.r_[0.0, alarms / alarms[-1]], np.r_[0.0, hits / hits[-1]], thresholds


def threshold_at(normal_scores, false_alarms: float) -> float:
    """The threshold that flags (``score > threshold``) at most a fraction ``false_alarms`` of ``normal_scores``,
    and the lowest such: the largest rate of hits it allows. ``normal_scores``: scores of held-out *normal* images,
    never the ones under test. ``false_alarms`` in [0, 1): e.g. 0.05 flags about 1 normal image in 20."""
    s = np.sort(np.asarray(normal_scores, dtype=np.float64).ravel())
    if not 0.0 <= false_alarms < 1.0:
        raise ValueError(f"false_alarms is a fraction of normal images, in [0, 1); got {false_alarms}.")
    if len(s) == 0:
        raise ValueError("no normal scores: the threshold is chosen on held-out normal images.")
    allowed = math.floor(false_alarms * len(s) + 1e-9)  # how many normal images may score above it
    return float(s[len(s) - 1 - allowed])


@dataclass(frozen=True)
class AlarmReport:
    """What a threshold does to a set of items: ``flagged`` of them scored above it, ``hits`` of those unusual.

    ``precision`` = hits / flagged (how many alarms are real), ``recall`` = hits / unusual (how many unusual items
    were caught), ``false_alarm_rate`` = normal items flagged / normal items."""

    threshold: float
    flagged: int
    hits: int
    unusual: int
    normal: int

    @property
    def precision(self) -> float:
        return self.hits / self.flagged if self.flagged else math.nan

    @property
    def recall(self) -> float:
        return self.hits / self.unusual

    @property
    def false_alarm_rate(self) -> float:
        return (self.flagged - self.hits) / self.normal

    def __str__(self) -> str:
        return (f"threshold {self.threshold:.5f}: {self.flagged:,} flagged, {self.hits:,} of them unusual; "
                f"precision {self.precision:.3f}, recall {self.recall:.3f}, "
                f"false alarms {self.false_alarm_rate:.3f} of the normal items")


def alarm_report(scores, unusual, threshold: float) -> AlarmReport:
    """Flag every item whose score is above ``threshold``; count what that catches (:class:`AlarmReport`)."""
    s, u = _arrays(scores, unusual)
    flagged = s > threshold
    return AlarmReport(float(threshold), int(flagged.sum()), int((flagged & u).sum()), int(u.sum()), int((~u).sum()))


def compressed_nats(images) -> torch.Tensor:
    """Each image's length as a lossless PNG (Pillow, ``optimize=True``), in nats: bytes × 8 × ln 2, ``(N,)`` float64.

    A standard compressor's length is an estimate of the image's *complexity*: about how many nats any generic
    model needs to describe it. Serrà et al. (ICLR 2020) subtract it from a likelihood model's score. ``images``:
    uint8 ``(N, 28, 28)`` (or float in [0, 1], rounded to 0–255)."""
    x = image_batch(images, "images")[:, 0]
    pixels = (x * 255).round().clamp(0, 255).to(torch.uint8).cpu().numpy()
    lengths = []
    for image in pixels:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG", optimize=True)
        lengths.append(len(buffer.getvalue()))
    return torch.tensor(lengths, dtype=torch.float64) * 8 * math.log(2)
