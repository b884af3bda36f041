"""An action's aim, measured: a pulse scale for a unit before and after the action's gathering,
through the privacy ledger, with its interval — or a plain reason why it cannot be shown."""

import datetime as dt
import itertools

import pytest

from walkthetalk.agenda import selectors as agenda_selectors
from walkthetalk.agenda import services as agenda_services
from walkthetalk.caremap.clock import today
from walkthetalk.pulse import effects, services

from ..caremap.factories import small_system, staff_client
from .factories import level, past_wave, respond, unit

ISSUE_NUMBERS = itertools.count(1)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def system():
    return small_system()


def an_action(system, held_ago: int):
    # each action its own issue: the backlog refuses the same issue twice
    issue = agenda_services.add_issue(
        system, f"We rarely say when something went wrong ({next(ISSUE_NUMBERS)})"
    )
    gathering = agenda_services.create_gathering(
        system, "Autumn gathering", today() - held_ago * DAY
    )
    item = agenda_services.add_to_agenda(gathering, issue)
    return agenda_services.add_action_item(
        item, "Weekly debrief after critical incidents", "Leader", today()
    )


def test_a_linked_scale_shows_its_change_with_an_interval(system) -> None:
    team = unit(system, "Riverbend Day Team")
    past_wave(system, "Spring pulse", team, {2: 4, 3: 4}, (200, 170))
    past_wave(system, "Autumn pulse", team, {4: 4, 5: 4}, (60, 30))
    action = an_action(system, held_ago=100)
    agenda_services.link_target(action, "talk", team)
    agenda_services.link_target(action, "talk")  # and the whole system
    outcome = agenda_selectors.action_outcome(action)
    here, everywhere = sorted(outcome.targets, key=lambda t: t.measured.place)
    for t in (here, everywhere):
        m = t.measured
        assert (m.before, m.after) == ("Spring pulse", "Autumn pulse")
        assert m.shown and m.change is not None
        assert m.change.difference == pytest.approx(2.0)
        assert m.change.ci_low is not None and 0 < m.change.ci_low < 2 < m.change.ci_high
        assert m.verdict == effects.CLEARLY_BETTER
        assert m.change.n_previous == m.change.n_current == 8
    # the same figures on the steward's "you said, we did", the public page's source, and the API
    client = staff_client(system, "steward")
    page = client.get(f"/agenda/manage/{system.slug}/you-said-we-did/").content.decode()
    assert "a change of 2.00" in page and "Clearly better than before." in page
    api = client.get(f"/api/agenda/{system.slug}/actions").json()
    (aims,) = [a["aims"] for a in api]
    assert [a["difference"] for a in aims] == [pytest.approx(2.0)] * 2
    assert {a["verdict"] for a in aims} == {"better"}


def test_a_strain_scale_going_up_is_called_worse(system) -> None:
    team = unit(system, "Riverbend Day Team")
    past_wave(system, "Spring pulse", team, {2: 4, 3: 4}, (200, 170))
    past_wave(system, "Autumn pulse", team, {4: 4, 5: 4}, (60, 30))
    m = effects.scale_change(system.pk, "strain", team.pk, "here", today() - 100 * DAY)
    assert m.higher_is == "strain" and m.change is not None and m.change.difference > 0
    assert m.verdict == effects.CLEARLY_WORSE


def test_overlapping_answers_give_no_clear_change(system) -> None:
    team = unit(system, "Riverbend Day Team")
    past_wave(system, "Spring pulse", team, {2: 3, 4: 3}, (200, 170))
    past_wave(system, "Autumn pulse", team, {2: 3, 4: 2, 5: 1}, (60, 30))
    m = effects.scale_change(system.pk, "talk", team.pk, "here", today() - 100 * DAY)
    assert m.shown and m.verdict == effects.NO_CLEAR_CHANGE


def test_each_reason_a_change_cannot_be_shown_yet(system) -> None:
    team = unit(system, "Riverbend Day Team")
    since = today() - 100 * DAY
    m = effects.scale_change(system.pk, "talk", team.pk, "here", since)
    assert not m.shown and "No pulse before" in m.reason
    past_wave(system, "Spring pulse", team, {3: 6}, (200, 170))
    m = effects.scale_change(system.pk, "talk", team.pk, "here", since)
    assert not m.shown and "Not measured again yet" in m.reason
    after = services.open_wave(
        system, "Autumn pulse", [unit(system, "Riverbend Recovery")], opened_on=today() - 60 * DAY
    )
    respond(after, 2, unit=team, level=level(system), value=4)  # two answers only
    m = effects.scale_change(system.pk, "talk", team.pk, "here", since)
    assert not m.shown and "Being measured again in “Autumn pulse”" in m.reason
    services.close_wave(after, closed_on=today() - 30 * DAY)
    m = effects.scale_change(system.pk, "talk", team.pk, "here", since)
    # two answers are fewer than the minimum group size: no figure, however it is asked for
    assert not m.shown and m.change is None and "Too few answers" in m.reason


def test_linking_refuses_bad_aims_and_changes_nothing(system) -> None:
    other = small_system("elsewhere")
    action = an_action(system, held_ago=10)
    with pytest.raises(agenda_services.AgendaError, match="healthy ways"):
        agenda_services.link_target(action, "no_such_scale")
    with pytest.raises(agenda_services.AgendaError, match="unit of this care system"):
        agenda_services.link_target(action, "talk", unit(other, "Riverbend Day Team"))
    agenda_services.link_target(action, "talk")
    with pytest.raises(agenda_services.AgendaError, match="already linked"):
        agenda_services.link_target(action, "talk")
    assert action.targets.count() == 1
    with pytest.raises(agenda_services.AgendaError, match="not linked"):
        agenda_services.unlink_target(an_action(system, held_ago=5), action.targets.get().pk)
    assert action.targets.count() == 1


def test_facilitators_link_and_remove_aims_on_the_follow_up_page(system) -> None:
    action = an_action(system, held_ago=10)
    client = staff_client(system, "facilitator")
    url = f"/agenda/manage/{system.slug}/actions/{action.public_id}/"
    client.post(url + "aims/", {"scale": "talk", "unit": unit(system, "Riverbend Day Team").pk})
    page = client.get(url).content.decode()
    assert "in Riverbend Day Team" in page and "No pulse before this step" in page
    response = client.post(url + "aims/", {"scale": "nonsense"})
    assert response.status_code == 302 and action.targets.count() == 1
    client.post(url + "aims/", {"remove": action.targets.get().pk})
    assert action.targets.count() == 0
    participant_client = staff_client(system, None, name="no-role")
    assert participant_client.post(url + "aims/", {"scale": "talk"}).status_code in (403, 404)
    assert action.targets.count() == 0


def test_a_measured_change_is_cached_per_closed_wave_state(system, monkeypatch) -> None:
    """A second page view reads the cached figures instead of loading and releasing the waves
    again; a changed wave (here: one more response) is a new state, measured afresh."""
    team = unit(system, "Riverbend Day Team")
    past_wave(system, "Spring pulse", team, {2: 4, 3: 4}, (200, 170))
    autumn = past_wave(system, "Autumn pulse", team, {4: 4, 5: 4}, (60, 30))
    since = today() - 100 * DAY
    first = effects.scale_change(system.pk, "talk", team.pk, "here", since)

    def no_loading(wave):
        raise AssertionError("loaded a wave again")

    monkeypatch.setattr(effects, "load", no_loading)
    again = effects.scale_change(system.pk, "talk", team.pk, "there", since)
    assert again.change == first.change and again.place == "there"
    autumn.responses.first().delete()
    with pytest.raises(AssertionError, match="loaded a wave again"):
        effects.scale_change(system.pk, "talk", team.pk, "here", since)
