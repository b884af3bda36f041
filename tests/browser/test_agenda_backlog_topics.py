"""Topics on the backlog in real Chromium: each issue shows the topics the worker found for it
(membership only, no figure), in English and Spanish, on a phone and a desktop, with axe; the
facilitator renames a topic on the topics page and the backlog shows the new name."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from walkthetalk.agenda import services
from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import tasks

from ..caremap.factories import small_system
from ..conversations.factories import TOPIC_THEMES, conversation
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_backlog_issues_show_their_topics_and_a_rename_reaches_them(
    live_server, sized_page: Page
) -> None:
    page, url = sized_page, live_server.url
    system = small_system()
    conversation(system, seed_statements=TOPIC_THEMES["housing"] + TOPIC_THEMES["burnout"])
    issue = [services.add_issue(system, text) for text in TOPIC_THEMES["paperwork"]][0]
    tasks.refresh_topics_of(system)
    (token,) = caremap_services.create_invitations(system, 1)
    page.goto(f"{url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    page.goto(f"{url}/agenda/backlog/")
    card = page.locator(f"#issue-{issue.public_id}")
    expect(card.locator(".issue-topics")).to_contain_text("Topics:")
    expect(card.locator(".issue-topics")).to_contain_text("billing")
    assert_accessible(page)

    user = get_user_model().objects.create_user("fac", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "facilitator")
    staff = page.context.browser.new_context()
    try:
        desk = staff.new_page()
        desk.goto(f"{url}/accounts/login/")
        desk.get_by_label("User name").fill("fac")
        desk.get_by_label("Password").fill("a-long-staff-password")
        desk.get_by_role("button", name="Sign in").click()
        desk.goto(f"{url}/conversations/topics/{system.slug}/")
        topic = desk.locator(".topics > li").filter(has_text="billing").first
        topic.get_by_label("New name").fill("Paperwork and billing")
        topic.get_by_role("button", name="Rename").click()
        expect(desk.get_by_role("status").first).to_contain_text("Renamed the topic")
        assert_accessible(desk)
    finally:
        staff.close()
    page.reload()
    expect(card.locator(".issue-topics")).to_contain_text("Paperwork and billing")
    page.context.add_cookies([{"name": "wtt_language", "value": "es", "url": url}])
    page.reload()
    expect(card.locator(".issue-topics")).to_contain_text("Temas:")
    assert_accessible(page)
