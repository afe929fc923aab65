"""Ready-made experiments: the 1986 paper's networks and the browser playground's defaults.

This module is the single source of truth; `resources/presets/*.json` are generated from
it (`python -m engine.presets --write-json`) and a test checks that they agree.

Settings follow the paper where it states them (see ../shared paper notes, summarised in
each preset's `notes`): logistic units, E = ½Σ(y−d)², gradients summed over all cases
(reduction "sum", full batch = one weight change per sweep), dw = −eps·dE/dw + alpha·dw(t−1),
uniform initial weights. Where the paper is silent we use the Handbook `bp` program's
defaults (eps 0.5, alpha 0.9, ±0.5) and say so.
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable


from engine.data import datasets


from engine.data import family_trees
from engine.training.criteria import Criterion
from engine.data.datasets import Dataset
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import InitSpec, InputGroup, LayerSpec, NetworkSpec
from engine.training.trainer import Trainer, TrainSettings

JSON_DIR = Path(__file__).resolve().parents[1] / "resources" / "presets"


@dataclass(frozen=True)
class Phase:
    """From `start_epoch` on, train with this learning rate and momentum."""

    start_epoch: int
    lr: float
    momentum: float


@dataclass(frozen=True)
class Schedule:
    """eps/alpha changes over epochs and the paper's weight decay; installs as Trainer.epoch_hook.

    `weight_decay` is the fraction every parameter loses after each weight change (the
    paper's 0.2%); biases decay too, because the paper treats a bias as an ordinary weight
    from an always-on unit. Called before each epoch, so the decay applied before update
    t+1 is the one that follows change t (none before the first change).
    """

    phases: tuple[Phase, ...] = ()
    weight_decay: float = 0.0

    def settings_for(self, epoch: int, base: OptimizerSettings) -> OptimizerSettings:
        current = base
        for ph in self.phases:
            if epoch >= ph.start_epoch:
                current = replace(base, lr=ph.lr, momentum=ph.momentum)
        return current

    def __call__(self, trainer: Trainer) -> None:
        opt = trainer.settings.optimizer
        want = self.settings_for(trainer.epoch, opt)
        if (want.lr, want.momentum) != (opt.lr, opt.momentum):
            trainer.set_settings(replace(trainer.settings, optimizer=want))
        if self.weight_decay and trainer.epoch > 0:
            trainer.network.params *= 1.0 - self.weight_decay

    def to_dict(self) -> dict[str, Any]:
        return {"phases": [asdict(p) for p in self.phases], "weight_decay": self.weight_decay}


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str  # one line: what the experiment shows
    spec: NetworkSpec
    settings: TrainSettings
    epochs: int  # a budget: how long the experiment is run (or was, in the paper)
    make_dataset: Callable[[], Dataset]
    criterion: Criterion
    schedule: Schedule | None = None
    paper: str = ""  # what the paper reports, one line
    notes: str = ""  # which settings are the paper's and which are our choices

    def train_settings(self) -> TrainSettings:
        """The preset's settings (immutable: safe to share)."""
        return self.settings

    def attach(self, trainer: Trainer) -> None:
        """Install the preset's schedule (if any) on a trainer built from it."""
        if self.schedule is not None:
            trainer.set_settings(replace(trainer.settings, optimizer=self.schedule.settings_for(trainer.epoch, trainer.settings.optimizer)))
            trainer.epoch_hook = self.schedule

    def make_trainer(self, seed: int | None = None, data: Dataset | None = None) -> Trainer:
        spec = self.spec if seed is None else self.spec.with_changes(seed=seed)
        trainer = Trainer(spec, data if data is not None else self.make_dataset(), self.train_settings())
        self.attach(trainer)
        return trainer

    def to_dict(self) -> dict[str, Any]:
        from engine.data.sources import source_of

        return {
            "format": "backprop-playground-preset",
            "version": 1,
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "spec": self.spec.to_dict(),
            "settings": {k: v for k, v in asdict(self.settings).items() if (k, v) != ("rule", "backprop")},
            "epochs": self.epochs,
            "data_source": source_of(self.make_dataset()).to_dict(),
            "criterion": self.criterion.to_dict(),
            "schedule": None if self.schedule is None else self.schedule.to_dict(),
            "paper": self.paper,
            "notes": self.notes,
        }


# ----- helpers ------------------------------------------------------------------------------
def _paper_settings(lr: float, momentum: float, batch_size: int | None = None, shuffle: bool = False) -> TrainSettings:
    return TrainSettings(OptimizerSettings("sgd", lr=lr, momentum=momentum), batch_size=batch_size, shuffle=shuffle)


def _logistic_stack(n_in: int, hidden: list[int], n_out: int, init_range: float) -> NetworkSpec:
    return NetworkSpec.stack(
        n_in, hidden, n_out, "sigmoid", "sigmoid", "squared", "sum", InitSpec("uniform", init_range)
    )


HANDBOOK = "eps 0.5, alpha 0.9, weights ±0.5 are the Handbook bp defaults (our choice where the paper is silent)"
TSS = Criterion("tss", 0.04)
WITHIN = Criterion("within", 0.2)


def _skip_spec(n_in: int, n_hidden: int, n_out: int) -> NetworkSpec:
    """n_in -> n_hidden -> n_out with direct input->output links as well."""
    return NetworkSpec(
        inputs=(InputGroup("input", n_in),),
        layers=(
            LayerSpec(n_hidden, "sigmoid", "h1"),
            LayerSpec(n_out, "sigmoid", "out", sources=("input", "h1")),
        ),
        loss="squared",
        reduction="sum",
        init=InitSpec("uniform", 0.5),
    )


def family_trees_spec(init_range: float = 0.3) -> NetworkSpec:
    """24 person units -> 6, 12 relation units -> 6, both -> 12 -> 6 -> 24 people out."""
    return NetworkSpec(
        inputs=(InputGroup("person", 24), InputGroup("relation", 12)),
        layers=(
            LayerSpec(6, "sigmoid", "person_code", sources=("person",)),
            LayerSpec(6, "sigmoid", "relation_code", sources=("relation",)),
            LayerSpec(12, "sigmoid", "central", sources=("person_code", "relation_code")),
            LayerSpec(6, "sigmoid", "answer_code", sources=("central",)),
            LayerSpec(24, "sigmoid", "out", sources=("answer_code",)),
        ),
        loss="squared",
        reduction="sum",
        init=InitSpec("uniform", init_range),
    )


def _playground(name: str, label: str, what: str) -> Preset:
    spec = NetworkSpec.stack(
        2, [4, 2], 1, "tanh", "tanh", "squared", "mean", InitSpec("uniform", 0.5), features=("x", "y")
    )
    return Preset(
        name=f"playground-{name}",
        title=f"Playground: {label}",
        description=what,
        spec=spec,
        settings=TrainSettings(OptimizerSettings("sgd", lr=0.03), batch_size=10, shuffle=True),
        epochs=1000,
        make_dataset=lambda: datasets.planar(name, n_points=500, noise=0.0, test_ratio=0.5, seed=0),
        criterion=Criterion("accuracy", 0.95, on="test"),
        paper="(not in the paper: the browser TensorFlow Playground's default set-up, for comparison)",
        notes="Playground defaults: features x, y; hidden [4, 2]; tanh; squared error averaged over "
        "batches of 10; lr 0.03; 500 points, half for testing; no noise. Weights ±0.5 (playground: "
        "random − 0.5). Criterion (ours): test accuracy ≥ 95%.",
    )


def _family_trees(
    name: str, title: str, what: str, *, init: float, eps: float, sweeps: int, weight_decay: float, notes: str
) -> Preset:
    """The family-trees net with the paper's two-phase schedule; variants differ only in these settings."""
    return Preset(
        name,
        title,
        what,
        family_trees_spec(init).with_changes(margin=0.2),
        _paper_settings(eps, 0.5),
        sweeps,
        lambda: family_trees.dataset(0),
        WITHIN,
        schedule=Schedule((Phase(0, eps, 0.5), Phase(20, 2 * eps, 0.9)), weight_decay=weight_decay),
        paper="Nature: 1,500 sweeps, 100 of 104 triples trained, all 4 held-out triples right [read]",
        notes=notes,
    )


def _build() -> dict[str, Preset]:
    ps = [
        Preset(
            "xor-2-2-1",
            "XOR, 2-2-1",
            "XOR is not linearly separable: two hidden units must build features (OR and AND) that make it so.",
            _logistic_stack(2, [2], 1, 0.5),
            _paper_settings(0.5, 0.9),
            2000,
            datasets.xor_table,
            TSS,
            paper="ch. 8: eps 0.25, stuck in a local minimum in 2 of hundreds of runs [cited]; Handbook: stop at tss < 0.04",
            notes="Handbook xor files: eps 0.5, alpha 0.9, ±0.5, one change per sweep, tss < 0.04 [read].",
        ),
        Preset(
            "xor-2-1-1-skip",
            "XOR, one hidden unit + direct links",
            "With direct input→output links one hidden unit (an AND detector) is enough for XOR.",
            _skip_spec(2, 1, 1),
            _paper_settings(0.5, 0.9),
            3000,
            datasets.xor_table,
            TSS,
            paper="ch. 8: 558 sweeps, one run, eps 0.5 [cited]",
            notes="eps 0.5 from ch. 8 [cited]; alpha 0.9, ±0.5, tss < 0.04 are Handbook defaults (our choice).",
        ),
        Preset(
            "symmetry-6-2-1",
            "Symmetry of a 6-bit string, 6-2-1",
            "Two hidden units detect mirror symmetry with weights equal and opposite across the middle, in ratio 1:2:4.",
            _logistic_stack(6, [2], 1, 0.3),
            _paper_settings(0.1, 0.9),
            5000,
            lambda: datasets.symmetry(6),
            WITHIN,
            paper="Nature fig. 1: 1,425 sweeps; mirror weights equal and opposite, magnitudes 1:2:4 [read]",
            notes="eps 0.1, alpha 0.9, ±0.3, batch over all 64 patterns [read]; the stopping rule is not "
            "stated: we use every output within 0.2 of its target.",
        ),
        Preset(
            "parity-4-4-1",
            "4-bit parity, 4-4-1",
            "Parity: the output flips whenever any input flips; hidden units learn to count the on bits.",
            _logistic_stack(4, [4], 1, 0.5),
            _paper_settings(0.5, 0.9),
            6000,
            lambda: datasets.parity(4),
            WITHIN,
            paper="ch. 8: all 16 patterns right after 2,825 presentations [cited]",
            notes=f"eps 0.5 from ch. 8 [cited]; {HANDBOOK}; criterion (ours): every output within 0.2.",
        ),
        Preset(
            "encoder-4-2-4",
            "Encoder 4-2-4",
            "Four one-hot patterns squeezed through two hidden units: the hidden layer invents a 2-bit code.",
            _logistic_stack(4, [2], 4, 0.5),
            _paper_settings(0.5, 0.9, batch_size=1, shuffle=True),
            500,
            lambda: datasets.encoder(4),
            TSS,
            paper="Handbook: stop at tss < 0.04 within 500 epochs [read]",
            notes="Handbook 424 files: eps 0.5, alpha 0.9, ±0.5, weights changed after each pattern, "
            "pattern order shuffled each epoch [read].",
        ),
        Preset(
            "encoder-8-3-8",
            "Encoder 8-3-8",
            "Eight one-hot patterns through three hidden units: the hidden units learn a binary code.",
            _logistic_stack(8, [3], 8, 0.5),
            _paper_settings(0.5, 0.9, batch_size=1, shuffle=True),
            3000,
            lambda: datasets.encoder(8),
            TSS,
            paper="ch. 8: hidden units learn a binary code; no sweep count found [cited]",
            notes=f"{HANDBOOK}; weights changed after each pattern, order shuffled, as in the Handbook's "
            "4-2-4 files (one change per sweep with eps 0.5 stuck in every seed we tried); tss < 0.04.",
        ),
        Preset(
            "negation",
            "Negation, 4-3-3 + direct links",
            "A flag bit says whether to invert three bits: three XORs of the flag with each bit, "
            "each built from one AND-like hidden unit plus direct links.",
            _skip_spec(4, 3, 3),
            _paper_settings(0.5, 0.9),
            3000,
            datasets.negation,
            WITHIN,
            paper="ch. 8: solved as three XORs of the flag with each bit [unsure]",
            notes="3 hidden units and direct input→output links (our choice: with 3 hidden units and no "
            f"direct links 0 of 10 seeds solved it; each XOR then needs one hidden unit, as in xor-2-1-1-skip); "
            f"{HANDBOOK}; every output within 0.2.",
        ),
        _family_trees(
            "family-trees",
            "Family trees (Hinton 1986)",
            "From 100 facts about two isomorphic families the net learns codes for people "
            "(nationality, generation, branch) and answers held-out queries.",
            init=0.3,
            eps=0.005,
            sweeps=1500,
            weight_decay=0.002,
            notes="The paper's settings, literally: eps 0.005/alpha 0.5 for 20 sweeps then 0.01/0.9, 0.2% "
            "weight decay after each change, one change per sweep, error margin 0.2 in the error itself "
            "(no error for on-units > 0.8 or off-units < 0.2, Nature fig. 4 caption) and the same rule "
            "for 'right' [read]; initial weights ±0.3 (our choice: not stated); the 4 held-out queries "
            "are chosen by a seed. It does not learn in 1,500 sweeps here (docs/reproduction.md); "
            "family-trees-tuned is the variant that does.",
        ),
        _family_trees(
            "family-trees-tuned",
            "Family trees, tuned to learn",
            "The family-trees network with the smallest changes we found that make it learn: "
            "no weight decay, 5 times the step size, larger initial weights.",
            init=1.0,
            eps=0.025,
            sweeps=3000,
            weight_decay=0.0,
            notes="Deviations from the paper (ours, to make it learn): no weight decay (paper: 0.2%); eps "
            "×5, 0.025 for 20 sweeps then 0.05 (paper: 0.005, then 0.01); initial weights ±1 (paper: not "
            "stated; family-trees uses ±0.3); a budget of 3,000 sweeps (paper: 1,500). Kept from the "
            "paper [read]: alpha 0.5 then 0.9, one change per sweep, error margin 0.2, right = on-units "
            "> 0.8 and off-units < 0.2.",
        ),
        _playground("xor", "XOR", "The browser playground's default: XOR quadrants with x, y and hidden [4, 2]."),
        _playground("circle", "Circle", "A disc inside a ring: hidden tanh units combine into a closed boundary."),
        _playground("gauss", "Two Gaussians", "Two blobs: linearly separable, learnt almost at once."),
        _playground(
            "spiral", "Spiral", "Two spirals: hard for x, y and [4, 2]; add features or layers to solve it."
        ),
    ]
    return {p.name: p for p in ps}


PRESETS: dict[str, Preset] = _build()


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None


def dataset_from_source(source: Any) -> Dataset:
    """Regenerate a preset's dataset from its source, typed or as a file's JSON holds it
    (engine/data/sources.py reads every kind)."""
    from engine.data.sources import dataset_from_source as build

    return build(source)


def write_json(directory: Path = JSON_DIR) -> list[Path]:
    """Regenerate resources/presets/*.json from PRESETS."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in PRESETS.values():
        path = directory / f"{p.name}.json"
        path.write_text(json.dumps(p.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-json"]:
        for p in write_json():
            print(p)
    else:
        print("usage: python -m engine.presets --write-json")
