"""Learning from few labels: a linear classifier on frozen features (a *probe*), and fine-tuning an encoder.

    picked = draw_labelled(train_labels, per_class=10, seed=0)                 # 100 indices, 10 of each class
    scaling = Scaling.of(features)                                             # from every unlabelled image
    probe = LinearProbe.fit(features[picked], train_labels[picked], scaling)
    accuracy(probe(test_features), test_labels)
    model = fine_tune(autoencoder, probe, train_images[picked], train_labels[picked])   # encoder + head, trained

The features of an image can be its pixels, its PCA coordinates or an autoencoder's code: whatever was learned
from the *unlabelled* images. A probe is multinomial logistic regression with an L2 penalty, fitted to convergence
with L-BFGS in float64 (a convex problem: no learning rate, no epochs, one answer). The features are centred and
divided by one number, their root-mean-square distance from the centre per feature, both taken from all the
unlabelled images (a :class:`Scaling`): one scale per feature set keeps the relative sizes of its features, and
makes one penalty mean the same for pixels, PCA and codes.

Classifiers are trained here, not with :func:`aelib.train.fit`, which trains autoencoders to reconstruct their input:
the probes, a fine-tuned encoder, and lesson 10's small classifier (:func:`train_classifier`).

This module imports nothing from ``aelib`` but :func:`aelib.transforms.image_batch`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aelib.transforms import image_batch

__all__ = ["EncoderClassifier", "LinearProbe", "Scaling", "accuracy", "draw_labelled", "fine_tune", "train_classifier"]


def draw_labelled(labels: torch.Tensor, per_class: int, seed: int = 0) -> torch.Tensor:
    """The indices of ``per_class`` items of every class in ``labels`` ``(N,)``, drawn at random (a generator
    seeded with ``seed``) without replacement: ``(n_classes · per_class,)`` int64, class by class."""
    labels = torch.as_tensor(labels)
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}.")
    generator = torch.Generator().manual_seed(seed)
    picked = []
    for c in torch.unique(labels).tolist():
        members = torch.nonzero(labels == c).flatten()
        if len(members) < per_class:
            raise ValueError(f"class {c} has {len(members)} items, fewer than the {per_class} asked for.")
        picked.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    return torch.cat(picked)


def _features(x: torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Features ``(N, d)`` in ``dtype`` (uint8 images ``(N, 28, 28)`` count as pixels in [0, 1], flattened)."""
    x = torch.as_tensor(x)
    x = x.to(dtype) / 255.0 if x.dtype == torch.uint8 else x.to(dtype)
    return x.reshape(len(x), -1)


@dataclass(frozen=True)
class Scaling:
    """How features are put on a common footing before a probe: ``(x − center) / scale``, ``center`` ``(d,)``
    float64, ``scale`` one positive number (the root-mean-square distance from the centre, per feature)."""

    center: torch.Tensor
    scale: float

    @classmethod
    def of(cls, features: torch.Tensor, batch_size: int = 10_000) -> Scaling:
        """The scaling of ``features`` ``(N, d)`` (uint8 images ``(N, 28, 28)`` count as pixels in [0, 1]): the
        features of every image, labelled or not. Summed in batches, in float64."""
        n = len(features)
        if n == 0:
            raise ValueError("no features to take a scaling from.")
        center = sum(_features(features[i : i + batch_size]).sum(0) for i in range(0, n, batch_size)) / n
        square = sum((_features(features[i : i + batch_size]) - center).square().sum() for i in range(0, n, batch_size))
        scale = (square / n / len(center)).sqrt().item()
        return cls(center, scale if scale > 0 else 1.0)


class LinearProbe(nn.Module):
    """``logits = ((features − center) / scale) @ weight + bias``: a linear classifier on ``d`` features.

    Build it with :meth:`fit`. ``center`` ``(d,)`` and ``scale`` (a number) come from a :class:`Scaling`;
    ``weight`` ``(d, n_classes)`` and ``bias`` ``(n_classes,)`` from the labelled features. Float32 in, logits out."""

    def __init__(self, scaling: Scaling, n_classes: int = 10):
        super().__init__()
        self.register_buffer("center", scaling.center.float())
        self.scale = float(scaling.scale)
        self.linear = nn.Linear(len(scaling.center), n_classes)

    @classmethod
    def fit(
        cls, features: torch.Tensor, labels: torch.Tensor, scaling: Scaling | None = None, *, l2: float = 1e-2,
        n_classes: int = 10,
    ) -> LinearProbe:
        """Minimise ``cross-entropy + l2 · |weight|²`` on ``features`` ``(n, d)`` with integer ``labels`` ``(n,)``.

        ``scaling``: :meth:`Scaling.of` all the unlabelled images' features (default: of ``features`` themselves).
        L-BFGS with a strong-Wolfe line search, in float64, to a gradient of 1e-6 (tighter changes no accuracy
        in the fourth digit, at twice the time)."""
        x, y = _features(features), torch.as_tensor(labels, dtype=torch.int64)
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"got {len(x)} feature rows and {len(y)} labels: give one label per row.")
        if l2 <= 0:
            raise ValueError(f"l2 must be > 0 (with a handful of labels nothing else bounds the weights), got {l2}.")
        scaling = scaling if scaling is not None else Scaling.of(x)
        if len(scaling.center) != x.shape[1]:
            raise ValueError(f"the scaling is for {len(scaling.center)} features, the features have {x.shape[1]}.")
        x = (x - scaling.center) / scaling.scale
        weight = torch.zeros(x.shape[1], n_classes, dtype=torch.float64, requires_grad=True)
        bias = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.LBFGS([weight, bias], lr=1, max_iter=500, history_size=20,
                                      tolerance_grad=1e-6, tolerance_change=1e-12, line_search_fn="strong_wolfe")

        def loss() -> torch.Tensor:
            optimizer.zero_grad()
            value = F.cross_entropy(x @ weight + bias, y) + l2 * weight.square().sum()
            value.backward()
            return value

        optimizer.step(loss)
        probe = cls(scaling, n_classes)
        with torch.no_grad():
            probe.linear.weight.copy_(weight.T)
            probe.linear.bias.copy_(bias)
        return probe

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear((_features(features, torch.float32) - self.center) / self.scale)


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of rows of ``logits`` ``(N, n_classes)`` whose largest entry is the label ``(N,)``."""
    labels = torch.as_tensor(labels)
    if len(logits) != len(labels):
        raise ValueError(f"got {len(logits)} rows of logits and {len(labels)} labels.")
    return (logits.argmax(1).cpu() == labels.cpu()).double().mean().item()


class EncoderClassifier(nn.Module):
    """An autoencoder's encoder with a linear head: ``head(model.encode(images))``, logits ``(N, n_classes)``.

    ``model``: anything with ``encode`` (a VAE's gives ``(mean, logvar)``: the mean is used); ``head``: a
    :class:`LinearProbe` on its codes. Images uint8 ``(N, 28, 28)`` or float in [0, 1]."""

    def __init__(self, model: nn.Module, head: LinearProbe):
        super().__init__()
        self.model, self.head = model, head

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        code = self.model.encode(image_batch(images).to(self.head.center.device))
        return self.head(code[0] if isinstance(code, tuple) else code)


def fine_tune(
    model: nn.Module, head: LinearProbe, images: torch.Tensor, labels: torch.Tensor, *, steps: int = 50,
    lr: float = 2e-4, weight_decay: float = 0.0,
) -> EncoderClassifier:
    """Train a copy of ``model``'s encoder and of ``head`` together on the labelled ``images`` ``(n, 28, 28)``.

    The head starts as the probe fitted on the frozen codes ("linear probing, then fine-tuning", Kumar et al.,
    ICLR 2022: a random head would first wreck the features it is meant to use). ``steps`` full-batch Adam steps
    at ``lr`` on the cross-entropy; nothing random, so the same inputs give the same model. ``model`` and ``head``
    are left untouched. Returns the :class:`EncoderClassifier`, in eval mode."""
    labels = torch.as_tensor(labels, dtype=torch.int64)
    if len(images) != len(labels) or steps < 1:
        raise ValueError(f"need one label per image and steps >= 1; got {len(images)} images, {len(labels)} "
                         f"labels, steps={steps}.")
    classifier = EncoderClassifier(copy.deepcopy(model), copy.deepcopy(head)).train()
    optimizer = torch.optim.Adam(classifier.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(classifier(images), labels).backward()
        optimizer.step()
    return classifier.eval()


def train_classifier(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, *, epochs: int = 3, batch_size: int = 128,
    lr: float = 1e-3, seed: int = 0,
) -> nn.Module:
    """Train ``model`` (images → logits) on all of ``images`` (uint8 ``(N, 28, 28)`` or float in [0, 1]) and their
    ``labels`` ``(N,)``: cross-entropy, Adam at ``lr``, ``epochs`` passes in shuffled batches of ``batch_size``.

    ``seed`` sets the initial weights (the model is re-initialised with it) and the shuffles, so the same inputs
    give the same model on the same machine; the caller's RNG is left alone. Returns ``model``, in eval mode."""
    x, y = image_batch(images), torch.as_tensor(labels, dtype=torch.int64)
    if len(x) != len(y) or epochs < 1 or batch_size < 1:
        raise ValueError(f"need one label per image, epochs >= 1 and batch_size >= 1; got {len(x)} images, "
                         f"{len(y)} labels, epochs={epochs}, batch_size={batch_size}.")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in model.modules():
            if module is not model and hasattr(module, "reset_parameters"):
                module.reset_parameters()
        generator = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
        model.train()
        for _ in range(epochs):
            order = torch.randperm(len(x), generator=generator)
            for start in range(0, len(x), batch_size):
                batch = order[start : start + batch_size]
                optimizer.zero_grad(set_to_none=True)
                F.cross_entropy(model(x[batch]), y[batch]).backward()
                optimizer.step()
    return model.eval()
