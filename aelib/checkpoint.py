"""Checkpoints: one file per training run, written atomically, read back with ``torch.load(weights_only=True)``.

A checkpoint is a dict of tensors and plain Python types only, so loading it never runs pickled code::

    format        "aelib-checkpoint-1"
    model_class   the model's class name, e.g. "ConvAE"
    param_shapes  {state_dict key: [shape]}   what the weights fit; checked before loading
    model         model.state_dict()
    optimizer     optimizer.state_dict() or None
    epoch         epochs completed (1-based: 3 means "after the 3rd epoch")
    history       History.to_dict() (or any dict)
    rng_state     what the caller needs to continue the random streams (aelib.train stores its seed)
    config        the training settings, to tell the user when a resume uses different ones

The file is replaced atomically (temp file in the same folder, fsync, rename): a crash or an error while saving
leaves the previous checkpoint whole and no temp file behind.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from aelib.data import write_atomic

FORMAT = "aelib-checkpoint-1"


def param_shapes(model: nn.Module) -> dict[str, list[int]]:
    """``{state_dict key: shape}`` of a model: what identifies its architecture for loading weights."""
    return {name: list(t.shape) for name, t in model.state_dict().items()}


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    epoch: int,
    history: Any,
    rng_state: dict | None,
    config: dict | None = None,
) -> Path:
    """Write model, optimizer, epoch, history and RNG state to ``path`` atomically; return the path.

    ``history`` is a ``History`` (anything with ``to_dict()``) or a dict already. Every value must be a tensor or
    a plain Python type, so that :func:`load_checkpoint` can use ``weights_only=True``.
    """
    state = {
        "format": FORMAT,
        "model_class": type(model).__name__,
        "param_shapes": param_shapes(model),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "epoch": int(epoch),
        "history": history.to_dict() if hasattr(history, "to_dict") else history,
        "rng_state": rng_state,
        "config": config,
    }
    # Serialise to memory first: if torch.save fails (an unpicklable value), the file on disk is never touched.
    buf = io.BytesIO()
    torch.save(state, buf)
    out = Path(path)
    write_atomic(out, buf.getvalue())
    return out


def check_architecture(checkpoint: dict, model: nn.Module, path: str | os.PathLike = "checkpoint") -> None:
    """Raise ``ValueError`` naming expected (the model) vs found (the checkpoint) if the weights do not fit."""
    found_class, found = checkpoint.get("model_class"), checkpoint.get("param_shapes", {})
    expected_class, expected = type(model).__name__, param_shapes(model)
    problems = []
    if found_class != expected_class:
        problems.append(f"model class: expected {expected_class}, found {found_class}")
    for name in expected:
        if name not in found:
            problems.append(f"{name}: expected {tuple(expected[name])}, found nothing")
        elif expected[name] != found[name]:
            problems.append(f"{name}: expected {tuple(expected[name])}, found {tuple(found[name])}")
    problems += [f"{name}: not in the model, found {tuple(found[name])}" for name in found if name not in expected]
    if problems:
        shown = problems[:8] + ([f"... and {len(problems) - 8} more"] if len(problems) > 8 else [])
        raise ValueError(
            f"{path} was saved from a different architecture ({found_class}) than the model given "
            f"({expected_class}):\n  " + "\n  ".join(shown) + "\nBuild the model with the same class and "
            "sizes as when the checkpoint was saved, or train a new one."
        )


def load_checkpoint(
    path: str | os.PathLike,
    model: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
) -> dict:
    """Read a checkpoint (tensors on the CPU); load its weights into ``model`` and ``optimizer`` if given.

    The architecture is checked first (class name and every parameter shape): a mismatch raises ``ValueError``
    naming what was expected and what was found. Returns the whole checkpoint dict (see the module docstring).
    """
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise ValueError(f"{path} is not an aelib checkpoint (no format {FORMAT!r}); save it with save_checkpoint.")
    if model is not None:
        check_architecture(checkpoint, model, path)
        model.load_state_dict(checkpoint["model"])  # copies into the model's own device and memory format
    if optimizer is not None:
        if checkpoint["optimizer"] is None:
            raise ValueError(f"{path} holds no optimizer state; it cannot resume training.")
        optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint


def load_model(path: str | os.PathLike, model: nn.Module) -> nn.Module:
    """Load a checkpoint's weights into ``model`` (architecture checked) and return it in eval mode."""
    load_checkpoint(path, model)
    return model.eval()
