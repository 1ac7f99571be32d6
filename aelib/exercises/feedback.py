"""The machinery every exercise check shares: calling the learner's code, turning what goes wrong into a message
a learner can act on, and showing that message in Jupyter without a traceback.

A lesson's checks (``aelib/exercises/lessonNN.py``) are written with these pieces::

    @check                                  # one thread, fixed seeds, the notebook's RNG untouched, returns None
    def check_noise_fn(add_noise, hidden=False):
        y = as_tensor(call(add_noise, x, 0.5, g, shown="add_noise(x, 0.5, generator)"), "add_noise(...)")
        if y.shape != x.shape:
            fail(f"... expected {shape_of(x)} ... Hint: ...")   # raises ExerciseError with that message
        ok("...")                           # prints the one deterministic success line, "✓ Correct: ..."

:func:`call` wraps whatever the learner's function raises (a stub's bare ``NotImplementedError`` becomes "Not done
yet", any other exception its type, message and the line of the learner's cell); :func:`as_int`,
:func:`as_float`, :func:`as_tensor` and :func:`choice` turn an answer of the wrong kind into a clear message.
"""

from __future__ import annotations

import functools
import linecache
import math
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import numpy as np
import torch

from aelib import data
from aelib.cpu import one_thread

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


def fail(message: str) -> NoReturn:
    __tracebackhide__ = True
    raise ExerciseError(message) from None  # the message says it all: no "during handling of …" chain


def ok(message: str) -> None:
    print(OK + message)


def name_of(fn: Any) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def learner_line(tb) -> str:
    """' (in `fn`, line N of its cell: `code`)' for the deepest traceback frame in notebook code, else ''."""
    found = ""
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if filename.startswith("<") or "ipykernel_" in filename:  # a notebook cell (or code typed in a shell)
            text = linecache.getline(filename, lineno).strip()
            found = f" (in `{frame.f_code.co_name}`, line {lineno} of its cell: `{text}`)" if text else ""
    return found


def call(fn: Callable, *args: Any, shown: str | None = None, hint: str = "", **kwargs: Any) -> Any:
    """Call the learner's ``fn``; turn whatever it raises into an :class:`ExerciseError` a learner can act on.

    ``shown`` is how the call is written in the message (default ``name(...)``); ``hint`` is added to the message
    of an unexpected exception.
    """
    __tracebackhide__ = True
    name = name_of(fn)
    if not callable(fn):
        fail(
            f"Expected a function here, got a {type(fn).__name__}. Pass the function itself: `{name}`, not `{name}()`."
        )
    shown = shown or f"{name}(...)"
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as err:
        if not str(err):  # the stub's bare `raise NotImplementedError()`
            fail(
                f"Not done yet: replace the `raise NotImplementedError()` line in `{name}` with your code, run "
                "that cell, then run this check again."
            )
        where = learner_line(err.__traceback__)
        fail(f"`{shown}` raised NotImplementedError: {err}{where}." + (f" Hint: {hint}" if hint else ""))
    except ExerciseError:
        raise
    except Exception as err:  # the learner's bug: say what and where, without the traceback from deep inside
        where = learner_line(err.__traceback__)
        message = str(err).strip().splitlines()[0] if str(err).strip() else ""
        fail(
            f"`{shown}` raised {type(err).__name__}"
            + (f": {message}" if message else "")
            + f"{where}."
            + (f" Hint: {hint}" if hint else "")
        )


@contextmanager
def quiet_rng() -> Iterator[None]:
    """Run a check's own randomness from fixed seeds without touching the notebook's global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield


def check(fn: Callable) -> Callable:
    """Decorate a check: it runs on one thread, from fixed seeds, without touching the notebook's global RNG or
    thread count, and returns None. One thread: the checks' models are small, so it is as fast, the same
    everywhere, and immune to the slowdown of two threads on a busy machine."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        with one_thread(), quiet_rng():
            fn(*args, **kwargs)

    return run


def as_int(value: Any, what: str) -> int:
    __tracebackhide__ = True
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        fail(f"{what} should be a whole number, got {value!r} ({type(value).__name__}).")
    return int(value)


def as_float(value: Any, what: str) -> float:
    __tracebackhide__ = True
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        fail(f"{what} should be a number, got {value!r} ({type(value).__name__}).")
    return float(value)


def as_tensor(value: Any, what: str) -> torch.Tensor:
    __tracebackhide__ = True
    if not isinstance(value, torch.Tensor):
        fail(f"{what} should be a torch.Tensor, got {type(value).__name__}.")
    return value


def choice(value: Any, options: Iterable[str], what: str) -> str:
    __tracebackhide__ = True
    options = list(options)
    if not isinstance(value, str) or value.strip().lower() not in options:
        fail(f"{what} should be one of {', '.join(repr(o) for o in options)}; got {value!r}.")
    return value.strip().lower()


def shape_of(t: torch.Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def as_array(value: Any, what: str):
    """A numpy array (float64) from the learner's numpy array, tensor or nested list."""
    __tracebackhide__ = True

    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{what} should be an array of numbers (numpy or torch), got {type(value).__name__}.")
    return array


def uint8_batch(n: int, seed: int) -> torch.Tensor:
    """``n`` random 28×28 uint8 images with 0 and 255 in every image (fixed by ``seed``)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
    x[:, 0, 0], x[:, 0, 1], x[:, 0, 2] = 0, 255, 128
    return x


def mnist_subset(n_train: int, n_test: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``n_train`` MNIST training and ``n_test`` test images, uint8 ``(n, 28, 28)``: what checks train on."""
    return data.load("mnist", "train")[0][:n_train], data.load("mnist", "test")[0][:n_test]


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
