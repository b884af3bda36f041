"""A participant in real Chromium: open link, agreements, voting (keyboard alone), writing,
asking "what do you mean?" — with axe on every participant page."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.conversations import services
from walkthetalk.conversations.models import (
    ClarificationRequest,
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)

from ..caremap.factories import small_system
from ..conversations.factories import conversation
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def join_and_accept(page: Page, base: str, conv: Conversation, axe: bool = True) -> None:
    page.goto(f"{base}/conversations/{conv.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(conv.title)
    if axe:
        assert_accessible(page)
    page.get_by_label("Treatment").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("our agreements")
    expect(page.locator(".agreements li")).to_have_count(6)
    if axe:
        assert_accessible(page)
    page.get_by_label("I accept these agreements").check()
    page.get_by_role("button", name="Accept and begin").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Statement 1 of")
    assert ConversationParticipant.objects.get().agreements_version == 1


def tab_to(page: Page, name: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if (
            page.evaluate("document.activeElement && document.activeElement.textContent.trim()")
            == name
        ):
            return
    raise AssertionError(f"keyboard focus never reached {name!r}")


def test_participant_consents_and_votes_with_the_keyboard_alone(live_server, page: Page) -> None:
    conv = conversation(small_system())
    join_and_accept(page, live_server.url, conv)
    assert_accessible(page)
    tab_to(page, "Agree")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="is counted")).to_be_visible()
    expect(page.locator("#vote-heading")).to_contain_text("Statement 2 of")
    expect(page.locator("#vote-heading")).to_be_focused()  # focus lands on the new statement
    assert_accessible(page)
    tab_to(page, "Disagree")
    page.keyboard.press("Enter")
    expect(page.locator("#vote-heading")).to_contain_text("Statement 3 of")
    tab_to(page, "Pass / unsure")
    page.keyboard.press("Space")
    expect(page.locator("#vote-heading")).to_contain_text("Statement 4 of")
    assert sorted(Vote.objects.values_list("value", flat=True)) == [-1, 0, 1]
    # Change a vote from "Your votes".
    page.get_by_role("link", name="Your votes").click()
    assert_accessible(page)
    page.get_by_role("button", name="Change to agree").first.click()
    expect(page.get_by_text("Changed your vote")).to_be_visible()
    assert sorted(Vote.objects.values_list("value", flat=True)) in ([0, 1, 1], [-1, 1, 1])
    assert Vote.objects.count() == 3
    # Taking part wrote no care-map participation to tie the votes to a unit or level.


def test_voting_works_without_javascript(live_server, browser) -> None:
    conv = conversation(small_system())
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        join_and_accept(page, live_server.url, conv, axe=False)  # axe itself needs JavaScript
        page.get_by_role("button", name="Agree", exact=True).click()
        expect(page.get_by_role("heading", level=2).first).to_contain_text("Statement 2 of")
        assert Vote.objects.count() == 1
    finally:
        context.close()


def test_participant_writes_a_statement_and_asks_what_it_means(live_server, page: Page) -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    join_and_accept(page, live_server.url, conv)
    page.get_by_role("link", name="Write a statement").click()
    expect(page.get_by_text("leave out personal details")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your statement").fill("My client named Maria Lopez waited six weeks")
    page.get_by_role("button", name="Add my statement").click()
    expect(page.get_by_role("alert")).to_contain_text("personal details")
    assert_accessible(page)
    page.get_by_label("Your statement").fill("Waiting lists keep people from care they need now.")
    page.get_by_role("button", name="Add my statement").click()
    expect(page.get_by_text("once a facilitator has read it")).to_be_visible()
    assert Statement.objects.get(is_seed=False).status == Statement.Status.PENDING
    page.get_by_role("link", name="What do you mean? Ask for a clarification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you mean?")
    assert_accessible(page)
    page.get_by_label("What would you like to understand better?").fill("Which kind of care?")
    page.get_by_role("button", name="Ask what this means").click()
    expect(page.get_by_text("Thank you for asking")).to_be_visible()
    asked = ClarificationRequest.objects.get()
    services.clarify_statement(asked.statement, "Any care: treatment, recovery or prevention.")
    page.goto(
        f"{live_server.url}/conversations/{conv.public_id}/statements/{asked.statement.public_id}/ask/"
    )
    expect(page.locator(".clarification")).to_contain_text("Any care")
    assert_accessible(page)
