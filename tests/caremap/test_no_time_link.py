"""No date or time ties anything a participant makes to the day its invitation was used."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import models

from walkthetalk.caremap import services
from walkthetalk.caremap.models import Invitation

from .factories import small_system

pytestmark = pytest.mark.django_db

PARTICIPANT_APPS = ("caremap", "pulse", "conversations", "agenda", "messenger")


def test_no_model_of_these_apps_keeps_a_time_of_day() -> None:
    for app_label in PARTICIPANT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            timed = [
                f.name for f in model._meta.get_fields() if isinstance(f, models.DateTimeField)
            ]
            assert timed == [], f"{model.__name__} keeps a time: {timed}"


def test_using_an_invitation_keeps_no_day_of_use() -> None:
    system = small_system()
    (token,) = services.create_invitations(system, 1)
    made_on = dt.date(2026, 1, 5)
    Invitation.objects.update(created_on=made_on)
    services.redeem_invitation(token)
    invitation = Invitation.objects.get()
    assert invitation.used_on == made_on  # marked used, dated by its batch, not by its use
    assert invitation.used_on != services.today()
    with pytest.raises(services.InvitationError):
        services.redeem_invitation(token)
