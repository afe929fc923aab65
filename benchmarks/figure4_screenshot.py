"""Write docs/figure4.png: the figure-4 view after family-trees-tuned has learned.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/figure4_screenshot.py [--seed 11] [--out PATH]

Trains the preset headless (one seed that learns within its budget: seed 11 with the
preset's held-out queries), hands the trained run to a 1366x768 window, raises the
"Person codes (fig. 4)" tab and saves that tab as the window shows it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.presets import get_preset  # noqa: E402
from gui.app import make_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figure4.png")
    ap.add_argument("--window", type=Path, default=None, help="also save the whole window here")
    args = ap.parse_args(argv)
    preset = get_preset("family-trees-tuned")
    trainer = preset.make_trainer(seed=args.seed)
    trainer.step(preset.epochs)
    right = preset.criterion.met(trainer)
    app = make_application([])
    settings = QSettings(str(args.out.with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, grid_resolution=24, restore_layout=False, files=False)
    window.resize(1366, 768)
    window.show()
    window.session.adopt(trainer, trainer.data.source, preset_name=preset.name)
    dock = window.docks["figure4Dock"]  # a tab of the "Look inside" workspace
    dock.show()
    dock.raise_()
    for _ in range(20):
        app.processEvents()
    dock.raise_()  # the tab of the dock, once the window has laid its docks out
    for _ in range(50):
        app.processEvents()
    view = dock.widget()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(args.out))
    if args.window is not None:
        window.grab().save(str(args.window))
    print(f"seed {args.seed}, {trainer.epoch} sweeps, all training patterns right: {right}; "
          f"units separate: {view.roles()}; wrote {args.out} ({view.width()}x{view.height()})")
    window.close()
    args.out.with_suffix(".ini").unlink(missing_ok=True)
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
