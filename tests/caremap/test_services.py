"""Care map services against a real database: importing and exporting the map (all or nothing),
invitations (one use each, forged ones fail, redeeming one writes nothing else, small batches
generalized to at least k invited people)."""

import datetime as dt
import logging
import secrets

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkthetalk.caremap import mapfile, services
from walkthetalk.caremap.models import CareSystem, Invitation, Unit
from walkthetalk.caremap.passes import PASS_COOKIE, ParticipantPass
from walkthetalk.caremap.tokens import token_hash

from .factories import small_system

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[str, int, str | None]]:
    return sorted(
        (u.name, u.kind, u.parent.name if u.parent else None)
        for u in Unit.objects.select_related("parent")
    )


def test_export_then_import_as_new_system_reproduces_the_map() -> None:
    system = small_system()
    text = services.export_map(system, "yaml").replace("slug: testland", "slug: copyland")
    summary = services.import_map(text, "yaml")
    copy = summary.care_system
    assert copy.slug == "copyland" and summary.created == 4
    assert [level.name for level in copy.levels.all()] == [
        level.name for level in system.levels.all()
    ]
    assert services.export_map(copy, "csv") == services.export_map(system, "csv")


def test_csv_import_adds_and_moves_units() -> None:
    system = small_system()
    text = (
        "name,kind,parent,sector\n"
        "Harbor Harm Reduction,organization,Testland Health Department,harm-reduction\n"
        "Harbor Syringe Services,program,Harbor Harm Reduction,Harm reduction\n"
    )
    summary = services.import_map(text, "csv", system)
    assert (summary.created, summary.updated) == (2, 0)
    program = Unit.objects.get(name="Harbor Syringe Services")
    assert program.parent is not None and program.parent.name == "Harbor Harm Reduction"
    assert program.sector is not None and program.sector.slug == "harm-reduction"


def test_a_bad_line_writes_nothing() -> None:
    system = small_system()
    before = snapshot()
    text = (
        "name,kind,parent,sector\n"
        "New Clinic,organization,Testland Health Department,treatment\n"
        "New Program,program,New Clinic,no-such-sector\n"
    )
    with pytest.raises(mapfile.MapFileError) as info:
        services.import_map(text, "csv", system)
    assert [(e.line, e.message) for e in info.value.errors] == [
        (3, "unknown sector 'no-such-sector'")
    ]
    assert snapshot() == before


def test_import_cannot_break_the_tree_of_existing_units() -> None:
    system = small_system()
    before = snapshot()
    # Riverbend Outpatient (a program) cannot become the parent of an organization.
    text = "name,kind,parent,sector\nNew Org,organization,Riverbend Outpatient,\n"
    with pytest.raises(mapfile.MapFileError, match="cannot sit under a program"):
        services.import_map(text, "csv", system)
    assert snapshot() == before


def test_new_system_with_existing_slug_is_refused() -> None:
    small_system()
    text = "care_system: {name: Again, slug: testland}\nunits: []\n"
    with pytest.raises(mapfile.MapFileError, match="already exists"):
        services.import_map(text, "yaml")
    assert CareSystem.objects.count() == 1


def test_services_refuse_impossible_placements() -> None:
    system = small_system()
    team = Unit.objects.get(name="Riverbend Day Team")
    with pytest.raises(services.CareMapError, match="cannot sit under"):
        services.add_unit(system, "Sub-team", 4, parent=team)
    agency = Unit.objects.get(name="Testland Health Department")
    org = Unit.objects.get(name="Riverbend Recovery")
    with pytest.raises(services.CareMapError):
        services.update_unit(agency, agency.name, 1, org, None)


def test_whoever_starts_a_system_from_a_file_becomes_its_steward() -> None:
    from django.contrib.auth import get_user_model

    from walkthetalk.caremap.models import StaffRole

    user = get_user_model().objects.create_user("founder", password="a-long-staff-password")
    good = (
        "care_system: {name: Lakeside, slug: lakeside}\n"
        "units:\n  - {name: Lake Authority, kind: agency}\n"
    )
    summary = services.import_map(good, "yaml", steward=user)
    assert StaffRole.objects.filter(
        user=user, care_system=summary.care_system, role="steward"
    ).exists()
    bad = good.replace("lakeside", "hillside").replace("kind: agency", "kind: castle")
    with pytest.raises(mapfile.MapFileError):
        services.import_map(bad, "yaml", steward=user)
    assert not CareSystem.objects.filter(slug="hillside").exists()
    assert StaffRole.objects.filter(user=user).count() == 1


def test_tokens_are_stored_only_as_hashes() -> None:
    system = small_system()
    tokens = services.create_invitations(system, 3)
    stored = list(Invitation.objects.values_list("token_hash", flat=True))
    assert sorted(stored) == sorted(token_hash(t) for t in tokens)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM caremap_invitation")
        dump = repr(cursor.fetchall())
    assert all(t not in dump for t in tokens)


def test_redeeming_twice_fails_and_forged_tokens_fail() -> None:
    system = small_system()
    unit = system.units.get(name="Riverbend Day Team")
    level = system.levels.get(position=4)
    token = services.create_invitations(system, 5, unit=unit, level=level)[0]
    participant_pass = services.redeem_invitation(token)
    assert (participant_pass.unit_id, participant_pass.level_id) == (unit.pk, level.pk)
    with pytest.raises(services.InvitationError, match="already been used"):
        services.redeem_invitation(token)
    for forged in ["", "x" * 500, token[:-1] + ("A" if token[-1] != "A" else "B")]:
        with pytest.raises(services.InvitationError):
            services.redeem_invitation(forged)
    assert Invitation.objects.filter(used_on__isnull=False).count() == 1


def test_redemption_leaves_no_trace_in_the_pass() -> None:
    system = small_system()
    (token,) = services.create_invitations(system, 1)
    participant_pass = services.redeem_invitation(token)
    assert token not in participant_pass.sign()
    assert token_hash(token) != participant_pass.key_hash


def test_no_model_points_at_an_invitation_and_no_participation_model_exists() -> None:
    assert "participation" not in apps.all_models["caremap"]
    for model in apps.get_models():
        related = {
            getattr(f.related_model, "__name__", None)
            for f in model._meta.get_fields()
            if f.is_relation and f.concrete
        }
        assert "Invitation" not in related, model
        assert not any("participation" in f.name for f in model._meta.get_fields()), model
    invitation_columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "caremap_invitation"
        )
    }
    assert "used_on" in invitation_columns
    assert not {"used_at", "participation_id", "key_hash"} & invitation_columns


def test_join_page_redeems_once_and_logs_nothing_identifying(client, caplog) -> None:
    system = small_system()
    (token,) = services.create_invitations(system, 1)
    url = reverse("caremap:join")
    assert client.get(url, {"t": token}).status_code == 200
    assert Invitation.objects.get().used_on is None  # a link preview uses nothing
    with caplog.at_level(logging.DEBUG):
        response = client.post(url, {"t": token})
        assert response.status_code == 302
        assert ParticipantPass.from_signed(response.cookies[PASS_COOKIE].value) is not None
        back = client.post(url, {"t": token})  # the same browser, with its pass: home again
        second = Client().post(url, {"t": token})  # anyone else: spent
    assert back.status_code == 302 and back.url == reverse("welcome")
    assert second.status_code == 400
    assert "already been used" in second.content.decode()
    assert token not in caplog.text
    assert "127.0.0.1" not in caplog.text


def test_a_tampered_pass_cookie_is_ignored() -> None:
    system = small_system()
    good = ParticipantPass.new(system.pk).sign()
    assert ParticipantPass.from_signed(good) is not None
    assert ParticipantPass.from_signed(good[:-2] + "xx") is None
    assert ParticipantPass.from_signed("not-a-pass") is None


# --- generalization: stored attributes describe at least k invited people ------------------


def _combinations(system) -> dict[tuple[int | None, int | None, int | None], int]:
    rows = Invitation.objects.filter(care_system=system).values_list("unit", "level", "sector")
    out: dict[tuple[int | None, int | None, int | None], int] = {}
    for row in rows:
        out[row] = out.get(row, 0) + 1
    return out


def test_a_batch_of_k_keeps_what_the_steward_chose() -> None:
    system = small_system()
    team = system.units.get(name="Riverbend Day Team")
    level = system.levels.get(position=4)
    batch = services.invite(system, 5, unit=team, level=level, sector=team.sector)
    assert not batch.generalized
    assert (batch.unit, batch.level, batch.sector) == (team, level, team.sector)
    assert _combinations(system) == {(team.pk, level.pk, team.sector_id): 5}


def test_a_small_batch_joins_the_first_wider_group_that_reaches_k() -> None:
    system = small_system()
    team = system.units.get(name="Riverbend Day Team")
    level = system.levels.get(position=4)
    services.invite(system, 5, unit=team, level=level)  # (team, level, no sector): 5 people
    batch = services.invite(system, 2, unit=team, level=level, sector=team.sector)
    assert batch.generalized and (batch.unit, batch.level, batch.sector) == (team, level, None)
    assert batch.describe() == f"Riverbend Day Team, {level.name}, any sector"
    assert _combinations(system) == {(team.pk, level.pk, None): 7}
    # With nobody to join, one person is counted anywhere in the care system, with no level
    # or sector: nothing stored describes fewer than k people.
    other = system.levels.get(position=2)
    alone = services.invite(system, 1, unit=team, level=other, sector=team.sector)
    assert (alone.unit, alone.level, alone.sector) == (None, None, None)
    (token,) = alone.tokens
    assert services.redeem_invitation(token).unit_id is None


def test_generalization_climbs_the_unit_tree_keeping_the_level_first() -> None:
    system = small_system()
    program = system.units.get(name="Riverbend Outpatient")
    team = system.units.get(name="Riverbend Day Team")
    level = system.levels.get(position=3)
    services.invite(system, 5, unit=program, level=level)
    batch = services.invite(system, 1, unit=team, level=level, sector=team.sector)
    assert (batch.unit, batch.level, batch.sector) == (program, level, None)
    ladder = services.generalization_ladder(team, level, team.sector, within=program)
    assert ladder == [
        (team, level, team.sector),
        (team, level, None),
        (program, level, None),
        (team, None, None),
        (program, None, None),
    ]


def test_a_batch_too_small_even_at_its_limit_is_refused_and_nothing_is_written() -> None:
    system = small_system()
    program = system.units.get(name="Riverbend Outpatient")
    team = system.units.get(name="Riverbend Day Team")
    with pytest.raises(services.CareMapError, match="too few to keep their answers anonymous"):
        services.invite(system, 4, unit=team, within=program)
    assert not Invitation.objects.exists()
    with pytest.raises(services.CareMapError, match="between 1 and"):
        services.invite(system, 0, unit=team)
    assert not Invitation.objects.exists()


def test_no_label_is_stored_with_an_invitation() -> None:
    columns = {f.name for f in Invitation._meta.get_fields()}
    assert not any("label" in name or "name" in name for name in columns)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(
        st.tuples(
            st.integers(1, 7),  # how many
            st.integers(0, 4),  # unit: none or one of the four
            st.integers(0, 5),  # level: none or one of five
            st.booleans(),  # with the unit's sector
        ),
        min_size=1,
        max_size=12,
    )
)
def test_every_stored_combination_describes_at_least_k_invited_people(batches) -> None:
    system = small_system(f"prop-{secrets.token_hex(4)}")
    units = [None, *system.units.order_by("kind")]
    levels = [None, *system.levels.order_by("position")]
    for count, u, lv, with_sector in batches:
        unit = units[u]
        sector = unit.sector if (unit is not None and with_sector) else None
        batch = services.invite(system, count, unit=unit, level=levels[lv], sector=sector)
        assert len(batch.tokens) == count
    for combination, invited in _combinations(system).items():
        assert combination == (None, None, None) or invited >= system.min_group_size


# Stopping a batch, a last day: the rows stay and keep counting among the people invited.


def _batch(system, count: int = 6, **kwargs):
    team = system.units.get(name="Riverbend Day Team")
    return team, services.invite(system, count, unit=team, **kwargs)


def test_stopping_a_batch_stops_its_unused_links_and_keeps_every_row_counted() -> None:
    system = small_system()
    team, batch = _batch(system)
    services.redeem_invitation(batch.tokens[0])
    combination = (batch.unit, batch.level, batch.sector)
    made_on = Invitation.objects.first().created_on  # type: ignore[union-attr]
    stopped = services.stop_invitation_batch(system, made_on, team.pk, None, None)
    assert stopped == 5
    assert Invitation.objects.count() == 6 and Invitation.objects.filter(revoked=True).count() == 5
    assert services.invited_with(system, combination) == 6  # still counted towards k
    with pytest.raises(services.InvitationStopped, match="no longer in use"):
        services.redeem_invitation(batch.tokens[1])
    assert Invitation.objects.filter(used_on__isnull=False).count() == 1  # nothing marked used
    with pytest.raises(services.InvitationError) as spent:
        services.redeem_invitation(batch.tokens[0])
    assert not isinstance(spent.value, services.InvitationStopped)  # used, not stopped
    assert services.stop_invitation_batch(system, made_on, team.pk, None, None) == 0


def test_stopping_leaves_other_batches_and_other_systems_alone() -> None:
    system = small_system()
    other = small_system("otherland")
    team, batch = _batch(system)
    _, other_batch = _batch(other)
    made_on = Invitation.objects.first().created_on  # type: ignore[union-attr]
    assert services.stop_invitation_batch(system, made_on, None, None, None) == 0
    assert services.stop_invitation_batch(other, made_on, team.pk, None, None) == 0
    assert (
        services.stop_invitation_batch(system, made_on + dt.timedelta(1), team.pk, None, None) == 0
    )
    assert not Invitation.objects.filter(revoked=True).exists()
    services.redeem_invitation(other_batch.tokens[0])


def test_a_batch_with_a_last_day_stops_after_it_and_a_past_day_is_refused() -> None:
    system = small_system()
    today = services.today()
    with pytest.raises(services.CareMapError, match="cannot be in the past"):
        _batch(system, expires_on=today - dt.timedelta(days=1))
    assert not Invitation.objects.exists()
    _, batch = _batch(system, expires_on=today)
    assert set(Invitation.objects.values_list("expires_on", flat=True)) == {today}
    services.redeem_invitation(batch.tokens[0])  # works on its last day
    Invitation.objects.update(expires_on=today - dt.timedelta(days=1))
    with pytest.raises(services.InvitationStopped):
        services.redeem_invitation(batch.tokens[1])
    assert Invitation.objects.filter(used_on__isnull=False).count() == 1
