"""Near-duplicates in real Chromium: while a participant types, statements already published
that say the same are shown first (htmx); they can vote on one instead, or add theirs anyway —
on a phone and a desktop, with axe."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.conversations import services

from ..caremap.factories import small_system
from ..conversations.factories import SEEDS
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_similar_statements_come_first_and_can_be_voted_on(live_server, sized_page: Page) -> None:
    page, base = sized_page, live_server.url
    system = small_system()
    conv = services.create_conversation(
        system, "Talking about the hard things", seed_statements=SEEDS
    )
    page.goto(f"{base}/conversations/{conv.public_id}/")
    page.get_by_label("Treatment").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I accept these agreements").check()
    page.get_by_role("button", name="Accept and begin").click()
    page.goto(f"{base}/conversations/{conv.public_id}/write/")

    page.get_by_label("Your statement").fill("We hardly ever talk openly about our mistakes.")
    similar = page.get_by_role("region", name="Someone may have said this already")
    expect(similar).to_contain_text("We rarely talk openly about mistakes.")  # while typing
    assert_accessible(page)
    similar.get_by_role("link", name="Vote on this one").click()
    expect(page.locator("#vote-heading")).to_be_visible()
    expect(page.locator("#vote-card blockquote.statement")).to_have_text(
        "We rarely talk openly about mistakes."
    )
    assert_accessible(page)

    page.goto(f"{base}/conversations/{conv.public_id}/write/")
    page.get_by_label("Your statement").fill("We hardly ever talk openly about our mistakes.")
    page.get_by_role("button", name="Add my statement").click()
    expect(page.get_by_role("button", name="Add mine anyway")).to_be_visible()
    page.get_by_role("button", name="Add mine anyway").click()
    expect(page.get_by_role("status")).to_contain_text("Your statement is now in the conversation")
    assert conv.statements.filter(text="We hardly ever talk openly about our mistakes.").exists()
