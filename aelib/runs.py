"""What a training run is: its settings, declared once, and everything decided from them — the identity recorded in a
checkpoint, whether a file on disk holds this run (to reuse it, or to refuse to write over another), and where a
recipe's run is saved.

    settings = RunSettings(epochs=10, batch_size=256)           # what fit(model, images, epochs=10, …) builds too
    settings.replace(lr=3e-3)                                    # another run
    fit(model, images, settings, checkpoint="ae.pt")

A new training setting is a field of :class:`RunSettings`, and nothing else: ``fit`` takes it as a keyword, a
:class:`~aelib.recipes.Recipe` has it, and a checkpoint records it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from torch import nn

from aelib import data
from aelib.checkpoint import CheckpointError, CheckpointExistsError, check_architecture, fingerprint, load_checkpoint
from aelib.losses import LOSSES, LossFn
from aelib.schedule import SCHEDULES
from aelib.transforms import check_scale

RECORDED_ONLY = ("val", "watch")  # change what a run records (validation losses, snapshots), not what it trains


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """The settings that make a training run this run (Adam on a reconstruction loss; see :func:`aelib.train.fit`).

    - ``epochs``: the total number of passes; ``batch_size``: images per step.
    - ``lr``, ``weight_decay``: Adam's; ``schedule``: ``"constant"`` or ``"onecycle"`` (warm up to ``lr``, then
      anneal over all epochs: :func:`aelib.schedule.learning_rate`).
    - ``loss``: ``"mse"``, ``"half_mse"`` (0.5 · MSE), ``"bce"`` (sigmoid output, unit scale), ``"bce_sum"`` (summed
      over each image's pixels: nats per image, a VAE's), or ``callable(recon, target)`` returning the batch mean.
    - ``scale``: the pixel scale the model works in, ``"unit"`` [0, 1] or ``"symmetric"`` [-1, 1].
    - ``noise_std``: denoising: inputs get ``N(0, noise_std²)`` noise in [0, 1] pixel units, clipped.
    - ``term_weights``: weights of the terms a model adds to its loss (:mod:`aelib.losses`), e.g.
      ``(("kl", 4.0),)`` for a β-VAE (a dict is accepted); each defaults to 1.
    - ``seed``: every random draw of training (split, shuffling, noise, dropout), derived from ``(seed, epoch)``.
    """

    epochs: int = 1
    batch_size: int = 64
    lr: float = 1e-3
    schedule: str = "constant"
    weight_decay: float = 0.0
    loss: str | LossFn = "mse"
    scale: str = "unit"
    noise_std: float | None = None
    term_weights: tuple[tuple[str, float], ...] = ()
    seed: int = 0

    def __post_init__(self):
        if isinstance(self.term_weights, dict) or self.term_weights is None:
            object.__setattr__(self, "term_weights", tuple(sorted((self.term_weights or {}).items())))
        check_scale(self.scale)
        if not callable(self.loss) and self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; use one of {', '.join(LOSSES)} or a "
                             "callable(recon, target).")
        if self.loss in ("bce", "bce_sum") and self.scale != "unit":
            raise ValueError(f"loss={self.loss!r} compares pixels as probabilities: use scale='unit' and a sigmoid "
                             "output.")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; use one of {', '.join(SCHEDULES)}.")
        if self.batch_size < 1 or self.epochs < 0:
            raise ValueError(f"need batch_size >= 1 and epochs >= 0, got {self.batch_size} and {self.epochs}.")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(RunSettings))

    @classmethod
    def of(cls, settings: RunSettings | None = None, **changes) -> RunSettings:
        """``settings`` (default: all defaults; anything with these fields, a :class:`~aelib.recipes.Recipe` too) with
        ``changes``; an unknown name is refused with the known ones."""
        unknown = sorted(set(changes) - set(cls.names()))
        if unknown:
            raise TypeError(f"unknown training setting {', '.join(map(repr, unknown))}; the settings are "
                            f"{', '.join(cls.names())} (and fit's own: val, watch, device, checkpoint, …).")
        base = settings if settings is not None else RunSettings()
        return RunSettings(**{**{n: getattr(base, n) for n in cls.names()}, **changes})

    def replace(self, **changes) -> RunSettings:
        return replace(self, **changes)

    @property
    def loss_fn(self) -> LossFn:
        return LOSSES[self.loss] if isinstance(self.loss, str) else self.loss

    def record(self) -> dict:
        """The settings as a checkpoint records them: plain types, the loss by its name."""
        out = {n: getattr(self, n) for n in self.names()}
        if not isinstance(self.loss, str):
            out["loss"] = getattr(self.loss, "__name__", type(self.loss).__name__)
        out["term_weights"] = dict(self.term_weights)
        return out


# ----------------------------------------------------------------------------------------------------------------
# Identity: is a saved run this run?


def identity(
    model: nn.Module, settings: RunSettings, images: object, *, val: object = None, watch: object = None,
    tags: dict[str, str] | None = None,
) -> dict:
    """What makes a training run this run, as stored in its checkpoint's ``config``: the settings, the layers
    (``str(model)``), fingerprints of the images as given to ``fit`` (training, validation, watch) and ``tags``
    (``aelib.recipes``: the recipe and its data set)."""
    return {
        **settings.record(),
        "model": str(model),
        "data": fingerprint(images),
        "val": fingerprint(val),
        "watch": fingerprint(watch),
        "tags": dict(tags or {}),
    }


def differences(saved: dict | None, config: dict) -> list[str]:
    """How the run recorded in ``saved`` (a checkpoint's config) differs from ``config``, ignoring what a run only
    records (validation and watch images); ``[]`` means the same run. One short phrase per difference."""
    saved = saved or {}
    out = []
    for key in [k for k in {**saved, **config} if k not in RECORDED_ONLY]:
        if key not in saved:
            out.append(f"no record of {key}")
        elif saved[key] != config.get(key):
            if key == "model":
                out.append("other layers")
            elif key == "data":
                out.append("other training images")
            else:
                out.append(f"{key}={saved[key]!r} where this run has {config.get(key)!r}")
    return out


def other_run(saved: dict | None, config: dict) -> str | None:
    """``None`` if ``saved`` (a checkpoint's config) records the run ``config`` describes, else the reason in one
    line: "holds another run (lr=0.01 where this run has 0.001; …)"."""
    found = differences(saved, config)
    return "holds another run (" + "; ".join(found[:4]) + ")" if found else None


def existing_run(path: str | os.PathLike, model: nn.Module, config: dict) -> tuple[dict | None, str | None]:
    """What ``path`` holds: ``(checkpoint, None)`` if it is a run of this architecture and ``config`` (validation and
    watch images aside), else ``(None, why it is another run)``."""
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


def env_flag(name: str, default: bool) -> bool:
    """An on/off environment variable: unset or empty gives ``default``; 0, false, no, off (any case) mean off."""
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


def finished_run(
    checkpoint: str | os.PathLike, model: nn.Module, config: dict, *, epochs: int, reuse: bool | None, overwrite: bool
) -> dict | None:
    """Before ``fit`` writes ``checkpoint``: the saved run to load instead of training, or ``None`` to train.

    Refuses (:class:`CheckpointExistsError`) a file of another run unless ``overwrite``. With ``reuse`` (``None``
    follows ``AELIB_REUSE_CHECKPOINTS``, off by default) a file holding this very run, finished, with the same
    validation and watch images too, is returned; an unfinished one is said to be trained again from epoch 1.
    """
    if not Path(checkpoint).exists():
        return None
    saved, other = existing_run(checkpoint, model, config)
    if other and not overwrite:
        raise CheckpointExistsError(checkpoint, other)
    reuse = env_flag("AELIB_REUSE_CHECKPOINTS", False) if reuse is None else reuse
    finished = saved is not None and saved["epoch"] == epochs
    if finished and reuse and saved["config"] == config and "unverifiable" not in config.values():
        print(f"{checkpoint}: this run, already finished ({epochs} epochs, same settings and data): "
              "loaded instead of trained again.")
        return saved
    if saved is not None and not finished and not overwrite:
        print(f"{checkpoint} holds {saved['epoch']} of this run's {epochs} epochs: training it again from "
              f"epoch 1 (resume={str(checkpoint)!r} would continue it).")
    return None


def resume_changes(saved: dict | None, config: dict) -> dict:
    """Settings a resumed run changes, ``{name: (saved, now)}`` (validation and watch images only change what is
    recorded, the number of epochs and the tags only how far it goes and what it is called)."""
    return {
        k: (v, config.get(k))
        for k, v in (saved or {}).items()
        if k not in (*RECORDED_ONLY, "epochs", "tags") and config.get(k) != v
    }


# ----------------------------------------------------------------------------------------------------------------
# Where recipes' runs are kept


def checkpoint_dir() -> Path:
    """Where lessons save trained models: ``$AELIB_CHECKPOINTS``, else ``<data cache>/checkpoints``."""
    env = os.environ.get("AELIB_CHECKPOINTS")
    return Path(env).expanduser() if env else data.data_root() / "checkpoints"


def run_path(name: str, config: dict | None = None) -> Path:
    """``<checkpoint_dir>/<name>.pt`` for a lesson's own run (``config`` None); ``<name>-<key>.pt`` for any other,
    ``key`` a hash of its identity, so that an experiment never replaces the lesson's model, nor another one."""
    if config is None:
        return checkpoint_dir() / f"{name}.pt"
    key = hashlib.sha1(repr(sorted(config.items())).encode()).hexdigest()[:10]
    return checkpoint_dir() / f"{name}-{key}.pt"


__all__ = [
    "RECORDED_ONLY",
    "RunSettings",
    "checkpoint_dir",
    "differences",
    "existing_run",
    "finished_run",
    "identity",
    "other_run",
    "resume_changes",
    "run_path",
]
