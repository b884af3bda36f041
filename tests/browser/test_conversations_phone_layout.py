"""Phone-sized layout and flow checks found by walking the demo: the agreements tick box sits
beside its words with a target big enough for a thumb, and after "what do you mean?" the
participant comes back to the same statement."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.conversations.models import ClarificationRequest

from ..caremap.factories import small_system
from ..conversations.factories import conversation
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_agreements_tick_box_sits_beside_its_label_and_is_big_enough(
    live_server, page: Page
) -> None:
    conv = conversation(small_system())
    page.goto(f"{live_server.url}/conversations/{conv.public_id}/join/")
    page.get_by_label("Treatment").check()
    page.get_by_role("button", name="Continue").click()
    box = page.locator("#accept").bounding_box()
    label = page.locator("label[for=accept]").bounding_box()
    assert box and label
    assert box["width"] >= 24 and box["height"] >= 24  # WCAG 2.2 target size
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 8
    assert label["x"] > box["x"] + box["width"]  # on the same row, to its right
    page.get_by_text("I accept these agreements").click()  # the words tick the box
    expect(page.locator("#accept")).to_be_checked()
    assert_accessible(page)


def test_after_asking_what_it_means_the_same_statement_comes_back(live_server, page: Page) -> None:
    conv = conversation(small_system())
    page.goto(f"{live_server.url}/conversations/{conv.public_id}/join/")
    page.get_by_label("Treatment").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I accept these agreements").check()
    page.get_by_role("button", name="Accept and begin").click()
    asked_text = page.locator("#vote-card blockquote").inner_text()
    page.get_by_role("link", name="What do you mean? Ask for a clarification").click()
    page.get_by_role("button", name="Ask what this means").click()
    expect(page.get_by_text("Thank you for asking")).to_be_visible()
    expect(page.locator("#vote-card blockquote")).to_have_text(asked_text)
    assert ClarificationRequest.objects.get().statement.text == asked_text
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.locator("#vote-heading")).to_contain_text("Statement 2 of")
    assert_accessible(page)
