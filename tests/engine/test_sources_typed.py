"""Data sources are typed records inside the program; the JSON dict lives only in files.

Every data set the engine builds carries its source as a frozen record (never a dict), a
project holds the record, and files are written from it byte for byte as before."""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest

from engine.core.spec import NetworkSpec
from engine.data import custom_points, datasets, family_trees
from engine.data.csvdata import load_csv, parse_csv
from engine.data.sources import (
    SOURCE_TYPES,
    BooleanSource,
    CsvSource,
    DataSource,
    PlanarSource,
    PointsSource,
    PresetSource,
    parse_source,
    source_of,
)
from engine.files.serialize import Project, ProjectError, load_project, project_from_trainer, save_project
from engine.presets import PRESETS
from engine.training.trainer import Trainer, TrainSettings


def built_sets(tmp_path) -> dict[str, datasets.Dataset]:
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,t\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n")
    return {
        "planar": datasets.planar("spiral", 40, 0, 0.5, 1),
        "xor-table": datasets.xor_table(),
        "parity": datasets.parity(3),
        "symmetry": datasets.symmetry(4),
        "encoder": datasets.encoder(4),
        "negation": datasets.negation(),
        "family-trees": family_trees.dataset(0),
        "csv": load_csv(csv, 0.25, 2),
        "csv-text": parse_csv("a,b,t\n1,2,0\n3,4,1\n", test_ratio=0.0),
        "drawn": datasets.from_source(custom_points.with_point(datasets.planar("xor", 20), 1.0, 2.0, True)),
        **{f"preset {n}": p.make_dataset() for n, p in PRESETS.items()},
    }


def test_every_data_set_carries_a_typed_source_never_a_dict(tmp_path):
    for name, data in built_sets(tmp_path).items():
        assert isinstance(data.source, DataSource), f"{name}: {type(data.source).__name__}"
        assert isinstance(source_of(data), DataSource), name
    sets = built_sets(tmp_path)
    assert sets["planar"].source == PlanarSource("spiral", 40, 0.0, 0.5, 1)
    assert sets["parity"].source == BooleanSource("parity-3", 3)
    assert sets["family-trees"].source == PresetSource("family-trees", 0)
    assert sets["csv"].source == CsvSource(str((tmp_path / "d.csv").resolve()), 0.25, 2)
    assert sets["csv-text"].source == CsvSource(None, 0.0, 0)
    assert isinstance(sets["drawn"].source, PointsSource)
    assert isinstance(source_of(sets["csv-text"]), PointsSource)  # no path: the points go in the file


def test_the_json_form_reads_back_to_an_equal_record(tmp_path):
    for name, data in built_sets(tmp_path).items():
        source = source_of(data)
        d = source.to_dict()
        assert d["kind"] == source.kind and SOURCE_TYPES[d["kind"]] is type(source)
        assert parse_source(json.loads(json.dumps(d))) == source, name


def test_numbers_are_stored_as_the_file_reads_them():
    """0 and 0.0 are one value: the record keeps a float, so saving what was loaded writes the same bytes."""
    assert json.dumps(PlanarSource("xor", 10, 0, 0, 1).to_dict()) == json.dumps(PlanarSource("xor", 10, 0.0, 0.0, 1).to_dict())
    assert '"noise": 0.0' in json.dumps(PlanarSource(noise=0).to_dict())
    assert CsvSource("a.csv", 0).test_ratio == 0.0 and isinstance(CsvSource("a.csv", 0).test_ratio, float)


def test_points_sources_compare_by_value_and_hold_read_only_arrays():
    data = datasets.planar("circle", 20, seed=3)
    a, b = PointsSource.of(data), PointsSource.of(datasets.planar("circle", 20, seed=3))
    assert a == b and a is not b and not (a != b)
    assert a != dataclasses.replace(a, x_train=a.x_train + 1e-9)
    assert a != dataclasses.replace(a, name="other")
    assert a != dataclasses.replace(a, x_test=a.x_test[:0], y_test=a.y_test[:0])  # another shape
    assert a != data.source  # a recipe is not its points
    with pytest.raises(ValueError):
        a.x_train[0, 0] = 5.0
    with pytest.raises(TypeError):
        hash(a)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "x"  # type: ignore[misc]
    grown = custom_points.with_point(data, 1.0, 2.0, False)
    assert isinstance(grown, PointsSource) and len(grown.x_train) == len(data.x_train) + 1
    assert not grown.x_train.flags.writeable and grown.y_train[-1, 0] == 0.0
    shrunk = custom_points.without_point(grown.build(), "train", len(data.x_train))
    assert isinstance(shrunk, PointsSource) and np.array_equal(shrunk.x_train, data.x_train)


def test_a_project_holds_the_typed_source_both_ways(tmp_path):
    data = datasets.planar("moons", 40, 0.1, 0.25, 1)
    t = Trainer(NetworkSpec.stack(2, [2], 1, features=("x", "y")), data)
    project = project_from_trainer(t)
    assert project.data_source == PlanarSource("moons", 40, 0.1, 0.25, 1)
    save_project(tmp_path / "p.json", project)
    back = load_project(tmp_path / "p.json")
    assert isinstance(back.data_source, PlanarSource) and back.data_source == project.data_source
    on_disk = json.loads((tmp_path / "p.json").read_text())["data_source"]
    assert on_disk == {"kind": "planar", "name": "moons", "n_points": 40, "noise": 0.1, "test_ratio": 0.25, "seed": 1}


def test_a_project_with_a_dict_for_its_source_is_refused_not_written(tmp_path):
    project = Project(NetworkSpec.stack(2, [1]), TrainSettings(), {"kind": "planar"})  # type: ignore[arg-type]
    with pytest.raises(ProjectError, match="typed data source"):
        save_project(tmp_path / "p.json", project)
    assert not os.path.exists(tmp_path / "p.json")


def test_a_typed_source_a_file_could_not_hold_is_refused_on_save(tmp_path):
    project = Project(NetworkSpec.stack(2, [1], features=("x", "y")), TrainSettings(), PlanarSource("xor", 10**9))
    with pytest.raises(ProjectError, match="n_points"):
        save_project(tmp_path / "p.json", project)


def test_a_recipe_made_in_code_gets_a_files_checks_when_built():
    with pytest.raises(ProjectError, match=r"data_source.n_points is 1000000000"):
        datasets.from_source(PlanarSource("xor", 10**9))
    with pytest.raises(ProjectError, match=r"data_source.name must be one of family-trees, xor-2-2-1, .*, not 'martian'"):
        datasets.from_source(PresetSource("martian"))
    assert datasets.from_source(PlanarSource("xor", 30)).source == PlanarSource("xor", 30)
    with pytest.raises(ProjectError) as said:
        datasets.from_source(PresetSource("martian"))
    assert str(said.value).count("family-trees,") == 1  # each name once
