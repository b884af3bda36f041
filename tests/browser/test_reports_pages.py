"""A published conversation report, as participants and partners open it: axe in English and,
after the language switch, in Spanish."""

import pytest
from playwright.sync_api import Page, expect

from walkthetalk.reports import services

from ..caremap.factories import small_system
from ..conversations.factories import conversation, with_results
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_published_report_reads_in_english_and_in_spanish(live_server, page: Page) -> None:
    conv = conversation(small_system())
    with_results(conv)
    token = services.publish_report(conv)
    page.goto(f"{live_server.url}/reports/shared/{token}/")
    expect(page.get_by_role("heading", name="Opinion groups")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Grupos de opinión")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert_accessible(page)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("wtt_language") == "es" and "sessionid" not in cookies
