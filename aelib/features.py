"""Reading a sparse autoencoder (lesson 10): the field's measures of how good it is, and what each feature means.

    sae_report = features.evaluate(sae, classifier, test_images, test_labels, train_hidden)
    acts = features.latents(sae, test_hidden)                  # (N, n_latents), mostly zero
    top = features.top_activating(acts, 20)                    # each latent's 20 strongest test images
    purity, majority = features.class_purity(top, test_labels)
    votes = features.logit_effect(sae, classifier)             # (n_latents, 10): the digits each one pushes

The measures are SAELens' (and Gao et al.'s), on held-out inputs:

- **L0**: active latents per input, averaged;
- **explained variance**: ``1 − Σ‖x − x̂‖² / Σ‖x − x̄‖²``, pooled over the inputs, ``x̄`` their mean (SAELens'
  ``explained_variance``; 1 is perfect, 0 is no better than predicting the mean);
- **dead latents**: the share with density 0, never active on the training inputs;
- **loss recovered**: ``(CE_ablated − CE_spliced) / (CE_ablated − CE_clean)``, with the layer replaced by its
  training mean (ablated) or by the SAE's reconstruction (spliced); accuracy recovered is the same ratio of
  accuracies.

The classifier is anything with ``hidden(images)`` (the layer studied, ``(N, d)``) and ``head(hidden)`` (logits),
like :class:`aelib.models.MLPClassifier`. Everything runs without gradients, in batches, and returns CPU tensors or
floats. Imports nothing from ``aelib`` but :func:`aelib.transforms.image_batch`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aelib.transforms import image_batch

__all__ = [
    "SAEReport", "class_purity", "density", "evaluate", "explained_variance", "head_scores", "hidden_all", "l0",
    "latents", "logit_effect", "loss_recovered", "pca_explained_variance", "top_activating",
]

BATCH = 4096


def _device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


@torch.no_grad()
def hidden_all(classifier: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The classifier's hidden layer for every image (uint8 ``(N, 28, 28)`` or float in [0, 1]): ``(N, d)`` float32."""
    device = _device(classifier)
    return torch.cat([classifier.hidden(image_batch(images[i : i + BATCH]).to(device)).cpu()
                      for i in range(0, len(images), BATCH)])


@torch.no_grad()
def latents(sae: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The SAE's latents for every input ``(N, d_in)``: ``(N, n_latents)`` float32, in eval mode."""
    sae.eval()
    device = _device(sae)
    return torch.cat([sae.encode(x[i : i + BATCH].to(device)).cpu() for i in range(0, len(x), BATCH)])


@torch.no_grad()
def _reconstruct(sae: nn.Module, x: torch.Tensor) -> torch.Tensor:
    sae.eval()
    device = _device(sae)
    return torch.cat([sae(x[i : i + BATCH].to(device)).cpu() for i in range(0, len(x), BATCH)])


def l0(acts: torch.Tensor) -> float:
    """The mean number of non-zero latents per row of ``acts`` ``(N, n_latents)``."""
    return (acts != 0).sum(1).double().mean().item()


def density(acts: torch.Tensor) -> torch.Tensor:
    """Each latent's share of the rows of ``acts`` ``(N, n_latents)`` it is active on: ``(n_latents,)`` float64.
    A density of 0 on the training inputs is a dead latent."""
    return (acts != 0).double().mean(0)


def explained_variance(x: torch.Tensor, x_hat: torch.Tensor) -> float:
    """``1 − Σ‖x − x̂‖² / Σ‖x − x̄‖²`` for inputs ``x`` and reconstructions ``x_hat``, both ``(N, d)``; ``x̄`` the mean
    row of ``x``. Sums in float64. Raises ``ValueError`` for other shapes or inputs with no variance."""
    x, x_hat = x.reshape(len(x), -1).double(), x_hat.reshape(len(x_hat), -1).double()
    if x.shape != x_hat.shape:
        raise ValueError(f"x and x_hat must have the same shape, got {tuple(x.shape)} and {tuple(x_hat.shape)}.")
    total = (x - x.mean(0)).square().sum()
    if total == 0:
        raise ValueError("the inputs have no variance: every row is the same, so no share of it can be explained.")
    return (1 - (x - x_hat).square().sum() / total).item()


def pca_explained_variance(train: torch.Tensor, test: torch.Tensor, ks: list[int]) -> list[float]:
    """The linear baseline: the explained variance of ``test`` ``(N, d)`` by its projection on the top ``k``
    principal directions of ``train`` ``(M, d)`` (centred on ``train``'s mean), for each ``k`` in ``ks``. Float64."""
    train, test = train.double(), test.double()
    mean = train.mean(0)
    _, vectors = torch.linalg.eigh((train - mean).T @ (train - mean))
    vectors = vectors.flip(1)  # largest variance first
    if max(ks) > vectors.shape[1] or min(ks) < 0:
        raise ValueError(f"ks must lie in 0..{vectors.shape[1]}, got {ks}.")
    centred = test - mean
    return [explained_variance(test, mean + centred @ vectors[:, :k] @ vectors[:, :k].T) for k in ks]


def loss_recovered(clean: float, spliced: float, ablated: float) -> float:
    """``(ablated − spliced) / (ablated − clean)``: 1 when splicing in the reconstruction costs nothing, 0 when it is
    as bad as erasing the layer. Works for losses (lower is better) and accuracies (higher) alike."""
    if ablated == clean:
        raise ValueError(f"the ablated and the clean figures are equal ({clean}): nothing to recover.")
    return (ablated - spliced) / (ablated - clean)


@dataclass(frozen=True)
class SAEReport:
    """An SAE on a classifier's hidden layer, measured on the test images (dead latents: on the training ones)."""

    l0: float
    explained_variance: float
    dead: float  # share of latents never active on the training inputs
    ce_clean: float  # the classifier's cross-entropy, nats per image
    ce_spliced: float  # with the SAE's reconstruction in place of the layer
    ce_ablated: float  # with the layer replaced by its mean on the training images
    accuracy_clean: float
    accuracy_spliced: float
    accuracy_ablated: float

    @property
    def loss_recovered(self) -> float:
        return loss_recovered(self.ce_clean, self.ce_spliced, self.ce_ablated)

    @property
    def accuracy_recovered(self) -> float:
        return loss_recovered(self.accuracy_clean, self.accuracy_spliced, self.accuracy_ablated)

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "loss_recovered": self.loss_recovered, "accuracy_recovered": self.accuracy_recovered}

    def rows(self) -> dict[str, float]:
        """The figures a lesson prints, by a name a reader understands, in reading order."""
        return {
            "L0: active latents per image": self.l0,
            "explained variance": self.explained_variance,
            "dead latents (share)": self.dead,
            "loss recovered": self.loss_recovered,
            "accuracy recovered": self.accuracy_recovered,
            "accuracy, SAE spliced in": self.accuracy_spliced,
            "cross-entropy, SAE spliced in (nats)": self.ce_spliced,
        }


@torch.no_grad()
def head_scores(classifier: nn.Module, hidden: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
    """The classifier's cross-entropy (nats per image) and accuracy when its head reads ``hidden`` ``(N, d)`` (the
    real hidden layer, a reconstruction of it, or anything else put in its place) for ``labels`` ``(N,)``."""
    labels = torch.as_tensor(labels)
    logits = torch.cat([classifier.head(hidden[i : i + BATCH].to(_device(classifier))).cpu()
                        for i in range(0, len(hidden), BATCH)])
    return F.cross_entropy(logits.double(), labels).item(), (logits.argmax(1) == labels).double().mean().item()


@torch.no_grad()
def evaluate(
    sae: nn.Module, classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor, train_hidden: torch.Tensor
) -> SAEReport:
    """Measure ``sae`` on ``classifier``'s hidden layer: L0, explained variance, CE and accuracy clean, spliced and
    ablated on ``images`` / ``labels`` (the test set); dead latents and the ablation's mean from ``train_hidden``
    ``(N_train, d)``, the layer on the training images."""
    labels = torch.as_tensor(labels)
    hidden = hidden_all(classifier, images)
    acts = latents(sae, hidden)
    spliced = _reconstruct(sae, hidden)
    dead = (density(latents(sae, train_hidden)) == 0).double().mean().item()
    ce_clean, acc_clean = head_scores(classifier, hidden, labels)
    ce_spliced, acc_spliced = head_scores(classifier, spliced, labels)
    ce_ablated, acc_ablated = head_scores(classifier, train_hidden.mean(0).expand_as(hidden), labels)
    return SAEReport(l0(acts), explained_variance(hidden, spliced), dead, ce_clean, ce_spliced, ce_ablated,
                     acc_clean, acc_spliced, acc_ablated)


def top_activating(acts: torch.Tensor, n: int) -> torch.Tensor:
    """For each latent (column of ``acts`` ``(N, n_latents)``), the rows where it is strongest, strongest first:
    ``(n_latents, n)`` int64. Ties go to the earlier row (a stable sort), so the answer is the same every run."""
    if not 1 <= n <= len(acts):
        raise ValueError(f"n must be between 1 and the number of rows ({len(acts)}), got {n}.")
    return torch.sort(acts.T, dim=1, descending=True, stable=True).indices[:, :n]


def class_purity(top: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each row of ``top`` ``(n_latents, n)`` (indices into ``labels``): the share of its images of the most common
    class among them, and that class (the smaller one on a tie). Returns ``(purity (n_latents,) float64, class
    (n_latents,) int64)``; a purity of 1 means every top image is of one class."""
    classes = torch.as_tensor(labels)[top]
    n_classes = int(torch.as_tensor(labels).max()) + 1
    counts = F.one_hot(classes, n_classes).sum(1)
    best = counts.max(1)
    return best.values.double() / top.shape[1], best.indices


@torch.no_grad()
def logit_effect(sae: nn.Module, classifier: nn.Module) -> torch.Tensor:
    """How each latent's direction moves the classifier's logits: ``(n_latents, n_classes)``, the change when a unit
    of that direction is added to the hidden layer (exact, since the head is linear: ``head.weight @ direction``)."""
    return (sae.directions.to(classifier.head.weight.device) @ classifier.head.weight.T).cpu()
