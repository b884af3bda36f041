"""A steward runs a wave and staff read the results in real Chromium, with axe on each page."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import Invitation
from walkthetalk.pulse import services
from walkthetalk.pulse.models import Wave

from ..caremap.factories import small_system
from ..pulse.factories import respond
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, live_server, system, role: str) -> None:
    user = get_user_model().objects.create_user(role, password="a-long-staff-password")
    caremap_services.grant_role(user, system, role)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(role)
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()


def test_steward_opens_invites_counts_and_closes_a_wave(live_server, page: Page) -> None:
    system = small_system()
    sign_in(page, live_server, system, "steward")
    page.goto(f"{live_server.url}/pulse/{system.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pulse waves of {system.name}")
    assert_accessible(page)
    page.get_by_role("link", name="Open a new wave").click()
    assert_accessible(page)
    page.get_by_role("button", name="Open the wave").click()  # nothing chosen: kind errors
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a pulse wave")
    assert Wave.objects.count() == 0
    page.get_by_label("Title").fill("Spring pulse")
    page.get_by_label("Riverbend Recovery (organization)").check()
    page.get_by_role("button", name="Open the wave").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring pulse")
    assert_accessible(page)
    wave = Wave.objects.get()
    assert wave.min_group_size == 5

    page.get_by_label("How many invitations").fill("4")
    page.get_by_label("Unit").fill("Riverbend Day Team")
    page.get_by_label("Level").select_option(label="Direct care")
    page.get_by_role("button", name="Make invitations").click()
    expect(page.get_by_role("alert")).to_contain_text("too few to keep their answers anonymous")
    assert not Invitation.objects.exists()
    page.get_by_label("How many invitations").fill("5")
    page.get_by_role("button", name="Make invitations").click()
    links = page.get_by_role("textbox", name="Invitation links").input_value().split()
    assert len(links) == 5 and all("/join/?t=" in link for link in links)
    assert Invitation.objects.filter(unit__name="Riverbend Day Team").count() == 5
    assert_accessible(page)
    page.reload()  # the same links again, and no second batch
    assert page.get_by_role("textbox", name="Invitation links").input_value().split() == links
    assert Invitation.objects.count() == 5
    page.get_by_role("link", name="Printable sheet with QR codes").click()
    expect(page.locator(".slip img")).to_have_count(5)
    assert_accessible(page)
    page.get_by_role("link", name="Back to invitations").click()
    counts = page.get_by_role("table", name="Responses so far by level")
    expect(counts).to_contain_text("Everyone who answered")

    page.get_by_role("spinbutton", name="Minimum group size").fill("3")
    page.get_by_role("button", name="Raise the minimum").click()
    expect(page.locator(".messages")).to_contain_text("never lowered")
    # Closing asks first: nothing happens until it is confirmed.
    page.get_by_text("Close this wave…").click()
    expect(page.get_by_text("cannot be opened again")).to_be_visible()
    assert_accessible(page)
    wave.refresh_from_db()
    assert wave.is_open
    page.get_by_role("button", name="Yes, close “Spring pulse”").click()
    expect(page.locator(".messages")).to_contain_text("is closed")
    wave.refresh_from_db()
    assert not wave.is_open and wave.min_group_size == 5


def test_leader_reads_the_dashboard_with_charts_and_tables(live_server, page: Page) -> None:
    system = small_system()
    org = system.units.get(name="Riverbend Recovery")
    team = system.units.get(name="Riverbend Day Team")
    program = system.units.get(name="Riverbend Outpatient")
    first = services.open_wave(system, "Autumn pulse", [org])
    respond(first, 6, unit=team, level=system.levels.get(name="Direct care"), value=3)
    services.close_wave(first)
    wave = services.open_wave(system, "Spring pulse", [org])
    for value in (4, 4, 5, 3, 4, 4):
        respond(wave, 1, unit=team, level=system.levels.get(name="Direct care"), value=value)
    for value in (2, 3, 3, 2, 3, 4):
        respond(wave, 1, unit=program, level=system.levels.get(name="Supervisors"), value=value)
    for value in (3, 2, 2, 3, 2):
        respond(wave, 1, unit=org, level=system.levels.get(name="Leadership"), value=value)
    sign_in(page, live_server, system, "leader")
    page.goto(f"{live_server.url}/pulse/{system.slug}/")
    page.get_by_role("link", name="Results of Spring pulse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results: Spring pulse")
    heat = page.get_by_role("img", name="Heatmap of the share favourable")
    expect(heat).to_be_visible()
    table = page.get_by_role("table", name="Mean score by healthy way and level")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Strengths we draw on")
    expect(table).to_contain_text("We learn from mistakes (Don't make a mistake)")
    mirrors = page.get_by_role("table", name="Neighbouring levels: how their profiles agree")
    expect(mirrors).to_contain_text("Supervisors and Direct care")
    expect(page.get_by_text("→")).to_have_count(0)  # no arrows: no direction is claimed
    expect(page.get_by_role("table", name="Measurement invariance")).to_contain_text("not tested")
    expect(
        page.get_by_role("table", name="Agreement and reliability within levels")
    ).to_contain_text("We talk openly")
    expect(page.get_by_role("table", name="Item non-response by level")).to_be_visible()
    expect(page.get_by_role("img", name="Small charts of the share favourable")).to_be_visible()
    expect(page.get_by_role("table", name="Mean score by wave")).to_contain_text("Autumn pulse")
    expect(table).to_contain_text("Leadership (n=5)")
    assert_accessible(page)
    page.get_by_label("Healthy way", exact=True).select_option(label="We learn from mistakes")
    # the same form works without JavaScript: a GET with the healthy way
    page.get_by_label("Healthy way", exact=True).press("Tab")
    page.keyboard.press("Enter")
    # a fresh page load computes the cross-level estimate for this scale: on a loaded machine
    # that can take longer than the default five seconds
    expect(page.get_by_role("table", name="We learn from mistakes by unit")).to_be_visible(
        timeout=60_000
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the figures (CSV)").click()
    body = open(download.value.path(), encoding="utf-8").read()
    assert body.startswith("wave,group_type,group,responses")


def _smallest_text_px(page: Page, img) -> float:
    """The smallest text of an SVG chart as drawn on the page, in CSS pixels."""
    # a lazy image may still be on its way: wait until it has loaded (and loaded an image)
    page.wait_for_function("e => e.complete && e.naturalWidth > 0", arg=img.element_handle())
    src = img.get_attribute("src")
    assert src and not src.startswith("data:")
    svg = page.request.get(page.url.split("/pulse/")[0] + src).text()
    view_width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))  # type: ignore[union-attr]
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    drawn = img.evaluate("e => e.getBoundingClientRect().width")
    return min(sizes) * drawn / view_width


def test_the_dashboard_leads_with_favourable_and_drills_from_system_to_team(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    system = small_system()
    org = system.units.get(name="Riverbend Recovery")
    team = system.units.get(name="Riverbend Day Team")
    program = system.units.get(name="Riverbend Outpatient")
    direct, sup = system.levels.get(name="Direct care"), system.levels.get(name="Supervisors")
    first = services.open_wave(system, "Autumn pulse", [org])
    for value in (2, 2, 4, 3, 2, 5):
        respond(first, 1, unit=team, level=direct, value=value)
    services.close_wave(first)
    wave = services.open_wave(system, "Spring pulse", [org])
    for value in (4, 4, 5, 3, 4, 2):
        respond(wave, 1, unit=team, level=direct, value=value)
    for value in (2, 3, 4, 2, 3, 5):
        respond(wave, 1, unit=program, level=sup, value=value)
    sign_in(page, live_server, system, "leader")
    page.goto(f"{live_server.url}/pulse/{system.slug}/waves/{wave.pk}/dashboard/")
    lead = page.get_by_role("table", name="% favourable by healthy way")
    expect(lead).to_be_visible()
    expect(lead.get_by_role("columnheader").nth(1)).to_have_text("% favourable (95% interval)")
    expect(lead).to_contain_text("points")  # the change since Autumn pulse, with its interval
    by_level = page.get_by_role("table", name="Each level's % favourable on each healthy way")
    expect(by_level).to_contain_text("Direct care")
    expect(by_level).to_contain_text("points")  # and each level's own change
    expect(page.get_by_text("% favourable", exact=True).first).to_be_visible()  # what it means
    for name in ("Heatmap of the share favourable", "Share favourable on", "Small charts"):
        img = page.get_by_role("img", name=re.compile("^" + name))
        img.scroll_into_view_if_needed()
        expect(img).to_be_visible()
        assert _smallest_text_px(page, img) >= 9.5, name
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert_accessible(page)
    # drill: system → organisation → program → team, by plain links
    page.get_by_role("region", name="Table of units").get_by_role(
        "link", name="Riverbend Recovery"
    ).click()
    expect(page.locator("#lead-h")).to_contain_text("Riverbend Recovery")
    page.get_by_role("link", name="Riverbend Outpatient").click()
    # The program's page loaded before its team's link is clicked (a click on a page still
    # loading can be lost).
    expect(page.locator("#lead-h")).to_contain_text("Riverbend Outpatient")
    page.get_by_role("link", name="Riverbend Day Team").click()
    expect(page.locator("#lead-h")).to_contain_text("Riverbend Day Team")
    crumbs = page.get_by_role("navigation", name="Where you are")
    expect(crumbs.get_by_role("link", name="Whole system")).to_be_visible()
    assert_accessible(page)
    # filter by sector, a GET form that works without JavaScript
    crumbs.get_by_role("link", name="Whole system").click()
    page.get_by_label("or sector").select_option(label="Treatment")
    page.get_by_label("Unit", exact=True).select_option(label="Whole system")
    page.get_by_role("button", name="Show").first.click()
    expect(page.locator("#lead-h")).to_contain_text("Sector: Treatment")
    assert_accessible(page)
