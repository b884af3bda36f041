"""The evidence beside a wave's figures: chains that stop at hidden levels, invariance between
levels, the cross-level estimate through released groups only, item non-response by level."""

import csv
import io
import subprocess

import numpy as np
import pytest

from walkthetalk.analysis.privacy import RESPONSES
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import UnitKind
from walkthetalk.pulse import evidence, services
from walkthetalk.pulse.release import release_groups
from walkthetalk.pulse.wave_data import load
from walkthetalk.reports import pulse as pulse_reports
from walkthetalk.reports.pulse import dashboard

from ..caremap.factories import small_system, staff_client
from .factories import level, passes, respond, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return small_system()


@pytest.fixture
def wave(system):
    return services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])


def simulated(rng: np.random.Generator, shift_item: str | None = None) -> dict[str, object]:
    """One person's answers: one latent level per scale, four noisy items each."""
    inst = services.instrument()
    out: dict[str, object] = {}
    for scale in inst.scales:
        options = inst.options_for(scale)
        low, high = options[0].value, options[-1].value
        z = rng.normal()
        for item in scale.items:
            x = (low + high) / 2 + 0.9 * z + rng.normal(0, 0.6)
            if item.id == shift_item:
                x += 1.3  # this statement reads differently at this level
            v = float(np.clip(np.rint(x), low, high))
            out[item.id] = (low + high - v) if item.reverse else v
    return out


def test_a_hidden_level_ends_every_chain(system, wave) -> None:
    team, program = unit(system, "Riverbend Day Team"), unit(system, "Riverbend Outpatient")
    respond(wave, 6, unit=program, level=level(system, "Leadership"), value=3)
    respond(wave, 2, unit=program, level=level(system, "Supervisors"), value=3)  # hidden
    respond(wave, 6, unit=team, level=level(system, "Direct care"), value=4)
    d = dashboard(wave)
    assert d.evidence is not None
    assert d.evidence.pairs == [] and d.chains == []  # never Leadership "next to" Direct care
    assert d.evidence.cross_level == []


def test_scores_that_read_differently_at_a_level_are_marked_not_comparable(
    system, wave, tmp_path
) -> None:
    rng = np.random.default_rng(5)
    team, program = unit(system, "Riverbend Day Team"), unit(system, "Riverbend Outpatient")
    n = evidence.MIN_PER_LEVEL_FOR_INVARIANCE
    for p in passes(wave, n, unit=program, level=level(system, "Supervisors")):
        services.submit_response(wave, p, simulated(rng))
    for p in passes(wave, n, unit=team, level=level(system, "Direct care")):
        services.submit_response(wave, p, simulated(rng, shift_item="talk_5"))
    data = load(wave)
    rows = {r.scale_id: r for r in evidence.invariance_rows(data, [("Supervisors", "Direct care")])}
    talk = rows["talk"]
    assert talk.ladder is not None and talk.comparable is False
    assert talk.ladder.changes[1].delta_cfi < -0.01
    assert rows["trust"].comparable is True
    d = dashboard(wave)
    assert d.evidence is not None
    (pair,) = d.evidence.pairs
    assert "We talk openly" in pair.not_comparable
    # a not-comparable healthy way is never claimed as mirroring for that pair
    assert "We talk openly" not in pair.strengths + pair.edges
    # one decision, carried the same way wherever the two levels' scores are released:
    # the dashboard's heatmap cells, the CSV download and the API
    talk_row = next(r for r in d.heat_rows if r.scale_id == "talk")
    marks = dict(zip(d.levels, talk_row.not_comparable, strict=True))
    assert marks == {"Supervisors": ("Direct care",), "Direct care": ("Supervisors",)}
    trust_row = next(r for r in d.heat_rows if r.scale_id == "trust")
    assert all(mark == () for mark in trust_row.not_comparable)
    client = staff_client(system, "facilitator")
    page = client.get(f"/pulse/{system.slug}/waves/{wave.pk}/dashboard/").content.decode()
    assert "not comparable with Direct care" in page
    # the printed wave brief carries the same marks, and says what they mean
    brief = client.get(f"/pulse/{system.slug}/waves/{wave.pk}/brief.pdf")
    assert brief.status_code == 200 and brief["Content-Type"] == "application/pdf"
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(b"".join(brief.streaming_content) if brief.streaming else brief.content)
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True)
        .stdout.decode()
        .split()
    )
    assert "not comparable with Direct care" in text
    assert "not comparable with Supervisors" in text
    assert "read differently at the two levels" in text
    api = client.get(f"/api/pulse/{system.slug}/waves/{wave.pk}/aggregates").json()
    by = {(r["group"], r["scale"]): r["not_comparable_with"] for r in api}
    assert by[("Supervisors", "talk")] == ["Direct care"]
    assert by[("Direct care", "talk")] == ["Supervisors"]
    failed = {s for s, r in rows.items() if r.comparable is False}  # talk, maybe others
    assert {s for (g, s), v in by.items() if v} == failed
    assert by[("Supervisors", "trust")] == []
    csv_text = client.get(f"/pulse/{system.slug}/waves/{wave.pk}/export.csv").content.decode()
    lines = list(csv.DictReader(io.StringIO(csv_text)))
    marked = {(r["group"], r["scale"]) for r in lines if r["not_comparable_with"]}
    assert marked == {(g, s) for s in failed for g in ("Supervisors", "Direct care")}


def test_evidence_is_computed_once_per_wave_state(system, wave, monkeypatch) -> None:
    team = unit(system, "Riverbend Day Team")
    respond(wave, 6, unit=team, level=level(system, "Direct care"), value=4)
    calls: list[int] = []
    real = evidence.invariance_rows

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(evidence, "invariance_rows", counting)
    first = dashboard(wave)
    dashboard(wave)
    pulse_reports.aggregates(wave)
    assert len(calls) == 1  # the dashboard again and the CSV rows read the stored evidence
    assert first.evidence is not None and first.evidence.responses == 6
    assert not first.evidence.wave_closed
    respond(wave, 1, unit=team, level=level(system, "Direct care"), value=3)
    assert dashboard(wave).evidence.responses == 7  # new answers: computed again
    services.close_wave(wave)
    closed = dashboard(wave).evidence
    assert closed is not None and closed.wave_closed and len(calls) == 3
    dashboard(wave)
    assert len(calls) == 3


def test_too_few_answers_for_invariance_say_so(system, wave) -> None:
    team, program = unit(system, "Riverbend Day Team"), unit(system, "Riverbend Outpatient")
    respond(wave, 6, unit=program, level=level(system, "Supervisors"))
    respond(wave, 6, unit=team, level=level(system, "Direct care"))
    rows = evidence.invariance_rows(load(wave), [("Supervisors", "Direct care")])
    assert rows and all(r.ladder is None and "not tested" in r.note for r in rows)


def test_cross_level_uses_only_units_whose_groups_are_released(system, wave, monkeypatch) -> None:
    monkeypatch.setattr(evidence, "MIN_UNITS_FOR_CROSS_LEVEL", 3)
    org = unit(system, "Riverbend Recovery")
    rng = np.random.default_rng(3)
    programs = [unit(system, "Riverbend Outpatient")]
    for name in ("North", "South", "East", "West"):
        p = caremap_services.add_unit(system, f"{name} Program", UnitKind.PROGRAM, org, org.sector)
        caremap_services.add_unit(system, f"{name} Team", UnitKind.TEAM, p, org.sector)
        programs.append(p)
    for i, program in enumerate(programs):
        team = program.children.get()
        supervisors = 4 if i == 4 else 6  # the last program's supervisors are too few to show
        for value in rng.integers(2, 6, size=supervisors):
            respond(wave, 1, unit=program, level=level(system, "Supervisors"), value=int(value))
        for value in rng.integers(2, 6, size=6):
            respond(wave, 1, unit=team, level=level(system, "Direct care"), value=int(value))
    data = load(wave)
    rel = release_groups(data)
    (row,) = evidence.cross_level(data, rel, "talk")
    # Four programs have six supervisors, one has four. Showing all four groups of six would
    # let the small one be worked out from the level's total, so one more is held back.
    assert (row.upper, row.lower, row.units) == ("Supervisors", "Direct care", 3)
    assert row.estimate is not None and row.estimate.n_units == 3
    assert row.estimate.ci_low <= row.estimate.slope <= row.estimate.ci_high
    # what was planned is in the wave's ledger: atoms of at least the minimum size
    atoms = services._ledger(wave).spaces[RESPONSES].atoms()
    assert atoms and all(len(a) >= wave.min_group_size for a in atoms)
    monkeypatch.setattr(evidence, "MIN_UNITS_FOR_CROSS_LEVEL", 10)
    (row,) = evidence.cross_level(load(wave), release_groups(load(wave)), "talk")
    assert row.estimate is None


def test_nonresponse_by_level_keeps_its_two_reasons_apart(system, wave) -> None:
    team = unit(system, "Riverbend Day Team")
    for p in passes(wave, 6, unit=team, level=level(system, "Direct care")):
        answers = simulated(np.random.default_rng(1))
        answers.update(talk_5=None, talk_6="na")
        services.submit_response(wave, p, answers)
    rows = evidence.nonresponse(load(wave), release_groups(load(wave)))
    talk = next(r for r in rows if r.scale_id == "talk" and r.level == "Direct care")
    assert (talk.prefer_not, talk.not_applicable) == (0.25, 0.25)
