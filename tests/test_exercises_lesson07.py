"""aelib.exercises.lesson07, the checks of ``notebooks/07_code_size.ipynb``: each accepts a right answer and
rejects plausible wrong ones with a learner-facing message (the message is the product: each rejection pins the
hint). No dataset: fixed subspaces, synthetic eigenvalues, a tiny linear model."""

from __future__ import annotations

import numpy as np
import torch

from aelib import exercises as ex
from aelib.baselines import PCA
from tests.checking import accepts, rejects, stub
from tests.synthetic import images_and_labels


def angles_fn(a, b):
    qa, _ = np.linalg.qr(a)
    qb, _ = np.linalg.qr(b)
    return np.degrees(np.arccos(np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1, 1)))


def test_principal_angles(capsys):
    accepts(ex.check_principal_angles, angles_fn, capsys=capsys)
    accepts(ex.check_principal_angles, angles_fn, hidden=True, capsys=capsys)
    accepts(ex.check_principal_angles, lambda a, b: torch.from_numpy(angles_fn(a, b).copy()), capsys=capsys)
    rejects(ex.check_principal_angles, lambda a, b: np.radians(angles_fn(a, b)), match=r"those are radians")
    rejects(ex.check_principal_angles, lambda a, b: angles_fn(a, b)[::-1], match=r"wrong order.*smallest first")
    rejects(ex.check_principal_angles, lambda a, b: 90 - angles_fn(a, b)[::-1], match=r"COSINES")
    no_qr = lambda a, b: np.degrees(np.arccos(np.clip(np.linalg.svd(a.T @ b, compute_uv=False), -1, 1)))  # noqa: E731
    rejects(ex.check_principal_angles, no_qr, match=r"without the orthonormalisation")
    rejects(ex.check_principal_angles, lambda a, b: angles_fn(a, b)[:1], match=r"one angle per dimension")
    rejects(ex.check_principal_angles, stub, match=r"Not done yet")


def predict_mse(variances, k):
    return variances[k:].sum().item() / 784


def test_pca_mse_prediction(capsys):
    images, _ = images_and_labels()
    pca = PCA().fit(images)
    v = pca.variances
    right = v[30:].sum().item() / 784
    out = accepts(ex.check_pca_mse_prediction, predict_mse, v, k=30, measured=0.0177, capsys=capsys)
    assert "0.01770" in out and f"{right:.5f}" in out
    accepts(ex.check_pca_mse_prediction, lambda v, k: v[k:].sum() / 784, v, capsys=capsys)  # a tensor is fine
    accepts(ex.check_pca_mse_prediction, predict_mse, v, hidden=True, capsys=capsys)  # k = 0, 1, 100, 784
    accepts(ex.check_pca_mse_prediction, predict_mse, capsys=capsys)  # a made-up spectrum
    rejects(ex.check_pca_mse_prediction, lambda v, k: predict_mse(v, k) * 784, v, match=r"SSE per image.*784")
    rejects(ex.check_pca_mse_prediction, lambda v, k: v[:k].sum().item() / 784, v, match=r"variance KEPT")
    rejects(ex.check_pca_mse_prediction, lambda v, k: v[k + 1 :].sum().item() / 784, v, match=r"one component off")
    rejects(ex.check_pca_mse_prediction, lambda v, k: predict_mse(v, k) ** 0.5, v, match=r"root-mean-square")
    rejects(ex.check_pca_mse_prediction, lambda v, k: 1.5 * predict_mse(v, k), v, match=r"Hint: add up .*\[30:\]")
    rejects(ex.check_pca_mse_prediction, lambda v, k: "0.01", v, match=r"should be a number")
    rejects(ex.check_pca_mse_prediction, lambda v, k: 0.0 if k == 784 else predict_mse(v, k) + 1e-3, v,
            hidden=True, match=r"predict_mse\(variances, 0\)")
    # Agrees with PCA measured on the images it was fitted on (the covariance divides by n - 1, the MSE by n).
    n = len(images)
    assert abs(pca.mse(images, 30) - right * (n - 1) / n) < 1e-9


def test_linear_autoencoder_claim(capsys):
    torch.manual_seed(0)
    basis, _ = torch.linalg.qr(torch.randn(784, 10, dtype=torch.float64))
    components = basis.T  # (10, 784): orthonormal "principal directions"
    decoder = basis @ (torch.randn(10, 10, dtype=torch.float64) + 3 * torch.eye(10, dtype=torch.float64))
    out = accepts(ex.check_linear_autoencoder_claim, lambda: "subspace", decoder=decoder, components=components,
                  capsys=capsys)
    assert "median principal angle between the two subspaces is 0.0°" in out
    accepts(ex.check_linear_autoencoder_claim, lambda: " Subspace ", hidden=True, capsys=capsys)
    rejects(ex.check_linear_autoencoder_claim, lambda: "axes", decoder=decoder, components=components,
            match=r"You said 'axes'.*invertible matrix M")
    rejects(ex.check_linear_autoencoder_claim, lambda: "both", match=r"one of 'axes', 'subspace'")
