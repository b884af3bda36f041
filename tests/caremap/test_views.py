"""Stewards give and take staff roles; a care system always keeps a steward; a participant
reopening their spent invitation link is let back in."""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from walkthetalk.caremap import services
from walkthetalk.caremap.models import Invitation, StaffRole
from walkthetalk.caremap.participant_http import give_pass

from .factories import small_system, staff_client

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


def test_reopening_a_spent_link_with_a_pass_of_its_system_goes_home(client) -> None:
    system = small_system()
    other = services.create_care_system("Other county", "other-county")
    token = services.invite(system, 5).tokens[0]
    url = reverse("caremap:join") + f"?t={token}"
    assert client.post(reverse("caremap:join"), {"t": token}).url == reverse("welcome")
    assert client.get(url).url == reverse("welcome")  # the same browser, its pass: home
    # An unused link still shows its start button (it may be a new invitation).
    fresh = services.invite(system, 5).tokens[0]
    assert client.get(reverse("caremap:join") + f"?t={fresh}").status_code == 200
    # A pass of another care system, or none, does not make a spent link work.
    stranger = client_with_pass_of(other)
    assert stranger.get(url).status_code == 200
    refused = stranger.post(reverse("caremap:join"), {"t": token})
    assert refused.status_code == 400 and "already been used" in refused.content.decode()


def client_with_pass_of(system):
    stranger = Client()
    response = give_pass(HttpResponse(), services.open_pass(system))
    stranger.cookies.update(response.cookies)
    return stranger


@pytest.mark.django_db
def test_the_example_map_downloads_as_yaml_and_csv_and_both_import_cleanly() -> None:
    from walkthetalk.caremap import mapfile

    system = small_system()
    client = staff_client(system, "steward")
    yaml_file = client.get("/map/example.yaml")
    csv_file = client.get("/map/example.csv")
    assert yaml_file.status_code == csv_file.status_code == 200
    assert 'filename="example-map.csv"' in csv_file["Content-Disposition"]
    from_yaml = mapfile.parse_yaml(yaml_file.content.decode())
    from_csv = mapfile.parse_csv(csv_file.content.decode())
    assert [u.name for u in from_csv.units] == [u.name for u in from_yaml.units]
    assert len(from_yaml.units) > 5
    assert client.get("/map/example.xml").status_code == 404
    assert Client().get("/map/example.csv").status_code == 302  # staff only: to sign in
    page = client.get(f"/map/{system.slug}/import/").content.decode()
    assert "/map/example.yaml" in page and "/map/example.csv" in page


@pytest.mark.django_db
def test_a_map_with_several_bad_lines_lists_them_all_and_changes_nothing() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    system = small_system()
    before = system.units.count()
    client = staff_client(system, "steward")
    bad = "name,kind,parent,sector\n,team,,\nX,planet,,\nY,team,Nowhere,\n"
    upload = SimpleUploadedFile("units.csv", bad.encode(), content_type="text/csv")
    page = client.post(f"/map/{system.slug}/import/", {"file": upload}).content.decode()
    assert "Nothing was imported" in page
    assert all(f"Line {n}:" in page for n in (2, 3, 4)), page
    assert system.units.count() == before


def _batch(system, count: int = 6, **kwargs):
    team = system.units.get(name="Riverbend Day Team")
    return team, services.invite(system, count, unit=team, **kwargs)


def test_only_a_steward_stops_a_batch_after_confirming_and_the_page_redirects() -> None:
    system = small_system()
    team, batch = _batch(system)
    made_on = Invitation.objects.first().created_on  # type: ignore[union-attr]
    url = reverse("caremap:invitations", args=[system.slug])
    row = {"stop": "1", "made_on": made_on.isoformat(), "unit": team.pk, "level": "", "sector": ""}
    leader = staff_client(system, "leader", "lee")
    assert leader.post(url, row).status_code == 403
    steward = staff_client(system, "steward", "stew")
    page = steward.get(url).content.decode()
    assert "Stop unused links…" in page and 'name="stop"' in page
    forged = steward.post(url, {**row, "made_on": "not a day"}, follow=True)
    assert "nothing was changed" in forged.content.decode()
    assert not Invitation.objects.filter(revoked=True).exists()
    done = steward.post(url, row)
    assert done.status_code == 302 and done.url == url
    assert Invitation.objects.filter(revoked=True).count() == 6
    after = steward.get(url).content.decode()
    assert "Stopped 6 unused links" in after and "Stop unused links…" not in after


def test_a_stopped_link_gets_a_kind_page_in_spanish_too(client) -> None:
    system = small_system()
    team, batch = _batch(system)
    made_on = Invitation.objects.first().created_on  # type: ignore[union-attr]
    services.stop_invitation_batch(system, made_on, team.pk, None, None)
    page = client.post(reverse("caremap:join"), {"t": batch.tokens[0]})
    assert page.status_code == 400
    assert "This link is no longer in use" in page.content.decode()
    client.cookies["django_language"] = "es"
    spanish = client.post(
        reverse("caremap:join"), {"t": batch.tokens[1]}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert "Este enlace ya no está en uso" in spanish.content.decode()
