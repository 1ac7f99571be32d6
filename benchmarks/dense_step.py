"""Where one training step of the dense MNIST autoencoder spends its time, and the best FLOP/s it could reach.

    .venv/bin/python benchmarks/dense_step.py

Times, on this machine and in one process: each matrix product of the step alone (forward, gradient of the input,
gradient of the weights, for the eight ``Linear`` layers of 784-256-128-64-10 and back, batch 256), the forward
pass, forward + backward, Adam's step, and the whole step, beside a 2048² sgemm. The ratio "matmuls alone / whole
step" is the ceiling of any trainer's "% of sgemm" for this model: whatever is not a matmul only lowers it.
``python -m aelib bench`` measures the trainer itself; this script explains its number. Run on a quiet machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from aelib import models  # noqa: E402
from aelib.cpu import flush_denormals  # noqa: E402
from aelib.tools.bench import sgemm_gflops  # noqa: E402

BATCH = 256


def per_call_seconds(fn, n: int = 300, warmup: int = 30) -> float:
    for _ in range(warmup):
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def layer_matmuls(d_in: int, d_out: int, grad_in: bool) -> list[float | None]:
    """Seconds of one ``Linear(d_in, d_out)``'s products at batch 256: forward, grad of input, grad of weights."""
    x, w, b, g = torch.rand(BATCH, d_in), torch.rand(d_out, d_in), torch.rand(d_out), torch.rand(BATCH, d_out)
    return [
        per_call_seconds(lambda: torch.addmm(b, x, w.t())),
        per_call_seconds(lambda: g @ w) if grad_in else None,
        per_call_seconds(lambda: g.t() @ x),
    ]


def matmuls_alone(sizes: list[int]) -> tuple[float, float]:
    """Seconds and FLOPs of every matrix product one training step needs, each timed alone (hot caches)."""
    layers = list(zip(sizes[:-1], sizes[1:], strict=True))
    layers += [(o, i) for i, o in reversed(layers)]
    seconds = flops = 0.0
    print(f"{'layer':>11s}  {'forward':>8s} {'grad in':>8s} {'grad W':>8s}   GFLOP/s each")
    for n, (d_in, d_out) in enumerate(layers):
        times = layer_matmuls(d_in, d_out, grad_in=n > 0)  # the input images need no gradient
        f = 2 * BATCH * d_in * d_out
        cells = " ".join(f"{f / t / 1e9:8.0f}" if t else f"{'-':>8s}" for t in times)
        print(f"{d_in:4d} → {d_out:4d}  {cells}")
        seconds += sum(t for t in times if t)
        flops += f * sum(1 for t in times if t)
    return seconds, flops


def main() -> None:
    torch.manual_seed(0)
    flush_denormals()
    sgemm = sgemm_gflops()
    model = models.deep_autoencoder()
    x = torch.rand(BATCH, 1, 28, 28)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)

    def step() -> None:
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    mm_s, flops = matmuls_alone(list(model.sizes))
    step()
    forward = per_call_seconds(lambda: F.mse_loss(model(x), x))
    forward_backward = per_call_seconds(lambda: F.mse_loss(model(x), x).backward())
    adam = per_call_seconds(optimizer.step)
    whole = per_call_seconds(step)
    ms, gflop = 1e3, 1e9
    print(f"\nsgemm 2048²: {sgemm:.0f} GFLOP/s ({torch.get_num_threads()} threads)")
    print(
        f"matmuls of one step, each alone: {mm_s * ms:.2f} ms, {flops / gflop:.3f} GFLOP, "
        f"{flops / mm_s / gflop:.0f} GFLOP/s"
    )
    print(
        f"forward {forward * ms:.2f} ms, forward + backward {forward_backward * ms:.2f} ms, "
        f"Adam step {adam * ms:.2f} ms"
    )
    print(
        f"whole step {whole * ms:.2f} ms: {flops / whole / gflop:.0f} GFLOP/s = "
        f"{flops / whole / gflop / sgemm:.0%} of sgemm"
    )
    print(f"a step doing nothing but its matmuls: {flops / mm_s / gflop / sgemm:.0%} of sgemm; "
          f"70 % of sgemm needs a step of at most {flops / (0.7 * sgemm * gflop) * ms:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
