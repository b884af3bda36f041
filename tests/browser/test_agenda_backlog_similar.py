"""Raising an avoided issue in real Chromium: open issues like it are shown while typing (htmx),
the person can rate one instead or add theirs anyway — on a phone and a desktop, with axe."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.agenda import services
from walkthetalk.agenda.models import AvoidedIssue
from walkthetalk.caremap import services as caremap_services

from ..caremap.factories import small_system
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_similar_issues_come_first_and_can_be_rated(live_server, sized_page: Page) -> None:
    page, url = sized_page, live_server.url
    system = small_system()
    existing = services.add_issue(system, "Burnout is treated as a personal problem")
    (token,) = caremap_services.create_invitations(system, 1)
    page.goto(f"{url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    page.goto(f"{url}/agenda/backlog/")
    page.get_by_label("An issue we avoid").fill("Burnout gets treated as a personal failing")
    similar = page.get_by_role("region", name="Someone may have raised this already")
    expect(similar).to_contain_text(existing.title)
    assert_accessible(page)
    similar.get_by_role("link", name="Rate this one").click()
    expect(page).to_have_url(f"{url}/agenda/backlog/#issue-{existing.public_id}")
    page.get_by_label("An issue we avoid").fill("Burnout gets treated as a personal failing")
    page.get_by_role("button", name="Add to the backlog").click()
    page.get_by_role("button", name="Add mine anyway").click()
    expect(page.get_by_role("status")).to_contain_text("your issue is in the backlog")
    assert_accessible(page)
    assert AvoidedIssue.objects.count() == 2
