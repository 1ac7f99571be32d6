"""Denoising: quality against the noise level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from aelib.plots._common import _as_numpy


def plot_psnr_vs_sigma(
    sigmas: Sequence[float], curves: Mapping[str, Sequence[float]], title: str | None = None
) -> Figure:
    """PSNR (dB, higher is better) against the noise std σ (pixel units, [0, 1] scale), one line per method."""
    s = _as_numpy(sigmas).astype(float).reshape(-1)
    if not curves:
        raise ValueError("curves is empty: give {name: PSNR values, one per sigma}.")
    fig, ax = plt.subplots(figsize=(5.6, 3.6), layout="constrained")
    for name, values in curves.items():
        v = _as_numpy(values).astype(float).reshape(-1)
        if len(v) != len(s):
            raise ValueError(f"curves[{name!r}] has {len(v)} values for {len(s)} sigmas.")
        ax.plot(s, v, marker="o", label=name)
    ax.set_xlabel("noise σ (pixel units, images in [0, 1])")
    ax.set_ylabel("PSNR (dB)")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "denoising quality vs noise level")
    return fig
