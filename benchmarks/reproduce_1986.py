"""Rerun the 1986 experiments over many seeds and write docs/reproduction.md.

    .venv/bin/python benchmarks/reproduce_1986.py [--seeds N] [--fast] [--out PATH]

Every run uses the preset's settings unchanged (engine/presets.py: the paper's where
known, stated choices otherwise) and the engine's Trainer, one weight change per sweep
where the paper says so. After every sweep the outputs on the training set are checked
against three rules, so one run gives sweeps-to-criterion for each of them:
tss < 0.04, every output within 0.2 of its target, every output on the right side of 0.5.
Besides the presets, a few stated variants (the chapter's own XOR and parity settings,
the family-trees changes) are run the same way; they never replace a preset's result.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import pickle
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.data import family_trees  # noqa: E402
from engine.presets import Preset, get_preset  # noqa: E402
from engine.training.criteria import Criterion, tss  # noqa: E402

PAPER_EXPERIMENTS = (
    "xor-2-2-1",
    "xor-2-1-1-skip",
    "symmetry-6-2-1",
    "parity-4-4-1",
    "encoder-4-2-4",
    "encoder-8-3-8",
    "negation",
    "family-trees",
    "family-trees-tuned",
)
FAMILY = ("family-trees", "family-trees-tuned")
PLAYGROUND = ("playground-xor", "playground-circle", "playground-gauss", "playground-spiral")
RULES = ("tss", "within", "correct")  # tss < 0.04; all outputs within 0.2; all on the right side of 0.5
PAPER_SWEEPS = 1500  # family trees: the paper's run length
STRICT = Criterion("within", 0.2)


@dataclass(frozen=True)
class Variant:
    """A preset with stated changes (None = as the preset)."""

    label: str
    base: str
    lr: float | None = None  # eps (for a schedule: every phase's eps times lr / the first phase's)
    init_range: float | None = None
    batch_size: int | None = None
    shuffle: bool | None = None
    weight_decay: float | None = None
    epochs: int | None = None

    def preset(self) -> Preset:
        p = get_preset(self.base)
        spec, settings, schedule = p.spec, p.train_settings(), p.schedule
        if self.init_range is not None:
            spec = spec.with_changes(init=replace(spec.init, range=self.init_range))
        if self.lr is not None:
            if schedule is not None and schedule.phases:
                scale = self.lr / schedule.phases[0].lr
                schedule = replace(schedule, phases=tuple(replace(ph, lr=ph.lr * scale) for ph in schedule.phases))
            settings = replace(settings, optimizer=replace(settings.optimizer, lr=self.lr))
        if self.batch_size is not None:
            settings = replace(settings, batch_size=self.batch_size)
        if self.shuffle is not None:
            settings = replace(settings, shuffle=self.shuffle)
        if self.weight_decay is not None and schedule is not None:
            schedule = replace(schedule, weight_decay=self.weight_decay)
        return replace(p, spec=spec, settings=settings, schedule=schedule, epochs=self.epochs or p.epochs)


# The chapter's own XOR and parity settings, and the family-trees diagnosis (one change at a time).
CHAPTER_VARIANTS = (
    Variant("XOR 2-2-1, eps 0.25 (ch. 8), alpha 0.9, ±0.5", "xor-2-2-1", lr=0.25, epochs=5000),
    Variant("XOR 2-2-1, eps 0.25 (ch. 8), alpha 0.9, ±0.3", "xor-2-2-1", lr=0.25, init_range=0.3, epochs=5000),
    Variant("parity 4-4-1, a change after every pattern (order shuffled), eps 0.5, alpha 0.9", "parity-4-4-1",
            batch_size=1, shuffle=True),
)
FAMILY_VARIANTS = (
    Variant("as family-trees (decay 0.2%, eps 0.005/0.01, ±0.3)", "family-trees", epochs=3000),
    Variant("no weight decay", "family-trees", weight_decay=0.0, epochs=3000),
    Variant("initial weights ±1", "family-trees", init_range=1.0, epochs=3000),
    Variant("no weight decay, ±1", "family-trees", weight_decay=0.0, init_range=1.0, epochs=3000),
    Variant("eps ×5, ±1 (decay kept)", "family-trees", lr=0.025, init_range=1.0, epochs=3000),
    Variant("eps ×5, no weight decay, ±0.3", "family-trees", lr=0.025, weight_decay=0.0, epochs=3000),
    Variant("eps ×5, no weight decay, ±1 (= family-trees-tuned)", "family-trees", lr=0.025, weight_decay=0.0,
            init_range=1.0, epochs=3000),
)
VARIANTS = {v.label: v for v in CHAPTER_VARIANTS + FAMILY_VARIANTS}


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


def family_state(trainer) -> dict:
    """Training and held-out patterns right under both rules, plus the errors, now."""
    net = trainer.network
    out, out_t = net.predict(trainer.x_train), net.predict(trainer.x_test)
    half = lambda o, y: np.all((o > 0.5) == (y > 0.5), axis=1)  # noqa: E731
    return {
        "train_strict": int(STRICT.patterns_right(out, trainer.y_train).sum()),
        "train_half": int(half(out, trainer.y_train).sum()),
        "test_strict": int(STRICT.patterns_right(out_t, trainer.y_test).sum()),
        "test_half": int(half(out_t, trainer.y_test).sum()),
        "tss": float(tss(out, trainer.y_train)),
        "loss": float(trainer.evaluate().train_loss),
    }


def run_one(name: str, seed: int, budget: int | None = None, variant: str | None = None) -> RunResult:
    """Train one seed until the preset's criterion and all RULES are met, or the budget ends."""
    preset = VARIANTS[variant].preset() if variant else get_preset(name)
    family = preset.name in FAMILY
    data = family_trees.dataset(holdout_seed=seed) if family else None
    trainer = preset.make_trainer(seed=seed, data=data)
    budget = budget or preset.epochs
    crit = preset.criterion
    reached: int | None = None
    firsts: dict[str, int | None] = {r: None for r in RULES}
    extra: dict = {}
    while trainer.epoch < budget and trainer.diverged is None:
        trainer.step(1)
        out = trainer.network.predict(trainer.x_train)
        for rule, ok in rule_status(out, trainer.y_train, *trainer.output_range).items():
            if ok and firsts[rule] is None:
                firsts[rule] = trainer.epoch
        if reached is None and (crit.met(trainer) if crit.kind == "accuracy" else crit.met_outputs(out, trainer.y_train)):
            reached = trainer.epoch
            if preset.name == "symmetry-6-2-1":
                extra["symmetry"] = symmetry_pattern(trainer)
        if family and trainer.epoch == PAPER_SWEEPS:
            extra["at_paper"] = family_state(trainer)
        if reached is not None and all(v is not None for v in firsts.values()) and not family:
            break  # the family trees run their whole budget, as the paper's 1,500 sweeps
    out = trainer.network.predict(trainer.x_train)
    if family:
        extra["end"] = family_state(trainer)
        extra["at_paper"] = extra.get("at_paper", extra["end"])
        extra["heldout"] = [family_trees.describe(r) for r in trainer.x_test]
        w = trainer.network.layer_weights(0)["person"]
        extra["roles"] = family_trees.unit_roles(w)
        extra["person_max"] = float(np.abs(w).max())
        extra["on_mean"] = float(out[trainer.y_train > 0.5].mean())
        extra["off_mean"] = float(out[trainer.y_train < 0.5].mean())
    if preset.name.startswith("playground"):
        m = trainer.evaluate()
        extra["test_acc"] = m.test_acc
        extra["train_acc"] = m.train_acc
    if preset.name == "encoder-8-3-8" and reached is not None:
        h = trainer.network.forward(trainer.x_train).activations["h1"]
        extra["binary_code"] = len({tuple(r) for r in (h > 0.5).astype(int).tolist()}) == 8
    return RunResult(variant or name, seed, reached, firsts, trainer.epoch, tss(out, trainer.y_train), extra)


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


def _run_task(task: tuple) -> RunResult:
    return run_one(*task)


# ----- summary ------------------------------------------------------------------------------
def spread(values: list[int]) -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):g} [{min(values)}–{max(values)}]"


def rate(results: list[RunResult]) -> str:
    ok = sum(r.reached is not None for r in results)
    return f"{ok}/{len(results)}"


def _share(rs: list[RunResult]) -> float:
    return sum(r.reached is not None for r in rs) / len(rs) if rs else 0.0


def _within_range(value: float, rs: list[RunResult]) -> bool:
    sw = [r.reached for r in rs if r.reached is not None]
    return bool(sw) and min(sw) <= value <= max(sw)


def verdict(name: str, results: dict[str, list[RunResult]]) -> tuple[str, str]:
    """(verdict, why) for one experiment, from this run's numbers (rules in the document)."""
    rs = results[name]
    share = _share(rs)
    if name == "xor-2-2-1":
        v = "reproduced" if share >= 0.5 else "not reproduced"
        return v, f"XOR learned in {rate(rs)} runs; the chapter's local-minimum rate: see 'The chapter's own settings'"
    if name == "xor-2-1-1-skip":
        ok = share >= 0.5 and _within_range(558, rs)
        return ("reproduced" if ok else "not reproduced"), f"{rate(rs)} learn; ch. 8's 558 sweeps lie in our range {spread([r.reached for r in rs if r.reached])}"
    if name == "symmetry-6-2-1":
        sym = [r.extra["symmetry"] for r in rs if "symmetry" in r.extra]
        pattern = sum(s["equal_opposite"] for s in sym)
        ok = share >= 0.5 and sym and pattern >= 0.8 * len(sym)
        return ("reproduced" if ok else "not reproduced"), (
            f"{rate(rs)} learn; the mirror pattern appears in {pattern}/{len(sym)} of those")
    if name == "parity-4-4-1":
        ok = share >= 1 / 3 and _within_range(2825, rs)
        return ("reproduced" if ok else "not reproduced"), (
            f"{rate(rs)} learn (Handbook alpha and weights: the chapter states only eps); "
            "2,825 read as sweeps lies in our range; read as single presentations it does not (see below)")
    if name == "encoder-4-2-4":
        return ("reproduced" if share >= 0.5 else "not reproduced"), f"{rate(rs)} within the Handbook's 500 epochs"
    if name == "encoder-8-3-8":
        codes = [r for r in rs if "binary_code" in r.extra]
        return ("reproduced with stated deviations" if share >= 0.5 else "not reproduced"), (
            f"{rate(rs)} learn with a change after every pattern (ours); a clean binary code in "
            f"{sum(r.extra['binary_code'] for r in codes)}/{len(codes)}")
    if name == "negation":
        return ("reproduced with stated deviations" if share >= 0.5 else "not reproduced"), (
            f"{rate(rs)} learn with direct input→output links (ours)")
    if name in FAMILY:
        end = [r.extra["end"] for r in rs]
        learned = sum(e["train_half"] == 100 for e in end)
        strict = sum(e["train_strict"] == 100 for e in end)
        held = np.mean([e["test_strict"] for e in end])
        held_half = np.mean([e["test_half"] for e in end])
        what = (f"all 100 training patterns right at sweep {rs[0].epochs_run}: {strict}/{len(rs)} (0.2/0.8 rule), "
                f"{learned}/{len(rs)} (0.5 rule); held-out right: {held:.2f} of 4 (0.2/0.8), {held_half:.2f} of 4 (0.5)")
        if name == "family-trees":
            return ("reproduced" if strict >= 0.5 * len(rs) and held >= 3 else "not reproduced"), what
        if strict >= 0.5 * len(rs) and held >= 3:
            return "reproduced with stated deviations", what
        if learned >= 0.5 * len(rs):
            return "not reproduced", "training set learned with stated deviations, held-out answers not: " + what
        return "not reproduced", what
    return "", ""


def markdown(results: dict[str, list[RunResult]], seeds: dict[str, int], seconds: float) -> str:
    lines = [
        "# The 1986 experiments, reproduced",
        "",
        "Generated by `benchmarks/reproduce_1986.py` (`make reproduce`); do not edit by hand.",
        f"Seeds per experiment: {', '.join(f'{k} {v}' for k, v in seeds.items())}. Whole run: {seconds:.0f} s with 2 worker processes.",
        "",
        "Every run uses its preset unchanged (`engine/presets.py`; settings and their sources are in each",
        "preset's notes and below). A *sweep* is one pass through all training patterns. Sweeps to",
        "criterion are medians over the runs that reached it, with the range in brackets; a run that",
        "never reaches it within the budget counts as a failure.",
        "",
        "## Summary",
        "",
        "Verdicts, decided by this script from the numbers below: **reproduced** — with the paper's stated",
        "settings (and our stated choices where it is silent) the reported result appears in at least half",
        "of our runs (parity: a third), and a sweep count the paper gives lies within the range of our",
        "successful runs; **reproduced with stated deviations** — the same, but only with a change of ours",
        "to something the paper states or a structure it does not describe (named in the row); **not",
        "reproduced** — otherwise. Family trees count as reproduced only if at least half the runs get",
        "all 100 training patterns right under the paper's 0.2/0.8 rule *and* the held-out answers",
        "average at least 3 of 4.",
        "",
        "| experiment | paper reports | verdict | why | our criterion | success | sweeps to criterion | to tss < 0.04 | to all within 0.2 | budget |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rs in results.items():
        p = get_preset(name)
        reached = [r.reached for r in rs if r.reached is not None]
        t = [r.rule_epochs["tss"] for r in rs if r.rule_epochs["tss"] is not None]
        w = [r.rule_epochs["within"] for r in rs if r.rule_epochs["within"] is not None]
        paper_rules = f"{spread(t)} ({len(t)}/{len(rs)}) | {spread(w)} ({len(w)}/{len(rs)})"
        if name in PLAYGROUND:
            paper_rules = "n/a | n/a"  # tanh outputs, overlapping sets: the paper's rules do not apply
        v, why = verdict(name, results)
        lines.append(
            f"| `{name}` | {p.paper} | **{v or 'n/a (not in the paper)'}** | {why or '—'} | {p.criterion.text} | "
            f"{rate(rs)} | {spread(reached)} | {paper_rules} | {p.epochs} |"
        )
    lines += ["", "## Settings used", ""]
    for name in results:
        p = get_preset(name)
        o = p.settings.optimizer
        bs = "one change per sweep (summed gradients)" if p.settings.batch_size is None else f"batches of {p.settings.batch_size}"
        margin = f", error margin {p.spec.margin:g}" if p.spec.margin else ""
        lines.append(
            f"- `{name}`: eps {o.lr:g}, alpha {o.momentum:g}, init uniform ±{p.spec.init.range:g}, {bs}, "
            f"loss ½Σ(y−d)² ({p.spec.reduction}){margin}. {p.notes}"
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
    if any(n in results for n in FAMILY):
        out += family_section(results)
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


def _held(rs: list[RunResult], when: str, key: str) -> str:
    v = [r.extra[when][key] for r in rs]
    counts = ", ".join(f"{k} of 4 in {v.count(k)}" for k in range(4, -1, -1) if v.count(k))
    return f"mean {np.mean(v):.2f} of 4 ({counts})"


def family_rows(label: str, rs: list[RunResult]) -> list[str]:
    n = len(rs)
    rows = []
    for when, sweep in (("at_paper", PAPER_SWEEPS), ("end", rs[0].epochs_run)):
        if when == "end" and sweep == PAPER_SWEEPS:
            continue
        e = [r.extra[when] for r in rs]
        rows.append(
            f"| {label} | {sweep} | {sum(x['train_strict'] == 100 for x in e)}/{n} | "
            f"{sum(x['train_half'] == 100 for x in e)}/{n} | {statistics.median(x['train_strict'] for x in e):g} / "
            f"{statistics.median(x['train_half'] for x in e):g} | {_held(rs, when, 'test_strict')} | "
            f"{_held(rs, when, 'test_half')} | {statistics.median(x['tss'] for x in e):.1f} |"
        )
    return rows


ROLE_DEFINITION = (
    "A code unit *separates* an attribute when the weights from the people to it, read as a scale, put at "
    f"least {family_trees.SEPARATION_SHARE:.0%} of the people in their class by the best cut: nationality — "
    "one cut with the 12 English on one side and the 12 Italians on the other (at most 2 of 24 on the wrong "
    "side); generation — two cuts ordering generations 1 < 2 < 3 (or 3 < 2 < 1) over all 24 people; branch — "
    "one cut between Christopher and Penelope's side (with Margaret) and Andrew and Christine's side (with "
    "Charles), the grandchildren left out, over 20 people (`engine/data/family_trees.py`, `unit_roles`)."
)


def role_counts(rs: list[RunResult]) -> dict[str, int]:
    """Per attribute: in how many of these runs at least one code unit separates it."""
    return {a: sum(any(a in u for u in r.extra["roles"]) for r in rs) for a in family_trees.ATTRIBUTES}


def chance_rates(samples: int = 2000) -> dict[str, float]:
    """Share of random person->code units (Gaussian weights) passing each test: the baseline."""
    rng = np.random.default_rng(1986)
    roles = [u for _ in range(samples // 6) for u in family_trees.unit_roles(rng.normal(size=(24, 6)))]
    return {a: sum(a in u for u in roles) / len(roles) for a in family_trees.ATTRIBUTES}


def family_section(results: dict[str, list[RunResult]]) -> list[str]:
    out = [
        "## Family trees",
        "",
        f"Generated from the two trees (`engine/data/family_trees.py`): **{len(family_trees.triples())} triples**, "
        f"**{len(family_trees.queries())} distinct queries** (person, relation). The paper counts 104. With the "
        "plain definitions (uncle/aunt include a parent's sibling's spouse; nephew/niece include the spouse's "
        "siblings' children) each tree has 56 triples, and 4 queries per tree (uncle and aunt of the two "
        "grandchildren) have two answers each. The network sees one pattern per query with every right answer "
        "on, so it has 104 cases: we think the paper's 104 counts these patterns (100 trained, 4 held out).",
        "",
        "The error itself has the paper's margin (Nature, fig. 4 caption): no error, hence no gradient, for an "
        "output that should be on and is above 0.8, or should be off and is below 0.2. Each seed holds out a "
        "different 4 queries. Two rules say whether a pattern is right: the paper's (**0.2/0.8**: every "
        "on-unit > 0.8 and every off-unit < 0.2) and a looser one (**0.5**: every output on the right side of "
        "0.5). `family-trees` is the paper's setting literally; `family-trees-tuned` changes what its notes "
        "say (no weight decay, eps ×5, initial weights ±1, 3,000 sweeps).",
        "",
        "| preset | sweep | all 100 right (0.2/0.8) | all 100 right (0.5) | training patterns right, median (0.2/0.8 / 0.5) | held-out right (0.2/0.8) | held-out right (0.5) | tss (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in FAMILY:
        if name in results:
            out += family_rows(f"`{name}`", results[name])
    out.append("")
    if "family-trees" in results:
        rs = results["family-trees"]
        e = [r.extra["end"] for r in rs]
        p = get_preset("family-trees")
        shrink = p.spec.init.range * (1 - p.schedule.weight_decay) ** rs[0].epochs_run
        out += [
            f"With the literal setting every run ends on a plateau: median tss "
            f"{statistics.median(x['tss'] for x in e):.1f} at sweep {rs[0].epochs_run}, every output near 0.2 "
            f"(median over runs of the mean output: {statistics.median(r.extra['on_mean'] for r in rs):.3f} where "
            f"the target is 1, {statistics.median(r.extra['off_mean'] for r in rs):.3f} where it is 0). The margin "
            "makes an off-unit below 0.2 cost nothing, and 22–23 of the 24 outputs of each pattern are off-units, "
            "so the only error left comes from the on-units; it is too little to outgrow the 0.2% decay after each "
            f"change. The person→code weights end with |w| ≤ {statistics.median(r.extra['person_max'] for r in rs):.4f} "
            f"(median over runs), close to what the decay alone leaves of the initial ±{p.spec.init.range:g}: "
            f"{p.spec.init.range:g} × 0.998^{rs[0].epochs_run} = {shrink:.4f}.",
            "",
        ]
    tuned = results.get("family-trees-tuned", [])
    if tuned:
        learned = [r for r in tuned if r.extra["end"]["train_half"] == 100]
        others = [r for r in tuned if r.extra["end"]["train_half"] < 100]
        firsts = [r.rule_epochs["correct"] for r in tuned if r.rule_epochs["correct"] is not None]
        flicker = sum(r.rule_epochs["within"] is not None and r.extra["end"]["train_strict"] < 100 for r in tuned)
        out += [
            f"`family-trees-tuned`: {len(firsts)}/{len(tuned)} runs got all training patterns right under the 0.5 "
            f"rule at some sweep (first at {spread(firsts)}); {flicker} run(s) met the 0.2/0.8 rule at some sweep "
            "but not at the end (momentum carries weights on after the error reached zero and an output slips "
            "back over an edge). For comparison, the independent reimplementation quoted in issue 12 reported, for "
            "the same change, 7/20 runs all right at 1,500 sweeps and 15/20 by 3,000; ours, under the 0.5 rule: "
            f"{sum(r.extra['at_paper']['train_half'] == 100 for r in tuned)}/{len(tuned)} at 1,500 and "
            f"{len(firsts)}/{len(tuned)} by {tuned[0].epochs_run}.",
            "",
            "### What the person-code units learn (Nature fig. 4)",
            "",
            ROLE_DEFINITION,
            "",
        ]
        chance = chance_rates()
        rows = ["| which runs | runs | a unit separates nationality | generation | branch | units separating nothing (median per run) |",
                "|---|---|---|---|---|---|"]
        for label, group in (("`family-trees-tuned`, learned (all 100 right, 0.5 rule, at the end)", learned),
                             ("`family-trees-tuned`, not learned", others),
                             ("`family-trees` (literal)", results.get("family-trees", []))):
            if group:
                c = role_counts(group)
                empty = statistics.median(sum(not u for u in r.extra["roles"]) for r in group)
                rows.append(f"| {label} | {len(group)} | {c['nationality']}/{len(group)} | {c['generation']}/"
                            f"{len(group)} | {c['branch']}/{len(group)} | {empty:g} of 6 |")
        out += rows + [
            "",
            "Baseline: a unit with random Gaussian weights passes these tests with probability "
            + ", ".join(f"{a} {chance[a]:.2%}" for a in family_trees.ATTRIBUTES)
            + " (2,000 random units), so a run with one passing unit of six by chance is rare.",
            "",
        ]
        if learned:
            c = role_counts(learned)
            out += [
                f"**Measured**: in the {len(learned)} runs that learn, a person-code unit separates nationality in "
                f"{c['nationality']} ({c['nationality'] / len(learned):.0%}), generation in {c['generation']} "
                f"({c['generation'] / len(learned):.0%}) and the branch of the family in {c['branch']} "
                f"({c['branch'] / len(learned):.0%}). The paper's figure shows one run in which one unit codes each; "
                "in ours nationality is the code that forms most often, generation the least.",
                "",
            ]
        out += ["The figure-4 view (tab *Person codes (fig. 4)*) draws these weights as the paper does; "
                "`docs/figure4.png` shows it after `family-trees-tuned` learned (seed 11, "
                "`benchmarks/figure4_screenshot.py`).", ""]
    return out


def variants_markdown(variants: dict[str, list[RunResult]]) -> str:
    if not variants:
        return ""
    lines: list[str] = []
    chapter = [v for v in CHAPTER_VARIANTS if v.label in variants]
    if chapter:
        lines += [
            "## The chapter's own settings (XOR, parity)",
            "",
            "The presets follow the Handbook's files where ch. 8 gives no number; here the chapter's own numbers "
            "[cited], everything else as the preset.",
            "",
            "| variant | runs | reach tss < 0.04 | sweeps to it | stuck at the end (tss ≥ 0.4, never reached) | budget |",
            "|---|---|---|---|---|---|",
        ]
        for v in chapter:
            rs = variants[v.label]
            sw = [r.rule_epochs["tss"] for r in rs if r.rule_epochs["tss"] is not None]
            stuck = [r for r in rs if r.rule_epochs["tss"] is None and r.final_tss >= 0.4]
            tss_ = statistics.median(r.final_tss for r in stuck) if stuck else float("nan")
            lines.append(f"| {v.label} | {len(rs)} | {len(sw)}/{len(rs)} | {spread(sw)} | {len(stuck)}/{len(rs)} "
                         f"({len(stuck) / len(rs):.1%}; final tss median {tss_:.2f}) | {v.preset().epochs} |")
        lines.append("")
    family = [v for v in FAMILY_VARIANTS if v.label in variants]
    if family:
        lines += [
            "## Family trees: one change at a time (diagnosis)",
            "",
            "The literal preset with one or two of its settings changed, the first seeds only, 3,000 sweeps; the "
            "last row is `family-trees-tuned`. Margin 0.2 in the error throughout.",
            "",
            "| variant | runs | all right at 1,500 (0.2/0.8 / 0.5) | all right at 3,000 (0.2/0.8 / 0.5) | held-out right at 3,000 (0.2/0.8 / 0.5, mean of 4) | tss at 3,000 (median) |",
            "|---|---|---|---|---|---|",
        ]
        for v in family:
            rs = variants[v.label]
            a, e = [r.extra["at_paper"] for r in rs], [r.extra["end"] for r in rs]
            cnt = lambda xs, k: sum(x[k] == 100 for x in xs)  # noqa: E731
            lines.append(
                f"| {v.label} | {len(rs)} | {cnt(a, 'train_strict')} / {cnt(a, 'train_half')} | "
                f"{cnt(e, 'train_strict')} / {cnt(e, 'train_half')} | {np.mean([x['test_strict'] for x in e]):.2f} / "
                f"{np.mean([x['test_half'] for x in e]):.2f} | {statistics.median(x['tss'] for x in e):.1f} |"
            )
        lines.append("")
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


def discussion(results: dict[str, list[RunResult]], variants: dict[str, list[RunResult]]) -> str:
    """Where ours differs from the paper and why we think so (numbers filled in from this run)."""
    out = ["## Where ours differs, and why we think so", ""]
    if "xor-2-2-1" in results:
        ok, n, sw, ftss = _stats(results["xor-2-2-1"])
        line = (f"- **XOR 2-2-1**: with the Handbook's eps 0.5, alpha 0.9, ±0.5, {ok}/{n} runs reach tss < 0.04 "
                f"(median {spread(sw)} sweeps)"
                + (f"; the failures end with tss ≈ {ftss:.2f} (a local minimum)" if ok < n else "") + ".")
        for v in CHAPTER_VARIANTS[:2]:
            rs = variants.get(v.label)
            if rs:
                stuck = sum(r.rule_epochs["tss"] is None and r.final_tss >= 0.4 for r in rs)
                line += f" With {v.label.split(', ', 1)[1]}: {stuck} of {len(rs)} runs stuck ({stuck / len(rs):.1%})."
        line += (" ch. 8 saw local minima in about 2 of hundreds of runs (≈ 1%) [cited]; we see more with every "
                 "setting we tried, fewest with the smaller initial weights, so the chapter's unstated initial "
                 "range (or alpha) probably differed. Chauvin's ≈245 presentations at H = 2 are not comparable as "
                 "they stand: the unit (sweeps or patterns) and the criterion are unknown.")
        out.append(line)
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
            "off for all 8 symmetric strings: a local minimum). The paper reports one run and no failure rate, and "
            "does not state its stopping rule, so neither difference contradicts it. Where a run succeeds the "
            "1:2:4 equal-and-opposite pattern, the negative hidden biases, the positive output bias and the "
            "sign-flipped pair appear as the paper describes (section above)."
        )
    if "parity-4-4-1" in results:
        ok, n, sw, ftss = _stats(results["parity-4-4-1"])
        line = (f"- **Parity**: {ok}/{n} succeed with one change per sweep, median {spread(sw)} sweeps; failures end "
                f"at median tss ≈ {ftss:.2f}. The chapter's 2,825 *presentations* [cited] read as 2,825 sweeps: "
                f"{_where(2825, sw)}, so that reading fits ours.")
        v = CHAPTER_VARIANTS[2]
        rs = variants.get(v.label)
        if rs:
            sw2 = [r.reached for r in rs if r.reached is not None]
            pres = [16 * s for s in sw2]
            within = sum(p <= 2825 for p in pres)
            line += (f" Read as 2,825 single-pattern presentations (about 177 sweeps of 16 patterns, a change after "
                     f"each): with a change after every pattern {len(sw2)}/{len(rs)} runs succeed, after "
                     f"{spread(pres)} presentations; {within} of them within 2,825. That reading does not fit our "
                     "runs with eps 0.5, alpha 0.9, ±0.5 (the chapter's alpha and initial range are unknown to us).")
        out.append(line)
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
        strict = sum(r.extra["end"]["train_strict"] == 100 for r in rs)
        line = (
            f"- **Family trees**: with the paper's settings taken literally (margin in the error, eps/alpha "
            f"schedule, 0.2% decay; only the initial range ±0.3 is ours) {strict}/{len(rs)} runs get every "
            "training pattern right in 1,500 sweeps, against the paper's all-right including the 4 held-out "
            "queries. The person-layer weights shrink with the decay: their gradient, passing three layers of "
            "small weights and logistic slopes ≤ 0.25, is too small to outgrow a 0.2% pull per sweep."
        )
        tuned = results.get("family-trees-tuned")
        if tuned:
            e = [r.extra["end"] for r in tuned]
            line += (
                f" The smallest change we found that learns (`family-trees-tuned`: no decay, eps ×5, ±1, 3,000 "
                f"sweeps) gets all training patterns right in {sum(x['train_strict'] == 100 for x in e)}/{len(e)} "
                f"runs (0.2/0.8 rule) by sweep {tuned[0].epochs_run}, but answers only "
                f"{np.mean([x['test_strict'] for x in e]):.2f} of the 4 held-out queries on average under the "
                f"0.2/0.8 rule ({np.mean([x['test_half'] for x in e]):.2f} under the 0.5 rule), where the paper's "
                "run answered all 4. In the diagnosis table, runs that keep the decay get all training patterns "
                "right only under the 0.5 rule (the hardest outputs sit on the 0.2/0.8 edge), and without decay "
                "the net needs both the larger initial weights and the larger steps to learn within 3,000 "
                "sweeps. Something the paper does not state — "
                "initial weights, the exact triples held out, or how 'right' was judged on the held-out cases "
                "— probably differed; we have not found it."
            )
        line += ("  The count: our trees give 112 triples but 104 distinct queries, which we believe is the "
                 "paper's 104 (see above).")
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=50, help="seeds per paper experiment (default 50)")
    ap.add_argument("--fast", action="store_true", help="5 seeds, no playground sets or variants: a quick check")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "reproduction.md")
    ap.add_argument("--save", type=Path, help="also keep the raw results here (a pickle) for --replot")
    ap.add_argument("--replot", type=Path, help="write the document from results saved by --save; no training")
    args = ap.parse_args(argv)
    if args.replot is not None:
        with open(args.replot, "rb") as f:
            saved = pickle.load(f)
        return write(args.out, saved["results"], saved["variants"], saved["seeds"], saved["seconds"])
    n = 5 if args.fast else max(1, args.seeds)
    seeds = {name: n for name in PAPER_EXPERIMENTS}
    if not args.fast:
        seeds.update({name: max(1, n // 5) for name in PLAYGROUND})
    tasks: list[tuple] = [(name, s) for name, k in seeds.items() for s in range(k)]
    if not args.fast:
        # the chapter's XOR claim is about "hundreds" of runs: 200 seeds (4 patterns: cheap)
        tasks += [(v.base, s, None, v.label) for v in CHAPTER_VARIANTS[:2] for s in range(4 * n)]
        tasks += [(CHAPTER_VARIANTS[2].base, s, None, CHAPTER_VARIANTS[2].label) for s in range(n)]
        tasks += [(v.base, s, None, v.label) for v in FAMILY_VARIANTS for s in range(min(n, 10))]

    def cost(t: tuple) -> int:  # the longest runs first so the workers finish together
        p = VARIANTS[t[3]].preset() if len(t) > 3 else get_preset(t[0])
        return p.epochs * (20 if p.name in (*FAMILY, *PLAYGROUND) else 1)

    tasks.sort(key=lambda t: -cost(t))
    start = time.perf_counter()
    results: dict[str, list[RunResult]] = {name: [] for name in seeds}
    variants: dict[str, list[RunResult]] = {}
    with mp.get_context("fork").Pool(args.workers) as pool:
        for r in pool.imap_unordered(_run_task, tasks):
            (variants.setdefault(r.name, []) if r.name in VARIANTS else results[r.name]).append(r)
    for rs in (*results.values(), *variants.values()):
        rs.sort(key=lambda r: r.seed)
    seconds = time.perf_counter() - start
    if args.save is not None:
        with open(args.save, "wb") as f:
            pickle.dump({"results": results, "variants": variants, "seeds": seeds, "seconds": seconds}, f)
    return write(args.out, results, variants, seeds, seconds)


def write(out: Path, results: dict, variants: dict, seeds: dict, seconds: float) -> int:
    text = markdown(results, seeds, seconds) + variants_markdown(variants)
    text += "\n" + discussion(results, variants)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {out} ({seconds:.0f} s of training)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
