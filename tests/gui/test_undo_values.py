"""Undo and redo hold the values they restore: the data set itself and the trained weights,
never a path to read again. Files are deleted and corrupted between the steps."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QUndoCommand

from engine.data.csvdata import load_csv
from engine.files.serialize import load_project, save_project, trainer_from_project
from gui.document import SafeCommand
from gui.files.window_link import SessionProject


def write_csv(path, classes: int, n: int = 60, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    names = ["red", "green", "blue"][:classes]
    rows = ["x,y,label"]
    for i in range(n):
        x, y = rng.uniform(-4, 4, 2)
        rows.append(f"{x:.3f},{y:.3f},{names[i % classes]}")
    path.write_text("\n".join(rows) + "\n")


def settle(qtbot, s) -> None:
    """Until the worker has handled everything sent and its latest state is drawn."""
    qtbot.waitUntil(lambda: s.worker.idle, timeout=10000)
    live = s.checkpoint()
    qtbot.waitUntil(lambda: s.latest is not None and s.latest.spec == live.spec and s.latest.epoch == live.epoch,
                    timeout=10000)


def train(qtbot, s, epochs: int) -> None:
    start = s.checkpoint().epoch
    s.step(epochs)
    qtbot.waitUntil(lambda: s.checkpoint().epoch >= start + epochs, timeout=20000)
    settle(qtbot, s)


def import_csv(s, path) -> bool:
    """What File > Import CSV does: read it, then one undoable edit that may resize the network."""
    data = load_csv(path)
    return s.edit_source(data.source, "Import data", adapt_network=True)


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_undo_and_redo_restore_data_and_trained_weights_after_the_files_are_gone(window, qtbot, tmp_path, damage):
    s = window.session
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv(a, 2, seed=1)
    write_csv(b, 3, seed=2)
    errors: list[str] = []
    s.message.connect(lambda kind, text: errors.append(text) if kind == "error" else None)

    assert import_csv(s, a)
    settle(qtbot, s)
    data_a = s.dataset
    train(qtbot, s, 15)
    trained_a = s.checkpoint()
    assert trained_a.epoch == 15 and trained_a.data is data_a

    assert import_csv(s, b)  # 3 classes: the network is resized
    settle(qtbot, s)
    assert s.spec.n_outputs == 3 and s.dataset.n_outputs == 3
    data_b = s.dataset
    train(qtbot, s, 7)
    trained_b = s.checkpoint()

    def damage_file(path):
        if damage == "delete":
            path.unlink()
        else:
            path.write_bytes(b"\xff\xfe not,a\ncsv\x00 at all\n")

    damage_file(a)
    s.undo_stack.undo()  # Ctrl+Z
    settle(qtbot, s)
    assert not errors
    assert s.undo_stack.index() == 1
    assert s.dataset is data_a and s.spec == trained_a.spec
    back = s.checkpoint()
    assert back.epoch == 15 and back.data is data_a
    np.testing.assert_array_equal(back.params, trained_a.params)  # the trained weights, not fresh ones
    np.testing.assert_array_equal(s.latest.params, trained_a.params)  # and that is what is drawn

    # a save now writes the real weights of a's run
    out = tmp_path / "after_undo.json"
    save_project(out, SessionProject(window).current_project())
    saved = load_project(out)
    assert saved.params is not None and saved.epoch == 15
    np.testing.assert_array_equal(np.asarray(saved.params), trained_a.params)
    if damage == "delete":  # the file is gone: the project holds the data itself, and opens
        reopened = trainer_from_project(load_project(out))
        np.testing.assert_array_equal(reopened.network.params, trained_a.params)
        np.testing.assert_array_equal(reopened.data.x_train, data_a.x_train)

    damage_file(b)
    s.undo_stack.redo()
    settle(qtbot, s)
    assert not errors
    assert s.undo_stack.index() == 2 and s.dataset is data_b and s.spec.n_outputs == 3
    again = s.checkpoint()
    assert again.epoch == 7
    np.testing.assert_array_equal(again.params, trained_b.params)  # b's run as it was left


class Breaks(SafeCommand):
    """Sets a value on the document, then fails half-way on the chosen side."""

    def __init__(self, document, fail_on: str) -> None:
        super().__init__(document, "Breaks")
        self.fail_on = fail_on
        self.value = "before"

    def forward(self) -> None:
        self.value = "after"
        if self.fail_on == "redo":
            raise RuntimeError("redo broke")

    def backward(self) -> None:
        self.value = "half-way back"
        if self.fail_on == "undo":
            raise RuntimeError("undo broke")
        self.value = "before"


def test_a_failing_undo_leaves_neither_the_index_moved_nor_the_document_half_changed(window):
    s = window.session
    messages: list[str] = []
    s.message.connect(lambda kind, text: messages.append(text))
    stack = s.undo_stack
    cmd = Breaks(s.document, "undo")
    stack.push(cmd)
    assert stack.count() == 1 and stack.index() == 1 and cmd.value == "after"
    stack.undo()
    assert cmd.value == "after"  # put back as it was before the failed undo
    assert stack.count() == 0 and stack.index() == 0  # the step is gone, not "undone"
    assert any("undo broke" in m for m in messages)


def test_a_failing_redo_is_dropped_and_the_document_kept(window):
    s = window.session
    stack = s.undo_stack
    stack.push(Breaks(s.document, "redo"))  # the first redo is the push itself
    assert stack.count() == 0 and stack.index() == 0
    assert isinstance(stack, object) and not stack.canUndo()


def test_an_import_uses_the_data_as_read_not_the_file_again(window, qtbot, tmp_path):
    """File > Import CSV hands the window the data set it read: a file deleted (or changed)
    right after reading changes nothing."""
    s = window.session
    a = tmp_path / "a.csv"
    write_csv(a, 3, seed=4)
    data = load_csv(a)
    a.unlink()
    SessionProject(window).apply_data(data)
    settle(qtbot, s)
    assert s.dataset is data and s.spec.n_outputs == 3
    assert s.checkpoint().data is data


def test_a_run_that_cannot_be_drawn_leaves_the_document_and_undo_stack_as_they_were(window, qtbot, monkeypatch):
    """adopt() makes the new run's first picture before it replaces anything: a MemoryError
    there (a project too big for the machine) switches nothing."""
    from engine.training.trainer import Trainer

    s = window.session
    assert s.edit_optimizer("Change learning rate", lr=0.3)
    spec, count = s.spec, s.undo_stack.count()
    new = Trainer(spec.with_changes(seed=5), s.dataset, s.settings)
    monkeypatch.setattr(new, "snapshot", lambda *a, **k: (_ for _ in ()).throw(MemoryError()))
    with pytest.raises(MemoryError):
        s.adopt(new)
    assert s.spec is spec and s.undo_stack.count() == count and s.undo_stack.canUndo()
    assert s.checkpoint().spec == spec  # the worker still runs the old run
