"""One class in, everything else out: the one-class protocol of Ruff et al. (ICML 2018) with the course's recipes.

For each class ``c`` of a data set, an autoencoder (:data:`aelib.recipes.ONE_CLASS`) and PCA with as many
components as its code are fitted on the training images of class ``c`` alone; all 10,000 test images are then
scored by how badly each reconstructs them, and the score's AUC says how well it ranks "not c" above "c".

    runs = score_classes("mnist")              # ten OneClassScores: trains (or loads) ten models
    auc_table(runs)                            # a DataFrame: per-class AUCs and their mean, autoencoder and PCA
    runs[8].scores["autoencoder", "MSE"]        # (10000,) float64, the test images' scores

The scores (:func:`aelib.detection.image_scores`) are the per-image MSE and the MSE of the smoothed error map
(:data:`SCORES`). PCA's reconstructions are clipped to [0, 1], the range of a pixel (the autoencoder's sigmoid
keeps its own there).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import nn

from aelib import data, recipes
from aelib.baselines import PCA
from aelib.detection import image_scores, roc_auc
from aelib.metrics import reconstruct

__all__ = ["METHODS", "SCORES", "OneClassScores", "auc_table", "score_class", "score_classes"]

METHODS = ("autoencoder", "PCA")
SCORES = {"MSE": False, "smoothed MSE": True}  # name → image_scores(smooth=…)


@dataclass(eq=False)
class OneClassScores:
    """One class's models and every score they give.

    ``scores[method, score]``: ``(N,)`` float64 for the test images (``method`` in :data:`METHODS`, ``score`` in
    :data:`SCORES`); ``held_out[method, score]``: the same for the held-out images of the class (normal images the
    models never saw, to choose thresholds on). ``test_labels``: ``(N,)``; ``unusual``: ``test_labels != label``.
    """

    dataset: str
    label: int
    model: nn.Module
    pca: PCA
    test_labels: torch.Tensor
    scores: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)
    held_out: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)

    @property
    def unusual(self) -> torch.Tensor:
        return self.test_labels != self.label

    @property
    def name(self) -> str:
        return data.class_names(self.dataset)[self.label]

    def auc(self, method: str = "autoencoder", score: str = "MSE") -> float:
        """:func:`aelib.detection.roc_auc` of the test scores, "not this class" counted as unusual."""
        return roc_auc(self.scores[method, score], self.unusual)


def _all_scores(
    model: nn.Module, pca: PCA, images: torch.Tensor, batch_size: int = 1000
) -> dict[tuple[str, str], torch.Tensor]:
    # In batches: whole-split float64 temporaries (60 MB each) fragment the C heap, and a lesson's kernel grew by
    # about 150 MB a class without them ever being freed to the system.
    parts: dict[tuple[str, str], list[torch.Tensor]] = {(m, s): [] for m in METHODS for s in SCORES}
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        recon = {"autoencoder": reconstruct(model, batch)[1],
                 "PCA": pca.reconstruct(batch, model.code_size).clamp(0, 1)}
        for (m, s), chunks in parts.items():
            chunks.append(image_scores(recon[m], batch, smooth=SCORES[s]))
    return {key: torch.cat(chunks) for key, chunks in parts.items()}


def score_class(dataset: str, label: int, progress: bool = False) -> OneClassScores:
    """Class ``label`` of ``dataset``: its autoencoder (the checkpoint of :data:`aelib.recipes.ONE_CLASS`'s recipe,
    else trained now) and PCA fitted on the same images, and both models' scores of the test images and of the
    class's held-out images."""
    if (dataset, label) not in recipes.ONE_CLASS:
        raise ValueError(f"no one-class recipe for class {label!r} of {dataset!r}: the recipes cover classes 0-9 of "
                         f"{' and '.join(recipes.ONE_CLASS_DATASETS)} (aelib.recipes.ONE_CLASS).")
    recipe = recipes.ONE_CLASS[dataset, label]
    model = recipes.load_or_train(recipe, progress=progress)
    pca = PCA().fit(recipe.images()[0])
    test_images, test_labels = data.load(dataset, "test")
    held_out, _ = recipe.images("held_out")
    run = OneClassScores(dataset, label, model, pca, test_labels)
    run.scores = _all_scores(model, pca, test_images)
    run.held_out = _all_scores(model, pca, held_out)
    return run


def score_classes(dataset: str, progress: bool = False) -> list[OneClassScores]:
    """:func:`score_class` for each of the data set's 10 classes, in order."""
    return [score_class(dataset, label, progress) for label in range(len(data.class_names(dataset)))]


def auc_table(runs: list[OneClassScores], score: str = "MSE") -> pd.DataFrame:
    """One row per class (its name) and a last row "mean", one column per method: the AUC of ``score``."""
    table = pd.DataFrame(
        {method: [run.auc(method, score) for run in runs] for method in METHODS},
        index=pd.Index([run.name for run in runs], name="normal class"),
    )
    table.loc["mean"] = table.mean()
    return table
