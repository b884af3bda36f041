"""Participant and facilitator pages over HTTP (Django's test client, no JavaScript)."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.participant_http import give_pass
from walkthetalk.caremap.passes import PASS_COOKIE
from walkthetalk.conversations import services, tasks
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationResult,
    Statement,
    Topic,
    Vote,
)
from walkthetalk.reports.render.csv_writer import read_cell

from ..caremap.factories import small_system
from .factories import (
    CONSENSUS,
    SEEDS,
    TOPIC_THEMES,
    accepted_client,
    camp_voter,
    conversation,
    facilitator_client,
    joined,
    key,
    participant_client,
    populate,
    vote_form,
    vote_form_or_any,
    write_export,
)

pytestmark = pytest.mark.django_db


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
            facilitator_client(conv, "leader")
            .get(f"/conversations/{conv.public_id}/{path}")
            .status_code
            == 403
        )
        get_user_model().objects.filter(username="leader-user").delete()
    steward = facilitator_client(conv, "steward")
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
    client = facilitator_client(conv)
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
    client = facilitator_client(conv)
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
    client = facilitator_client(conv)
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


def test_the_participant_carries_a_signed_pass_not_a_session() -> None:
    conv = conversation(small_system())
    client = participant_client(conv)
    assert PASS_COOKIE in client.cookies and "sessionid" not in client.cookies


def test_after_asking_what_do_you_mean_the_same_statement_is_shown_to_vote_on() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    # the last statement by text, so a random draw would rarely land on it by chance
    statement = conv.statements.order_by("-text").first()
    url = f"/conversations/{conv.public_id}/statements/{statement.public_id}/ask/"
    page = client.get(url).content.decode()
    assert f"/vote/?s={statement.public_id}" in page  # "Back to this statement"
    response = client.post(url, {"question": "Which mistakes?"})
    assert response["Location"].endswith(f"/vote/?s={statement.public_id}")
    for _ in range(5):  # not luck: the asked-about statement every time
        page = client.get(response["Location"]).content.decode()
        assert f'name="statement" value="{statement.public_id}"' in page
        assert statement.text in page


def test_a_wanted_statement_already_voted_on_or_unknown_falls_back_to_the_next_one() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    form = vote_form(client, conv)
    client.post(f"/conversations/{conv.public_id}/vote/", {**form, "choice": "pass"})
    assert Vote.objects.count() == 1
    for wanted in (form["statement"], "no-such-statement", "x" * 500):
        page = client.get(f"/conversations/{conv.public_id}/vote/", {"s": wanted})
        assert page.status_code == 200
        body = page.content.decode()
        assert f'name="statement" value="{form["statement"]}"' not in body
        assert 'name="statement" value="' in body  # still a statement to vote on
    rejected = conv.statements.exclude(public_id=form["statement"]).first()
    rejected.status = Statement.Status.REJECTED
    rejected.save()
    body = client.get(f"/conversations/{conv.public_id}/vote/", {"s": rejected.public_id})
    assert rejected.text not in body.content.decode()


def test_seed_statements_follow_the_participant_length_rules_and_name_each_bad_line() -> None:
    system = small_system()
    conv = conversation(system)
    client = facilitator_client(conv)
    response = client.post(
        f"/conversations/new/{system.slug}/",
        {
            "title": "Seeds check",
            "seed_statements": "One\nThis is a good statement about supervision.\n" + "x" * 400,
            "moderation": "after",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 1 (“One”): A statement needs at least 10 characters" in page
    assert "Line 3" in page and "(this one has 400)" in page
    assert not Conversation.objects.filter(title="Seeds check").exists()
    before = conv.statements.count()
    response = client.post(
        f"/conversations/{conv.public_id}/manage/",
        {"action": "seed", "statements": "A\nAnother statement long enough to publish."},
    )
    assert "Line 1 (“A”): A statement needs at least 10 characters" in response.content.decode()
    assert conv.statements.count() == before  # nothing added, the facilitator fixes the line
    response = client.post(
        f"/conversations/{conv.public_id}/manage/", {"action": "seed", "statements": "  "}
    )
    assert "Please write at least one statement to add." in response.content.decode()
    assert conv.statements.count() == before == len(SEEDS)


def test_emptying_the_agreements_gets_a_kind_plain_error() -> None:
    conv = conversation(small_system())
    client = facilitator_client(conv)
    response = client.post(
        f"/conversations/{conv.public_id}/manage/agreements/", {"agreements": ""}
    )
    page = response.content.decode()
    assert "Please keep at least one agreement" in page
    assert "This field is required" not in page
    conv.refresh_from_db()
    assert conv.agreements_version == 1


def test_overview_keeps_the_moderation_mode_in_words_and_points_to_waiting_statements() -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    Statement.objects.filter(pk=conv.statements.first().pk).update(status="pending")
    client = facilitator_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/manage/").content.decode()
    assert "New statements: before publishing" in page
    assert "Read the 1 waiting" in page
    assert 'aria-describedby="join-url-help"' in page


def test_a_closed_conversation_says_so_once_and_does_not_invite_typing() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    form = vote_form(client, conv)
    client.post(f"/conversations/{conv.public_id}/vote/", {**form, "choice": "agree"})
    services.set_status(conv, Conversation.Status.CLOSED)
    # a vote from a card loaded before closing: one calm message, not an alert plus a heading
    late = client.post(
        f"/conversations/{conv.public_id}/vote/",
        {**vote_form_or_any(conv), "choice": "agree", "key": "late-key"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert late.count("has closed") == 1 and 'role="alert"' not in late
    assert Vote.objects.count() == 1
    write = client.get(f"/conversations/{conv.public_id}/write/").content.decode()
    assert "new statements cannot be added" in write and "<textarea" not in write
    response = client.post(
        f"/conversations/{conv.public_id}/write/", {"text": "A statement typed after closing."}
    )
    assert response.status_code == 400 and not Statement.objects.filter(is_seed=False).exists()
    mine = client.get(f"/conversations/{conv.public_id}/mine/").content.decode()
    assert "votes can no longer change" in mine and "Change to" not in mine


def test_an_unreadable_polis_export_is_explained_once() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    conv = conversation(small_system())
    client = facilitator_client(conv)
    bad = b"hello,world\n1,2\n"
    response = client.post(
        f"/conversations/import/{conv.care_system.slug}/",
        {
            "comments": SimpleUploadedFile("comments.csv", bad),
            "votes": SimpleUploadedFile("votes.csv", bad),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("The export could not be read") == 1
    assert Conversation.objects.count() == 1


def test_a_conversation_with_no_statements_yet_invites_the_first_one() -> None:
    conv = conversation(small_system(), seed_statements=[])
    client = accepted_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    assert "No statements yet" in page and "write the first statement" in page
    assert "voted on every statement" not in page


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


# The vote's POST: the voter, then the vote and its flag: on SQLite the upsert and the flag's
# read; on PostgreSQL one CALL of the vote procedure (vote_queries.store_vote).
_POST_STATEMENTS = 2 if connection.vendor == "postgresql" else 3


@pytest.mark.django_db(transaction=True)
def test_a_vote_round_trip_costs_at_most_six_sql_statements() -> None:
    """Counted as production runs it (autocommit, no test transaction around the requests):
    the GET of the next statement plus the POST of a vote."""
    conv = conversation(small_system())
    client = accepted_client(conv)
    client.get(f"/conversations/{conv.public_id}/vote/")  # the process learns the conversation
    # As most votes find it: the results already flagged for the worker by an earlier vote (on
    # SQLite the first vote after a refresh reads the flag, then sets it: one statement more).
    Conversation.objects.filter(pk=conv.pk).update(refresh_pending=True)
    get, post, _ = _vote_round_trip(client, conv, htmx=False)
    assert get + post <= VOTE_ROUND_TRIP_MAX_SQL, (get, post)
    assert (get, post) == (2, _POST_STATEMENTS)
    # With htmx the POST answers with the next statement: one request per vote.
    get, post, body = _vote_round_trip(client, conv, htmx=True)
    assert post <= VOTE_ROUND_TRIP_MAX_SQL - 2 and "Statement 3 of" in body and "is counted" in body
    assert Vote.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_vote_statements_are_prepared_once_per_connection_on_postgresql() -> None:
    """Parsed and planned once per connection, then only executed (psycopg prepares nothing
    while its prepare_threshold is None, Django's default)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL matter")
    conv = conversation(small_system())
    client = accepted_client(conv)
    for _ in range(2):
        _vote_round_trip(client, conv, htmx=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(sql.startswith("CALL conversations_record_vote(") for sql in prepared), prepared
    assert any('FROM "conversations_statement" s' in sql for sql in prepared), prepared


@pytest.mark.django_db(transaction=True)
def test_the_vote_card_query_count_does_not_grow_with_statements_or_votes() -> None:
    conv = conversation(small_system())
    services.add_seed_statements(conv, [f"Extra statement number {i} here" for i in range(150)])
    client = accepted_client(conv)
    client.get(f"/conversations/{conv.public_id}/vote/")
    Conversation.objects.filter(pk=conv.pk).update(refresh_pending=True)  # as most votes find it
    costs = {_vote_round_trip(client, conv, htmx=False)[:2] for _ in range(20)}
    assert costs == {(2, _POST_STATEMENTS)}


def test_the_vote_card_shows_released_common_ground_only_after_voting() -> None:
    from walkthetalk.conversations.results import CLEAR_SHARE

    conv = conversation(small_system())
    client = accepted_client(conv)
    assert (
        "Common ground so far"
        not in client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    )
    populate(conv, {"treatment": 12, "prevention": 12})
    tasks.refresh(conv.pk)
    page = client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    # Not beside a statement still to vote on (it would anchor the vote) ...
    assert "Statement 1 of" in page and "Common ground so far" not in page
    assert "/glossary/#common-ground" not in page  # the memoised card is left as it was
    while 'name="statement"' in page:
        _vote_round_trip(client, conv, htmx=False)
        page = client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    # ... only once every statement has the participant's vote.
    assert "You have voted on every statement" in page and "Common ground so far" in page
    assert 'href="/glossary/#common-ground"' in page  # the end screen says what it means
    shown = re.findall(r"<li>([^<]+) <span class=\"tag\">(\d+)% agree</span>", page)
    assert shown and {text for text, _ in shown} <= CONSENSUS
    assert all(int(share) >= CLEAR_SHARE for _, share in shown)


def test_import_polis_upload_form(tmp_path: Path) -> None:
    system = small_system()
    folder = write_export(tmp_path / "export")
    user = get_user_model().objects.create_user("fac", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "facilitator")
    client = Client()
    client.force_login(user)
    url = f"/conversations/import/{system.slug}/"
    assert b"comments.csv" in client.get(url).content
    only_comments = client.post(
        url,
        {"comments": SimpleUploadedFile("comments.csv", (folder / "comments.csv").read_bytes())},
    )
    assert only_comments.status_code == 400 and b"votes.csv" in only_comments.content
    bad = client.post(
        url,
        {
            "comments": SimpleUploadedFile("c.csv", b"nonsense\n"),
            "votes": SimpleUploadedFile("v.csv", (folder / "votes.csv").read_bytes()),
        },
    )
    assert bad.status_code == 400 and b"could not be read" in bad.content
    assert Conversation.objects.count() == 0
    ok = client.post(
        url,
        {
            "title": "Our 2024 Pol.is round",
            "comments": SimpleUploadedFile("a.csv", (folder / "comments.csv").read_bytes()),
            "votes": SimpleUploadedFile("b.csv", (folder / "votes.csv").read_bytes()),
        },
    )
    conv = Conversation.objects.get()
    assert conv.title == "Our 2024 Pol.is round"
    assert ok["Location"].endswith(f"/conversations/{conv.public_id}/manage/results/")
    assert Vote.objects.count() == 120


def test_import_needs_a_facilitator_or_steward(tmp_path: Path) -> None:
    system = small_system()
    user = get_user_model().objects.create_user("lead", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "leader")
    client = Client()
    client.force_login(user)
    assert client.get(f"/conversations/import/{system.slug}/").status_code == 403


def test_pasting_seeds_can_keep_the_good_lines_when_the_facilitator_asks() -> None:
    conv = conversation(small_system())
    client = facilitator_client(conv)
    lines = "Handovers need more time on busy days.\nTiny\nMy number is 555-123-4567 ok"
    response = client.post(
        f"/conversations/{conv.public_id}/manage/", {"action": "seed", "statements": lines}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Line 2 (“Tiny”)" in page and "Line 3 (“My number is 555-123-4567 ok”)" in page
    assert conv.statements.count() == len(SEEDS)
    response = client.post(
        f"/conversations/{conv.public_id}/manage/",
        {"action": "seed", "statements": lines, "keep_good": "on"},
        follow=True,
    )
    page = response.content.decode()
    assert "Added 1 statements." in page and "Left out Line 2 (“Tiny”)" in page
    assert conv.statements.filter(text="Handovers need more time on busy days.").exists()
    assert conv.statements.count() == len(SEEDS) + 1


def test_the_moderation_policy_is_shown_beside_write_a_statement() -> None:
    conv = conversation(small_system())
    client = facilitator_client(conv)
    client.post(
        f"/conversations/{conv.public_id}/manage/",
        {"action": "policy", "moderation_policy": "We take down names & insults."},
    )
    participant = accepted_client(conv)
    page = participant.get(f"/conversations/{conv.public_id}/write/").content.decode()
    assert "How statements are moderated here" in page
    assert "We take down names &amp; insults." in page
    response = client.post(
        f"/conversations/{conv.public_id}/manage/",
        {"action": "policy", "moderation_policy": "x" * 2001},
    )
    assert response.status_code == 400
    conv.refresh_from_db()
    assert conv.moderation_policy == "We take down names & insults."


def test_the_moderation_log_downloads_as_csv_by_role_without_authors() -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    services.submit_statement(conv, joined(conv), "=Handovers need more time on busy days.")
    statement = conv.statements.get(is_seed=False)
    client = facilitator_client(conv)
    client.post(
        f"/conversations/{conv.public_id}/manage/moderate/",
        {"statement": statement.public_id, "action": "published"},
    )
    response = client.get(f"/conversations/{conv.public_id}/manage/moderation-log.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["day", "statement", "statement_text", "seed", "decision", "role"]
    assert len(rows) == 1 + len(SEEDS) + 1
    # a public id may start with "-": the CSV writer guards it like any cell
    mine = [row for row in rows[1:] if read_cell(row[1]) == statement.public_id]
    assert len(mine) == 1
    assert mine[0][0] == statement.created_on.isoformat()
    assert mine[0][2:] == [
        "'=Handovers need more time on busy days.",
        "no",
        "published",
        "facilitator",
    ]
    assert (
        Client().get(f"/conversations/{conv.public_id}/manage/moderation-log.csv").status_code
        == 302
    )


def test_the_facilitator_home_and_list_show_how_many_statements_wait() -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    services.submit_statement(conv, joined(conv), "Handovers need more time on busy days.")
    client = facilitator_client(conv)
    assert "1 statement waiting for moderation" in client.get("/").content.decode()
    assert "1 statement waiting for moderation" in client.get("/conversations/").content.decode()


def test_similar_published_statements_are_shown_before_a_new_one_is_added() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    url = f"/conversations/{conv.public_id}/write/"
    reworded = "We hardly ever talk openly about our mistakes."
    first = client.post(url, {"text": reworded})
    page = first.content.decode()
    assert first.status_code == 200
    assert "Someone may have said this already" in page
    seed = conv.statements.get(text="We rarely talk openly about mistakes.")
    assert f"/conversations/{conv.public_id}/vote/?s={seed.public_id}" in page
    assert "Add mine anyway" in page and reworded in page  # what they wrote is kept
    assert not conv.statements.filter(text=reworded).exists()
    voting = client.get(f"/conversations/{conv.public_id}/vote/", {"s": seed.public_id})
    assert seed.text in voting.content.decode()
    added = client.post(url, {"text": reworded, "anyway": "1"}, follow=True)
    assert b"Your statement is now in the conversation" in added.content
    assert conv.statements.filter(text=reworded, status=Statement.Status.PUBLISHED).exists()


def test_a_statement_unlike_any_other_is_added_at_once() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    response = client.post(
        f"/conversations/{conv.public_id}/write/",
        {"text": "Interpreters are hard to book when we need them."},
    )
    assert response.status_code == 302
    assert conv.statements.filter(text__startswith="Interpreters").exists()


def test_similar_while_typing_shows_published_statements_only() -> None:
    conv = conversation(small_system())
    hidden = conv.statements.get(text="We rarely talk openly about mistakes.")
    client = accepted_client(conv)
    url = f"/conversations/{conv.public_id}/write/similar/"
    shown = client.post(url, {"text": "We hardly ever talk openly about our mistakes."})
    assert hidden.text in shown.content.decode()
    services.moderate_statement(hidden, Statement.Status.REJECTED)
    gone = client.post(url, {"text": "We hardly ever talk openly about our mistakes."})
    assert hidden.text not in gone.content.decode()
    assert client.post(url, {"text": "short"}).content.strip() == b""
    assert client.get(url).status_code == 405
    assert Client().post(url, {"text": "We hardly ever talk openly"}).status_code == 204


# --- where do I stand ----------------------------------------------------------------------


def _stand(client: Client, conv) -> str:
    response = client.get(f"/conversations/{conv.public_id}/stand/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    return response.content.decode()


@pytest.fixture
def two_camps():
    conv = conversation(small_system())
    populate(conv, {"treatment": 12, "prevention": 12})
    tasks.refresh(conv.pk)
    return conv


def test_where_you_stand_asks_for_more_votes_before_placing(two_camps) -> None:
    page = _stand(camp_voter(two_camps, 1, n_votes=3), two_camps)
    assert "Vote on 4 more statements to see where you stand." in page
    assert "You are here" not in page


def test_where_you_stand_places_each_camp_in_its_own_shown_group(two_camps) -> None:
    data = ConversationResult.objects.get(conversation=two_camps).data
    shown = {g["label"].removeprefix("Group ") for g in data["groups"] if g["size"]}
    letters = []
    for side in (1, -1):
        page = _stand(camp_voter(two_camps, side), two_camps)
        assert "You are here" in page
        found = re.search(r"you stand with <strong>group (\w)</strong>", page)
        assert found, page
        letters.append(found.group(1))
    assert letters[0] != letters[1] and set(letters) <= shown


def test_where_you_stand_shows_only_released_figures_of_your_own_group(two_camps) -> None:
    data = ConversationResult.objects.get(conversation=two_camps).data
    page = _stand(camp_voter(two_camps, 1), two_camps)
    letter = re.search(r"you stand with <strong>group (\w)</strong>", page).group(1)
    mine = f"Group {letter}"
    assert data["divides"], "the two camps divide on the non-shared statements"
    shown = re.findall(r"<strong>Your group:</strong> (\d+)% agree, (\d+)% disagree", page)
    expected = [
        (
            str(data["statement_groups"][d["id"]][mine]["agree"]),
            str(data["statement_groups"][d["id"]][mine]["disagree"]),
        )
        for d in data["divides"]
        if data["statement_groups"][d["id"]][mine]["agree"] is not None
    ]
    assert shown == expected and shown
    # Every percentage on the page is one the stored result released for this group or for
    # everyone; none is another group's.
    released = {str(v) for d in data["divides"] for v in (d["agree"], d["disagree"])}
    released |= {a for pair in expected for a in pair}
    released |= {
        str(r["share"]) for g in data["groups"] if g["label"] == mine for r in g["representative"]
    }
    assert set(re.findall(r"(\d+)%", page)) <= released


def test_where_you_stand_is_not_shown_while_your_group_is_hidden(two_camps) -> None:
    result = ConversationResult.objects.get(conversation=two_camps)
    for group in result.data["groups"]:
        group["size"] = None
    result.save()
    page = _stand(camp_voter(two_camps, 1), two_camps)
    assert "Where you stand is not shown yet." in page
    assert "You are here" not in page and "% agree" not in page


def test_where_you_stand_before_any_result_says_it_is_not_shown_yet() -> None:
    conv = conversation(small_system())
    page = _stand(camp_voter(conv, 1), conv)
    assert "Where you stand is not shown yet." in page


def test_where_you_stand_asks_for_an_agree_or_disagree_after_only_passes(two_camps) -> None:
    participant_pass = joined(two_camps, "treatment")
    for statement in two_camps.statements.all():
        services.cast_vote(
            two_camps,
            participant_pass,
            statement.public_id,
            "pass",
            f"p-{statement.pk:04d}-xxxxxxxxxxxxxxxx",
        )
    client = Client()
    client.cookies[PASS_COOKIE] = (
        give_pass(HttpResponse(), participant_pass).cookies[PASS_COOKIE].value
    )
    assert "agree or disagree with at least one statement" in _stand(client, two_camps)


def test_where_you_stand_writes_nothing_and_logs_nothing(two_camps, caplog) -> None:
    client = camp_voter(two_camps, 1)
    caplog.set_level("DEBUG")
    with CaptureQueriesContext(connection) as queries:
        page = _stand(client, two_camps)
    assert "You are here" in page
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert not [r for r in caplog.records if r.name.startswith("walkthetalk")]


def test_where_you_stand_needs_a_pass(two_camps) -> None:
    response = Client().get(f"/conversations/{two_camps.public_id}/stand/")
    assert response.status_code == 302 and response["Location"].endswith("/join/")


# --- topics --------------------------------------------------------------------------------


@pytest.fixture
def topic_conv():
    conv = conversation(
        small_system(), seed_statements=[t for texts in TOPIC_THEMES.values() for t in texts]
    )
    tasks.refresh_topics_of(conv.care_system)
    return conv


def _topics_url(conv) -> str:
    return f"/conversations/topics/{conv.care_system.slug}/"


def test_facilitator_renames_and_merges_topics(topic_conv) -> None:
    client = facilitator_client(topic_conv)
    page = client.get(_topics_url(topic_conv)).content.decode()
    topics = list(Topic.objects.filter(care_system=topic_conv.care_system).order_by("pk"))
    assert len(topics) == 3 and all(t.name in page for t in topics)
    response = client.post(
        _topics_url(topic_conv),
        {"action": "rename", "topic": topics[0].pk, "name": "Our first topic"},
    )
    assert response.status_code == 302
    topics[0].refresh_from_db()
    assert topics[0].name == "Our first topic" and topics[0].renamed
    response = client.post(
        _topics_url(topic_conv), {"action": "merge", "keep": topics[0].pk, "other": topics[1].pk}
    )
    assert response.status_code == 302
    assert not Topic.objects.filter(pk=topics[1].pk).exists()
    assert topics[0].statements.count() == 12


def test_a_bad_topic_name_is_refused_and_changes_nothing(topic_conv) -> None:
    client = facilitator_client(topic_conv)
    topic = Topic.objects.filter(care_system=topic_conv.care_system).first()
    before = topic.name
    response = client.post(
        _topics_url(topic_conv), {"action": "rename", "topic": topic.pk, "name": "x" * 500}
    )
    assert response.status_code == 400
    assert "Please keep a topic&#x27;s name to 120 characters" in response.content.decode()
    topic.refresh_from_db()
    assert topic.name == before
    response = client.post(_topics_url(topic_conv), {"action": "rename", "topic": "999999"})
    assert response.status_code == 404


def test_only_facilitators_see_topics(topic_conv) -> None:
    assert accepted_client(topic_conv).get(_topics_url(topic_conv)).status_code in (302, 403)
    other = small_system("elsewhere")
    outsider = facilitator_client(conversation(other), role="facilitator")
    assert outsider.get(_topics_url(topic_conv)).status_code == 403


def test_a_new_conversation_is_a_draft_until_it_goes_live() -> None:
    system = small_system()
    user = get_user_model().objects.create_user("fac", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "facilitator")
    staff = Client()
    staff.force_login(user)
    staff.post(
        f"/conversations/new/{system.slug}/",
        {
            "title": "Not yet",
            "seed_statements": "Forms take too long.\n",
            "moderation": "after",
            "open_link": "on",
        },
    )
    conv = Conversation.objects.get(title="Not yet")
    assert conv.status == Conversation.Status.DRAFT
    page = staff.get(f"/conversations/{conv.public_id}/manage/").content.decode()
    assert "This conversation is a draft" in page
    # Participants cannot reach a draft: no open link, no welcome-page entry, no vote.
    participant_pass = caremap_services.open_pass(system, system.sectors.get(slug="treatment"))
    participant = Client()
    participant.cookies[PASS_COOKIE] = participant_pass.sign()
    for path in ("", "join/", "agreements/", "vote/"):
        assert participant.get(f"/conversations/{conv.public_id}/{path}").status_code == 404
    assert b"Not yet" not in participant.get("/welcome/").content
    with pytest.raises(services.ConversationError):
        services.accept_agreements(conv, participant_pass)
    with pytest.raises(services.ConversationError):
        services.cast_vote(conv, participant_pass, conv.statements.get().public_id, "agree", key())
    assert not Vote.objects.exists() and not ConversationParticipant.objects.exists()
    # The preview shows what participants will see, with nothing to answer.
    preview = staff.get(f"/conversations/{conv.public_id}/manage/preview/").content.decode()
    assert "Forms take too long." in preview and "no participant can see it yet" in preview
    assert preview.count(" disabled>") == 3
    response = staff.post(f"/conversations/{conv.public_id}/manage/", {"action": "open"})
    assert response.status_code == 302
    conv.refresh_from_db()
    assert conv.is_open
    assert participant.get(f"/conversations/{conv.public_id}/agreements/").status_code == 200
    # Once live it cannot become a draft again; the refusal changes nothing.
    refused = staff.post(
        f"/conversations/{conv.public_id}/manage/", {"action": "draft"}, follow=True
    )
    assert "cannot become a draft again" in refused.content.decode()
    conv.refresh_from_db()
    assert conv.is_open


def test_participants_never_reach_a_draft_and_staff_of_another_system_cannot_preview() -> None:
    conv = conversation(small_system())
    services.set_status(conv, Conversation.Status.CLOSED)
    with pytest.raises(services.ConversationError):
        services.set_status(conv, Conversation.Status.DRAFT)
    conv.refresh_from_db()
    assert conv.status == Conversation.Status.CLOSED
    draft = services.create_conversation(conv.care_system, "Draft", draft=True)
    assert Client().get(f"/conversations/{draft.public_id}/manage/preview/").status_code == 302
    other = small_system(slug="other-system")
    outsider = get_user_model().objects.create_user("out", password="a-long-staff-password")
    caremap_services.grant_role(outsider, other, "facilitator")
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/conversations/{draft.public_id}/manage/preview/").status_code == 403
