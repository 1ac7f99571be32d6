"""The 2006 deep-autoencoder challenge: ``python -m aelib challenge hinton2006``.

Hinton & Salakhutdinov (Science, 2006, Fig. 2) squeezed MNIST test digits through 30 numbers with a
784-1000-500-250-30 autoencoder, pre-trained layer by layer and fine-tuned for hours, and reported the average
squared error per image: 3.00, against 8.01 for logistic PCA and 13.87 for PCA. This runs the long recipe of
lesson 07's deep model (recipes.HINTON_2006.original(): the same model and data, 75 epochs with a one-cycle
schedule) and, after every epoch, prints the test SSE per image against 3.00. It stops when the figure passes
the target, when the time budget would be exceeded by one more epoch, or at the recipe's last epoch.

The run is a normal ``fit`` run: a progress bar per epoch, a checkpoint after every epoch, and ``--resume``
continues it exactly where it stopped (the time budget counts the training time of every session of the run).
An existing checkpoint is never replaced unasked: ``--resume`` continues it, ``--restart`` starts over.
The per-epoch figures are also written next to the checkpoint, as JSON (``<checkpoint>.json``), for plots.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from aelib import data, metrics, recipes
from aelib.checkpoint import load_checkpoint
from aelib.data import write_atomic
from aelib.train import EpochStats

PAPER_SSE = {"deep autoencoder": 3.00, "logistic PCA": 8.01, "PCA": 13.87}  # Science 2006, Fig. 2, MNIST test
CHALLENGES = {"hinton2006": (recipes.HINTON_2006, PAPER_SSE["deep autoencoder"])}  # name → (recipe, target)


@dataclass
class ChallengeEpoch:
    epoch: int
    test_sse: float  # squared error per test image, pixels in [0, 1]
    minutes: float  # training time of the run so far (all sessions), evaluation included


@dataclass
class ChallengeResult:
    recipe: str
    target: float
    epochs: list[ChallengeEpoch] = field(default_factory=list)
    stopped: str = ""  # "target", "time" or "epochs"
    train_sse: float | None = None  # the final model on its training images: how much of the test error is a gap

    @property
    def best(self) -> ChallengeEpoch | None:
        return min(self.epochs, key=lambda e: e.test_sse, default=None)

    @property
    def passed(self) -> ChallengeEpoch | None:
        """The first epoch at or below the target, if any."""
        return next((e for e in self.epochs if e.test_sse <= self.target), None)

    def summary(self) -> str:
        best = self.best
        if best is None:
            return f"{self.recipe}: no epoch run."
        line = (f"{self.recipe}: best test SSE per image {best.test_sse:.2f} at epoch {best.epoch} "
                f"({best.minutes:.1f} min); the paper's deep autoencoder: {self.target:.2f}. ")
        passed = self.passed
        line += (f"Passed it at epoch {passed.epoch}, after {passed.minutes:.1f} min." if passed
                 else f"Not passed ({self.stopped}).")
        if self.train_sse is not None:
            line += (f"\nOn its training images the last model scores {self.train_sse:.2f} against "
                     f"{self.epochs[-1].test_sse:.2f} on the test images.")
        return line


def _records(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _save(result: ChallengeResult, path: Path) -> None:
    write_atomic(_records(path), json.dumps(asdict(result), indent=1).encode())


def run(
    recipe: recipes.Recipe,
    target: float,
    *,
    minutes: float = 30.0,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    restart: bool = False,
    progress: bool | None = None,
    train_images: torch.Tensor | None = None,
    test_images: torch.Tensor | None = None,
    say: Callable[[str], None] = print,
) -> ChallengeResult:
    """Train ``recipe`` with a checkpoint, scoring the test SSE per image after each epoch; see the module.

    ``minutes``: the training-time budget of the whole run (resumed sessions included); an epoch is not started
    when the last one's time would take the run past it. ``train_images`` / ``test_images``: uint8 ``(N, 28, 28)``,
    by default the recipe's data set's splits (tests pass small ones). Returns the per-epoch figures.
    """
    if minutes <= 0:
        raise ValueError(f"minutes must be positive, got {minutes}.")
    if resume and restart:
        raise ValueError("--resume continues the run in the checkpoint, --restart replaces it: choose one.")
    if test_images is None:
        test_images, _ = data.load(recipe.dataset, "test")
    # train_images None: the recipe's own training split (recipes.train loads it), so the default checkpoint's
    # name and tags are those of the recipe's run, as `--plot` and `--resume` look it up.
    path = Path(checkpoint) if checkpoint is not None else recipes.checkpoint_path(recipe, images=train_images)
    result, spent = ChallengeResult(recipe.name, target), 0.0
    if path.exists() and not (resume or restart):
        saved = load_checkpoint(path)
        raise FileExistsError(
            f"{path} already holds {saved['epoch']} epochs of a run: --resume continues it, --restart replaces it "
            "(or pass --checkpoint with another file)."
        )
    if resume and path.exists():
        epochs_saved = load_checkpoint(path)["history"]["epochs"]
        if _records(path).exists():
            records = json.loads(_records(path).read_text())["epochs"]
            result.epochs = [ChallengeEpoch(**e) for e in records if e["epoch"] <= len(epochs_saved)]
        spent = result.epochs[-1].minutes * 60 if result.epochs else sum(e["seconds"] for e in epochs_saved)
    elif resume:
        say(f"{path}: nothing to resume yet; starting the run.")
    budget = minutes * 60
    if result.epochs and spent >= budget:
        result.stopped = "time"
        say(f"{path}: the run has used {spent / 60:.1f} of its {minutes:g} minutes already; pass a larger "
            "--minutes to train it further.")
        say(result.summary())
        return result

    def after_epoch(stats: EpochStats, model: nn.Module) -> bool:
        nonlocal spent
        t0 = time.perf_counter()
        sse = metrics.evaluate(model, test_images, scale=recipe.scale)["sse_per_image"]
        spent += stats.seconds + (time.perf_counter() - t0)
        result.epochs = [e for e in result.epochs if e.epoch < stats.epoch]  # a resumed epoch replaces its record
        result.epochs.append(ChallengeEpoch(stats.epoch, sse, spent / 60))
        _save(result, path)
        best = result.best.test_sse
        say(f"epoch {stats.epoch:3d}/{recipe.epochs}  test SSE per image {sse:6.2f}  (best {best:.2f}, "
            f"target {target:.2f})  {spent / 60:5.1f} of {minutes:g} min")
        if sse <= target:
            result.stopped = "target"
        elif spent + stats.seconds > budget:
            result.stopped = "time"
        return bool(result.stopped)

    say(f"{recipe}\ncheckpoint: {path}")
    model, _ = recipes.train(recipe, images=train_images, checkpoint=path, overwrite=restart,
                             resume=path if resume and path.exists() else None, on_epoch=after_epoch,
                             progress=progress)
    result.stopped = result.stopped or "epochs"
    if train_images is None:
        train_images, _ = data.load(recipe.dataset, "train")
    result.train_sse = metrics.evaluate(model, train_images, scale=recipe.scale)["sse_per_image"]
    _save(result, path)
    say(result.summary())
    return result


def plot(records: str | Path, out: str | Path) -> Path:
    """Draw the per-epoch figures saved beside a run's checkpoint (``<checkpoint>.json``) to the PNG ``out``."""
    from aelib import plots  # matplotlib only when a figure is asked for

    records = Path(records)
    if not records.exists():
        raise FileNotFoundError(f"{records}: no records of a run here; run the challenge first (or pass "
                                "--checkpoint with the run's file).")
    saved = json.loads(records.read_text())
    epochs = [ChallengeEpoch(**e) for e in saved["epochs"]]
    if not epochs:
        raise ValueError(f"{records} holds no epoch yet.")
    fig = plots.plot_challenge([e.epoch for e in epochs], [e.test_sse for e in epochs], saved["target"],
                               reference={f"paper: {k}": v for k, v in PAPER_SSE.items() if v != saved["target"]},
                               title=f"{saved['recipe']}: test SSE per image after each epoch")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    return out


def add_parser(top: argparse._SubParsersAction) -> None:
    p = top.add_parser("challenge", help="a classic result to beat: `challenge hinton2006` (see challenge --help)",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("name", choices=list(CHALLENGES))
    p.add_argument("--minutes", type=float, default=30.0, help="training-time budget of the run (default 30)")
    p.add_argument("--checkpoint", default=None, help="where the run is saved (default: the checkpoint folder)")
    p.add_argument("--resume", action="store_true", help="continue the run in the checkpoint")
    p.add_argument("--restart", action="store_true", help="replace the run in the checkpoint with a new one")
    p.add_argument("--plot", metavar="PNG", default=None,
                   help="no training: draw the run's per-epoch test SSE (from <checkpoint>.json) to PNG")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    lesson_recipe, target = CHALLENGES[args.name]
    recipe = lesson_recipe.original()
    if args.plot:
        path = Path(args.checkpoint) if args.checkpoint else recipes.checkpoint_path(recipe)
        print(f"wrote {plot(_records(path), args.plot)}")
        return 0
    try:
        run(recipe, target, minutes=args.minutes, checkpoint=args.checkpoint, resume=args.resume,
            restart=args.restart)
    except FileExistsError as err:  # a run is there already: say how to continue or replace it, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0  # a run that ends without passing 3.00 is a result, not an error
