"""The first-run tour points at the widgets it describes, where they really are, sits right
beside them and never covers them (nor the network on the canvas, nor the output plot on page 1)."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSettings, Qt

from gui.app import make_application
from gui.dialogs.tour import FRAME, GAP, TOUR_PAGES, FirstRunTour, _network_on_canvas
from gui.main_window import MainWindow


def rect_in(window, widget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def test_each_page_frames_its_widget_and_sits_beside_it(qtbot, tmp_path):
    make_application([])
    for screen in (QRect(0, 0, 1366, 768), QRect(0, 0, 1280, 720), QRect(0, 0, 1920, 1080)):
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
            # right beside it: the gap to the framed widget is the arrow's length, not half the window
            dx = max(target.left() - bubble.right(), bubble.left() - target.right(), 0)
            dy = max(target.top() - bubble.bottom(), bubble.top() - target.bottom(), 0)
            assert max(dx, dy) <= GAP + 2, f"page {i}: the bubble is {dx, dy} px away from its widget"
            if i in (0, 2):  # not over the network the page talks about, nor over the output plot
                network = _network_on_canvas(w)
                assert network and not any(bubble.intersects(r) for r in network), f"page {i} covers the network"
                assert not bubble.intersects(rect_in(w, w.workspaces.bar)), f"page {i} covers the workspace tabs"
            if i == 0:
                assert not bubble.intersects(rect_in(w, w.output_plot))
            # what is drawn: the orange frame round the widget, and the bubble's text where the bubble is
            shot = w.grab().toImage()
            edge = shot.pixelColor(target.left() - 3, target.center().y())
            assert abs(edge.red() - FRAME.red()) < 40 and abs(edge.green() - FRAME.green()) < 40 \
                and edge.blue() < 80, f"page {i}: no frame drawn at the widget's edge ({edge.name()})"
            assert tour.isVisible() and tour.pages.currentIndex() == i
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
