"""The two isomorphic family trees of Hinton's 1986 experiment, and the triples they imply.

A triple (person1, relation, person2) reads "person2 is person1's <relation>". The
relations are defined plainly from marriages and parenthood (see `answers`):

- father/mother: a parent of that sex; husband/wife: the spouse;
- son/daughter: a child; brother/sister: another child of a parent;
- uncle/aunt: a parent's sibling, or the spouse of a parent's sibling;
- nephew/niece: a child of one's own sibling or of one's spouse's sibling.

These give 56 triples per tree, 112 in all, but only 104 distinct queries
(person1, relation): the queries "uncle/aunt of Colin/Charlotte" (and Italian
counterparts) each have two answers. The network sees one pattern per query with every
right answer switched on, so 104 training cases; that matches the paper's "104" and we
think that is what it counted (see docs/reproduction.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from engine.data.datasets import Dataset

RELATIONS = (
    "father", "mother", "husband", "wife", "son", "daughter",
    "uncle", "aunt", "brother", "sister", "nephew", "niece",
)  # fmt: skip

# Person i of the English tree corresponds to person i of the Italian tree.
ENGLISH = (
    "Christopher", "Penelope", "Andrew", "Christine", "Margaret", "Arthur",
    "Victoria", "James", "Jennifer", "Charles", "Colin", "Charlotte",
)  # fmt: skip
ITALIAN = (
    "Roberto", "Maria", "Pierro", "Francesca", "Gina", "Emilio",
    "Lucia", "Marco", "Angela", "Tomaso", "Alfonso", "Sophia",
)  # fmt: skip
MALE_INDICES = frozenset({0, 2, 5, 7, 9, 10})  # same positions in both trees
# Marriages (husband, wife) and children of each couple, as indices into a tree's list.
MARRIAGES = ((0, 1), (2, 3), (5, 4), (7, 6), (9, 8))
CHILDREN = {(0, 1): (5, 6), (2, 3): (7, 8), (7, 6): (10, 11)}

PEOPLE = ENGLISH + ITALIAN  # input/output unit order: 12 English, then 12 Italian
HOLDOUT_COUNT = 4


@dataclass(frozen=True)
class Tree:
    """One family: names in canonical order plus who is male, married and whose child."""

    names: tuple[str, ...]

    def is_male(self, p: int) -> bool:
        return p in MALE_INDICES

    def spouse(self, p: int) -> int | None:
        for h, w in MARRIAGES:
            if p == h:
                return w
            if p == w:
                return h
        return None

    def parents(self, p: int) -> tuple[int, ...]:
        return next((couple for couple, kids in CHILDREN.items() if p in kids), ())

    def children(self, p: int) -> tuple[int, ...]:
        return tuple(k for couple, kids in CHILDREN.items() if p in couple for k in kids)

    def siblings(self, p: int) -> set[int]:
        return {c for par in self.parents(p) for c in self.children(par)} - {p}

    def answers(self, p: int, relation: str) -> set[int]:
        """Everyone who is p's <relation> (indices in this tree)."""
        spouse = self.spouse(p)
        if relation in ("father", "mother"):
            found = set(self.parents(p))
        elif relation in ("husband", "wife"):
            found = set() if spouse is None else {spouse}
        elif relation in ("son", "daughter"):
            found = set(self.children(p))
        elif relation in ("brother", "sister"):
            found = self.siblings(p)
        elif relation in ("uncle", "aunt"):
            found = set()
            for par in self.parents(p):
                for sib in self.siblings(par):
                    found.add(sib)
                    s = self.spouse(sib)
                    if s is not None:
                        found.add(s)
        elif relation in ("nephew", "niece"):
            found = set()
            for person in (p, spouse):
                if person is None:
                    continue
                for sib in self.siblings(person):
                    found.update(self.children(sib))
        else:
            raise ValueError(f"unknown relation {relation!r}; choose one of {', '.join(RELATIONS)}")
        want_male = relation in ("father", "husband", "son", "uncle", "brother", "nephew")
        return {q for q in found if self.is_male(q) == want_male}


TREES = (Tree(ENGLISH), Tree(ITALIAN))


def triples() -> list[tuple[str, str, str]]:
    """Every (person1, relation, person2) fact of both trees: 112 with these definitions."""
    out = []
    for tree in TREES:
        for p, rel in product(range(12), RELATIONS):
            out.extend((tree.names[p], rel, tree.names[q]) for q in sorted(tree.answers(p, rel)))
    return out


def queries() -> list[tuple[str, str, tuple[str, ...]]]:
    """Every (person1, relation) with at least one answer, and its answers: 104 of them."""
    out = []
    for tree in TREES:
        for p, rel in product(range(12), RELATIONS):
            ans = tree.answers(p, rel)
            if ans:
                out.append((tree.names[p], rel, tuple(tree.names[q] for q in sorted(ans))))
    return out


def encode(person: str, relation: str) -> np.ndarray:
    """One-hot person (24) followed by one-hot relation (12)."""
    x = np.zeros(len(PEOPLE) + len(RELATIONS))
    x[PEOPLE.index(person)] = 1.0
    x[len(PEOPLE) + RELATIONS.index(relation)] = 1.0
    return x


def dataset(holdout_seed: int = 0, holdout: int = HOLDOUT_COUNT) -> Dataset:
    """All 104 queries; `holdout` of them (chosen by the seed) form the test set."""
    qs = queries()
    x = np.array([encode(p, r) for p, r, _ in qs])
    y = np.zeros((len(qs), len(PEOPLE)))
    for i, (_, _, ans) in enumerate(qs):
        y[i, [PEOPLE.index(a) for a in ans]] = 1.0
    test = np.random.default_rng([holdout_seed, 1986]).choice(len(qs), size=holdout, replace=False)
    mask = np.zeros(len(qs), bool)
    mask[test] = True
    from engine.data.sources import PresetSource

    return Dataset(
        "family-trees",
        x[~mask],
        y[~mask],
        x[mask],
        y[mask],
        "vector",
        input_names=PEOPLE + RELATIONS,
        output_names=PEOPLE,
        input_groups=(("person", len(PEOPLE)), ("relation", len(RELATIONS))),
        source=PresetSource("family-trees", holdout_seed),
    )


def describe(x_row: np.ndarray) -> str:
    """'Colin uncle' for one input row."""
    p = int(np.argmax(x_row[: len(PEOPLE)]))
    r = int(np.argmax(x_row[len(PEOPLE) :]))
    return f"{PEOPLE[p]} {RELATIONS[r]}"


def tree_layout() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Person-unit indices for the English row and the Italian row, isomorphic column by column."""
    return tuple(range(12)), tuple(range(12, 24))


# ----- what the person-code units code (Nature fig. 4) -------------------------------------------
# Per person of a tree (same order as ENGLISH / ITALIAN): generation 1 (the grandparents'),
# 2 (their children and those children's spouses), 3 (Colin, Charlotte); and the branch:
# 0 = Christopher and Penelope's side (with Arthur's wife Margaret), 1 = Andrew and
# Christine's side (with Jennifer's husband Charles). The grandchildren belong to both
# branches and are left out of the branch test.
GENERATION = (1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3)
BRANCH: tuple[int | None, ...] = (0, 0, 1, 1, 0, 0, 0, 1, 1, 1, None, None)
ATTRIBUTES = ("nationality", "generation", "branch")
SEPARATION_SHARE = 0.9  # a unit "separates" an attribute when one ordering gets >= 90% right


def attribute_labels(attribute: str) -> tuple[int | None, ...]:
    """The 24 people's values of one attribute (None: the attribute does not apply)."""
    if attribute == "nationality":
        return (0,) * 12 + (1,) * 12
    if attribute == "generation":
        return GENERATION * 2
    if attribute == "branch":
        return BRANCH * 2
    raise ValueError(f"unknown attribute {attribute!r}; choose one of {', '.join(ATTRIBUTES)}")


def ordered_share(values: np.ndarray, labels: tuple[int | None, ...]) -> float:
    """Best share of people whose value falls in their class's band, over thresholds.

    Classes are ordered (generation 1 < 2 < 3, or reversed): the unit is read as a scale
    cut at k - 1 thresholds; the best cut, in either direction, gives the share.
    """
    keep = [i for i, l in enumerate(labels) if l is not None]
    v = np.asarray(values, dtype=float)[keep]
    lab = np.array([labels[i] for i in keep])
    classes = sorted(set(lab.tolist()))
    ranked = lab[np.argsort(v, kind="stable")]
    # before[c, m]: how many of the c lowest values belong to class m
    before = np.vstack([np.zeros(len(classes), int), np.cumsum(ranked[:, None] == np.array(classes), axis=0)])
    total = before[-1]
    best = 0
    for seq in (range(len(classes)), range(len(classes) - 1, -1, -1)):
        seq = list(seq)
        if len(seq) == 2:  # one cut c: the first class below it, the second above
            best = max(best, int(np.max(before[:, seq[0]] + total[seq[1]] - before[:, seq[1]])))
        else:  # two cuts c1 <= c2
            low = before[:, seq[0]][:, None]
            mid = before[None, :, seq[1]] - before[:, seq[1]][:, None]
            high = total[seq[2]] - before[None, :, seq[2]]
            right = np.where(np.triu(np.ones((len(before), len(before)), bool)), low + mid + high, -1)
            best = max(best, int(right.max()))
    return best / len(lab)


def unit_roles(person_weights: np.ndarray, share: float = SEPARATION_SHARE) -> list[tuple[str, ...]]:
    """For each person-code unit (a column of the 24 x k weights), the attributes it separates."""
    w = np.asarray(person_weights, dtype=float)
    return [
        tuple(a for a in ATTRIBUTES if ordered_share(w[:, j], attribute_labels(a)) >= share)
        for j in range(w.shape[1])
    ]
