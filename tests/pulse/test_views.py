"""Pulse pages over HTTP: who may see what, the participant's steps, bad input, CSV."""

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import Invitation
from walkthetalk.caremap.tokens import new_batch_key as bk
from walkthetalk.pulse import services
from walkthetalk.pulse.models import Response, Wave, WaveBatch

from ..caremap.factories import small_system
from .factories import PARTS, items_on, level, participant, respond, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return small_system()


@pytest.fixture
def wave(system):
    return services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])


def staff(system, role: str | None, name: str = "sam") -> Client:
    user = get_user_model().objects.create_user(name, password="a-long-staff-password")
    if role:
        caremap_services.grant_role(user, system, role)
    client = Client()
    client.force_login(user)
    return client


def test_staff_pages_need_a_role(system, wave) -> None:
    urls = [
        reverse("pulse:waves", args=[system.slug]),
        reverse("pulse:dashboard", args=[system.slug, wave.pk]),
        reverse("pulse:export_csv", args=[system.slug, wave.pk]),
    ]
    nobody = staff(system, None, "nobody")
    for url in urls:
        assert Client().get(url).status_code == 302  # to sign in
        assert nobody.get(url).status_code == 403
    facilitator = staff(system, "facilitator", "fran")
    for url in urls:
        assert facilitator.get(url).status_code == 200
    manage = reverse("pulse:wave", args=[system.slug, wave.pk])
    assert facilitator.get(manage).status_code == 403
    assert (
        facilitator.post(reverse("pulse:close_wave", args=[system.slug, wave.pk])).status_code
        == 403
    )
    wave.refresh_from_db()
    assert wave.is_open


def test_steward_opens_invites_and_closes_a_wave(system) -> None:
    client = staff(system, "steward")
    page = client.get(reverse("pulse:new_wave", args=[system.slug]))
    assert b"Units the wave covers" in page.content
    bad = client.post(reverse("pulse:new_wave", args=[system.slug]), {"title": "Spring"})
    assert bad.status_code == 200 and Wave.objects.count() == 0
    org = unit(system, "Riverbend Recovery")
    done = client.post(
        reverse("pulse:new_wave", args=[system.slug]),
        {"title": "Spring", "instrument": "walk_the_talk_pulse", "units": [org.pk]},
    )
    wave = Wave.objects.get()
    assert done.url == reverse("pulse:wave", args=[system.slug, wave.pk])
    team = unit(system, "Riverbend Day Team")
    small = client.post(done.url, {"count": 3, "unit": team.pk, "label": "Day", "batch_key": bk()})
    assert b"too few to keep their answers anonymous" in small.content
    assert b"/join/?t=" not in small.content and not WaveBatch.objects.exists()
    sheet = {"count": 5, "unit": team.pk, "label": "Day team sheet", "batch_key": bk()}
    made = client.post(done.url, sheet)
    # Post/redirect/get: the page that shows the links is a GET, never cached, and a reload
    # of it (or the same form sent again) shows the same links and makes no second batch.
    assert made.status_code == 302 and made.url == done.url
    shown = client.get(done.url)
    assert "no-store" in shown["Cache-Control"]
    assert shown.content.count(b"/join/?t=") == 5
    assert b"Day team sheet" in shown.content  # kept on this browser only, nowhere stored
    assert _links(client.get(done.url).content) == _links(shown.content)
    client.post(done.url, sheet)
    assert WaveBatch.objects.count() == 1 and Invitation.objects.count() == 5
    joined = client.post(
        done.url, {"count": 2, "unit": team.pk, "sector": team.sector_id, "batch_key": bk()}
    )
    joined = client.get(joined.url)
    assert joined.content.count(b"/join/?t=") == 2
    assert b"Riverbend Day Team, any level, any sector" in joined.content  # generalized
    forgotten = client.post(done.url, {"forget": "1"})
    again = client.get(forgotten.url)
    assert b"/join/?t=" not in again.content  # no longer shown once forgotten
    outside = client.post(
        done.url,
        {"count": 3, "unit": unit(system, "Testland Health Department").pk, "batch_key": bk()},
    )
    assert b"No unit is called" in outside.content
    lower = client.post(
        reverse("pulse:min_size", args=[system.slug, wave.pk]), {"min_group_size": 3}, follow=True
    )
    assert b"never lowered" in lower.content
    close = reverse("pulse:close_wave", args=[system.slug, wave.pk])
    unconfirmed = client.post(close, follow=True)
    wave.refresh_from_db()
    assert wave.is_open and b"confirm to close it" in unconfirmed.content
    client.post(close, {"confirm": "yes"})
    wave.refresh_from_db()
    assert not wave.is_open and wave.min_group_size == 5


def test_participant_answers_part_by_part(system, wave) -> None:
    client = participant(system, wave)
    url = reverse("pulse:answer", args=[wave.pk])
    inst = services.instrument()
    page = client.get(url)
    assert page.status_code == 200 and f"Part 1 of {PARTS}".encode() in page.content
    assert b"Prefer not to say" in page.content and b"Does not apply to us" in page.content
    seen: list[str] = []
    for step in range(PARTS):
        ids = items_on(page)
        seen += ids
        answers = {i: "skip" if i == "talk_5" else "na" if i == "talk_6" else "4" for i in ids}
        sent = client.post(url, {"step": step, **answers})
        assert Response.objects.count() == (0 if step < PARTS - 1 else 1)
        if step < PARTS - 1:
            page = client.get(sent.url)
    assert sorted(seen) == sorted(inst.item_ids)  # every statement once
    assert sent.status_code == 302 and sent.url == reverse("pulse:thanks", args=[wave.pk])
    stored = Response.objects.get()
    assert stored.answers["talk_5"] is None and stored.answers["talk_6"] == "na"
    assert stored.answers["strengths_8"] == 4.0
    assert client.get(sent.url).status_code == 200
    again = client.post(url, {"step": PARTS - 1, **answers})
    assert b"already answered" in again.content
    assert Response.objects.count() == 1


def test_statements_come_in_a_random_order_per_participant_with_no_scale_headings(
    system, wave
) -> None:
    url = reverse("pulse:answer", args=[wave.pk])
    inst = services.instrument()
    first_parts = []
    for _ in range(4):
        client = participant(system, wave)
        page = client.get(url)
        ids = items_on(page)
        assert len({inst.scale_of(i).id for i in ids}) == len(ids)  # interleaved scales
        assert client.get(url).content == page.content or items_on(client.get(url)) == ids
        for scale in inst.scales:
            assert scale.name.encode() not in page.content  # no construct headings
        first_parts.append(tuple(ids))
    assert len(set(first_parts)) > 1


def test_a_version_1_0_wave_still_shows_one_scale_per_part(system) -> None:
    old = services.open_wave(system, "Old pulse", [unit(system, "Riverbend Recovery")])
    old.instrument_version = "1.0"
    old.save()
    client = participant(system, old)
    page = client.get(reverse("pulse:answer", args=[old.pk]))
    assert b"Part 1 of 11" in page.content and b"We talk openly" in page.content
    assert items_on(page) == ["talk_1", "talk_2", "talk_3", "talk_4"]
    assert b"Does not apply" not in page.content
    client.cookies["wtt_language"] = "es"
    page = client.get(reverse("pulse:answer", args=[old.pk])).content.decode()
    assert "Hablamos abiertamente" in page and "We talk openly" not in page
    assert "las personas pueden sacar un tema difícil" in page


def test_a_missing_answer_is_asked_for_kindly(system, wave) -> None:
    client = participant(system, wave)
    url = reverse("pulse:answer", args=[wave.pk])
    ids = items_on(client.get(url))
    page = client.post(url, {"step": 0, **{i: "4" for i in ids[:-1]}})
    assert page.status_code == 400
    assert b"Please choose an answer for each statement" in page.content
    assert b"checked" in page.content  # earlier choices are kept
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    "post",
    [{"step": "x"}, {"step": "99"}, {"step": "1", "talk_5": "9"}, {"step": "1", "talk_5": "<b>"}],
)
def test_forged_steps_start_again_and_store_nothing(system, wave, post) -> None:
    client = participant(system, wave)
    page = client.post(reverse("pulse:answer", args=[wave.pk]), post)
    assert page.status_code == 400 and b"started again" in page.content
    assert f"Part 1 of {PARTS}".encode() in page.content
    assert Response.objects.count() == 0


def test_participant_pages_without_a_pass_or_for_other_units(system, wave) -> None:
    url = reverse("pulse:answer", args=[wave.pk])
    assert Client().get(url).status_code == 403
    (token,) = caremap_services.create_invitations(
        system, 1, unit=unit(system, "Testland Health Department")
    )
    other = Client()
    other.post("/join/", {"t": token})
    assert other.get(url).status_code == 404
    client = participant(system, wave)
    services.close_wave(wave)
    closed = client.get(url)
    assert closed.status_code == 410 and b"closed" in closed.content
    assert client.get(reverse("pulse:answer", args=[9999])).status_code == 404


def test_dashboard_and_csv(system, wave) -> None:
    respond(wave, 6, unit=unit(system, "Riverbend Day Team"), level=level(system), value=4)
    client = staff(system, "leader")
    page = client.get(reverse("pulse:dashboard", args=[system.slug, wave.pk]))
    html = page.content.decode()
    assert "data:image/svg+xml;base64," not in html  # charts are files of their own
    assert f"/pulse/{system.slug}/waves/{wave.pk}/charts/heatmap.svg?" in html
    assert 'alt="Heatmap of the share favourable on each healthy way by level' in html
    assert "Mean score by healthy way and level" in html
    # six people all at 4: every share would be "all of them", which tells each answer
    assert "everyone here answered the same way" in html
    assert "We talk openly" in html and "(Don&#x27;t talk)" in html
    export = client.get(reverse("pulse:export_csv", args=[system.slug, wave.pk]))
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][0] == "wave" and len(rows) > 11
    assert rows[0][3:6] == ["responses", "answers", "scale"]
    total_talk = next(r for r in rows if r[1] == "total" and r[5] == "talk")
    assert total_talk[3] == "6" and total_talk[4] == "6" and total_talk[9] == "4.00"


def test_dashboard_with_too_few_answers_says_so(system, wave) -> None:
    respond(wave, 2, unit=unit(system, "Riverbend Day Team"), level=level(system))
    page = staff(system, "steward").get(reverse("pulse:dashboard", args=[system.slug, wave.pk]))
    assert b"No group is large enough to show yet" in page.content
    assert b"data:image/svg" not in page.content


def test_api_gives_suppressed_aggregates_to_staff_only(system, wave) -> None:
    respond(wave, 7, unit=unit(system, "Riverbend Day Team"), level=level(system))
    respond(wave, 3, unit=unit(system, "Riverbend Outpatient"), level=level(system, "Supervisors"))
    url = f"/api/pulse/{system.slug}/waves/{wave.pk}/aggregates"
    assert Client().get(url).status_code == 401
    assert staff(system, None, "nobody").get(url).status_code == 403
    client = staff(system, "facilitator")
    listed = client.get(f"/api/pulse/{system.slug}/waves").json()
    assert [w["title"] for w in listed] == ["Spring pulse"] and listed[0]["min_group_size"] == 5
    rows = client.get(url).json()
    total = next(r for r in rows if r["group_type"] == "total" and r["scale"] == "talk")
    assert total["responses"] == 10 and total["mean"] == pytest.approx(4.0)
    supervisors = next(r for r in rows if r["group"] == "Supervisors" and r["scale"] == "talk")
    assert supervisors["responses"] is None and supervisors["mean"] is None


def test_statements_name_the_participants_own_kind_of_unit(system, wave) -> None:
    token = services.make_batch(wave, 5, unit=unit(system, "Riverbend Outpatient")).tokens[0]
    client = Client()
    client.post("/join/", {"t": token})
    page = client.get(reverse("pulse:answer", args=[wave.pk])).content.decode()
    assert "In our program, people " in page and "In our team" not in page
    assert "about your program over the last month" in page


def test_open_waves_partial_links_to_the_pulse(system, wave) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("pulse/partials/open_waves.html", {"pulse_waves": [wave]})
    assert reverse("pulse:answer", args=[wave.pk]) in html and "Spring pulse" in html
    assert render_to_string("pulse/partials/open_waves.html", {"pulse_waves": []}).strip() == ""


def test_parts_are_reached_by_redirects_and_survive_back_and_reload(system, wave) -> None:
    client = participant(system, wave)
    url = reverse("pulse:answer", args=[wave.pk])
    first = {item_id: "4" for item_id in items_on(client.get(url))}
    moved = client.post(url, {"step": 0, **first})
    assert moved.status_code == 302 and moved.url == f"{url}?part=2"
    assert Response.objects.count() == 0
    # Reloading part 2, or going back to part 1, shows the answers already given.
    assert f"Part 2 of {PARTS}".encode() in client.get(moved.url).content
    back = client.get(f"{url}?part=1").content.decode()
    assert f"Part 1 of {PARTS}" in back and back.count("checked") >= len(first)
    # Asking for a later part than has been answered resumes at the first unanswered one.
    assert f"Part 2 of {PARTS}".encode() in client.get(f"{url}?part=7").content
    assert f"Part 1 of {PARTS}".encode() in client.get(f"{url}?part=nonsense").content


def test_a_tampered_draft_cookie_starts_again(system, wave) -> None:
    client = participant(system, wave)
    url = reverse("pulse:answer", args=[wave.pk])
    first = {item_id: "4" for item_id in items_on(client.get(url))}
    client.post(url, {"step": 0, **first})
    cookie = f"wtt_pulse_{wave.pk}"
    client.cookies[cookie] = client.cookies[cookie].value[:-3] + "abc"
    page = client.get(f"{url}?part=2")
    assert f"Part 1 of {PARTS}".encode() in page.content and b"checked" not in page.content


def test_sending_the_last_part_clears_the_draft(system, wave) -> None:
    client = participant(system, wave)
    url = reverse("pulse:answer", args=[wave.pk])
    page = client.get(url)
    for step in range(PARTS - 1):
        sent = client.post(url, {"step": step, **{i: "3" for i in items_on(page)}})
        page = client.get(sent.url)
    done = client.post(url, {"step": PARTS - 1, **{i: "3" for i in items_on(page)}})
    assert done.status_code == 302 and done.url == reverse("pulse:thanks", args=[wave.pk])
    assert done.cookies[f"wtt_pulse_{wave.pk}"]["max-age"] == 0
    assert Response.objects.count() == 1


def test_answers_travel_only_in_the_draft_not_in_the_form(system, wave) -> None:
    client = participant(system, wave)
    url = reverse("pulse:answer", args=[wave.pk])
    part_one = items_on(client.get(url))
    first = {item_id: "4" for item_id in part_one}
    client.post(url, {"step": 0, **first})
    page = client.get(f"{url}?part=2")
    part_two = items_on(page)
    assert f'type="hidden" name="{part_one[0]}"' not in page.content.decode()
    # Answers for an earlier part posted with a later one are ignored: the draft decides.
    forged = {item_id: "1" for item_id in part_one}
    second = {item_id: "4" for item_id in part_two}
    client.post(url, {"step": 1, **forged, **second})
    back = client.get(f"{url}?part=1").content.decode()
    assert back.count('value="4" checked') == len(first) and 'value="1" checked' not in back
    # Without the draft, a later part cannot be sent on its own.
    fresh = participant(system, wave)
    lost = fresh.post(url, {"step": 1, **first, **second})
    assert lost.status_code == 400 and b"started again" in lost.content
    assert Response.objects.count() == 0


def _links(html: bytes) -> list[bytes]:
    return re.findall(rb"/join/\?t=[\w-]+", html)
