"""aelib.metrics on hand-computed tensors, and batched evaluation (modes, noise, scales, batch sizes, codes)."""

import math

import pytest
import torch
from torch import nn

from aelib.metrics import (
    encode_all,
    evaluate,
    mse_per_image,
    mse_per_pixel,
    psnr,
    psnr_per_image,
    reconstruct,
    sse_per_image,
)
from aelib.models import ConvDenoiser, deep_autoencoder, tanh_autoencoder
from aelib.transforms import to_float
from tests.images import Recorder, blobs

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


def test_mse_per_image_by_hand():
    recon = torch.zeros(2, 1, 2, 2)
    target = torch.tensor([[0.0, 0.0, 0.0, 1.0], [0.5, 0.5, 0.5, 0.5]])  # flat: the same pixels in another shape
    per_image = mse_per_image(recon, target)
    assert per_image.dtype == torch.float64
    torch.testing.assert_close(per_image, torch.tensor([0.25, 0.25], dtype=torch.float64))
    assert per_image.mean().item() == pytest.approx(mse_per_pixel(recon, target))
    with pytest.raises(ValueError, match="same images"):
        mse_per_image(recon, target[:1])


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
