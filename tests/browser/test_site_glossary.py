"""The glossary: plain words for every figure, in English and Spanish, on a phone and a
desktop, with axe; pages that show figures link to its entries."""

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_glossary_explains_each_figure_plainly_in_english_and_spanish(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    page.goto(f"{live_server.url}/glossary/#strain")
    expect(page.get_by_role("heading", level=1)).to_have_text("What the figures mean")
    terms = page.locator("dl.glossary dt")
    expect(terms).to_have_count(10)
    expect(page.locator("#strain")).to_be_in_viewport()
    expect(page.locator("#strain + dd")).to_contain_text("a higher figure is worse")
    expect(page.locator("#minimum-group-size + dd")).to_contain_text("a dash (—) is shown")
    assert_accessible(page)
    page.context.add_cookies([{"name": "wtt_language", "value": "es", "url": live_server.url}])
    page.goto(f"{live_server.url}/glossary/#divide")  # only the fragment changes: reload
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Qué significan las cifras")
    expect(page.locator("#divide")).to_have_text("División")
    expect(page.locator("#divide + dd")).to_contain_text("no culpa a nadie")
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page)
