"""The real window: a CSV that is corrupted or changed after import is saved as the points in use
(with one line in the message strip), and file failures the controller reports (autosave) reach
the strip instead of a signal nobody listens to."""
from __future__ import annotations

import pytest

import gui.files.controller as controller_module
from engine.files.serialize import ProjectError, load_project
from engine.data.sources import CsvSource, PointsSource, dataset_from_source
from engine.files.saved_source import same_data
from test_files_support import dialogs, window  # noqa: F401 - fixtures: the window with its File menu

ROWS = "".join(f"{i / 30:.3f},{(i * 11 % 30) / 30:.3f},{'yes' if (i * 7) % 5 > 1 else 'no'}\n" for i in range(30))


@pytest.fixture
def imported(window, dialogs, tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("x,y,label\n" + ROWS)
    assert window.files.import_csv(csv)
    assert isinstance(window.session.source, CsvSource)
    return csv


def test_the_first_save_after_an_import_does_not_read_the_file_again(window, imported, tmp_path, monkeypatch):
    import engine.files.saved_source as saved_source

    def no_second_read(source, data):
        raise AssertionError(f"{source.path} was read again")

    monkeypatch.setattr(saved_source, "_check_csv", no_second_read)
    assert window.files.save_to(tmp_path / "p.json")  # the file is as it was read: trusted
    assert isinstance(load_project(tmp_path / "p.json").data_source, CsvSource)
    imported.write_text("x,y,label\n" + ROWS + "0.5,0.5,yes\n")  # changed since: it must be looked at
    with pytest.raises(AssertionError, match="read again"):
        saved_source.source_to_save(window.session.dataset)


def test_an_intact_csv_is_saved_by_its_path_and_nothing_is_said(window, imported, tmp_path):
    path = tmp_path / "p.json"
    assert window.files.save_to(path)
    assert isinstance(load_project(path).data_source, CsvSource)
    assert window.banner.text == ""


@pytest.mark.parametrize("damage", ["corrupt", "changed"])
def test_a_damaged_csv_is_saved_as_the_points_in_use_and_the_user_is_told(window, imported, tmp_path, damage):
    data = window.session.dataset
    imported.write_text("x,y,label\n1,2\n,,\n" if damage == "corrupt" else "x,y,label\n" + ROWS.replace("yes", "no", 1))
    path = tmp_path / "p.json"
    assert window.files.save_to(path)
    project = load_project(path)
    assert isinstance(project.data_source, PointsSource)
    assert same_data(dataset_from_source(project.data_source), data)
    assert window.banner.kind == "info" and "mine.csv" in window.banner.text and "points" in window.banner.text
    window.banner.clear()
    assert window.files.save_to(path)  # the same news is not repeated at every save or autosave
    assert window.banner.text == ""
    assert isinstance(load_project(path).data_source, PointsSource)


def test_an_autosave_failure_reaches_the_message_strip(window, dialogs, monkeypatch):
    assert window.session.edit_optimizer("Learning rate", lr=0.2)  # unsaved work to autosave

    def refuse(path, project):
        raise ProjectError("cannot write the recovery file: disk full")

    monkeypatch.setattr(controller_module, "save_project", refuse)
    assert not window.files.autosave_now()
    assert window.banner.kind == "error" and "Autosave failed" in window.banner.text and "disk full" in window.banner.text


def test_a_save_while_the_worker_does_not_answer_says_what_was_saved(window, dialogs, tmp_path, monkeypatch):
    def no_answer():
        raise TimeoutError()

    monkeypatch.setattr(window.session, "checkpoint", no_answer)
    drawn = window.session.latest
    path = tmp_path / "late.json"
    assert window.files.save_to(path)
    assert load_project(path).epoch == drawn.epoch
    assert window.banner.kind == "info" and f"last drawn state (epoch {drawn.epoch}) was saved" in window.banner.text
    window.session.latest = None  # nothing drawn either: the weights cannot be saved, and that is said
    assert window.files.save_to(path)
    assert load_project(path).params is None
    assert "weights could not be read, so they were not saved" in window.banner.text
