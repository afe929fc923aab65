"""FileController with a tiny window: save/open, recent files, unsaved prompt, autosave and
recovery, atomic writes, bad files, exports and CSV import/drop. Dialogs are scripted."""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

import engine.files.atomic as atomic  # where the save writes (os.fdopen, fsync, replace)
from engine.data.sources import CsvSource
from engine.files.export import load_network_npz
from engine.files.serialize import load_project
from gui.files import FileController, install_csv_drop
from test_files_support import Dialogs, FakeWindow, make_trainer

Button = QMessageBox.StandardButton
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def dialogs(monkeypatch):
    return Dialogs(monkeypatch)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make_controller(window, settings, tmp_path, **kw) -> FileController:
    files = FileController(window, settings=settings, recovery_path=tmp_path / "recovery" / "autosave.json", **kw)
    window.files = files
    return files


@pytest.fixture
def new_window(qtbot):
    """FakeWindows closed at teardown without their controller asking anything."""
    made = []

    def make() -> FakeWindow:
        made.append(FakeWindow())
        return made[-1]

    yield make
    for window in made:
        if window.files is not None:
            window.files.shutdown()
        window.files = None
        window.close()
        window.deleteLater()


@pytest.fixture
def app(new_window, tmp_path, settings, dialogs):
    window = new_window()
    return window, make_controller(window, settings, tmp_path)


def test_save_then_open_round_trip(app, dialogs, tmp_path):
    window, files = app
    window.edit(0.2)
    assert files.is_modified() and window.isWindowModified()
    dialogs.save_names.append(str(tmp_path / "run"))  # no suffix: .json is added
    files.save_action.trigger()
    path = tmp_path / "run.json"
    assert path.is_file() and files.path == path
    assert not files.is_modified() and not window.isWindowModified()
    assert window.windowFilePath() == str(path)
    assert window.windowTitle() == "run.json[*] — Fake playground"  # Qt shows [*] as * while modified
    saved_params = window.trainer.network.params.copy()
    saved_epoch = window.trainer.epoch

    window.trainer = make_trainer(seed=9, epochs=2)  # different work in the window
    window.extra = {}
    window.undo_stack().setClean()
    files._mark_saved()
    dialogs.open_names.append(str(path))
    files.open_action.trigger()
    assert np.array_equal(window.trainer.network.params, saved_params)
    assert window.trainer.epoch == saved_epoch
    assert window.trainer.settings.optimizer.lr == 0.2
    assert window.extra == {"zoom": 1.5}
    assert not files.is_modified()
    assert not dialogs.errors and not dialogs.asked


def test_training_progress_counts_as_unsaved(app, dialogs, tmp_path):
    window, files = app
    files.save_to(tmp_path / "a.json")
    assert not files.is_modified()
    window.trainer.train(3)  # not an undo command, but work the user would lose
    assert files.is_modified()


def test_save_as_writes_a_new_file_and_leaves_the_old_one(app, dialogs, tmp_path):
    window, files = app
    assert files.save_to(tmp_path / "a.json")
    first = (tmp_path / "a.json").read_bytes()
    window.edit(0.3)
    dialogs.save_names.append(str(tmp_path / "b.json"))
    files.save_as_action.trigger()
    assert files.path == tmp_path / "b.json"
    assert (tmp_path / "a.json").read_bytes() == first
    assert load_project(tmp_path / "b.json").settings.optimizer.lr == 0.3
    dialogs.save_names.append("")  # cancelled
    assert not files.save_as()
    assert files.path == tmp_path / "b.json"


def test_recent_files_most_recent_first_persisted_and_clickable(app, dialogs, tmp_path, settings, new_window):
    window, files = app
    for name in ("a", "b", "c", "a"):
        window.edit(len(name) * 0.01 + 0.01)
        files.save_to(tmp_path / f"{name}.json")
    expected = [str((tmp_path / n).resolve()) for n in ("a.json", "c.json", "b.json")]
    assert files.recent_files() == expected
    # persisted through QSettings: a new controller (next launch) sees the same list
    other = FileController(new_window(), settings=QSettings(settings.fileName(), QSettings.Format.IniFormat), recovery_path=tmp_path / "r.json")
    assert other.recent_files() == expected
    other.shutdown()
    # the menu lists them in order; clicking one opens it
    files.recent_menu.aboutToShow.emit()
    entries = [a for a in files.recent_menu.actions() if a.data()]
    assert [a.data() for a in entries] == expected
    entries[2].trigger()  # b.json
    assert files.path == Path(expected[2])
    assert files.recent_files()[0] == expected[2]
    # a file that has gone away: one message, and it leaves the list
    os.remove(expected[1])
    assert not files.open_path(expected[1])
    assert len(dialogs.errors) == 1 and "c.json" in dialogs.errors[0][1]
    assert expected[1] not in files.recent_files()


def test_recent_files_keep_at_most_eight(app, tmp_path):
    window, files = app
    for i in range(11):
        files.save_to(tmp_path / f"p{i}.json")
    recent = files.recent_files()
    assert len(recent) == 8 and recent[0].endswith("p10.json") and recent[-1].endswith("p3.json")


def test_unsaved_prompt_cancel_keeps_the_window_and_discard_closes(app, dialogs, qtbot):
    window, files = app
    window.show()
    qtbot.waitExposed(window)
    window.edit(0.4)
    dialogs.answers.append(Button.Cancel)
    window.close()
    assert window.isVisible() and files.is_modified()
    assert "Untitled" in dialogs.asked[-1]
    dialogs.answers.append(Button.Discard)
    window.close()
    assert not window.isVisible()
    assert len(dialogs.asked) == 2


def test_unsaved_prompt_save_saves_before_closing(app, dialogs, qtbot, tmp_path):
    window, files = app
    window.show()
    window.edit(0.45)
    dialogs.answers.append(Button.Save)
    dialogs.save_names.append(str(tmp_path / "kept.json"))
    window.close()
    assert not window.isVisible()
    assert load_project(tmp_path / "kept.json").settings.optimizer.lr == 0.45


def test_a_saved_window_closes_without_asking(app, dialogs, tmp_path):
    window, files = app
    window.show()
    files.save_to(tmp_path / "x.json")
    window.close()
    assert not window.isVisible() and not dialogs.asked


def test_autosave_timer_writes_the_recovery_file_only_with_unsaved_work(qtbot, tmp_path, settings, dialogs, new_window):
    window = new_window()
    files = make_controller(window, settings, tmp_path, autosave_ms=20)
    try:
        recovery = files.recovery_path
        qtbot.wait(80)
        assert not recovery.exists()  # nothing unsaved: nothing written
        window.edit(0.7)
        with qtbot.waitSignal(files.autosaved, timeout=5000):
            pass  # the timer fires on its own
        assert recovery.is_file()
        assert load_project(recovery).settings.optimizer.lr == 0.7
        files.save_to(tmp_path / "saved.json")
        assert not recovery.exists()  # saved: nothing left to recover
    finally:
        files.shutdown()


def test_recovery_is_offered_after_a_crash_and_restores_the_work(qtbot, tmp_path, settings, dialogs, new_window):
    crashed = new_window()
    before = make_controller(crashed, settings, tmp_path)
    before.save_to(tmp_path / "work.json")
    crashed.edit(0.8)
    crashed.trainer.train(4)
    assert before.autosave_now()
    params, epoch = crashed.trainer.network.params.copy(), crashed.trainer.epoch
    before._autosave.stop(), before._poll.stop()  # the process "dies": no clean shutdown

    crashed.files = None
    window = new_window()
    files = make_controller(window, settings, tmp_path)
    try:
        dialogs.answers.append(Button.Yes)
        assert files.offer_recovery()
        assert "work.json" in dialogs.asked[-1]
        assert np.array_equal(window.trainer.network.params, params) and window.trainer.epoch == epoch
        assert window.trainer.settings.optimizer.lr == 0.8
        assert window.extra == {"zoom": 1.5}  # the recovery bookkeeping is not handed to the window
        assert files.path == tmp_path / "work.json"
        assert files.is_modified()  # restored work is not saved work
        assert files.recovery_path.exists()  # still there until saved
        assert files.save()
        assert not files.recovery_path.exists()
        assert load_project(tmp_path / "work.json").epoch == epoch
    finally:
        files.shutdown()


def test_declined_recovery_removes_the_file_and_changes_nothing(app, dialogs, tmp_path, new_window):
    window, files = app
    window.edit(0.9)
    files.autosave_now()
    other = new_window()
    params = other.trainer.network.params.copy()
    files2 = make_controller(other, QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat), tmp_path)
    dialogs.answers.append(Button.No)
    assert not files2.offer_recovery()
    assert not files2.recovery_path.exists()
    assert np.array_equal(other.trainer.network.params, params) and not files2.is_modified()
    assert not files2.offer_recovery()  # asked once only
    files2.shutdown()


def test_clean_close_leaves_no_recovery_file(app, dialogs):
    window, files = app
    window.edit(0.5)
    files.autosave_now()
    assert files.recovery_path.exists()
    dialogs.answers.append(Button.Discard)
    assert files.close_requested()
    assert not files.recovery_path.exists()


@pytest.mark.parametrize("fail", ["replace", "fsync", "write"])
def test_a_failed_save_leaves_the_previous_file_intact(app, dialogs, tmp_path, monkeypatch, fail):
    window, files = app
    path = tmp_path / "safe.json"
    assert files.save_to(path)
    before = path.read_bytes()
    window.edit(0.11)
    window.trainer.train(2)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if fail == "write":  # dies half-way through writing the temporary file
        real_fdopen = os.fdopen

        class HalfFile:
            def __init__(self, f):
                self.f = f

            def write(self, text):
                self.f.write(text[: len(text) // 2])
                raise OSError(28, "No space left on device")

            def __getattr__(self, name):
                return getattr(self.f, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

        monkeypatch.setattr(atomic.os, "fdopen", lambda *a, **k: HalfFile(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(atomic.os, fail, boom)
    assert not files.save()
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]  # no temporary file left behind
    assert len(dialogs.errors) == 1 and "No space left" in dialogs.errors[0][1]
    assert files.is_modified()  # the work is still unsaved, and still there
    assert window.trainer.settings.optimizer.lr == 0.11


@pytest.mark.parametrize(
    "content",
    [
        b"{ not json",
        b'{"format": "backprop-playground-project", "version": 99}',
        b"\x00\xff\xfe garbage",
        b"",
    ],
)
def test_a_malformed_file_is_refused_and_the_open_work_untouched(app, dialogs, tmp_path, content):
    window, files = app
    files.save_to(tmp_path / "mine.json")
    window.edit(0.33)
    trainer, params = window.trainer, window.trainer.network.params.copy()
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    dialogs.open_names.append(str(bad))
    files.open_action.trigger()
    assert len(dialogs.errors) == 1
    title, text = dialogs.errors[0]
    assert "bad.json" in text and "\n" not in text
    assert window.trainer is trainer and np.array_equal(trainer.network.params, params)
    assert files.path == tmp_path / "mine.json" and files.is_modified()
    assert not dialogs.asked  # refused before asking about unsaved work


def test_a_symlink_loop_or_a_fifo_is_refused_with_one_message(app, dialogs, tmp_path):
    window, files = app
    trainer = window.trainer
    loop = tmp_path / "loop.json"
    os.symlink(loop, loop)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for path in (loop, fifo):
        assert not files.open_path(path)
    assert len(dialogs.errors) == 2 and all("\n" not in text for _, text in dialogs.errors)
    assert "loop.json" in dialogs.errors[0][1] and "pipe.json" in dialogs.errors[1][1]
    assert window.trainer is trainer


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d["settings"]["optimizer"].update(name="adam", beta1=1.0), "settings.optimizer.beta1"),
        (lambda d: d["settings"]["optimizer"].update(beta2=1), "settings.optimizer.beta2"),
        (lambda d: d["optimizer_state"].update(t=10**30), "optimizer_state.t"),
        (lambda d: d["settings"].update(batch_size=2**31), "settings.batch_size"),
        (lambda d: d["spec"].update(seed=2**40), "spec.seed"),
        (lambda d: d["extra"].update(speed=1e-300), "extra.speed"),
        (lambda d: d["weights"][0]["bias"].__setitem__(0, 1e300), "weights[0].bias"),
        (lambda d: d["spec"]["layers"][0].update(name="h\ud800"), "not valid Unicode"),
    ],
)
def test_values_the_worker_or_the_widgets_cannot_take_are_refused_at_open(app, dialogs, tmp_path, change, field):
    """Issue 13: these once loaded and then killed the training thread or raised in the GUI thread."""
    import json

    window, files = app
    files.save_to(tmp_path / "ok.json")
    d = json.loads((tmp_path / "ok.json").read_text())
    d["extra"] = d.get("extra") or {}
    if d.get("optimizer_state") is None:
        d["optimizer_state"] = {"t": 0}
    change(d)
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(d))
    trainer = window.trainer
    assert not files.open_path(hostile)
    assert len(dialogs.errors) == 1 and field in dialogs.errors[0][1] and "\n" not in dialogs.errors[0][1]
    assert "hostile.json" in dialogs.errors[0][1]
    assert window.trainer is trainer


def test_a_hostile_file_with_nan_weights_is_refused(app, dialogs, tmp_path):
    window, files = app
    files.save_to(tmp_path / "ok.json")
    text = (tmp_path / "ok.json").read_text()
    hostile = tmp_path / "nan.json"
    start = text.index('"bias": [') + len('"bias": [')
    hostile.write_text(text[:start] + "NaN, " + text[start:].split(",", 1)[1])
    trainer = window.trainer
    assert not files.open_path(hostile)
    assert "NaN" in dialogs.errors[0][1]
    assert window.trainer is trainer


def test_exports_write_npz_script_and_history(app, dialogs, tmp_path):
    window, files = app
    dialogs.save_names.extend([str(tmp_path / "w"), str(tmp_path / "net.py"), str(tmp_path / "h.csv")])
    files.export_npz_action.trigger()
    files.export_torch_action.trigger()
    files.export_history_action.trigger()
    assert not dialogs.errors
    assert np.array_equal(load_network_npz(tmp_path / "w.npz").params, window.trainer.network.params)
    script = (tmp_path / "net.py").read_text()
    compile(script, "net.py", "exec")
    assert "TRAINING_INPUTS" in script
    rows = (tmp_path / "h.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == 1 + len(window.trainer.history)


@pytest.mark.parametrize("name", ["loss", "boundary", "label"])
def test_plot_exports_are_valid_png_and_svg(app, dialogs, qtbot, tmp_path, name):
    window, files = app
    window.show()
    qtbot.waitExposed(window)
    files.plot_menu.aboutToShow.emit()
    labels = [a.text() for a in files.plot_menu.actions()]
    assert f"{name} as PNG…" in labels and f"{name} as SVG…" in labels
    dialogs.save_names.extend([str(tmp_path / "pic"), str(tmp_path / "pic")])
    for fmt in ("PNG", "SVG"):
        next(a for a in files.plot_menu.actions() if a.text() == f"{name} as {fmt}…").trigger()
    assert not dialogs.errors, dialogs.errors
    png = (tmp_path / "pic.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 200
    root = ET.parse(tmp_path / "pic.svg").getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 3  # something is drawn, not an empty document


def test_export_to_an_unwritable_place_gives_one_message(app, dialogs, tmp_path):
    window, files = app
    assert not files.export_network_npz(tmp_path / "missing-dir" / "w.npz")
    assert len(dialogs.errors) == 1


def test_import_csv_hands_the_data_source_to_the_window(app, dialogs, tmp_path):
    window, files = app
    good = tmp_path / "points.csv"
    good.write_text("x,y,label\n" + "".join(f"{i},{-i},{'a' if i % 2 else 'b'}\n" for i in range(10)))
    dialogs.open_names.append(str(good))
    files.import_csv_action.trigger()
    assert window.sources and isinstance(window.sources[-1], CsvSource)
    assert window.sources[-1].path == str(good.resolve())
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n1,2,a\n3,oops,b\n4,5\n")
    assert not files.import_csv(bad)
    assert len(window.sources) == 1
    text = dialogs.errors[-1][1]
    assert "bad.csv" in text and "line 3" in text and "line 4" in text


def _drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(10, 10)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    accepted = enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return accepted


def test_dropping_a_csv_file_calls_back_with_its_path(qtbot, tmp_path):
    target = QLabel("drop here")
    qtbot.addWidget(target)
    got = []
    install_csv_drop(target, got.append)
    assert target.acceptDrops()
    assert _drop(target, [tmp_path / "data.csv", tmp_path / "other.csv"])
    assert got == [str(tmp_path / "data.csv")]
    assert not _drop(target, [tmp_path / "picture.png"])
    assert got == [str(tmp_path / "data.csv")]


# ----- several instances at once: only autosaves of instances that died are offered -----------
INSTANCE = r"""
import os, shutil, sys, time
from PySide6.QtCore import QLockFile
directory, project, stay = sys.argv[1], sys.argv[2], sys.argv[3] == "stay"
lock = QLockFile(os.path.join(directory, f"autosave-{os.getpid()}.lock"))
assert lock.tryLock(0)
shutil.copy(project, os.path.join(directory, f"autosave-{os.getpid()}.json"))
print("ready", flush=True)
if stay:
    time.sleep(120)
os._exit(0)  # dies without unlocking or removing anything, like a crash
"""


def run_instance(directory, project, stay):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", INSTANCE, str(directory), str(project), "stay" if stay else "die"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    if not stay:
        proc.wait(timeout=30)
    return proc


def test_only_autosaves_of_instances_that_died_are_offered(qtbot, tmp_path, settings, dialogs, new_window):
    from engine.files.serialize import project_from_trainer, save_project

    rec = tmp_path / "recovery"
    rec.mkdir()
    crashed_work, running_work = make_trainer(seed=3, epochs=11), make_trainer(seed=4, epochs=22)
    save_project(tmp_path / "crashed.json", project_from_trainer(crashed_work))
    save_project(tmp_path / "running.json", project_from_trainer(running_work))
    running = run_instance(rec, tmp_path / "running.json", stay=True)
    try:
        dead = run_instance(rec, tmp_path / "crashed.json", stay=False)
        window = new_window()
        files = FileController(window, settings=settings, recovery_dir=rec)
        window.files = files
        dialogs.answers.append(Button.Yes)
        assert files.offer_recovery()
        assert len(dialogs.asked) == 1  # the running instance's autosave was not offered
        assert window.trainer.epoch == 11
        assert np.array_equal(window.trainer.network.params, crashed_work.network.params)
        assert (rec / f"autosave-{running.pid}.json").exists()  # untouched
        assert not (rec / f"autosave-{dead.pid}.json").exists()
        assert files.recovery_path == rec / f"autosave-{os.getpid()}.json" and files.recovery_path.exists()
        files.save_to(tmp_path / "rescued.json")
        assert not files.recovery_path.exists()
        assert not files.offer_recovery()  # nothing left that belongs to a dead instance
    finally:
        running.kill()
        running.wait()


def test_a_project_too_big_to_show_is_refused_in_one_message_and_the_work_kept(app, dialogs, tmp_path, monkeypatch):
    """Issue 13 item 6: a MemoryError while the window takes the opened run over is a clear
    message, not an exception out of the menu action."""
    window, files = app
    files.save_to(tmp_path / "mine.json")
    trainer = window.trainer

    def too_big(project, new):
        raise MemoryError()

    monkeypatch.setattr(window, "load_project", too_big)
    assert not files.open_path(tmp_path / "mine.json")
    assert len(dialogs.errors) == 1 and "not enough memory" in dialogs.errors[0][1]
    assert window.trainer is trainer and files.path == tmp_path / "mine.json"
