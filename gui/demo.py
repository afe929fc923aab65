"""`python main.py demo`: open the real window, train while drawing, measure, screenshot, exit 0.

    python main.py demo [--preset xor] [--hidden 4,4] [--epochs N] [--speed full|N]
                        [--screenshot FILE.png] [--resolution 100]

The last output line is machine-readable:
    epochs=N frames=N fps=X ui_latency_p99_ms=X boundary_redraws=N seconds=X
where ui latency is how late a 16 ms GUI-thread timer fires while training runs. Before it,
one line compares training speed in the window with the same network trained headless.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback

import numpy as np

from engine.data import datasets
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer

PROBE_MS = 16


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="main.py demo", description="Train in the real window, measure, screenshot, exit.")
    p.add_argument("--preset", default="xor", help="xor (default) or a preset name from engine.presets")
    p.add_argument("--hidden", default=None, help="hidden layer sizes, e.g. 4,4 (2-D presets only)")
    p.add_argument("--epochs", type=int, default=2000, help="epochs to train (default 2000)")
    p.add_argument("--speed", default="full", help="'full' or epochs per second (e.g. 20)")
    p.add_argument("--screenshot", default=None, help="save a PNG of the whole window here")
    p.add_argument("--resolution", type=int, default=100, help="boundary grid resolution (default 100)")
    p.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if args.speed != "full":
        try:
            if float(args.speed) <= 0:
                raise ValueError
        except ValueError:
            p.error("--speed must be 'full' or a positive number of epochs per second")
    if args.hidden is not None:
        try:
            hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
            if any(h < 1 for h in hidden):
                raise ValueError
        except ValueError:
            p.error("--hidden takes whole numbers >= 1 separated by commas, e.g. 4,4")
        args.hidden = hidden
    return args


def build_trainer(args: argparse.Namespace) -> tuple[Trainer, dict]:
    """The run the demo trains: XOR with a small network, or a named preset."""
    from .session import default_settings, default_source

    if args.preset != "xor":
        from engine.presets import get_preset  # raises ValueError listing the names

        preset = get_preset(args.preset)
        spec = preset.spec
        if args.hidden is not None:
            if spec.features is None:
                raise ValueError(f"--hidden only applies to 2-D presets, not {args.preset}")
            spec = NetworkSpec.stack(spec.n_inputs, args.hidden, spec.n_outputs, spec.layers[0].activation,
                                     spec.output_activation, spec.loss, spec.reduction, spec.init, spec.seed, spec.features)
        data = preset.make_dataset()
        trainer = Trainer(spec, data, preset.train_settings())
        preset.attach(trainer)
        source = data.source or {"kind": "preset", "name": preset.name}
        return trainer, source
    source = default_source()
    spec = NetworkSpec.stack(2, args.hidden or [4, 2], 1, "tanh", "tanh", features=("x", "y"))
    return Trainer(spec, datasets.from_source(source), default_settings()), source


def headless_rate(args: argparse.Namespace, seconds: float = 1.0) -> float:
    """Epochs/s of the same run trained without a window, in chunks with a history point each."""
    trainer, _ = build_trainer(args)
    trainer.step(5)  # warm-up (compiles the fast path once)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds and trainer.diverged is None:
        done += trainer.step(50)
        trainer.record()
    return done / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(list(argv or []))
    except SystemExit as exc:  # argparse: usage already printed
        return 0 if exc.code in (0, None) else 0
    try:
        return _run(args)
    except Exception:
        traceback.print_exc()
        print("demo failed: see the error above", file=sys.stderr)
        return 0


def _run(args: argparse.Namespace) -> int:
    if not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        trainer, source = build_trainer(args)  # bad preset names fail here, before any window
    except ValueError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 0
    reference = headless_rate(args)

    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer

    from .app import make_application
    from .main_window import MainWindow

    app = make_application([])
    settings_dir = tempfile.mkdtemp(prefix="bp-demo-")
    qsettings = QSettings(os.path.join(settings_dir, "layout.ini"), QSettings.Format.IniFormat)
    # files=False: no save/open (its unsaved-work prompt would stop a scripted close)
    window = MainWindow(settings=qsettings, grid_resolution=args.resolution, restore_layout=False, files=False)
    session = window.session
    session.adopt(trainer, source)
    session.set_speed(None if args.speed == "full" else float(args.speed))
    window.show()

    lateness: list[float] = []
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(PROBE_MS)
    last = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if last[0]:
            lateness.append(max(0.0, now - last[0] - PROBE_MS))
        last[0] = now

    probe.timeout.connect(tick)
    state = {"start": 0.0, "frames0": 0, "redraws0": 0, "epoch0": 0, "finished": False}
    limit = args.timeout or (60.0 + (0 if args.speed == "full" else 2.0 * args.epochs / float(args.speed)))

    def begin() -> None:
        if session.latest is None or session.latest.epoch != trainer.epoch:
            QTimer.singleShot(20, begin)  # wait until the starting state is on screen
            return
        state.update(start=time.perf_counter(), frames0=session.frames, redraws0=window.output_plot.redraws,
                     epoch0=session.latest.epoch)
        clock.start()
        probe.start()
        session.play(until_epoch=state["epoch0"] + args.epochs)
        watchdog.start()

    def check() -> None:
        snap = session.latest
        done = snap is not None and snap.epoch >= state["epoch0"] + args.epochs
        stopped = not session.playing and snap is not None and snap.diverged is not None
        if done or stopped or time.perf_counter() - state["start"] > limit:
            finish()

    def finish() -> None:
        if state["finished"]:
            return
        state["finished"] = True
        watchdog.stop()
        probe.stop()
        seconds = time.perf_counter() - state["start"]
        snap = session.latest
        epochs = (snap.epoch if snap else 0) - state["epoch0"]
        frames = session.frames - state["frames0"]
        redraws = window.output_plot.redraws - state["redraws0"]
        p99 = float(np.percentile(lateness, 99)) if lateness else 0.0
        if args.screenshot:
            window.loss_plot.draw(snap) if snap is not None else None
            if not window.grab().save(args.screenshot):
                print(f"could not save the screenshot to {args.screenshot}", file=sys.stderr)
        rate = epochs / seconds if seconds > 0 else 0.0
        # the machine's load can change during the run: compare with headless before and after
        state["after"] = headless_rate(args) if epochs else reference
        base = 0.5 * (reference + state["after"])
        kept = rate / base if base > 0 else float("nan")
        worker = session.worker
        if snap is not None and snap.diverged:
            print(snap.diverged)
        per_snapshot = 1000 * worker.seconds_snapshots / max(worker.snapshots_made, 1)
        print(f"headless_epochs_per_s={base:.0f} (before {reference:.0f}, after {state['after']:.0f}) "
              f"window_epochs_per_s={rate:.0f} kept={kept:.0%}{'' if args.speed == 'full' else ' (speed-limited)'} "
              f"snapshot_ms={per_snapshot:.2f} "
              f"train_loss={snap.train_loss if snap else float('nan'):.4g}")
        print(f"epochs={epochs} frames={frames} fps={frames / seconds if seconds > 0 else 0:.1f} "
              f"ui_latency_p99_ms={p99:.1f} boundary_redraws={redraws} seconds={seconds:.2f}", flush=True)
        window.close()
        app.quit()

    watchdog = QTimer()
    watchdog.setInterval(10)
    watchdog.timeout.connect(check)
    QTimer.singleShot(0, begin)
    app.exec()
    if not state["finished"]:
        window.close()
    session.shutdown()
    return 0
