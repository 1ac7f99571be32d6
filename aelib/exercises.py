"""Checks for the lessons' exercises: friendly, specific feedback, and an :class:`ExerciseError` on a wrong answer.

Each exercise in a lesson has a cell where the learner writes a function, then a check cell::

    from aelib.exercises import check_noise_fn
    check_noise_fn(add_noise)

A check *calls* the learner's function on fixed inputs (or trains what it builds, briefly, on a small subset) and
tests its behaviour — shapes, ranges, values, a training run reaching a bar — never its source text. On success it
prints one deterministic line, ``✓ Correct: …``. On a wrong answer it raises :class:`ExerciseError`, whose message
says what was expected, what was got, and a hint. A stub that still raises ``NotImplementedError`` gets
"Not done yet: …"; any other exception from the learner's code is wrapped, with the line of their cell it came
from, so a deep traceback from inside torch or aelib is never what the learner has to read. Inside IPython an
:class:`ExerciseError` is shown as its message alone (see :func:`install_ipython_handler`).

Checks return ``None``: nbgrader reads a grade cell's value as partial credit, so they must not return one.
``hidden=True`` runs the extra cases of the instructors' hidden tests (no output on success).
"""

from __future__ import annotations

import copy
import functools
import linecache
import math
import traceback
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any, NoReturn

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aelib import data, metrics, models
from aelib.models import layer_shapes
from aelib.train import fit
from aelib.transforms import to_float

__all__ = [
    "ExerciseError",
    "check_to_symmetric",
    "check_batches_per_epoch",
    "check_shuffled_batches",
    "check_shape_table",
    "check_encoder_parameters",
    "check_code_size_experiment",
    "check_output_activations",
    "check_sigmoid_floor",
    "check_noise_fn",
    "check_deconv_size",
    "check_train_step",
    "check_loss_scale",
    "check_interpolation",
    "check_nearest_mse",
    "check_extrapolation",
    "install_ipython_handler",
]

OK = "✓ Correct: "


class ExerciseError(AssertionError):
    """A wrong or unfinished answer to an exercise. The message is written for the learner: it is all they need."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# ----------------------------------------------------------------------------------------------------------------
# Plumbing: calling the learner's code, reporting


def _fail(message: str) -> NoReturn:
    __tracebackhide__ = True
    raise ExerciseError(message) from None  # the message says it all: no "during handling of …" chain


def _ok(message: str) -> None:
    print(OK + message)


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _learner_line(tb) -> str:
    """' (in `fn`, line N of its cell: `code`)' for the deepest traceback frame in notebook code, else ''."""
    found = ""
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if filename.startswith("<") or "ipykernel_" in filename:  # a notebook cell (or code typed in a shell)
            text = linecache.getline(filename, lineno).strip()
            found = f" (in `{frame.f_code.co_name}`, line {lineno} of its cell: `{text}`)" if text else ""
    return found


def _call(fn: Callable, *args: Any, shown: str | None = None, hint: str = "", **kwargs: Any) -> Any:
    """Call the learner's ``fn``; turn whatever it raises into an :class:`ExerciseError` a learner can act on.

    ``shown`` is how the call is written in the message (default ``name(...)``); ``hint`` is added to the message
    of an unexpected exception.
    """
    __tracebackhide__ = True
    name = _name(fn)
    if not callable(fn):
        _fail(
            f"Expected a function here, got a {type(fn).__name__}. Pass the function itself: `{name}`, not `{name}()`."
        )
    shown = shown or f"{name}(...)"
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as err:
        if not str(err):  # the stub's bare `raise NotImplementedError()`
            _fail(
                f"Not done yet: replace the `raise NotImplementedError()` line in `{name}` with your code, run "
                "that cell, then run this check again."
            )
        where = _learner_line(err.__traceback__)
        _fail(f"`{shown}` raised NotImplementedError: {err}{where}." + (f" Hint: {hint}" if hint else ""))
    except ExerciseError:
        raise
    except Exception as err:  # the learner's bug: say what and where, without the traceback from deep inside
        where = _learner_line(err.__traceback__)
        message = str(err).strip().splitlines()[0] if str(err).strip() else ""
        _fail(
            f"`{shown}` raised {type(err).__name__}"
            + (f": {message}" if message else "")
            + f"{where}."
            + (f" Hint: {hint}" if hint else "")
        )


def _check(fn: Callable) -> Callable:
    """Decorate a check: it runs on one thread, from fixed seeds, without touching the notebook's global RNG or
    thread count, and returns None."""

    @functools.wraps(fn)
    def check(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # the checks' models are small: one thread is as fast, the same everywhere,
        try:  # and immune to the slowdown of two threads on a busy machine
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                fn(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)

    return check


@contextmanager
def _quiet_rng():
    """Run a check's own randomness from fixed seeds without touching the notebook's global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield


def _as_int(value: Any, what: str) -> int:
    __tracebackhide__ = True
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        _fail(f"{what} should be a whole number, got {value!r} ({type(value).__name__}).")
    return int(value)


def _as_float(value: Any, what: str) -> float:
    __tracebackhide__ = True
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _fail(f"{what} should be a number, got {value!r} ({type(value).__name__}).")
    return float(value)


def _as_tensor(value: Any, what: str) -> torch.Tensor:
    __tracebackhide__ = True
    if not isinstance(value, torch.Tensor):
        _fail(f"{what} should be a torch.Tensor, got {type(value).__name__}.")
    return value


def _choice(value: Any, options: Iterable[str], what: str) -> str:
    __tracebackhide__ = True
    options = list(options)
    if not isinstance(value, str) or value.strip().lower() not in options:
        _fail(f"{what} should be one of {', '.join(repr(o) for o in options)}; got {value!r}.")
    return value.strip().lower()


def _shape(t: torch.Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def _uint8_batch(n: int, seed: int) -> torch.Tensor:
    """``n`` random 28×28 uint8 images with 0 and 255 in every image (fixed by ``seed``)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
    x[:, 0, 0], x[:, 0, 1], x[:, 0, 2] = 0, 255, 128
    return x


# ----------------------------------------------------------------------------------------------------------------
# IPython: show an ExerciseError as its message, not as a traceback


def _show_exercise_error(shell, etype, value, tb, tb_offset=None):  # IPython's custom-exception handler signature
    stb = [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def install_ipython_handler() -> bool:
    """Inside IPython/Jupyter, show an uncaught :class:`ExerciseError` as one red line with its message.

    Called when this module is imported. Does nothing outside IPython, or where another custom exception handler
    is already installed (it is never replaced). Returns whether the handler is (now) installed.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    installed = shell.custom_exceptions
    if installed == (ExerciseError,):
        return True
    ours = all(e.__name__ == "ExerciseError" and e.__module__ == __name__ for e in installed)
    if installed and not ours:  # someone else's handler: leave it alone (a reload of this module replaces ours)
        return False
    shell.set_custom_exc((ExerciseError,), _show_exercise_error)
    return True


# ----------------------------------------------------------------------------------------------------------------
# Lesson 01 — data loading


@_check
def check_to_symmetric(to_symmetric: Callable, hidden: bool = False) -> None:
    """``to_symmetric(images)``: uint8 ``(N, 28, 28)`` → float32 ``(N, 1, 28, 28)`` in [-1, 1], like
    ``ToTensor()`` followed by ``Normalize(0.5, 0.5)``."""
    __tracebackhide__ = True
    for images in [_uint8_batch(1, 1), _uint8_batch(7, 2)] if hidden else [_uint8_batch(4, 0)]:
        n, before = len(images), images.clone()
        got = _as_tensor(
            _call(to_symmetric, images, shown=f"to_symmetric(<uint8 images {_shape(images)}>)"),
            "The result of to_symmetric(images)",
        )
        if not torch.equal(images, before):
            _fail(
                "to_symmetric changed the images it was given (in place). Compute a new tensor instead, "
                "e.g. start from `images.float() / 255`."
            )
        if _shape(got) != (n, 1, 28, 28):
            hint = "Hint: ToTensor() adds a channel dimension; `x.unsqueeze(1)` turns (N, 28, 28) into (N, 1, 28, 28)."
            if got.numel() != n * 784:
                hint = "Hint: return one value per pixel, for every image."
            _fail(f"Expected shape ({n}, 1, 28, 28) for {n} images of 28×28, got {_shape(got)}. {hint}")
        if not got.is_floating_point():
            _fail(
                f"Expected float32 values, got dtype {got.dtype}. Hint: convert with `.float()` before dividing; "
                "integer division throws the fractions away."
            )
        if got.dtype != torch.float32:
            _fail(f"Expected dtype torch.float32 (what ToTensor gives), got {got.dtype}. Hint: use `.float()`.")
        pixels = images.float().unsqueeze(1) / 255
        expected = (pixels - 0.5) / 0.5
        if torch.allclose(got, expected, atol=1e-5):
            continue
        first = [round(v, 4) for v in got[0, 0, 0, :3].tolist()]
        seen = f"pixel values 0, 255, 128 became {first[0]}, {first[1]}, {first[2]}; expected -1.0, 1.0, 0.0039"
        if torch.allclose(got, pixels, atol=1e-5):
            _fail(
                f"Those are ToTensor's values in [0, 1] ({seen}). Hint: now apply Normalize(0.5, 0.5), which "
                "computes (x - 0.5) / 0.5."
            )
        if torch.allclose(got, pixels - 0.5, atol=1e-5):
            _fail(
                f"The values lie in [-0.5, 0.5] ({seen}). Hint: you subtracted the mean 0.5; also divide by the "
                "std 0.5."
            )
        if got.max().item() > 1.5:
            _fail(
                f"Values go up to {got.max().item():.4g} ({seen}). Hint: bytes run from 0 to 255; ToTensor "
                "divides them by 255 first."
            )
        _fail(f"Wrong values: {seen}. Hint: x / 255 gives [0, 1]; (x - 0.5) / 0.5 then gives [-1, 1].")
    if not hidden:
        _ok(
            "uint8 (N, 28, 28) → float32 (N, 1, 28, 28) in [-1, 1], the same numbers as ToTensor() + "
            "Normalize(0.5, 0.5)."
        )


@_check
def check_batches_per_epoch(batches_per_epoch: Callable, hidden: bool = False) -> None:
    """``batches_per_epoch()`` → ``(n_batches, last_batch_size)`` for 60,000 images at batch size 256."""
    __tracebackhide__ = True
    answer = _call(batches_per_epoch, shown="batches_per_epoch()")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        _fail(f"Return two numbers, (n_batches, last_batch_size); got {answer!r}.")
    n, last = (_as_int(v, what) for v, what in zip(answer, ("n_batches", "last_batch_size"), strict=True))
    if (n, last) == (235, 96):
        if not hidden:
            _ok("235 batches per epoch: 234 full ones of 256 images, then a last one of 96 (60,000 - 234 × 256).")
        return
    if n == 234:
        _fail(
            "234 is the number of FULL batches (234 × 256 = 59,904 images). Hint: the remaining 96 images "
            "form one more, partial batch, which a DataLoader keeps unless drop_last=True."
        )
    if (n, last) == (938, 32) or n == 938:
        _fail("That is for batch_size=64, the browsing loader. The question is about batch size 256.")
    if n == 235:
        _fail(f"235 batches is right, but the last one does not hold {last} images. Hint: 60,000 - 234 × 256.")
    _fail(
        f"Got {n} batches, last one {last} images. Hint: divide 60,000 by 256 and round UP — the last, "
        "partial batch counts too."
    )


def _ids(batch: torch.Tensor) -> list[int]:
    return batch.reshape(len(batch), -1)[:, 0].round().long().tolist()


@_check
def check_shuffled_batches(shuffled_batches: Callable, hidden: bool = False) -> None:
    """``shuffled_batches(x, batch_size, generator)`` → the batches of one epoch: slices of ``x`` taken in a random
    order drawn from ``generator``, each image exactly once."""
    __tracebackhide__ = True

    def run(n: int, batch_size: int, seed: int) -> list[torch.Tensor]:
        __tracebackhide__ = True
        x = torch.arange(n, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 1, 28, 28).clone()  # image i is all i
        shown = f"shuffled_batches(x of shape {_shape(x)}, {batch_size}, generator)"
        result = _call(shuffled_batches, x, batch_size, torch.Generator().manual_seed(seed), shown=shown)
        if isinstance(result, torch.Tensor) or not isinstance(result, Iterable):
            _fail(
                f"`{shown}` should return (or yield) a sequence of batches, got a {type(result).__name__}. "
                "Hint: collect the slices in a list, or `yield` each one."
            )
        batches = list(result)
        for i, b in enumerate(batches):
            if not isinstance(b, torch.Tensor) or b.dim() != 4 or _shape(b)[1:] != (1, 28, 28):
                what = _shape(b) if isinstance(b, torch.Tensor) else type(b).__name__
                _fail(
                    f"Batch {i} should be a tensor of images (B, 1, 28, 28), got {what}. Hint: slice x itself, "
                    "x[order[start:start + batch_size]]."
                )
        sizes = [len(b) for b in batches]
        want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        if sizes != want:
            _fail(
                f"For {n} images and batch_size={batch_size} expected batch sizes {want}, got {sizes}. Hint: "
                "step through the order with range(0, len(x), batch_size); the last batch may be smaller, and "
                "there is no empty one."
            )
        ids = [i for b in batches for i in _ids(b)]
        missing, repeated = n - len(set(ids)), len(ids) - len(set(ids))
        if missing or repeated:
            _fail(
                f"Every image should appear exactly once per epoch; {missing} of {n} never appeared and "
                f"{repeated} appeared more than once. Hint: draw ONE permutation, torch.randperm(len(x), "
                "generator=generator), and slice it; don't draw random indices for each batch."
            )
        return batches

    cases = [(5, 10, 1), (10, 5, 2), (7, 3, 3)] if hidden else [(1000, 256, 0)]
    for n, batch_size, seed in cases:
        first = [i for b in run(n, batch_size, seed) for i in _ids(b)]
        if n < 100:
            continue
        if first == sorted(first):
            _fail(
                "The images come out in their original order. Hint: shuffle by slicing x with a permutation, "
                "x[order[start:start + batch_size]] with order = torch.randperm(len(x), generator=generator)."
            )
        again = [i for b in run(n, batch_size, seed) for i in _ids(b)]
        if again != first:
            _fail(
                "Two calls with generators seeded alike gave different orders, so an epoch cannot be repeated. "
                "Hint: pass generator=generator to torch.randperm."
            )
        other = [i for b in run(n, batch_size, seed + 1) for i in _ids(b)]
        if other == first:
            _fail(
                "A generator with another seed gave the same order. Hint: draw the order from the generator "
                "you are given: torch.randperm(len(x), generator=generator)."
            )
    if not hidden:
        _ok(
            "4 batches (256, 256, 256, 232) holding each of the 1,000 images once, in a shuffled order fixed by the "
            "generator's seed."
        )


# ----------------------------------------------------------------------------------------------------------------
# Lesson 02 — dense autoencoders


def _linear_shapes(model: nn.Module, batch: int) -> list[tuple[tuple[int, ...], str]]:
    """Output shape of each Linear layer of ``model`` for a batch of zeros, with the layer's description."""
    linears = {name: m for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    shapes = []
    for name, shape in layer_shapes(model, torch.zeros(batch, 1, 28, 28)):
        if name in linears:
            m = linears[name]
            shapes.append((shape, f"{name.split('.')[0]} Linear({m.in_features}, {m.out_features})"))
    return shapes


def _as_shape(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, (tuple, list, torch.Size)) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    return None


@_check
def check_shape_table(shape_table: Callable, hidden: bool = False) -> None:
    """``shape_table()`` → the output shape of each of the 8 Linear layers of ``models.deep_autoencoder()`` for a
    batch of 32 images, in order, e.g. ``[(32, 256), …]``."""
    __tracebackhide__ = True

    with _quiet_rng():
        expected = _linear_shapes(models.deep_autoencoder(), 32)
    answer = _call(shape_table, shown="shape_table()")
    if not isinstance(answer, (list, tuple)):
        _fail(f"Return a list of shapes, one per Linear layer, e.g. [(32, 256), (32, 128), ...]; got {answer!r}.")
    if len(answer) != len(expected):
        _fail(
            f"The model has {len(expected)} Linear layers — 4 in the encoder (784→256→128→64→10) and 4 in the "
            f"decoder (10→64→128→256→784) — but your table has {len(answer)} rows."
        )
    for i, (got, (want, layer)) in enumerate(zip(answer, expected, strict=True)):
        shape = _as_shape(got)
        if shape is None:
            _fail(f"Row {i + 1} should be a shape such as (32, 256) — a tuple of ints — got {got!r}.")
        if shape != want:
            hint = (
                " Hint: a Linear layer outputs (batch, out_features): start every shape with 32."
                if (len(shape) == 1)
                else ""
            )
            _fail(f"Row {i + 1} ({layer}) outputs {want}, you wrote {shape}.{hint}")
    if not hidden:
        _ok(
            "(32, 784) → 256 → 128 → 64 → (32, 10), the code, → 64 → 128 → 256 → (32, 784): the decoder mirrors "
            "the encoder."
        )


@_check
def check_encoder_parameters(encoder_parameters: Callable, hidden: bool = False) -> None:
    """``encoder_parameters()`` → the number of trainable parameters of the deep autoencoder's encoder
    (784-256-128-64-10)."""
    __tracebackhide__ = True

    model = models.deep_autoencoder()
    enc = models.count_parameters(model.encoder)
    dec = models.count_parameters(model.decoder)
    weights = sum(m.weight.numel() for m in model.encoder.modules() if isinstance(m, nn.Linear))
    answer = _as_int(_call(encoder_parameters, shown="encoder_parameters()"), "encoder_parameters()")
    if answer == enc:
        if not hidden:
            _ok(f"{enc:,} = {weights:,} weights + {enc - weights:,} biases; the whole autoencoder has {enc + dec:,}.")
        return
    if answer == weights:
        _fail(f"{answer:,} counts the weights only. Hint: each Linear(in, out) also has `out` biases.")
    if answer == enc + dec:
        _fail(f"{answer:,} is the whole autoencoder, decoder included. Count the encoder only: 784→256→128→64→10.")
    if answer == dec:
        _fail(
            f"{answer:,} is the decoder's count (its biases are 64, 128, 256 and 784). The encoder's biases are "
            "256, 128, 64 and 10."
        )
    _fail(
        f"Got {answer:,}. Hint: a Linear(in, out) layer has in × out weights and out biases; the encoder's layers "
        "are 784→256, 256→128, 128→64 and 64→10."
    )


def _mnist_subset(n_train: int, n_test: int) -> tuple[torch.Tensor, torch.Tensor]:

    return data.load("mnist", "train")[0][:n_train], data.load("mnist", "test")[0][:n_test]


def _check_autoencoder(model: Any, shown: str, code_size: int | None = None) -> nn.Module:
    """Is ``model`` an autoencoder that maps a batch of images to a batch of images (and has ``code_size``)?"""
    __tracebackhide__ = True
    if not isinstance(model, nn.Module):
        _fail(f"`{shown}` should return a model (an nn.Module), got {type(model).__name__}. Hint: `return` the model.")
    x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y = _call(model, x, shown=f"{shown}(images of shape (2, 1, 28, 28))")
    if not isinstance(y, torch.Tensor) or y.numel() != x.numel():
        what = _shape(y) if isinstance(y, torch.Tensor) else type(y).__name__
        _fail(
            f"The model built by `{shown}` turned 2 images (2, 1, 28, 28) into {what}; an autoencoder returns "
            "as many pixels as it is given."
        )
    if code_size is not None and getattr(model, "code_size", code_size) != code_size:
        _fail(f"`{shown}` built a model with code_size {model.code_size}, expected {code_size}.")
    return model


@_check
def check_code_size_experiment(
    predicted_change: Callable, make_autoencoder: Callable, pca: Any = None, hidden: bool = False
) -> None:
    """``predicted_change()`` → "higher" / "lower" / "same": the test MSE with a 2-number code compared with a
    10-number one; ``make_autoencoder(code_size)`` → a 784-128-``code_size`` dense autoencoder (small, so that it
    trains in seconds). The check trains both code sizes on 10,000 MNIST images for 2 epochs, scores them on 2,000
    test images and compares the measurement with the prediction. With a fitted ``pca``
    (:class:`aelib.baselines.PCA`) it also reports PCA-2 and PCA-10 on the same images."""
    __tracebackhide__ = True

    prediction = _choice(
        _call(predicted_change, shown="predicted_change()"), ("higher", "lower", "same"), "predicted_change()"
    )
    built = {}
    for k in (10, 2):  # check both models before training either
        with _quiet_rng():
            model = _check_autoencoder(
                _call(make_autoencoder, k, shown=f"make_autoencoder({k})"), f"make_autoencoder({k})", k
            )
            want = models.count_parameters(models.DenseAutoencoder([784, 128, k]))
        if models.count_parameters(model) != want:
            _fail(
                f"make_autoencoder({k}) has {models.count_parameters(model):,} parameters; a 784-128-{k} "
                f"autoencoder has {want:,}. Hint: models.DenseAutoencoder([784, 128, code_size])."
            )
        built[k] = model
    if hidden:
        return
    train, test = _mnist_subset(10_000, 2000)
    scores = {}
    for k, model in built.items():
        try:
            fit(model, train, epochs=2, batch_size=64, lr=3e-3, progress=False, device="cpu")
        except Exception as err:
            _fail(f"Training make_autoencoder({k}) failed: {type(err).__name__}: {err}")
        scores[k] = metrics.evaluate(model, test)["mse"]
    measured = "higher" if scores[2] > 1.05 * scores[10] else "lower" if scores[2] < scores[10] / 1.05 else "same"
    numbers = (
        f"test MSE {scores[2]:.3g} with a 2-number code, {scores[10]:.3g} with 10 (10,000 training images, 2 epochs)"
    )
    if prediction != measured:
        _fail(
            f"Measured: {numbers} — {measured}. You predicted {prediction!r}. Why: 2 numbers per image can hold "
            "far less detail than 10, so the decoder can only draw a rough average of each digit's shape. "
            "Update your prediction once you see why."
        )
    _ok(f"{numbers}: {scores[2] / scores[10]:.1f}× higher. Fewer numbers per image hold less detail.")
    if pca is not None:
        test = _mnist_subset(0, 2000)[1]
        print(f"  On the same 2,000 test images: PCA-2 {pca.mse(test, 2):.3g}, PCA-10 {pca.mse(test, 10):.3g}.")


# ----------------------------------------------------------------------------------------------------------------
# Lesson 03 — [-1, 1] inputs and a Tanh decoder

ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu", "none")
TARGETS = {  # scaling → (what the learner reads, the right activation, why the others fail)
    "unit": ("ToTensor(): pixels in [0, 1]", "sigmoid"),
    "symmetric": ("ToTensor() + Normalize(0.5, 0.5): pixels in [-1, 1]", "tanh"),
    "standardized": ("ToTensor() + Normalize(0.1307, 0.3081): pixels in about [-0.42, 2.82]", "none"),
}
RANGES = {"sigmoid": "(0, 1)", "tanh": "(-1, 1)", "relu": "[0, ∞)", "none": "all real numbers"}


@_check
def check_output_activations(output_activations: Callable, hidden: bool = False) -> None:
    """``output_activations()`` → ``{"unit": …, "symmetric": …, "standardized": …}``: for each scaling of the
    targets, the decoder's last activation whose range matches it ("sigmoid", "tanh", "relu" or "none")."""
    __tracebackhide__ = True
    answer = _call(output_activations, shown="output_activations()")
    if not isinstance(answer, dict) or set(answer) != set(TARGETS):
        _fail(
            f"Return a dict with the keys {', '.join(repr(k) for k in TARGETS)}, each mapped to one of "
            f"{', '.join(repr(a) for a in ACTIVATION_CHOICES)}; got {answer!r}."
        )
    for key, (targets, right) in TARGETS.items():
        got = _choice(answer[key], ACTIVATION_CHOICES, f"output_activations()[{key!r}]")
        if got == right:
            continue
        lo_hi = {"unit": (0, 1), "symmetric": (-1, 1), "standardized": (-0.42, 2.82)}[key]
        if got == "none":
            why = (
                f"an unbounded output can reach every target, but it can also leave [{lo_hi[0]}, {lo_hi[1]}]; "
                f"{right}'s range {RANGES[right]} matches the targets exactly."
            )
        elif got == "relu":
            why = "ReLU's range [0, ∞) has no upper limit, and a unit pushed below 0 gets no gradient at all" + (
                ", nor can it output the negative targets." if lo_hi[0] < 0 else "."
            )
        elif got == "sigmoid":
            why = f"a sigmoid's outputs lie in (0, 1): it can never reach the targets below 0 (down to {lo_hi[0]})"
            why += "." if key == "symmetric" else " nor those above 1."
        else:  # tanh
            why = (
                "tanh can reach 0 and 1, but half its range, (-1, 0), would be wasted on values no target has."
                if key == "unit"
                else "tanh stops at 1, below the brightest targets (2.82)."
            )
        _fail(
            f"For targets from {targets}, you chose {got!r}; expected the activation whose range matches "
            f"them. Why not {got}: {why}"
        )
    if not hidden:
        _ok(
            "sigmoid for [0, 1], tanh for [-1, 1], and no activation for standardized pixels, which go from "
            "-0.42 to 2.82."
        )


@_check
def check_sigmoid_floor(sigmoid_floor: Callable, sigmoid_mse: float | None = None, hidden: bool = False) -> None:
    """``sigmoid_floor(images)``: the smallest test MSE, in [0, 1] units, that a decoder whose outputs cannot go
    below 0 in [-1, 1] units (below 0.5 in [0, 1] units) can reach on the uint8 ``images``."""
    __tracebackhide__ = True
    images, real = _uint8_batch(50, 3), False  # random images first: a stub or a crash is reported before any data
    while True:  # is read; then the test set
        x = images.double() / 255
        floor = (0.5 - x).clamp(min=0).square().mean().item()
        answer = _as_float(
            _call(sigmoid_floor, images, shown=f"sigmoid_floor(<uint8 images {_shape(images)}>)"),
            "sigmoid_floor(images)",
        )
        if not math.isclose(answer, floor, rel_tol=1e-3):
            break
        if hidden:
            return
        if real:
            extra = (
                (
                    f"; the lesson's sigmoid model scored {sigmoid_mse:.3g}, and no training can remove the "
                    f"{floor / sigmoid_mse:.1%} of it that is this floor"
                )
                if sigmoid_mse
                else ""
            )
            _ok(f"no output can go below 0.5 in [0, 1] units, so the test MSE is at least {floor:.3g}{extra}.")
            return

        images, real = data.load("mnist", "test")[0], True
    zeros_only = 0.25 * (images == 0).double().mean().item()
    if math.isclose(answer, 4 * floor, rel_tol=1e-3):
        _fail(
            f"Got {answer:.4g}: that is in [-1, 1] units. Hint: errors in [-1, 1] units are twice as large, "
            "their squares 4×; give the floor in [0, 1] units."
        )
    if math.isclose(answer, zeros_only, rel_tol=1e-3):
        _fail(
            f"Got {answer:.4g}, which counts only the black pixels (0.25 each). Hint: every pixel darker than "
            "0.5 costs something too: (0.5 - x)² where x < 0.5."
        )
    if answer > 1:
        _fail(f"Got {answer:.4g}, more than any MSE in [0, 1] units can be. Hint: divide the bytes by 255 first.")
    _fail(
        f"Got {answer:.4g}, expected {floor:.3g} for these images. Hint: in [0, 1] units the best the decoder can "
        "output for a pixel x is max(x, 0.5); average (max(x, 0.5) - x)² over all pixels of all images."
    )


# ----------------------------------------------------------------------------------------------------------------
# Lesson 04 — the convolutional denoiser


@_check
def check_noise_fn(add_noise: Callable, hidden: bool = False) -> None:
    """``add_noise(x, std, generator)``: the course's noise model — ``x + std * N(0, 1)`` drawn from ``generator``,
    clipped to [0, 1]; ``x`` in [0, 1], any shape; ``x`` itself left unchanged."""
    __tracebackhide__ = True

    def noisy(x: torch.Tensor, std: float, seed: int) -> torch.Tensor:
        __tracebackhide__ = True
        before = x.clone()
        shown = f"add_noise(x of shape {_shape(x)}, {std}, generator)"
        y = _as_tensor(
            _call(add_noise, x, std, torch.Generator().manual_seed(seed), shown=shown), f"The result of {shown}"
        )
        if not torch.equal(x, before):
            _fail(
                "add_noise changed its input x in place (e.g. with `x += ...` or `.clamp_()` on x). Hint: build a "
                "new tensor: `x + std * noise`, then clamp that."
            )
        if _shape(y) != _shape(x):
            _fail(
                f"`{shown}` returned shape {_shape(y)}; the noisy images must have the shape of x, {_shape(x)}. "
                "Hint: draw the noise with torch.randn(x.shape, generator=generator)."
            )
        if not y.is_floating_point():
            _fail(f"`{shown}` returned dtype {y.dtype}; expected float pixels like x ({x.dtype}).")
        if y.min().item() < 0 or y.max().item() > 1:
            _fail(
                f"The noisy pixels go from {y.min().item():.3g} to {y.max().item():.3g}; they must stay in [0, 1]. "
                "Hint: clip with `.clamp(0, 1)` after adding the noise."
            )
        return y

    if hidden:
        for shape, std in (((3, 784), 1.0), ((2, 28, 28), 0.3)):
            x = torch.rand(shape, generator=torch.Generator().manual_seed(5))
            noisy(x, std, 4)
        return
    grey = torch.full((64, 1, 28, 28), 0.5)
    y = noisy(grey, 0.1, 0)
    noise = (y - grey).flatten()
    mean, std = noise.mean().item(), noise.std().item()
    if noise.abs().max().item() == 0:
        _fail(
            "The output equals the input: no noise was added. Hint: x + std * torch.randn(x.shape, "
            "generator=generator)."
        )
    per_pixel = noise.reshape(64, -1)
    if per_pixel.std(dim=1).max().item() < 1e-6 or per_pixel.std(dim=0).max().item() < 1e-6:
        _fail(
            "Every pixel (or every image) got the same noise value. Hint: draw one N(0, 1) value per pixel: "
            "torch.randn(x.shape, generator=generator)."
        )
    if abs(mean) > 0.01:
        hint = (
            "torch.rand draws uniform noise in [0, 1), always positive; use torch.randn, Gaussian N(0, 1)."
            if 0.04 < mean < 0.06
            else "add std × N(0, 1) noise to x, then clip; don't transform the pixels in any other way."
        )
        _fail(f"On a grey image (0.5) with std=0.1 the noise averages {mean:.3g}, expected about 0. Hint: {hint}")
    if not 0.09 < std < 0.11:
        hint = (
            "you scaled by std² (the variance): scale N(0, 1) noise by std itself."
            if 0.009 < std < 0.011
            else "scale N(0, 1) noise (torch.randn) by std."
        )
        _fail(f"With std=0.1 the noise has standard deviation {std:.3g}, expected 0.1. Hint: {hint}")
    if not torch.equal(noisy(grey, 0.0, 0), grey):
        _fail("With std=0 the output should be x unchanged.")
    if not torch.equal(noisy(grey, 0.1, 0), y):
        _fail(
            "Two calls with generators seeded alike gave different noise, so a noisy test set cannot be "
            "reproduced. Hint: draw the noise from the generator you are given: "
            "torch.randn(x.shape, generator=generator)."
        )
    if torch.equal(noisy(grey, 0.1, 1), y):
        _fail("A generator with another seed gave the same noise. Hint: torch.randn(x.shape, generator=generator).")
    black = torch.zeros(16, 1, 28, 28)
    clipped = noisy(black, 0.5, 2)
    at_zero = (clipped == 0).double().mean().item()
    if at_zero < 0.4:
        _fail(
            f"On a black image with std=0.5 only {at_zero:.0%} of the pixels stay exactly 0; about half the noise "
            "is negative, so about half should. Hint: clip with .clamp(0, 1); don't rescale or squash the values."
        )
    _ok(
        f"Gaussian noise (std {std:.3f} measured for 0.1), clipped to [0, 1], reproducible from the generator's "
        f"seed; on black images {at_zero:.0%} of the pixels are clipped at 0."
    )


@_check
def check_deconv_size(deconv_size: Callable, hidden: bool = False) -> None:
    """``deconv_size(size, kernel, stride, padding=0)`` → the output size of ``nn.ConvTranspose2d`` along one
    spatial dimension (no output_padding, dilation 1)."""
    __tracebackhide__ = True
    cases = [(3, 3, 2, 0), (7, 2, 2, 0), (14, 2, 2, 0), (5, 3, 1, 1)]
    if hidden:
        cases = [(5, 4, 3, 1), (1, 1, 1, 0), (10, 3, 1, 1), (6, 5, 2, 2)]
    for size, kernel, stride, padding in cases:
        layer = nn.ConvTranspose2d(1, 1, kernel, stride=stride, padding=padding)
        with torch.no_grad():
            want = layer(torch.zeros(1, 1, size, size)).shape[-1]
        shown = f"deconv_size({size}, kernel={kernel}, stride={stride}, padding={padding})"
        got = _as_int(_call(deconv_size, size, kernel, stride, padding, shown=shown), f"`{shown}`")
        if got == want:
            continue
        if got == size * stride:
            hint = "size × stride is right only when kernel = stride (and no padding); the kernel adds kernel - stride."
        elif stride and got == (size + 2 * padding - kernel) // stride + 1:
            hint = "that is the formula of an ordinary convolution, which shrinks; a transposed one grows."
        else:
            hint = (
                "each input step moves the output by `stride`, the last kernel adds `kernel`, padding trims "
                "`padding` on each side: (size - 1) × stride + kernel - 2 × padding."
            )
        _fail(f"`{shown}` should be {want} (what nn.ConvTranspose2d gives), got {got}. Hint: {hint}")
    if not hidden:
        _ok("(size - 1) × stride + kernel - 2 × padding: 3 → 7 → 14 → 28 through the denoiser's decoder.")


# ----------------------------------------------------------------------------------------------------------------
# Lesson 05 — an MLP autoencoder from scratch


def _sgd_step(model: nn.Module, x: torch.Tensor, half: bool, lr: float, zero: bool = True) -> float:
    """The reference step (SGD), on ``model`` in place; returns the loss before the step."""
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    if zero:
        opt.zero_grad()
    loss = F.mse_loss(model(x), x) * (0.5 if half else 1.0)
    loss.backward()
    opt.step()
    return loss.item()


def _same_weights(a: nn.Module, b: nn.Module, atol: float = 1e-6) -> bool:
    return all(torch.allclose(p, q, atol=atol, rtol=1e-5) for p, q in zip(a.parameters(), b.parameters(), strict=True))


@_check
def check_train_step(train_step: Callable, hidden: bool = False) -> None:
    """``train_step(model, optimizer, x)``: one mini-batch step of training an autoencoder to reconstruct ``x`` with
    the MSE loss (or 0.5 · MSE, as in lesson 05); returns the batch's loss, computed before the step, as a float.

    The check compares one and two steps with SGD against a reference step, then (unless ``hidden``) trains a small
    autoencoder for 2 epochs on 5,000 MNIST images with the learner's step and Adam, and scores it."""
    __tracebackhide__ = True

    with _quiet_rng():
        model = models.DenseAutoencoder([784, 32, 8], output="sigmoid", activation="relu")
        g = torch.Generator().manual_seed(7)
        batches = [torch.rand(16, 1, 28, 28, generator=g) for _ in range(2)]
    lr = 0.5
    refs = {half: copy.deepcopy(model) for half in (True, False)}
    stale = {half: copy.deepcopy(model) for half in (True, False)}  # steps without zero_grad
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    start = copy.deepcopy(model)
    matched = None
    for step, x in enumerate(batches, start=1):
        losses = {half: _sgd_step(refs[half], x, half, lr) for half in (True, False)}
        for half in (True, False):  # a stale reference keeps its gradients: SGD's own step sums into .grad
            opt = torch.optim.SGD(stale[half].parameters(), lr=lr)
            (F.mse_loss(stale[half](x), x) * (0.5 if half else 1.0)).backward()
            opt.step()
        got = _call(train_step, model, optimizer, x, shown="train_step(model, optimizer, x)")
        if isinstance(got, torch.Tensor):
            _fail(
                "train_step returned a tensor; return `loss.item()`, a plain float. (Keeping the loss tensors of "
                "every batch would keep their whole computation graphs in memory.)"
            )
        got = _as_float(got, "train_step's result")
        if step == 1 and _same_weights(model, start, atol=0.0):
            if all(p.grad is None for p in model.parameters()):
                _fail(
                    "The weights did not change and no gradients were computed. Hint: call loss.backward(), then "
                    "optimizer.step()."
                )
            _fail(
                "The weights did not change, though gradients were computed. Hint: call optimizer.step() after "
                "loss.backward()."
            )
        candidates = [half for half in (True, False) if _same_weights(model, refs[half])]
        if matched is not None:
            candidates = [h for h in candidates if h == matched]
        if not candidates:
            if step == 2 and matched is not None and _same_weights(model, stale[matched]):
                _fail(
                    "The second step used the gradients of the first batch as well as its own. Hint: call "
                    "optimizer.zero_grad() before loss.backward() — PyTorch adds new gradients to the old ones."
                )
            _fail(
                f"After step {step} the weights differ from one gradient step on MSE(model(x), x). Hint: the "
                "target of an autoencoder is its input: loss = F.mse_loss(model(x), x) (or 0.5 × that); then "
                "zero_grad, backward, step."
            )
        matched = candidates[0]
        if not math.isclose(got, losses[matched], rel_tol=1e-5, abs_tol=1e-7):
            _fail(
                f"train_step returned {got:.6g}; the batch's loss before the step was {losses[matched]:.6g}. "
                "Hint: return loss.item() of the loss you called backward() on."
            )
    if hidden:
        return

    train, test = _mnist_subset(5000, 2000)
    with _quiet_rng():
        net = models.DenseAutoencoder([784, 128, 32], output="sigmoid", activation="relu")
        opt = torch.optim.Adam(net.parameters(), lr=2e-3, fused=True)
        before = metrics.evaluate(net, test)["mse"]
        x_all = to_float(train)
        g = torch.Generator().manual_seed(0)
        for _ in range(2):
            order = torch.randperm(len(x_all), generator=g)
            net.train()
            for i in range(0, len(x_all), 100):
                _call(train_step, net, opt, x_all[order[i : i + 100]], shown="train_step(model, optimizer, x)")
        after = metrics.evaluate(net, test)["mse"]
    if not after < 0.5 * before:
        _fail(
            f"Training with your step took the test MSE only from {before:.3g} to {after:.3g} in 2 epochs; "
            "expected it at least to halve."
        )
    loss = "0.5 × MSE" if matched else "MSE"
    _ok(
        f"one step matches an SGD step on {loss} exactly, and 2 epochs of your step with Adam on 5,000 images take a "
        f"784-128-32 autoencoder's test MSE from {before:.3g} to {after:.3g}."
    )


def _train_small(loss_scale: float, optimizer: str, train: torch.Tensor, test: torch.Tensor) -> float:
    """Train a 784-64-16 autoencoder for one epoch (batches of 50) on ``loss_scale`` × MSE; return its test MSE."""

    torch.manual_seed(0)
    net = models.DenseAutoencoder([784, 64, 16], output="sigmoid", activation="relu")
    opt = (
        torch.optim.Adam(net.parameters(), lr=3e-3, fused=True)
        if optimizer == "adam"
        else torch.optim.SGD(net.parameters(), lr=2.0)
    )
    x_all = to_float(train)
    order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(0))
    for i in range(0, len(x_all), 50):
        x = x_all[order[i : i + 50]]
        loss = loss_scale * F.mse_loss(net(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return metrics.evaluate(net, test)["mse"]


@_check
def check_loss_scale(predicted_effect: Callable, hidden: bool = False) -> None:
    """``predicted_effect()`` → "faster", "slower" or "same": how training with Adam changes if the loss is MSE
    instead of 0.5 · MSE. The check measures it (one epoch on 5,000 images, Adam and, for contrast, SGD)."""
    __tracebackhide__ = True
    prediction = _choice(
        _call(predicted_effect, shown="predicted_effect()"), ("faster", "slower", "same"), "predicted_effect()"
    )
    if hidden:
        return
    train, test = _mnist_subset(5000, 2000)
    adam = {s: _train_small(s, "adam", train, test) for s in (0.5, 1.0)}
    sgd = {s: _train_small(s, "sgd", train, test) for s in (0.5, 1.0)}
    measured = (
        f"after one epoch on 5,000 images, Adam reaches a test MSE of {adam[0.5]:.3g} with 0.5 · MSE and "
        f"{adam[1.0]:.3g} with MSE; plain SGD (lr 2) reaches {sgd[0.5]:.3g} and {sgd[1.0]:.3g}"
    )
    if prediction != "same":
        _fail(
            f"Measured: {measured}. You predicted {prediction!r}, but with Adam the two are the same to within "
            f"{abs(adam[1.0] / adam[0.5] - 1):.1%}. Why: Adam divides each gradient by a running average of its "
            "size, so multiplying the loss by a constant cancels out; with SGD it would scale the steps."
        )
    _ok(
        f"{measured}. Adam divides each gradient by its running size, so a constant factor on the loss cancels; "
        "for SGD it is a different learning rate."
    )


install_ipython_handler()


# ----------------------------------------------------------------------------------------------------------------
# Lesson 06 — the latent space lab


def _as_array(value: Any, what: str):
    """A numpy array (float64) from the learner's numpy array, tensor or nested list."""
    __tracebackhide__ = True

    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(f"{what} should be an array of numbers (numpy or torch), got {type(value).__name__}.")
    return array


@_check
def check_interpolation(interpolate: Callable, hidden: bool = False) -> None:
    """``interpolate(z_a, z_b, ts)``: the points ``(1 - t) z_a + t z_b`` for each ``t`` of ``ts``, as an array
    ``(len(ts), k)`` (numpy or torch); ``z_a``, ``z_b`` are numpy codes ``(k,)``, ``ts`` a numpy array."""
    __tracebackhide__ = True

    rng = np.random.default_rng(3 if hidden else 0)
    cases = [(10, np.linspace(0, 1, 9))] if not hidden else [(3, np.array([0.5])), (2, np.array([-1.0, 2.0]))]
    for k, ts in cases:
        z_a, z_b = rng.normal(size=k).astype(np.float32), rng.normal(size=k).astype(np.float32)
        shown = f"interpolate(z_a, z_b, ts) with codes of {k} numbers and {len(ts)} values of t"
        hint = "ts holds one t per point: `ts[:, None]` makes it a column that broadcasts against the codes."
        got = _as_array(_call(interpolate, z_a.copy(), z_b.copy(), ts.copy(), shown=shown, hint=hint), f"`{shown}`")
        want = (1 - ts[:, None]) * z_a[None, :] + ts[:, None] * z_b[None, :]
        if got.shape != want.shape:
            hint = (
                "that is transposed: one ROW per value of t."
                if got.shape == want.shape[::-1]
                else "one row per value of t, one column per code number: (1 - t[:, None]) * z_a + t[:, None] * z_b."
            )
            _fail(f"`{shown}` returned shape {got.shape}, expected {want.shape}. Hint: {hint}")
        if np.allclose(got, want, atol=1e-5):
            continue
        if np.allclose(got, want[::-1], atol=1e-5):
            _fail("The path runs backwards: at t = 0 it should be z_a, at t = 1 z_b. Hint: (1 - t) z_a + t z_b.")
        if np.allclose(got[0], z_a, atol=1e-5) and np.allclose(got[-1], z_b, atol=1e-5):
            _fail(
                "The endpoints are right but the points in between are not on the straight line from z_a to z_b. "
                "Hint: (1 - t) z_a + t z_b for every t, not only 0 and 1."
            )
        _fail(
            f"At t = {ts[0]:g} expected z_a and at t = {ts[-1]:g} z_b, got points {np.round(got[0][:3], 3)}… and "
            f"{np.round(got[-1][:3], 3)}…. Hint: (1 - t) z_a + t z_b."
        )
    if not hidden:
        _ok("(1 - t) z_a + t z_b: t = 0 gives z_a, t = 1 gives z_b, and the steps between are equal.")


@_check
def check_nearest_mse(nearest_mse: Callable, hidden: bool = False) -> None:
    """``nearest_mse(pixels, image)`` → ``(index, mse)``: the row of ``pixels`` (numpy ``(N, 784)`` in [0, 1]) closest
    to ``image`` (numpy ``(28, 28)``), and the mean squared error per pixel between them."""
    __tracebackhide__ = True

    rng = np.random.default_rng(4 if hidden else 1)
    n = 50 if hidden else 2000
    pixels = rng.random((n, 784), dtype=np.float32)
    target = 17 if hidden else 1234
    image = np.clip(pixels[target] + rng.normal(0, 0.05, 784).astype(np.float32), 0, 1).reshape(28, 28)
    cases = [(image, target)]
    if hidden:
        cases.append((pixels[3].reshape(28, 28).copy(), 3))  # an exact copy: MSE 0
    for img, want_i in cases:
        shown = f"nearest_mse(pixels of shape {pixels.shape}, image of shape (28, 28))"
        result = _call(nearest_mse, pixels.copy(), img.copy(), shown=shown)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            _fail(f"`{shown}` should return two things, (index, mse); got {result!r:.80}.")
        index = _as_int(result[0], "The index")
        mse = _as_float(result[1], "The mse")
        want_mse = float(((pixels[want_i] - img.reshape(-1)).astype(np.float64) ** 2).mean())
        if index != want_i:
            far = int(((pixels - img.reshape(1, -1)) ** 2).mean(1).argmax())
            hint = (
                "that is the FURTHEST image: take the argmin."
                if index == far
                else "compare the image with every row: ((pixels - image.reshape(1, -1)) ** 2).mean(axis=1), then "
                "argmin."
            )
            _fail(f"The closest row is {want_i} (MSE {want_mse:.4g}), you returned {index}. Hint: {hint}")
        if math.isclose(mse, want_mse, rel_tol=1e-4, abs_tol=1e-9):
            continue
        if math.isclose(mse, want_mse * 784, rel_tol=1e-4):
            _fail(f"Got {mse:.4g}, which is the SUM of squared errors over the 784 pixels. Hint: take the mean.")
        if math.isclose(mse, math.sqrt(want_mse), rel_tol=1e-4):
            _fail(f"Got {mse:.4g}, the square root of the MSE (an RMSE). Hint: don't take the square root.")
        _fail(
            f"The index is right, but its MSE is {want_mse:.4g}, not {mse:.4g}. Hint: mean over the 784 pixels of "
            "the squared differences."
        )
    if not hidden:
        _ok("the nearest row and its MSE per pixel, by comparing the image with every row at once.")


@_check
def check_extrapolation(predicted_extrapolation: Callable, subject: Any = None, hidden: bool = False) -> None:
    """``predicted_extrapolation()`` → "closer" or "further": decoding ``z_A + 2 (z_B - z_A)`` (t = 2, past B) gives
    images that are closer to / further from every real test image than decoding B's own code (t = 1)?

    ``subject``: a :class:`aelib.widgets.Subject` (lesson 06's ``mnist``); the check measures it on 50 random pairs
    of test images of different classes."""
    __tracebackhide__ = True

    prediction = _choice(
        _call(predicted_extrapolation, shown="predicted_extrapolation()"),
        ("closer", "further"),
        "predicted_extrapolation()",
    )
    if hidden or subject is None:
        return
    from aelib import widgets

    codes, pixels = subject.codes(), subject.pixels()
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, len(codes), size=(2, 200))
    keep = (subject.labels[a] != subject.labels[b]).numpy()
    a, b = a[keep][:50], b[keep][:50]
    far = {}
    for t in (1.0, 2.0):
        points = codes[a] + t * (codes[b] - codes[a])
        _, mse = widgets.nearest_images(
            pixels, widgets.decode_points(subject.model, points, subject.scale), np.stack([a, b], 1)
        )
        far[t] = (float(mse.mean()), float((widgets.distances_to_codes(codes, points)).mean()))
    gap = far[2.0][1] / widgets.typical_distance(codes)
    measured = (
        f"decoded at t = 2 the images are {far[2.0][0]:.3g} (MSE) from the nearest real image, at t = 1 "
        f"{far[1.0][0]:.3g}; the codes at t = 2 lie {gap:.1f}× the typical neighbour distance from every test "
        "code"
    )
    if prediction != "further":
        _fail(
            f"Measured on 50 pairs: {measured}. You predicted {prediction!r}. Why: past B the line leaves the "
            "region where the codes of real images lie, and there the decoder was never trained to draw anything "
            "in particular."
        )
    _ok(f"{measured}. Past the data, the decoder extrapolates.")
