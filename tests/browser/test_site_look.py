"""The site's look in real Chromium: a favicon, and a styled, accessible page for an address
that does not exist."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_page_has_a_favicon_and_a_missing_page_is_styled(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    page.goto(f"{live_server.url}/welcome/")
    icon = page.locator("link[rel=icon]")
    href = icon.get_attribute("href")
    assert href and href.endswith(".svg")
    answer = page.request.get(f"{live_server.url}{href}")
    assert answer.ok and answer.text().startswith("<svg")
    # Browsers that ask for /favicon.ico on their own are sent to the same icon.
    legacy = page.request.get(f"{live_server.url}/favicon.ico")
    assert legacy.ok and legacy.text() == answer.text()
    missing = page.goto(f"{live_server.url}/no-such-page/")
    assert missing is not None and missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("link[rel=icon]")).to_have_count(1)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(251, 250, 247)"  # site.css is applied: not Django's bare page
    expect(page.get_by_role("link", name="Back to the start")).to_be_visible()
    assert_accessible(page)


def test_a_staff_page_shows_days_one_way_and_no_dashes_for_a_label(
    live_server, sized_page: Page
) -> None:
    """The wave page: its day as "3 December 2026", and the invitation form's unit menu
    starts with words, not Django's "---------"."""
    from django.contrib.auth import get_user_model

    from walkthetalk.caremap import services as caremap_services
    from walkthetalk.pulse import services as pulse_services

    from ..caremap.factories import small_system

    page = sized_page
    system = small_system()
    unit = system.units.get(name="Riverbend Day Team")
    wave = pulse_services.open_wave(system, "Spring pulse", [unit])
    user = get_user_model().objects.create_user("stew", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "steward")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("stew")
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/pulse/{system.slug}/waves/{wave.pk}/")
    opened = wave.opened_on
    expect(page.locator("main")).to_contain_text(f"{opened.day} {opened:%B} {opened.year}")
    assert "---------" not in page.content()
    assert_accessible(page)


FOCUS_RULE = re.compile(r"([^{}]*):focus(?![-\w])([^{}]*)\{([^}]*)\}")
RING = re.compile(r"\b(outline|box-shadow|border)(-[a-z-]+)?\s*:(?!\s*(none|0)\s*(;|$))")


def test_focus_rings_are_drawn_on_focus_visible_only() -> None:
    """A ring drawn on plain ``:focus`` shows after every mouse click too; the site draws its
    focus rings on ``:focus-visible`` (a plain ``:focus`` rule may only move or remove)."""
    sheets = sorted(Path(__file__).resolve().parents[2].glob("src/walkthetalk/*/static/**/*.css"))
    assert sheets
    drawn = [
        f"{sheet.name}: {m.group(1).strip()}:focus{m.group(2)}"
        for sheet in sheets
        for m in FOCUS_RULE.finditer(sheet.read_text())
        if RING.search(m.group(3))
    ]
    assert drawn == []
