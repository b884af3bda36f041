"""Instrument 1.1 (staff and persons-served forms): wording rules, reading grade, scoring rules."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import (
    NOT_APPLICABLE,
    Instrument,
    InstrumentError,
    common_items,
    item_nonresponse,
    load_instrument_text,
    load_shipped_instrument,
    score_scales,
    shipped_instrument_names,
)
from walkthetalk.analysis.pulse.readability import flesch_kincaid_grade, syllables

UNIT_TERMS = ("team", "program")  # where most participants sit (direct care, persons served)
LONG_TERMS = ("agency", "organization")  # a longer word in every item adds about a grade
IDIOMS = (
    "off limits",
    "benefit of the doubt",
    "own lane",
    "put it right",
    "watch their backs",
    "count on",
    "at hand",
)


@pytest.fixture(scope="module", params=["walk_the_talk_pulse", "walk_the_talk_pulse_served"])
def form(request: pytest.FixtureRequest) -> Instrument:
    return load_shipped_instrument(request.param)


def test_new_waves_get_1_1_and_1_0_is_kept_but_not_offered() -> None:
    assert shipped_instrument_names() == ["walk_the_talk_pulse", "walk_the_talk_pulse_served"]
    assert load_shipped_instrument().version == "1.1"
    assert load_shipped_instrument("walk_the_talk_pulse", "1.0").version == "1.0"
    with pytest.raises(InstrumentError, match="version 0.9"):
        load_shipped_instrument("walk_the_talk_pulse", "0.9")


def test_reading_grade_is_6_or_below(form: Instrument) -> None:
    for term in UNIT_TERMS:
        texts = [item.render(term) for item in form.items] + [form.intro(term)]
        assert flesch_kincaid_grade(texts) <= 6.0, term
        for item in form.items:
            # one long item is allowed a little room; none may read like a form letter
            assert flesch_kincaid_grade([item.render(term)]) <= 9.0, item.id
    for term in LONG_TERMS:
        texts = [item.render(term) for item in form.items] + [form.intro(term)]
        assert flesch_kincaid_grade(texts) <= 8.0, term


def test_no_can_hedges_idioms_or_double_barrels(form: Instrument) -> None:
    for item in form.items:
        text = item.text.lower()
        assert not re.search(r"\bcan\b|\bcould\b|\bmay\b", text), item.id
        assert not any(idiom in text for idiom in IDIOMS), item.id
        # one idea per item: no joined clauses or alternatives
        assert not re.search(r"\band\b|\bor\b|\bnor\b|/", text), item.id


def test_one_group_referent(form: Instrument) -> None:
    for item in form.items:
        text = item.text.lower()
        assert re.match(r"^(in our \{unit\}, |in the last month, people in our \{unit\} )", text)
        # the group is "people in our unit": never "we", "you" or "I"
        assert not re.search(r"\b(we|you|your|i|me|my)\b", text), item.id


def test_each_rule_scale_pairs_both_keyings_and_needs_three_answers(form: Instrument) -> None:
    for scale in form.scales:
        if scale.scoring == "count":
            continue
        keyed = [i.reverse for i in scale.items]
        assert keyed.count(True) == keyed.count(False) == 2 or scale.kind == "strain", scale.id
        assert scale.both_keyings and scale.min_answered == 3, scale.id


def test_no_scale_headings_and_random_order_are_asked_for(form: Instrument) -> None:
    assert form.item_order == "interleaved"
    assert form.not_applicable == "Does not apply to us"


def test_roles_are_split_and_the_level_above_is_asked_about() -> None:
    staff = load_shipped_instrument()
    assert staff.scale("roles").rule == "Rigid roles"
    assert staff.scale("change").rule == "Rigid routines"
    assert "leaders" in staff.scale("above").items[0].text
    strengths = staff.scale("strengths")
    assert strengths.scoring == "count" and strengths.count_at_least == 3
    assert [o.label for o in staff.options_for(strengths)][0] == "Not in the last month"
    assert staff.score_range(strengths) == (0.0, 4.0)


def test_served_form_shares_anchor_items_with_staff_form() -> None:
    staff, served = load_shipped_instrument(), load_shipped_instrument("walk_the_talk_pulse_served")
    anchors = common_items(staff, served)
    assert 4 <= len(anchors) < len(served.items)
    assert {"talk_5", "trust_5", "ask_1", "play_5"} <= set(anchors)
    assert served.form == "served" and staff.form == "staff"
    # staff-culture wording is not asked of persons served
    assert not any("mistake" in i.text or "job" in i.text for i in served.items)


def test_comparisons_across_versions_use_shared_items_only() -> None:
    old, new = load_shipped_instrument("walk_the_talk_pulse", "1.0"), load_shipped_instrument()
    shared = common_items(old, new)
    assert "feel_3" in shared and "talk_1" not in shared and "talk_5" not in shared
    old_items = {i.id: i.text for i in old.items}
    for item_id in shared:
        assert old_items[item_id] == next(i.text for i in new.items if i.id == item_id)


def _answers(inst: Instrument, values: dict[str, object], n: int = 1) -> dict[str, list[object]]:
    return {i: [values.get(i)] * n for i in inst.item_ids}


def test_a_score_needs_three_answers_including_both_keyings() -> None:
    inst = load_shipped_instrument()
    # three healthy-direction answers only is not enough: both keyings are needed
    only_one_way = _answers(inst, {"talk_5": 5, "talk_8": 5, "talk_6": None, "talk_7": None})
    assert np.isnan(score_scales(inst, only_one_way)["talk"][0])
    both = _answers(inst, {"talk_5": 5, "talk_8": 4, "talk_6": 1})
    assert score_scales(inst, both)["talk"][0] == pytest.approx((5 + 4 + 5) / 3)
    two = _answers(inst, {"talk_5": 5, "talk_6": 1})
    assert np.isnan(score_scales(inst, two)["talk"][0])
    not_applicable = _answers(
        inst, {"talk_5": 5, "talk_8": NOT_APPLICABLE, "talk_6": 1, "talk_7": 2}
    )
    assert score_scales(inst, not_applicable)["talk"][0] == pytest.approx((5 + 5 + 4) / 3)


def test_strengths_are_a_count_of_experiences_lived_a_few_times_or_more() -> None:
    inst = load_shipped_instrument()
    answers = _answers(
        inst, {"strengths_5": 4, "strengths_6": 3, "strengths_7": 2, "strengths_8": 1}
    )
    assert score_scales(inst, answers)["strengths"][0] == 2.0
    three = _answers(inst, {"strengths_5": 4, "strengths_6": 3, "strengths_7": 2})
    assert score_scales(inst, three)["strengths"][0] == pytest.approx(2 * 4 / 3)
    with pytest.raises(ValueError, match="not among the response options"):
        score_scales(inst, _answers(inst, {"strengths_5": 5}))


def test_nonresponse_keeps_prefer_not_to_say_apart_from_does_not_apply() -> None:
    inst = load_shipped_instrument()
    responses = {i: [5, None, NOT_APPLICABLE, 3] for i in inst.item_ids}
    responses["strengths_5"] = [4, None, NOT_APPLICABLE, 3]
    counts = item_nonresponse(inst, responses)
    assert counts["talk_5"] == (2, 1, 1)
    assert set(counts) == set(inst.item_ids)


def test_bad_1_1_keys_are_named() -> None:
    base = """format: walkthetalk-instrument/1
id: x
version: "1"
title: X
response_options: [{value: 1, label: "No"}, {value: 2, label: "Yes"}]
scales:
  - id: s
    name: S
"""
    with pytest.raises(InstrumentError, match="both keyings"):
        load_instrument_text(base + "    both_keyings: true\n    items: [{id: a, text: A}]\n")
    with pytest.raises(InstrumentError, match="count_at_least"):
        load_instrument_text(base + "    scoring: count\n    items: [{id: a, text: A}]\n")
    with pytest.raises(InstrumentError, match="answer values"):
        load_instrument_text(
            base + "    scoring: count\n    count_at_least: 7\n    items: [{id: a, text: A}]\n"
        )
    with pytest.raises(InstrumentError, match="item_order"):
        load_instrument_text(
            base.replace("scales:", "item_order: shuffled\nscales:")
            + "    items: [{id: a, text: A}]\n"
        )


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=15))
def test_every_word_has_at_least_one_syllable_and_no_more_than_its_letters(word: str) -> None:
    assert 1 <= syllables(word) <= len(word)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.sampled_from(["people", "talk", "about", "hard", "subjects", "celebrate"]),
        min_size=1,
        max_size=12,
    )
)
def test_longer_sentences_of_the_same_words_read_harder(ws: list[str]) -> None:
    short = " ".join(ws) + "."
    long = " ".join(ws + ws) + "."
    assert flesch_kincaid_grade([long]) > flesch_kincaid_grade([short])
