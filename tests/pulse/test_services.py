"""Waves, invitations and anonymous responses: the rules the services keep."""

import datetime as dt

import pytest

from walkthetalk.analysis.privacy import ReleaseLedger
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import Invitation, UnitKind
from walkthetalk.pulse import selectors, services
from walkthetalk.pulse.models import Response, Wave, WaveBatch

from ..caremap.factories import small_system
from .factories import answers, invited, level, passes, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return small_system()


@pytest.fixture
def wave(system):
    return services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])


def test_open_wave_copies_the_minimum_group_size_and_starts_a_ledger(system) -> None:
    system.min_group_size = 7
    system.save()
    wave = services.open_wave(system, "  Spring   pulse ", [unit(system, "Riverbend Recovery")])
    assert wave.title == "Spring pulse"
    assert wave.min_group_size == 7
    assert wave.instrument_key == "walk_the_talk_pulse"
    assert wave.instrument_version == services.instrument().version
    ledger = ReleaseLedger.from_dict(wave.release_ledger)
    assert (ledger.wave, ledger.min_size, ledger.is_empty) == (str(wave.pk), 7, True)
    # changing the care system later does not change the open wave
    system.min_group_size = 5
    system.save()
    wave.refresh_from_db()
    assert wave.min_group_size == 7


@pytest.mark.parametrize(
    ("title", "units", "message"),
    [("", True, "needs a title"), ("x" * 121, True, "120"), ("Pulse", False, "at least one")],
)
def test_open_wave_refuses_bad_input_kindly(system, title, units, message) -> None:
    chosen = [unit(system, "Riverbend Recovery")] if units else []
    with pytest.raises(services.PulseError, match=message):
        services.open_wave(system, title, chosen)
    assert Wave.objects.count() == 0


def test_open_wave_refuses_units_of_another_system(system) -> None:
    other = small_system("otherland")
    with pytest.raises(services.PulseError, match="its own care system"):
        services.open_wave(system, "Pulse", [other.units.first()])
    assert Wave.objects.count() == 0


def test_minimum_group_size_can_be_raised_but_never_lowered(wave) -> None:
    services.change_min_group_size(wave, 8)
    wave.refresh_from_db()
    assert wave.min_group_size == 8 and wave.release_ledger["min_size"] == 8
    with pytest.raises(services.PulseError, match="never lowered"):
        services.change_min_group_size(wave, 5)
    wave.refresh_from_db()
    assert wave.min_group_size == 8 and wave.release_ledger["min_size"] == 8


def test_wave_covers_chosen_units_and_everything_below(system, wave) -> None:
    covered = selectors.covered_unit_ids(wave)
    names = set(system.units.filter(pk__in=covered).values_list("name", flat=True))
    assert names == {"Riverbend Recovery", "Riverbend Outpatient", "Riverbend Day Team"}
    assert not selectors.covers(wave, unit(system, "Testland Health Department").pk)
    assert not selectors.covers(wave, None)  # an open link only answers whole-system waves
    whole = services.open_wave(system, "All", [unit(system, "Testland Health Department")])
    assert selectors.covers(whole, None)


def test_batch_makes_invitations_with_coarse_attributes(system, wave) -> None:
    team = unit(system, "Riverbend Day Team")
    made = services.make_batch(wave, 6, unit=team, level=level(system), sector=team.sector)
    tokens = made.tokens
    assert len(tokens) == 6 and len(set(tokens)) == 6 and not made.generalized
    invitations = Invitation.objects.filter(care_system=system)
    assert invitations.count() == 6
    assert {(i.unit_id, i.level_id, i.sector_id) for i in invitations} == {
        (team.pk, level(system).pk, team.sector_id)
    }
    batch = WaveBatch.objects.get()
    assert (batch.count, batch.unit, batch.level) == (6, team, level(system))
    assert not any(t in str(batch.__dict__) for t in tokens)  # tokens are never stored


def test_batch_refuses_units_outside_the_wave_and_closed_waves(system, wave) -> None:
    with pytest.raises(services.PulseError, match="covers"):
        services.make_batch(wave, 5, unit=unit(system, "Testland Health Department"))
    with pytest.raises(services.PulseError, match="between 1 and"):
        services.make_batch(wave, 0, unit=unit(system, "Riverbend Day Team"))
    services.close_wave(wave)
    with pytest.raises(services.PulseError, match="closed"):
        services.make_batch(wave, 5, unit=unit(system, "Riverbend Day Team"))
    assert Invitation.objects.count() == 0 and WaveBatch.objects.count() == 0


def test_response_keeps_coarse_attributes_only(system, wave) -> None:
    team = unit(system, "Riverbend Day Team")
    participant_pass = invited(wave, 5, unit=team, level=level(system))[0]
    response = services.submit_response(
        wave, participant_pass, answers(4, talk_5=None, talk_6="na")
    )
    assert (response.unit, response.level, response.sector) == (team, level(system), team.sector)
    assert isinstance(response.submitted_on, dt.date)
    assert not isinstance(response.submitted_on, dt.datetime)
    assert response.answers["talk_5"] is None and response.answers["talk_8"] == 4.0
    assert response.answers["talk_6"] == "na"  # "does not apply", kept apart from None
    fields = {f.name for f in Response._meta.get_fields()}
    assert fields == {
        "id",
        "wave",
        "submission_key",
        "unit",
        "level",
        "sector",
        "submitted_on",
        "answers",
    }
    assert response.submission_key != participant_pass.key_hash
    assert participant_pass.key_hash not in str(Response.objects.values().get())
    assert response.id.version == 4  # random, not sequential


def test_second_submission_is_refused_and_changes_nothing(system, wave) -> None:
    (participant_pass,) = passes(wave, 1, unit=unit(system, "Riverbend Day Team"))
    first = services.submit_response(wave, participant_pass, answers(4))
    with pytest.raises(services.AlreadyAnswered, match="first answers are kept"):
        services.submit_response(wave, participant_pass, answers(1))
    assert Response.objects.count() == 1
    assert Response.objects.get().answers == first.answers


def test_many_responses_are_stored_together_or_not_at_all(system, wave) -> None:
    team = unit(system, "Riverbend Day Team")
    first, second, third = passes(wave, 3, unit=team, level=level(system))
    assert services.submit_responses(wave, [(first, answers(4), None), (second, answers(3), None)])
    stored = {r.submission_key: r.answers["talk_5"] for r in Response.objects.all()}
    assert sorted(stored.values()) == [3.0, 4.0]
    # one bad answer, a repeated participant or one who already answered: nothing is stored
    outside = caremap_services.redeem_invitation(
        caremap_services.create_invitations(
            system, 1, unit=unit(system, "Testland Health Department")
        )[0]
    )
    for batch, error in (
        ([(third, answers(4), None), (passes(wave, 1, unit=team)[0], answers(9), None)], "choices"),
        ([(third, answers(4), None), (third, answers(2), None)], "already answered"),
        ([(third, answers(4), None), (first, answers(2), None)], "already answered"),
        ([(third, answers(4), None), (outside, answers(2), None)], "other parts"),
    ):
        with pytest.raises(services.PulseError, match=error):
            services.submit_responses(wave, batch)
        assert Response.objects.count() == 2
    assert not selectors.has_answered(wave, third)


def test_submission_keys_differ_between_waves(system, wave) -> None:
    other = services.open_wave(system, "Autumn pulse", [unit(system, "Riverbend Recovery")])
    (participant_pass,) = passes(wave, 1, unit=unit(system, "Riverbend Day Team"))
    a = services.submit_response(wave, participant_pass, answers(4))
    b = services.submit_response(other, participant_pass, answers(4))
    assert a.submission_key != b.submission_key


@pytest.mark.parametrize(
    "bad",
    [
        {"talk_5": 9},
        {"talk_5": True},
        {"talk_5": "4"},
        {"talk_5": "n/a"},
        {"strengths_5": 5},
        {"not_an_item": 3},
    ],
)
def test_malformed_answers_are_refused_and_nothing_is_stored(system, wave, bad) -> None:
    (participant_pass,) = passes(wave, 1, unit=unit(system, "Riverbend Day Team"))
    with pytest.raises(services.PulseError, match="nothing was saved"):
        services.submit_response(wave, participant_pass, answers(4, **bad))
    assert Response.objects.count() == 0


def test_missing_answers_are_refused(system, wave) -> None:
    (participant_pass,) = passes(wave, 1, unit=unit(system, "Riverbend Day Team"))
    partial = answers(4)
    del partial["play_7"]
    with pytest.raises(services.PulseError, match="missing"):
        services.submit_response(wave, participant_pass, partial)
    assert Response.objects.count() == 0


def test_closed_waves_and_other_units_take_no_answers(system, wave) -> None:
    (inside,) = passes(wave, 1, unit=unit(system, "Riverbend Day Team"))
    tokens = caremap_services.create_invitations(
        system, 1, unit=unit(system, "Testland Health Department")
    )
    outside = caremap_services.redeem_invitation(tokens[0])
    with pytest.raises(services.PulseError, match="other parts"):
        services.submit_response(wave, outside, answers(4))
    services.close_wave(wave)
    with pytest.raises(services.PulseError, match="closed"):
        services.submit_response(wave, inside, answers(4))
    with pytest.raises(services.PulseError, match="already closed"):
        services.close_wave(wave)
    assert Response.objects.count() == 0


def test_dates_of_answers_stay_within_the_wave(system, wave) -> None:
    (participant_pass,) = passes(wave, 1, unit=unit(system, "Riverbend Day Team"))
    with pytest.raises(services.PulseError, match="dated"):
        services.submit_response(
            wave, participant_pass, answers(4), submitted_on=wave.opened_on - dt.timedelta(1)
        )
    assert Response.objects.count() == 0


def test_open_waves_for_a_participant(system, wave) -> None:
    (inside,) = passes(wave, 1, unit=unit(system, "Riverbend Day Team"))
    other_program = caremap_services.add_unit(
        system, "Elsewhere", UnitKind.ORGANIZATION, unit(system, "Testland Health Department")
    )
    outside = caremap_services.redeem_invitation(
        caremap_services.create_invitations(system, 1, unit=other_program)[0]
    )
    assert selectors.open_waves_for(None) == []
    assert selectors.open_waves_for(inside) == [wave]
    assert selectors.open_waves_for(outside) == []
    services.submit_response(wave, inside, answers(4))
    assert selectors.open_waves_for(inside) == []  # answered
    second = services.open_wave(system, "Second", [unit(system, "Riverbend Outpatient")])
    assert selectors.open_waves_for(inside) == [second]
    services.close_wave(second)
    assert selectors.open_waves_for(inside) == []


def test_answers_keep_only_the_week_they_were_sent(system) -> None:
    monday = dt.date(2026, 11, 16)
    wave = services.open_wave(
        system, "Pulse", [unit(system, "Riverbend Recovery")], opened_on=monday + dt.timedelta(2)
    )
    (a, b) = passes(wave, 2, unit=unit(system, "Riverbend Day Team"))
    friday = monday + dt.timedelta(4)
    next_thursday = monday + dt.timedelta(10)
    assert services.submit_response(wave, a, answers(4), submitted_on=friday).submitted_on == (
        wave.opened_on  # never before the wave opened
    )
    late = services.submit_response(wave, b, answers(4), submitted_on=next_thursday)
    assert late.submitted_on == monday + dt.timedelta(7)
