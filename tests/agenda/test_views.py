"""Agenda pages through Django's test client: participants, facilitators, bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse

from walkthetalk.agenda import services
from walkthetalk.agenda.models import (
    ActionItem,
    ActionTarget,
    AgendaItem,
    AvoidedIssue,
    IssueRating,
)
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.participant_http import give_pass
from walkthetalk.caremap.passes import PASS_COOKIE
from walkthetalk.conversations import tasks as conversation_tasks

from ..caremap.factories import small_system
from ..conversations.factories import TOPIC_THEMES, conversation
from .factories import a_pass, key

pytestmark = pytest.mark.django_db


def _join(client, system):
    participant = a_pass(system)
    client.cookies[PASS_COOKIE] = give_pass(HttpResponse(), participant).cookies[PASS_COOKIE].value
    return participant


def _staff(client, system, role="facilitator"):
    user = get_user_model().objects.create_user(role, password="a-long-staff-password")
    caremap_services.grant_role(user, system, role)
    client.force_login(user)
    return user


def test_participant_pages_need_a_pass(client) -> None:
    for url in ("/agenda/backlog/", "/agenda/you-said-we-did/"):
        response = client.get(url)
        assert (
            response.status_code == 403
            and "invitation link you were sent" in response.content.decode()
        )
    assert client.post("/agenda/backlog/raise/", {"title": "x"}).status_code == 403
    assert AvoidedIssue.objects.count() == 0


def test_raise_and_rate_through_the_pages_with_kind_errors(client) -> None:
    system = small_system()
    _join(client, system)
    page = client.get("/agenda/backlog/").content.decode()
    request_key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    form = {"title": "We avoid talking about pay", "details": "", "request_key": request_key}
    assert client.post("/agenda/backlog/raise/", form).status_code == 302
    again = client.post("/agenda/backlog/raise/", form)
    assert again.status_code == 400 and "already received" in again.content.decode()
    too_long = client.post(
        "/agenda/backlog/raise/", {**form, "title": "x" * 201, "request_key": key()}
    )
    assert too_long.status_code == 400 and "keep the issue to 200" in too_long.content.decode()
    assert AvoidedIssue.objects.count() == 1
    issue = AvoidedIssue.objects.get()
    rate = f"/agenda/backlog/{issue.public_id}/rate/"
    bad = client.post(rate, {"importance": "9", "avoidance": "3", "request_key": key()})
    assert bad.status_code == 400 and "Choose 1 to 5" in bad.content.decode()
    forged = client.post(
        "/agenda/backlog/not-an-issue/rate/",
        {"importance": "3", "avoidance": "3", "request_key": key()},
    )
    assert forged.status_code == 400 and "not in your care system" in forged.content.decode()
    saved = client.post(rate, {"importance": "4", "avoidance": "5", "request_key": key()})
    # Without JavaScript: back to the card itself, not the top of the page.
    assert saved.status_code == 302 and saved.url == f"/agenda/backlog/#issue-{issue.public_id}"
    # With htmx: the card alone, saved in place.
    card = client.post(
        rate,
        {"importance": "4", "avoidance": "5", "request_key": key()},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert card.lstrip().startswith('<li class="card issue-card"') and "Saved" in card
    assert IssueRating.objects.get().avoidance == 5
    assert "You rated it" in client.get("/agenda/backlog/").content.decode()
    gathering = services.create_gathering(system, "Autumn gathering", services.today())
    page = client.get("/agenda/backlog/").content.decode()
    assert f"/agenda/gatherings/{gathering.public_id}/" in page


def test_facilitator_builds_a_gathering_and_follows_up(client) -> None:
    system = small_system()
    issue = services.add_issue(system, "Burnout is treated as personal")
    _staff(client, system)
    base = f"/agenda/manage/{system.slug}"
    assert "Burnout is treated as personal" in client.get(f"{base}/").content.decode()
    response = client.post(
        f"{base}/gatherings/add/", {"gathering-title": "Spring", "gathering-held_on": "2026-06-01"}
    )
    gathering_url = response["Location"]
    public_id = gathering_url.rstrip("/").rsplit("/", 1)[1]
    client.post(f"{gathering_url}items/add/", {"issue": str(issue.pk)})
    item = AgendaItem.objects.get()
    client.post(
        f"{gathering_url}items/{item.pk}/record/",
        {f"r{item.pk}-notes": "Heard.", f"r{item.pk}-decisions": "Act."},
    )
    prefix = f"a{item.pk}"
    action_form = {f"{prefix}-step": "Protect supervision", f"{prefix}-owner_role": "Leader",
                   f"{prefix}-due_on": "2026-07-01", f"{prefix}-request_key": key()}  # fmt: skip
    client.post(f"{gathering_url}items/{item.pk}/actions/", action_form)
    client.post(f"{gathering_url}items/{item.pk}/actions/", action_form)  # double submit
    assert ActionItem.objects.count() == 1
    action = ActionItem.objects.get()
    edit = f"{base}/actions/{action.public_id}/"
    bad = client.post(
        edit, {"status": "in_progress", "progress": "140", "follow_up": "", "due_on": "2026-07-01"}
    )
    assert bad.status_code == 400
    client.post(edit, {"status": "in_progress", "progress": "60", "follow_up": "Half the programs.",
                       "remeasure_ref": "Autumn pulse", "due_on": "2026-07-01"})  # fmt: skip
    action.refresh_from_db()
    assert action.progress == 60
    participant_client = client.__class__()
    _join(participant_client, system)
    page = participant_client.get("/agenda/you-said-we-did/").content.decode()
    assert "Burnout is treated as personal" in page and "Half the programs." in page
    gathering_page = participant_client.get(f"/agenda/gatherings/{public_id}/").content.decode()
    assert "positive regard" in gathering_page and "Protect supervision" in gathering_page


def test_other_roles_and_systems_are_kept_out(client) -> None:
    system = small_system()
    _staff(client, system, "leader")
    assert client.get(f"/agenda/manage/{system.slug}/").status_code == 403
    assert client.get(f"/agenda/manage/{system.slug}/you-said-we-did/").status_code == 200
    other = small_system("elsewhere")
    gathering = services.create_gathering(other, "Theirs", services.today())
    participant_client = client.__class__()
    _join(participant_client, system)
    assert participant_client.get(f"/agenda/gatherings/{gathering.public_id}/").status_code == 404


def test_issue_becomes_a_conversation_from_the_page(client) -> None:
    system = small_system()
    issue = services.add_issue(system, "Referrals stall")
    _staff(client, system)
    client.post(
        f"/agenda/manage/{system.slug}/issues/{issue.public_id}/", {"action": "conversation"}
    )
    issue.refresh_from_db()
    assert issue.conversation_ref
    assert (
        "Start a conversation" not in client.get(f"/agenda/manage/{system.slug}/").content.decode()
    )


def test_api_serves_the_suppressed_backlog_and_actions_to_staff_only(client) -> None:
    system = small_system()
    issue = services.add_issue(system, "Few ratings")
    services.rate_issue(a_pass(system), issue, 5, 5, key())
    assert client.get(f"/api/agenda/{system.slug}/backlog").status_code == 401
    _staff(client, system)
    rows = client.get(f"/api/agenda/{system.slug}/backlog").json()
    assert rows[0]["title"] == "Few ratings" and rows[0]["score"] is None
    assert rows[0]["ratings"] is None
    assert client.get(f"/api/agenda/{system.slug}/actions").json() == []


def test_pass_heavy_statements_are_offered_once_conversations_report_them(
    client, monkeypatch
) -> None:
    from walkthetalk.conversations import selectors as conversation_selectors

    system = small_system()
    _staff(client, system)
    base = f"/agenda/manage/{system.slug}/"
    assert "No statement has drawn many passes" in client.get(base).content.decode()
    rows = [
        {"conversation_title": "Referrals", "statement_ref": "st1", "text": "We trust partners",
         "sector": "Treatment", "passes": 7, "votes": 12},
        {"conversation_title": "Referrals", "statement_ref": "st2", "text": "Few passed here",
         "sector": "Treatment", "passes": 2, "votes": 12},
    ]  # fmt: skip
    monkeypatch.setattr(
        conversation_selectors, "statement_passes_by_sector", lambda s: rows, raising=False
    )
    page = client.get(base).content.decode()
    assert "We trust partners" in page and "Few passed here" not in page
    assert "7 people in Treatment passed" in page
    client.post(f"{base}issues/candidate/", {"statement_ref": "st1"})
    client.post(f"{base}issues/candidate/", {"statement_ref": "st1"})  # twice: still one
    client.post(f"{base}issues/candidate/", {"statement_ref": "forged"})
    issue = AvoidedIssue.objects.get()
    assert (issue.title, issue.source, issue.source_ref) == (
        "We trust partners",
        "conversation",
        "st1",
    )
    assert "We trust partners" not in client.get(base).content.decode().split("Candidates")[1]


def test_similar_open_issues_are_shown_before_a_new_one_is_raised(client) -> None:
    system = small_system()
    existing = services.add_issue(system, "We avoid talking about pay and pay rises")
    hidden = services.add_issue(system, "We avoid talking about the pay of peer workers")
    services.set_issue_status(hidden, AvoidedIssue.Status.HIDDEN)
    _join(client, system)
    page = client.get("/agenda/backlog/").content.decode()
    request_key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    form = {"title": "We avoid talking about our pay", "details": "", "request_key": request_key}
    first = client.post("/agenda/backlog/raise/", form)
    page = first.content.decode()
    assert first.status_code == 200 and "Someone may have raised this already" in page
    assert f"/agenda/backlog/#issue-{existing.public_id}" in page
    assert hidden.title not in page  # set aside: never suggested
    assert "Add mine anyway" in page and AvoidedIssue.objects.count() == 2
    typed = client.post(
        "/agenda/backlog/raise/similar/", {"title": "We avoid talking about our pay"}
    )
    assert existing.title in typed.content.decode()
    assert client.post("/agenda/backlog/raise/similar/", {"title": "pay"}).content.strip() == b""
    added = client.post("/agenda/backlog/raise/", {**form, "anyway": "1"})
    assert added.status_code == 302 and AvoidedIssue.objects.count() == 3


def test_the_backlog_shows_each_issue_s_topics(client) -> None:
    system = small_system()
    conversation(system, seed_statements=TOPIC_THEMES["housing"] + TOPIC_THEMES["burnout"])
    issues = [services.add_issue(system, text) for text in TOPIC_THEMES["paperwork"]]
    conversation_tasks.refresh_topics_of(system)
    _join(client, system)
    page = client.get("/agenda/backlog/").content.decode()
    card = page[page.index(f'id="issue-{issues[0].public_id}"') :]
    card = card[: card.index("</li>")]
    assert "Topics:" in card and "billing" in card
    # An issue in no topic shows no topic line.
    alone = services.add_issue(system, "Parking lot lights are broken at night.")
    page = client.get("/agenda/backlog/").content.decode()
    card = page[page.index(f'id="issue-{alone.public_id}"') :]
    assert "Topics:" not in card[: card.index("</li>")]


def test_the_backlog_score_is_explained_in_plain_words_with_a_link_to_the_glossary(client) -> None:
    system = small_system()
    _staff(client, system)
    page = client.get(f"/agenda/manage/{system.slug}/").content.decode()
    assert "imaginary" not in page and "pulled toward" not in page
    assert "one rating alone cannot put it at the top" in page
    assert 'href="/glossary/#priority"' in page


def test_a_step_s_aim_is_placed_by_typing_a_unit_s_name_and_an_unknown_one_is_refused(
    client,
) -> None:
    system = small_system()
    other = small_system("elsewhere")
    services_unit = other.units.get(name="Riverbend Day Team")
    services_unit.name = "Elsewhere Day Team"
    services_unit.save()
    gathering = services.create_gathering(system, "Spring", dt.date(2026, 6, 1))
    issue = services.add_issue(system, "Burnout is treated as personal")
    step = services.add_action_item(
        services.add_to_agenda(gathering, issue), "Protect supervision", "Leader",
        dt.date(2026, 7, 1),
    )  # fmt: skip
    _staff(client, system)
    edit = f"/agenda/manage/{system.slug}/actions/{step.public_id}/"
    page = client.get(edit).content.decode()
    # The datalist offers every unit of this system, saying where it sits, and no other's.
    assert '<datalist id="id_unit-names">' in page
    assert (
        '<option value="Riverbend Day Team">in Testland Health Department › Riverbend Recovery'
        " › Riverbend Outpatient</option>" in page
    )
    assert "Elsewhere Day Team" not in page
    scale = services.target_scales()[0][0]
    for typed in ("Nowhere Team", "Elsewhere Day Team"):
        refused = client.post(f"{edit}aims/", {"scale": scale, "unit": typed}, follow=True)
        assert f"No unit is called “{typed}”" in refused.content.decode()
    assert not ActionTarget.objects.exists()
    linked = client.post(
        f"{edit}aims/", {"scale": scale, "unit": "  riverbend   day team "}, follow=True
    )
    assert "Linked." in linked.content.decode()
    whole = client.post(f"{edit}aims/", {"scale": scale, "unit": ""}, follow=True)
    assert "Linked." in whole.content.decode()
    placed = sorted(
        (t.unit.name if t.unit else "") for t in ActionTarget.objects.filter(action=step)
    )
    assert placed == ["", "Riverbend Day Team"]
