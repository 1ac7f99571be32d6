"""Quality bars on the real data, at the lesson budgets of aelib.recipes: each autoencoder beats PCA of its size.

These train the lessons' models for real (about 3 minutes in all on 2 cores), so they are marked ``slow``.
Reference figures: ../shared/README.md (PCA fitted on the 60k training images, test MSE per pixel in [0, 1]).
"""

from __future__ import annotations

import pytest
import torch

from aelib import data, metrics, recipes
from aelib.baselines import PCA, LinearDenoiser

pytestmark = [pytest.mark.slow, pytest.mark.integration]

# Lesson budgets are measured on a quiet 2-core machine (README: deep 28 s, Fashion 55 s, U-Net ~100 s). A shared CI
# runner was measured 2.3x slower, so the wall-clock guard allows 3x: it still catches a lost fast path (the
# DataLoader loop is 3-8x slower), while `python -m aelib bench` measures speed properly, as ratios in one run.
QUIET_BUDGET_S = 60
SLACK = 3


@pytest.fixture(autouse=True)
def no_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setenv("AELIB_CHECKPOINTS", str(tmp_path))  # keep the lessons' checkpoints out of it


def train_and_score(recipe: recipes.Recipe) -> tuple[float, float, recipes.Recipe]:
    model, history = recipes.train(recipe, progress=False)
    test_images, _ = data.load(recipe.dataset, "test")
    mse = metrics.evaluate(model, test_images, scale=recipe.scale, noise_std=recipe.noise_std)["mse"]
    return mse, sum(e.seconds for e in history.epochs), recipe


@pytest.fixture(scope="module")
def pca():
    return {name: PCA().fit(data.load(name, "train")[0]) for name in ("mnist", "fashion-mnist")}


@pytest.mark.parametrize(
    "recipe, bar, k",
    [(recipes.DEEP_MNIST, 0.022, 10), (recipes.FASHION_3D, 0.026, 3), (recipes.TANH_MNIST, 0.037, 3)],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_autoencoder_beats_pca_of_the_same_code_size(recipe, bar, k, pca):
    mse, seconds, _ = train_and_score(recipe)
    pca_mse = pca[recipe.dataset].mse(data.load(recipe.dataset, "test")[0], k)
    assert mse <= bar, f"{recipe.name}: test MSE {mse:.4f} > bar {bar}"
    assert mse < pca_mse, f"{recipe.name}: test MSE {mse:.4f} does not beat PCA-{k} {pca_mse:.4f}"
    assert seconds <= SLACK * QUIET_BUDGET_S, f"{recipe.name}: {seconds:.0f} s of training, over {SLACK}x the budget"


def test_stronger_denoiser_beats_the_best_linear_denoiser():
    train_images, _ = data.load("mnist", "train")
    test_images, _ = data.load("mnist", "test")
    linear = LinearDenoiser().fit(train_images, std=0.5).mse(test_images)
    mse, seconds, _ = train_and_score(recipes.UNET_DENOISER)
    assert mse < min(linear, 0.0175), f"U-Net {mse:.4f} vs linear {linear:.4f}"
    assert seconds <= SLACK * 180, f"U-Net took {seconds:.0f} s, over {SLACK}x its 3-minute budget"


def test_seeded_training_is_reproducible():
    images = data.load("mnist", "train")[0][:4096]
    runs = [recipes.train(recipes.DEEP_MNIST, images=images, epochs=2, progress=False) for _ in range(2)]
    assert runs[0][1].train_loss == runs[1][1].train_loss
    for a, b in zip(runs[0][0].state_dict().values(), runs[1][0].state_dict().values(), strict=True):
        assert torch.equal(a, b)
