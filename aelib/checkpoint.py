"""Checkpoints: one file per training run, written atomically, read back with ``torch.load(weights_only=True)``.

A checkpoint is a dict of tensors and plain Python types only, so loading it never runs pickled code::

    format        "aelib-checkpoint-2" (a file of another version is refused: train again)
    model_class   the model's class name, e.g. "ConvAE"
    param_shapes  {state_dict key: [shape]}   what the weights fit; checked before loading
    model         model.state_dict()
    optimizer     optimizer.state_dict() or None
    checksum      sha1 of the model's and the optimizer's tensors: a flipped bit is found, not loaded
    epoch         epochs completed (1-based: 3 means "after the 3rd epoch")
    history       History.to_dict() (or any dict)
    rng_state     what the caller needs to continue the random streams (aelib.train stores its seed)
    config        which run this is (:func:`aelib.runs.identity`): the settings, the layers, the images' fingerprints

The file is replaced atomically (temp file in the same folder, fsync, rename): a crash or an error while saving
leaves the previous checkpoint whole and no temp file behind. A file that cannot be used — cut short, garbage, not a
torch archive, not an aelib checkpoint, keys missing, a wrong checksum, weights of another architecture — raises
:class:`CheckpointError`, which names the file and says what to do; torch's own advice to load with
``weights_only=False`` (which would run whatever code the file holds) is never passed on.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import TensorDataset

from aelib.data import write_atomic

FORMAT = "aelib-checkpoint-2"  # 2: the run recorded as aelib.runs.RunSettings (all of them, always)
KEYS = ("model_class", "param_shapes", "model", "optimizer", "checksum", "epoch", "history", "rng_state", "config")
FIX = "Delete it and train again, or pass another path."


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used: damaged, foreign, or for another model. ``path`` and ``reason`` say
    which file and why; the message ends with what to do."""

    def __init__(self, path: str | os.PathLike, reason: str, fix: str = FIX):
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path} {reason}. {fix}")


class CheckpointExistsError(FileExistsError):
    """``fit`` was asked to write its checkpoint over a file that holds another run (or no readable run at all)."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(
            f"{path} {reason}, so fit will not write over it. Pass overwrite=True to replace it, resume={str(path)!r} "
            "to continue the run it holds, or another checkpoint path."
        )


def param_shapes(model: nn.Module) -> dict[str, list[int]]:
    """``{state_dict key: shape}`` of a model: what identifies its architecture for loading weights."""
    return {name: list(t.shape) for name, t in model.state_dict().items()}


def _bytes(x: torch.Tensor) -> memoryview:
    """A tensor's raw bytes, on the CPU, in C order (what the fingerprints and the checksum hash)."""
    return memoryview(x.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy())


def fingerprint(x: object) -> str | float | None:
    """A short sha1 of a tensor (dtype, shape and bytes; of a TensorDataset, its first tensor's); a fraction or
    ``None`` as is; "unverifiable" otherwise (a DataLoader: its batches cannot be compared without drawing them)."""
    if x is None or isinstance(x, float):
        return x
    if isinstance(x, TensorDataset):
        x = x.tensors[0]
    if not isinstance(x, torch.Tensor):
        return "unverifiable"
    h = hashlib.sha1(f"{x.dtype} {tuple(x.shape)} ".encode())
    h.update(_bytes(x))
    return h.hexdigest()[:16]


def _checksum(state: dict) -> str:
    """sha1 over every tensor of the model's and the optimizer's state, in a fixed order."""
    h = hashlib.sha1()

    def walk(value: object) -> None:
        if isinstance(value, torch.Tensor):
            h.update(f"{value.dtype}{tuple(value.shape)}".encode())
            h.update(_bytes(value))
        elif isinstance(value, dict):
            for k in sorted(value, key=str):
                h.update(str(k).encode())
                walk(value[k])
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        else:
            h.update(repr(value).encode())

    walk([state["model"], state["optimizer"]])
    return h.hexdigest()


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
    state["checksum"] = _checksum(state)
    # Serialise to memory first: if torch.save fails (an unpicklable value), the file on disk is never touched.
    buf = io.BytesIO()
    torch.save(state, buf)
    out = Path(path)
    write_atomic(out, buf.getvalue())
    return out


def check_architecture(checkpoint: dict, model: nn.Module, path: str | os.PathLike = "checkpoint") -> None:
    """Raise :class:`CheckpointError` naming expected (the model) vs found (the checkpoint) if the weights do not
    fit."""
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
        raise CheckpointError(
            path,
            f"was saved from a different architecture ({found_class}) than the model given ({expected_class}):\n  "
            + "\n  ".join(shown),
            "Build the model with the same class and sizes as when the checkpoint was saved, or train a new one.",
        )


def _read(path: str | os.PathLike) -> dict:
    """``torch.load(path, weights_only=True)``, every failure but a missing file turned into a CheckpointError."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no checkpoint at {path}: train the model first (fit(..., checkpoint=...)).")
    if Path(path).is_dir():
        raise CheckpointError(path, "is a folder, not a checkpoint file", "Pass the path of a checkpoint file.")
    try:
        with warnings.catch_warnings():  # torch's notes on pickle protocols say nothing a learner can act on
            warnings.simplefilter("ignore")
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except PermissionError:
        raise CheckpointError(path, "cannot be read: permission denied", "Check the file's permissions, or "
                              "pass another path.") from None
    except Exception as err:  # torch's messages advise weights_only=False (arbitrary code): never pass that on
        text = str(err)
        if "Unsupported global" in text:
            reason = ("holds pickled Python objects (e.g. a whole model saved with torch.save(model)), which aelib "
                      "never loads: they could run code. It is not an aelib checkpoint")
        elif "zip archive" in text or "central directory" in text or isinstance(err, (EOFError, OSError)):
            reason = "is damaged: the file is cut short or its archive is corrupt (an interrupted copy or download?)"
        elif "inline_container" in text or "archive" in text:
            reason = "is a zip file but not a torch checkpoint"
        else:
            reason = "is not a checkpoint: its bytes are not a torch file (garbage, or another kind of file)"
        raise CheckpointError(path, reason) from None
    if isinstance(checkpoint, dict) and str(checkpoint.get("format", "")).startswith("aelib-checkpoint-"):
        if checkpoint["format"] != FORMAT:
            raise CheckpointError(path, f"was written by another version of aelib ({checkpoint['format']}, this one "
                                  f"reads {FORMAT}), which recorded its run differently",
                                  "Delete it and train again (a lesson does so by itself).")
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        kind = "a torch file" if isinstance(checkpoint, dict) else f"a torch file holding a {type(checkpoint).__name__}"
        raise CheckpointError(
            path,
            f"is not an aelib checkpoint: {kind} without format {FORMAT!r} (a state_dict saved with torch.save? "
            "load that with model.load_state_dict(torch.load(path, weights_only=True)))",
            "Pass the path of a checkpoint written by aelib (fit(..., checkpoint=...) or save_checkpoint).",
        )
    missing = [k for k in KEYS if k not in checkpoint]
    if missing:
        raise CheckpointError(path, f"is damaged or from an older aelib: it has no {', '.join(missing)}")
    if _checksum(checkpoint) != checkpoint["checksum"]:
        raise CheckpointError(path, "is damaged: its weights do not match the checksum saved with them")
    return checkpoint


def load_checkpoint(
    path: str | os.PathLike,
    model: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
) -> dict:
    """Read a checkpoint (tensors on the CPU); load its weights into ``model`` and ``optimizer`` if given.

    Raises :class:`CheckpointError` for a file that cannot be used (damaged, foreign, weights of another class
    or shape: the architecture is checked before anything is loaded) and ``FileNotFoundError`` when there is no
    file. Returns the whole checkpoint dict (see the module docstring).
    """
    checkpoint = _read(path)
    if model is not None:
        check_architecture(checkpoint, model, path)
        model.load_state_dict(checkpoint["model"])  # copies into the model's own device and memory format
    if optimizer is not None:
        if checkpoint["optimizer"] is None:
            raise CheckpointError(path, "holds no optimizer state, so it cannot resume training",
                                  "Train from the start (no resume=), or resume from a checkpoint written by fit.")
        optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint


def load_model(path: str | os.PathLike, model: nn.Module) -> nn.Module:
    """Load a checkpoint's weights into ``model`` (architecture checked) and return it in eval mode."""
    load_checkpoint(path, model)
    return model.eval()
