"""The care map and the invitation flow in real Chromium, with axe on every participant page."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from walkthetalk.caremap import services
from walkthetalk.caremap.models import Invitation

from ..caremap.factories import small_system
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
    page.get_by_label("Name").fill("Lakeshore Youth Alliance")
    page.get_by_label("Kind").select_option(label="Organization")
    page.get_by_label("Parent").select_option(label="Testland Health Department")
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
