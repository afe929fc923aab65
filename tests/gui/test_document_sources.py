"""The document holds its data source as a typed record (engine/data/sources.py), through
every edit, undo, example and opened project; a JSON dict handed to it is refused loudly."""
from __future__ import annotations

import dataclasses

import pytest

from engine.data.sources import BooleanSource, DataSource, PlanarSource, PointsSource, PresetSource
from engine.files.serialize import load_project
from engine.presets import PRESETS
from test_files_support import dialogs, window  # noqa: F401 - fixtures: the real window with its File menu


def watch(s) -> list:
    seen: list = []
    s.sourceChanged.connect(seen.append)
    return seen


def typed_everywhere(s) -> None:
    """The document, the data it holds and every side of every undo command: typed records."""
    assert isinstance(s.source, DataSource), type(s.source).__name__
    assert isinstance(s.dataset.source, DataSource)
    for i in range(s.undo_stack.count()):
        cmd = s.undo_stack.command(i)
        for side in (getattr(cmd, "old", None), getattr(cmd, "new", None)):
            if hasattr(side, "source"):
                assert isinstance(side.source, DataSource), f"{cmd.text()}: {type(side.source).__name__}"


def test_the_source_stays_typed_through_edits_undo_and_redo(window, qtbot):  # noqa: F811
    s = window.session
    seen = watch(s)
    assert s.source == PlanarSource()
    assert s.edit_source(PlanarSource("circle", 120, 0.1, 0.3, 2), "Change data")
    assert s.edit_source(BooleanSource("xor-table"), "Paper data", adapt_network=True)
    assert s.add_point(0.5, 0.5, True) is False  # the truth table is not 2-D data: nothing added
    s.undo_stack.undo()
    assert s.source == PlanarSource("circle", 120, 0.1, 0.3, 2)
    assert s.add_point(1.0, 2.0, True)
    assert isinstance(s.source, PointsSource) and s.dataset.source is s.source
    typed_everywhere(s)
    while s.undo_stack.canUndo():
        s.undo_stack.undo()
    assert s.source == PlanarSource()
    while s.undo_stack.canRedo():
        s.undo_stack.redo()
    assert isinstance(s.source, PointsSource)
    typed_everywhere(s)
    assert seen and all(isinstance(v, DataSource) for v in seen)  # what the views are handed


def test_an_equal_source_is_no_edit_points_included(window):  # noqa: F811
    s = window.session
    assert s.add_point(1.0, 2.0, True)
    count = s.undo_stack.count()
    same = dataclasses.replace(s.source)  # another object, equal values (arrays compared by value)
    assert same is not s.source and same == s.source
    assert not s.edit_source(same) and s.undo_stack.count() == count
    assert s.edit_source(PlanarSource("spiral")) and s.undo_stack.count() == count + 1


def test_a_dict_is_refused_and_changes_nothing(window):  # noqa: F811
    s = window.session
    before, count = s.source, s.undo_stack.count()
    for bad in ({"kind": "planar", "name": "circle"}, None):
        with pytest.raises(TypeError, match="typed record"):
            s.edit_source(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="typed record"):
            s.document.edit_data(s.dataset, bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="typed record"):
        s.adopt(s.worker._trainer, {"kind": "planar"})  # type: ignore[arg-type]
    assert s.source is before and s.undo_stack.count() == count


def test_the_data_panel_edits_typed_values(window):  # noqa: F811
    s, d = window.session, window.data_panel
    d.noise.setValue(20)
    assert s.source == PlanarSource(noise=0.2)
    d._choose("moons")
    assert s.source == PlanarSource("moons", noise=0.2)
    assert s.regenerate() and s.source == PlanarSource("moons", noise=0.2, seed=1)
    assert s.edit_source(BooleanSource("parity-3", 3), adapt_network=True)
    assert d.dataset_label.text() == "Current: parity-3" and not d.noise.isEnabled()
    said = []
    s.message.connect(lambda kind, text: said.append(text))
    assert not s.regenerate() and "no seed" in said[-1]
    s.undo_stack.undo()
    assert s.source == PlanarSource("moons", noise=0.2, seed=1) and d.noise.isEnabled() and d.noise.value() == 20


def test_an_example_and_an_opened_project_give_typed_sources(window, dialogs, tmp_path):  # noqa: F811
    s = window.session
    window.open_preset("family-trees")
    assert s.source == PresetSource("family-trees", 0)
    window.open_preset("xor-2-2-1")
    assert s.source == BooleanSource("xor-table")
    assert s.edit_source(PlanarSource("gauss", 60), adapt_network=True)
    path = tmp_path / "p.json"
    assert window.files.save_to(path)
    assert load_project(path).data_source == PlanarSource("gauss", 60)
    window.session.adopt(PRESETS["encoder-4-2-4"].make_trainer(), None, "encoder-4-2-4")
    assert s.source == BooleanSource("encoder-4", 4)
    assert window.files.open_path(path)
    assert s.source == PlanarSource("gauss", 60)
    typed_everywhere(s)
