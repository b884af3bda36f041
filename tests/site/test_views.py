"""The participant's home page lists what is open to them, and only that."""

import pytest
from django.urls import reverse

from walkthetalk.caremap.passes import PASS_COOKIE
from walkthetalk.pulse import services as pulse_services

from ..caremap.factories import small_system
from ..pulse.factories import passes

pytestmark = pytest.mark.django_db


def test_without_a_pass_the_page_points_to_the_invitation(client) -> None:
    body = client.get(reverse("welcome")).content.decode()
    assert "open the invitation link" in body
    assert "pulse" not in body.lower()


def test_with_a_pass_the_open_pulse_and_the_backlog_are_listed(client) -> None:
    system = small_system()
    team = system.units.get(name="Riverbend Day Team")
    wave = pulse_services.open_wave(system, "Spring pulse", [team])
    (participant_pass,) = passes(wave, 1, unit=team)
    client.cookies[PASS_COOKIE] = participant_pass.sign()
    body = client.get(reverse("welcome")).content.decode()
    assert "Testland System of Care" in body
    assert "Spring pulse" in body
    assert reverse("pulse:answer", args=[wave.pk]) in body
    assert reverse("agenda:backlog") in body


def test_a_participant_outside_the_wave_does_not_see_it(client) -> None:
    system = small_system()
    team = system.units.get(name="Riverbend Day Team")
    agency = system.units.get(name="Testland Health Department")
    pulse_services.open_wave(system, "Team pulse", [team])
    wave_for_agency = pulse_services.open_wave(system, "Agency pulse", [agency])
    other_pass = passes(wave_for_agency, 1, unit=agency)[0]
    client.cookies[PASS_COOKIE] = other_pass.sign()
    body = client.get(reverse("welcome")).content.decode()
    assert "Agency pulse" in body
    assert "Team pulse" not in body


def test_the_follow_through_list_is_the_whole_public_list_for_a_pass(client) -> None:
    from walkthetalk.agenda import services as agenda_services
    from walkthetalk.caremap import services as caremap_services

    system = small_system()
    issue = agenda_services.add_issue(system, "We avoid talking about pay")
    url = reverse("follow_through")
    assert client.get(url).status_code == 403
    client.cookies[PASS_COOKIE] = caremap_services.open_pass(system, None).sign()
    response = client.get(url)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["issues"] == {issue.public_id: {"title": issue.title, "state": "in_backlog"}}
    assert data["answered"] == {}
    welcome = client.get(reverse("welcome")).content.decode()
    assert 'id="follow-through"' in welcome and "walkthetalk/follow.js" in welcome


GLOSSARY_ENTRIES = (
    "favourable",
    "change",
    "interval",
    "mirror",
    "strain",
    "common-ground",
    "divide",
    "opinion-group",
    "minimum-group-size",
    "priority",
)


def test_the_glossary_has_an_entry_to_link_to_for_every_figure_in_english_and_spanish(
    client,
) -> None:
    page = client.get(reverse("glossary"))
    assert page.status_code == 200
    body = page.content.decode()
    for anchor in GLOSSARY_ENTRIES:
        assert f'<dt id="{anchor}">' in body
    assert "% favourable" in body and "never one person" in body
    client.cookies["wtt_language"] = "es"
    spanish = client.get(reverse("glossary")).content.decode()
    assert "Qué significan las cifras" in spanish and "% favorable" in spanish
    assert "Grupo de opinión" in spanish
