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
    page.get_by_label("Count").fill("3")
    page.get_by_role("button", name="Make invitations").click()
    links = page.get_by_role("textbox", name="Invitation links").input_value().split()
    assert len(links) == 3 and all("/join/?t=" in link for link in links)
    assert Invitation.objects.count() == 3
