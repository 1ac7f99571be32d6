"""aelib.baselines: PCA and the best linear denoiser on synthetic data, and the course's reference figures.

The integration tests reproduce the reference figures of the course (test set, pixels x/255) on the real data.
"""


import pytest
import torch
from torch import nn

from aelib.baselines import PCA, LinearDenoiser, noisy_projection_mse
from aelib.metrics import evaluate, mse_per_pixel, reconstruct
from aelib.transforms import to_float
from tests.images import blobs

# ---------------------------------------------------------------------------------------------------------------
# baselines on synthetic data


@pytest.fixture(scope="module")
def blob_pca():
    return PCA().fit(blobs(600))


def test_pca_components_are_orthonormal_and_sorted(blob_pca):
    v = blob_pca.components
    torch.testing.assert_close(v @ v.T, torch.eye(784, dtype=torch.float64), atol=1e-8, rtol=0)
    assert (blob_pca.variances[:-1] >= blob_pca.variances[1:]).all()
    assert blob_pca.mean.shape == (784,)


def test_pca_reconstruction_and_error_agree(blob_pca):
    images = blobs(50, seed=1)
    mean = blob_pca.reconstruct(images, 0)
    torch.testing.assert_close(mean[0, 0], blob_pca.mean.float().view(28, 28))
    torch.testing.assert_close(blob_pca.reconstruct(images, 784), to_float(images), atol=1e-5, rtol=0)
    errors = [blob_pca.mse(images, k) for k in (0, 2, 10, 30)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.2 * errors[0]
    by_k = blob_pca.mse_by_k(images, [0, 2, 10, 30])
    assert list(by_k.values()) == pytest.approx(errors, rel=1e-6)
    recon = blob_pca.reconstruct(images, 10)
    assert recon.shape == (50, 1, 28, 28) and recon.dtype == torch.float32
    assert mse_per_pixel(recon, to_float(images)) == pytest.approx(errors[2], rel=1e-5)
    z = blob_pca.encode(images, 10)
    assert z.shape == (50, 10)
    torch.testing.assert_close(blob_pca.decode(z), recon, atol=1e-5, rtol=0)
    # float input in [0, 1], any of the usual shapes, gives the same answer as uint8
    assert blob_pca.mse(to_float(images).view(50, 784), 10) == pytest.approx(errors[2], rel=1e-5)


def test_pca_refuses_bad_k_and_unfitted_use(blob_pca):
    with pytest.raises(ValueError, match="k must be between 0 and 784"):
        blob_pca.mse(blobs(2), 785)
    with pytest.raises(RuntimeError, match="not fitted"):
        PCA().reconstruct(blobs(2), 3)
    with pytest.raises(ValueError, match="expected 28×28 images"):
        PCA().fit(torch.rand(10, 30))


def test_noisy_projection_matches_brute_force(blob_pca):
    images = blobs(40, seed=2)
    noisy, _ = reconstruct(nn.Identity(), images, noise_std=0.3, seed=5)  # the same noise stream by design
    clean = to_float(images)
    brute = {k: mse_per_pixel(blob_pca.reconstruct(noisy, k), clean) for k in (0, 3, 8, 20, 100)}
    best, mse = noisy_projection_mse(blob_pca, images, std=0.3, seed=5, ks=brute)
    assert best == min(brute, key=brute.get)
    assert mse == pytest.approx(brute[best], rel=1e-5)


def test_linear_denoiser_on_synthetic_data():
    train, test = blobs(2000), blobs(200, seed=1)
    den = LinearDenoiser().fit(train, std=0.3, seed=0)
    out = den.denoise(to_float(test))
    assert out.shape == (200, 1, 28, 28) and out.min() >= 0 and out.max() <= 1
    noisy_mse = evaluate(nn.Identity(), test, noise_std=0.3, seed=7)["mse"]
    assert den.mse(test, seed=7) < 0.3 * noisy_mse
    assert den.mse(test, seed=7) == evaluate(den, test, noise_std=0.3, seed=7)["mse"]
    with pytest.raises(RuntimeError, match="not fitted"):
        LinearDenoiser().mse(test)


# ---------------------------------------------------------------------------------------------------------------
# the reference figures on the real data: PCA fitted on the 60k training images (float64), pixels x/255, test MSE
# per pixel, as measured when the course was built (PCA-30's 0.01769 is Hinton & Salakhutdinov's 13.87 per image)


def within(value: float, reference: float, rel: float = 0.01) -> bool:
    return abs(value - reference) <= rel * reference


@pytest.fixture(scope="module")
def mnist():
    from aelib.data import load

    return load("mnist", "train")[0], load("mnist", "test")[0]


@pytest.fixture(scope="module")
def mnist_pca(mnist):
    return PCA().fit(mnist[0])


@pytest.mark.integration
@pytest.mark.parametrize("k, reference", [(0, 0.06747), (10, 0.03407), (30, 0.01769), (100, 0.00562)])
def test_pca_reproduces_the_mnist_figures(mnist_pca, mnist, k, reference):
    got = mnist_pca.mse(mnist[1], k)
    assert within(got, reference), (k, got, reference)


@pytest.mark.integration
def test_pca_reproduces_the_fashion_figures():
    from aelib.data import load

    pca = PCA().fit(load("fashion-mnist", "train")[0])
    got = pca.mse_by_k(load("fashion-mnist", "test")[0], [0, 3, 10])
    for k, reference in {0: 0.08664, 3: 0.04089, 10: 0.02435}.items():
        assert within(got[k], reference), (k, got[k], reference)


@pytest.mark.integration
def test_denoising_baselines_on_mnist(mnist_pca, mnist):
    train, test = mnist
    noisy = evaluate(nn.Identity(), test, noise_std=0.5)
    assert within(noisy["mse"], 0.1155), noisy
    best_k, projection = noisy_projection_mse(mnist_pca, test, std=0.5)
    assert within(projection, 0.0305), (best_k, projection)
    linear = LinearDenoiser().fit(train, std=0.5, seed=0)
    result = evaluate(linear, test, noise_std=0.5)
    assert within(result["mse"], 0.0175), result
    assert result["psnr"] == pytest.approx(17.6, abs=0.1)


def test_principal_angles_of_known_subspaces():
    from aelib.baselines import principal_angles

    e = torch.eye(5, dtype=torch.float64)
    assert principal_angles(e[:, :2], e[:, :2]).tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    assert principal_angles(e[:, :2], e[:, 2:4]).tolist() == pytest.approx([90.0, 90.0])
    t = torch.deg2rad(torch.tensor(30.0, dtype=torch.float64))
    b = torch.stack([e[:, 0], torch.cos(t) * e[:, 1] + torch.sin(t) * e[:, 2]], 1)
    assert principal_angles(e[:, :2], b).tolist() == pytest.approx([0.0, 30.0], abs=1e-6)
    mixed = e[:, :2] @ torch.tensor([[2.0, 1.0], [0.5, 3.0]], dtype=torch.float64)  # the same plane, another basis
    assert principal_angles(mixed, b).tolist() == pytest.approx([0.0, 30.0], abs=1e-6)
    assert len(principal_angles(e[:, :3], e[:, :1])) == 1  # min(k, m) angles
    with pytest.raises(ValueError, match=r"same D"):
        principal_angles(torch.zeros(5, 2), torch.zeros(4, 2))


def test_axis_angles_measure_each_column_against_its_nearest_axis():
    from aelib.baselines import axis_angles, principal_angles

    e = torch.eye(4, dtype=torch.float64)
    assert axis_angles(-3 * e[:, :2], e[:, :2]).tolist() == pytest.approx([0.0, 0.0], abs=1e-6)  # sign, scale
    diagonal = (e[:, 0] + e[:, 1]).unsqueeze(1)  # 45° from both axes of the plane it lies in
    assert axis_angles(diagonal, e[:, :2]).tolist() == pytest.approx([45.0])
    assert principal_angles(diagonal, e[:, :2]).tolist() == pytest.approx([0.0], abs=1e-5)  # yet in the subspace
    assert axis_angles(e[:, :1], e[:, 1:]).tolist() == pytest.approx([90.0])
    with pytest.raises(ValueError, match=r"same D"):
        axis_angles(torch.zeros(5, 2), torch.zeros(4, 2))
