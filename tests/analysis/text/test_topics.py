"""Topics by NMF over TF-IDF with the number chosen by stability (analysis.text.topics)."""

from __future__ import annotations

from walkthetalk.analysis.text.topics import (
    Kept,
    Topic,
    average_jaccard,
    carry_over,
    choose_k,
    find_topics,
    membership,
)

PAPERWORK = [
    "Paperwork and billing forms take hours away from clients.",
    "Billing rules change every month and the forms pile up.",
    "We spend more time on paperwork forms than on care.",
    "Insurance billing paperwork delays every new admission.",
    "Duplicate forms for billing waste our paperwork time.",
    "The paperwork for billing audits is never finished.",
    "Billing denials mean redoing the same paperwork forms.",
    "Electronic forms still need paper billing signatures.",
]
HOUSING = [
    "People leave treatment with no housing and lose their rent.",
    "Housing waitlists are years long for people in recovery.",
    "Without stable housing the rent eats every paycheck.",
    "Shelter beds are full and housing vouchers run out.",
    "Landlords refuse housing to people with a record, so rent is out of reach.",
    "Recovery housing closes when rent goes up.",
    "Housing first works, but shelter stays are the reality.",
    "Affordable housing and rent help would keep people well.",
]
BURNOUT = [
    "Staff burnout drives turnover on every team.",
    "Supervisors ignore burnout until staff quit.",
    "Turnover means new staff train new staff.",
    "Burnout is treated as a personal failing of staff.",
    "High turnover breaks trust between staff and clients.",
    "Staff need time off to recover from burnout.",
    "Caseloads grow with turnover and burnout follows.",
    "Exit interviews name burnout but staff turnover stays high.",
]


def _theme_of(i: int) -> int:
    return i // 8


def test_planted_themes_come_back_as_topics_named_by_their_words() -> None:
    texts = PAPERWORK + HOUSING + BURNOUT
    found = find_topics(texts)
    assert len(found.topics) == 3, found.stability
    assert max(found.stability, key=found.stability.get) == 3  # and it is the most stable k
    words = [set(t.terms[:3]) for t in found.topics]
    assert any({"billing", "paperwork"} & w for w in words)
    assert any({"housing", "rent"} & w for w in words)
    assert any({"burnout", "turnover", "staff"} & w for w in words)
    for topic in found.topics:
        themes = [_theme_of(i) for i in topic.members]
        main = max(set(themes), key=themes.count)
        assert themes.count(main) / len(themes) >= 0.85, (topic.name, themes)
        assert themes.count(main) >= 7  # each theme's texts are (nearly) all in its topic


def test_a_text_about_two_themes_is_in_both_topics() -> None:
    mixed = "Burnout among staff grows when paperwork and billing forms never end."
    texts = PAPERWORK + HOUSING + BURNOUT + [mixed]
    found = find_topics(texts)
    holding = [t for t in found.topics if len(texts) - 1 in t.members]
    assert len(holding) == 2, [t.name for t in holding]


def test_the_same_texts_give_the_same_topics() -> None:
    texts = PAPERWORK + HOUSING + BURNOUT
    assert find_topics(texts) == find_topics(texts)


def test_too_few_texts_or_words_give_no_topics_and_say_why() -> None:
    few = find_topics(PAPERWORK[:5])
    assert few.topics == () and "at least 6 texts" in few.reason
    empty = find_topics(["the and of", "a an the", "is it to", "we us our", "on in at", "so do"])
    assert empty.topics == () and "too few words" in empty.reason


def test_membership_is_above_an_even_share() -> None:
    import numpy as np  # noqa: PLC0415

    w = np.array([[0.9, 0.1, 0.0], [0.4, 0.4, 0.2], [0.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    assert membership(w) == [[0], [0, 1], [], []]


def test_the_fewest_topics_within_one_standard_error_of_the_most_stable_are_chosen() -> None:
    assert choose_k({2: (0.65, 0.01), 3: (0.50, 0.01), 6: (0.66, 0.02)}) == 2
    assert choose_k({2: (0.60, 0.01), 3: (0.70, 0.01), 4: (0.695, 0.02)}) == 3
    assert choose_k({2: (0.5, 0.0), 3: (0.5, 0.0)}) == 2


def test_average_jaccard() -> None:
    assert average_jaccard(["a", "b", "c"], ["a", "b", "c"]) == 1.0
    assert average_jaccard(["a", "b"], ["c", "d"]) == 0.0
    # depth 1: {a} vs {b} = 0; depth 2: {a,b} vs {b,a} = 1
    assert average_jaccard(["a", "b"], ["b", "a"]) == 0.5


def test_carry_over_keeps_names_and_merges_and_leaves_new_topics_alone() -> None:
    kept = [
        Kept("Forms", True, (frozenset({"billing", "paperwork", "forms"}),)),
        Kept(
            "Work life",
            True,
            (
                frozenset({"burnout", "staff", "turnover"}),
                frozenset({"supervisors", "time", "quit"}),
            ),
        ),
    ]
    new = [
        Topic(("paperwork", "billing", "audits"), (0,)),  # 2 of 3 words: the same as "Forms"
        Topic(("housing", "rent", "shelter"), (1,)),  # new
        Topic(("turnover", "burnout", "caseloads"), (2,)),  # part of "Work life"
        Topic(("quit", "supervisors", "leave"), (3,)),  # the other part of "Work life"
        Topic(("billing", "insurance", "denials"), (4,)),  # 1 of 3 words: not "Forms"
    ]
    assert carry_over(kept, new) == [(0, [0]), (1, [2, 3]), (None, [1]), (None, [4])]
