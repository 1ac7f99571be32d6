"""How torch uses this CPU's threads: denormals flushed on every worker thread, and one thread for one-image work.

:func:`flush_denormals`: late in training, some numbers become tiny: the Adam moments of a unit whose gradient is
zero decay by 0.9 per step and reach the denormal range (below 1.2e-38) after about 800 steps. x86 CPUs compute
with denormals up to 100 times more slowly, so a run can get 3x slower epoch after epoch.
``torch.set_flush_denormal(True)`` switches them off, but only on the thread that calls it (it sets that thread's
MXCSR register). Threads created later inherit it; threads that already exist do not. In a script, the first
``fit`` runs before torch has started its OpenMP worker threads, so one call is enough. In a notebook or a test
session, earlier cells have usually started them already, and then half of every parallel operation still runs on
denormals (measured here: Fashion-MNIST epochs going from 5 s to 16 s). :func:`flush_denormals` sets the flag
inside an OpenMP parallel region, i.e. on every thread of torch's pool.

:func:`one_thread`: a widget update or an exercise check runs a model on one image or a tiny batch: too little work
to share between threads, and on a busy 2-core machine waking the second one costs more than the work.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import torch

_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def _openmp_library() -> ctypes.CDLL | None:
    """The OpenMP runtime torch has loaded into this process (Linux: read from /proc/self/maps), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "libgomp" in line or "libomp" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)  # already loaded: this returns the same library, it loads nothing new
            lib.GOMP_parallel  # noqa: B018 (exported by GNU libgomp and LLVM libomp alike)
            return lib
        except (OSError, AttributeError):
            continue
    return None


def flush_denormals() -> int:
    """Flush denormals to zero on the calling thread and on every thread of torch's OpenMP pool.

    Returns the number of threads that set the flag: ``torch.get_num_threads()`` when the pool was reached, 1 when
    only the calling thread could be set (no OpenMP runtime found, or not Linux), 0 when the CPU does not support it.
    """
    if not torch.set_flush_denormal(True):
        return 0
    lib = _openmp_library()
    if lib is None or torch.get_num_threads() < 2:
        return 1
    done: list[int] = []

    def each_thread(_: int | None) -> None:
        torch.set_flush_denormal(True)
        done.append(1)

    callback = _CALLBACK(each_thread)  # kept referenced until GOMP_parallel has returned
    lib.GOMP_parallel.argtypes = [_CALLBACK, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
    lib.GOMP_parallel.restype = None
    lib.GOMP_parallel(callback, None, torch.get_num_threads(), 0)  # ctypes releases the GIL during the call
    return len(done)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block (the previous setting is restored afterwards).

    A widget update runs a model on ONE image: far too little work to share between threads, and on a busy
    2-core machine waking a second thread can cost 20–150 ms where the work itself takes 0.2–3 ms (measured:
    the U-Net on one image 180 ms with 2 threads under load, 3.4 ms with 1).
    """
    n = torch.get_num_threads()
    if n == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)
