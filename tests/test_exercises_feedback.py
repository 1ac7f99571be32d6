"""aelib.exercises.feedback: a learner's exception is wrapped with its line, checks leave the notebook's RNG and
threads alone, and IPython shows an ExerciseError as its message only."""

from __future__ import annotations

import linecache

import pytest
import torch

from aelib import exercises as ex
from aelib.exercises import ExerciseError
from tests.checking import rejects


def test_exercise_error_is_an_assertion_error_whose_text_is_the_message():
    err = ExerciseError("Expected 3, got 4. Hint: count again.")
    assert isinstance(err, AssertionError)
    assert str(err) == "Expected 3, got 4. Hint: count again." == err.message


def test_a_learners_exception_is_wrapped_with_type_message_and_line():
    source = "def to_symmetric(images):\n    x = images.float()\n    return x.view(3, 3)\n"
    filename = "/tmp/ipykernel_4242/123456.py"  # how ipykernel names a cell's code
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(source, filename, "exec"), namespace)
    try:
        message = rejects(ex.check_to_symmetric, namespace["to_symmetric"], match=r"raised RuntimeError")
    finally:
        del linecache.cache[filename]
    assert "in `to_symmetric`, line 3 of its cell: `return x.view(3, 3)`" in message
    assert "to_symmetric(<uint8 images (4, 28, 28)>)" in message


def test_a_bare_not_implemented_error_deep_in_a_library_is_not_mistaken_for_a_stub():
    def calls_a_library(images):
        raise NotImplementedError("UNetDenoiser has no decode")

    rejects(ex.check_to_symmetric, calls_a_library, match=r"raised NotImplementedError: UNetDenoiser has no decode")


def test_checks_leave_the_global_rng_and_thread_count_alone(capsys):
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_deconv_size(lambda size, kernel, stride, padding=0: (size - 1) * stride + kernel - 2 * padding)
    ex.check_encoder_parameters(lambda: 242_762)
    with pytest.raises(ExerciseError):
        ex.check_encoder_parameters(lambda: 1)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


class FakeShell:
    def __init__(self, installed=()):
        self.custom_exceptions = installed
        self.shown = []

    def set_custom_exc(self, exc_tuple, handler):
        self.custom_exceptions, self.handler = exc_tuple, handler

    def _showtraceback(self, etype, value, stb):
        self.shown.append((etype.__name__, str(value), stb))


def test_ipython_shows_an_exercise_error_as_its_message_only(monkeypatch):
    import IPython

    shell = FakeShell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert ex.install_ipython_handler()
    assert shell.custom_exceptions == (ExerciseError,)
    stb = shell.handler(shell, ExerciseError, ExerciseError("Expected 3, got 4."), None)
    assert shell.shown == [("ExerciseError", "Expected 3, got 4.", stb)]
    assert len(stb) == 1 and stb[0].endswith("ExerciseError\x1b[0m: Expected 3, got 4.")
    assert ex.install_ipython_handler()  # idempotent


def test_someone_elses_ipython_handler_is_left_alone(monkeypatch):
    import IPython

    shell = FakeShell(installed=(KeyError,))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert not ex.install_ipython_handler()
    assert shell.custom_exceptions == (KeyError,)
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert not ex.install_ipython_handler()
