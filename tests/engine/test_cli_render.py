"""boundaries.png: the PNG codec, and what the picture shows."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

from engine import limits
from engine.files import render
from engine.data.datasets import planar, xor_table
from engine.files.png import decode_png, encode_png, read_png
from engine.presets import get_preset
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer


def test_png_round_trip_and_structure():
    rng = np.random.default_rng(0)
    for shape in [(5, 7, 3), (3, 4, 4), (6, 2)]:
        img = rng.integers(0, 256, shape, dtype=np.uint8)
        data = encode_png(img)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
        assert np.array_equal(decode_png(data), img)
    with pytest.raises(ValueError):
        encode_png(np.zeros((2, 2, 3)))  # float: refuse rather than guess a scale
    broken = bytearray(encode_png(np.zeros((2, 2, 3), np.uint8)))
    broken[30] ^= 0xFF
    with pytest.raises(ValueError, match="CRC"):
        decode_png(bytes(broken))
    assert zlib.crc32(b"IEND") & 0xFFFFFFFF == int.from_bytes(encode_png(np.zeros((1, 1), np.uint8))[-4:], "big")


@pytest.fixture(scope="module")
def xor_trainer():
    trainer = get_preset("playground-xor").make_trainer()
    trainer.step(300)
    assert trainer.evaluate().test_acc > 0.95
    return trainer


def pixel_at(img, dom, top, left, size, x, y):
    col = left + int(round((x - dom[0]) / (dom[1] - dom[0]) * (size - 1)))
    row = top + int(round((dom[3] - y) / (dom[3] - dom[2]) * (size - 1)))
    return img[row, col].astype(int)


def test_output_map_shows_the_learned_quadrants_and_the_dots(xor_trainer):
    size = 200
    img = render.render_boundaries(xor_trainer, output_size=size)
    assert img.dtype == np.uint8 and img.ndim == 3
    # locate the output map: the right-most framed square of the given size
    grey = np.all(img == (180, 180, 180), axis=2)
    cols = np.flatnonzero(grey.sum(axis=0) >= size)
    left = cols.max() - size
    rows = np.flatnonzero(grey[:, left - 1])
    top = rows.min() + 1
    dom = render.domain_for(xor_trainer.data)
    # each quadrant's patch is blue (B > R) where x*y > 0 and orange elsewhere, as XOR wants
    for (x, y), sign in [((3, 3), 1), ((-3, -3), 1), ((-3, 3), -1), ((3, -3), -1)]:
        row = top + int(round((dom[3] - y) / (dom[3] - dom[2]) * (size - 1)))
        col = left + int(round((x - dom[0]) / (dom[1] - dom[0]) * (size - 1)))
        patch = img[row - 8 : row + 9, col - 8 : col + 9].astype(int)
        blueness = float((patch[..., 2] - patch[..., 0]).mean())
        assert blueness * sign > 50, (x, y, blueness)
    # a training point is drawn as a dot of its class colour
    data = xor_trainer.data
    everything = np.vstack([data.x_train, data.x_test])
    gaps = np.linalg.norm(data.x_train[:, None] - everything[None], axis=2)
    gaps[gaps == 0] = np.inf
    i = int(np.argmax(gaps.min(axis=1)))  # the training point with the most room around it
    x, y = data.x_train[i]
    px = pixel_at(img, dom, top, left, size, x, y)
    want = render.BLUE if data.y_train[i, 0] > 0.5 else render.ORANGE
    assert np.abs(px - want).max() <= 1


def test_one_tile_per_hidden_unit():
    def tiles(hidden):
        spec = NetworkSpec.stack(2, hidden, 1, "tanh", "tanh", features=("x", "y"))
        img = render.render_boundaries(Trainer(spec, planar("gauss", 40)), output_size=120)
        return img

    small, big = tiles([2]), tiles([3, 5])
    assert big.shape[1] > small.shape[1]  # one more column of maps


def test_non_planar_data_has_no_boundary_picture():
    trainer = Trainer(NetworkSpec.stack(2, [2], 1, "sigmoid", "sigmoid"), xor_table())
    with pytest.raises(ValueError, match="2-D"):
        render.render_boundaries(trainer)


def test_write_boundaries_writes_a_readable_png(tmp_path, xor_trainer):
    path = tmp_path / "b.png"
    render.write_boundaries(xor_trainer, path, output_size=100)
    img = read_png(path)
    assert img.shape[2] == 3 and img.shape[0] > 100


def test_colour_map_ends_and_middle():
    c = render.diverging(np.array([-1.0, 0.0, 1.0, 5.0, np.nan]))
    assert np.array_equal(c[0], render.ORANGE) and np.array_equal(c[1], render.WHITE)
    assert np.array_equal(c[2], render.BLUE) and np.array_equal(c[3], render.BLUE)
    assert np.array_equal(c[4], render.WHITE)
    assert np.allclose(render.normalised(np.array([0.0, 0.5, 1.0]), "sigmoid"), [-1, 0, 1])


def test_the_picture_stays_a_sane_size_whatever_the_network(tmp_path):
    """2048 hidden units once made a 459 x 53,317 px picture and took 6.8 GB; now the maps are capped
    (300 units here: uncapped, their column alone was 7,800 px tall)."""
    spec = NetworkSpec.stack(2, [300, 3], 1, features=("x", "y"))
    trainer = Trainer(spec, planar("xor", 40))
    path = tmp_path / "b.png"
    render.write_boundaries(trainer, path)
    img = read_png(path)
    assert img.shape[0] <= 1200 and img.shape[1] <= 2000
    assert img.shape[0] * img.shape[1] <= limits.MAX_PICTURE_PIXELS
    assert [p.name for p in tmp_path.iterdir()] == ["b.png"]  # written atomically, nothing else left
