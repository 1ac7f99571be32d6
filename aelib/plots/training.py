"""Training as it went: the loss per epoch, and reconstructions after chosen epochs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from aelib.plots._common import ImageBatch
from aelib.plots.images import reconstruction_grid


def _curve(values: Sequence[float | None]) -> np.ndarray:
    """Losses with ``None`` for missing epochs → float array with NaN there (matplotlib leaves a gap)."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def plot_history(history_or_dict: Any, title: str | None = None, log: bool = False) -> Figure:
    """Loss per epoch (epochs counted from 1).

    Accepts an object with ``.train_loss`` and ``.val_loss`` lists (val entries may be None; drawn dashed, same
    colour), or a dict ``{run name: list of losses}`` — or ``{run name: history}`` — to compare runs.
    ``log=True`` uses a log y axis, which shows late, small improvements better.
    """
    if isinstance(history_or_dict, Mapping):
        runs = dict(history_or_dict)
    elif hasattr(history_or_dict, "train_loss"):
        runs = {"": history_or_dict}
    else:
        raise TypeError(
            f"expected a history (with .train_loss / .val_loss) or a dict of runs, got "
            f"{type(history_or_dict).__name__}."
        )
    if not runs:
        raise ValueError("no runs to plot: the dict is empty.")
    fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    for i, (name, run) in enumerate(runs.items()):
        colour = f"C{i % 10}"
        if hasattr(run, "train_loss"):
            val_loss = getattr(run, "val_loss", None)
            train, val = _curve(run.train_loss), _curve([] if val_loss is None else val_loss)
            train_label, prefix = (f"{name} train" if name else "train"), (f"{name} " if name else "")
        else:  # a plain list of losses: the run's name is label enough
            train, val, train_label, prefix = _curve(run), np.array([]), str(name), ""
        if len(train) == 0:
            raise ValueError(f"run {name!r} has no losses.")
        style = dict(marker="o", markersize=3) if len(train) <= 30 else {}
        ax.plot(np.arange(1, len(train) + 1), train, color=colour, label=train_label, **style)
        if len(val) and not np.all(np.isnan(val)):
            ax.plot(np.arange(1, len(val) + 1), val, "--", color=colour, label=f"{prefix}validation", **style)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def plot_epoch_snapshots(
    originals: ImageBatch,
    snapshots: Sequence[ImageBatch] | Mapping[int, ImageBatch],
    epochs: Sequence[int] | None = None,
    n: int = 8,
) -> Figure:
    """Originals, then their reconstructions after some epochs: how a model learns, row by row.

    ``snapshots`` is a list whose item ``i`` is the reconstruction of ``originals`` after epoch ``i + 1``, or a
    dict ``{epoch: reconstruction}``. ``epochs`` picks which to show (default: first, middle and last).
    """
    table = dict(snapshots) if isinstance(snapshots, Mapping) else {i + 1: s for i, s in enumerate(snapshots)}
    if not table:
        raise ValueError("snapshots is empty: record at least one epoch's reconstructions.")
    known = sorted(table)
    if epochs is None:
        epochs = list(dict.fromkeys([known[0], known[(len(known) - 1) // 2], known[-1]]))  # dedupe, keep order
    for e in epochs:
        if e not in table:
            raise ValueError(f"no snapshot for epoch {e}; epochs recorded: {known[0]}..{known[-1]}.")
    rows = {"original": originals, **{f"epoch {e}": table[e] for e in epochs}}
    return reconstruction_grid(rows, n=n, title="Reconstructions during training")
