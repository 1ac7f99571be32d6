"""What the exercise tests share: run a check on a right answer (`accepts`) or a wrong one (`rejects`); a stub."""

from __future__ import annotations

import re

import pytest

from aelib.exercises import ExerciseError


def rejects(check, *answers, match: str, **kwargs) -> str:
    """Run ``check`` on a wrong answer; assert it raises ExerciseError with a message matching ``match``."""
    with pytest.raises(ExerciseError) as info:
        check(*answers, **kwargs)
    message = str(info.value)
    assert re.search(match, message), message
    assert "Traceback" not in message and 'File "' not in message, message
    return message


def accepts(check, *answers, capsys, **kwargs) -> str:
    assert check(*answers, **kwargs) is None  # nbgrader would read a returned value as partial credit
    out = capsys.readouterr().out
    if not kwargs.get("hidden"):
        assert out.startswith("✓ Correct: "), out
    return out


def stub(*args, **kwargs):
    raise NotImplementedError()
