"""aelib.transforms: the two pixel scalings agree with torchvision's, round-trip, and refuse bad input; the noise
model is seeded, clipped and in pixel units."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torchvision import transforms as T

from aelib.transforms import add_gaussian_noise, check_scale, image_batch, to_float, to_scale, to_unit


def uint8_images(n: int = 3) -> torch.Tensor:
    x = torch.randint(0, 256, (n, 28, 28), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    x[0, 0, :2] = torch.tensor([0, 255], dtype=torch.uint8)
    return x


def test_to_float_matches_totensor_and_normalize():
    x = uint8_images()
    unit = torch.stack([T.ToTensor()(img.numpy()) for img in x])  # what the tutorials feed their models
    symmetric = torch.stack([T.Normalize(0.5, 0.5)(t) for t in unit])
    torch.testing.assert_close(to_float(x), unit, rtol=0, atol=0)
    torch.testing.assert_close(to_float(x, "symmetric"), symmetric, rtol=0, atol=1e-7)
    assert to_float(x).shape == (3, 1, 28, 28) and to_float(x[:, None]).shape == (3, 1, 28, 28)
    assert float(to_float(x, "symmetric").min()) == -1.0 and float(to_float(x, "symmetric").max()) == 1.0


def test_scales_round_trip_and_float_input_is_taken_as_unit():
    x = to_float(uint8_images())
    torch.testing.assert_close(to_unit(to_scale(x, "symmetric"), "symmetric"), x, rtol=0, atol=1e-7)
    assert to_scale(x, "unit") is x and to_unit(x, "unit") is x
    torch.testing.assert_close(to_float(x.squeeze(1), "symmetric"), x * 2 - 1)


def test_bad_scales_and_shapes_say_what_is_valid():
    with pytest.raises(ValueError, match="unknown scale 'minus-one'; use 'unit'"):
        check_scale("minus-one")
    shapes = r"expected a non-empty batch shaped \(N, 28, 28\), \(N, 1, 28, 28\) or \(N, 784\), got \(3, 3, 28, 28\)"
    with pytest.raises(ValueError, match=shapes):
        to_float(torch.zeros(3, 3, 28, 28))
    with pytest.raises(ValueError, match=r"got \(28, 28\). For a single image use images\[None\]"):
        image_batch(np.zeros((28, 28)))


def test_one_rule_accepts_every_form_of_an_image_batch_alike():
    u8 = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
    expected = u8.float().unsqueeze(1) / 255.0
    forms = [u8, u8.numpy(), u8[:, None], expected, expected.numpy(), expected.reshape(4, 784),
             expected.double().numpy().reshape(4, 784), expected.clone().requires_grad_(True)]
    for form in forms:
        got = image_batch(form)
        assert got.shape == (4, 1, 28, 28) and got.dtype == torch.float32 and not got.requires_grad
        torch.testing.assert_close(got, expected, rtol=0, atol=0)
    read_only = u8.numpy().copy()
    read_only.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns about read-only arrays: the rule copies them instead
        torch.testing.assert_close(image_batch(read_only), expected, rtol=0, atol=0)


def test_noise_is_seeded_clipped_and_scaled_in_pixel_units():
    x = torch.full((2000, 1, 28, 28), 0.5)
    a = add_gaussian_noise(x, 0.1, torch.Generator().manual_seed(1))
    b = add_gaussian_noise(x, 0.1, torch.Generator().manual_seed(1))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(a, add_gaussian_noise(x, 0.1, torch.Generator().manual_seed(2)))
    assert float((a - x).std()) == pytest.approx(0.1, rel=0.01)  # far from 0 and 1: the clip does not bite
    big = add_gaussian_noise(x, 2.0, torch.Generator().manual_seed(1))
    assert float(big.min()) == 0.0 and float(big.max()) == 1.0
    assert float(add_gaussian_noise(x, 2.0, torch.Generator().manual_seed(1), clip=False).max()) > 1.0
    torch.testing.assert_close(add_gaussian_noise(x, 0.0), x)
    with pytest.raises(ValueError, match="noise std must be >= 0"):
        add_gaussian_noise(x, -0.1)
