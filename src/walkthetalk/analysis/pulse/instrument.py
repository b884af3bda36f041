"""Instrument model: scales, items, reverse keying, response options and versions, read from YAML.

An instrument file looks like this (every key is checked; unknown keys are errors so that typos
do not pass silently)::

    format: walkthetalk-instrument/1
    id: my-pulse
    version: "1.0"
    title: My pulse
    license: "CC BY 4.0"            # optional; who may use the wording
    unit_term: team                 # optional; default word put in place of {unit} in item text
    response_options:               # ordered, numeric values strictly increasing
      - {value: 1, label: Not at all like us}
      - {value: 5, label: Very much like us}
    scales:
      - id: talk
        name: We talk openly        # how the healthy direction is shown (as a strength)
        rule: Don't talk            # optional; the rule this scale is the counterpart of
        kind: rule                  # rule | strain | strengths | other
        higher_is: healthy          # healthy | strain: what a high scale score means
        min_answered: 2             # optional; answered items needed for a scale score
        items:
          - {id: talk_1, text: "In our {unit}, people say what they notice.", reverse: false}

Optional keys added in format 1 for instrument 1.1 (all default to the 1.0 behaviour):

- top level: ``item_order: interleaved`` (the survey shows items in a per-participant random
  order, with no scale headings; default ``by_scale``), ``not_applicable: "Does not apply to
  us"`` (offer that answer on every item; it is stored apart from "prefer not to say"), ``form``
  (``staff`` or ``served``: who the wording is for);
- per scale: ``response_options`` (its own answers, e.g. how often something happened),
  ``both_keyings: true`` (a score needs at least one answered item of each keying),
  ``scoring: count`` with ``count_at_least`` (the score is how many items were answered at or
  above that value, scaled to the full number of items when some are unanswered).

An item with ``reverse: true`` is worded in the opposite direction of its scale; its answer is
turned around (``low + high - x``) before scoring, so a high scale score always means
``higher_is``. Item ids are unique within the instrument and stay the same across versions, so
waves answered under different versions can be compared item by item.

Shipped instruments live in ``walkthetalk.instruments`` (package data) and are read with
:func:`load_shipped_instrument`; users can load their own (for example licensed) instruments
with :func:`load_instrument`.
"""

from __future__ import annotations

import importlib.resources
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

FORMAT = "walkthetalk-instrument/1"
SCALE_KINDS = ("rule", "strain", "strengths", "other")
HIGHER_IS = ("healthy", "strain")
SHIPPED_PACKAGE = "walkthetalk.instruments"

_ID_RE = re.compile(r"^[a-z][a-z0-9_\-]*$")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


class InstrumentError(ValueError):
    """A problem with an instrument definition; the message names file, scale and item."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "<instrument>",
        scale: str | None = None,
        item: str | None = None,
    ) -> None:
        self.source = source
        self.scale = scale
        self.item = item
        self.detail = message
        where = [source]
        if scale is not None:
            where.append(f"scale {scale!r}")
        if item is not None:
            where.append(f"item {item!r}")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class ResponseOption:
    """One answer a participant can give: its numeric value and its label."""

    value: float
    label: str


@dataclass(frozen=True)
class Item:
    """One statement; ``reverse`` means it is worded against its scale's direction."""

    id: str
    text: str
    reverse: bool = False

    def render(self, unit_term: str) -> str:
        """The item text with ``{unit}`` replaced by ``unit_term`` (e.g. "team", "agency")."""
        return self.text.replace("{unit}", unit_term)


@dataclass(frozen=True)
class Scale:
    """A set of items scored together; a high score means ``higher_is``."""

    id: str
    name: str
    items: tuple[Item, ...]
    kind: str = "other"
    higher_is: str = "healthy"
    rule: str | None = None
    description: str | None = None
    min_answered: int = 1
    response_options: tuple[ResponseOption, ...] | None = None
    both_keyings: bool = False
    scoring: str = "mean"
    count_at_least: float | None = None

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def has_both_keyings(self) -> bool:
        return len({item.reverse for item in self.items}) == 2


@dataclass(frozen=True)
class InstrumentText:
    """An instrument's participant-facing text in one language (see ``translations``)."""

    title: str
    description: str | None
    not_applicable: str | None
    unit_terms: Mapping[str, str]
    options: Mapping[float, str]
    scale_names: Mapping[str, str]
    scale_rules: Mapping[str, str]
    scale_options: Mapping[str, Mapping[float, str]]
    items: Mapping[str, str]


@dataclass(frozen=True)
class Instrument:
    """A validated instrument (see :func:`load_instrument`, :func:`parse_instrument`)."""

    id: str
    version: str
    title: str
    response_options: tuple[ResponseOption, ...]
    scales: tuple[Scale, ...]
    license: str | None = None
    unit_term: str = "team"
    description: str | None = None
    source: str = "<instrument>"
    item_order: str = "by_scale"
    not_applicable: str | None = None
    form: str = "staff"
    translations: Mapping[str, InstrumentText] = field(default_factory=dict, compare=False)
    """Participant-facing text in other languages, by language code (e.g. ``"es"``)."""
    unit_terms: Mapping[str, str] = field(default_factory=dict, compare=False)
    """How this language names a unit of each kind in item text (empty: as given)."""

    def in_language(self, language: str | None) -> Instrument:
        """This instrument with its participant-facing text in ``language`` (``"es"``,
        ``"es-mx"``, …) when it carries that language, else as written. Ids, keying, values
        and scoring never change, so answers in any language are the same answers."""
        code = (language or "").lower().split("-")[0]
        text = self.translations.get(code)
        if text is None:
            return self

        def options(
            opts: tuple[ResponseOption, ...], labels: Mapping[float, str]
        ) -> tuple[ResponseOption, ...]:
            return tuple(replace(o, label=labels[o.value]) for o in opts)

        scales = tuple(
            replace(
                s,
                name=text.scale_names[s.id],
                rule=text.scale_rules.get(s.id, s.rule),
                items=tuple(replace(i, text=text.items[i.id]) for i in s.items),
                response_options=(
                    options(s.response_options, text.scale_options[s.id])
                    if s.response_options
                    else None
                ),
            )
            for s in self.scales
        )
        return replace(
            self,
            title=text.title,
            description=text.description or self.description,
            not_applicable=text.not_applicable or self.not_applicable,
            response_options=options(self.response_options, text.options),
            scales=scales,
            translations={},
            unit_terms=text.unit_terms,
        )

    def unit_phrase(self, term: str) -> str:
        """The words put in place of ``{unit}`` for a unit of kind ``term`` in this language."""
        return self.unit_terms.get(term, term)

    @property
    def low(self) -> float:
        """Lowest response value."""
        return self.response_options[0].value

    @property
    def high(self) -> float:
        """Highest response value."""
        return self.response_options[-1].value

    @property
    def n_options(self) -> int:
        return len(self.response_options)

    @property
    def items(self) -> tuple[Item, ...]:
        """All items in the order of their scales."""
        return tuple(item for scale in self.scales for item in scale.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def intro(self, unit_term: str | None = None) -> str:
        """The description with ``{unit}`` filled in (default: the instrument's ``unit_term``)."""
        return (self.description or "").replace("{unit}", unit_term or self.unit_term)

    def scale(self, scale_id: str) -> Scale:
        """The scale with this id; ``KeyError`` naming the instrument if there is none."""
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise KeyError(f"{self.source}: no scale {scale_id!r}")

    def options_for(self, scale: Scale) -> tuple[ResponseOption, ...]:
        """The answers offered for a scale's items (its own, or the instrument's)."""
        return scale.response_options or self.response_options

    def scale_of(self, item_id: str) -> Scale:
        """The scale an item belongs to."""
        for scale in self.scales:
            if item_id in scale.item_ids:
                return scale
        raise KeyError(f"{self.source}: no item {item_id!r}")

    def score_range(self, scale: Scale) -> tuple[float, float]:
        """The lowest and highest score a scale can take (a count runs from 0 to its items)."""
        if scale.scoring == "count":
            return 0.0, float(len(scale.items))
        options = self.options_for(scale)
        return options[0].value, options[-1].value

    def rule_scales(self) -> tuple[Scale, ...]:
        """The scales of kind ``rule`` (the nine rules and their healthy counterparts)."""
        return tuple(s for s in self.scales if s.kind == "rule")


# --------------------------------------------------------------------------- parsing


def _require(
    mapping: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    *,
    source: str,
    scale: str | None = None,
    item: str | None = None,
) -> Any:
    if key not in mapping:
        raise InstrumentError(
            f"missing required key {key!r}", source=source, scale=scale, item=item
        )
    value = mapping[key]
    if not isinstance(value, kind) or isinstance(value, bool) and bool not in _as_tuple(kind):
        raise InstrumentError(
            f"{key!r} must be {_kind_name(kind)}, got {type(value).__name__} {value!r}",
            source=source,
            scale=scale,
            item=item,
        )
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    names[list] = "a list"
    names[dict] = "a mapping"
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _check_keys(
    mapping: Mapping[str, Any],
    allowed: Sequence[str],
    *,
    source: str,
    scale: str | None = None,
    item: str | None = None,
) -> None:
    unknown = sorted(set(mapping) - set(allowed))
    if unknown:
        raise InstrumentError(
            f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}",
            source=source,
            scale=scale,
            item=item,
        )


def _check_id(value: str, what: str, *, source: str, scale: str | None = None) -> None:
    if not _ID_RE.match(value):
        raise InstrumentError(
            f"{what} id {value!r} must start with a lowercase letter and use only a-z, 0-9, _ or -",
            source=source,
            scale=scale,
            item=value if what == "item" else None,
        )


def _parse_options(raw: Any, source: str, scale: str | None = None) -> tuple[ResponseOption, ...]:
    try:
        return _parse_option_list(raw, source)
    except InstrumentError as exc:
        if scale is None:
            raise
        raise InstrumentError(exc.detail, source=source, scale=scale) from exc


def _parse_option_list(raw: Any, source: str) -> tuple[ResponseOption, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise InstrumentError(
            "'response_options' must be a list of at least 2 options", source=source
        )
    options = []
    for i, entry in enumerate(raw):
        where = f"response option #{i + 1}"
        if not isinstance(entry, dict):
            raise InstrumentError(
                f"{where} must be a mapping with 'value' and 'label'", source=source
            )
        _check_keys(entry, ("value", "label"), source=source)
        if "value" not in entry or "label" not in entry:
            raise InstrumentError(f"{where} needs both 'value' and 'label'", source=source)
        value, label = entry["value"], entry["label"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InstrumentError(f"{where}: 'value' must be a finite number", source=source)
        if isinstance(label, bool | int | float):
            raise InstrumentError(
                f"{where}: 'label' was read as {label!r}, not text; put it in quotes "
                "(YAML reads bare No/Yes/On/Off as true/false)",
                source=source,
            )
        if not isinstance(label, str) or not label.strip():
            raise InstrumentError(f"{where}: 'label' must be non-empty text", source=source)
        options.append(ResponseOption(float(value), label.strip()))
    values = [o.value for o in options]
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise InstrumentError(
            f"response option values must be strictly increasing, got {values}", source=source
        )
    return tuple(options)


def _check_changes(raw: Any, source: str) -> None:
    """``changes`` (optional) is a version history: a list of {version, summary}."""
    if raw is None:
        return
    if not isinstance(raw, list):
        raise InstrumentError("'changes' must be a list of {version, summary}", source=source)
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or set(entry) != {"version", "summary"}:
            raise InstrumentError(
                f"change #{i + 1} must be a mapping with exactly 'version' and 'summary'",
                source=source,
            )


def _parse_item(raw: Any, scale_id: str, index: int, source: str) -> Item:
    if not isinstance(raw, dict):
        raise InstrumentError(
            f"item #{index + 1} must be a mapping with 'id' and 'text'",
            source=source,
            scale=scale_id,
        )
    item_id = raw.get("id")
    label = item_id if isinstance(item_id, str) else f"#{index + 1}"
    _check_keys(raw, ("id", "text", "reverse"), source=source, scale=scale_id, item=label)
    item_id = _require(raw, "id", str, source=source, scale=scale_id, item=label)
    _check_id(item_id, "item", source=source, scale=scale_id)
    text = _require(raw, "text", str, source=source, scale=scale_id, item=item_id)
    if not text.strip():
        raise InstrumentError(
            "'text' must not be empty", source=source, scale=scale_id, item=item_id
        )
    for name in _PLACEHOLDER_RE.findall(text):
        if name != "unit":
            raise InstrumentError(
                f"unknown placeholder {{{name}}} in text; only {{unit}} is allowed",
                source=source,
                scale=scale_id,
                item=item_id,
            )
    reverse = raw.get("reverse", False)
    if not isinstance(reverse, bool):
        raise InstrumentError(
            f"'reverse' must be true or false, got {reverse!r}",
            source=source,
            scale=scale_id,
            item=item_id,
        )
    return Item(id=item_id, text=" ".join(text.split()), reverse=reverse)


_SCALE_KEYS = (
    "id",
    "name",
    "rule",
    "kind",
    "higher_is",
    "min_answered",
    "description",
    "items",
    "response_options",
    "both_keyings",
    "scoring",
    "count_at_least",
)
SCORINGS = ("mean", "count")


def _choice(
    raw: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, **where: Any
) -> str:
    """``raw[key]`` (or ``default``), which must be one of ``allowed``."""
    value = raw.get(key, default)
    if value not in allowed:
        raise InstrumentError(
            f"'{key}' must be one of {', '.join(allowed)}, got {value!r}", **where
        )
    return str(value)


def _optional_text(raw: dict[str, Any], key: str, **where: Any) -> str | None:
    """``raw[key]`` when given, which must be text."""
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise InstrumentError(f"'{key}' must be text", **where)
    return value


def _min_answered(raw: dict[str, Any], n_items: int, **where: Any) -> int:
    """How many items must be answered for a score (half, rounded up, unless given)."""
    min_answered = raw.get("min_answered", (n_items + 1) // 2)
    if isinstance(min_answered, bool) or not isinstance(min_answered, int):
        raise InstrumentError("'min_answered' must be a whole number", **where)
    if not 1 <= min_answered <= n_items:
        raise InstrumentError(
            f"'min_answered' must be between 1 and the number of items ({n_items}), "
            f"got {min_answered}",
            **where,
        )
    return min_answered


def _both_keyings(raw: dict[str, Any], items: tuple[Item, ...], **where: Any) -> bool:
    both = raw.get("both_keyings", False)
    if not isinstance(both, bool):
        raise InstrumentError("'both_keyings' must be true or false", **where)
    if both and len({i.reverse for i in items}) < 2:
        raise InstrumentError(
            "'both_keyings' needs items of both keyings (some with reverse: true, some without)",
            **where,
        )
    return both


def _count_at_least(
    raw: dict[str, Any], scoring: str, items: tuple[Item, ...], **where: Any
) -> float | None:
    """The answer value a count scale counts (only count scales have one)."""
    at_least = raw.get("count_at_least")
    if scoring != "count":
        if at_least is not None:
            raise InstrumentError("'count_at_least' is only for 'scoring: count'", **where)
        return None
    if isinstance(at_least, bool) or not isinstance(at_least, int | float):
        raise InstrumentError(
            "a count scale needs 'count_at_least', the answer value that counts", **where
        )
    if any(i.reverse for i in items):
        raise InstrumentError("a count scale cannot have reverse-keyed items", **where)
    return float(at_least)


def _parse_scale(raw: Any, index: int, source: str) -> Scale:
    if not isinstance(raw, dict):
        raise InstrumentError(f"scale #{index + 1} must be a mapping", source=source)
    raw_id = raw.get("id")
    label = raw_id if isinstance(raw_id, str) else f"#{index + 1}"
    _check_keys(raw, _SCALE_KEYS, source=source, scale=label)
    scale_id = _require(raw, "id", str, source=source, scale=label)
    _check_id(scale_id, "scale", source=source)
    where = {"source": source, "scale": scale_id}
    name = _require(raw, "name", str, **where)
    kind = _choice(raw, "kind", SCALE_KINDS, "other", **where)
    higher_is = _choice(
        raw, "higher_is", HIGHER_IS, "strain" if kind == "strain" else "healthy", **where
    )
    rule = _optional_text(raw, "rule", **where)
    description = _optional_text(raw, "description", **where)
    raw_items = _require(raw, "items", list, **where)
    if not raw_items:
        raise InstrumentError("a scale needs at least one item", **where)
    items = tuple(_parse_item(r, scale_id, i, source) for i, r in enumerate(raw_items))
    options = (
        _parse_options(raw["response_options"], source, scale_id)
        if "response_options" in raw
        else None
    )
    scoring = _choice(raw, "scoring", SCORINGS, "mean", **where)
    return Scale(
        id=scale_id,
        name=name.strip(),
        items=items,
        kind=kind,
        higher_is=higher_is,
        rule=rule.strip() if rule else None,
        description=" ".join(description.split()) if description else None,
        min_answered=_min_answered(raw, len(items), **where),
        response_options=options,
        both_keyings=_both_keyings(raw, items, **where),
        scoring=scoring,
        count_at_least=_count_at_least(raw, scoring, items, **where),
    )


_TOP_KEYS = (
    "format",
    "id",
    "version",
    "title",
    "license",
    "unit_term",
    "description",
    "changes",
    "response_options",
    "scales",
    "item_order",
    "not_applicable",
    "form",
    "translations",
)
_TRANSLATION_KEYS = (
    "title",
    "description",
    "not_applicable",
    "unit_terms",
    "response_options",
    "scales",
    "items",
)
ITEM_ORDERS = ("by_scale", "interleaved")
FORMS = ("staff", "served")


def _check_count_values(
    scales: tuple[Scale, ...], options: tuple[ResponseOption, ...], source: str
) -> None:
    """Each count scale counts one of its own answer values."""
    for scale in scales:
        if scale.count_at_least is not None:
            values = [o.value for o in (scale.response_options or options)]
            if scale.count_at_least not in values:
                raise InstrumentError(
                    f"'count_at_least' must be one of the answer values {values}",
                    source=source,
                    scale=scale.id,
                )


def _check_unique_ids(scales: tuple[Scale, ...], source: str) -> None:
    """No scale id twice, and no item id twice across all scales."""
    seen_scales: set[str] = set()
    seen_items: dict[str, str] = {}
    for scale in scales:
        if scale.id in seen_scales:
            raise InstrumentError("duplicate scale id", source=source, scale=scale.id)
        seen_scales.add(scale.id)
        for item in scale.items:
            if item.id in seen_items:
                raise InstrumentError(
                    f"duplicate item id (also in scale {seen_items[item.id]!r})",
                    source=source,
                    scale=scale.id,
                    item=item.id,
                )
            seen_items[item.id] = scale.id


def _non_empty_text(data: dict[str, Any], key: str, default: str | None, source: str) -> str | None:
    """``data[key]`` (or ``default``), stripped, which must be non-empty text when given."""
    value = data.get(key, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InstrumentError(f"'{key}' must be non-empty text", source=source)
    return value.strip() if value is not None else None


def _text_map(raw: Any, what: str, expected: Sequence[Any], **where: Any) -> dict[Any, str]:
    """A mapping of every ``expected`` key to non-empty text, nothing missing, nothing extra."""
    if not isinstance(raw, dict):
        raise InstrumentError(f"'{what}' must be a mapping", **where)
    missing = [k for k in expected if k not in raw]
    extra = [k for k in raw if k not in expected]
    if missing or extra:
        raise InstrumentError(
            f"'{what}' must give exactly {', '.join(map(str, expected))}"
            + (f"; missing {', '.join(map(str, missing))}" if missing else "")
            + (f"; unknown {', '.join(map(str, extra))}" if extra else ""),
            **where,
        )
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip():
            raise InstrumentError(f"'{what}': {key} must be non-empty text", **where)
    return {k: " ".join(v.split()) for k, v in raw.items()}


def _parse_translation(raw: Any, language: str, inst: Instrument) -> InstrumentText:
    """One language's text: every item, scale name, rule and answer label, no more."""
    where = {"source": f"{inst.source} (translation {language!r})"}
    if not isinstance(raw, dict):
        raise InstrumentError("a translation must be a mapping", **where)
    _check_keys(raw, _TRANSLATION_KEYS, **where)
    values = [o.value for o in inst.response_options]
    scales = raw.get("scales")
    names = _text_map(
        {k: v.get("name") if isinstance(v, dict) else v for k, v in (scales or {}).items()},
        "scales",
        [s.id for s in inst.scales],
        **where,
    )
    rules = {
        k: " ".join(v["rule"].split())
        for k, v in (scales or {}).items()
        if isinstance(v, dict) and isinstance(v.get("rule"), str)
    }
    scale_options = {
        s.id: _text_map(
            (scales or {}).get(s.id, {}).get("response_options")
            if isinstance((scales or {}).get(s.id), dict)
            else None,
            f"scales: {s.id}: response_options",
            [o.value for o in s.response_options],
            **where,
        )
        for s in inst.scales
        if s.response_options
    }
    items = _text_map(raw.get("items"), "items", list(inst.item_ids), **where)
    for item_id, text in items.items():
        if set(_PLACEHOLDER_RE.findall(text)) - {"unit"}:
            raise InstrumentError(f"'items': {item_id} may use only {{unit}}", **where)
    return InstrumentText(
        title=_require(raw, "title", str, **where).strip(),
        description=_optional_text(raw, "description", **where),
        not_applicable=_optional_text(raw, "not_applicable", **where),
        unit_terms=_text_map(raw.get("unit_terms", {}), "unit_terms", UNIT_KINDS, **where),
        options=_text_map(raw.get("response_options"), "response_options", values, **where),
        scale_names=names,
        scale_rules=rules,
        scale_options=scale_options,
        items=items,
    )


UNIT_KINDS = ("team", "program", "organization", "agency")
"""The kinds of unit an item's ``{unit}`` can name (a translation says each in its words)."""


def _with_translations(inst: Instrument, raw: Any) -> Instrument:
    if raw is None:
        return inst
    if not isinstance(raw, dict):
        raise InstrumentError("'translations' must map language codes to text", source=inst.source)
    parsed = {str(lang): _parse_translation(text, str(lang), inst) for lang, text in raw.items()}
    return replace(inst, translations=parsed)


def parse_instrument(data: Any, source: str = "<instrument>") -> Instrument:
    """Validate already-loaded YAML data (a mapping) and build an :class:`Instrument`.

    Raises :class:`InstrumentError` naming ``source``, and the scale and item where relevant.
    """
    if not isinstance(data, dict):
        raise InstrumentError(
            "the instrument must be a YAML mapping at the top level", source=source
        )
    _check_keys(data, _TOP_KEYS, source=source)
    fmt = _require(data, "format", str, source=source)
    if fmt != FORMAT:
        raise InstrumentError(f"'format' must be {FORMAT!r}, got {fmt!r}", source=source)
    inst_id = _require(data, "id", str, source=source)
    _check_id(inst_id, "instrument", source=source)
    version = _require(data, "version", (str, int, float), source=source)
    title = _require(data, "title", str, source=source)
    lic = _optional_text(data, "license", source=source)
    unit_term = _non_empty_text(data, "unit_term", "team", source)
    description = _optional_text(data, "description", source=source)
    _check_changes(data.get("changes"), source)
    options = _parse_options(data.get("response_options"), source)
    raw_scales = _require(data, "scales", list, source=source)
    if not raw_scales:
        raise InstrumentError("an instrument needs at least one scale", source=source)
    scales = tuple(_parse_scale(r, i, source) for i, r in enumerate(raw_scales))
    _check_count_values(scales, options, source)
    item_order = _choice(data, "item_order", ITEM_ORDERS, "by_scale", source=source)
    form = _choice(data, "form", FORMS, "staff", source=source)
    not_applicable = _non_empty_text(data, "not_applicable", None, source)
    _check_unique_ids(scales, source)
    inst = Instrument(
        id=inst_id,
        version=str(version),
        title=title.strip(),
        response_options=options,
        scales=scales,
        license=lic,
        unit_term=unit_term or "team",
        description=" ".join(description.split()) if description else None,
        source=source,
        item_order=item_order,
        not_applicable=not_applicable,
        form=form,
    )
    return _with_translations(inst, data.get("translations"))


def load_instrument_text(text: str, source: str = "<instrument>") -> Instrument:
    """Parse an instrument from YAML text (``source`` names it in error messages)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"not valid YAML: {exc}", source=source) from exc
    return parse_instrument(data, source=source)


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate an instrument file (for example a licensed instrument of your own)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(f"cannot read file: {exc.strerror or exc}", source=str(p)) from exc
    return load_instrument_text(text, source=p.name)


def shipped_instrument_names() -> list[str]:
    """Names (file stems) of the current instruments shipped with Walk the Talk.

    Earlier versions are kept beside them as ``<name>@<version>.yaml`` so waves answered under
    them stay readable; they are not offered for new waves.
    """
    root = importlib.resources.files(SHIPPED_PACKAGE)
    return sorted(
        entry.name.rsplit(".", 1)[0]
        for entry in root.iterdir()
        if entry.name.endswith((".yaml", ".yml")) and "@" not in entry.name
    )


def load_shipped_instrument(
    name: str = "walk_the_talk_pulse", version: str | None = None
) -> Instrument:
    """Load a shipped instrument by file stem, e.g. ``"walk_the_talk_pulse"``.

    With ``version``, the current file is used when it has that version, else the kept earlier
    version ``<name>@<version>.yaml``.
    """
    root = importlib.resources.files(SHIPPED_PACKAGE)
    stems = [name] if version is None else [name, f"{name}@{version}"]
    for stem in stems:
        for suffix in (".yaml", ".yml"):
            entry = root.joinpath(stem + suffix)
            if entry.is_file():
                inst = load_instrument_text(entry.read_text(encoding="utf-8"), source=stem + suffix)
                if version is None or inst.version == version:
                    return inst
    if version is not None:
        raise InstrumentError(
            f"no shipped instrument {name!r} in version {version}", source=SHIPPED_PACKAGE
        )
    raise InstrumentError(
        f"no shipped instrument {name!r}; shipped: {', '.join(shipped_instrument_names())}",
        source=SHIPPED_PACKAGE,
    )


def common_items(older: Instrument, newer: Instrument) -> tuple[str, ...]:
    """Item ids that mean the same in both instruments (same scale, text, keying and answers).

    Use these when comparing waves answered under different versions of an instrument, or the
    staff and persons-served forms (their shared *anchor* items).
    """

    def signature(inst: Instrument) -> dict[str, tuple[object, ...]]:
        return {
            i.id: (s.id, i.text, i.reverse, tuple(o.value for o in inst.options_for(s)))
            for s in inst.scales
            for i in s.items
        }

    old, new = signature(older), signature(newer)
    return tuple(k for k in new if old.get(k) == new[k])
