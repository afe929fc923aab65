"""`python main.py demo`: open the real window, train while drawing, measure, screenshot, exit.

    python main.py demo [--preset xor] [--hidden 4,4] [--epochs N] [--speed full|N]
                        [--screenshot FILE.png] [--resolution 100] [--screen WxH]

The last output line is machine-readable:
    epochs=N frames=N fps=X ui_latency_p99_ms=X boundary_redraws=N seconds=X window=WxH
where ui latency is how late a 16 ms GUI-thread timer fires while training runs and
window is the window's outer size. Before it, one line compares training speed in the
window with the same network trained headless.

`--screen WxH` lays the window out as it would open on a screen of that size (the
screenshot is the whole window). Exit status: 0 when the run finished (or the window was
closed), 2 for a bad option (one line on stderr), 1 when something failed (the training
thread died, an error was reported or raised).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
import traceback

import numpy as np

from engine.core.spec import NetworkSpec
from engine.data import datasets
from engine.data.sources import DataSource, PresetSource
from engine.training.trainer import Trainer

PROBE_MS = 16
SPEED_RANGE = (0.1, 1e6)  # epochs/s: 1/speed and time + 1/speed stay finite
RESOLUTION_RANGE = (4, 400)  # boundary grid points per side (400: 160,000 points per unit per frame)
EPOCHS_MAX = 10_000_000
UNITS_MAX, LAYERS_MAX = 1024, 16
SCREEN_RANGE = ((640, 480), (7680, 4320))


class OptionError(Exception):
    """A bad option or value: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print the usage too: one line instead
        raise OptionError(message)


def _speed(text: str) -> float | None:
    if text == "full":
        return None
    try:
        value = float(text)
    except ValueError:
        raise OptionError(f"--speed must be 'full' or a number of epochs per second, not {text!r}") from None
    lo, hi = SPEED_RANGE
    if not math.isfinite(value) or not lo <= value <= hi:
        raise OptionError(f"--speed must be 'full' or between {lo:g} and {hi:g} epochs per second, not {text}")
    return value


def _screen(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise OptionError(f"--screen takes WIDTHxHEIGHT in pixels, e.g. 1366x768, not {text!r}") from None
    (w0, h0), (w1, h1) = SCREEN_RANGE
    if not (w0 <= w <= w1 and h0 <= h <= h1):
        raise OptionError(f"--screen must be between {w0}x{h0} and {w1}x{h1}, not {text}")
    return w, h


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options, checked; raises OptionError naming the option and the allowed values."""
    p = _Parser(prog="main.py demo", description="Train in the real window, measure, screenshot, exit.")
    p.add_argument("--preset", default="xor", help="xor (default) or a preset name from engine.presets")
    p.add_argument("--hidden", default=None, help="hidden layer sizes, e.g. 4,4 (2-D presets only)")
    p.add_argument("--epochs", default="2000", help="epochs to train (default 2000)")
    p.add_argument("--speed", default="full", help="'full' or epochs per second (e.g. 20)")
    p.add_argument("--screenshot", default=None, help="save a PNG of the whole window here")
    p.add_argument("--resolution", default="100", help="boundary grid points per side (default 100)")
    p.add_argument("--timeout", default=None, help="give up after this many seconds")
    p.add_argument("--screen", default=None, help="lay the window out for a screen of WxH pixels, e.g. 1366x768")
    args = p.parse_args(argv)
    args.epochs = _whole(args.epochs, "--epochs", 1, EPOCHS_MAX)
    args.resolution = _whole(args.resolution, "--resolution", *RESOLUTION_RANGE)
    args.speed = _speed(args.speed)
    args.screen = None if args.screen is None else _screen(args.screen)
    if args.timeout is not None:
        try:
            args.timeout = float(args.timeout)
        except ValueError:
            raise OptionError(f"--timeout must be a number of seconds, not {args.timeout!r}") from None
        if not math.isfinite(args.timeout) or args.timeout <= 0:
            raise OptionError(f"--timeout must be a positive number of seconds, not {args.timeout}")
    if args.hidden is not None:
        parts = [h.strip() for h in args.hidden.split(",") if h.strip()]
        if not parts or len(parts) > LAYERS_MAX or not all(h.isdigit() and 1 <= int(h) <= UNITS_MAX for h in parts):
            raise OptionError(f"--hidden takes 1 to {LAYERS_MAX} whole numbers from 1 to {UNITS_MAX} "
                              f"separated by commas, e.g. 4,4; not {args.hidden!r}")
        args.hidden = [int(h) for h in parts]
    return args


def _whole(text: str, option: str, lo: int, hi: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise OptionError(f"{option} must be a whole number from {lo} to {hi:,}, not {text!r}") from None
    if not lo <= value <= hi:
        raise OptionError(f"{option} must be from {lo} to {hi:,}, not {value}")
    return value


def build_trainer(args: argparse.Namespace) -> tuple[Trainer, DataSource]:
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
        source = data.source or PresetSource(preset.name)
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
    except OptionError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help: argparse printed it
        return 0 if exc.code in (0, None) else 2
    try:
        return _run(args)
    except Exception:
        traceback.print_exc()
        print("demo failed: see the error above", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        trainer, source = build_trainer(args)  # bad preset names fail here, before any window
    except ValueError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    reference = headless_rate(args)

    from PySide6.QtCore import QElapsedTimer, QRect, QSettings, Qt, QTimer

    from .app import make_application
    from .main_window import MainWindow

    app = make_application([])
    settings_dir = tempfile.mkdtemp(prefix="bp-demo-")
    qsettings = QSettings(os.path.join(settings_dir, "layout.ini"), QSettings.Format.IniFormat)
    # files=False: no save/open (its unsaved-work prompt would stop a scripted close)
    screen = None if args.screen is None else QRect(0, 0, *args.screen)
    window = MainWindow(settings=qsettings, grid_resolution=args.resolution, restore_layout=False, files=False,
                        speed=args.speed, screen=screen)
    session = window.session
    session.adopt(trainer, source)
    session.set_speed(args.speed)
    failures = _watch_for_failures(session)
    if app.platformName() == "offscreen":  # no window manager draws a frame here: the window is all there is
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.fit_to_screen()
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
    limit = args.timeout or (60.0 + (0 if args.speed is None else 2.0 * args.epochs / args.speed))

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
        if not window.isVisible():  # the user closed the window (its shutdown stops the worker): a normal end
            watchdog.stop()
            probe.stop()
            return
        if not session.worker.alive:
            failures.append("the training thread stopped")
        if failures:  # something went wrong: stop now, the exit status says so
            finish()
            return
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
        outer = window.frameGeometry().size()
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
              f"window_epochs_per_s={rate:.0f} kept={kept:.0%}{'' if args.speed is None else ' (speed-limited)'} "
              f"snapshot_ms={per_snapshot:.2f} "
              f"train_loss={snap.train_loss if snap else float('nan'):.4g}")
        print(f"epochs={epochs} frames={frames} fps={frames / seconds if seconds > 0 else 0:.1f} "
              f"ui_latency_p99_ms={p99:.1f} boundary_redraws={redraws} seconds={seconds:.2f} "
              f"window={outer.width()}x{outer.height()}", flush=True)
        window.close()
        app.quit()

    watchdog = QTimer()
    watchdog.setInterval(10)
    watchdog.timeout.connect(check)
    QTimer.singleShot(0, begin)
    app.exec()
    if not state["finished"]:  # the window was closed before the run ended: a normal close
        window.close()
    session.shutdown()
    for failure in failures:
        print(f"demo: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _watch_for_failures(session) -> list[str]:
    """What went wrong during the run: errors the worker reported, exceptions raised in Qt
    slots (PySide prints them through sys.excepthook and carries on) or in other threads."""
    failures: list[str] = []
    session.message.connect(lambda kind, text: failures.append(text) if kind == "error" else None)
    previous = sys.excepthook

    def hook(kind, value, tb) -> None:
        failures.append(f"{kind.__name__}: {value}")
        previous(kind, value, tb)

    sys.excepthook = hook
    previous_thread_hook = threading.excepthook

    def thread_hook(args) -> None:
        failures.append(f"{args.exc_type.__name__} in thread {args.thread.name if args.thread else '?'}: {args.exc_value}")
        previous_thread_hook(args)

    threading.excepthook = thread_hook
    return failures
