"""A facilitator in real Chromium: create, moderate, clarify, results, import."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import services
from walkthetalk.conversations.models import Conversation, ConversationResult, Statement

from ..caremap.factories import small_system
from ..conversations.factories import joined, write_export
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("fran")
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def facilitator():
    system = small_system()
    user = get_user_model().objects.create_user("fran", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "facilitator")
    return system


def test_facilitator_creates_moderates_clarifies_and_reads_results(  # noqa: PLR0915
    live_server, page: Page, facilitator, settings
) -> None:
    settings.TASKS = IMMEDIATE
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/conversations/")
    page.get_by_role("link", name="Start a conversation").click()
    page.get_by_label("Title").fill("Time with the people we serve")
    page.get_by_label("Seed statements").fill(
        "\n".join(
            [
                "Paperwork takes time away from the people we serve.",
                "Our funders listen when we say what is not working.",
                "Direct care staff should help design programs.",
                "Everyone here wants the people we serve to thrive.",
                "Supervisors have time to support their teams.",
                "We rarely talk openly about mistakes.",
                "People in recovery should be at every decision table.",
            ]
        )
    )
    page.get_by_label("Before publishing").check()
    page.get_by_role("button", name="Save as a draft").click()
    page.get_by_role("button", name="Go live").click()  # a draft until then (see below)
    expect(page.get_by_role("status")).to_contain_text("participants can join it now")
    conv = Conversation.objects.get()
    assert conv.moderation == "before" and conv.statements.count() == 7

    # Participants vote, one writes a statement and one asks what a statement means.
    statements = list(conv.statements.order_by("pk"))
    passes = [joined(conv, "treatment" if i % 2 else "prevention") for i in range(12)]
    for i, participant_pass in enumerate(passes):
        for j, statement in enumerate(statements):
            choice = "agree" if j == 3 or (i + j) % 2 else "disagree"
            services.cast_vote(
                conv, participant_pass, statement.public_id, choice, f"key-{i}-{j}-abcdefghijkl"
            )
    services.submit_statement(conv, passes[0], "Waiting lists keep people from care they need.")
    services.ask_clarification(conv, passes[1], statements[0].public_id, "Which paperwork?")

    page.get_by_role("link", name="Moderation").click()
    expect(page.locator(".moderation-queue")).to_contain_text("Waiting lists keep people")
    assert_accessible(page)
    page.get_by_role("button", name="Publish").first.click()
    expect(page.get_by_text("is now published")).to_be_visible()
    assert Statement.objects.get(is_seed=False).status == Statement.Status.PUBLISHED
    # "Do not publish" asks first, and says what it does.
    page.get_by_role("link", name="Published").first.click()
    card = page.locator(".moderation-queue > li", has_text="Waiting lists keep people")
    expect(card.get_by_role("button", name="Yes, do not publish it")).to_be_hidden()
    card.get_by_text("Do not publish…").click()
    expect(card).to_contain_text("votes already cast are kept")
    assert_accessible(page)
    card.get_by_role("button", name="Yes, do not publish it").click()
    expect(page.get_by_text("is now not published")).to_be_visible()
    assert Statement.objects.get(is_seed=False).status == Statement.Status.REJECTED
    page.get_by_role("link", name="Asked “what do you mean?” (1)").click()
    expect(page.get_by_text("Which paperwork?")).to_be_visible()
    page.get_by_label("Clarification shown to everyone").fill("The state's quarterly forms.")
    page.get_by_role("button", name="Save the clarification").click()
    expect(page.get_by_text("everyone now sees it")).to_be_visible()
    assert (
        Statement.objects.get(pk=statements[0].pk).clarification == "The state's quarterly forms."
    )

    page.get_by_role("link", name="Results").click()
    page.get_by_role("button", name="Refresh now").click()
    expect(page.get_by_role("heading", name="Opinion map")).to_be_visible()
    assert ConversationResult.objects.get().state == "ready"
    expect(page.locator("#results-status")).to_contain_text("Last computed today")
    expect(page.locator("figure img")).to_have_attribute(
        "alt", re.compile(r"^Opinion map of 2 opinion groups: Group A \(6 people\), Group B")
    )
    expect(page.get_by_role("table").first).to_contain_text("Group A")
    # The map has loaded and drawn (not a broken image). Playwright's wait_for_function
    # compiles its predicate with eval, which the page's CSP (no 'unsafe-eval') refuses in
    # Chromium 156.
    opinion_map = page.locator("figure img")
    expect(opinion_map).to_have_js_property("complete", True)
    assert opinion_map.evaluate("img => img.naturalWidth") > 0
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.endswith("-results.csv")


def test_facilitator_imports_a_polis_export(
    live_server, page: Page, facilitator, tmp_path: Path
) -> None:
    folder = write_export(tmp_path / "export")
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/conversations/")
    page.get_by_role("link", name="Import a Pol.is export").click()
    assert_accessible(page)
    page.get_by_label("Title for the conversation").fill("Last year's Pol.is")
    page.get_by_label("comments.csv").set_input_files(str(folder / "comments.csv"))
    page.get_by_label("votes.csv", exact=True).set_input_files(str(folder / "votes.csv"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 6 statements and 120 votes")).to_be_visible()
    assert Conversation.objects.get().title == "Last year's Pol.is"


def test_a_new_conversation_is_a_draft_previewed_before_it_goes_live(
    live_server, sized_page: Page, facilitator
) -> None:
    page, url = sized_page, live_server.url
    sign_in(page, url)
    page.goto(f"{url}/conversations/new/{facilitator.slug}/")
    page.get_by_label("Title").fill("Waiting lists")
    page.get_by_label("Seed statements").fill(
        "Waiting lists keep people from care they need.\nWe tell people how long they will wait."
    )
    page.get_by_role("button", name="Save as a draft").click()
    conv = Conversation.objects.get()
    assert conv.status == Conversation.Status.DRAFT
    expect(page.locator(".draft-note")).to_contain_text("No participant can see it")
    assert_accessible(page)
    # A participant with a pass of this care system cannot reach it yet.
    participant = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        (token,) = caremap_services.create_invitations(facilitator, 1)
        other = participant.new_page()
        other.goto(f"{url}/join/?t={token}")
        other.get_by_role("button", name="Start").click()
        other.goto(f"{url}/welcome/")
        expect(other.get_by_text("Waiting lists", exact=True)).to_have_count(0)
        assert other.goto(f"{url}/conversations/{conv.public_id}/").status == 404
        # The preview shows what they will see, in order, with nothing to answer.
        page.get_by_role("link", name="Preview").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Preview: Waiting lists")
        expect(page.locator(".preview-frame blockquote.statement")).to_contain_text(
            "Waiting lists keep people"
        )
        for name in ("Agree", "Disagree", "Pass / unsure"):
            expect(page.get_by_role("button", name=name, exact=True)).to_be_disabled()
        expect(page.locator(".agreements li")).to_have_count(6)
        assert_accessible(page)
        page.get_by_role("button", name="Go live").click()
        expect(page.get_by_role("status")).to_contain_text("participants can join it now")
        conv.refresh_from_db()
        assert conv.is_open
        other.goto(f"{url}/welcome/")
        expect(other.get_by_role("link", name="Waiting lists")).to_be_visible()
    finally:
        participant.close()
