"""Headless command line: `train` and `gradcheck` (see docs/cli.md).

Contract: results in files, the last stdout line machine-readable; any bad input (wrong
option, impossible size, unknown preset, bad file) gives ONE line on stderr naming the
problem and exit status 2, never a traceback. Never imports Qt.
"""
from __future__ import annotations

import argparse
import math
import signal
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from engine import limits
from engine.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from engine.data.datasets import PLANAR, planar
from engine.core.features import normalise_feature
from engine.core.losses import LOSSES, REDUCTIONS
from engine.core.optimizers import OPTIMIZERS, OptimizerSettings
from engine.core.spec import MAX_UNITS, InitSpec, NetworkSpec
from engine.training.rules import RULES
from engine.estimate import LONG_WORK, estimate
from engine.files.atomic import write_atomic
from engine.training.trainer import Trainer, TrainSettings

PROG = "main.py"
N_POINTS = 500
MAX_EPOCHS = 100_000_000
DEFAULT_EPOCHS = 500
REFUSED_WORK = 5 * LONG_WORK  # multiply-adds: refused unless --force (many minutes of training)
PROGRESS_EVERY = 0.5  # seconds between progress lines on a terminal
NOTE_WORK = 5e9  # multiply-adds past which gradcheck says, on a terminal, that it will take a while
# options that describe the network or the data: a preset or a loaded project fixes them
TOPOLOGY_OPTIONS = (
    "dataset", "hidden", "activation", "output_activation", "loss", "reduction",
    "init_range", "features", "noise", "test_ratio",
)  # fmt: skip


class UsageError(Exception):
    """Bad command-line input; reported as one line on stderr with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage + exiting, so we control the one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


# ----- option types: each failure names the option's meaning -----------------------------------
def _number(what: str, low: float | None = None, high: float | None = None, high_open: bool = False):
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, not {text!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{what} must be a finite number, not {text!r}")
        if low is not None and v < low:
            raise argparse.ArgumentTypeError(f"{what} must be >= {low:g}, not {text}")
        if high is not None and (v >= high if high_open else v > high):
            raise argparse.ArgumentTypeError(f"{what} must be {'<' if high_open else '<='} {high:g}, not {text}")
        return v

    return parse


def _positive(what: str, high: float | None = None):
    base = _number(what, 0.0, high)

    def parse(text: str) -> float:
        v = base(text)
        if v <= 0:
            limit = "" if high is None else f" and <= {high:g}"
            raise argparse.ArgumentTypeError(f"{what} must be > 0{limit}, not {text}")
        return v

    return parse


def _whole(what: str, low: int, high: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{what} must be in {low}..{high}, not {v}")
        return v

    return parse


def _hidden(text: str) -> list[int]:
    if not text.strip():
        return []
    sizes = []
    for part in text.split(","):
        try:
            n = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"hidden layer sizes must be whole numbers like 4,2, not {text!r}") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"a hidden layer needs at least 1 unit, not {n} (in {text!r}; use \"\" for none)")
        if n > MAX_UNITS:
            raise argparse.ArgumentTypeError(f"a hidden layer has at most {MAX_UNITS} units, not {n}")
        sizes.append(n)
    return sizes


FULL = "full"


def _batch(text: str) -> int | str:
    if text.strip().lower() == FULL:
        return FULL
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"batch size must be a whole number >= 1 or 'full', not {text!r}") from None
    if not 1 <= n <= limits.INT32_MAX:
        raise argparse.ArgumentTypeError(f"batch size must be in 1..{limits.INT32_MAX} or 'full', not {n}")
    return n


def _activations(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",")]
    for n in names:
        if n not in HIDDEN_ACTIVATIONS:
            raise argparse.ArgumentTypeError(f"unknown activation {n!r}; choose from {', '.join(HIDDEN_ACTIVATIONS)}")
    return names


def _choice(what: str, choices: Sequence[str]):
    def parse(text: str) -> str:
        if text not in choices:
            raise argparse.ArgumentTypeError(f"unknown {what} {text!r}; choose from {', '.join(choices)}")
        return text

    return parse


def _features(text: str) -> list[str]:
    names = [t for t in (p.strip() for p in text.split(",")) if t]
    if not names:
        raise argparse.ArgumentTypeError("enable at least one input feature, e.g. x,y")
    try:
        out = [normalise_feature(n) for n in names]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if len(set(out)) != len(out):
        raise argparse.ArgumentTypeError(f"a feature is listed twice in {text!r}")
    return out


# ----- the parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Backprop Playground. With no arguments: open the window. "
        "'demo ...' runs the scripted window demo. Headless commands:",
    )
    sub = parser.add_subparsers(dest="command", metavar="{train,gradcheck,demo}")
    train = sub.add_parser("train", help="train a network, write network.json, history.csv, boundaries.png")
    _network_options(train)
    _rule_options(train)
    train.add_argument("--out", metavar="DIR", default="out", help="output directory (default: ./out)")
    check = sub.add_parser("gradcheck", help="compare backprop's gradient with finite differences")
    _network_options(check)
    _rule_options(check, "backprop only: the check compares backprop's gradient with finite differences, and "
                  "weight perturbation has no backprop gradient to check")  # --freeze as in train
    check.add_argument(
        "--precision", type=_choice("precision", ("float64", "extended")), default="float64",
        help="perturbed losses in float64 (fair timing) or extended precision (tighter check)",
    )  # fmt: skip
    check.add_argument(
        "--max-params", type=_whole("--max-params", 1, 10_000_000), default=5000,
        help="perturb at most this many parameters (a fixed random subset), default 5000",
    )  # fmt: skip
    return parser


def _preset_names() -> list[str]:
    from engine.presets import PRESETS

    return list(PRESETS)


def _network_options(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", metavar="NAME", help=f"start from a ready-made experiment: {', '.join(_preset_names())}")
    src.add_argument("--data", metavar="FILE.csv", help="your own data: header row, feature columns, target last")
    src.add_argument("--load", metavar="PROJECT.json", help="continue from a saved project file")
    p.add_argument("--dataset", type=_choice("dataset", tuple(PLANAR)), metavar="|".join(PLANAR), help="2-D data set (default xor)")
    p.add_argument("--hidden", type=_hidden, metavar="4,2", help='hidden layer sizes; "" for none (default 4,2)')
    p.add_argument("--activation", type=_activations, metavar="NAME[,NAME...]", help="hidden activation(s) (default tanh)")
    p.add_argument(
        "--output-activation", type=_choice("output activation", tuple(ACTIVATIONS)), metavar="NAME",
        help="output activation (default tanh; sigmoid with bce, softmax with softmax_ce, linear for regression)",
    )  # fmt: skip
    p.add_argument("--loss", type=_choice("loss", LOSSES), metavar="NAME", help=f"{', '.join(LOSSES)} (default squared)")
    p.add_argument("--reduction", type=_choice("reduction", REDUCTIONS), metavar="mean|sum", help="loss over a batch: mean (default) or sum")
    p.add_argument("--optimizer", type=_choice("optimizer", OPTIMIZERS), metavar="sgd|adam", help="sgd (default) or adam")
    p.add_argument("--lr", type=_number("learning rate", 0.0, limits.MAX_RATE), metavar="X", help="learning rate (default 0.03)")
    p.add_argument("--momentum", type=_number("momentum", 0.0, 1.0, high_open=True), metavar="X", help="in [0, 1) (default 0)")
    p.add_argument("--l1", type=_number("L1 rate", 0.0, limits.MAX_RATE), metavar="X", help="L1 penalty on weights (default 0)")
    p.add_argument("--l2", type=_number("L2 rate", 0.0, limits.MAX_RATE), metavar="X", help="L2 penalty on weights (default 0)")
    p.add_argument("--batch", type=_batch, metavar="N|full", help="mini-batch size, 1 = per pattern (default 10)")
    p.add_argument("--epochs", type=_whole("epochs", 0, MAX_EPOCHS), metavar="N", help=f"default {DEFAULT_EPOCHS} (a preset: its own)")
    p.add_argument("--target-loss", type=_number("target loss", 0.0), metavar="X", help="stop once train loss <= X")
    p.add_argument("--seed", type=_whole("seed", 0, limits.INT32_MAX), metavar="N", help="data and weights seed (default 0)")
    p.add_argument(
        "--init-range", type=_positive("initial weight range", limits.MAX_INIT_RANGE), metavar="X",
        help="initial weights uniform in ±X (default 0.5)",
    )  # fmt: skip
    p.add_argument("--features", type=_features, metavar="x,y,xy", help="2-D input features (default x,y)")
    p.add_argument("--noise", type=_number("noise", 0.0, 1.0), metavar="X", help="data noise in [0, 1] (default 0)")
    p.add_argument("--test-ratio", type=_number("test ratio", 0.0, 1.0, high_open=True), metavar="X", help="fraction held out for testing (default 0.5)")
    p.add_argument(
        "--force", action="store_true",
        help="run even when the estimate says the run is too big for memory or will take very long",
    )  # fmt: skip
    p.add_argument(
        "--margin", type=_number("error margin", 0.0, 0.5, high_open=True), metavar="M",
        help="squared error only: an output within M of its target's end of the range counts as right, "
        "with no error (the 1986 paper: 0.2); default 0, or the preset's/project's own",
    )  # fmt: skip


def _layer_names(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"give layer names separated by commas, like h1 or h1,h2, not {text!r}")
    return names


def _rule_options(p: argparse.ArgumentParser, rule_help: str | None = None) -> None:
    p.add_argument(
        "--rule", type=_choice("learning rule", RULES), metavar="|".join(RULES),
        help=rule_help or "how each weight's slope is found: backprop (default; 2 passes per batch) or weight "
        "perturbation (nudge each weight, 1 + one forward pass per weight)",
    )  # fmt: skip
    p.add_argument(
        "--freeze", type=_layer_names, metavar="NAME[,NAME...]",
        help="layers that keep their weights (names as in the project file, e.g. h1); blame still flows through them",
    )  # fmt: skip


def _freeze(spec: NetworkSpec, names: Sequence[str] | None) -> NetworkSpec:
    """The spec with the named layers frozen (learns False); unknown names are a usage error."""
    if not names:
        return spec
    known = [l.name for l in spec.layers]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"--freeze: no layer named {', '.join(map(repr, unknown))}; the layers are {', '.join(known)}")
    return spec.with_changes(layers=tuple(replace(l, learns=False) if l.name in names else l for l in spec.layers))


# ----- building a run ---------------------------------------------------------------------------
@dataclass
class Run:
    trainer: Trainer
    epochs: int
    extra: dict
    preset: object | None = None  # engine.presets.Preset
    origin: str = ""


def _given(args: argparse.Namespace, names: Sequence[str]) -> list[str]:
    return ["--" + n.replace("_", "-") for n in names if getattr(args, n, None) is not None]


def _settings(args: argparse.Namespace, base: TrainSettings) -> TrainSettings:
    o = base.optimizer
    opt = OptimizerSettings(
        name=args.optimizer if args.optimizer is not None else o.name,
        lr=args.lr if args.lr is not None else o.lr,
        momentum=args.momentum if args.momentum is not None else o.momentum,
        l1=args.l1 if args.l1 is not None else o.l1,
        l2=args.l2 if args.l2 is not None else o.l2,
        beta1=o.beta1,
        beta2=o.beta2,
        eps=o.eps,
    )
    batch = base.batch_size if args.batch is None else (None if args.batch == FULL else args.batch)
    rule = getattr(args, "rule", None) or base.rule
    return TrainSettings(opt, batch, base.shuffle, rule)


def build_run(args: argparse.Namespace) -> Run:
    if args.preset is not None:
        return _from_preset(args)
    if args.load is not None:
        return _from_project(args)
    return _fresh(args)


def _from_preset(args: argparse.Namespace) -> Run:
    clash = _given(args, TOPOLOGY_OPTIONS)
    if clash:
        raise UsageError(f"{', '.join(clash)} cannot be combined with --preset (the preset fixes the network and data)")
    from engine.presets import get_preset

    try:
        preset = get_preset(args.preset)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if preset.schedule is not None and preset.schedule.phases and _given(args, ("lr", "momentum")):
        raise UsageError(f"--lr/--momentum cannot be combined with --preset {preset.name}: its schedule sets them")
    spec = preset.spec if args.seed is None else preset.spec.with_changes(seed=args.seed)
    spec = _freeze(spec, getattr(args, "freeze", None))
    if args.margin is not None:
        spec = spec.with_changes(margin=args.margin)
    trainer = Trainer(spec, preset.make_dataset(), _settings(args, preset.train_settings()), history_limit=None)
    preset.attach(trainer)
    epochs = args.epochs if args.epochs is not None else preset.epochs
    return Run(trainer, epochs, {"preset": preset.name}, preset, f"preset {preset.name}: {preset.title}")


def _from_project(args: argparse.Namespace) -> Run:
    clash = _given(args, (*TOPOLOGY_OPTIONS, "seed"))
    if clash:
        raise UsageError(f"{', '.join(clash)} cannot be combined with --load (the project fixes the network and data)")
    from engine.files.serialize import load_project, trainer_from_project

    project = load_project(args.load)  # ProjectError is a ValueError: reported as one line
    project.spec = _freeze(project.spec, getattr(args, "freeze", None))
    if args.margin is not None:
        project.spec = project.spec.with_changes(margin=args.margin)
    trainer = trainer_from_project(project, history_limit=None)
    settings = _settings(args, trainer.settings)
    if settings != trainer.settings:
        trainer.set_settings(settings)
    preset = None
    name = project.extra.get("preset")
    if isinstance(name, str):
        from engine.presets import PRESETS

        preset = PRESETS.get(name)
    epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS
    extra = dict(project.extra)
    return Run(trainer, epochs, extra, preset, f"project {args.load} at epoch {trainer.epoch}")


def _fresh(args: argparse.Namespace) -> Run:
    seed = args.seed if args.seed is not None else 0
    test_ratio = args.test_ratio if args.test_ratio is not None else 0.5
    if args.data is not None:
        if args.dataset is not None or args.noise is not None:
            raise UsageError("--dataset and --noise describe generated data; they cannot be combined with --data")
        from engine.data.csvdata import load_csv

        data = load_csv(args.data, test_ratio, seed)  # CsvError: one line naming every bad row
    else:
        data = planar(args.dataset or "xor", N_POINTS, args.noise or 0.0, test_ratio, seed)
    features = None
    if data.planar:
        features = tuple(args.features) if args.features is not None else ("x", "y")
    elif args.features is not None:
        raise UsageError(f"--features apply only to 2-D data; this data has {data.n_inputs} input columns")
    hidden = args.hidden if args.hidden is not None else [4, 2]
    acts = args.activation or ["tanh"]
    if len(acts) == 1:
        acts = acts * len(hidden)
    elif len(acts) != len(hidden):
        raise UsageError(f"--activation lists {len(acts)} activations for {len(hidden)} hidden layers; give one or one per layer")
    loss = args.loss or "squared"
    if loss == "softmax_ce" and data.n_outputs < 2:
        raise UsageError(
            "softmax cross-entropy needs two or more classes (one output per class); "
            "this data has a single target: use --loss bce or squared"
        )
    out_act = args.output_activation or {"bce": "sigmoid", "softmax_ce": "softmax"}.get(
        loss, "linear" if data.task == "regression" else "tanh"
    )
    spec = NetworkSpec.stack(
        data.n_inputs,
        hidden,
        data.n_outputs,
        acts,
        out_act,
        loss,
        args.reduction or "mean",
        InitSpec("uniform", args.init_range if args.init_range is not None else 0.5),
        seed,
        features,
    )
    spec = _freeze(spec, getattr(args, "freeze", None))
    if args.margin is not None:
        spec = spec.with_changes(margin=args.margin)
    if spec.n_parameters() > limits.MAX_PARAMETERS:
        raise UsageError(f"the network would have {spec.n_parameters():,} parameters; at most {limits.MAX_PARAMETERS:,}")
    settings = _settings(args, TrainSettings())
    n_points = len(data.x_train) + len(data.x_test)
    memory = estimate(spec, n_points, 1, settings.batch_size)
    if memory.too_big and not args.force:
        raise UsageError(memory.memory_message() + " (or add --force to try anyway)")
    trainer = Trainer(spec, data, settings, history_limit=None)
    epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS
    what = f"CSV {args.data}" if args.data is not None else f"data set {data.name}"
    return Run(trainer, epochs, {}, None, what)


# ----- describing a run -----------------------------------------------------------------------
def describe(run: Run) -> list[str]:
    t = run.trainer
    spec, data, s = t.spec, t.data, t.settings
    layers = " -> ".join(f"{l.units} {l.activation}" for l in spec.layers)
    inputs = ",".join(spec.features) if spec.features else str(spec.n_inputs)
    topo = "" if spec.is_plain_stack() else " (with extra connections)"
    o = s.optimizer
    opt = f"{o.name} lr {o.lr:g}" + (f" momentum {o.momentum:g}" if o.momentum else "")
    opt += (f" l1 {o.l1:g}" if o.l1 else "") + (f" l2 {o.l2:g}" if o.l2 else "")
    batch = "full batch" if s.batch_size is None else ("per pattern" if s.batch_size == 1 else f"batch {s.batch_size}")
    if s.rule != "backprop":
        batch += f", rule {s.rule}"
    frozen = [l.name for l in spec.layers if not l.learns]
    if frozen:
        batch += f", frozen {','.join(frozen)}"
    return [
        f"{run.origin}",
        f"data: {data.name}, {data.task}, {len(data.x_train)} training / {len(data.x_test)} test patterns",
        f"network: inputs {inputs} -> {layers}{topo}; {spec.n_parameters()} parameters; "
        f"loss {spec.loss} ({spec.reduction})" + (f", error margin {spec.margin:g}" if spec.margin else ""),
        f"training: {opt}, {batch}, {run.epochs} epochs, seed {spec.seed}",
    ]


def say(text: str) -> None:
    """Print to stdout; if the reader went away (`| head`), keep working and stay quiet."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _fmt(v: float) -> str:
    return "nan" if not math.isfinite(v) else f"{v:.6g}"


# ----- commands -----------------------------------------------------------------------------
def cmd_train(args: argparse.Namespace) -> int:
    run = build_run(args)
    check_work(run, run.epochs, args.force)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output directory {out}: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise UsageError(f"the output path {out} is not a directory")
    for line in describe(run):
        say(line)
    t = run.trainer
    criterion = getattr(run.preset, "criterion", None)
    met_at = t.epoch if criterion is not None and criterion.met(t) else None
    if len(t.history) == 0:
        t.record()
    _warm_up(t)
    passes_before = t.passes
    progress = Progress(run.epochs)
    # every epoch's row comes from its own training pass (no second pass over the data);
    # the test set is measured at the epochs `tested` names, the last row afresh (below)
    t.record_passes = True
    each_epoch = criterion is not None or args.target_loss is not None or progress.on
    start = time.perf_counter()
    done = 0
    while done < run.epochs:
        want = 1 if each_epoch else min(run.epochs - done, next_tested(t.epoch) - t.epoch)
        ran = t.step(want)
        done += ran
        if ran and tested(t.epoch):
            test_loss, test_acc = t.evaluate_test()
            t.history.append(t.epoch, t.last_epoch_loss, test_loss, t.last_epoch_accuracy, test_acc)
        if ran < want:  # diverged
            break
        progress.update(done, t.last_epoch_loss)
        if met_at is None and criterion is not None and criterion.met(t):
            met_at = t.epoch
        if args.target_loss is not None and t.last_epoch_loss <= args.target_loss:
            break
    seconds = time.perf_counter() - start
    progress.done()
    t.record_passes = False
    t.record()  # the last row: a fresh evaluation of the final weights
    if t.diverged is not None:
        print(f"warning: {t.diverged.message()}", file=sys.stderr)
    if criterion is not None:
        say(f"criterion ({criterion.text}): " + (f"met at epoch {met_at}" if met_at is not None else "not met"))
    written = write_outputs(run, out)
    say("wrote " + ", ".join(str(p) for p in written))
    m = t.evaluate()
    say(
        f"epochs={t.epoch} train_loss={_fmt(m.train_loss)} test_loss={_fmt(m.test_loss)} "
        f"train_acc={_fmt(m.train_acc)} test_acc={_fmt(m.test_acc)} seconds={seconds:.3f} "
        f"passes={t.passes - passes_before}"
    )
    return 0


def tested(epoch: int) -> bool:
    """Epochs whose row in history.csv measures the test set: 1-10, 20, 30, ... 100, 200, ...

    About nine per tenfold of epochs, so the test set costs a run a percent or two of its
    time while its curve keeps its shape on a log scale.
    """
    return epoch <= 10 or epoch % 10 ** (len(str(epoch)) - 1) == 0


def next_tested(epoch: int) -> int:
    """The first epoch after `epoch` that `tested` names."""
    if epoch < 10:
        return epoch + 1
    scale = 10 ** (len(str(epoch)) - 1)
    return (epoch // scale + 1) * scale


def _warm_up(trainer: Trainer) -> None:
    """Load the optional JIT kernels before timing, so it counts as set-up, not training.
    (fastpath and fastchunk report a kernel they cannot build as a warning and train on NumPy.)"""
    if trainer.path in ("auto", "numba"):
        from engine.fast import fastchunk

        fastchunk.warm_up()


def check_work(run: Run, epochs: int, force: bool, passes: float = 1.0) -> None:
    """Refuse (exit 2) a run whose estimated work is far beyond a few minutes, unless --force."""
    t = run.trainer
    n_points = len(t.data.x_train) + len(t.data.x_test)
    e = estimate(t.spec, n_points, max(epochs, 1), t.settings.batch_size)
    if e.work * passes > REFUSED_WORK and not force:
        scaled = estimate(t.spec, n_points, 1).work * passes * max(epochs, 1)
        raise UsageError(
            f"this run needs about {scaled:.2g} multiply-adds (roughly {scaled / 2e9 / 60:.0f} minutes or more); "
            "use fewer epochs, points or units, or add --force to run it anyway"
        )


class Progress:
    """A one-line progress report on standard error, only when it is a terminal (never in logs or pipes)."""

    def __init__(self, total: int, stream=None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.on = total > 0 and _isatty(self.stream)
        self.total = total
        self.start = self.last = time.perf_counter()
        self.shown = False

    def update(self, done: int, loss: float) -> None:
        if not self.on:
            return
        now = time.perf_counter()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        left = (self.total - done) / rate if rate > 0 else float("inf")
        self.stream.write(f"\repoch {done}/{self.total}  train loss {_fmt(loss)}  {rate:,.0f} epochs/s  about {left:,.0f} s left ")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def write_outputs(run: Run, out: Path) -> list[Path]:
    from engine.files.serialize import ProjectError, project_from_trainer, save_project

    t = run.trainer
    written = []
    net_path = out / "network.json"
    try:
        save_project(net_path, project_from_trainer(t, run.extra))
    except ProjectError as exc:
        raise UsageError(str(exc)) from None
    written.append(net_path)
    hist_path = out / "history.csv"
    rows = ["epoch,train_loss,test_loss,train_acc,test_acc"]
    for e, a, b, c, d in t.history.array():
        rows.append(f"{int(e)},{float(a)!r},{float(b)!r},{float(c)!r},{float(d)!r}")
    try:
        write_atomic(hist_path, ("\n".join(rows) + "\n").encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot write {hist_path}: {exc.strerror or exc}") from None
    written.append(hist_path)
    if t.data.planar:
        from engine.files.render import write_boundaries

        png = out / "boundaries.png"
        try:
            write_boundaries(t, png)
        except OSError as exc:
            raise UsageError(f"cannot write {png}: {exc.strerror or exc}") from None
        written.append(png)
    return written


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from engine.explain.gradcheck import check_trainer

    if args.rule is not None and args.rule != "backprop":
        raise UsageError(
            f"--rule {args.rule}: gradcheck checks backprop's gradient against finite differences, and weight "
            f"perturbation has no backprop gradient to check (to train with it: {PROG} train --rule {args.rule})"
        )  # fmt: skip
    run = build_run(args)
    n = run.trainer.spec.n_parameters()
    passes = 2.0 * min(n, args.max_params) / 3.0  # two perturbed losses per checked parameter
    check_work(run, 1, args.force, passes)
    for line in describe(run)[:3]:
        say(line)
    t = run.trainer
    work = estimate(t.spec, len(t.data.x_train), 1).work * passes
    if work > NOTE_WORK and _isatty(sys.stderr):  # a long silent wait looks like a hang: say why
        print(f"checking {min(n, args.max_params):,} parameters: about {work:.2g} multiply-adds, "
              f"which may take a minute or more (--max-params checks fewer)", file=sys.stderr, flush=True)
    t = run.trainer
    if args.epochs:
        t.step(args.epochs)
        say(f"trained {args.epochs} epochs first" + (f" ({t.diverged.message()})" if t.diverged else ""))
    result = check_trainer(t, precision=args.precision, max_parameters=args.max_params, skip_frozen=True)
    for p in result.parameters:
        if p.frozen:  # not learned: not perturbed, but shown (blame through it is checked below it)
            say(f"  {p.label:<40} frozen (not learned, not checked)")
        else:
            say(f"  {p.label:<40} max relative error {p.max_relative_error:.3g}")
    say(result.summary())
    return 0


COMMANDS = {"train": cmd_train, "gradcheck": cmd_gradcheck}


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so atomic writes remove their temporary files."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def join_negative_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`--lr -1e-3` -> `--lr=-1e-3`: argparse takes a value that starts with '-' for an option
    (unless it looks like a plain negative integer), and says "expected one argument" instead
    of what is wrong with the value. Joined, the option's own check names the range."""
    takes_value = set()
    for p in (parser, *_subparsers(parser)):
        for action in p._actions:
            if action.option_strings and action.nargs is None and action.const is None:
                takes_value.update(action.option_strings)
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in takes_value and i + 1 < len(argv) and argv[i + 1].startswith("-") and _numeric(argv[i + 1]):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
        else:
            out.append(tok)
            i += 1
    return out


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [p for a in parser._actions if isinstance(a, argparse._SubParsersAction) for p in a.choices.values()]


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    try:
        return _main(parser, argv)
    except Terminated:
        return 143  # 128 + SIGTERM, as a shell reports it
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _main(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    try:
        if not argv:
            raise UsageError(f"give a command: train or gradcheck (see {PROG} --help)")
        if not argv[0].startswith("-") and argv[0] not in COMMANDS:
            raise UsageError(f"unknown command {argv[0]!r}; choose train, gradcheck or demo (see {PROG} --help)")
        args = parser.parse_args(join_negative_values(parser, argv))
        if args.command not in COMMANDS:
            raise UsageError(f"unknown command; choose train or gradcheck (see {PROG} --help)")
        return COMMANDS[args.command](args)
    except UsageError as exc:
        return _fail(str(exc))
    except ValueError as exc:  # SpecError, CsvError, ProjectError, settings checks
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the contract: one line, never a traceback
        return _fail(f"internal error ({type(exc).__name__}: {exc}); please report it")


def _fail(message: str) -> int:
    line = " ".join(message.split())
    print(f"error: {line}", file=sys.stderr)
    return 2
