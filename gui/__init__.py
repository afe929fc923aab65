"""Backprop Playground GUI (PySide6 + pyqtgraph): draws and forwards user intent."""
