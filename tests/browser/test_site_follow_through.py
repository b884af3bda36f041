"""Follow-through without identity in real Chromium: the browser remembers what it raised,
rated and asked; the welcome page shows where each stands from the public status list, which
it fetches whole (no item named in any request) — on a phone and a desktop, with axe."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.agenda import services as agenda_services
from walkthetalk.agenda.models import AvoidedIssue
from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import services as conversation_services

from ..caremap.factories import small_system
from ..conversations.factories import SEEDS
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_welcome_page_shows_what_happened_to_what_this_browser_raised(
    live_server, sized_page: Page
) -> None:
    page, url = sized_page, live_server.url
    system = small_system()
    other = agenda_services.add_issue(system, "Interpreters are hard to get")
    unrelated = agenda_services.add_issue(system, "Parking is unsafe after dark")
    conv = conversation_services.create_conversation(system, "Hard things", seed_statements=SEEDS)
    asked = conv.statements.get(text=SEEDS[0])
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    (token,) = caremap_services.create_invitations(system, 1)
    page.goto(f"{url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()

    page.goto(f"{url}/welcome/")
    expect(page.locator("#follow-through")).to_be_hidden()  # nothing remembered yet

    page.goto(f"{url}/agenda/backlog/")
    page.get_by_label("An issue we avoid").fill("Supervision gets cancelled first")
    page.get_by_role("button", name="Add to the backlog").click()
    expect(page.get_by_role("status")).to_contain_text("your issue is in the backlog")
    assert "#" not in page.url  # the fragment was read and cleared
    card = page.locator(".issue-card", has_text=other.title)
    card.get_by_role("group", name="How important is it?").get_by_text("4", exact=True).click()
    card.get_by_role("group", name="How much do we avoid it?").get_by_text("4", exact=True).click()
    card.get_by_role("button", name="Save rating").click()
    expect(page.locator(".issue-card", has_text=other.title).get_by_role("status")).to_contain_text(
        "Saved"
    )

    page.goto(f"{url}/conversations/{conv.public_id}/agreements/")
    page.get_by_label("I accept these agreements").check()
    page.get_by_role("button", name="Accept and begin").click()
    page.goto(f"{url}/conversations/{conv.public_id}/statements/{asked.public_id}/ask/")
    page.get_by_role("button", name="Ask what this means").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for asking")

    raised = AvoidedIssue.objects.get(title="Supervision gets cancelled first")
    gathering = agenda_services.create_gathering(system, "Spring", dt.date(2026, 6, 1))
    agenda_services.record_item(
        agenda_services.add_to_agenda(gathering, raised), "Heard.", "Protect supervision."
    )
    conversation_services.clarify_statement(asked, "Forms for funders, not clinical notes.")

    page.goto(f"{url}/welcome/")
    follow = page.get_by_role("region", name="What happened to what you raised, asked or rated")
    expect(follow).to_be_visible()
    expect(follow.locator(".follow-item", has_text=raised.title)).to_contain_text("decision made")
    expect(follow.locator(".follow-item", has_text=other.title)).to_contain_text("in the backlog")
    expect(follow.locator(".follow-item", has_text=asked.text)).to_contain_text("answered")
    expect(follow.locator(".follow-item", has_text=unrelated.title)).to_have_count(0)
    assert_accessible(page)
    fetched = [r for r in requests if "follow-through" in r]
    assert fetched and all(r.endswith("/welcome/follow-through.json") for r in fetched)
    for public_id in (raised.public_id, other.public_id, asked.public_id):
        assert not [r for r in requests if public_id in r and "follow" in r]
