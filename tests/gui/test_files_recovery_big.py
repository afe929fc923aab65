"""A big crash-recovery file is offered, not refused (standards: bad input loses nothing): the
user sees how big it is and chooses Restore, Not now (kept for the next start-up) or Discard
(the only answer that deletes it). The dialog is answered by clicking its real buttons.

The memory limit is lowered so the tiny test project counts as big."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

import gui.files.controller as controller_module
from engine import limits
from engine.estimate import Estimate, gb
from engine.files.serialize import ProjectError, load_project
from gui.files import FileController
from gui.files.controller import recovery_question
from gui.files.recovery import RecoveryFiles
from test_files_support import Dialogs, FakeWindow, window  # noqa: F401 - window: the real playground window

TRIES = 400  # polls of 10 ms for the box to appear before the helper gives up (the test then fails)


@pytest.fixture
def dialogs(monkeypatch):
    return Dialogs(monkeypatch)


@pytest.fixture
def windows(qtbot):
    made: list[FakeWindow] = []

    def make() -> FakeWindow:
        made.append(FakeWindow())
        return made[-1]

    yield make
    for w in made:
        if w.files is not None:
            w.files.shutdown()
        w.files = None
        w.close()
        w.deleteLater()


def controller(window: FakeWindow, tmp_path, name: str = "s.ini") -> FileController:
    settings = QSettings(str(tmp_path / name), QSettings.Format.IniFormat)
    files = FileController(window, settings=settings, recovery_path=tmp_path / "recovery" / "autosave.json")
    window.files = files
    return files


def answer_box(button: str | None) -> list[str]:
    """Click `button` on the next modal message box (None: press Escape); returns the texts seen."""
    seen: list[str] = []
    tries = [0]

    def look() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            if button is None:
                QTest.keyClick(box, Qt.Key.Key_Escape)
                return
            for b in box.buttons():
                if b.text() == button:
                    b.click()
                    return
            box.done(0)  # no such button: close it so the test fails on `seen`, not by hanging
            seen.append(f"no button {button!r}")
            return
        tries[0] += 1
        if tries[0] < TRIES:
            QTimer.singleShot(10, look)

    QTimer.singleShot(0, look)
    return seen


@pytest.fixture
def crashed(windows, tmp_path, dialogs, monkeypatch):
    """A run that autosaved work (lr 0.8, 4 more epochs) and died; then the limit is lowered so the
    recovery file is past it. Returns (params, epoch) of the autosaved work."""
    window = windows()
    files = controller(window, tmp_path, "crashed.ini")
    files.save_to(tmp_path / "work.json")
    window.edit(0.8)
    window.trainer.train(4)
    assert files.autosave_now()
    kept = window.trainer.network.params.copy(), window.trainer.epoch
    files._autosave.stop(), files._poll.stop()  # the process "dies": no clean shutdown
    window.files = None
    monkeypatch.setattr(limits, "MAX_MEMORY_BYTES", 1000)
    return kept


def test_restore_brings_back_a_big_recovered_project_after_one_question(windows, tmp_path, dialogs, crashed):
    params, epoch = crashed
    window = windows()
    files = controller(window, tmp_path)
    seen = answer_box("Restore")
    assert files.offer_recovery()
    assert len(seen) == 1 and "very big" in seen[0] and "work.json" in seen[0]
    assert dialogs.asked == []  # one question, not a second yes/no
    assert np.array_equal(window.trainer.network.params, params) and window.trainer.epoch == epoch
    assert window.trainer.settings.optimizer.lr == 0.8
    assert files.path == tmp_path / "work.json" and files.is_modified()
    assert files.recovery_path.exists()  # kept until the work is saved


def test_not_now_keeps_the_file_and_the_next_start_offers_it_again(windows, tmp_path, dialogs, crashed):
    params, _ = crashed
    first = windows()
    before = first.trainer.network.params.copy()
    files = controller(first, tmp_path)
    seen = answer_box("Not now")
    assert not files.offer_recovery()
    assert len(seen) == 1
    assert np.array_equal(first.trainer.network.params, before) and not files.is_modified()
    left = list((tmp_path / "recovery").glob("*.json"))
    assert len(left) == 1  # kept (under a name this instance's autosave does not write)
    first.edit(0.3)
    assert files.autosave_now()  # new work is autosaved and does not overwrite the kept file
    files.shutdown()
    assert left[0].exists()

    again = windows()
    files2 = controller(again, tmp_path, "s2.ini")
    seen = answer_box("Restore")
    assert files2.offer_recovery()
    assert len(seen) == 1
    assert np.array_equal(again.trainer.network.params, params)


def test_escape_is_not_now(windows, tmp_path, dialogs, crashed):
    window = windows()
    files = controller(window, tmp_path)
    seen = answer_box(None)
    assert not files.offer_recovery()
    assert len(seen) == 1
    assert len(list((tmp_path / "recovery").glob("*.json"))) == 1


def test_discard_deletes_the_file_and_changes_nothing(windows, tmp_path, dialogs, crashed):
    window = windows()
    before = window.trainer.network.params.copy()
    files = controller(window, tmp_path)
    seen = answer_box("Discard")
    assert not files.offer_recovery()
    assert len(seen) == 1
    assert list((tmp_path / "recovery").glob("*.json")) == []
    assert np.array_equal(window.trainer.network.params, before)
    assert not files.offer_recovery()  # nothing left to offer


def test_running_out_of_memory_while_restoring_keeps_the_file(windows, tmp_path, dialogs, crashed, monkeypatch):
    def no_memory(project, allow_big=None, **kw):
        raise MemoryError()

    monkeypatch.setattr(controller_module, "trainer_from_project", no_memory)
    window = windows()
    files = controller(window, tmp_path)
    seen = answer_box("Restore")
    assert not files.offer_recovery()
    assert len(seen) == 1
    assert len(dialogs.errors) == 1 and "not enough memory" in dialogs.errors[0][1]
    assert len(list((tmp_path / "recovery").glob("*.json"))) == 1


def test_a_dead_instances_file_set_aside_stays_where_it_is(tmp_path):
    rec = tmp_path / "recovery"
    rec.mkdir()
    other = rec / "autosave-999999.json"
    other.write_text("{}")
    files = RecoveryFiles(directory=rec)
    assert files.set_aside(other) == other and other.exists()
    files.own.write_text("{}")
    moved = files.set_aside(files.own)
    assert moved != files.own and moved.exists() and not files.own.exists()
    assert moved in files.left_behind()  # offered at the next start


def test_the_question_says_how_big_and_what_it_costs():
    need = 2 * limits.MAX_MEMORY_BYTES
    text = recovery_question(Estimate(need, 5e11), "work.json", "2026-12-03 10:00")
    assert gb(need) in text and gb(limits.MAX_MEMORY_BYTES) in text and "run out of memory" in text
    assert "minutes or more per epoch" in text
    assert "Restore" in text and "Not now" in text and "Discard" in text


@pytest.mark.parametrize("content", ["{not json", '{"format": "backprop-playground", "version": 99}'])
def test_an_unreadable_recovery_file_is_kept_aside_not_deleted(windows, tmp_path, dialogs, content):
    rec = tmp_path / "recovery" / "autosave.json"
    rec.parent.mkdir()
    rec.write_text(content)
    window = windows()
    files = controller(window, tmp_path)
    said: list[str] = []
    files.problem.connect(said.append)
    assert not files.offer_recovery()
    kept = list(rec.parent.glob("*.unreadable"))
    assert len(kept) == 1 and kept[0].read_text() == content  # the bytes are all still there
    assert len(said) == 1 and "could not be read" in said[0] and str(kept[0]) in said[0]
    assert dialogs.asked == [] and not files.offer_recovery()  # not offered again


def test_the_real_window_restores_a_big_recovered_run_after_one_question(qtbot, window, tmp_path, monkeypatch):
    """On the playground window: Restore adopts the big run, and the window asks nothing else."""
    from dataclasses import replace

    from engine.files.project_format import RECOVERY_KEY
    from engine.files.serialize import project_from_trainer, save_project
    from engine.training.trainer import Trainer
    from gui.big_work import estimate_for

    s = window.session
    layers = list(s.spec.layers)
    layers[0] = replace(layers[0], units=300)
    wide = s.spec.with_changes(layers=tuple(layers))
    project = project_from_trainer(Trainer(wide, s.dataset, s.settings), {RECOVERY_KEY: {"path": "", "time": 0.0}})
    save_project(tmp_path / "recovery.json", project)
    n = len(s.dataset.x_train) + len(s.dataset.x_test)
    now = estimate_for(s.spec, n, s.settings.batch_size).memory_bytes
    big = estimate_for(wide, n, s.settings.batch_size).memory_bytes
    monkeypatch.setattr(limits, "MAX_MEMORY_BYTES", (now + big) // 2)
    asked = []
    s.document.confirm_big_work = lambda e: asked.append(e) or True
    seen = answer_box("Restore")
    assert window.files.offer_recovery()
    assert len(seen) == 1 and "untitled project" in seen[0]
    assert asked == []  # no second question from the window
    qtbot.waitUntil(lambda: s.spec.layers[0].units == 300, timeout=10000)
    assert window.files.is_modified()


def test_work_the_window_cannot_take_stays_in_a_kept_file(windows, tmp_path, dialogs, crashed, monkeypatch):
    """Restore chosen, but the window refuses the run: the file is set aside, so this instance's
    next autosave (same file name in single-file mode) cannot overwrite it."""
    params, _ = crashed
    window = windows()
    files = controller(window, tmp_path)

    def refuse(project, trainer):
        raise ProjectError("cannot show this run")

    monkeypatch.setattr(window, "load_project", refuse)
    answer_box("Restore")
    assert not files.offer_recovery()
    assert len(dialogs.errors) == 1 and "cannot show this run" in dialogs.errors[0][1]
    window.edit(0.4)
    assert files.autosave_now()
    kept = [p for p in (tmp_path / "recovery").glob("*.json") if p != files.recovery_path]
    assert len(kept) == 1
    assert np.array_equal(load_project(kept[0], allow_big=lambda e: True).params, params)


def test_files_set_aside_as_unreadable_do_not_pile_up(tmp_path):
    from gui.files.recovery import KEEP_UNREADABLE, RecoveryFiles

    folder = tmp_path / "recovery"
    folder.mkdir()
    files = RecoveryFiles(directory=folder)
    kept = []
    for i in range(KEEP_UNREADABLE + 3):
        broken = folder / f"autosave-{100 + i}.json"
        broken.write_text(f"broken {i}")
        kept.append(files.set_aside_unreadable(broken))
    left = sorted(folder.glob("*.unreadable"))
    assert len(left) == KEEP_UNREADABLE
    assert set(left) == set(kept[-KEEP_UNREADABLE:])  # the newest stay, the oldest went
