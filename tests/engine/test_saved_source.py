"""A CSV is saved as a path only while the file still gives back the loaded data; a file that is
gone, corrupted or changed is replaced by the points themselves, with one line saying why."""
from __future__ import annotations

import numpy as np
import pytest

import engine.files.saved_source as saved_source
from engine.data.csvdata import load_csv
from engine.data.datasets import planar
from engine.data.sources import CsvSource, PlanarSource, PointsSource, dataset_from_source
from engine.files.saved_source import same_data, source_to_save

ROWS = "".join(f"{i / 20:.2f},{(i * 7 % 20) / 20:.2f},{'yes' if i % 3 else 'no'}\n" for i in range(20))


@pytest.fixture
def csv(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,y,label\n" + ROWS)
    return path


def test_an_unchanged_csv_is_saved_as_its_path(csv):
    data = load_csv(csv)
    saved = source_to_save(data)
    assert isinstance(saved.source, CsvSource) and saved.source.path == str(csv.resolve())
    assert saved.note is None


@pytest.mark.parametrize("damage, said", [
    ("x,y,label\n1,2\nthree,4,yes\n", "can no longer be read"),
    (b"\xff\xfe\x00garbage", "can no longer be read"),
    ("x,y,label\n" + ROWS.replace("0.35", "0.36"), "has changed since it was loaded"),
    ("x,y,label\n" + ROWS[: len(ROWS) // 2], "has changed since it was loaded"),
    (None, "is no longer there"),
])  # fmt: skip
def test_a_broken_or_changed_csv_is_saved_as_the_points_in_use(csv, damage, said):
    data = load_csv(csv)
    if damage is None:
        csv.unlink()
    elif isinstance(damage, bytes):
        csv.write_bytes(damage)
    else:
        csv.write_text(damage)
    saved = source_to_save(data)
    assert isinstance(saved.source, PointsSource)
    assert same_data(dataset_from_source(saved.source), data)  # the project opens with the data that was used
    assert saved.note is not None and "\n" not in saved.note
    assert said in saved.note and "points.csv" in saved.note and "20 points" in saved.note


def test_an_unchanged_file_is_not_read_again_but_a_changed_one_is(csv, monkeypatch):
    data = load_csv(csv)
    reads = []
    build = CsvSource.build

    def counting(self):
        reads.append(self.path)
        return build(self)

    monkeypatch.setattr(CsvSource, "build", counting)
    monkeypatch.setattr(saved_source, "_last", None)
    assert source_to_save(data).note is None
    assert source_to_save(data).note is None
    assert len(reads) == 1
    csv.write_text("x,y,label\n" + ROWS + "0.5,0.5,no\n")
    assert isinstance(source_to_save(data).source, PointsSource)
    assert len(reads) == 2


def test_other_sources_are_kept_as_they_are():
    data = planar("xor", 30, seed=2)
    saved = source_to_save(data)
    assert isinstance(saved.source, PlanarSource) and saved.note is None


def test_same_data_sees_a_changed_value_and_a_changed_name(csv):
    data = load_csv(csv)
    assert same_data(data, load_csv(csv))
    other = load_csv(csv)
    x = np.array(other.x_train)
    x[0, 0] += 1e-9
    assert not same_data(data, type(other)(**{**other.__dict__, "x_train": x}))
    assert not same_data(data, type(other)(**{**other.__dict__, "class_names": ("a", "b")}))
