"""Fixtures shared by the GUI tests."""
import pytest
from PySide6.QtCore import QSettings

from gui.app import make_application
from gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    make_application([])
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    monkeypatch.setenv("BPP_RECOVERY_PATH", str(tmp_path / "recovery.json"))
    # speed=None: tests train at full speed (the app opens at the watchable gui.main_window.WATCH_SPEED)
    w = MainWindow(settings=settings, grid_resolution=24, restore_layout=False, files=False, speed=None)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.session.latest is not None, timeout=10000)
    yield w
    w.close()
    assert not w.session.worker.alive
