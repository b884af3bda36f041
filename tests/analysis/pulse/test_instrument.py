"""The instrument format: the shipped instrument and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from walkthetalk.analysis.pulse import (
    InstrumentError,
    common_items,
    load_instrument,
    load_instrument_text,
    load_shipped_instrument,
    parse_instrument,
    shipped_instrument_names,
)

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
