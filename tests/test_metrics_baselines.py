"""Metrics on hand-computed tensors, batched evaluation, and the PCA / linear-denoiser baselines.

The integration tests reproduce the reference figures of the course (test set, pixels x/255) on the real data.
"""

import math

import pytest
import torch
from torch import nn

from aelib.baselines import PCA, LinearDenoiser, noisy_projection_mse
from aelib.metrics import encode_all, evaluate, mse_per_pixel, psnr, psnr_per_image, reconstruct, sse_per_image
from aelib.models import ConvDenoiser, deep_autoencoder, tanh_autoencoder
from aelib.transforms import to_float


def blobs(n: int, seed: int = 0) -> torch.Tensor:
    """uint8 ``(n, 28, 28)`` images of one Gaussian blob each: structured, low-dimensional, like digits."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(n, 2, 1, 1, generator=g) * 16 + 6
    grid = torch.arange(28.0)
    d2 = (grid.view(1, 1, 28) - centres[:, 0]) ** 2 + (grid.view(1, 28, 1) - centres[:, 1]) ** 2
    return (255 * torch.exp(-d2 / 20)).round().to(torch.uint8)


class Recorder(nn.Module):
    """Returns its input unchanged and remembers what it saw and whether it was in training mode."""

    def __init__(self):
        super().__init__()
        self.seen, self.modes = [], []

    def forward(self, x):
        self.seen.append(x.clone())
        self.modes.append(self.training)
        return x


# ---------------------------------------------------------------------------------------------------------------
# metrics on hand-computed values


def test_mse_and_sse_by_hand():
    recon = torch.zeros(2, 4)
    target = torch.tensor([[0.1] * 4, [0.3] * 4])
    assert mse_per_pixel(recon, target) == pytest.approx((0.01 + 0.09) / 2)
    assert sse_per_image(recon, target) == pytest.approx((4 * 0.01 + 4 * 0.09) / 2)
    # shapes may differ as long as each image has the same pixels: (N, 784) against (N, 1, 28, 28)
    a, b = torch.rand(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    assert sse_per_image(a.view(3, 784), b) == pytest.approx(784 * mse_per_pixel(a, b))


def test_metrics_refuse_different_images():
    with pytest.raises(ValueError, match="same images"):
        mse_per_pixel(torch.zeros(2, 784), torch.zeros(3, 784))
    with pytest.raises(ValueError, match="same images"):
        sse_per_image(torch.zeros(2, 784), torch.zeros(2, 1, 27, 28))


def test_psnr_by_hand():
    assert psnr(0.01) == pytest.approx(20.0)
    assert psnr(1e-4) == pytest.approx(40.0)
    assert psnr(0.04, data_range=2.0) == pytest.approx(20.0)
    assert psnr(0.0) == math.inf
    with pytest.raises(ValueError):
        psnr(-1.0)
    per_image = psnr_per_image(torch.zeros(2, 4), torch.tensor([[0.1] * 4, [0.3] * 4]))
    torch.testing.assert_close(per_image, torch.tensor([20.0, 10 * math.log10(1 / 0.09)], dtype=torch.float64))


# ---------------------------------------------------------------------------------------------------------------
# batched evaluation


def test_evaluate_an_identity_model_is_perfect_and_restores_train_mode():
    model = Recorder().train()
    images = blobs(25)
    result = evaluate(model, images, batch_size=10)
    assert result == {"mse": 0.0, "sse_per_image": 0.0, "psnr": math.inf}
    assert model.training, "evaluate must restore train mode"
    assert model.modes == [False] * 3 and [len(x) for x in model.seen] == [10, 10, 5]
    evaluate(model.eval(), images)
    assert not model.training


def test_evaluate_restores_mode_after_an_error():
    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")

    model = Broken().train()
    with pytest.raises(RuntimeError, match="boom"):
        evaluate(model, blobs(3))
    assert model.training


def test_noise_is_repeatable_with_a_seed_and_differs_with_another():
    images = blobs(30)
    noisy_a, recon_a = reconstruct(nn.Identity(), images, noise_std=0.5, seed=3)
    noisy_b, _ = reconstruct(nn.Identity(), images, noise_std=0.5, seed=3)
    noisy_c, _ = reconstruct(nn.Identity(), images, noise_std=0.5, seed=4)
    torch.testing.assert_close(noisy_a, noisy_b)
    torch.testing.assert_close(recon_a, noisy_a)
    assert not torch.equal(noisy_a, noisy_c)
    assert noisy_a.min() >= 0 and noisy_a.max() <= 1
    model = deep_autoencoder()
    assert evaluate(model, images, noise_std=0.5, seed=3) == evaluate(model, images, noise_std=0.5, seed=3)
    assert evaluate(model, images, noise_std=0.5, seed=3) != evaluate(model, images, noise_std=0.5, seed=4)


def test_noise_of_the_identity_model_has_the_expected_mse():
    images = torch.full((200, 28, 28), 128, dtype=torch.uint8)  # mid-grey: clipping at ±0.5 rarely bites
    result = evaluate(nn.Identity(), images, noise_std=0.1)
    assert result["mse"] == pytest.approx(0.01, rel=0.02)
    assert result["psnr"] == pytest.approx(20.0, abs=0.1)
    assert evaluate(nn.Identity(), images)["mse"] == 0.0  # the target is the clean image


def test_symmetric_scale_feeds_minus_one_to_one_and_scores_in_unit_range():
    model = Recorder()
    images = blobs(4)
    inputs, recon = reconstruct(model, images, scale="symmetric")
    seen = model.seen[0]
    assert seen.min() >= -1 and seen.min() < -0.9 and seen.max() <= 1
    clean = to_float(images)
    torch.testing.assert_close(inputs, clean)
    torch.testing.assert_close(recon, clean)

    class Black(nn.Module):  # tanh-style output of -1 everywhere = black pixels = 0 in unit scale
        def forward(self, x):
            return -torch.ones_like(x)

    assert evaluate(Black(), images, scale="symmetric")["mse"] == pytest.approx(clean.double().square().mean().item())
    with pytest.raises(ValueError, match="unknown scale"):
        evaluate(Black(), images, scale="0-255")


def test_batch_size_does_not_change_the_result():
    model = deep_autoencoder()
    images = blobs(23)
    _, a = reconstruct(model, images, batch_size=5)
    _, b = reconstruct(model, images, batch_size=100)
    torch.testing.assert_close(a, b)


def test_encode_all_gives_every_code():
    images = blobs(12)
    model = deep_autoencoder()
    codes = encode_all(model, images, batch_size=5)
    assert codes.shape == (12, 10)
    with torch.no_grad():
        torch.testing.assert_close(codes, model.encode(to_float(images)))
    assert encode_all(ConvDenoiser(), images).shape == (12, 72)
    tanh = tanh_autoencoder()
    with torch.no_grad():
        expected = tanh.encode(to_float(images, "symmetric"))
    torch.testing.assert_close(encode_all(tanh, images, scale="symmetric"), expected)


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
# the reference figures on the real data (/work/shared/README.md)


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
