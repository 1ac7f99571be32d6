"""`python -m aelib bench`: its FLOP count, its verdicts, and a short real run of both loops (not a timing test)."""

from __future__ import annotations

import pytest
import torch

from aelib import models
from aelib.tools import bench

CPU = torch.device("cpu")


def test_step_flops_are_the_matmuls_of_forward_and_backward():
    model, batch = models.deep_autoencoder(), 8
    sizes = [784, 256, 128, 64, 10]
    layers = list(zip(sizes[:-1], sizes[1:], strict=True))
    macs = sum(i * o for i, o in layers) * 2  # encoder and its mirror image, the decoder
    # forward, weight gradients, input gradients — except for the first layer: the images need no gradient
    expected = 2 * batch * (3 * macs - 784 * 256)
    assert bench.step_gflops(model, torch.rand(batch, 1, 28, 28)) * 1e9 == pytest.approx(expected)
    assert all(p.grad is None for p in model.parameters()), "counting must leave no gradients behind"


def row(name: str, naive_s: float, trainer_s: float, gflops_per_step: float) -> bench.BenchRow:
    return bench.BenchRow(name, 256, 100, naive_s, trainer_s, gflops_per_step)


def test_targets_are_met_or_missed_as_the_numbers_say():
    sgemm = 100.0  # GFLOP/s
    good = row("dense 784-256-128-64-10", naive_s=4.0, trainer_s=1.0, gflops_per_step=0.8)  # 4x, 80 GFLOP/s
    slow = row("dense 784-256-128-64-10", naive_s=3.0, trainer_s=1.0, gflops_per_step=0.5)  # 3x, 50 GFLOP/s
    conv = row("conv denoiser (seed)", naive_s=1.5, trainer_s=1.0, gflops_per_step=0.1)  # 1.5x
    assert good.speedup == 4.0 and good.trainer_gflops == pytest.approx(80.0)
    verdicts = bench.check_targets([good, slow, conv], sgemm)
    assert [v.split(":")[0] for v in verdicts] == ["met", "met", "MISSED", "MISSED", "MISSED"]
    assert "80 % of sgemm >= 70%" in verdicts[1] and "1.50x >= 1.6x" in verdicts[4]
    table = bench.report([good], sgemm, torch.device("cpu"))
    assert "| dense 784-256-128-64-10 | 256 | 100 | 4.00 | 1.00 | 4.00x | 80.0 | 80 % |" in table


@pytest.mark.integration
def test_both_loops_train_on_the_real_data():
    got = bench.bench_model("dense", models.deep_autoencoder, batch_size=64, batches=3, noise_std=None, device=CPU)
    assert got.batches == 3 and got.naive_s > 0 and got.trainer_s > 0 and got.gflops_per_step > 0
    noisy = bench.bench_model("conv", models.ConvDenoiser, batch_size=8, batches=2, noise_std=0.5, device=CPU)
    assert noisy.naive_s > 0 and noisy.trainer_s > 0
