"""aelib.idx: the IDX file format round-trips and a malformed file gets a clear error."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from aelib.idx import IDXError, decode_idx, encode_idx


def test_idx_round_trip_images_and_labels():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=(7,), dtype=np.uint8)
    for array in (images, labels):
        raw = encode_idx(array)
        assert raw[:4] == bytes([0, 0, 8, array.ndim])
        back = decode_idx(raw)
        assert back.dtype == np.uint8 and back.shape == array.shape
        np.testing.assert_array_equal(back, array)


def test_idx_header_is_big_endian():
    raw = encode_idx(np.zeros((2, 3, 4), dtype=np.uint8))
    assert raw[4:16] == bytes([0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4])


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda b: b"\x01\x00" + b[2:], "bad magic number"),
        (lambda b: gzip.compress(b), "gzip"),
        (lambda b: b[:2] + b"\x0d" + b[3:], "type code"),
        (lambda b: b[:-5], "truncated"),
        (lambda b: b + b"\x00", "too long"),
        (lambda b: b[:10], "ends inside its header"),
        (lambda b: b[:2], "only 2 bytes"),
    ],
)
def test_idx_malformed_files_give_clear_errors(mutate, message):
    raw = encode_idx(np.ones((3, 28, 28), dtype=np.uint8))
    with pytest.raises(IDXError, match=message):
        decode_idx(mutate(raw), "f")


def test_encode_idx_refuses_non_uint8():
    with pytest.raises(IDXError, match="uint8"):
        encode_idx(np.zeros((2, 2), dtype=np.float32))


