"""What a training step costs by each learning rule, at about 10, 100 and 1,000 weights.

Same data (the playground's XOR: 250 training points, inputs x and y), one hidden tanh layer
widened to give about 10, 100 and 1,000 parameters, squared error, full batch (one step =
one sweep), SGD lr 0.03, both rules on the engine's NumPy path (the compiled kernel only
does backprop, so leaving it out keeps the comparison like for like).

Per row: forward-pass equivalents per step, as the trainer counts them (`Trainer.passes`:
each forward or backward pass over the batch counts 1), and seconds per step, best of a few
rounds with the two rules taking turns; then the ratio perturbation / backprop of both,
measured in this one run. Backprop stays at 2 passes a step; weight perturbation needs
1 + one forward pass per weight, so its cost grows with the network.

Run: `make bench` (after engine_speed.py) or `.venv/bin/python benchmarks/rules_speed.py`
(`--quick` for a smoke run).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.core.optimizers import OptimizerSettings  # noqa: E402
from engine.core.spec import NetworkSpec  # noqa: E402
from engine.data.datasets import planar  # noqa: E402
from engine.training.trainer import Trainer, TrainSettings  # noqa: E402

# hidden width -> parameters: 2 inputs, H tanh units, 1 output: 2H + H + H + 1 = 4H + 1
WIDTHS = (2, 25, 250)
RULES = ("backprop", "perturbation")


def trainer(width: int, rule: str) -> Trainer:
    spec = NetworkSpec.stack(2, [width], 1, features=("x", "y"), seed=1)
    data = planar("xor", 500, 0.0, 0.5, seed=0)
    t = Trainer(spec, data, TrainSettings(OptimizerSettings("sgd", lr=0.03), batch_size=None, rule=rule))
    t.path = "buffered"
    return t


def seconds_per_step(t: Trainer, budget: float) -> float:
    """Mean seconds of one step over a block of about `budget` seconds (at least 2 steps)."""
    t.step(1)  # buffers allocated, caches warm
    steps, start = 0, time.perf_counter()
    while steps < 2 or time.perf_counter() - start < budget:
        t.step(1)
        steps += 1
    return (time.perf_counter() - start) / steps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one short round (a smoke run)")
    args = ap.parse_args(argv)
    rounds, budget = (1, 0.05) if args.quick else (3, 0.4)
    print("\nLearning rules: cost of one full-batch step (XOR, 250 points, one tanh hidden layer)")
    print(f"{'params':>7} {'width':>6} | {'passes/step':>11} {'ms/step':>9} | {'passes/step':>11} {'ms/step':>9} |"
          f" {'passes x':>8} {'time x':>7}")
    print(f"{'':>7} {'':>6} | {'backprop':^21} | {'perturbation':^21} | {'perturbation / backprop':^17}")
    for width in WIDTHS:
        trainers = {rule: trainer(width, rule) for rule in RULES}
        best = {rule: float("inf") for rule in RULES}
        for _ in range(rounds):  # the rules take turns, so load on the machine hits both
            for rule, t in trainers.items():
                best[rule] = min(best[rule], seconds_per_step(t, budget))
        passes = {}
        for rule, t in trainers.items():
            before = t.passes
            t.step(1)
            passes[rule] = t.passes - before
        n = trainers["backprop"].network.size
        bp, pt = "backprop", "perturbation"
        print(f"{n:>7} {width:>6} | {passes[bp]:>11} {best[bp] * 1e3:>9.3f} | {passes[pt]:>11} {best[pt] * 1e3:>9.3f} |"
              f" {passes[pt] / passes[bp]:>8.1f} {best[pt] / best[bp]:>7.1f}")
    print("passes: forward + backward passes over the batch per step (backprop 2; perturbation 1 + one per weight)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
