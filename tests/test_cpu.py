"""Denormals are flushed on every thread of torch's pool, also when the pool started before (a notebook's case)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# In a fresh interpreter: start torch's worker threads first, then flush. A 2**20-element multiply is split over
# the threads; a thread without the flag keeps the denormal inputs (1e-39), a thread with it turns them into 0.
SCRIPT = textwrap.dedent(
    """
    import torch
    torch.set_num_threads(2)
    x = torch.randn(2000, 2000); (x * 2 + 1).sum(); x @ x  # the OpenMP pool is running now
    tiny = torch.full((1 << 20,), 1e-39)
    torch.set_flush_denormal(True)  # the calling thread only
    main_only = int((tiny * 1.0).count_nonzero())
    from aelib.cpu import flush_denormals
    threads = flush_denormals()
    print(main_only, int((tiny * 1.0).count_nonzero()), threads)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the pool is reached through /proc/self/maps")
def test_flush_denormals_reaches_threads_that_already_exist():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    main_only, after, threads = map(int, out.split())
    assert main_only > 0, "torch.set_flush_denormal alone already reached every thread: nothing to test"
    assert threads == 2
    assert after == 0, f"{after} denormals survived on a worker thread"
