"""A tiny fake dataset (6 + 2 random images) and a fake source, for the tests of the cache and the sources."""

from __future__ import annotations

import hashlib

import numpy as np

from aelib import sources
from aelib.catalog import DatasetSpec
from aelib.idx import encode_idx


def tiny_files(seed: int = 0) -> dict[str, bytes]:
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": encode_idx(rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)),
        "train-labels-idx1-ubyte": encode_idx(rng.integers(0, 10, (6,), dtype=np.uint8)),
        "t10k-images-idx3-ubyte": encode_idx(rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)),
        "t10k-labels-idx1-ubyte": encode_idx(rng.integers(0, 10, (2,), dtype=np.uint8)),
    }


TINY = tiny_files()
TINY_SPEC = DatasetSpec("tiny", "Tiny", {k: hashlib.md5(v).hexdigest() for k, v in TINY.items()}, ("a", "b"))


class FakeSource:
    """Gives the files it holds (possibly wrong bytes), or fails with an error; records its calls."""

    def __init__(self, name, files=None, error=None):
        self.name, self.files, self.error, self.calls = name, files or {}, error, []

    def fetch(self, ds, files, log):
        self.calls.append(list(files))
        if self.error:
            raise sources.SourceError(self.error)
        return {k: v for k, v in self.files.items() if k in files}
