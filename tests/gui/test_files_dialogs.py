"""Help dialogs: the shortcuts list comes from the window's actions; the tour shows once."""
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow

from gui.dialogs import TOUR_PAGES, ShortcutsDialog, maybe_show_tour, shortcut_rows
from gui.files import FileController
from test_files_support import FakeWindow


def test_shortcuts_dialog_lists_every_action_with_a_shortcut_once(qtbot, tmp_path):
    window = FakeWindow()
    qtbot.addWidget(window)
    files = FileController(window, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), tmp_path / "r.json")
    try:
        files.populate_menu(window.menuBar().addMenu("&File"))
        play = QAction("&Play / pause", window)
        play.setShortcut(QKeySequence(Qt.Key.Key_Space))
        undo = QAction("&Undo", window)
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        window.addActions([play, undo, QAction("No shortcut", window)])
        dialog = ShortcutsDialog.for_window(window)
        qtbot.addWidget(dialog)
        table = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
        assert table["Save"] == QKeySequence("Ctrl+S").toString(QKeySequence.SequenceFormat.NativeText)
        assert table["Open"] == QKeySequence("Ctrl+O").toString(QKeySequence.SequenceFormat.NativeText)
        assert table["Save As"] == "Ctrl+Shift+S"
        assert table["Play / pause"] == "Space" and table["Undo"] == "Ctrl+Z"
        assert "No shortcut" not in table
        names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
        assert names == sorted(names, key=str.lower) and len(names) == len(set(names))
        # changing a shortcut changes the list: it is read from the actions, not written down
        play.setShortcut(QKeySequence("Ctrl+P"))
        assert ("Play / pause", "Ctrl+P") in shortcut_rows(window.findChildren(QAction))
    finally:
        files.shutdown()
        window.files = None


def test_first_run_tour_pages_and_shown_once(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    parent = QMainWindow()
    qtbot.addWidget(parent)
    parent.show()
    tour = maybe_show_tour(parent, settings)
    assert tour is not None and tour.isVisible()
    assert tour.pages.count() == len(TOUR_PAGES) >= 3
    assert not tour.back_button.isEnabled()
    for i in range(1, len(TOUR_PAGES)):
        qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
        assert tour.pages.currentIndex() == i
    assert tour.next_button.text() == "Done" and tour.back_button.isEnabled()
    qtbot.mouseClick(tour.back_button, Qt.MouseButton.LeftButton)
    assert tour.pages.currentIndex() == len(TOUR_PAGES) - 2
    qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(tour.finished, timeout=2000) as finished:
        qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
    assert finished.args == [QDialog.DialogCode.Accepted]
    assert not tour.isVisible()
    # a later launch (same settings) does not show it again
    again = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert maybe_show_tour(parent, again) is None


def test_tour_can_be_skipped_from_the_first_page(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    parent = QMainWindow()
    qtbot.addWidget(parent)
    parent.show()
    tour = maybe_show_tour(parent, settings)
    with qtbot.waitSignal(tour.finished, timeout=2000) as finished:
        qtbot.mouseClick(tour.skip_button, Qt.MouseButton.LeftButton)
    assert finished.args == [QDialog.DialogCode.Rejected]
    assert maybe_show_tour(parent, settings) is None


def test_no_tour_for_a_window_that_has_already_closed(qtbot, tmp_path):
    """A delayed first-run tour after a quick quit would be the only window left: the app would not exit."""
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    parent = QMainWindow()
    qtbot.addWidget(parent)
    parent.show()
    parent.close()
    assert maybe_show_tour(parent, settings) is None
    parent.show()
    assert maybe_show_tour(parent, settings) is not None  # still shown on the next real first look
