"""The participants' verdict: "Did '<step>' help?" asked in the next pulse that covers a done
step's aim, stored inside the one response row, released through the wave's ledger."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from walkthetalk.agenda import selectors as agenda_selectors
from walkthetalk.agenda import services as agenda_services
from walkthetalk.agenda.models import ActionItem
from walkthetalk.analysis.pulse import NOT_APPLICABLE
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.clock import today
from walkthetalk.caremap.models import UnitKind
from walkthetalk.pulse import effects, selectors, services, steps
from walkthetalk.pulse.models import Response, Wave

from ..caremap.factories import small_system, staff_client
from .factories import PARTS, healthy, level, participant, passes, unit

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
STEP = "Weekly debrief after critical incidents"


@pytest.fixture
def system():
    system = small_system()
    agency = unit(system, "Testland Health Department")
    caremap_services.add_unit(system, "Hillside Clinic", UnitKind.ORGANIZATION, agency)
    return system


def a_step(system, *, held_ago: int = 60, done: bool = True, text: str = STEP) -> ActionItem:
    issue = agenda_services.add_issue(system, f"We rarely say when something went wrong {text}")
    gathering = agenda_services.create_gathering(system, "A gathering", today() - held_ago * DAY)
    item = agenda_services.add_to_agenda(gathering, issue)
    action = agenda_services.add_action_item(item, text, "Leader", today())
    if done:
        agenda_services.update_action_item(
            action, status=ActionItem.Status.DONE, progress=100, follow_up="Done."
        )
    return action


def covered(system, *names):
    return selectors.descendants(system, [unit(system, n).pk for n in names])


def test_a_done_step_with_an_aim_is_asked_once_in_the_next_wave_that_covers_it(system) -> None:
    riverbend = unit(system, "Riverbend Recovery")
    whole = a_step(system, text="Debriefs everywhere")
    agenda_services.link_target(whole, "talk")
    local = a_step(system, text="Debriefs at Riverbend")
    agenda_services.link_target(local, "mistakes", riverbend)
    agenda_services.link_target(a_step(system, done=False, text="Not done yet"), "talk")
    a_step(system, text="No aim")  # done, but aims at nothing: nothing to ask about
    agenda_services.link_target(a_step(system, held_ago=-3, text="Agreed later"), "talk")

    asked = agenda_selectors.steps_to_ask(system.pk, covered(system, "Riverbend Recovery"), today())
    assert [(q.step, q.units) for q in asked] == [
        ("Debriefs everywhere", None),
        ("Debriefs at Riverbend", (riverbend.pk,)),
    ]
    # a wave over Hillside only: the Riverbend step is not its to ask
    elsewhere = agenda_selectors.steps_to_ask(
        system.pk, covered(system, "Hillside Clinic"), today()
    )
    assert [q.step for q in elsewhere] == ["Debriefs everywhere"]
    # once a wave has asked, later waves do not ask again
    services.open_wave(system, "Autumn pulse", [riverbend], step_questions=asked)
    assert (
        agenda_selectors.steps_to_ask(system.pk, covered(system, "Riverbend Recovery"), today())
        == []
    )


def test_only_people_under_the_aim_are_asked_and_answers_stay_in_the_one_row(system) -> None:
    riverbend, hillside = unit(system, "Riverbend Recovery"), unit(system, "Hillside Clinic")
    local = a_step(system)
    agenda_services.link_target(local, "talk", riverbend)
    top = unit(system, "Testland Health Department")
    asked = agenda_selectors.steps_to_ask(system.pk, covered(system, top.name), today())
    wave = services.open_wave(system, "Autumn pulse", [top], step_questions=asked)
    key = f"step-{local.pk}"
    team = unit(system, "Riverbend Day Team")
    assert [q.id for q in selectors.step_questions_for(wave, team.pk)] == [key]
    assert selectors.step_questions_for(wave, hillside.pk) == []
    (p,) = passes(wave, 1, unit=team)
    services.submit_response(wave, p, {**healthy(4), key: 3})
    (row,) = Response.objects.filter(wave=wave)
    assert row.answers[key] == 3.0 and len(row.answers) == len(healthy(4)) + 1
    # someone at Hillside was not asked: an answer from there is refused, nothing is stored
    (q,) = passes(wave, 1, unit=hillside)
    with pytest.raises(services.PulseError, match="do not belong"):
        services.submit_response(wave, q, {**healthy(4), key: 3})
    (r,) = passes(wave, 1, unit=team)
    for bad in (4, "yes", True):
        with pytest.raises(services.PulseError, match="not one of the choices"):
            services.submit_response(wave, r, {**healthy(4), key: bad})
    assert Response.objects.filter(wave=wave).count() == 1


def test_bad_step_questions_leave_no_wave(system) -> None:
    riverbend = unit(system, "Riverbend Recovery")
    many = [steps.StepQuestion(i, f"Step {i}") for i in range(1, steps.MAX_QUESTIONS + 2)]
    with pytest.raises(services.PulseError, match="at most"):
        services.open_wave(system, "Autumn pulse", [riverbend], step_questions=many)
    with pytest.raises(services.PulseError, match="its words"):
        services.open_wave(
            system, "Autumn", [riverbend], step_questions=[steps.StepQuestion(1, " ")]
        )
    other = small_system("otherland")
    stranger = steps.StepQuestion(1, STEP, (unit(other, "Riverbend Recovery").pk,))
    with pytest.raises(services.PulseError, match="units of this care system"):
        services.open_wave(system, "Autumn", [riverbend], step_questions=[stranger])
    assert not Wave.objects.filter(care_system=system).exists()


def verdict_wave(system, action, answers: list[object]) -> Wave:
    riverbend = unit(system, "Riverbend Recovery")
    asked = agenda_selectors.steps_to_ask(system.pk, covered(system, riverbend.name), today())
    wave = services.open_wave(
        system, "Autumn pulse", [riverbend], opened_on=today() - 20 * DAY, step_questions=asked
    )
    team = unit(system, "Riverbend Day Team")
    key = f"step-{action.pk}"
    for p, value in zip(
        passes(wave, len(answers), unit=team, level=level(system)), answers, strict=True
    ):
        services.submit_response(wave, p, {**healthy(4), key: value})
    return wave


def test_the_verdict_shows_once_the_wave_closes_with_its_interval(system) -> None:
    action = a_step(system)
    agenda_services.link_target(action, "talk")
    answers = [3, 3, 3, 2, 2, 1, NOT_APPLICABLE, None]
    wave = verdict_wave(system, action, answers)
    waiting = effects.participants_verdict(system.pk, action.pk)
    assert waiting is not None and not waiting.shown and "when it closes" in waiting.reason
    services.close_wave(wave)
    got = effects.participants_verdict(system.pk, action.pk)
    assert got is not None and got.shown and got.verdict is not None
    assert (got.verdict.n, got.verdict.helped) == (6, 5)  # "don't know" and "prefer not" left out
    assert got.verdict.ci_low is not None and got.verdict.ci_low < 5 / 6 < got.verdict.ci_high
    # released through the wave's ledger, like every other figure
    wave.refresh_from_db()
    assert f"step-{action.pk}" in str(wave.release_ledger)
    # beside the step on the steward's page and in the API
    client = staff_client(system, "steward")
    page = client.get(f"/agenda/manage/{system.slug}/you-said-we-did/").content.decode()
    assert "5 of 6 people who answered in Autumn pulse said it helped" in page
    (row,) = client.get(f"/api/agenda/{system.slug}/actions").json()
    assert row["participants"]["helped"] == 5 and row["participants"]["answered"] == 6


@pytest.mark.parametrize(
    "answers",
    [[3, 2, 1, 2], [3, 3, 2, 2, 3, 2, 3]],  # too few; all said it helped (would tell each answer)
)
def test_no_verdict_figure_for_too_few_or_unanimous_answers(system, answers) -> None:
    action = a_step(system)
    agenda_services.link_target(action, "talk")
    services.close_wave(verdict_wave(system, action, answers))
    got = effects.participants_verdict(system.pk, action.pk)
    assert got is not None and not got.shown and got.verdict is None
    assert "privacy" in got.reason
    client = staff_client(system, "steward")
    (row,) = client.get(f"/api/agenda/{system.slug}/actions").json()
    verdict = row["participants"]
    assert verdict["answered"] is None and verdict["helped"] is None
    assert verdict["share_helped"] is None and verdict["ci_low"] is None


def test_the_survey_asks_the_step_last_and_keeps_the_answer_in_the_response(system) -> None:
    action = a_step(system)
    agenda_services.link_target(action, "talk")
    riverbend = unit(system, "Riverbend Recovery")
    asked = agenda_selectors.steps_to_ask(system.pk, covered(system, riverbend.name), today())
    wave = services.open_wave(system, "Autumn pulse", [riverbend], step_questions=asked)
    client = participant(system, wave)
    url = reverse("pulse:answer", args=[wave.pk])
    page = client.get(url)
    assert f"Part 1 of {PARTS + 1}".encode() in page.content
    key = f"step-{action.pk}"
    for step in range(PARTS + 1):
        ids = re.findall(r'name="([a-z_0-9-]+)" value="skip"', page.content.decode())
        assert (key in ids) == (step == PARTS)  # the step question is the last part, alone
        if step == PARTS:
            text = page.content.decode()
            assert f"Did “{STEP}” help?" in text and "I don&#x27;t know about this step" in text
            missing = client.post(url, {"step": step})
            assert missing.status_code == 400 and Response.objects.count() == 0
        sent = client.post(url, {"step": step, **{i: "2" if i == key else "4" for i in ids}})
        if step < PARTS:
            page = client.get(sent.url)
    assert sent.url == reverse("pulse:thanks", args=[wave.pk])
    (stored,) = Response.objects.filter(wave=wave)
    assert stored.answers[key] == 2.0


def unit_verdict_wave(system, action, answers_by_unit: dict[str, list[object]]) -> Wave:
    agency = unit(system, "Testland Health Department")
    asked = agenda_selectors.steps_to_ask(system.pk, covered(system, agency.name), today())
    wave = services.open_wave(
        system, "Autumn pulse", [agency], opened_on=today() - 20 * DAY, step_questions=asked
    )
    key = f"step-{action.pk}"
    for name, answers in answers_by_unit.items():
        placed = passes(wave, len(answers), unit=unit(system, name), level=level(system))
        for p, value in zip(placed, answers, strict=True):
            services.submit_response(wave, p, {**healthy(4), key: value})
    services.close_wave(wave)
    return wave


def test_the_verdict_is_shown_unit_by_unit_when_every_aimed_unit_allows_it(system) -> None:
    action = a_step(system)
    for name in ("Riverbend Recovery", "Hillside Clinic"):
        agenda_services.link_target(action, "talk", unit(system, name))
    unit_verdict_wave(
        system,
        action,
        {"Riverbend Day Team": [3, 3, 3, 2, 1, 3, 2], "Hillside Clinic": [1, 1, 3, 1, 2, 1]},
    )
    got = effects.participants_verdict(system.pk, action.pk)
    assert got is not None and got.shown and got.scope == "units"
    by_unit = {name: (v.helped, v.n) for name, v in got.by_unit}
    assert by_unit == {"Riverbend Recovery": (6, 7), "Hillside Clinic": (2, 6)}
    assert got.verdict is not None and (got.verdict.helped, got.verdict.n) == (8, 13)
    client = staff_client(system, "steward")
    page = client.get(f"/agenda/manage/{system.slug}/you-said-we-did/").content.decode()
    assert "By place, for each part of the system this step aimed at" in page
    assert "Hillside Clinic: 2 of 6 said it helped" in page
    (row,) = client.get(f"/api/agenda/{system.slug}/actions").json()
    assert row["participants"]["scope"] == "units"
    assert {u["unit"]: u["helped"] for u in row["participants"]["by_unit"]} == {
        "Riverbend Recovery": 6,
        "Hillside Clinic": 2,
    }


@pytest.mark.parametrize(
    ("aims", "answers"),
    [
        # one unit's answers are unanimous: showing the other beside the whole wave would tell it
        (
            ("Riverbend Recovery", "Hillside Clinic"),
            {"Riverbend Day Team": [3, 3, 3, 2, 1, 3, 2], "Hillside Clinic": [3, 3, 2, 3, 2, 3]},
        ),
        # one unit has too few answers
        (
            ("Riverbend Recovery", "Hillside Clinic"),
            {"Riverbend Day Team": [3, 3, 1, 2, 1, 3, 2], "Hillside Clinic": [1, 3, 1]},
        ),
        # one aimed unit inside the other: the difference could be subtracted
        (
            ("Riverbend Recovery", "Riverbend Day Team"),
            {"Riverbend Day Team": [3, 3, 1, 2, 1, 3], "Riverbend Outpatient": [1, 3, 2, 1, 3]},
        ),
    ],
)
def test_otherwise_the_verdict_is_for_the_whole_wave_and_says_so(system, aims, answers) -> None:
    action = a_step(system)
    for name in aims:
        agenda_services.link_target(action, "talk", unit(system, name))
    unit_verdict_wave(system, action, answers)
    got = effects.participants_verdict(system.pk, action.pk)
    assert got is not None and got.shown and got.scope == "wave" and got.by_unit == ()
    client = staff_client(system, "steward")
    page = client.get(f"/agenda/manage/{system.slug}/you-said-we-did/").content.decode()
    assert "for everyone asked in the wave together" in page
    assert "By place" not in page
    (row,) = client.get(f"/api/agenda/{system.slug}/actions").json()
    assert row["participants"]["scope"] == "wave" and row["participants"]["by_unit"] == []


def test_the_verdict_is_cached_once_its_wave_has_closed(system, monkeypatch) -> None:
    action = a_step(system)
    agenda_services.link_target(action, "talk")
    services.close_wave(verdict_wave(system, action, [3, 3, 3, 2, 2, 1]))
    first = effects.participants_verdict(system.pk, action.pk)

    def no_loading(wave):
        raise AssertionError("loaded a wave again")

    monkeypatch.setattr(effects, "load", no_loading)
    again = effects.participants_verdict(system.pk, action.pk)
    assert again == first and again is not None and again.shown
