"""Training: one :func:`fit` for every lesson. It knows losses, noise, scales and devices, not model classes.

    from aelib.data import load
    images, _ = load("mnist", "train")                        # uint8 (60000, 28, 28)
    history = fit(model, images, epochs=5, noise_std=0.3, val=0.1, checkpoint="ae.pt")
    print(history)                                            # one row per epoch

The fast path takes a tensor of images: the whole split becomes float on the device once, batches are slices
of a seeded permutation and noise is drawn on the device, so nothing per sample runs in Python. Any iterable of
batches (a ``DataLoader``) works too, at DataLoader speed, so lessons can compare the two.

Randomness is derived from ``(seed, epoch)`` alone (see :func:`_derive`), which makes a run repeatable and a
resumed run bit-identical, on the CPU, to one that was never interrupted.

Why this module is longer than ~400 lines: it is one idea, the training loop, and :func:`fit` (its arguments
checked, the checkpoint decided, the epochs run, the history kept) with the private helpers of that loop. What a
checkpoint holds and whether it is the same run is already in :mod:`aelib.checkpoint`; splitting the loop itself
would make a reader follow one epoch across two files.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from aelib.checkpoint import (
    RECORDED_ONLY,
    CheckpointError,
    CheckpointExistsError,
    check_architecture,
    load_checkpoint,
    load_model,
    other_run,
    run_identity,
    save_checkpoint,
)
from aelib.cpu import flush_denormals
from aelib.losses import LOSSES, LossFn, match_shape, objective
from aelib.schedule import SCHEDULES, learning_rate
from aelib.transforms import add_gaussian_noise, check_scale, to_float, to_scale, to_unit

__all__ = [
    "CheckpointError",
    "CheckpointExistsError",
    "EpochStats",
    "History",
    "TrainingDiverged",
    "fit",
    "learning_rate",
    "load_checkpoint",
    "load_model",
    "resolve_device",
    "run_settings",
    "save_checkpoint",
]

SHUFFLE, NOISE, MODEL_RNG = 0, 1, 2  # random streams of an epoch; epoch 0 holds the run-wide ones
VAL_SPLIT, VAL_NOISE, VAL_MODEL_RNG = 0, 1, 2  # streams of epoch 0


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; ``epoch`` and ``batch`` (both 1-based) say where."""

    def __init__(self, epoch: int, batch: int, value: float, lr: float, scale: str):
        self.epoch, self.batch, self.value = epoch, batch, value
        act = "sigmoid" if scale == "unit" else "tanh"
        super().__init__(
            f"training diverged: the loss became {value} at epoch {epoch}, batch {batch}. Likely fixes: "
            f"lower the learning rate (lr={lr:g}, try {lr / 10:g}); check the inputs are scaled as "
            f"scale={scale!r} says (float images in [0, 1], or uint8); end the decoder with a {act} so its "
            f"output matches that scale (and 'bce' needs outputs strictly in (0, 1))."
        )


@dataclass
class EpochStats:
    """One epoch. Losses are true means per sample (per pixel for mse / bce, per image for bce_sum), in the model's
    scale."""

    epoch: int  # 1-based
    train_loss: float  # mean over every training sample of the epoch, as the weights changed during it
    val_loss: float | None  # after the epoch, eval mode, fixed noise draw; None without validation data
    seconds: float  # wall clock for the whole epoch: training, validation, snapshots
    samples_per_sec: float  # training throughput (training samples / training seconds)
    # For a model that adds terms to its loss (aelib.losses): each part's mean, unweighted ("reconstruction",
    # "kl", ...); empty for every other model.
    train_parts: dict[str, float] = field(default_factory=dict)
    val_parts: dict[str, float] = field(default_factory=dict)


@dataclass(repr=False)
class History:
    """What :func:`fit` returns: per-epoch statistics and optional reconstruction snapshots."""

    epochs: list[EpochStats] = field(default_factory=list)
    snapshots: list[torch.Tensor] = field(default_factory=list)  # per epoch: (k, 1, 28, 28) float CPU in [0, 1]

    @property
    def train_loss(self) -> list[float]:
        return [e.train_loss for e in self.epochs]

    @property
    def val_loss(self) -> list[float | None]:
        return [e.val_loss for e in self.epochs]

    def val_part(self, name: str) -> list[float | None]:
        """One part of the validation loss per epoch (e.g. ``"kl"``); ``None`` where it was not measured."""
        return [e.val_parts.get(name) for e in self.epochs]

    def to_dict(self) -> dict:
        """Plain Python types plus the snapshot tensors: what a checkpoint loads with ``weights_only=True``."""
        return {"epochs": [asdict(e) for e in self.epochs], "snapshots": list(self.snapshots)}

    @classmethod
    def from_dict(cls, d: dict) -> History:
        return cls([EpochStats(**e) for e in d["epochs"]], list(d.get("snapshots", [])))

    def __str__(self) -> str:
        parts = list(dict.fromkeys(name for e in self.epochs for name in e.val_parts))  # a VAE's: reconstruction, kl
        header = "".join(f"  {'val ' + p:>18}" for p in parts)
        lines = [f"epoch  train_loss    val_loss{header}  seconds  samples/s"]
        for e in self.epochs:
            val = f"{e.val_loss:10.6f}" if e.val_loss is not None else f"{'-':>10}"
            cols = "".join(f"  {e.val_parts[p]:18.6f}" if p in e.val_parts else f"  {'-':>18}" for p in parts)
            lines.append(
                f"{e.epoch:5d}  {e.train_loss:10.6f}  {val}{cols}  {e.seconds:7.1f}  {e.samples_per_sec:9.0f}"
            )
        return "\n".join(lines)

    __repr__ = __str__  # a notebook cell ending in fit(...) shows the table, not every snapshot tensor


UNRECORDED_DEFAULTS = {"schedule": ("constant",), "term_weights": (None, {})}


def run_settings(**settings) -> dict:
    """The training settings a run's identity records (and a recipe passes to :func:`fit`): every one given, except
    those left at a default that runs written before they existed never recorded (``schedule="constant"``, no
    ``term_weights``), so that every older checkpoint keeps its identity."""
    out = {k: v for k, v in settings.items() if not (k in UNRECORDED_DEFAULTS and v in UNRECORDED_DEFAULTS[k])}
    if out.get("term_weights"):
        out["term_weights"] = dict(sorted(out["term_weights"].items()))
    return out


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → ``cuda`` if available, else ``cpu``; anything else as ``torch.device`` understands it."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but no CUDA GPU is available; use device='auto' or 'cpu'.")
    return device


def _derive(seed: int, epoch: int, stream: int) -> int:
    """The seed of one random stream of one epoch, from ``(seed, epoch, stream)`` alone.

    Nothing carries over from epoch to epoch, so resuming at epoch 3 draws exactly what epoch 3 of an
    uninterrupted run draws, without saving any generator state.
    """
    return ((seed * 1_000_003 + epoch) * 16 + stream) % 2**63


def _generator(seed: int, epoch: int, stream: int, device: torch.device | str) -> torch.Generator:
    return torch.Generator(device).manual_seed(_derive(seed, epoch, stream))


def _prepare(images: torch.Tensor, scale: str, device: torch.device, fmt: torch.memory_format) -> torch.Tensor:
    """uint8 ``(N, 28, 28)`` / float ``(N, 1, 28, 28)`` in [0, 1] → float ``(N, 1, 28, 28)`` in ``scale`` on the
    device; float ``(N, 784)`` keeps its flat shape (the input some dense models expect)."""
    if images.dtype != torch.uint8:
        lo, hi = images.min().item(), images.max().item()
        if lo < 0 or hi > 1:
            raise ValueError(
                f"float images must be in [0, 1] (fit rescales them to scale={scale!r} itself); "
                f"got values in [{lo:.3g}, {hi:.3g}]. Pass the uint8 images, or x / 255."
            )
    images = images.to(device)  # move uint8 before converting: a quarter of the bytes to copy
    if images.dtype != torch.uint8 and images.dim() == 2:
        return to_scale(images.float(), scale)
    return to_float(images, scale).contiguous(memory_format=fmt)


def _batches(
    data: torch.Tensor | Iterable,
    batch_size: int,
    device: torch.device,
    fmt: torch.memory_format,
    order: torch.Tensor | None = None,
) -> Iterator[torch.Tensor]:
    """Float batches on the device: slices of a prepared tensor (taken in ``order`` if given), or the ``x`` of
    each item of an iterable (``(x, y)`` tuples or plain ``x``), used as given."""
    if isinstance(data, torch.Tensor):
        for start in range(0, len(data), batch_size):
            yield data[start : start + batch_size] if order is None else data[order[start : start + batch_size]]
        return
    for item in data:
        x = item[0] if isinstance(item, (tuple, list)) else item
        if not x.is_floating_point():
            raise TypeError(
                f"batches must be float images in the model's scale, got {x.dtype}; use "
                "transforms.ToTensor() or aelib.transforms.to_float."
            )
        x = x.to(device, non_blocking=True)
        yield x.contiguous(memory_format=fmt) if x.dim() == 4 else x


def _corrupt(x: torch.Tensor, std: float, scale: str, generator: torch.Generator) -> torch.Tensor:
    """The course's noise model in pixel units: to [0, 1], add noise and clip, back to the model's scale."""
    return to_scale(add_gaussian_noise(to_unit(x, scale), std, generator), scale)


def _train_epoch(
    model: nn.Module,
    batches: Iterator[torch.Tensor],
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    noise_std: float | None,
    scale: str,
    noise_gen: torch.Generator,
    bar: tqdm,
    epoch: int,
    lr: float,
    lr_at: Callable[[int], float] | None = None,
    first_step: int = 0,
    term_weights: dict[str, float] | None = None,
) -> tuple[float, int, dict[str, float]]:
    """One pass over ``batches``; returns (true mean loss over samples, number of samples, mean of each part).

    ``lr_at(step)``: the learning rate of each optimizer step (``first_step`` is this epoch's first), if scheduled.
    The loss and its parts are :func:`aelib.losses.objective`'s (parts only for a model with ``loss_terms``)."""
    model.train()
    losses, sizes = [], []  # per batch: mean loss (kept on the device) and batch size
    part_sums: dict[str, torch.Tensor] = {}  # per part: sum over samples, on the device (read once, at the end)
    total, checked = 0.0, 0
    for i, x in enumerate(batches):
        inputs = _corrupt(x, noise_std, scale, noise_gen) if noise_std else x
        loss, parts = objective(model, inputs, x, loss_fn, term_weights)  # the target is always the clean image
        for name, part in parts.items():
            part_sums[name] = part_sums.get(name, 0) + part.detach().double() * len(x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if lr_at is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(first_step + i)
        optimizer.step()
        losses.append(loss.detach())
        sizes.append(len(x))
        bar.update(1)
        # .item() makes the device finish its queue and checking for NaN costs a few small ops: read the losses back
        # every 20 batches (a NaN is still caught, with its batch number). A CPU step of a small model takes ~1.5 ms,
        # and reading back after each one made a Fashion-MNIST epoch 8 % slower.
        if (i + 1) % 20 == 0:
            total += _read_back(losses, sizes, checked, epoch, lr, scale)
            checked = len(losses)
            bar.set_postfix_str(f"loss {total / sum(sizes):.5f}", refresh=False)  # refresh=False: obey mininterval
    if checked < len(losses):
        total += _read_back(losses, sizes, checked, epoch, lr, scale)
    if not sizes:
        raise ValueError("the training data yielded no batches.")
    n = sum(sizes)  # true means: a short last batch weighs what its samples weigh
    return total / n, n, {name: s.item() / n for name, s in part_sums.items()}


def _read_back(losses: list[torch.Tensor], sizes: list[int], start: int, epoch: int, lr: float, scale: str) -> float:
    """Sum of ``loss * batch_size`` over ``losses[start:]``; raise TrainingDiverged at the first NaN/inf."""
    chunk = torch.stack(losses[start:])
    bad = ~torch.isfinite(chunk)
    if bad.any():
        i = int(bad.nonzero()[0])
        raise TrainingDiverged(epoch, start + i + 1, chunk[i].item(), lr, scale)
    return (chunk.double() * torch.tensor(sizes[start:], dtype=torch.float64, device=chunk.device)).sum().item()


@torch.no_grad()
def _evaluate(
    model: nn.Module,
    data: torch.Tensor | Iterable,
    loss_fn: LossFn,
    noise_std: float | None,
    scale: str,
    generator: torch.Generator,
    batch_size: int,
    device: torch.device,
    fmt: torch.memory_format,
    term_weights: dict[str, float] | None = None,
) -> tuple[float, dict[str, float]]:
    """Mean loss over ``data`` in eval mode, and the mean of each of its parts (:func:`aelib.losses.objective`);
    the noise comes from ``generator`` (fresh each call: a fixed draw)."""
    model.eval()
    total, n = torch.zeros((), dtype=torch.float64, device=device), 0
    part_sums: dict[str, torch.Tensor] = {}
    for x in _batches(data, batch_size, device, fmt):
        inputs = _corrupt(x, noise_std, scale, generator) if noise_std else x
        loss, parts = objective(model, inputs, x, loss_fn, term_weights)
        total += loss.double() * len(x)
        for name, part in parts.items():
            part_sums[name] = part_sums.get(name, 0) + part.double() * len(x)
        n += len(x)
    return total.item() / n, {name: s.item() / n for name, s in part_sums.items()}


@torch.no_grad()
def _reconstruct(model: nn.Module, x: torch.Tensor, scale: str) -> torch.Tensor:
    """Reconstructions of ``x`` as ``(k, 1, 28, 28)`` float CPU pixels in [0, 1], for display."""
    model.eval()
    return to_unit(match_shape(model(x), x), scale).reshape(len(x), 1, 28, 28).clamp(0, 1).float().cpu().contiguous()


def _existing_run(path: str | os.PathLike, model: nn.Module, config: dict) -> tuple[dict | None, str | None]:
    """What ``path`` holds, before ``fit`` writes there: ``(checkpoint, None)`` if it is a run of this architecture
    and these settings (validation and watch images aside), else ``(None, why it is another run)``."""
    try:
        saved = load_checkpoint(path)
    except CheckpointError as err:
        return None, err.reason
    try:
        check_architecture(saved, model, path)
    except CheckpointError:
        found = saved["model_class"]
        shapes = " with other shapes" if found == type(model).__name__ else ""
        return None, f"holds a run of another architecture ({found}{shapes}; the model given is {type(model).__name__})"
    other = other_run(saved["config"], config)
    return (None, other) if other else (saved, None)


def _env_flag(name: str, default: bool) -> bool:
    """An on/off environment variable: unset or empty gives ``default``; 0, false, no, off (any case) mean off."""
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


def _progress_enabled(progress: bool | None) -> bool:
    return _env_flag("AELIB_PROGRESS", True) if progress is None else bool(progress)


def fit(
    model: nn.Module,
    train: torch.Tensor | Iterable,
    *,
    epochs: int = 1,
    batch_size: int = 64,
    lr: float = 1e-3,
    schedule: str = "constant",
    weight_decay: float = 0.0,
    loss: str | LossFn = "mse",
    noise_std: float | None = None,
    scale: str = "unit",
    val: float | torch.Tensor | Iterable | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool | None = None,
    watch: torch.Tensor | None = None,
    channels_last: bool | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: str | os.PathLike | None = None,
    reuse: bool | None = None,
    overwrite: bool = False,
    tags: dict[str, str] | None = None,
    on_epoch: Callable[[EpochStats, nn.Module], bool | None] | None = None,
    term_weights: dict[str, float] | None = None,
) -> History:
    """Train an autoencoder to reconstruct its (clean) input with Adam; return its :class:`History`.

    - ``train``: images, uint8 ``(N, 28, 28)`` or float in [0, 1] ``(N, 1, 28, 28)`` / ``(N, 784)`` (fast path;
      ``fit`` rescales them to ``scale``), or an iterable of batches, ``x`` or ``(x, y)``, float in the model's
      scale, used as given.
    - ``schedule``: ``"constant"`` (``lr`` throughout) or ``"onecycle"`` (warm up to ``lr``, then anneal over all
      ``epochs``: :func:`learning_rate`); needs ``train`` of known length.
    - ``loss``: ``"mse"``, ``"half_mse"`` (0.5 · MSE), ``"bce"`` (sigmoid output, unit scale), ``"bce_sum"``
      (the same summed over each image's pixels: nats per image, a VAE's) or ``callable(recon, target)``
      returning the batch mean. Epoch losses are true means over samples.
    - A model that adds terms to its loss (a VAE's KL: the loss-terms protocol of :mod:`aelib.losses`, a
      ``loss_terms(x)`` method) is trained on ``loss + Σ term_weights[name] · term``; ``term_weights`` default to
      1 each (``{"kl": 4.0}``: a β-VAE). Each part's epoch mean is kept, unweighted, in ``EpochStats.train_parts``
      and ``val_parts``.
    - ``noise_std``: denoising. Inputs get ``N(0, noise_std²)`` noise in [0, 1] pixel units, clipped to [0, 1];
      the target stays the clean image.
    - ``val``: a fraction of ``train`` to hold out (chosen by ``seed``), or validation images (like ``train``).
      Its loss is computed after each epoch in eval mode with the same noise draw every epoch.
    - ``seed`` controls the validation split, each epoch's shuffling and noise, the validation noise, and the
      global torch RNG during each epoch (dropout), each derived from ``(seed, epoch)``. Not the initial
      weights: call ``torch.manual_seed`` before building the model. The caller's RNG state is left untouched.
    - ``device``: ``"auto"`` (cuda if available), ``"cpu"``, ``"cuda"``; the model and data move there.
    - ``progress``: a tqdm bar per epoch; ``None`` follows ``AELIB_PROGRESS`` (``0`` turns it off).
    - ``watch``: a few images whose reconstructions are kept after each epoch in ``history.snapshots``.
    - ``channels_last``: ``None`` = on for conv models on the CPU (faster there); converts model and data.
    - ``checkpoint``: a file saved after every epoch. ``resume``: a checkpoint to continue from; ``epochs`` is
      the total, so 2 epochs then ``resume`` with ``epochs=4`` equals 4 epochs straight.
    - ``reuse``: if ``checkpoint`` already holds this run finished — same architecture (class, shapes, layers),
      settings, seed, training/validation/watch images and ``epochs`` — load its weights and return its history
      instead of training again. ``None`` follows ``AELIB_REUSE_CHECKPOINTS`` (off unless set to 1). It trusts
      the model's code: after editing a model class, delete its checkpoints.
    - ``overwrite``: without it, ``fit`` refuses (:class:`CheckpointExistsError`, before training) to write
      ``checkpoint`` over a file that holds another run — another architecture, other settings, seed, epochs or
      training images — or no readable aelib run at all; a file of this same run is rewritten after every epoch.
      ``resume`` from the same file continues the run in place.
    - ``tags``: names recorded with the run in its checkpoint (``aelib.recipes``: the recipe and data set).
    - ``on_epoch(stats, model)``: called after each epoch (and its checkpoint); returning ``True`` stops the run
      there, e.g. when a target is reached or time is up. The checkpoint then holds the epochs run so far, and
      ``resume`` continues it exactly.

    Raises :class:`TrainingDiverged` if the loss becomes NaN/inf. The model is left in eval mode on ``device``.
    """
    check_scale(scale)
    if not callable(loss) and loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; use one of {', '.join(LOSSES)} or a callable(recon, target).")
    if loss in ("bce", "bce_sum") and scale != "unit":
        raise ValueError(f"loss={loss!r} compares pixels as probabilities: use scale='unit' and a sigmoid output.")
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; use one of {', '.join(SCHEDULES)}.")
    if batch_size < 1 or epochs < 0:
        raise ValueError(f"need batch_size >= 1 and epochs >= 0, got {batch_size} and {epochs}.")
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    device = resolve_device(device)
    if channels_last is None:
        channels_last = device.type == "cpu" and any(
            isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in model.modules()
        )
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        model.to(device, memory_format=torch.channels_last)
    else:
        model.to(device)
    if device.type == "cpu":
        flush_denormals()  # tiny Adam moments late in training turn into denormals: very slow (see aelib.cpu)

    # Which run this is, recorded in its checkpoint: a file of another run is never written over unasked.
    config: dict = {}
    if checkpoint is not None or resume is not None:
        settings = run_settings(epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                                loss=loss_name, noise_std=noise_std, scale=scale, seed=seed, schedule=schedule,
                                term_weights=term_weights)
        config = run_identity(model, train, settings, val=val, watch=watch, tags=tags)
    in_place = resume is not None and checkpoint is not None and Path(resume).resolve() == Path(checkpoint).resolve()
    if checkpoint is not None and Path(checkpoint).exists() and not in_place:
        saved, other = _existing_run(checkpoint, model, config)
        if other and not overwrite:
            raise CheckpointExistsError(checkpoint, other)
        reuse = (_env_flag("AELIB_REUSE_CHECKPOINTS", False) if reuse is None else reuse) and resume is None
        finished = saved is not None and saved["epoch"] == epochs
        if finished and reuse and saved["config"] == config and "unverifiable" not in config.values():
            model.load_state_dict(saved["model"])  # the same run, val and watch images too: its history is ours
            model.eval()
            print(f"{checkpoint}: this run, already finished ({epochs} epochs, same settings and data): "
                  "loaded instead of trained again.")
            return History.from_dict(saved["history"])
        if saved is not None and not finished and not overwrite:
            print(f"{checkpoint} holds {saved['epoch']} of this run's {epochs} epochs: training it again from "
                  f"epoch 1 (resume={str(checkpoint)!r} would continue it).")

    # Data: tensors become float on the device once; a fraction of them can be held out for validation.
    if isinstance(val, torch.Tensor):
        val = _prepare(val, scale, device, fmt)
    if isinstance(train, torch.Tensor):
        train = _prepare(train, scale, device, fmt)
        if isinstance(val, float):
            if not 0 < val < 1:
                raise ValueError(f"val as a fraction must be in (0, 1), got {val}.")
            order = torch.randperm(len(train), generator=_generator(seed, 0, VAL_SPLIT, "cpu")).to(device)
            n_val = max(1, round(val * len(train)))
            train, val = train[order[n_val:]], train[order[:n_val]]
    elif isinstance(val, float):
        raise ValueError("val as a fraction needs train as a tensor; pass validation images or a DataLoader.")
    watch = _prepare(watch, scale, device, fmt) if watch is not None else None
    n_batches = math.ceil(len(train) / batch_size) if isinstance(train, torch.Tensor) else None
    if n_batches is None and hasattr(train, "__len__"):
        n_batches = len(train)
    lr_at = None
    if schedule != "constant":
        if n_batches is None:
            raise ValueError(f"schedule={schedule!r} needs to know the number of batches: pass images as a tensor "
                             "or an iterable with len().")
        total_steps = max(1, epochs * n_batches)

        def lr_at(step: int) -> float:
            return learning_rate(schedule, lr, min(step, total_steps - 1), total_steps)

    # fused=True: one kernel updates all parameters (measured here: a dense MNIST epoch 3.5 s → 2.6 s on 2 cores).
    fused = device.type in ("cpu", "cuda")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, fused=fused)
    history, start = History(), 1
    if resume is not None:
        saved = load_checkpoint(resume, model, optimizer)
        for group in optimizer.param_groups:  # this call's settings win over the saved ones
            group["lr"], group["weight_decay"] = lr, weight_decay
        changed = {  # validation and watch images change what is recorded, not what is trained
            k: (v, config.get(k))
            for k, v in (saved.get("config") or {}).items()
            if k not in (*RECORDED_ONLY, "epochs", "tags") and config.get(k) != v
        }
        if changed:
            warnings.warn(
                f"resuming {resume} with changed settings (saved, now): {changed}; the run will not "
                "match an uninterrupted one.",
                stacklevel=2,
            )
        history, start = History.from_dict(saved["history"]), saved["epoch"] + 1
        if start > epochs + 1:
            raise ValueError(
                f"{resume} has {saved['epoch']} epochs already, more than epochs={epochs} "
                "(epochs counts the total, including those in the checkpoint)."
            )

    show = _progress_enabled(progress)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):  # the caller's RNG stays put
        for epoch in range(start, epochs + 1):
            torch.manual_seed(_derive(seed, epoch, MODEL_RNG))  # dropout and other random ops in the model
            t0 = time.perf_counter()
            order = None
            if isinstance(train, torch.Tensor):
                g = _generator(seed, epoch, SHUFFLE, device)
                order = torch.randperm(len(train), generator=g, device=device)
            batches = _batches(train, batch_size, device, fmt, order)
            with tqdm(
                total=n_batches, desc=f"epoch {epoch}/{epochs}", unit="batch", mininterval=0.5, disable=not show
            ) as bar:
                noise_gen = _generator(seed, epoch, NOISE, device)
                train_loss, n, train_parts = _train_epoch(
                    model, batches, optimizer, loss_fn, noise_std, scale, noise_gen, bar, epoch, lr,
                    lr_at, (epoch - 1) * (n_batches or 0), term_weights,
                )
                train_seconds = time.perf_counter() - t0
                val_loss, val_parts = None, {}
                if val is not None:
                    val_gen = _generator(seed, 0, VAL_NOISE, device)  # the same draw every epoch: comparable
                    torch.manual_seed(_derive(seed, 0, VAL_MODEL_RNG))  # and the same samples a model draws (a VAE)
                    val_loss, val_parts = _evaluate(
                        model, val, loss_fn, noise_std, scale, val_gen, max(batch_size, 512), device, fmt,
                        term_weights,
                    )
                bar.set_postfix_str(f"loss {train_loss:.5f}" + (f", val {val_loss:.5f}" if val is not None else ""))
            if watch is not None:
                history.snapshots.append(_reconstruct(model, watch, scale))
            history.epochs.append(
                EpochStats(epoch, train_loss, val_loss, time.perf_counter() - t0, n / max(train_seconds, 1e-9),
                           train_parts, val_parts)
            )
            if checkpoint is not None:
                rng_state = {"seed": seed}  # all the randomness of an epoch derives from (seed, epoch)
                save_checkpoint(checkpoint, model, optimizer, epoch, history, rng_state, config)
            if on_epoch is not None and on_epoch(history.epochs[-1], model):
                break
    model.eval()
    return history
