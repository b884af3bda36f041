"""The care map and the invitation flow in real Chromium, with axe on every participant page."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from walkthetalk.caremap import services
from walkthetalk.caremap.models import Invitation

from ..caremap.factories import small_system, thousand_unit_system
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_participant_joins_from_an_invitation(live_server, page: Page) -> None:
    system = small_system()
    (token,) = services.create_invitations(system, 1)
    page.goto(f"{live_server.url}/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/join/?t={token}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("invited")
    assert_accessible(page)
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You're in")
    assert_accessible(page)
    assert Invitation.objects.get().used_on is not None
    # The same link in the same browser leads back in; elsewhere it gets a plain explanation.
    page.goto(f"{live_server.url}/join/?t={token}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("You're in")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("alert")).to_contain_text("already been used")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link can't be used again")
    expect(page.get_by_label("Invitation code")).to_have_value("")
    assert_accessible(page)


def test_steward_edits_the_map_and_makes_invitations(live_server, page: Page) -> None:
    system = small_system()
    user = get_user_model().objects.create_user("sam", password="a-long-staff-password")
    services.grant_role(user, system, "steward")
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Care map").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Testland System of Care")
    page.locator("#id_name").fill("Lakeshore Youth Alliance")
    page.get_by_label("Kind").select_option(label="Organization")
    page.get_by_label("Parent").fill("Testland Health Department")
    page.get_by_role("button", name="Add unit").click()
    expect(page.locator(".tree")).to_contain_text("Lakeshore Youth Alliance")
    assert_accessible(page)
    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("How many invitations").fill("3")
    page.get_by_role("button", name="Make invitations").click()
    links = page.get_by_role("textbox", name="Invitation links").input_value().split()
    assert len(links) == 3 and all("/join/?t=" in link for link in links)
    assert Invitation.objects.count() == 3


def _sign_in_steward(page: Page, base: str, system) -> None:
    user = get_user_model().objects.create_user("sam", password="a-long-staff-password")
    services.grant_role(user, system, "steward")
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()


def test_invitations_survive_reload_print_as_qr_slips_and_download(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    system = small_system()
    _sign_in_steward(page, live_server.url, system)
    page.goto(f"{live_server.url}/map/{system.slug}/invitations/")
    expect(page.get_by_label("How many invitations")).to_be_visible()
    expect(page.locator("select option", has_text="---------")).to_have_count(0)
    page.get_by_label("How many invitations").fill("6")
    page.get_by_label("Name for this sheet of links").fill("Riverbend staff meeting")
    page.get_by_role("button", name="Make invitations").click()
    links = page.get_by_role("textbox", name="Invitation links").input_value().split()
    assert len(links) == 6 and Invitation.objects.count() == 6
    assert_accessible(page)
    # Reload and Back/Forward show the same links and never make a second batch.
    page.reload()
    assert page.get_by_role("textbox", name="Invitation links").input_value().split() == links
    page.go_back()
    page.go_forward()
    assert Invitation.objects.count() == 6
    # Short codes without look-alike letters, easy to type from paper.
    codes = [link.split("?t=")[1] for link in links]
    for code in codes:
        assert len(code) == 19 and not set(code) & set("01OIL")
    # A printable sheet: one slip per link, each with a QR code and its code.
    page.get_by_role("link", name="Printable sheet with QR codes").click()
    expect(page.locator(".slip")).to_have_count(6)
    expect(page.locator(".slip img[src^='data:image/svg+xml']")).to_have_count(6)
    expect(page.locator(".slip-code")).to_have_text(codes)
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    page.emulate_media(media="screen")
    # A CSV of the same codes and links.
    response = page.request.get(f"{live_server.url}/map/{system.slug}/invitations/links.csv")
    rows = response.text().strip().splitlines()
    assert rows[0] == "code,link" and [r.split(",")[0] for r in rows[1:]] == codes
    # A code typed from paper, in lower case with spaces, works once.
    other = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        stranger = other.new_page()
        stranger.goto(f"{live_server.url}/join/")
        stranger.get_by_label("Invitation code").fill(codes[0].lower().replace("-", " "))
        stranger.get_by_role("button", name="Start").click()
        expect(stranger.get_by_role("heading", level=1)).to_contain_text("You're in")
    finally:
        other.close()
    assert Invitation.objects.filter(used_on__isnull=False).count() == 1
    # Done: the links are no longer shown on this browser.
    page.goto(f"{live_server.url}/map/{system.slug}/invitations/")
    page.get_by_role("button", name="Done — stop showing these links here").click()
    expect(page.get_by_role("textbox", name="Invitation links")).to_have_count(0)


def test_the_import_page_offers_an_example_and_both_invitation_pages_say_which_to_use(
    live_server, sized_page: Page
) -> None:
    from walkthetalk.pulse import services as pulse_services

    page = sized_page
    system = small_system()
    wave = pulse_services.open_wave(
        system, "Spring pulse", [system.units.get(name="Riverbend Day Team")]
    )
    user = get_user_model().objects.create_user("stew", password="a-long-staff-password")
    services.grant_role(user, system, "steward")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("stew")
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/map/{system.slug}/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name="the same units as CSV").click()
    example = download.value
    assert example.suggested_filename == "example-map.csv"
    assert open(example.path(), encoding="utf-8").readline().strip() == "name,kind,parent,sector"
    assert_accessible(page)
    for url in (f"/map/{system.slug}/invitations/", f"/pulse/{system.slug}/waves/{wave.pk}/"):
        page.goto(f"{live_server.url}{url}")
        page.get_by_text("Which invitations should I make here?").click()
        expect(page.get_by_text("On a pulse wave's page")).to_be_visible()
        expect(page.get_by_text("On the care map's invitations page")).to_be_visible()
        assert_accessible(page)


def test_a_map_of_1000_units_is_a_tree_to_search_and_pick_from(
    live_server, sized_page: Page
) -> None:
    from walkthetalk.caremap.models import Unit

    page = sized_page
    system = thousand_unit_system()
    _sign_in_steward(page, live_server.url, system)
    page.goto(f"{live_server.url}/map/{system.slug}/")
    # The tree shows its ten agencies, each branch closed: a page, not 9,000 px of units.
    tree = page.locator("#units-tree")
    expect(tree.locator("li:visible")).to_have_count(10)
    assert page.evaluate("document.documentElement.scrollHeight") < 4000
    assert_accessible(page)
    # Typeahead (the local script): only the match and the units above it stay, opened.
    page.get_by_role("searchbox", name="Find a unit by name").fill("team 0457")
    expect(tree.locator("li:visible")).to_have_count(4)
    expect(tree.locator(".unit-name", has_text="Team 0457")).to_be_visible()
    expect(page.locator(".unit-search [role=status]")).to_have_text("1 unit found")
    # Enter sends the search: the server draws only the match and the units above it.
    page.get_by_role("searchbox", name="Find a unit by name").press("Enter")
    expect(page.locator("#units-tree mark")).to_have_text("Team 0457")
    expect(page.locator(".unit-search [role=status]")).to_have_text("1 unit match “team 0457”")
    expect(tree.locator("li:visible")).to_have_count(4)
    assert_accessible(page)
    # A parent is chosen by typing its name (the browser offers the names, with where each sits).
    page.goto(f"{live_server.url}/map/{system.slug}/")
    option = page.locator("#id_parent-names option[value='Program 114']")
    expect(option).to_have_text("in Agency 06 › Organization 23")
    page.locator("#id_name").fill("Harbour Night Team")
    page.get_by_label("Kind").select_option(label="Team")
    page.get_by_label("Parent").fill("Program 999")
    page.get_by_role("button", name="Add unit").click()
    expect(page.locator(".messages")).to_contain_text("No unit is called “Program 999”")
    assert not Unit.objects.filter(name="Harbour Night Team").exists()
    page.locator("#id_name").fill("Harbour Night Team")
    page.get_by_label("Kind").select_option(label="Team")
    page.get_by_label("Parent").fill("program 114")
    page.get_by_role("button", name="Add unit").click()
    expect(page.locator(".messages")).to_contain_text("Added Harbour Night Team")
    assert Unit.objects.get(name="Harbour Night Team").parent.name == "Program 114"  # type: ignore[union-attr]


def test_units_of_a_1000_unit_map_are_picked_from_a_tree_or_by_typing(
    live_server, sized_page: Page
) -> None:
    from walkthetalk.pulse.models import Wave

    page = sized_page
    system = thousand_unit_system()
    _sign_in_steward(page, live_server.url, system)
    # Opening a wave: the units to cover as a tree of checkboxes, with a filter.
    page.goto(f"{live_server.url}/pulse/{system.slug}/new/")
    picker = page.locator("#wave-units")
    expect(picker.locator("li:visible")).to_have_count(10)
    assert_accessible(page)
    page.get_by_label("Title").fill("Harbour pulse")
    page.get_by_role("searchbox", name="Find a unit by name").fill("organization 28")
    page.get_by_role("searchbox", name="Find a unit by name").press("Enter")  # sends nothing
    assert Wave.objects.count() == 0
    page.get_by_label("Organization 28 (organization)").check()
    page.get_by_role("button", name="Open the wave").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour pulse")
    assert [u.name for u in Wave.objects.get().units.all()] == ["Organization 28"]
    # A batch's unit: typed, among the units the wave covers only.
    expect(page.locator("#id_unit-names option")).to_have_count(1 + 5 + 20)
    page.get_by_label("How many invitations").fill("5")
    page.get_by_label("Unit").fill("Team 0541")
    page.get_by_role("button", name="Make invitations").click()
    expect(page.get_by_role("textbox", name="Invitation links")).to_be_visible()
    assert Invitation.objects.filter(unit__name="Team 0541").count() == 5
    expect(page.get_by_role("link", name="the care map's invitations page")).to_have_attribute(
        "href", f"/map/{system.slug}/invitations/#batches"
    )
    assert_accessible(page)
    # The care map's own invitations: any unit of the map, typed the same way.
    page.goto(f"{live_server.url}/map/{system.slug}/invitations/")
    page.get_by_label("How many invitations").fill("5")
    page.get_by_label("Unit").fill("Team 0457")
    page.get_by_role("button", name="Make invitations").click()
    expect(page.get_by_role("textbox", name="Invitation links")).to_be_visible()
    assert Invitation.objects.filter(unit__name="Team 0457").count() == 5
    assert_accessible(page)


def test_the_unit_tree_opens_and_searches_without_javascript(live_server, browser) -> None:
    system = thousand_unit_system()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        _sign_in_steward(page, live_server.url, system)
        page.goto(f"{live_server.url}/map/{system.slug}/")
        tree = page.locator("#units-tree")
        expect(tree.locator("li:visible")).to_have_count(10)
        tree.get_by_text("104 below Agency 01").click()
        expect(tree.locator("li:visible")).to_have_count(10 + 4)
        page.get_by_role("searchbox", name="Find a unit by name").fill("Program 114")
        page.get_by_role("button", name="Find").click()
        expect(page.locator("#units-tree mark")).to_have_text("Program 114")
        # The units above it, it, and (a short list is drawn open) the units below it.
        expect(tree.locator("li:visible")).to_have_count(3 + 4)
        page.goto(f"{live_server.url}/pulse/{system.slug}/new/")
        expect(page.get_by_role("searchbox", name="Find a unit by name")).to_be_hidden()
        page.locator("#wave-units").get_by_text("104 below Agency 01").click()
        page.get_by_label("Organization 01 (organization)").check()
        page.get_by_label("Title").fill("Quiet pulse")
        page.get_by_role("button", name="Open the wave").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Quiet pulse")
    finally:
        context.close()


def test_a_steward_stops_a_batch_and_its_links_get_a_kind_page(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    system = small_system()
    _sign_in_steward(page, live_server.url, system)
    page.goto(f"{live_server.url}/map/{system.slug}/invitations/")
    page.get_by_label("How many invitations").fill("6")
    page.get_by_label("Last day the links work").fill("2099-12-31")
    page.get_by_role("button", name="Make invitations").click()
    links = page.get_by_role("textbox", name="Invitation links").input_value().split()
    assert len(links) == 6
    batches = page.get_by_role("table", name="Invitation batches and how many have been used")
    expect(batches).to_contain_text("31 December 2099")
    # Stopping asks first: nothing happens until it is confirmed.
    page.get_by_text("Stop unused links…").click()
    expect(page.get_by_text("nobody has used yet will stop working")).to_be_visible()
    assert_accessible(page)
    assert not Invitation.objects.filter(revoked=True).exists()
    page.get_by_role("button", name="Yes, stop these links").click()
    expect(page.locator(".messages")).to_contain_text("Stopped 6 unused links")
    assert Invitation.objects.filter(revoked=True).count() == 6 and Invitation.objects.count() == 6
    page.reload()  # post/redirect/get: a reload stops nothing more and asks nothing
    expect(page.get_by_text("Stop unused links…")).to_have_count(0)
    # Someone who still has a printed slip is told kindly, in plain words.
    other = page.context.browser.new_context(viewport=page.viewport_size)  # type: ignore[union-attr]
    try:
        holder = other.new_page()
        holder.goto(links[0])
        holder.get_by_role("button", name="Start").click()
        expect(holder.get_by_role("heading", level=1)).to_have_text("This link is no longer in use")
        expect(holder.get_by_role("alert")).to_contain_text("please ask them for a new one")
        assert_accessible(holder)
    finally:
        other.close()
    assert not Invitation.objects.filter(used_on__isnull=False).exists()


def test_the_printed_slips_come_in_spanish_when_asked_or_when_the_steward_reads_spanish(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    system = small_system()
    _sign_in_steward(page, live_server.url, system)
    page.goto(f"{live_server.url}/map/{system.slug}/invitations/")
    page.get_by_label("How many invitations").fill("5")
    page.get_by_role("button", name="Make invitations").click()
    page.get_by_role("link", name="Printable sheet with QR codes").click()
    slips = page.locator("ul.slips")
    expect(slips).to_have_attribute("lang", "en")
    expect(slips.locator(".slip-title").first).to_have_text(
        "You are invited to take part — anonymously"
    )
    page.get_by_role("link", name="Slips in Español").click()
    expect(slips).to_have_attribute("lang", "es")
    expect(slips.locator(".slip-title")).to_have_text(
        ["Le invitamos a participar — de forma anónima"] * 5
    )
    expect(slips.locator(".slip").first).to_contain_text("Escanee el código, o vaya a")
    expect(slips.locator(".slip img").first).to_have_attribute(
        "alt", re.compile(r"^Código QR de la invitación ")
    )
    expect(page.locator(".slip-code")).to_have_count(5)
    assert_accessible(page)
    # A steward who reads the site in Spanish gets Spanish slips without asking.
    page.context.add_cookies([{"name": "wtt_language", "value": "es", "url": live_server.url}])
    page.goto(f"{live_server.url}/map/{system.slug}/invitations/sheet/")
    expect(slips).to_have_attribute("lang", "es")
    page.get_by_role("link", name="Slips in English").click()
    expect(slips.locator(".slip-title").first).to_have_text(
        "You are invited to take part — anonymously"
    )
    assert_accessible(page)
