"""Participant and facilitator pages over HTTP (Django's test client, no JavaScript)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.passes import PASS_COOKIE
from walkthetalk.conversations import services, tasks
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)

from ..caremap.factories import small_system
from .factories import SEEDS, conversation, joined

pytestmark = pytest.mark.django_db


def participant_client(conv: Conversation) -> Client:
    client = Client()
    response = client.post(
        f"/conversations/{conv.public_id}/join/",
        {"sector": conv.care_system.sectors.get(slug="treatment").pk},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/conversations/{conv.public_id}/agreements/")
    return client


def accepted_client(conv: Conversation) -> Client:
    client = participant_client(conv)
    response = client.post(f"/conversations/{conv.public_id}/agreements/", {"accept": "yes"})
    assert response.status_code == 302
    return client


def vote_form(client: Client, conv: Conversation) -> dict[str, str]:
    page = client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    statement = re.search(r'name="statement" value="([^"]+)"', page)
    request_key = re.search(r'name="key" value="([^"]+)"', page)
    assert statement and request_key, page
    return {"statement": statement.group(1), "key": request_key.group(1)}


def staff_client(conv: Conversation, role: str = "facilitator") -> Client:
    user = get_user_model().objects.create_user(f"{role}-user", password="a-long-staff-password")
    caremap_services.grant_role(user, conv.care_system, role)
    client = Client()
    client.force_login(user)
    return client


def test_open_link_asks_for_a_sector_then_the_agreements_before_anything_else() -> None:
    conv = conversation(small_system())
    client = Client()
    assert client.get(f"/conversations/{conv.public_id}/vote/")["Location"].endswith("/join/")
    page = client.get(f"/conversations/{conv.public_id}/join/")
    assert b"Which sector" in page.content and b"Treatment" in page.content
    bad = client.post(f"/conversations/{conv.public_id}/join/", {"sector": "999999"})
    assert bad.status_code == 400 and b'role="alert"' in bad.content
    assert PASS_COOKIE not in bad.cookies
    client = participant_client(conv)
    response = client.get(f"/conversations/{conv.public_id}/vote/")
    assert response["Location"].endswith("/agreements/")
    page = client.get(f"/conversations/{conv.public_id}/agreements/").content.decode()
    assert "positive regard" in page and page.count("<li>") >= 6
    refused = client.post(f"/conversations/{conv.public_id}/agreements/", {})
    assert refused.status_code == 200 and ConversationParticipant.objects.count() == 0
    client.post(f"/conversations/{conv.public_id}/agreements/", {"accept": "yes"})
    assert ConversationParticipant.objects.get().sector.slug == "treatment"
    assert client.get(f"/conversations/{conv.public_id}/vote/").status_code == 200


def test_a_conversation_without_an_open_link_sends_people_to_their_invitation() -> None:
    conv = conversation(small_system(), open_link=False)
    page = Client().get(f"/conversations/{conv.public_id}/join/")
    assert b"by invitation" in page.content
    assert (
        Client()
        .post(f"/conversations/{conv.public_id}/join/", {"sector": 1})
        .cookies.get(PASS_COOKIE)
        is None
    )


def test_an_invited_participant_goes_straight_to_the_agreements() -> None:
    conv = conversation(small_system(), open_link=False)
    (token,) = caremap_services.create_invitations(conv.care_system, 1)
    client = Client()
    client.post("/join/", {"t": token})
    response = client.get(f"/conversations/{conv.public_id}/join/")
    assert response["Location"].endswith("/agreements/")


def test_voting_without_javascript_and_a_double_submit_counts_once() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    form = vote_form(client, conv)
    for _ in range(2):
        response = client.post(
            f"/conversations/{conv.public_id}/vote/", {**form, "choice": "agree"}
        )
        assert response.status_code == 302
    vote = Vote.objects.get()
    assert vote.value == Vote.Value.AGREE and vote.statement.public_id == form["statement"]
    page = client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    assert "Statement 2 of" in page and f'value="{form["statement"]}"' not in page


def test_htmx_vote_swaps_in_the_next_statement() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    form = vote_form(client, conv)
    response = client.post(
        f"/conversations/{conv.public_id}/vote/",
        {**form, "choice": "disagree"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<section id="vote-card"')
    assert "Disagree" in body and "is counted" in body and "autofocus" in body
    assert form["statement"] not in body.split('name="statement"')[1][:40]


def test_a_forged_vote_is_refused_kindly_and_nothing_changes() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    form = vote_form(client, conv)
    response = client.post(
        f"/conversations/{conv.public_id}/vote/",
        {**form, "choice": "agree", "statement": "nope"},
        follow=True,
    )
    assert b"no longer open for votes" in response.content
    response = client.post(
        f"/conversations/{conv.public_id}/vote/", {**form, "choice": "strongly"}, follow=True
    )
    assert b"agree, disagree or pass" in response.content
    assert Vote.objects.count() == 0


def test_a_forged_pass_cookie_is_treated_as_no_pass() -> None:
    conv = conversation(small_system())
    client = Client()
    client.cookies[PASS_COOKIE] = "forged:value"
    assert client.get(f"/conversations/{conv.public_id}/vote/")["Location"].endswith("/join/")


def test_changing_a_vote_from_your_votes() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    form = vote_form(client, conv)
    client.post(f"/conversations/{conv.public_id}/vote/", {**form, "choice": "agree"})
    page = client.get(f"/conversations/{conv.public_id}/mine/").content.decode()
    assert "Change to disagree" in page
    new_key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    replaces = re.search(r'name="replaces" value="([^"]+)"', page).group(1)
    change = {"statement": form["statement"], "key": new_key, "replaces": replaces}
    response = client.post(
        f"/conversations/{conv.public_id}/vote/", {**change, "choice": "disagree", "next": "mine"}
    )
    # back on "Your votes", at the statement just changed (not the top of a long list)
    assert response["Location"].endswith(f"/mine/#vote-{form['statement']}")
    assert Vote.objects.get().value == Vote.Value.DISAGREE
    page = client.get(f"/conversations/{conv.public_id}/mine/").content.decode()
    assert f'id="vote-{form["statement"]}"' in page and "Changed your vote to" in page
    # The same change form sent again (a double submit) changes nothing and says so plainly.
    again = client.post(
        f"/conversations/{conv.public_id}/vote/",
        {**change, "choice": "pass", "next": "mine"},
        follow=True,
    )
    assert "Your vote is “Disagree”" in again.content.decode()
    assert Vote.objects.get().value == Vote.Value.DISAGREE


def test_writing_a_statement_with_a_plain_warning_and_kind_errors() -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    client = accepted_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/write/").content.decode()
    assert "leave out personal details" in page and "one idea" in page
    bad = client.post(
        f"/conversations/{conv.public_id}/write/",
        {"text": "The client named Maria Lopez was turned away"},
    )
    assert bad.status_code == 400 and b"personal details" in bad.content
    assert b"Maria Lopez" in bad.content  # what they wrote is kept for editing
    huge = client.post(f"/conversations/{conv.public_id}/write/", {"text": "x" * 5000})
    assert huge.status_code == 400
    assert Statement.objects.filter(is_seed=False).count() == 0
    ok = client.post(
        f"/conversations/{conv.public_id}/write/",
        {"text": "Peer coaches should be paid as professionals."},
        follow=True,
    )
    assert b"once a facilitator has read it" in ok.content
    assert Statement.objects.get(is_seed=False).status == Statement.Status.PENDING


def test_asking_what_do_you_mean() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    statement = conv.statements.first()
    url = f"/conversations/{conv.public_id}/statements/{statement.public_id}/ask/"
    assert b"What do you mean?" in client.get(url).content
    response = client.post(url, {"question": "Which paperwork?"}, follow=True)
    assert b"Thank you for asking" in response.content
    assert statement.clarification_requests.count() == 1
    assert client.post(url, {"question": "q" * 400}).status_code == 400


def test_participant_pages_need_no_staff_login_and_staff_pages_need_a_role() -> None:
    conv = conversation(small_system())
    for path in ("manage/", "manage/moderate/", "manage/results/", "manage/agreements/"):
        assert Client().get(f"/conversations/{conv.public_id}/{path}").status_code == 302
        assert (
            staff_client(conv, "leader").get(f"/conversations/{conv.public_id}/{path}").status_code
            == 403
        )
        get_user_model().objects.filter(username="leader-user").delete()
    steward = staff_client(conv, "steward")
    assert steward.get(f"/conversations/{conv.public_id}/manage/").status_code == 200


def test_facilitator_creates_a_conversation_with_seeds_sectors_and_moderation() -> None:
    system = small_system()
    user = get_user_model().objects.create_user("fac", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "facilitator")
    client = Client()
    client.force_login(user)
    assert b"Start a conversation" in client.get("/conversations/").content
    treatment = system.sectors.get(slug="treatment")
    response = client.post(
        f"/conversations/new/{system.slug}/",
        {
            "title": "Paperwork and people",
            "question": "What would give us more time with the people we serve?",
            "seed_statements": "Forms take too long.\nWe fill in the same thing twice.\n\n",
            "sectors": [treatment.pk],
            "moderation": "before",
            "open_link": "on",
        },
    )
    conv = Conversation.objects.get(title="Paperwork and people")
    assert response["Location"].endswith(f"/conversations/{conv.public_id}/manage/")
    assert conv.statements.count() == 2 and conv.moderation == "before"
    assert list(conv.sectors.all()) == [treatment]
    page = client.get(f"/conversations/{conv.public_id}/manage/").content.decode()
    assert f"/conversations/{conv.public_id}/join/" in page


def test_facilitator_edits_the_agreements_wording() -> None:
    conv = conversation(small_system())
    client = staff_client(conv)
    response = client.post(
        f"/conversations/{conv.public_id}/manage/agreements/",
        {"agreements": "We listen first.\nWe ask what others mean.\n"},
    )
    assert response.status_code == 302
    conv.refresh_from_db()
    assert conv.agreements == ["We listen first.", "We ask what others mean."]
    assert conv.agreements_version == 2


def test_moderation_queue_pages_through_thousands_of_statements() -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    Statement.objects.bulk_create(
        Statement(
            conversation=conv,
            text=f"A waiting statement number {i}",
            status=Statement.Status.PENDING,
            created_on=conv.created_on,
        )
        for i in range(2500)
    )
    client = staff_client(conv)
    url = f"/conversations/{conv.public_id}/manage/moderate/"
    first = client.get(url).content.decode()
    assert "2500 statements" in first and "page 1 of 50" in first
    last = client.get(url, {"status": "pending", "page": 50}).content.decode()
    assert "page 50 of 50" in last
    assert client.get(url, {"page": "9999"}).status_code == 200
    target = Statement.objects.filter(conversation=conv, status="pending").first()
    client.post(
        url + "?status=pending&page=3", {"statement": target.public_id, "action": "published"}
    )
    target.refresh_from_db()
    assert target.status == Statement.Status.PUBLISHED
    found = client.get(url, {"status": "pending", "q": "number 1234"}).content.decode()
    assert "1 statement" in found


def test_facilitator_clarifies_a_statement_for_everyone() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    statement = conv.statements.first()
    services.ask_clarification(conv, participant_pass, statement.public_id, "Which paperwork?")
    client = staff_client(conv)
    url = f"/conversations/{conv.public_id}/manage/moderate/?status=questions"
    page = client.get(url).content.decode()
    assert "Which paperwork?" in page
    client.post(
        url,
        {
            "statement": statement.public_id,
            "action": "clarify",
            "clarification": "The state's quarterly forms.",
        },
    )
    statement.refresh_from_db()
    assert statement.clarification == "The state's quarterly forms."
    # A participant now sees it with the statement.
    reader = accepted_client(conv)
    mine = reader.get(f"/conversations/{conv.public_id}/statements/{statement.public_id}/ask/")
    assert b"quarterly forms" in mine.content


def _with_results(conv: Conversation) -> None:
    for i in range(12):
        participant_pass = joined(conv, "treatment" if i % 2 else "prevention")
        for j, statement in enumerate(conv.statements.order_by("pk")):
            choice = "agree" if (i + j) % 2 or j == 0 else "disagree"
            services.cast_vote(
                conv,
                participant_pass,
                statement.public_id,
                choice,
                f"k{i:03d}-{j:03d}-xxxxxxxxxxxx",
            )
    tasks.refresh(conv.pk)


def test_results_page_map_and_exports() -> None:
    conv = conversation(small_system())
    _with_results(conv)
    client = staff_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/manage/results/").content.decode()
    assert "Opinion map" in page and "<table>" in page and "Last computed" in page
    assert 'alt="Opinion map of' in page
    svg = client.get(f"/conversations/{conv.public_id}/manage/results/map.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    as_json = client.get(f"/conversations/{conv.public_id}/manage/results/export.json").json()
    assert as_json["state"] == "ready" and as_json["results"]["groups"]
    as_csv = client.get(f"/conversations/{conv.public_id}/manage/results/export.csv")
    lines = as_csv.content.decode().splitlines()
    assert lines[0].startswith("statement_id,text") and len(lines) == len(SEEDS) + 1
    assert (
        client.get(f"/conversations/{conv.public_id}/manage/results/export.xml").status_code == 404
    )


def test_results_refresh_button_runs_at_once_and_the_status_polls(
    django_capture_on_commit_callbacks,
) -> None:
    from django_tasks_db.models import DBTaskResult, get_date_max

    conv = conversation(small_system())
    client = staff_client(conv)
    url = f"/conversations/{conv.public_id}/manage/results/"
    # A vote came in: results are outdated, but a vote enqueues nothing (the worker's clock
    # refreshes); "Refresh now" does not wait for the clock.
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.request_refresh(conv.pk)
        assert not DBTaskResult.objects.exists()
        follow = client.post(url, follow=True)
    assert b"Refreshing the results now" in follow.content
    conv.refresh_from_db()
    assert conv.refresh_pending
    run_afters = list(DBTaskResult.objects.values_list("run_after", flat=True))
    assert run_afters == [get_date_max()]  # one task, with no delay
    status = client.get(url + "status/?was=refreshing", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 10s"' in status.content and "HX-Refresh" not in status
    services.clear_refresh_flag(conv.pk)
    done = client.get(url + "status/?was=refreshing", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_the_participant_carries_a_signed_pass_not_a_session() -> None:
    conv = conversation(small_system())
    client = participant_client(conv)
    assert PASS_COOKIE in client.cookies and "sessionid" not in client.cookies


def test_results_api_for_facilitators_only() -> None:
    conv = conversation(small_system())
    _with_results(conv)
    as_json = staff_client(conv).get(f"/api/conversations/{conv.public_id}/results")
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["state"] == "ready" and body["results"]["groups"]
    assert Client().get(f"/api/conversations/{conv.public_id}/results").status_code == 401
    leader = staff_client(conv, "leader")
    assert leader.get(f"/api/conversations/{conv.public_id}/results").status_code == 403


VOTE_ROUND_TRIP_MAX_SQL = 6


def _vote_round_trip(client: Client, conv: Conversation, htmx: bool) -> tuple[int, int, str]:
    """GET the vote card and POST a vote, as a phone does; the SQL statements of each."""
    url = f"/conversations/{conv.public_id}/vote/"
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as get:
        page = client.get(url, **headers).content.decode()
    form = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
        for name in ("statement", "key")
    }
    with CaptureQueriesContext(connection) as post:
        response = client.post(url, {**form, "choice": "agree"}, **headers)
    assert response.status_code == (200 if htmx else 302)
    return len(get), len(post), response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_vote_round_trip_costs_at_most_six_sql_statements() -> None:
    """Counted as production runs it (autocommit, no test transaction around the requests):
    the GET of the next statement plus the POST of a vote."""
    conv = conversation(small_system())
    client = accepted_client(conv)
    client.get(f"/conversations/{conv.public_id}/vote/")  # the process learns the conversation
    get, post, _ = _vote_round_trip(client, conv, htmx=False)
    assert get + post <= VOTE_ROUND_TRIP_MAX_SQL, (get, post)
    assert (get, post) == (2, 3)
    # With htmx the POST answers with the next statement: one request per vote.
    get, post, body = _vote_round_trip(client, conv, htmx=True)
    assert post <= VOTE_ROUND_TRIP_MAX_SQL - 2 and "Statement 3 of" in body and "is counted" in body
    assert Vote.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_vote_card_query_count_does_not_grow_with_statements_or_votes() -> None:
    conv = conversation(small_system())
    services.add_seed_statements(conv, [f"Extra statement number {i} here" for i in range(150)])
    client = accepted_client(conv)
    client.get(f"/conversations/{conv.public_id}/vote/")
    costs = {_vote_round_trip(client, conv, htmx=False)[:2] for _ in range(20)}
    assert costs == {(2, 3)}


def test_the_vote_card_shows_released_common_ground_once_results_are_ready() -> None:
    from walkthetalk.conversations.results import CLEAR_SHARE

    from .test_results import CONSENSUS, populate

    conv = conversation(small_system())
    client = accepted_client(conv)
    assert (
        "Common ground so far"
        not in client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    )
    populate(conv, {"treatment": 12, "prevention": 12})
    tasks.refresh(conv.pk)
    page = client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    assert "Common ground so far" in page
    shown = re.findall(r"<li>([^<]+) <span class=\"tag\">(\d+)% agree</span>", page)
    assert shown and {text for text, _ in shown} <= CONSENSUS
    assert all(int(share) >= CLEAR_SHARE for _, share in shown)
