"""aelib.widgets.lesson07, the code-size explorer, driven in-process: set a slider's ``.value``, check what the
widget then shows (synthetic images, tiny untrained models and a PCA fitted on the synthetic images)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aelib import models
from aelib import widgets as wd
from aelib.baselines import PCA
from aelib.panels import image_mse
from tests.synthetic import images_and_labels, png_pixels


@pytest.fixture(scope="module")
def parts():
    images, _ = images_and_labels()
    torch.manual_seed(0)
    sweep = {k: models.code_size_autoencoder(k).eval() for k in (2, 4, 8)}
    return sweep, PCA().fit(images), images


def test_code_size_explorer_shows_both_reconstructions_and_their_mse(parts, capsys):
    sweep, pca, images = parts
    w = wd.code_size_explorer(sweep, pca=pca, images=images, index=5)
    assert w.updates == 1 and w.values["k"] == 2
    w.controls["k"].value = 8
    w.controls["index"].value = 7
    assert w.updates == 3 and w.values["k"] == 8
    original = images[7].numpy() / np.float32(255)
    np.testing.assert_array_equal(w.images["original"], original)
    with torch.no_grad():
        ae = sweep[8](images[7:8].float().div(255)[:, None]).reshape(28, 28).numpy()
    np.testing.assert_allclose(w.images["autoencoder"], ae, atol=1e-6)
    np.testing.assert_allclose(w.images["pca"], pca.reconstruct(images[7:8], 8).reshape(28, 28).clamp(0, 1).numpy())
    assert w.values["ae_mse"] == pytest.approx(image_mse(w.images["autoencoder"], original))
    assert w.values["pca_mse"] == pytest.approx(image_mse(w.images["pca"], original))
    assert png_pixels(w.views["pca"].value).shape == (28 * wd.base.ZOOM, 28 * wd.base.ZOOM)
    assert list(w.controls["k"].options) == [2, 4, 8]
    assert repr(w) == "aelib code size explorer (interactive: run the notebook to use it)"
    assert capsys.readouterr().out == ""  # callbacks never print (nbval would see it)


def test_code_size_explorer_refuses_bad_models(parts):
    sweep, pca, images = parts
    with pytest.raises(ValueError, match="models is empty"):
        wd.code_size_explorer({}, pca=pca, images=images)
    with pytest.raises(ValueError, match=r"models\[3\] has a 2-number code"):
        wd.code_size_explorer({3: sweep[2]}, pca=pca, images=images)
