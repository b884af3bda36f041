"""Where you stand in real Chromium: after voting enough, a participant sees their own opinion
group on the map ("you are here") and how their group sees the statements that divide — on a
phone and a desktop, with axe; before that, how many votes are still needed."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.conversations import tasks

from ..caremap.factories import small_system
from ..conversations.factories import CONSENSUS, SEEDS, conversation, populate
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def _choice(text: str, side: int) -> str:
    """How one camp of ``populate`` votes on a seed statement (no noise)."""
    if text in CONSENSUS:
        return "Agree"
    j = SEEDS.index(text)
    lean = side if j % 2 else -side
    return "Agree" if lean > 0 else "Disagree"


def test_after_voting_enough_you_see_your_group_and_the_divides(
    live_server, sized_page: Page
) -> None:
    page, base = sized_page, live_server.url
    conv = conversation(small_system())
    populate(conv, {"treatment": 12, "prevention": 12})
    tasks.refresh(conv.pk)
    page.goto(f"{base}/conversations/{conv.public_id}/")
    page.get_by_label("Treatment").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I accept these agreements").check()
    page.get_by_role("button", name="Accept and begin").click()

    page.get_by_role("link", name="Where you stand").click()
    expect(page.get_by_role("status")).to_contain_text("Vote on 7 more statements")
    expect(page.get_by_text("You are here")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Keep voting").click()
    for _ in range(len(SEEDS)):
        text = page.locator("#vote-card blockquote.statement").inner_text().strip()
        page.get_by_role("button", name=_choice(text, 1), exact=True).click()
        page.wait_for_load_state()
    page.goto(f"{base}/conversations/{conv.public_id}/stand/")
    expect(page.locator("#your-group")).to_contain_text("you stand with group")
    expect(page.get_by_role("img", name="you are here")).to_be_visible()
    expect(
        page.get_by_role("heading", name="How your group sees the statements that divide")
    ).to_be_visible()
    expect(page.locator(".divide").first).to_contain_text("Your group:")
    expect(page.locator(".divide").first).to_contain_text("You ")
    assert_accessible(page)
    # The map fits the phone's width (no sideways scrolling).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
