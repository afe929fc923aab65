"""Backprop Playground's entry point.

No arguments: the window. `demo ...`: the scripted window demo. Anything else: the
headless command line (engine/cli.py). The GUI is imported lazily, only when asked for,
so headless commands never load Qt.
"""
from __future__ import annotations

import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        if _no_display():
            print("No display found, so the window cannot open (Qt would abort). Run it on a desktop, "
                  "set QT_QPA_PLATFORM (e.g. offscreen), or use the headless commands: "
                  "`python main.py train --help`.", file=sys.stderr)
            return 0
        return _run_gui("gui.app", [])
    if args[0] == "demo":
        return _run_gui("gui.demo", args[1:])
    from engine.cli import main as cli_main

    return cli_main(args)


def _no_display() -> bool:
    """Linux/BSD without X11 or Wayland and no platform chosen: Qt would abort the process."""
    import os

    if sys.platform.startswith(("win", "darwin")) or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _run_gui(module: str, argv: list[str]) -> int:
    import importlib

    try:
        entry = importlib.import_module(module).main
    except ModuleNotFoundError as exc:  # Qt or pyqtgraph not installed: say how to get them
        print(f"error: cannot start the window: {exc} (install the app with `make run`)", file=sys.stderr)
        return 1
    return int(entry(argv) or 0)


if __name__ == "__main__":
    sys.exit(main())
