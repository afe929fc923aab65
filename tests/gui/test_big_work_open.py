"""Opening a project whose estimate is big asks first (issue 13); 'no' leaves the document, the undo
stack and the title as they were. The memory limit is lowered so a small project counts as big."""
from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QMessageBox

from engine import limits
from engine.files.serialize import project_from_trainer, save_project
from engine.training.trainer import Trainer
from gui.big_work import estimate_for
from test_files_support import dialogs, window  # noqa: F401 - fixtures: the window with its File menu


@pytest.fixture
def big_project(window, tmp_path, monkeypatch):
    """A project with a 300-unit layer, saved, and a limit that makes it (only it) too big."""
    s = window.session
    layers = list(s.spec.layers)
    layers[0] = replace(layers[0], units=300)
    wide = s.spec.with_changes(layers=tuple(layers))
    path = tmp_path / "wide.json"
    save_project(path, project_from_trainer(Trainer(wide, s.dataset, s.settings)))
    n = len(s.dataset.x_train) + len(s.dataset.x_test)
    now = estimate_for(s.spec, n, s.settings.batch_size).memory_bytes
    big = estimate_for(wide, n, s.settings.batch_size).memory_bytes
    monkeypatch.setattr(limits, "MAX_MEMORY_BYTES", (now + big) // 2)
    return path


def answering(window, *answers):
    asked = []

    def confirm(e):
        asked.append(e)
        return answers[len(asked) - 1]

    window.session.document.confirm_big_work = confirm
    return asked


def test_opening_a_too_big_project_asks_once_and_no_changes_nothing(window, big_project, dialogs):
    s = window.session
    assert s.edit_optimizer("Learning rate", lr=0.2)  # an undo stack worth keeping
    spec, settings, depth, title = s.spec, s.settings, s.undo_stack.count(), window.windowTitle()
    asked = answering(window, False)
    assert not window.files.open_path(big_project)
    assert len(asked) == 1 and asked[0].too_big
    assert s.spec == spec and s.settings == settings
    assert s.undo_stack.count() == depth and s.undo_stack.canUndo()
    assert window.windowTitle() == title and window.files.path is None
    assert dialogs.errors == [] and dialogs.asked == []  # no error box, no unsaved-work question


def test_opening_a_too_big_project_asks_once_and_yes_opens_it(qtbot, window, big_project, dialogs):
    s = window.session
    asked = answering(window, True)
    assert window.files.open_path(big_project)
    assert len(asked) == 1
    assert s.spec.layers[0].units == 300 and window.files.path == big_project
    assert dialogs.errors == []


def test_importing_a_csv_too_big_for_the_network_asks_and_no_changes_nothing(window, tmp_path, monkeypatch, dialogs):
    s = window.session
    rows = 3000
    path = tmp_path / "many.csv"
    path.write_text("x,y,label\n" + "".join(f"{i / rows:.4f},{(i * 7 % rows) / rows:.4f},{i % 2}\n" for i in range(rows)))
    n = len(s.dataset.x_train) + len(s.dataset.x_test)
    now = estimate_for(s.spec, n, s.settings.batch_size).memory_bytes
    big = estimate_for(s.spec, rows, s.settings.batch_size).memory_bytes
    assert now < big
    monkeypatch.setattr(limits, "MAX_MEMORY_BYTES", (now + big) // 2)
    data, source, depth = s.dataset, s.source, s.undo_stack.count()
    asked = answering(window, False)
    window.files.import_csv(path)
    assert len(asked) == 1 and asked[0].too_big
    assert s.dataset is data and s.source == source and s.undo_stack.count() == depth
    assert dialogs.errors == []
