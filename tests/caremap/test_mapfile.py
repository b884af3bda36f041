"""Parsing care-map files: every problem is reported with its line, nothing is guessed."""

import csv
import io

import pytest

from walkthetalk.caremap import mapfile

GOOD_YAML = """\
care_system: {name: Lakeside, slug: lakeside, min_group_size: 6}
levels: [Leadership, Direct care]
sectors:
  - {slug: treatment, name: Treatment}
units:
  - name: Lakeside Authority
    kind: agency
    units:
      - name: Harbor Clinic
        kind: organization
        sector: treatment
        units:
          - {name: Harbor Outpatient, kind: program}
"""


def test_yaml_tree_becomes_flat_units_with_parents() -> None:
    spec = mapfile.parse_yaml(GOOD_YAML)
    assert spec.name == "Lakeside" and spec.min_group_size == 6
    assert [(u.name, u.parent, u.kind) for u in spec.units] == [
        ("Lakeside Authority", None, 1),
        ("Harbor Clinic", "Lakeside Authority", 2),
        ("Harbor Outpatient", "Harbor Clinic", 3),
    ]
    assert spec.units[1].line == 9


def test_yaml_errors_name_their_lines() -> None:
    with pytest.raises(mapfile.MapFileError) as info:
        mapfile.parse_yaml(GOOD_YAML.replace("kind: organization", "kind: hospital"))
    assert [str(e) for e in info.value.errors] == [
        "line 9: unknown kind 'hospital' (use agency, organization, program or team)"
    ]
    nested_agency = GOOD_YAML.replace(
        "{name: Harbor Outpatient, kind: program}", "{name: Harbor Outpatient, kind: agency}"
    )
    with pytest.raises(mapfile.MapFileError) as info:
        mapfile.parse_yaml(nested_agency)
    assert [str(e) for e in info.value.errors] == [
        "line 13: an agency cannot sit under an organization ('Harbor Clinic')"
    ]


def test_broken_yaml_is_reported_not_raised_raw() -> None:
    with pytest.raises(mapfile.MapFileError) as info:
        mapfile.parse_yaml("units:\n  - name: [unclosed\n")
    assert "not valid YAML" in str(info.value)


def test_csv_errors_have_line_numbers() -> None:
    text = (
        "name,kind,parent,sector\n"
        "Authority,agency,,\n"
        "Clinic,organization,Authority,treatment\n"
        "Clinic,program,Authority,\n"
        "Orphan,team,Nowhere,\n"
        "Short,team\n"
    )
    with pytest.raises(mapfile.MapFileError) as info:
        mapfile.parse_csv(text)
    found = {(e.line, e.message.split(" ")[0]) for e in info.value.errors}
    assert (4, "'Clinic'") in found
    assert (6, "expected") in found
    # A parent outside the file is checked against the database, at import time.
    assert not any(e.line == 5 for e in info.value.errors)
    fixed = text.replace("Clinic,program", "Cl2,program").replace("Short,team\n", "")
    errors = mapfile.check_spec(mapfile.parse_csv(fixed), {})
    assert [str(e) for e in errors] == ["line 5: parent 'Nowhere' is not in the map"]


def test_csv_header_must_match() -> None:
    with pytest.raises(mapfile.MapFileError, match="line 1: the header"):
        mapfile.parse_csv("unit,type\nA,agency\n")


def test_dump_and_parse_round_trip() -> None:
    spec = mapfile.parse_yaml(GOOD_YAML)
    again = mapfile.parse_yaml(mapfile.dump_yaml(spec))
    assert [(u.name, u.kind, u.parent, u.sector) for u in again.units] == [
        (u.name, u.kind, u.parent, u.sector) for u in spec.units
    ]
    from_csv = mapfile.parse_csv(mapfile.dump_csv(spec))
    assert [u.name for u in from_csv.units] == [u.name for u in spec.units]


def test_a_unit_named_like_a_formula_reaches_a_spreadsheet_as_text_and_reads_back() -> None:
    spec = mapfile.parse_csv(
        'name,kind,parent,sector\n"\'=HYPERLINK(""x"")",agency,,\n+Team,team,"\'=HYPERLINK(""x"")",\n'
    )
    assert [u.name for u in spec.units] == ['=HYPERLINK("x")', "+Team"]
    text = mapfile.dump_csv(spec)
    cells = list(csv.reader(io.StringIO(text)))[1:]
    assert [(row[0], row[2]) for row in cells] == [
        ('\'=HYPERLINK("x")', ""),
        ("'+Team", '\'=HYPERLINK("x")'),
    ]
    again = mapfile.parse_csv(text)
    assert [(u.name, u.parent) for u in again.units] == [
        ('=HYPERLINK("x")', None),
        ("+Team", '=HYPERLINK("x")'),
    ]
