"""aelib.widgets.lesson10, the feature explorer, driven in-process on synthetic images with a small classifier and
an untrained SAE: move the sliders, check what it shows against aelib.features and the classifier's head."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aelib import features, models
from aelib import widgets as wd
from tests.synthetic import images_and_labels, png_pixels


@pytest.fixture(scope="module")
def parts():
    images, labels = images_and_labels(200, seed=4)
    torch.manual_seed(0)
    classifier, sae = models.MLPClassifier(32, 10).eval(), models.TopKSAE(32, 64, 4).eval()
    return sae, classifier, images, labels


def test_feature_explorer_shows_the_chosen_feature(parts, capsys):
    sae, classifier, images, labels = parts
    w = wd.feature_explorer(sae, classifier, images, labels, top=10)
    assert w.updates == 1
    acts = features.latents(sae, features.hidden_all(classifier, images))
    f = w.values["feature"]
    assert acts[:, f].amax() > 0  # a live feature
    strongest = features.top_activating(acts, 10)[f]
    purity, majority = features.class_purity(strongest[None], labels)
    assert (w.values["purity"], w.values["majority"]) == (purity.item(), majority.item())
    assert w.values["votes_for"] == int(features.logit_effect(sae, classifier)[f].argmax())
    np.testing.assert_array_equal(w.images["image"], images[strongest[0]].numpy() / np.float32(255))
    assert png_pixels(w.views["image"].value).shape[0] == 4 * 28
    # removed, then added back at 0: the head reads the hidden layer minus the feature's part
    h = features.hidden_all(classifier, images[strongest[:1]])[0]
    a = w.values["activation"]
    with torch.no_grad():
        expected = torch.softmax(classifier.head(h - a * sae.directions[f]), 0)
    np.testing.assert_allclose(w.values["after"], expected.numpy(), rtol=1e-5, atol=1e-6)
    w.controls["amount"].value = 2.0
    assert w.updates == 2 and w.values["after"] != w.values["before"]
    w.controls["feature"].value = 1
    assert w.values["feature"] != f and w.updates == 3
    w.controls["image"].value = 15  # past the feature's own top images: images of other digits
    assert labels[[i for i in range(len(images)) if np.array_equal(
        images[i].numpy() / np.float32(255), w.images["image"])][0]] != w.values["majority"]
    assert repr(w) == "aelib feature explorer (interactive: run the notebook to use it)"
    assert capsys.readouterr().out == ""


def test_feature_explorer_refuses_what_does_not_fit(parts):
    sae, classifier, images, labels = parts
    with pytest.raises(ValueError, match="one label per image"):
        wd.feature_explorer(sae, classifier, images, labels[:10])
    with pytest.raises(ValueError, match="is not active on any of these images"):
        wd.feature_explorer(sae, classifier, images, labels, feature=10_000)
