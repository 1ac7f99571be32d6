"""``python -m aelib bench``: the fast trainer against the naive loop, and its FLOP/s against a large sgemm.

Measured in one process, one after the other, on the same model, hyper-parameters and number of batches:

- **naive**: ``torchvision.datasets.MNIST`` + ``ToTensor`` + ``DataLoader(shuffle=True)`` feeding a plain
  Adam/MSE loop (the way the original tutorials train);
- **trainer**: :func:`aelib.train.fit` on the same number of images (one tensor on the device, sliced batches).

FLOPs are counted by ``torch.utils.flop_counter.FlopCounterMode`` on one real training step (forward and
backward), so FLOP/s is work actually done, not a model of it. Timings are wall-clock seconds on this machine:
run it on a quiet machine — a second busy process can make torch several times slower.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from aelib import data, models
from aelib.train import fit, resolve_device


@dataclass
class BenchRow:
    name: str
    batch_size: int
    batches: int
    naive_s: float
    trainer_s: float
    gflops_per_step: float

    @property
    def speedup(self) -> float:
        return self.naive_s / self.trainer_s

    @property
    def trainer_gflops(self) -> float:
        return self.gflops_per_step * self.batches / self.trainer_s


def sgemm_gflops(n: int = 2048, repeat: int = 20, device: torch.device | None = None) -> float:
    """Best-of-``repeat`` GFLOP/s of an ``n × n`` float32 matrix product (2n³ FLOPs) on ``device``."""
    device = device or torch.device("cpu")
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    best = float("inf")
    for _ in range(repeat):
        _sync(device)
        t0 = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def step_gflops(model: nn.Module, x: torch.Tensor) -> float:
    """FLOPs (in GFLOP) of one MSE training step on batch ``x``: forward + backward, as torch counts them."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        loss = nn.functional.mse_loss(model(x), x)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / 1e9


def naive_loop(model: nn.Module, batch_size: int, batches: int, noise_std: float | None, device) -> float:
    """The tutorials' loop: torchvision dataset + ToTensor + DataLoader; returns seconds for ``batches`` steps."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    dataset = datasets.MNIST(data.data_root(), train=True, download=False, transform=transforms.ToTensor())
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0))
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for i, (x, _) in enumerate(loader):
        if i == batches:
            break
        x = x.to(device)
        inputs = (x + noise_std * torch.randn_like(x)).clamp(0, 1) if noise_std else x
        loss = nn.functional.mse_loss(model(inputs), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()  # the tutorials print/accumulate the loss every step, which syncs like this
    _sync(device)
    return time.perf_counter() - t0


def trainer_run(model: nn.Module, images: torch.Tensor, batch_size: int, noise_std: float | None, device) -> float:
    """:func:`aelib.train.fit` for one epoch over ``images``; returns its training seconds."""
    history = fit(model, images, epochs=1, batch_size=batch_size, noise_std=noise_std, device=device, progress=False)
    return history.epochs[0].seconds


def bench_model(
    name: str, make: Callable[[], nn.Module], batch_size: int, batches: int, noise_std: float | None, device
) -> BenchRow:
    images, _ = data.load("mnist", "train")
    images = images[: batch_size * batches]
    # Warm-up both paths (first-call costs: allocator, Adam's lazy imports, thread pools) on a few batches.
    torch.manual_seed(0)
    naive_loop(make(), batch_size, 5, noise_std, device)
    trainer_run(make(), images[: batch_size * 5], batch_size, noise_std, device)
    torch.manual_seed(0)
    naive_s = naive_loop(make(), batch_size, batches, noise_std, device)
    torch.manual_seed(0)
    trainer_s = trainer_run(make(), images, batch_size, noise_std, device)
    model = make().to(device)
    x = torch.rand(batch_size, 1, 28, 28, device=device)
    return BenchRow(name, batch_size, batches, naive_s, trainer_s, step_gflops(model, x))


def profile_conv(batch_size: int = 20, steps: int = 50, top: int = 12) -> str:
    """Where the conv denoiser's training step spends its time (torch.profiler, CPU, channels_last)."""
    from torch.profiler import ProfilerActivity, profile

    model = models.ConvDenoiser().to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch_size, 1, 28, 28).contiguous(memory_format=torch.channels_last)

    def step():
        loss = nn.functional.mse_loss(model((x + 0.5 * torch.randn_like(x)).clamp(0, 1)), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(5):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=top)


def report(rows: list[BenchRow], sgemm: float, device: torch.device) -> str:
    lines = [
        f"device: {device} ({torch.get_num_threads()} threads), torch {torch.__version__}",
        f"sgemm 2048x2048: {sgemm:.0f} GFLOP/s",
        "",
        "| model | batch | batches | naive loop s | aelib.fit s | speed-up | fit GFLOP/s | % of sgemm |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.batch_size} | {r.batches} | {r.naive_s:.2f} | {r.trainer_s:.2f} | "
            f"{r.speedup:.2f}x | {r.trainer_gflops:.1f} | {100 * r.trainer_gflops / sgemm:.0f} % |"
        )
    return "\n".join(lines)


TARGETS = {"dense": (3.5, 0.70), "conv": (1.6, None)}


def check_targets(rows: list[BenchRow], sgemm: float) -> list[str]:
    """Lines saying which targets were met; a line starts with 'MISSED' when one was not."""
    out = []
    for r in rows:
        kind = "dense" if r.name.startswith("dense") else "conv"
        speed, flops = TARGETS[kind]
        out.append(f"{'met' if r.speedup >= speed else 'MISSED'}: {r.name} speed-up {r.speedup:.2f}x >= {speed}x")
        if flops is not None:
            frac = r.trainer_gflops / sgemm
            out.append(f"{'met' if frac >= flops else 'MISSED'}: {r.name} {100 * frac:.0f} % of sgemm >= {flops:.0%}")
    return out


def main(args: argparse.Namespace | None = None) -> int:
    quick = bool(args and args.quick)
    device = resolve_device("auto")
    torch.set_flush_denormal(True)
    print(f"benchmarking on {device}{' (quick smoke run: too short to quote)' if quick else ''} …", flush=True)
    sgemm = sgemm_gflops(device=device)
    rows = [
        bench_model("dense 784-256-128-64-10", models.deep_autoencoder, 256, 20 if quick else 235, None, device),
        bench_model("conv denoiser (seed)", models.ConvDenoiser, 20, 30 if quick else 600, 0.5, device),
    ]
    print(report(rows, sgemm, device))
    print()
    print("\n".join(check_targets(rows, sgemm)))
    if not quick and device.type == "cpu":
        print("\nconv denoiser, one training step (bs 20, channels_last), top operators by self CPU time:")
        print(profile_conv())
    return 0
