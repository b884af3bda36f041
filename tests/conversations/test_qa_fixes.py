"""Fixes from a walk through the demo as participant and facilitator."""

import re

import pytest

from walkthetalk.conversations import services
from walkthetalk.conversations.models import Conversation, Statement, Vote

from ..caremap.factories import small_system
from .factories import SEEDS, conversation
from .test_views import _with_results, accepted_client, staff_client, vote_form

pytestmark = pytest.mark.django_db


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
    client = staff_client(conv)
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
    assert "Line 1 (“One”) is shorter than 10 characters" in page
    assert "Line 3" in page and "has 400 characters" in page
    assert not Conversation.objects.filter(title="Seeds check").exists()
    before = conv.statements.count()
    response = client.post(
        f"/conversations/{conv.public_id}/manage/",
        {"action": "seed", "statements": "A\nAnother statement long enough to publish."},
    )
    assert "Line 1 (“A”) is shorter than 10 characters" in response.content.decode()
    assert conv.statements.count() == before  # nothing added, the facilitator fixes the line
    response = client.post(
        f"/conversations/{conv.public_id}/manage/", {"action": "seed", "statements": "  "}
    )
    assert "Please write at least one statement to add." in response.content.decode()
    assert conv.statements.count() == before == len(SEEDS)


def test_emptying_the_agreements_gets_a_kind_plain_error() -> None:
    conv = conversation(small_system())
    client = staff_client(conv)
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
    client = staff_client(conv)
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


def vote_form_or_any(conv: Conversation) -> dict[str, str]:
    return {"statement": conv.statements.last().public_id}


def test_an_unreadable_polis_export_is_explained_once() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    conv = conversation(small_system())
    client = staff_client(conv)
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


def test_results_tables_scroll_inside_a_labelled_region_on_a_phone() -> None:
    conv = conversation(small_system())
    _with_results(conv)
    client = staff_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/manage/results/").content.decode()
    tables = page.count("<table>")
    assert tables >= 2
    regions = re.findall(
        r'<div class="table-scroll" role="region" tabindex="0" '
        r'aria-labelledby="([^"]+)">\s*<table>',
        page,
    )
    assert len(regions) == tables
    for label_id in regions:
        assert f'<caption id="{label_id}">' in page


def test_a_conversation_with_no_statements_yet_invites_the_first_one() -> None:
    conv = conversation(small_system(), seed_statements=[])
    client = accepted_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    assert "No statements yet" in page and "write the first statement" in page
    assert "voted on every statement" not in page
