"""Moderation at scale in real Chromium: a facilitator pastes many seeds (bad lines named, the
good ones kept only when asked), writes a moderation policy, and a participant reads it beside
"write a statement" — on a phone and a desktop, with axe."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import services
from walkthetalk.conversations.models import Conversation

from ..caremap.factories import small_system
from ..conversations.factories import SEEDS
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_pasted_seeds_policy_and_the_participant_reads_it(live_server, sized_page: Page) -> None:
    page, base = sized_page, live_server.url
    system = small_system()
    user = get_user_model().objects.create_user("fran", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "facilitator")
    conv = services.create_conversation(
        system, "Handovers", seed_statements=SEEDS, moderation=Conversation.Moderation.BEFORE
    )
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("fran")
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{base}/conversations/{conv.public_id}/manage/")
    pasted = "Handovers need more time on busy days.\nTiny\nNight staff hear about changes last."
    page.get_by_label("Add statements (one per line)").fill(pasted)
    page.get_by_role("button", name="Add statements").click()
    expect(page.locator(".errorlist")).to_contain_text("Line 2 (“Tiny”)")
    assert conv.statements.count() == len(SEEDS)  # nothing saved
    assert_accessible(page)
    page.get_by_label("If some lines cannot be added").check()
    page.get_by_role("button", name="Add statements").click()
    expect(page.get_by_role("status")).to_contain_text("Added 2 statements.")
    expect(page.get_by_role("status")).to_contain_text("Left out Line 2 (“Tiny”)")
    assert conv.statements.count() == len(SEEDS) + 2

    page.get_by_label("Moderation policy").fill("We take down names and anything unkind.")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the moderation policy")
    assert_accessible(page)

    participant = page.context.browser.new_context(viewport=page.viewport_size).new_page()
    participant.goto(f"{base}/conversations/{conv.public_id}/")
    participant.get_by_label("Treatment").check()
    participant.get_by_role("button", name="Continue").click()
    participant.get_by_label("I accept these agreements").check()
    participant.get_by_role("button", name="Accept and begin").click()
    participant.goto(f"{base}/conversations/{conv.public_id}/write/")
    policy = participant.get_by_role("region", name="How statements are moderated here")
    expect(policy).to_contain_text("We take down names and anything unkind.")
    assert_accessible(participant)
    participant.get_by_label("Your statement").fill("We need a quiet room for handovers.")
    participant.get_by_role("button", name="Add my statement").click()
    expect(participant.get_by_role("status")).to_contain_text("once a facilitator has read it")
    participant.context.close()

    page.goto(f"{base}/")
    expect(page.get_by_role("link", name="1 statement waiting for moderation")).to_be_visible()
    assert_accessible(page)
