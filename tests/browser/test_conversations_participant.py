"""A participant in real Chromium: open link, agreements, voting (keyboard alone), writing,
asking "what do you mean?" — with axe on every participant page."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.conversations import services, tasks
from walkthetalk.conversations.models import (
    ClarificationRequest,
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)

from ..caremap.factories import small_system
from ..conversations.factories import conversation, populate
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
        total = conv.statements.count()
        first = page.locator("blockquote.statement").inner_text()
        page.get_by_role("button", name="Agree", exact=True).click()
        expect(page.get_by_role("heading", level=2).first).to_contain_text("Statement 2 of")
        expect(page.get_by_text(f"{total - 1} statements left")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("“Agree” is counted")
        assert Vote.objects.count() == 1
        # The undo works without JavaScript too, and a reload never sends the vote again.
        page.reload()
        page.get_by_role("link", name="Undo your last vote").click()
        expect(page.locator("#vote-heading")).to_have_text("Change your last vote")
        expect(page.locator("blockquote.statement")).to_have_text(first)
        page.get_by_role("button", name="Pass / unsure", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("“Pass / unsure” is counted")
        assert list(Vote.objects.values_list("value", flat=True)) == [Vote.Value.PASS]
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


def _background(page: Page, name: str) -> str:
    return page.get_by_role("button", name=name, exact=True).evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )


def test_the_vote_card_does_not_anchor_tells_what_is_left_and_undoes(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    conv = conversation(small_system())
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    join_and_accept(page, live_server.url, conv, axe=False)
    mine = ConversationParticipant.objects.get()
    populate(conv, {"treatment": 12, "prevention": 12})
    tasks.refresh(conv.pk)  # common ground is released ...
    page.reload()
    total = conv.statements.count()
    expect(page.locator("#vote-heading")).to_contain_text(f"Statement 1 of {total}")
    # ... but not shown beside a statement still to vote on: no anchoring.
    expect(page.get_by_role("heading", name="Common ground so far")).to_have_count(0)
    expect(page.get_by_text("% agree")).to_have_count(0)
    expect(page.get_by_text(f"{total} statements left")).to_be_visible()
    # Agree, disagree and pass differ by colour and by an icon, not colour alone.
    colours = {_background(page, n) for n in ("Agree", "Disagree", "Pass / unsure")}
    assert len(colours) == 3, colours
    for name in ("Agree", "Disagree", "Pass / unsure"):
        button = page.get_by_role("button", name=name, exact=True)
        expect(button.locator("svg.vote-icon")).to_have_count(1)
    assert_accessible(page)
    first = page.locator("blockquote.statement").inner_text()
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.get_by_text(f"{total - 1} statements left")).to_be_visible()
    # Undo the last vote: the same statement comes back to vote on again.
    page.get_by_role("link", name="Undo your last vote").click()
    expect(page.locator("#vote-heading")).to_have_text("Change your last vote")
    expect(page.locator("blockquote.statement")).to_have_text(first)
    expect(page.get_by_role("heading", name="Common ground so far")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Disagree", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="“Disagree” is counted")).to_be_visible()
    assert list(Vote.objects.filter(participant=mine).values_list("value", flat=True)) == [-1]
    # Vote on the rest: the end screen shows the common ground and leads somewhere.
    for left in range(total - 1, 0, -1):
        expect(page.get_by_text(f"{left} statement{'s' if left > 1 else ''} left")).to_be_visible()
        page.get_by_role("button", name="Pass / unsure", exact=True).click()
    expect(page.locator("#vote-heading")).to_contain_text("You have voted on every statement")
    expect(page.get_by_role("heading", name="Common ground so far")).to_be_visible()
    expect(page.get_by_role("link", name="Back to everything open to you")).to_be_visible()
    assert_accessible(page)
    assert Vote.objects.filter(participant=mine).count() == total
    # Which statement was voted on never travels in a URL (URLs end up in access logs).
    ids = set(conv.statements.values_list("public_id", flat=True))
    assert not [u for u in urls if any(i in u for i in ids)]
