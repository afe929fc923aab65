"""How fast the engine trains, against the practical limits, in one run (< 3 minutes).

Full batch: epochs per second of the real `Trainer.step` against (a) a NumPy loop written
by hand for that one network (preallocated buffers, in-place operations: the practical
limit for NumPy) and (b) PyTorch on the CPU (autograd + a plain SGD update, float64 like
the engine; skipped when torch is missing), on the same network, data and settings. Each
contender's weights after a few epochs are compared with the engine's, so all three are
shown to compute the same thing.

The train command: `main.py train --dataset spiral --hidden 8,8 --batch full` as users run
it (its own `seconds=`: the training loop, recording every epoch from its training pass and
the test set at intervals) against the hand-fused loop on the same 250 training points;
the issue's goal is at least 0.9x.

Small batches: the browser playground's default set-up (XOR, 250 training points, inputs
x and y, tanh everywhere, squared error, lr 0.03) at batch sizes 10 and 1, hidden [4, 2]
and [8, 8]: the engine as it runs (numba kernel when numba is installed), the engine's
NumPy path, and a straightforward NumPy loop, against the browser engine's own figures.

Run: `make bench` or `.venv/bin/python benchmarks/engine_speed.py` (`--quick` for a smoke
run). Figures are best-of-several repeats; other load on the machine only lowers them.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from engine.fast import fastchunk  # noqa: E402
from engine.data.datasets import Dataset, planar  # noqa: E402
from engine.core.optimizers import OptimizerSettings  # noqa: E402
from engine.core.spec import NetworkSpec  # noqa: E402
from engine.training.trainer import Trainer, TrainSettings  # noqa: E402

# The browser playground's own engine (per-example JavaScript) under Node on this machine,
# default set-up at batch size 10. Quoted from the project's issue: its code is not here.
BROWSER_EPOCHS_PER_S = {(4, 2): 6_900, (8, 8): 2_400}
LR = 0.03


# ----- timing ----------------------------------------------------------------------------
def best_rates(runs: dict[str, Callable[[int], None]], repeats: int, seconds: float) -> dict[str, float]:
    """Best epochs/s of each contender over `repeats` rounds of blocks of about `seconds`.

    The contenders take turns within each round, so a burst of other load on the machine
    hits them alike instead of spoiling one column.
    """
    blocks = {}
    for name, run in runs.items():
        run(1)  # warm-up (allocations, JIT)
        k = 1
        while True:  # calibrate the block length
            t = time.perf_counter()
            run(k)
            dt = time.perf_counter() - t
            if dt >= seconds / 4 or k >= 1 << 20:
                break
            k *= 4
        blocks[name] = max(1, int(k * seconds / max(dt, 1e-9)))
    best = dict.fromkeys(runs, 0.0)
    for _ in range(repeats):
        for name, run in runs.items():
            k = blocks[name]
            t = time.perf_counter()
            run(k)
            best[name] = max(best[name], k / (time.perf_counter() - t))
    return best


def blas_threads() -> tuple[int, str]:
    """Threads NumPy's BLAS may use, and a description of the BLAS."""
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                return int(info["num_threads"]), f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')})"
    except ImportError:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var]), f"limited by {var}"
    return os.cpu_count() or 1, "(threadpoolctl not installed; assuming one thread per core)"


# ----- the networks ------------------------------------------------------------------------
@dataclass
class Case:
    label: str
    spec: NetworkSpec
    data: Dataset


def full_batch_cases() -> list[Case]:
    xor = planar("xor", 500, noise=0.0, test_ratio=0.5, seed=0)  # 250 training points
    spiral = planar("spiral", 1000, noise=0.0, test_ratio=0.5, seed=0)  # 500 training points
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, (256, 784))
    y = np.eye(10)[rng.integers(0, 10, 256)]
    digits = Dataset("random-784", x, y, x[:0], y[:0], "multiclass")
    return [
        Case("XOR 2-4-2-1, 250 pts", NetworkSpec.stack(2, [4, 2], 1, "tanh", "tanh", features=("x", "y")), xor),
        Case("spiral 2-8-8-1, 500 pts", NetworkSpec.stack(2, [8, 8], 1, "tanh", "tanh", features=("x", "y")), spiral),
        Case("784-128-10, 256 pts", NetworkSpec.stack(784, [128], 10, "tanh", "softmax", loss="softmax_ce"), digits),
    ]


def make_trainer(case: Case, batch: int | None, fast: bool = True) -> Trainer:
    t = Trainer(case.spec, case.data, TrainSettings(OptimizerSettings(lr=LR), batch_size=batch))
    t.path = "auto" if fast else "buffered"
    return t


def layer_views(t: Trainer, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(flat[lo.weight_slices[0]].reshape(lo.fan_ins[0], lo.units), flat[lo.bias_slice]) for lo in t.network.layouts]


def stacked_view(t: Trainer, flat: np.ndarray, i: int) -> np.ndarray:
    """[W; b] of layer i as one (fan_in + 1, units) view (bias follows weights in `flat`)."""
    lo = t.network.layouts[i]
    return flat[lo.weight_slices[0].start : lo.bias_slice.stop].reshape(lo.fan_ins[0] + 1, lo.units)


# ----- (a) hand-fused NumPy loops, one per network -------------------------------------
# Three memory layouts are tried and the fastest counts as the limit: "C" (row-major),
# "F" (unit-major), "F1" (unit-major with a column of ones after each hidden layer's
# activations, so the next layer's bias rides in its matrix product, as the engine does).
LAYOUTS = ("C", "F", "F1")


def _hidden(n: int, units: int, layout: str) -> tuple[np.ndarray, np.ndarray]:
    """(buffer, its (n, units) activation view)."""
    if layout == "F1":
        buf = np.ones((n, units + 1), order="F")
        return buf, buf[:, :units]
    buf = np.empty((n, units), order=layout)
    return buf, buf


def fused_tanh_2_hidden(t: Trainer, layout: str = "C") -> tuple[Callable[[int], None], np.ndarray]:
    """tanh-tanh-tanh, squared error (mean), plain SGD: every buffer allocated once."""
    x, y = t.x_train, t.y_train
    n = len(x)
    p = t.network.params.copy()
    g = np.empty_like(p)
    (w1, b1), (w2, b2), (w3, b3) = layer_views(t, p)
    (gw1, gb1), (gw2, gb2), (gw3, gb3) = layer_views(t, g)
    aug = layout == "F1"
    w2b, w3b, g2b, g3b = stacked_view(t, p, 1), stacked_view(t, p, 2), stacked_view(t, g, 1), stacked_view(t, g, 2)
    order = "F" if aug else layout
    h1, a1 = _hidden(n, w1.shape[1], layout)
    h2, a2 = _hidden(n, w2.shape[1], layout)
    a3 = np.empty((n, 1), order=order)
    d1, d2, d3 = (np.empty(a.shape, order=order) for a in (a1, a2, a3))
    t1, t2 = np.empty_like(d1), np.empty_like(d2)
    w3_row = w3.T  # one output: dE/da2 is an outer product, cheaper by broadcasting
    ones = np.ones(n)  # bias gradients as BLAS products: faster than sums over axis 0

    def run(epochs: int) -> None:
        for _ in range(epochs):
            np.matmul(x, w1, out=a1)
            np.add(a1, b1, out=a1)
            np.tanh(a1, out=a1)
            if aug:
                np.matmul(h1, w2b, out=a2)
            else:
                np.matmul(a1, w2, out=a2)
                np.add(a2, b2, out=a2)
            np.tanh(a2, out=a2)
            if aug:
                np.matmul(h2, w3b, out=a3)
            else:
                np.matmul(a2, w3, out=a3)
                np.add(a3, b3, out=a3)
            np.tanh(a3, out=a3)
            np.subtract(a3, y, out=d3)
            loss = 0.5 * float(np.vdot(d3, d3)) / n  # noqa: F841  (computed, as the engine does)
            np.multiply(a3, a3, out=a3)
            np.subtract(1.0, a3, out=a3)
            np.multiply(d3, a3, out=d3)
            np.divide(d3, n, out=d3)
            if aug:
                np.matmul(h2.T, d3, out=g3b)
            else:
                np.matmul(a2.T, d3, out=gw3)
                np.matmul(ones, d3, out=gb3)
            np.multiply(d3, w3_row, out=d2)
            np.multiply(a2, a2, out=t2)
            np.subtract(1.0, t2, out=t2)
            np.multiply(d2, t2, out=d2)
            if aug:
                np.matmul(h1.T, d2, out=g2b)
            else:
                np.matmul(a1.T, d2, out=gw2)
                np.matmul(ones, d2, out=gb2)
            np.matmul(d2, w2.T, out=d1)
            np.multiply(a1, a1, out=t1)
            np.subtract(1.0, t1, out=t1)
            np.multiply(d1, t1, out=d1)
            np.matmul(x.T, d1, out=gw1)
            np.matmul(ones, d1, out=gb1)
            np.multiply(g, -LR, out=g)
            np.add(p, g, out=p)

    return run, p


def fused_tanh_softmax(t: Trainer, layout: str = "C") -> tuple[Callable[[int], None], np.ndarray]:
    """tanh hidden layer, softmax output, cross-entropy (mean), plain SGD."""
    x, y = t.x_train, t.y_train
    n = len(x)
    p = t.network.params.copy()
    g = np.empty_like(p)
    (w1, b1), (w2, b2) = layer_views(t, p)
    (gw1, gb1), (gw2, gb2) = layer_views(t, g)
    aug = layout == "F1"
    w2b, g2b = stacked_view(t, p, 1), stacked_view(t, g, 1)
    order = "F" if aug else layout
    hb, h = _hidden(n, w1.shape[1], layout)
    o = np.empty((n, w2.shape[1]), order=order)
    dh, col = np.empty(h.shape, order=order), np.empty((n, 1))
    ones = np.ones(n)

    def run(epochs: int) -> None:
        for _ in range(epochs):
            np.matmul(x, w1, out=h)
            np.add(h, b1, out=h)
            np.tanh(h, out=h)
            if aug:
                np.matmul(hb, w2b, out=o)
            else:
                np.matmul(h, w2, out=o)
                np.add(o, b2, out=o)
            np.max(o, axis=1, keepdims=True, out=col)
            np.subtract(o, col, out=o)
            np.exp(o, out=o)
            np.sum(o, axis=1, keepdims=True, out=col)
            np.divide(o, col, out=o)
            loss = -float(np.vdot(y, np.log(np.maximum(o, 1e-12)))) / n  # noqa: F841
            np.subtract(o, y, out=o)  # dE/dz of softmax + cross-entropy
            np.divide(o, n, out=o)
            if aug:
                np.matmul(hb.T, o, out=g2b)
            else:
                np.matmul(h.T, o, out=gw2)
                np.matmul(ones, o, out=gb2)
            np.matmul(o, w2.T, out=dh)
            np.multiply(h, h, out=h)
            np.subtract(1.0, h, out=h)
            np.multiply(dh, h, out=dh)
            np.matmul(x.T, dh, out=gw1)
            np.matmul(ones, dh, out=gb1)
            np.multiply(g, -LR, out=g)
            np.add(p, g, out=p)

    return run, p


# ----- (b) PyTorch ---------------------------------------------------------------------------
def torch_loop(torch, t: Trainer) -> tuple[Callable[[int], None], Callable[[], np.ndarray]]:
    x = torch.from_numpy(t.x_train.copy())
    y = torch.from_numpy(np.ascontiguousarray(t.y_train))
    n = len(x)
    layers = []
    for w, b in layer_views(t, t.network.params.copy()):
        layers.append((torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)))
    params = [q for wb in layers for q in wb]
    softmax = t.spec.loss == "softmax_ce"

    def run(epochs: int) -> None:
        for _ in range(epochs):
            a = x
            for i, (w, b) in enumerate(layers):
                z = torch.addmm(b, a, w)
                a = z if (softmax and i == len(layers) - 1) else torch.tanh(z)
            if softmax:
                loss = torch.nn.functional.cross_entropy(a, y)
            else:
                loss = 0.5 * ((a - y) ** 2).sum() / n
            loss.backward()
            with torch.no_grad():
                for q in params:
                    q -= LR * q.grad
                    q.grad = None

    def flat() -> np.ndarray:
        return np.concatenate([q.detach().numpy().ravel() for wb in layers for q in wb])

    return run, flat


def load_torch(threads: int):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


# ----- (c) a straightforward NumPy loop for the small-batch table --------------------------
def straightforward_loop(t: Trainer, batch: int) -> Callable[[int], None]:
    """What one would write first: allocate freely, one expression per step."""
    x_all, y_all = t.x_train, t.y_train
    params = [(w.copy(), b.copy()) for w, b in layer_views(t, t.network.params)]
    rng = np.random.default_rng(0)
    n = len(x_all)

    def run(epochs: int) -> None:
        for _ in range(epochs):
            order = rng.permutation(n)
            x_sh, y_sh = x_all[order], y_all[order]
            for s in range(0, n, batch):
                x, y = x_sh[s : s + batch], y_sh[s : s + batch]
                acts = [x]
                for w, b in params:
                    acts.append(np.tanh(acts[-1] @ w + b))
                delta = (acts[-1] - y) * (1 - acts[-1] ** 2) / len(x)
                for i in range(len(params) - 1, -1, -1):
                    w, b = params[i]
                    gw, gb = acts[i].T @ delta, delta.sum(axis=0)
                    if i:
                        delta = (delta @ w.T) * (1 - acts[i] ** 2)
                    w -= LR * gw
                    b -= LR * gb

    return run


# ----- tables --------------------------------------------------------------------------------
def fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def print_table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def full_batch_table(torch, threads: int, repeats: int, seconds: float) -> list[tuple[str, float, float, float | None]]:
    print("\nFull batch: epochs/s (best of %d), one update per sweep, lr %.2f" % (repeats, LR))
    rows, results = [], []
    check_epochs = 5
    for i, case in enumerate(full_batch_cases()):
        if torch is not None:  # as many threads as NumPy's BLAS really uses on this network
            torch.set_num_threads(threads if case.spec.n_parameters() > 10_000 else 1)
        fused_maker = fused_tanh_softmax if case.spec.loss == "softmax_ce" else fused_tanh_2_hidden
        # same result first: the engine, the fused loop and torch after a few epochs
        engine = make_trainer(case, None)
        path = "numba" if engine.path_in_use() == "numba" else "NumPy"
        diffs = []
        engine.step(check_epochs)
        for layout in LAYOUTS:
            run_f, p_f = fused_maker(make_trainer(case, None), layout)
            run_f(check_epochs)
            diffs.append(np.abs(p_f - engine.network.params).max())
        if torch is not None:
            run_t, flat_t = torch_loop(torch, make_trainer(case, None))
            run_t(check_epochs)
            diffs.append(np.abs(flat_t() - engine.network.params).max())
        # then speed, each from fresh weights; the fused limit is the best of its layouts
        runs = {"engine": make_trainer(case, None).step}
        runs.update({lay: fused_maker(make_trainer(case, None), lay)[0] for lay in LAYOUTS})
        if torch is not None:
            runs["torch"] = torch_loop(torch, make_trainer(case, None))[0]
        rates = best_rates(runs, repeats, seconds)
        r_engine, r_fused, r_torch = rates["engine"], max(rates[lay] for lay in LAYOUTS), rates.get("torch")
        results.append((case.label, r_engine, r_fused, r_torch))
        rows.append([case.label, f"{fmt(r_engine)} ({path})", fmt(r_fused), fmt(r_torch),
                     ratio(r_engine, r_fused), ratio(r_engine, r_torch), f"{max(diffs):.0e}"])
    print_table(["network", "engine", "hand-fused NumPy", "PyTorch CPU", "engine/fused", "engine/torch",
                 "max |w diff|"], rows)
    return results


def small_batch_table(repeats: int, seconds: float) -> list[tuple[tuple[int, int], int, float, float, float]]:
    use_numba = fastchunk.available()
    print("\nSmall batches: the browser playground's default set-up (XOR, 250 training points, inputs x, y,")
    print("tanh everywhere, squared error, lr 0.03): epochs/s (best of %d)" % repeats)
    xor = planar("xor", 500, noise=0.0, test_ratio=0.5, seed=0)
    rows, results = [], []
    for hidden in ((4, 2), (8, 8)):
        case = Case("", NetworkSpec.stack(2, list(hidden), 1, "tanh", "tanh", features=("x", "y")), xor)
        browser = BROWSER_EPOCHS_PER_S[hidden]
        for batch in (10, 1):
            default = make_trainer(case, batch, fast=True)
            used = default.path_in_use() == "numba"
            rates = best_rates({"engine": default.step, "numpy": make_trainer(case, batch, fast=False).step,
                                "plain": straightforward_loop(make_trainer(case, batch), batch)}, repeats, seconds)
            r_default, r_numpy, r_plain = rates["engine"], rates["numpy"], rates["plain"]
            results.append((hidden, batch, r_default, r_numpy, r_plain))
            label = f"hidden {list(hidden)}, batch {batch}"
            b_label = fmt(browser) + ("" if batch == 10 else " (b10)")
            rows.append([label, fmt(r_default) + (" (numba)" if used else " (NumPy)"), fmt(r_numpy), fmt(r_plain),
                         b_label, ratio(r_default, browser), ratio(r_numpy, browser)])
    print_table(["set-up", "engine", "engine NumPy path", "plain NumPy loop", "browser",
                 "engine/browser", "NumPy/browser"], rows)
    if not use_numba:
        print("numba is not installed: the engine column is the NumPy path.")
    print("browser = its engine under Node on this machine at batch size 10 (quoted from the issue; at")
    print("batch 1 it does 10x the updates, so comparing our batch-1 figure with its batch-10 one is the harder test).")
    return results


TRAIN_ARGS = ("--dataset", "spiral", "--hidden", "8,8", "--batch", "full")
TRAIN_LINE = re.compile(r"^epochs=(\d+) .*\bseconds=(\d+\.\d+)\b")


def train_command_table(repeats: int, epochs: int) -> float:
    """The `train` command as users run it against the hand-fused loop on the same network and data.

    `train` runs in this process through engine.cli.main, exactly as `main.py train` does; its
    epochs/s come from its own last line (epochs / seconds=, the training loop with its
    per-epoch history rows and the test set at intervals; no set-up or file writing). The
    hand-fused loops start from the same weights and data (built by the command's own code),
    and the weights `train` saves are checked against them.
    """
    from engine import cli
    from engine.files.serialize import load_project

    print(f"\nThe train command (spiral 2-8-8-1, full batch, {epochs} epochs): epochs/s (best of {repeats})")
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["train", *TRAIN_ARGS, "--epochs", str(epochs), "--out", tmp]
        reference = cli.build_run(cli.build_parser().parse_args(argv)).trainer

        def train_rate() -> tuple[float, np.ndarray]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = cli.main(argv)
            last = out.getvalue().strip().splitlines()[-1]
            m = TRAIN_LINE.match(last)
            if code != 0 or m is None:
                raise RuntimeError(f"train failed (exit {code}): {last}")
            return int(m.group(1)) / float(m.group(2)), load_project(Path(tmp) / "network.json").params

        # the fastest memory layout of the hand-fused loop first, then the same number of
        # turns for each contender (the best of more tries would favour the loop)
        layouts = best_rates({lay: fused_tanh_2_hidden(_copy_trainer(reference), lay)[0] for lay in LAYOUTS},
                             2, 0.05)
        layout = max(layouts, key=layouts.get)
        run_fused = fused_tanh_2_hidden(_copy_trainer(reference), layout)[0]
        best_train, best_fused, params = 0.0, 0.0, None
        for _ in range(repeats):  # taking turns: a burst of load hits both alike
            rate, params = train_rate()
            best_train = max(best_train, rate)
            t = time.perf_counter()
            run_fused(epochs)
            best_fused = max(best_fused, epochs / (time.perf_counter() - t))
        check, p_check = fused_tanh_2_hidden(_copy_trainer(reference), "C")
        check(epochs)
        same = f"{np.abs(params - p_check).max():.0e}"
    print_table(["command", "train (seconds=)", "hand-fused NumPy", "train/fused", "max |w diff|"],
                [["main.py train " + " ".join(TRAIN_ARGS), fmt(best_train), f"{fmt(best_fused)} ({layout})",
                  ratio(best_train, best_fused), same]])
    return best_train / best_fused


def _copy_trainer(t: Trainer) -> Trainer:
    return Trainer(t.spec, t.data, t.settings, network=t.network.copy())


def paper_table(repeats: int, seconds: float) -> None:
    """The 1986 paper's tiny sets train per sweep (full batch): there the kernel runs too."""
    from engine.data import datasets

    print("\nThe 1986 paper's sets, one update per sweep (lr 0.5, momentum 0.9): epochs/s (best of %d)" % repeats)
    cases = [
        ("XOR 2-2-1, 4 patterns", datasets.xor_table(), NetworkSpec.stack(2, [2], 1, "sigmoid", "sigmoid")),
        ("symmetry 6-2-1, 64 patterns", datasets.symmetry(6), NetworkSpec.stack(6, [2], 1, "sigmoid", "sigmoid")),
        ("encoder 8-3-8, 8 patterns", datasets.encoder(8), NetworkSpec.stack(8, [3], 8, "sigmoid", "sigmoid")),
    ]
    rows = []
    for label, data, spec in cases:
        trainers = {}
        for fast in (True, False):
            t = Trainer(spec, data, TrainSettings(OptimizerSettings(lr=0.5, momentum=0.9), batch_size=None))
            t.path = "auto" if fast else "buffered"
            trainers[fast] = t
        used = trainers[True].path_in_use() == "numba"
        rates = best_rates({"engine": trainers[True].step, "numpy": trainers[False].step}, repeats, seconds)
        rows.append([label, fmt(rates["engine"]) + (" (numba)" if used else " (NumPy)"), fmt(rates["numpy"]),
                     ratio(rates["engine"], rates["numpy"])])
    print_table(["set", "engine", "engine NumPy path", "ratio"], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short smoke run (figures less reliable)")
    args = ap.parse_args(argv)
    repeats, seconds = (2, 0.05) if args.quick else (7, 0.2)
    started = time.perf_counter()

    threads, blas = blas_threads()
    torch = load_torch(threads)
    print("engine speed benchmark")
    print(f"numpy {np.__version__}, BLAS: {blas}, BLAS threads: {threads}, cores: {os.cpu_count()}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if var in os.environ:
            print(f"  {var}={os.environ[var]} (left as set)")
    if torch is None:
        print("PyTorch: not installed, column skipped (pip install torch==2.13.0)")
    else:
        print(f"PyTorch {torch.__version__}, float64; torch.set_num_threads matches the threads NumPy's BLAS")
        print("  really uses: 1 on the playground networks (OpenBLAS does not split products that small:")
        print(f"  same speed when limited to one thread), {threads} on 784-128-10")
    if fastchunk.available():
        t0 = time.perf_counter()
        fastchunk.warm_up()
        print(f"numba kernel: available (loaded or compiled in {time.perf_counter() - t0:.1f} s, before timing)")
    else:
        print("numba kernel: not available (numba not installed)")

    train_ratio = train_command_table(3 if args.quick else 5, 1000 if args.quick else 5000)
    full = full_batch_table(torch, threads, repeats, seconds)
    small = small_batch_table(repeats, seconds)
    paper_table(repeats, seconds)

    print("\nTargets")
    print(f"  train command, spiral 2-8-8-1 full batch: >= 0.9x hand-fused: "
          f"{'met' if train_ratio >= 0.9 else 'NOT met'} ({train_ratio:.2f}x)")
    for label, r_engine, r_fused, r_torch in full[:2]:
        ok_f = r_engine >= 0.8 * r_fused
        print(f"  {label}: engine >= 0.8x hand-fused: {'met' if ok_f else 'NOT met'} ({r_engine / r_fused:.2f}x)", end="")
        if r_torch:
            ok_t = r_engine >= 4 * r_torch
            print(f"; >= 4x PyTorch: {'met' if ok_t else 'NOT met'} ({r_engine / r_torch:.1f}x)")
        else:
            print("; PyTorch not measured")
    for hidden, batch, r_default, _, _ in small:
        browser = BROWSER_EPOCHS_PER_S[hidden]
        ok = r_default > browser
        print(f"  hidden {list(hidden)}, batch {batch}: beat the browser ({browser:,}/s): "
              f"{'met' if ok else 'NOT met'} ({r_default / browser:.2f}x)")
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
