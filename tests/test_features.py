"""aelib.features: the measures of a sparse autoencoder and the reading of its features, on hand-made cases whose
answers are known by construction."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from aelib import features, models


class TinyClassifier(nn.Module):
    """hidden(x) = the first d numbers of x (flattened); head: a fixed linear map. Enough to test the measures."""

    def __init__(self, d: int = 4, n_classes: int = 3):
        super().__init__()
        self.d = d
        self.head = nn.Linear(d, n_classes)
        with torch.no_grad():
            self.head.weight.copy_(torch.randn(n_classes, d, generator=torch.Generator().manual_seed(7)))
            self.head.bias.zero_()

    def hidden(self, x):
        return x.reshape(len(x), -1)[:, : self.d].float()


class Exact(nn.Module):
    """An "SAE" that reconstructs perfectly, with the identity as its latents and unit directions."""

    def __init__(self, d: int):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.directions = torch.eye(d)

    def encode(self, x):
        return x * self.scale

    def forward(self, x):
        return self.encode(x)


def test_l0_and_density_count_the_non_zero_latents():
    acts = torch.tensor([[0.0, 2.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.5, 0.0], [0.0, 1.0, 0.0]])
    assert features.l0(acts) == pytest.approx((1 + 2 + 1 + 1) / 4)
    assert features.density(acts).tolist() == [0.25, 1.0, 0.0]  # the last latent is dead


def test_explained_variance_is_one_for_a_copy_zero_for_the_mean_and_pooled_otherwise():
    x = torch.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]])  # mean row (3, 4); total Σ‖x − x̄‖² = 8 + 4 + 4 = 16
    assert features.explained_variance(x, x) == 1.0
    assert features.explained_variance(x, x.mean(0).expand_as(x)) == pytest.approx(0.0, abs=1e-12)
    off = x + torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # Σ‖x − x̂‖² = 1 + 1 + 2 = 4
    assert features.explained_variance(x, off) == pytest.approx(1 - 4 / 16)
    with pytest.raises(ValueError, match="same shape"):
        features.explained_variance(x, x[:2])
    with pytest.raises(ValueError, match="no variance"):
        features.explained_variance(torch.ones(3, 2), torch.zeros(3, 2))


def test_loss_recovered_is_the_share_of_the_gap_closed():
    assert features.loss_recovered(clean=0.1, spliced=0.1, ablated=3.1) == 1.0
    assert features.loss_recovered(clean=0.1, spliced=3.1, ablated=3.1) == 0.0
    assert features.loss_recovered(clean=0.1, spliced=0.4, ablated=3.1) == pytest.approx(0.9)
    assert features.loss_recovered(clean=0.97, spliced=0.90, ablated=0.10) == pytest.approx(0.8 / 0.87)  # accuracy
    with pytest.raises(ValueError, match="nothing to recover"):
        features.loss_recovered(1.0, 0.5, 1.0)


def test_top_activating_takes_the_strongest_rows_and_breaks_ties_by_row():
    acts = torch.tensor([[0.0, 5.0], [2.0, 5.0], [1.0, 0.0], [2.0, 1.0]])
    assert features.top_activating(acts, 2).tolist() == [[1, 3], [0, 1]]
    with pytest.raises(ValueError, match="between 1 and"):
        features.top_activating(acts, 5)


def test_class_purity_is_the_share_of_the_most_common_class():
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 2])
    top = torch.tensor([[0, 1, 2, 4], [4, 5, 6, 0], [2, 3, 4, 5]])
    purity, majority = features.class_purity(top, labels)
    assert purity.tolist() == [0.5, 0.75, 0.5]
    assert majority.tolist() == [0, 2, 1]  # a tie goes to the smaller class


def test_logit_effect_is_exactly_what_adding_a_direction_does_to_the_logits():
    torch.manual_seed(0)
    sae, classifier = models.TopKSAE(4, 6, 2), TinyClassifier(4, 3)
    effects = features.logit_effect(sae, classifier)
    assert effects.shape == (6, 3)
    h = torch.randn(5, 4)
    with torch.no_grad():
        moved = classifier.head(h + 2.0 * sae.directions[3]) - classifier.head(h)
    torch.testing.assert_close(moved, 2.0 * effects[3].expand(5, 3))


def test_a_perfect_reconstruction_recovers_everything():
    torch.manual_seed(1)
    images = torch.rand(50, 1, 28, 28)
    classifier = TinyClassifier(4, 3)
    with torch.no_grad():
        labels = classifier.head(classifier.hidden(images)).argmax(1)  # every clean answer right
    train_hidden = torch.rand(80, 4)
    train_hidden[:, 3] = 0  # latent 3 never active on the training inputs: dead
    report = features.evaluate(Exact(4), classifier, images, labels, train_hidden)
    assert report.explained_variance == 1.0 and report.loss_recovered == 1.0 and report.accuracy_recovered == 1.0
    assert report.dead == 0.25 and report.l0 == pytest.approx(4.0) and report.accuracy_clean == 1.0
    assert report.accuracy_ablated < 1.0 and report.ce_ablated > report.ce_clean
    ce, accuracy = features.head_scores(classifier, classifier.hidden(images), labels)
    assert (ce, accuracy) == (report.ce_clean, report.accuracy_clean)
    assert list(report.rows())[:4] == ["L0: active latents per image", "explained variance", "dead latents (share)",
                                       "loss recovered"]


def test_pca_explained_variance_runs_from_zero_to_one():
    g = torch.Generator().manual_seed(2)
    train = torch.randn(500, 6, generator=g) * torch.tensor([5.0, 3.0, 2.0, 1.0, 0.5, 0.1])
    test = torch.randn(200, 6, generator=g) * torch.tensor([5.0, 3.0, 2.0, 1.0, 0.5, 0.1])
    ev = features.pca_explained_variance(train, test, [0, 1, 2, 6])
    assert ev[0] == pytest.approx(0.0, abs=0.02) and ev[-1] == pytest.approx(1.0)
    assert ev[0] < ev[1] < ev[2] < ev[3]
    assert ev[1] == pytest.approx(25 / (25 + 9 + 4 + 1 + 0.25 + 0.01), abs=0.05)  # the first axis' share
    with pytest.raises(ValueError, match="ks must lie"):
        features.pca_explained_variance(train, test, [7])
