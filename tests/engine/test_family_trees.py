"""The family-tree triples: counts, isomorphism of the two trees, hand-checked answers."""
from collections import Counter

import numpy as np
import pytest

from engine.data import family_trees as ft


def test_counts_112_triples_104_queries():
    assert len(ft.triples()) == 112
    assert len(set(ft.triples())) == 112
    assert len(ft.queries()) == 104
    per_relation = Counter(r for _, r, _ in ft.triples())
    assert per_relation == {
        "father": 12, "mother": 12, "husband": 10, "wife": 10, "son": 12, "daughter": 12,
        "uncle": 8, "aunt": 8, "brother": 6, "sister": 6, "nephew": 8, "niece": 8,
    }  # fmt: skip


def test_the_two_trees_are_isomorphic():
    to_italian = dict(zip(ft.ENGLISH, ft.ITALIAN))
    english = {t for t in ft.triples() if t[0] in to_italian}
    italian = {t for t in ft.triples() if t[0] not in to_italian}
    assert len(english) == len(italian) == 56
    assert {(to_italian[a], r, to_italian[b]) for a, r, b in english} == italian


@pytest.mark.parametrize(
    "person, relation, expected",
    [
        ("Colin", "uncle", {"Arthur", "Charles"}),
        ("Charlotte", "aunt", {"Margaret", "Jennifer"}),
        ("Colin", "father", {"James"}),
        ("Charlotte", "brother", {"Colin"}),
        ("Victoria", "brother", {"Arthur"}),
        ("James", "sister", {"Jennifer"}),
        ("Penelope", "husband", {"Christopher"}),
        ("Christopher", "daughter", {"Victoria"}),
        ("Arthur", "nephew", {"Colin"}),
        ("Margaret", "niece", {"Charlotte"}),  # her husband's sister's daughter
        ("Charles", "nephew", {"Colin"}),
        ("Christopher", "uncle", set()),
        ("Margaret", "son", set()),
        ("Sophia", "uncle", {"Emilio", "Tomaso"}),
        ("Lucia", "mother", {"Maria"}),
    ],
)
def test_hand_checked_answers(person, relation, expected):
    assert {b for a, r, b in ft.triples() if a == person and r == relation} == expected


def test_male_relations_name_men_and_female_relations_women():
    male = {ft.PEOPLE[i] for i in ft.MALE_INDICES} | {ft.PEOPLE[12 + i] for i in ft.MALE_INDICES}
    for _, rel, who in ft.triples():
        assert (who in male) == (rel in ("father", "husband", "son", "uncle", "brother", "nephew"))


def test_dataset_holds_out_four_queries_with_all_answers_on():
    d = ft.dataset(holdout_seed=3)
    assert d.x_train.shape == (100, 36) and d.x_test.shape == (4, 36)
    assert d.input_groups == (("person", 24), ("relation", 12))
    for x in (d.x_train, d.x_test):
        assert np.all(x[:, :24].sum(axis=1) == 1) and np.all(x[:, 24:].sum(axis=1) == 1)
    train = {ft.describe(r) for r in d.x_train}
    test = {ft.describe(r) for r in d.x_test}
    assert not train & test and len(train | test) == 104
    answers = {f"{p} {r}": set(a) for p, r, a in ft.queries()}
    for x, y in zip(d.x_test, d.y_test):
        assert {ft.PEOPLE[i] for i in np.flatnonzero(y)} == answers[ft.describe(x)]
    assert test != {ft.describe(r) for r in ft.dataset(holdout_seed=4).x_test}
    np.testing.assert_array_equal(ft.dataset(holdout_seed=3).x_test, d.x_test)


# ----- the person-code measure (what a unit of Nature fig. 4 separates) ---------------------------
def test_attributes_follow_the_trees():
    gen = ft.attribute_labels("generation")
    assert [ft.PEOPLE[i] for i in range(24) if gen[i] == 3] == ["Colin", "Charlotte", "Alfonso", "Sophia"]
    branch = ft.attribute_labels("branch")
    assert {ft.PEOPLE[i] for i in range(12) if branch[i] == 0} == {"Christopher", "Penelope", "Margaret", "Arthur", "Victoria"}
    assert {ft.PEOPLE[i] for i in range(12) if branch[i] == 1} == {"Andrew", "Christine", "James", "Jennifer", "Charles"}
    assert ft.attribute_labels("nationality") == (0,) * 12 + (1,) * 12
    with pytest.raises(ValueError, match="nationality"):
        ft.attribute_labels("age")


def test_unit_roles_find_the_attribute_a_unit_codes():
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.1, (24, 4))
    w[:12, 0] += 2.0  # English positive, Italian negative-ish
    w[:, 1] += -1.5 * np.array(ft.GENERATION * 2)  # falls with generation
    w[:, 2] += [(-2.0 if b == 0 else 2.0) if b is not None else 0.0 for b in ft.BRANCH * 2]
    roles = ft.unit_roles(w)
    assert roles[0] == ("nationality",) and roles[1] == ("generation",) and roles[2] == ("branch",)
    assert roles[3] == ()
    # one person out of place still passes (>= 90%), four do not
    v = w[:, 0].copy()
    v[0] = -3.0
    assert ft.ordered_share(v, ft.attribute_labels("nationality")) == pytest.approx(23 / 24)
    v[:4] = -3.0
    assert ft.ordered_share(v, ft.attribute_labels("nationality")) < ft.SEPARATION_SHARE


def test_random_weights_rarely_separate_anything():
    rng = np.random.default_rng(1)
    roles = [r for _ in range(300) for r in ft.unit_roles(rng.normal(size=(24, 6)))]
    assert sum(bool(r) for r in roles) / len(roles) < 0.02
