"""MNIST and Fashion-MNIST as verified uint8 tensors, from an offline cache laid out as torchvision lays it out.

The cache lives in ``$AELIB_DATA`` if set, else ``$XDG_CACHE_HOME/aelib`` (``~/.cache/aelib``)::

    <root>/MNIST/raw/train-images-idx3-ubyte        (60000, 28, 28) uint8
    <root>/MNIST/raw/train-labels-idx1-ubyte        (60000,)        uint8
    <root>/MNIST/raw/t10k-images-idx3-ubyte         (10000, 28, 28) uint8
    <root>/MNIST/raw/t10k-labels-idx1-ubyte         (10000,)        uint8
    <root>/FashionMNIST/raw/...                     the same four names

so ``torchvision.datasets.MNIST(root, download=False)`` reads it as it is. Every file is checked against the
canonical MD5 of its uncompressed bytes before it is used or written; writes are atomic. The bytes come from
:mod:`aelib.sources` (which never writes here); what the datasets are comes from :mod:`aelib.catalog`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from aelib import sources as src
from aelib.catalog import DATASETS, FILES, SPLITS, DatasetSpec, Log, check_split, class_names, spec
from aelib.idx import decode_idx

__all__ = [  # the dataset facts live in aelib.catalog; they are re-exported here, where lessons look for them
    "DATASETS", "FILES", "SPLITS", "DataError", "DatasetSpec", "Log", "check_split", "class_names", "data_root",
    "export_csv", "fetch", "file_status", "info", "load", "md5_hex", "raw_dir", "read_verified", "spec",
    "unavailable_message", "write_atomic",
]  # fmt: skip


class DataError(RuntimeError):
    """The data could not be had or is not what it should be; the message says how to fix it."""


def data_root() -> Path:
    """The cache root: ``$AELIB_DATA`` if set, else ``$XDG_CACHE_HOME/aelib`` (default ``~/.cache/aelib``)."""
    env = os.environ.get("AELIB_DATA")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "aelib"


def raw_dir(dataset: str | DatasetSpec, root: str | os.PathLike | None = None) -> Path:
    """The folder holding a dataset's four IDX files, e.g. ``<root>/MNIST/raw``."""
    return Path(root if root is not None else data_root()) / spec(dataset).folder / "raw"


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part.

    Writes a temp file in the same folder, fsyncs it, renames it over ``path`` and fsyncs the folder. If anything
    fails the temp file is removed and ``path`` is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def file_status(dataset: str | DatasetSpec, root: str | os.PathLike | None = None) -> dict[str, str]:
    """Check each cached file: ``"ok"``, ``"missing"`` or ``"corrupt (md5 …, expected …)"``."""
    ds, folder = spec(dataset), raw_dir(dataset, root)
    status = {}
    for name in FILES:
        path = folder / name
        if not path.is_file():
            status[name] = "missing"
            continue
        got = md5_hex(path.read_bytes())
        status[name] = "ok" if got == ds.md5[name] else f"corrupt (md5 {got}, expected {ds.md5[name]})"
    return status


def fetch(
    dataset: str | DatasetSpec,
    root: str | os.PathLike | None = None,
    sources: Sequence | None = None,
    log: Log = print,
) -> Path:
    """Make sure the four files of ``dataset`` are in the cache and verified; return their folder.

    Files already cached with the right MD5 are kept. Missing or corrupt ones are asked of each source in turn
    (see :mod:`aelib.sources`); a file is written only after its MD5 matches. If some file is still missing after
    every source, :class:`DataError` names each source, why it failed, and how to place the files by hand.
    """
    ds, folder = spec(dataset), raw_dir(dataset, root)
    status = file_status(ds, root)
    for name, state in status.items():
        if state.startswith("corrupt"):
            log(f"[cache] {folder / name}: {state}; fetching it again")
    missing = [name for name, state in status.items() if state != "ok"]
    if not missing:
        log(f"[cache] {ds.name}: all 4 files present and verified in {folder}")
        return folder
    failures: list[tuple[str, str]] = []
    for source in sources if sources is not None else src.default_sources(ds):
        try:
            got = source.fetch(ds, list(missing), log)
        except Exception as err:  # a source failing is expected: record why and try the next one
            failures.append((source.name, f"{type(err).__name__}: {err}"))
            log(f"[{source.name}] not available: {err}")
            continue
        bad = []
        for name in list(missing):
            data = got.get(name)
            if data is None:
                continue
            digest = md5_hex(data)
            if digest != ds.md5[name]:
                bad.append(f"{name} has md5 {digest}, expected {ds.md5[name]}")
                continue
            write_atomic(folder / name, data)
            missing.remove(name)
        if bad:
            failures.append((source.name, "wrong bytes: " + "; ".join(bad)))
        elif missing:
            failures.append((source.name, f"did not provide {', '.join(missing)}"))
        if got:
            log(f"[{source.name}] wrote {len(got) - len(bad)} verified file(s) to {folder}")
        if not missing:
            return folder
    raise DataError(unavailable_message(ds, folder, missing, failures))


def unavailable_message(ds: DatasetSpec, folder: Path, missing: list[str], failures: list[tuple[str, str]]) -> str:
    lines = [f"Could not get {ds.name} ({', '.join(missing)}). Sources tried, in order:"]
    lines += [f"  - {name}: {why}" for name, why in failures] or ["  - (no sources)"]
    lines += [
        "To fix it by hand: put the four uncompressed IDX files",
        *[f"    {name}  (md5 {ds.md5[name]})" for name in FILES],
        f"in {folder}/ (gunzip the .gz files first), or point AELIB_DATA at a folder that has "
        f"{ds.folder}/raw/ with them, then run `python -m aelib data verify`.",
    ]
    return "\n".join(lines)


_VERIFIED: dict[tuple[str, int, int], bool] = {}


def read_verified(path: Path, expected_md5: str) -> bytes:
    """Read a cached file and check its MD5 (remembered per path, size and mtime within this process)."""
    data = path.read_bytes()
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if not _VERIFIED.get(key):
        got = md5_hex(data)
        if got != expected_md5:
            raise DataError(
                f"{path} is corrupt (md5 {got}, expected {expected_md5}). "
                "Run `python -m aelib data fetch` to replace it."
            )
        _VERIFIED[key] = True
    return data


def load(
    dataset: str, split: str = "train", root: str | os.PathLike | None = None, download: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load a split as ``(images, labels)``: images ``(N, 28, 28)`` uint8 in 0–255, labels ``(N,)`` int64.

    ``N`` is 60,000 for ``"train"`` and 10,000 for ``"test"``. Missing files are fetched first unless
    ``download=False``.
    """
    ds, split = spec(dataset), check_split(split)
    folder = raw_dir(ds.name, root)
    image_file, label_file, n = SPLITS[split]
    if download and not all((folder / f).is_file() for f in (image_file, label_file)):
        fetch(ds.name, root)
    for f in (image_file, label_file):
        if not (folder / f).is_file():
            raise DataError(f"{folder / f} is missing; run `python -m aelib data fetch {ds.name}`.")
    images = decode_idx(read_verified(folder / image_file, ds.md5[image_file]), image_file)
    labels = decode_idx(read_verified(folder / label_file, ds.md5[label_file]), label_file)
    assert images.shape == (n, 28, 28) and labels.shape == (n,), (images.shape, labels.shape)
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def export_csv(
    dataset: str,
    split: str,
    path: str | os.PathLike,
    limit: int | None = None,
    root: str | os.PathLike | None = None,
) -> Path:
    """Write a split as CSV: a header ``label,pixel0,…,pixel783``, then one row per image (values 0–255).

    This is the classic "MNIST in CSV" layout read by lesson 05 with pandas. ``limit`` keeps the first rows only.
    The file is written atomically.
    """
    images, labels = load(dataset, split, root)
    if limit is not None:
        if limit < 1:
            raise ValueError(f"limit must be a positive number of rows, got {limit}.")
        images, labels = images[:limit], labels[:limit]
    table = np.concatenate([labels.numpy()[:, None], images.reshape(len(images), -1).numpy()], axis=1)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["label"] + [f"pixel{i}" for i in range(784)])
    text = [str(v) for v in range(256)]  # every value is a byte: a lookup joins rows 1.6x as fast as np.savetxt
    buf.writelines(",".join([text[v] for v in row]) + "\n" for row in table.tolist())
    out = Path(path)
    write_atomic(out, buf.getvalue().encode())
    return out


def info(root: str | os.PathLike | None = None) -> str:
    """A human-readable description of the cache: where it is and the state of every file."""
    base = Path(root if root is not None else data_root())
    where = "AELIB_DATA" if os.environ.get("AELIB_DATA") and root is None else "default"
    lines = [f"aelib data cache: {base} ({where}; set AELIB_DATA to move it)"]
    for name in DATASETS:
        lines.append(f"  {name}: {raw_dir(name, base)}")
        for f, state in file_status(name, base).items():
            lines.append(f"    {f:26s} {state}")
    return "\n".join(lines)
