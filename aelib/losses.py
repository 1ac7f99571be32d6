"""What a model is trained to minimise: a reconstruction loss, plus the terms a model adds to it itself.

Every model of the course is scored by how well it reconstructs its (clean) input: ``loss(recon, target)``, one of
:data:`LOSSES` or any ``callable(recon, target)`` returning the batch mean. Some models want more than that in
their objective — a variational autoencoder's KL divergence, a sparse autoencoder's penalty on its code — and they
say so through one protocol, the **loss-terms protocol**: a model that defines ::

    def loss_terms(self, x) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        '''Return (the reconstruction of x, {name: that term for each image, shape (N,)}).'''

is trained on ``loss(recon, target) + Σ weights[name] · terms[name].mean()`` (:func:`objective`): each term is
computed for each image and averaged over the batch, in the same units as the loss (for a VAE, nats per image
beside ``"bce_sum"``). ``weights`` default to 1 per term (``fit(..., term_weights={"kl": 4.0})`` is a β-VAE;
``{"kl": 0.0}`` drops the term from the objective, yet it is still measured). A model without ``loss_terms`` is
trained on ``loss(model(x), target)`` alone. Nothing here, in :func:`aelib.train.fit` or in :mod:`aelib.metrics`
knows which model it is.

This module imports nothing from ``aelib``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "LOSSES", "LossFn", "RECONSTRUCTION", "adds_terms", "bce_per_image", "bce_sum", "match_shape", "objective", "terms",
]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
RECONSTRUCTION = "reconstruction"  # the name of the loss's own part among a model's terms


def bce_sum(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy summed over each image's pixels, averaged over the images: nats per image.

    The reconstruction term of a VAE whose decoder gives each pixel a Bernoulli probability (pytorch/examples
    ``vae/main.py``). On grey-level MNIST pixels (not 0/1) it is a cross-entropy, not a log-likelihood: its
    minimum is the pixels' own entropy, about 50 nats per test image, not 0.
    """
    return F.binary_cross_entropy(recon, target, reduction="sum") / len(target)  # one sum: the fastest in training


def bce_per_image(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """:func:`bce_sum` image by image, before the average: ``(N,)`` nats, one per image (how likely the VAE
    finds each image, e.g. to rank unusual ones)."""
    return F.binary_cross_entropy(recon, target, reduction="none").flatten(1).sum(1)


LOSSES: dict[str, LossFn] = {
    "mse": F.mse_loss,  # mean over pixels and samples
    "half_mse": lambda recon, target: 0.5 * F.mse_loss(recon, target),  # lesson 05: 0.5 cancels the 2 of d/dx
    "bce": F.binary_cross_entropy,  # pixels as probabilities: needs a sigmoid output and scale="unit"
    "bce_sum": bce_sum,  # the same, summed over each image's 784 pixels: nats per image (a VAE's)
}


def match_shape(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Dense decoders may return ``(N, 784)`` for ``(N, 1, 28, 28)`` inputs: the same pixels, compared as such."""
    if recon.shape == target.shape:
        return recon
    if recon.shape[0] == target.shape[0] and recon.numel() == target.numel():
        return recon.reshape(target.shape)
    raise ValueError(
        f"the model returned shape {tuple(recon.shape)} for inputs of shape {tuple(target.shape)}; "
        "an autoencoder must return as many pixels as it is given."
    )


def adds_terms(model: nn.Module) -> bool:
    """Whether ``model`` follows the loss-terms protocol (defines ``loss_terms(x)``)."""
    return callable(getattr(model, "loss_terms", None))


def terms(model: nn.Module, inputs: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``model.loss_terms(inputs)``, checked: a dict of per-image tensors ``(N,)``, none named "reconstruction"."""
    out = model.loss_terms(inputs)
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], Mapping)):
        raise TypeError(
            f"{type(model).__name__}.loss_terms(x) must return (reconstruction, {{name: per-image term}}), "
            f"got {type(out).__name__}."
        )
    recon, terms = out
    for name, term in terms.items():
        if name == RECONSTRUCTION or not isinstance(term, torch.Tensor) or term.shape != (len(inputs),):
            shape = tuple(term.shape) if isinstance(term, torch.Tensor) else type(term).__name__
            raise ValueError(
                f"{type(model).__name__}.loss_terms: term {name!r} must be a tensor with one value per image, "
                f"shape ({len(inputs)},), and not be named {RECONSTRUCTION!r}; got {shape}."
            )
    return recon, dict(terms)


def objective(
    model: nn.Module,
    inputs: torch.Tensor,
    target: torch.Tensor,
    loss_fn: LossFn,
    weights: Mapping[str, float] | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The loss of one batch, and its parts.

    ``inputs``: what the model sees (noisy for a denoiser), ``target``: the clean images, both ``(N, …)``.
    Returns ``(loss, parts)``: ``loss`` the scalar to minimise, ``loss_fn(recon, target) + Σ weights[name] ·
    mean(term)``; ``parts`` ``{}`` for a model without ``loss_terms``, else ``{"reconstruction": loss_fn(…),
    name: mean of each term}`` as scalars (unweighted, still attached to the graph). A weight named for no term
    is an error (a typo would otherwise train without it).
    """
    if not adds_terms(model):
        if weights:
            raise ValueError(
                f"term_weights {dict(weights)} were given, but {type(model).__name__} adds no terms to its loss "
                "(it has no loss_terms method)."
            )
        return loss_fn(match_shape(model(inputs), target), target), {}
    recon, per_image = terms(model, inputs)
    weights = dict(weights or {})
    unknown = sorted(set(weights) - set(per_image))
    if unknown:
        raise ValueError(
            f"term_weights names {unknown}, but {type(model).__name__}.loss_terms gives {sorted(per_image)}."
        )
    reconstruction = loss_fn(match_shape(recon, target), target)
    parts = {RECONSTRUCTION: reconstruction, **{name: term.mean() for name, term in per_image.items()}}
    loss = reconstruction
    for name in per_image:
        weight = float(weights.get(name, 1.0))
        if weight:  # a term weighted 0 is measured, not trained on: no backward pass through it
            loss = loss + weight * parts[name]
    return loss, parts
