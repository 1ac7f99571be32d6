"""The IDX file format used by MNIST and Fashion-MNIST.

An IDX file is: two zero bytes, a type code (``0x08`` = unsigned byte), the number of dimensions ``n``, then
``n`` big-endian int32 sizes, then the values in C order. MNIST images are ``(N, 28, 28)`` uint8, labels ``(N,)``.
"""

from __future__ import annotations

import struct

import numpy as np

UBYTE = 0x08


class IDXError(ValueError):
    """An IDX file is malformed: the message says what was found and what was expected."""


def decode_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into a uint8 array of the shape stored in the header.

    Raises :class:`IDXError` for a bad magic number, a type other than unsigned byte, or a body whose length
    does not match the header (a truncated or padded file).
    """
    if len(data) < 4:
        raise IDXError(f"{name}: only {len(data)} bytes; an IDX file starts with a 4-byte magic number.")
    zero1, zero2, dtype, ndim = data[0], data[1], data[2], data[3]
    if zero1 != 0 or zero2 != 0:
        raise IDXError(
            f"{name}: bad magic number {data[:4].hex()} (expected 0000 08 0N). If it starts with 1f8b it is "
            "gzip-compressed: decompress it first."
        )
    if dtype != UBYTE:
        raise IDXError(f"{name}: type code 0x{dtype:02x}; only unsigned bytes (0x08) are supported.")
    if not 1 <= ndim <= 4:
        raise IDXError(f"{name}: {ndim} dimensions in the header; expected 1 to 4.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(f"{name}: file ends inside its header ({len(data)} of {header} bytes).")
    shape = struct.unpack(f">{ndim}i", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    got = len(data) - header
    if got != expected:
        kind = "truncated" if got < expected else "too long"
        raise IDXError(f"{name}: {kind}: header says shape {shape} = {expected} bytes, body has {got}.")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def encode_idx(array: np.ndarray) -> bytes:
    """Serialize a uint8 array (1 to 4 dimensions) as IDX bytes; inverse of :func:`decode_idx`."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise IDXError(f"only uint8 arrays can be written as IDX here, got {array.dtype}.")
    if not 1 <= array.ndim <= 4:
        raise IDXError(f"IDX arrays have 1 to 4 dimensions, got shape {array.shape}.")
    header = bytes([0, 0, UBYTE, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    return header + np.ascontiguousarray(array).tobytes()
