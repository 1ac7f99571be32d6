"""aelib.exercises.lesson04, the checks of ``notebooks/04_conv_denoising_autoencoder.ipynb``:
each accepts a right answer and rejects plausible wrong ones with a learner-facing message (the message is the
product: each rejection pins the hint). Checks that train on or read real MNIST are marked ``integration``."""

from __future__ import annotations

import torch

from aelib import exercises as ex
from tests.checking import accepts, rejects


def add_noise(x, std, generator):
    return (x + std * torch.randn(x.shape, generator=generator, dtype=x.dtype)).clamp(0, 1)


def test_noise_fn(capsys):
    out = accepts(ex.check_noise_fn, add_noise, capsys=capsys)
    assert "std 0.100" in out
    accepts(ex.check_noise_fn, add_noise, hidden=True, capsys=capsys)
    rejects(ex.check_noise_fn, lambda x, s, g: (x + s * torch.randn(x.shape)).clamp(0, 1), match=r"seeded alike")
    rejects(
        ex.check_noise_fn,
        lambda x, s, g: (x + s * torch.rand(x.shape, generator=g)).clamp(0, 1),
        match=r"torch\.rand draws uniform noise",
    )
    rejects(ex.check_noise_fn, lambda x, s, g: x + s * torch.randn(x.shape, generator=g), match=r"clip with")
    rejects(
        ex.check_noise_fn,
        lambda x, s, g: (x + s * s * torch.randn(x.shape, generator=g)).clamp(0, 1),
        match=r"std² \(the variance\)",
    )
    rejects(
        ex.check_noise_fn,
        lambda x, s, g: x.add_(s * torch.randn(x.shape, generator=g)).clamp_(0, 1),
        match=r"changed its input x in place",
    )
    rejects(
        ex.check_noise_fn, lambda x, s, g: (x + s * torch.randn(1, generator=g)).clamp(0, 1), match=r"same noise value"
    )
    rejects(ex.check_noise_fn, lambda x, s, g: x.clone(), match=r"no noise was added")
    rejects(ex.check_noise_fn, lambda x, s, g: add_noise(x, s, g)[0], match=r"shape of x")


def test_noise_fn_must_clip_not_squash():
    def squash(x, std, generator):
        y = x + std * torch.randn(x.shape, generator=generator)
        return (y - y.min()) / (y.max() - y.min())  # in [0, 1], but not the course's noise

    rejects(ex.check_noise_fn, squash, match=r"averages|standard deviation|stay exactly 0")


def test_deconv_size(capsys):
    right = lambda size, kernel, stride, padding=0: (size - 1) * stride + kernel - 2 * padding  # noqa: E731
    accepts(ex.check_deconv_size, right, capsys=capsys)
    accepts(ex.check_deconv_size, right, hidden=True, capsys=capsys)
    rejects(ex.check_deconv_size, lambda s, k, st, p=0: s * st, match=r"should be 7.*got 6.*kernel = stride")
    rejects(ex.check_deconv_size, lambda s, k, st, p=0: (s - 1) * st + k, match=r"padding=1\)` should be 5")
    rejects(ex.check_deconv_size, lambda s, k, st, p=0: (s + 2 * p - k) // st + 1, match=r"ordinary convolution")
