"""The participant's home, with every part open to them, in real Chromium: axe and keyboard."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.conversations import services as conversation_services
from walkthetalk.messenger import services as messenger_services
from walkthetalk.pulse import services as pulse_services

from ..caremap.factories import small_system
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_welcome_lists_everything_open_and_is_accessible(live_server, page: Page) -> None:
    system = small_system()
    team = system.units.get(name="Riverbend Day Team")
    wave = pulse_services.open_wave(system, "Spring pulse", [team])
    conversation_services.create_conversation(
        system, "What do we avoid talking about?", seed_statements=["We rarely talk openly."]
    )
    messenger_services.add_leadership_role(system, "Clinical Director")
    token = pulse_services.make_batch(wave, 5, unit=team, sector=team.sector).tokens[0]
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You're in")
    for name in ["Answer “Spring pulse”", "What do we avoid talking about?",
                 "Issues we avoid — add one and rate others", "Send a concern anonymously",
                 "Read replies with your receipt code"]:  # fmt: skip
        expect(page.get_by_role("link", name=name)).to_be_visible()
    assert_accessible(page)
    # Keyboard alone reaches the pulse and opens it.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").startswith("Answer"):
            break
    page.keyboard.press("Enter")
    expect(page.get_by_text("Part 1 of 9")).to_be_visible()  # instrument 1.1: nine parts


def test_reopening_ones_own_invitation_link_leads_back_in(live_server, sized_page: Page) -> None:
    page = sized_page
    system = small_system()
    team = system.units.get(name="Riverbend Day Team")
    wave = pulse_services.open_wave(system, "Spring pulse", [team])
    token = pulse_services.make_batch(wave, 5, unit=team, sector=team.sector).tokens[0]
    link = f"{live_server.url}/join/?t={token}"
    page.goto(link)
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You're in")
    # The natural way back: the same link, in the same browser, with the pass it gave.
    page.goto(link)
    expect(page).to_have_url(f"{live_server.url}/welcome/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("You're in")
    expect(page.get_by_text("Welcome back")).to_be_visible()
    expect(page.get_by_role("link", name="Answer “Spring pulse”")).to_be_visible()
    assert_accessible(page)
    # Another browser without the pass still cannot use the spent link.
    other = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        stranger = other.new_page()
        stranger.goto(link)
        stranger.get_by_role("button", name="Start").click()
        expect(stranger.get_by_role("heading", level=1)).to_have_text(
            "This link can't be used again"
        )
    finally:
        other.close()
