"""A participant answers a pulse on a phone in real Chromium: keyboard, errors, thanks, axe."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.pulse import services
from walkthetalk.pulse.models import Response

from ..caremap.factories import small_system
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

PARTS = 9  # instrument 1.1: 48 statements in parts of 6, then 4 "how often" ones


def first_part_by_keyboard_with_a_kind_error(page: Page) -> None:
    """Part 1: keyboard alone chooses an answer; a part sent half done is asked for kindly."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring pulse")
    expect(page.get_by_text(f"Part 1 of {PARTS}")).to_be_visible()
    # No scale headings: nothing names the healthy way a statement belongs to.
    expect(page.get_by_text("We talk openly")).to_have_count(0)
    assert_accessible(page)
    # Keyboard alone: Tab reaches the first radio group, arrows choose within it.
    groups = page.locator("fieldset.pulse-item")
    first_name = groups.first.locator("legend").inner_text()
    first = page.get_by_role("group", name=first_name)
    first.get_by_label("Not at all true for us").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(first.get_by_label("A little true for us")).to_be_checked()
    # Sending a part with a statement left out asks kindly and keeps what was chosen.
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_contain_text("Please choose an answer for each statement")
    expect(
        page.get_by_role("group", name=first_name).get_by_label("A little true for us")
    ).to_be_checked()
    assert_accessible(page)


def fill_part(page: Page, number: int, answered: dict[str, str]) -> None:
    """Answer every open statement of part ``number``; part 2 skips one and marks one n/a."""
    groups = page.locator("fieldset.pulse-item")
    for i in range(groups.count()):
        group = groups.nth(i)
        name = group.locator("input").first.get_attribute("name") or ""
        if number == 2 and i == 0:
            group.get_by_label("Prefer not to say").check()
            answered["skipped"] = name
        elif number == 2 and i == 1:
            group.get_by_label("Does not apply to us").check()
            answered["not_applicable"] = name
        elif not group.locator("input:checked").count():
            group.get_by_label("Often" if number == PARTS else "Mostly true for us").check()


def back_to_part_two_and_on(page: Page) -> None:
    """Going back keeps the answers already given."""
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_text(f"Part 2 of {PARTS}")).to_be_visible()
    expect(
        page.locator("fieldset.pulse-item").first.get_by_label("Prefer not to say")
    ).to_be_checked()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text(f"Part 3 of {PARTS}")).to_be_visible()
    groups = page.locator("fieldset.pulse-item")
    for i in range(groups.count()):
        groups.nth(i).get_by_label("Mostly true for us").check()


def answer_every_part(page: Page) -> dict[str, str]:
    """Answer all parts; returns the items skipped and marked "does not apply"."""
    answered: dict[str, str] = {}
    for number in range(1, PARTS + 1):
        expect(page.get_by_text(f"Part {number} of {PARTS}")).to_be_visible()
        fill_part(page, number, answered)
        if number == PARTS:  # the "how often" statements have their own answers
            expect(
                page.get_by_role("heading", name="How often, in the last month?")
            ).to_be_visible()
            assert_accessible(page)
        if number == 3:
            back_to_part_two_and_on(page)
        last = number == PARTS
        page.get_by_role("button", name="Send my answers" if last else "Next").click()
    return answered


def test_participant_answers_a_pulse_on_a_phone(live_server, page: Page) -> None:
    system = small_system()
    wave = services.open_wave(system, "Spring pulse", [system.units.get(name="Riverbend Recovery")])
    team = system.units.get(name="Riverbend Day Team")
    direct_care = system.levels.get(name="Direct care")
    token = services.make_batch(wave, 5, unit=team, level=direct_care).tokens[0]
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You're in")

    page.goto(f"{live_server.url}/pulse/w/{wave.pk}/")
    first_part_by_keyboard_with_a_kind_error(page)
    answered = answer_every_part(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you — your answers are in")
    assert_accessible(page)
    response = Response.objects.get()
    first_id = next(k for k, v in response.answers.items() if v == 2.0)
    assert response.answers[first_id] == 2.0
    assert response.answers[answered["skipped"]] is None
    assert response.answers[answered["not_applicable"]] == "na"
    assert response.answers["strengths_5"] == 4.0
    assert response.unit == team

    # Coming back: a kind word, and nothing changes.
    page.goto(f"{live_server.url}/pulse/w/{wave.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("already answered")
    assert_accessible(page)
    assert Response.objects.count() == 1


def test_the_browser_back_and_reload_buttons_keep_answers(live_server, page: Page) -> None:
    system = small_system()
    wave = services.open_wave(system, "Spring pulse", [system.units.get(name="Riverbend Recovery")])
    team = system.units.get(name="Riverbend Day Team")
    token = services.make_batch(wave, 5, unit=team).tokens[0]
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    page.goto(f"{live_server.url}/pulse/w/{wave.pk}/")
    groups = page.locator("fieldset.pulse-item")
    for i in range(groups.count()):
        groups.nth(i).get_by_label("Somewhat true for us").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text(f"Part 2 of {PARTS}")).to_be_visible()
    page.reload()
    expect(page.get_by_text(f"Part 2 of {PARTS}")).to_be_visible()
    page.go_back()
    expect(page.get_by_text(f"Part 1 of {PARTS}")).to_be_visible()
    expect(
        page.locator("fieldset.pulse-item").first.get_by_label("Somewhat true for us")
    ).to_be_checked()
    assert_accessible(page)
    assert Response.objects.count() == 0


def test_the_thanks_page_says_when_and_where_results_come(live_server, sized_page: Page) -> None:
    page = sized_page
    system = small_system()
    wave = services.open_wave(system, "Spring pulse", [system.units.get(name="Riverbend Recovery")])
    page.goto(f"{live_server.url}/pulse/w/{wave.pk}/thanks/")
    results = page.get_by_role("region", name="When and where the results come")
    expect(results).to_contain_text("once “Spring pulse” closes")
    expect(results).to_contain_text(f"groups of at least {wave.min_group_size} people")
    expect(results.get_by_role("link", name="You said, we did")).to_be_visible()
    expect(page.get_by_role("link", name="Back to everything open to you")).to_be_visible()
    assert_accessible(page)
    services.close_wave(wave)
    page.reload()
    expect(results).to_contain_text("closed on")
    results.get_by_role("link", name="You said, we did").click()
    expect(page).to_have_url(f"{live_server.url}/agenda/you-said-we-did/")
