"""Backprop Playground's engine: pure NumPy, never imports Qt.

Usable, testable and benchmarkable without a screen.
"""
