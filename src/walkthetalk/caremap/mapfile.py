"""Reading and writing a care map as YAML or CSV — plain data, line-numbered errors.

YAML holds the whole map::

    care_system: {name: Northhaven System of Care, slug: northhaven, min_group_size: 5}
    levels: [Funders and regulators, Leadership, Supervisors, Direct care, Persons served]
    sectors: [{slug: treatment, name: Treatment}]
    units:
      - name: Department of Behavioral Health
        kind: agency
        sector: government
        units:
          - {name: Riverbend Recovery Center, kind: organization, sector: treatment}

CSV holds the units only, one per row, with the header ``name,kind,parent,sector`` (``parent``
and ``sector`` may be empty; a parent is named, and may appear on any row).

Parsing never touches the database: it returns a :class:`MapSpec` or raises
:class:`MapFileError` listing every problem with its line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from walkthetalk.caremap.errors import ServiceError
from walkthetalk.reports.render.csv_writer import read_cell, write_csv

KINDS = {"agency": 1, "organization": 2, "program": 3, "team": 4}
KIND_NAMES = {v: k for k, v in KINDS.items()}


def with_article(kind: int) -> str:
    """'an agency', 'an organization', 'a program', 'a team'."""
    name = KIND_NAMES[kind]
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


MAX_NAME = 200
MAX_UNITS = 20_000
CSV_HEADER = ["name", "kind", "parent", "sector"]


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class MapFileError(ServiceError):
    """A map file that cannot be imported; ``errors`` lists each problem with its line."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__("; ".join(str(e) for e in self.errors))


@dataclass
class UnitSpec:
    name: str
    kind: int
    parent: str | None
    sector: str | None
    line: int


@dataclass
class MapSpec:
    name: str | None = None
    slug: str | None = None
    min_group_size: int | None = None
    levels: list[str] = field(default_factory=list)
    sectors: list[tuple[str, str]] = field(default_factory=list)
    units: list[UnitSpec] = field(default_factory=list)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalar(node: yaml.Node, what: str, errors: list[LineError]) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        errors.append(LineError(_line(node), f"{what} must be plain text"))
        return None
    return str(node.value).strip()


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    assert isinstance(node, yaml.MappingNode)
    return {str(k.value): v for k, v in node.value}


@dataclass(frozen=True)
class KnownMap:
    """What a care system already holds, so a file imported into it is checked against it in
    the same pass: every problem is listed at once, not one pass at a time."""

    units: dict[str, int]
    sectors: set[str]
    """Sector slugs and lower-case names."""


def _checked(
    spec: MapSpec, known: KnownMap | None, *, parents_may_be_outside: bool
) -> list[LineError]:
    """The whole-file checks, against the care system's units and sectors when known."""
    if known is None:
        return check_spec(spec, outside_parents=parents_may_be_outside)
    return check_spec(spec, known.units) + _known_errors(spec, known)


def _known_errors(spec: MapSpec, known: KnownMap) -> list[LineError]:
    sectors = known.sectors | {slug for slug, _ in spec.sectors}
    sectors |= {name.lower() for _, name in spec.sectors}
    return [
        LineError(u.line, f"unknown sector '{u.sector}'")
        for u in spec.units
        if u.sector and u.sector.lower() not in sectors
    ]


def _sorted(errors: list[LineError]) -> list[LineError]:
    return sorted(errors, key=lambda e: e.line)


def parse_yaml(text: str, known: KnownMap | None = None) -> MapSpec:
    errors: list[LineError] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or exc
        raise MapFileError([LineError(line, f"not valid YAML ({problem})")]) from exc
    if not isinstance(root, yaml.MappingNode):
        raise MapFileError([LineError(1, "the file must be a mapping with a 'units' list")])
    top = _mapping(root)
    unknown = set(top) - {"care_system", "levels", "sectors", "units"}
    for key in sorted(unknown):
        errors.append(LineError(_line(top[key]), f"unknown section '{key}'"))
    spec = MapSpec()
    if "care_system" in top:
        _read_care_system(top["care_system"], spec, errors)
    if "levels" in top:
        _read_levels(top["levels"], spec, errors)
    if "sectors" in top:
        _read_sectors(top["sectors"], spec, errors)
    if "units" not in top:
        errors.append(LineError(1, "the file has no 'units' list"))
    else:
        _read_units(top["units"], None, spec, errors)
    errors.extend(_checked(spec, known, parents_may_be_outside=False))
    if errors:
        raise MapFileError(_sorted(errors))
    return spec


def _read_levels(node: yaml.Node, spec: MapSpec, errors: list[LineError]) -> None:
    if not isinstance(node, yaml.SequenceNode):
        errors.append(LineError(_line(node), "'levels' must be a list of names"))
        return
    for item in node.value:
        name = _scalar(item, "a level", errors)
        if name:
            spec.levels.append(name)


def _read_care_system(node: yaml.Node, spec: MapSpec, errors: list[LineError]) -> None:
    if not isinstance(node, yaml.MappingNode):
        errors.append(LineError(_line(node), "'care_system' must have a name and a slug"))
        return
    fields = _mapping(node)
    spec.name = _scalar(fields["name"], "name", errors) if "name" in fields else None
    spec.slug = _scalar(fields["slug"], "slug", errors) if "slug" in fields else None
    if "min_group_size" in fields:
        raw = _scalar(fields["min_group_size"], "min_group_size", errors)
        if raw is not None and (not raw.isdigit() or int(raw) < 3):
            errors.append(
                LineError(_line(fields["min_group_size"]), "min_group_size must be 3 or more")
            )
        elif raw is not None:
            spec.min_group_size = int(raw)


def _read_sectors(node: yaml.Node, spec: MapSpec, errors: list[LineError]) -> None:
    if not isinstance(node, yaml.SequenceNode):
        errors.append(LineError(_line(node), "'sectors' must be a list"))
        return
    for item in node.value:
        if isinstance(item, yaml.ScalarNode):
            plain = str(item.value).strip()
            spec.sectors.append((_slugify(plain), plain))
        elif isinstance(item, yaml.MappingNode):
            f = _mapping(item)
            name = _scalar(f["name"], "sector name", errors) if "name" in f else None
            if not name:
                errors.append(LineError(_line(item), "a sector needs a name"))
                continue
            slug = _scalar(f["slug"], "sector slug", errors) if "slug" in f else None
            spec.sectors.append((slug or _slugify(name), name))
        else:
            errors.append(LineError(_line(item), "a sector must be a name or {slug, name}"))


def _read_units(
    node: yaml.Node, parent: str | None, spec: MapSpec, errors: list[LineError]
) -> None:
    if not isinstance(node, yaml.SequenceNode):
        errors.append(LineError(_line(node), "'units' must be a list"))
        return
    for item in node.value:
        if len(spec.units) > MAX_UNITS:
            errors.append(LineError(_line(item), f"more than {MAX_UNITS} units"))
            return
        if not isinstance(item, yaml.MappingNode):
            errors.append(LineError(_line(item), "a unit must have a name and a kind"))
            continue
        f = _mapping(item)
        for key in sorted(set(f) - {"name", "kind", "sector", "units"}):
            errors.append(LineError(_line(f[key]), f"unknown unit field '{key}'"))
        name = _scalar(f["name"], "name", errors) if "name" in f else None
        kind_text = _scalar(f["kind"], "kind", errors) if "kind" in f else None
        sector = _scalar(f["sector"], "sector", errors) if "sector" in f else None
        line = _line(item)
        if not name:
            errors.append(LineError(line, "a unit needs a name"))
            continue
        kind = _kind(kind_text, line, errors)
        spec.units.append(UnitSpec(name, kind, parent, sector or None, line))
        if "units" in f:
            _read_units(f["units"], name, spec, errors)


def _kind(text: str | None, line: int, errors: list[LineError]) -> int:
    if not text:
        errors.append(LineError(line, "a unit needs a kind (agency, organization, program, team)"))
        return 0
    kind = KINDS.get(text.lower())
    if kind is None:
        errors.append(
            LineError(line, f"unknown kind '{text}' (use agency, organization, program or team)")
        )
        return 0
    return kind


def parse_csv(text: str, known: KnownMap | None = None) -> MapSpec:
    errors: list[LineError] = []
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise MapFileError([LineError(1, f"not valid CSV ({exc})")]) from exc
    if header is None:
        raise MapFileError([LineError(1, "the file is empty")])
    if [h.strip().lower() for h in header] != CSV_HEADER:
        raise MapFileError([LineError(1, f"the header must be exactly: {','.join(CSV_HEADER)}")])
    spec = MapSpec()
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(CSV_HEADER):
                errors.append(LineError(line, f"expected 4 fields, found {len(row)}"))
                continue
            name, kind_text, parent, sector = (read_cell(cell.strip()) for cell in row)
            if not name:
                errors.append(LineError(line, "a unit needs a name"))
                continue
            kind = _kind(kind_text, line, errors)
            spec.units.append(UnitSpec(name, kind, parent or None, sector or None, line))
    except csv.Error as exc:
        errors.append(LineError(reader.line_num, f"not valid CSV ({exc})"))
    # Without a known care system a parent may be a unit the care system already holds.
    errors.extend(_checked(spec, known, parents_may_be_outside=True))
    if errors:
        raise MapFileError(_sorted(errors))
    return spec


def check_spec(
    spec: MapSpec, known_units: dict[str, int] | None = None, *, outside_parents: bool = False
) -> list[LineError]:
    """Check names, parents, depth and cycles. ``known_units`` maps existing names to kinds;
    with ``outside_parents`` a parent missing from the file is left for the database check."""
    errors: list[LineError] = []
    if len(spec.units) > MAX_UNITS:
        errors.append(LineError(1, f"at most {MAX_UNITS} units can be imported at once"))
    kinds = dict(known_units or {})
    errors += _name_errors(spec, kinds)
    parents = {u.name: u.parent for u in spec.units}
    for unit in spec.units:
        if unit.parent is not None:
            errors += _parent_errors(unit, kinds, parents, outside_parents)
    levels_seen: set[str] = set()
    for level in spec.levels:
        if level in levels_seen:
            errors.append(LineError(1, f"level '{level}' is listed twice"))
        levels_seen.add(level)
    return errors


def _name_errors(spec: MapSpec, kinds: dict[str, int]) -> list[LineError]:
    """Names too long or given twice; records each unit's kind in ``kinds``."""
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for unit in spec.units:
        if len(unit.name) > MAX_NAME:
            errors.append(LineError(unit.line, f"a name can be at most {MAX_NAME} characters"))
        if unit.name in seen:
            errors.append(
                LineError(unit.line, f"'{unit.name}' is already named on line {seen[unit.name]}")
            )
        seen[unit.name] = unit.line
        kinds[unit.name] = unit.kind
    return errors


def _parent_errors(
    unit: UnitSpec, kinds: dict[str, int], parents: dict[str, str | None], outside_parents: bool
) -> list[LineError]:
    """A parent that is missing or not above the unit, or a unit that is its own ancestor."""
    assert unit.parent is not None
    errors: list[LineError] = []
    if unit.parent not in kinds:
        if outside_parents:
            return errors
        errors.append(LineError(unit.line, f"parent '{unit.parent}' is not in the map"))
    elif unit.kind and kinds[unit.parent] and kinds[unit.parent] >= unit.kind:
        errors.append(
            LineError(
                unit.line,
                f"{with_article(unit.kind)} cannot sit under "
                f"{with_article(kinds[unit.parent])} ('{unit.parent}')",
            )
        )
    # A cycle is impossible when kinds strictly deepen, but names may repeat across errors.
    walker: str | None = unit.parent
    steps = 0
    while walker is not None and steps <= len(parents):
        walker, steps = parents.get(walker), steps + 1
    if steps > len(parents):
        errors.append(LineError(unit.line, f"'{unit.name}' is its own ancestor"))
    return errors


def _slugify(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)[:80]


def dump_yaml(spec: MapSpec) -> str:
    children: dict[str | None, list[UnitSpec]] = {}
    for unit in spec.units:
        children.setdefault(unit.parent, []).append(unit)

    def tree(parent: str | None) -> list[dict[str, Any]]:
        out = []
        for unit in children.get(parent, []):
            item: dict[str, Any] = {"name": unit.name, "kind": KIND_NAMES[unit.kind]}
            if unit.sector:
                item["sector"] = unit.sector
            sub = tree(unit.name)
            if sub:
                item["units"] = sub
            out.append(item)
        return out

    doc: dict[str, Any] = {
        "care_system": {
            "name": spec.name,
            "slug": spec.slug,
            "min_group_size": spec.min_group_size,
        },
        "levels": spec.levels,
        "sectors": [{"slug": s, "name": n} for s, n in spec.sectors],
        "units": tree(None),
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def dump_csv(spec: MapSpec) -> str:
    """The map as CSV, through the one guarded writer (a unit named ``=…`` stays text)."""
    return write_csv(
        CSV_HEADER,
        ([u.name, KIND_NAMES[u.kind], u.parent or "", u.sector or ""] for u in spec.units),
    )


EXAMPLE_MAP = "riverbend-county.yaml"


def example_text() -> str:
    """The example care map shipped with the package (YAML): set-up starts from it, and the
    import page offers it (and the same units as CSV) to download and change."""
    return (resources.files("walkthetalk.caremap") / "examples" / EXAMPLE_MAP).read_text()
