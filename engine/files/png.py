"""A minimal PNG writer (and reader for its own files) in NumPy + zlib.

Headless runs must draw pictures without Qt or matplotlib; 8-bit RGB with no filtering
is all a boundary map needs.
"""
from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(image: np.ndarray) -> bytes:
    """(h, w, 3) or (h, w, 4) uint8, or (h, w) greyscale -> PNG bytes."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ValueError(f"a PNG image must be uint8, not {img.dtype}")
    if img.ndim == 2:
        colour_type, channels = 0, 1
    elif img.ndim == 3 and img.shape[2] in (3, 4):
        colour_type, channels = (2, 3) if img.shape[2] == 3 else (6, 4)
    else:
        raise ValueError(f"image must be (h, w), (h, w, 3) or (h, w, 4), not {img.shape}")
    h, w = img.shape[:2]
    if h < 1 or w < 1:
        raise ValueError("an image needs at least one pixel")
    rows = np.ascontiguousarray(img).reshape(h, w * channels)
    raw = np.hstack([np.zeros((h, 1), np.uint8), rows]).tobytes()  # filter type 0 per row
    header = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")


def write_png(path: str | os.PathLike, image: np.ndarray) -> None:
    """Atomically: the old picture or the whole new one, no temporary file left on failure."""
    from engine.files.atomic import write_atomic

    write_atomic(path, encode_png(image))


def decode_png(data: bytes) -> np.ndarray:
    """Read back what encode_png writes (8-bit, unfiltered rows); for tests and checks."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    pos, idat, header = len(SIGNATURE), b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"bad CRC in chunk {kind!r}")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if header is None:
        raise ValueError("PNG without IHDR")
    w, h, depth, colour_type = header[:4]
    channels = {0: 1, 2: 3, 6: 4}.get(colour_type)
    if depth != 8 or channels is None:
        raise ValueError("only 8-bit grey, RGB or RGBA images are supported")
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * channels)
    if raw[:, 0].any():
        raise ValueError("filtered PNG rows are not supported")
    pixels = raw[:, 1:].reshape(h, w, channels)
    return pixels[:, :, 0] if channels == 1 else pixels.copy()


def read_png(path: str | os.PathLike) -> np.ndarray:
    return decode_png(Path(path).read_bytes())
