"""Invitations: one use each, forged ones fail, and nothing links a participation to one."""

import logging

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from walkthetalk.caremap import services
from walkthetalk.caremap.models import Invitation, Participation
from walkthetalk.caremap.passes import PASS_COOKIE, ParticipantPass
from walkthetalk.caremap.tokens import token_hash

from .factories import small_system

pytestmark = pytest.mark.django_db


def test_tokens_are_stored_only_as_hashes() -> None:
    system = small_system()
    tokens = services.create_invitations(system, 3, batch_label="spring")
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
    (token,) = services.create_invitations(system, 1, unit=unit, level=level)
    participant_pass = services.redeem_invitation(token)
    assert (participant_pass.unit_id, participant_pass.level_id) == (unit.pk, level.pk)
    with pytest.raises(services.InvitationError, match="already been used"):
        services.redeem_invitation(token)
    for forged in ["", "x" * 500, token[:-1] + ("A" if token[-1] != "A" else "B")]:
        with pytest.raises(services.InvitationError):
            services.redeem_invitation(forged)
    assert Invitation.objects.filter(used_on__isnull=False).count() == 1


def test_redemption_writes_no_participation_and_no_link() -> None:
    system = small_system()
    (token,) = services.create_invitations(system, 1)
    participant_pass = services.redeem_invitation(token)
    assert Participation.objects.count() == 0
    # The pass carries no trace of the token.
    assert token not in participant_pass.sign()
    assert token_hash(token) != participant_pass.key_hash
    participation = services.participation_for(participant_pass)
    assert Participation.objects.count() == 1
    again = services.participation_for(participant_pass)
    assert again.pk == participation.pk


def test_no_table_links_participations_and_invitations() -> None:
    participation_fields = {f.name for f in Participation._meta.get_fields()}
    assert not any("invitation" in name for name in participation_fields)
    assert not any("participation" in f.name for f in Invitation._meta.get_fields())
    # Across every model of the project, no field points at both or at one from the other.
    for model in apps.get_models():
        related = {
            getattr(f.related_model, "__name__", None)
            for f in model._meta.get_fields()
            if f.is_relation and f.concrete
        }
        assert not {"Invitation", "Participation"} <= related, model
        if model is Invitation:
            assert "Participation" not in related
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
        second = client.post(url, {"t": token})
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
