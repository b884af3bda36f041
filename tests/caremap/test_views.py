"""Stewards give and take staff roles; a care system always keeps a steward."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from walkthetalk.caremap import services
from walkthetalk.caremap.models import StaffRole

from .factories import small_system

pytestmark = pytest.mark.django_db


def steward_client(client, system):
    user = get_user_model().objects.create_user("stew", password="a-long-staff-password")
    services.grant_role(user, system, "steward")
    client.force_login(user)
    return user


def test_a_new_account_gets_a_one_time_password_that_works(client) -> None:
    system = small_system()
    steward_client(client, system)
    url = reverse("caremap:staff", args=[system.slug])
    response = client.post(url, {"username": "robin", "role": "facilitator"})
    body = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    robin = get_user_model().objects.get(username="robin")
    password = body.split('id="temp-password" value="')[1].split('"')[0]
    assert robin.check_password(password) and robin.password.startswith("argon2")
    assert StaffRole.objects.filter(user=robin, care_system=system, role="facilitator").exists()
    # The same role twice is refused kindly and changes nothing.
    again = client.post(url, {"username": "robin", "role": "facilitator"})
    assert "already a facilitator" in again.content.decode()
    assert StaffRole.objects.filter(user=robin).count() == 1


def test_the_last_steward_cannot_be_removed(client) -> None:
    system = small_system()
    stew = steward_client(client, system)
    url = reverse("caremap:staff", args=[system.slug])
    client.post(url, {"user": stew.pk, "role": "steward", "remove": "1"})
    assert StaffRole.objects.filter(user=stew, role="steward").exists()
    services.add_staff_member(system, "second", "steward")
    client.post(url, {"user": stew.pk, "role": "steward", "remove": "1"})
    assert not StaffRole.objects.filter(user=stew, role="steward").exists()


def test_only_stewards_of_this_system_manage_staff(client) -> None:
    system = small_system()
    other = services.create_care_system("Elsewhere", "elsewhere")
    user = get_user_model().objects.create_user("fac", password="a-long-staff-password")
    services.grant_role(user, system, "facilitator")
    services.grant_role(user, other, "steward")
    client.force_login(user)
    url = reverse("caremap:staff", args=[system.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {"username": "x", "role": "steward"}).status_code == 403
    assert not get_user_model().objects.filter(username="x").exists()
