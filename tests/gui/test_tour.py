"""The first-run tour points at the widgets it describes, where they really are, and never
covers them (nor the canvas the first page talks about)."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSettings, Qt

from gui.app import make_application
from gui.dialogs.tour import TOUR_PAGES, FirstRunTour
from gui.main_window import MainWindow


def rect_in(window, widget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def test_each_page_frames_its_widget_and_sits_beside_it(qtbot, tmp_path):
    make_application([])
    for screen in (QRect(0, 0, 1280, 720), QRect(0, 0, 1920, 1080)):
        w = MainWindow(settings=QSettings(str(tmp_path / f"{screen.width()}.ini"), QSettings.Format.IniFormat),
                       grid_resolution=16, restore_layout=False, files=False, speed=None, screen=screen)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        tour = FirstRunTour(w)
        tour.open()
        expected = [rect_in(w, w.editor.palette), rect_in(w, w.controls.play_button), rect_in(w, w.output_plot),
                    None, None, None]
        for i in range(len(TOUR_PAGES)):
            target = tour.target_rect()
            assert target is not None, f"page {i} points at nothing"
            if expected[i] is not None:
                assert target == expected[i]
            bubble = tour.geometry()
            assert w.rect().contains(bubble), f"page {i}: the bubble leaves the window"
            assert not bubble.intersects(target), f"page {i}: the bubble covers what it points at"
            assert tour.pointer.target == target and tour.pointer.arrow is not None
            if i == 0:
                assert not bubble.intersects(rect_in(w, w.editor))  # not over the canvas it talks about
            if i < len(TOUR_PAGES) - 1:
                qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
        assert tour.target_rect(3) == QRect(w.workspaces.bar.mapTo(w, w.workspaces.bar.tabRect(1).topLeft()),
                                            w.workspaces.bar.tabRect(1).size())  # the Backward pass tab
        bar = w.menuBar()
        lessons = next(a for a in bar.actions() if a.text().replace("&", "") == "Lessons")
        assert tour.target_rect(5) == QRect(bar.mapTo(w, bar.actionGeometry(lessons).topLeft()),
                                            bar.actionGeometry(lessons).size())  # the Lessons menu
        assert "Lessons menu" in TOUR_PAGES[5].text and "Ctrl+L" in TOUR_PAGES[5].text
        qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
        assert not tour.isVisible() and tour.pointer is None
        w.close()
