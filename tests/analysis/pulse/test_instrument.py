"""The instrument format and the shipped forms: clear errors for bad files, versions, and the
wording rules of version 1.1 (staff and persons-served forms: reading grade, one idea per item,
one group referent, both keyings in every rule scale)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from walkthetalk.analysis.pulse import (
    Instrument,
    InstrumentError,
    common_items,
    load_instrument,
    load_instrument_text,
    load_shipped_instrument,
    parse_instrument,
    shipped_instrument_names,
)
from walkthetalk.analysis.pulse.readability import flesch_kincaid_grade

RULES = {
    "talk": "Don't talk",
    "trust": "Don't trust",
    "feel": "Don't feel",
    "roles": "Rigid roles",
    "think": "Don't think",
    "question": "Don't question",
    "ask": "Don't ask",
    "play": "Don't play",
    "mistakes": "Don't make a mistake",
}

GOOD = """
format: walkthetalk-instrument/1
id: tiny
version: "2"
title: Tiny
response_options:
  - {value: 1, label: "No"}
  - {value: 2, label: Sometimes}
  - {value: 3, label: "Yes"}
scales:
  - id: talk
    name: We talk
    kind: rule
    items:
      - {id: t1, text: "In our {unit}, people talk."}
      - {id: t2, text: "In our {unit}, things go unsaid.", reverse: true}
"""


def good() -> dict:
    return yaml.safe_load(GOOD)


def test_version_1_0_stays_readable_with_nine_rules_strain_and_strengths() -> None:
    assert "walk_the_talk_pulse" in shipped_instrument_names()
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    rules = inst.rule_scales()
    assert {s.id: s.rule for s in rules} == RULES
    for scale in rules:
        reversed_items = [i for i in scale.items if i.reverse]
        assert len(reversed_items) * 2 == len(scale.items), scale.id  # half healthy-worded
        assert scale.higher_is == "healthy"
    assert inst.scale("strain").higher_is == "strain"
    assert inst.scale("strengths").kind == "strengths"
    assert inst.n_options == 5 and (inst.low, inst.high) == (1.0, 5.0)


def test_shipped_items_are_about_the_unit_and_work_at_every_level() -> None:
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    for item in inst.items:
        assert item.text.startswith("In our {unit}, "), item.id
        for term in ("team", "program", "agency", "system of care"):
            rendered = item.render(term)
            assert "{" not in rendered and term in rendered
    assert "your program over the last month" in inst.intro("program")
    assert "{" not in inst.intro()


def test_load_from_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    inst = load_instrument(path)
    assert inst.version == "2" and inst.item_ids == ("t1", "t2")
    assert inst.scale("talk").min_answered == 1


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="nope.yaml"):
        load_instrument(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_file() -> None:
    with pytest.raises(InstrumentError, match=r"^x\.yaml: not valid YAML"):
        load_instrument_text("scales: [", source="x.yaml")


def test_unknown_shipped_instrument() -> None:
    with pytest.raises(InstrumentError, match="no shipped instrument"):
        load_shipped_instrument("does_not_exist")


def _error(data: dict) -> InstrumentError:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(data, source="mine.yaml")
    return info.value


def test_bad_reverse_names_file_scale_and_item() -> None:
    data = good()
    data["scales"][0]["items"][1]["reverse"] = "yes"
    err = _error(data)
    assert (err.source, err.scale, err.item) == ("mine.yaml", "talk", "t2")
    assert str(err).startswith("mine.yaml, scale 'talk', item 't2': 'reverse' must be true")


def test_missing_item_text() -> None:
    data = good()
    del data["scales"][0]["items"][0]["text"]
    err = _error(data)
    assert err.item == "t1" and "missing required key 'text'" in str(err)


def test_duplicate_item_ids() -> None:
    data = good()
    data["scales"].append({"id": "trust", "name": "We trust", "items": [{"id": "t1", "text": "x"}]})
    err = _error(data)
    assert err.scale == "trust" and err.item == "t1" and "duplicate item id" in str(err)


def test_duplicate_scale_ids() -> None:
    data = good()
    data["scales"].append(dict(data["scales"][0], items=[{"id": "t9", "text": "x"}]))
    assert "duplicate scale id" in str(_error(data))


def test_unknown_keys_are_errors() -> None:
    data = good()
    data["scales"][0]["revers"] = True
    err = _error(data)
    assert err.scale == "talk" and "unknown key(s) 'revers'" in str(err)


def test_unknown_placeholder() -> None:
    data = good()
    data["scales"][0]["items"][0]["text"] = "In our {team}, people talk."
    assert "unknown placeholder {team}" in str(_error(data))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([{"value": 1, "label": "only"}], "at least 2"),
        ([{"value": 2, "label": "a"}, {"value": 1, "label": "b"}], "strictly increasing"),
        ([{"value": "x", "label": "a"}, {"value": 1, "label": "b"}], "finite number"),
        ([{"value": 1, "label": ""}, {"value": 2, "label": "b"}], "non-empty"),
        ([{"value": 1, "label": False}, {"value": 2, "label": "b"}], "put it in quotes"),
    ],
)
def test_bad_response_options(options: list, message: str) -> None:
    data = good()
    data["response_options"] = options
    assert message in str(_error(data))


def test_bad_kind_and_min_answered() -> None:
    data = good()
    data["scales"][0]["kind"] = "rules"
    assert "'kind' must be one of" in str(_error(data))
    data = good()
    data["scales"][0]["min_answered"] = 3
    assert "'min_answered' must be between 1 and" in str(_error(data))


def test_wrong_format_and_bad_ids() -> None:
    data = good()
    data["format"] = "other/1"
    assert "'format' must be" in str(_error(data))
    data = good()
    data["scales"][0]["items"][0]["id"] = "T 1"
    assert _error(data).item == "T 1"


def test_empty_scale_and_top_level_not_mapping() -> None:
    data = good()
    data["scales"][0]["items"] = []
    assert "at least one item" in str(_error(data))
    assert "mapping at the top level" in str(_error([1, 2]))  # type: ignore[arg-type]


def test_common_items_across_versions() -> None:
    old = parse_instrument(good(), source="v1.yaml")
    data = good()
    data["version"] = "3"
    data["scales"][0]["items"][1]["text"] = "In our {unit}, some things go unsaid."
    new = parse_instrument(data, source="v3.yaml")
    assert common_items(old, new) == ("t1",)
    data["response_options"] = data["response_options"][:2]
    assert common_items(old, parse_instrument(data)) == ()


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


# --- text per language ------------------------------------------------------------------


def _every_shipped_version() -> list[tuple[str, str | None]]:
    """Each current instrument, and each earlier version kept beside it (``name@version``)."""
    kept = [
        tuple(p.stem.split("@", 1))
        for p in (Path(__file__).parents[3] / "src/walkthetalk/instruments").glob("*@*.yaml")
    ]
    assert kept, "an earlier version is kept for old waves"
    return [(name, None) for name in shipped_instrument_names()] + kept  # type: ignore[misc]


@pytest.mark.parametrize(("name", "version"), _every_shipped_version())
def test_each_shipped_instrument_speaks_spanish_without_changing_what_is_measured(
    name: str, version: str | None
) -> None:
    english = load_shipped_instrument(name, version)
    spanish = english.in_language("es-MX")
    assert spanish.title != english.title and spanish.item_ids == english.item_ids
    for a, b in zip(english.scales, spanish.scales, strict=True):
        assert (a.id, a.kind, a.higher_is, a.scoring, a.min_answered) == (
            b.id,
            b.kind,
            b.higher_is,
            b.scoring,
            b.min_answered,
        )
        assert [i.reverse for i in a.items] == [i.reverse for i in b.items]
        assert all(x.text != y.text for x, y in zip(a.items, b.items, strict=True))
        assert [o.value for o in english.options_for(a)] == [
            o.value for o in spanish.options_for(b)
        ]
    item = spanish.items[0].render(spanish.unit_phrase("agency"))
    assert item.startswith("En nuestra agencia,"), item
    assert english.in_language("en") is english and english.in_language(None) is english


def _with_translation(**changes: object) -> dict:
    data = yaml.safe_load(
        (
            Path(__file__).parents[3]
            / "src/walkthetalk/instruments/walk_the_talk_pulse_served.yaml"
        ).read_text(encoding="utf-8")
    )
    data["translations"]["es"].update(changes)
    return data


def test_a_translation_missing_an_item_is_refused_naming_it() -> None:
    data = _with_translation()
    del data["translations"]["es"]["items"]["talk_5"]
    with pytest.raises(InstrumentError, match="missing talk_5"):
        parse_instrument(data)


def test_a_translation_with_an_unknown_item_or_placeholder_is_refused() -> None:
    data = _with_translation()
    data["translations"]["es"]["items"]["nope_1"] = "En {unit}, algo."
    with pytest.raises(InstrumentError, match="unknown nope_1"):
        parse_instrument(data)
    data = _with_translation()
    data["translations"]["es"]["items"]["talk_5"] = "En {team}, algo."
    with pytest.raises(InstrumentError, match="only {unit}"):
        parse_instrument(data)


def test_a_translation_must_name_every_answer_and_every_kind_of_unit() -> None:
    data = _with_translation(response_options={1: "Nada", 2: "Poco"})
    with pytest.raises(InstrumentError, match="response_options"):
        parse_instrument(data)
    data = _with_translation(unit_terms={"team": "nuestro equipo"})
    with pytest.raises(InstrumentError, match="unit_terms"):
        parse_instrument(data)
