"""The messenger end to end in real Chromium: send, keep the code, read, reply, write back."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from playwright.sync_api import Page, expect

from walkthetalk.caremap import services as caremap_services
from walkthetalk.messenger import services
from walkthetalk.messenger.models import Concern, Reply

from ..caremap.factories import small_system
from ..messenger.factories import a_pass, key
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def send_concern(page: Page, url: str) -> str:
    """A participant sends a concern (after a refused, too long one); returns the code."""
    page.goto(f"{url}/messenger/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Raise a concern")
    expect(page.locator("#concern-help")).to_contain_text("do not name patients")
    assert_accessible(page)
    # Too long: a clear error and nothing sent.
    page.get_by_label("Send to (leadership role)").select_option(label="Clinical Director")
    page.get_by_label("Your concern").evaluate("el => el.removeAttribute('maxlength')")
    page.get_by_label("Your concern").fill("x" * 4001)
    page.get_by_role("button", name="Send concern").click()
    expect(page.get_by_role("alert")).to_contain_text("keep your concern to 4000")
    assert_accessible(page)
    assert Concern.objects.count() == 0
    page.get_by_label("Your concern").fill("Supervision keeps being cancelled on our team.")
    request_key = page.locator("input[name=request_key]").input_value()
    page.get_by_role("button", name="Send concern").dblclick()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your concern was sent")
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert len(code) == 23
    assert_accessible(page)
    # The same form sent again (a retry) changes nothing and says so.
    page.goto(f"{url}/messenger/")
    page.locator("input[name=request_key]").evaluate(f"el => el.value = '{request_key}'")
    page.get_by_label("Send to (leadership role)").select_option(label="Clinical Director")
    page.get_by_label("Your concern").fill("Supervision keeps being cancelled on our team.")
    page.get_by_role("button", name="Send concern").click()
    expect(page.get_by_role("alert")).to_contain_text("already sent")
    assert Concern.objects.count() == 1
    return code


def leader_replies(page: Page, url: str, slug: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("User name").fill("lee")
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{url}/messenger/leaders/{slug}/")
    assert_accessible(page)
    page.get_by_role("link", name="Supervision keeps being cancelled").click()
    page.get_by_label("Your reply").fill("Thank you. Supervision hours are protected from May.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".thread")).to_contain_text("Supervision hours are protected")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()


def participant_reads_and_writes_back(page: Page, url: str, code: str) -> None:
    page.goto(f"{url}/messenger/read/")
    page.get_by_label("Receipt code").fill("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")
    page.get_by_role("button", name="Open my concern").click()
    expect(page.get_by_role("alert")).to_contain_text("could not find")
    assert_accessible(page)
    page.get_by_label("Receipt code").fill(code.lower())
    page.get_by_role("button", name="Open my concern").click()
    expect(page.locator(".thread")).to_contain_text("Supervision hours are protected")
    assert_accessible(page)
    page.get_by_label("Your reply").fill("Thank you, that helps.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").last).to_contain_text("Your reply was sent")
    expect(page.locator(".thread")).to_contain_text("Thank you, that helps.")


def test_concern_round_trip_between_a_participant_and_a_leader(live_server, page: Page) -> None:
    cache.clear()
    system = small_system()
    services.add_leadership_role(system, "Clinical Director")
    leader = get_user_model().objects.create_user("lee", password="a-long-staff-password")
    caremap_services.grant_role(leader, system, "leader")
    (token,) = caremap_services.create_invitations(system, 1)
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    code = send_concern(page, live_server.url)
    leader_replies(page, live_server.url, system.slug)
    participant_reads_and_writes_back(page, live_server.url, code)
    assert list(Reply.objects.values_list("side", flat=True)) == ["leadership", "sender"]


def test_the_receipt_code_survives_reload_and_back_and_can_be_copied(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    system = small_system()
    services.add_leadership_role(system, "Clinical Director")
    team = system.units.get(name="Riverbend Day Team")
    token = caremap_services.invite(system, 5, unit=team).tokens[0]
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    page.goto(f"{live_server.url}/messenger/")
    page.get_by_label("Send to (leadership role)").select_option(label="Clinical Director")
    page.get_by_label("Your concern").fill("Our team meetings keep getting cancelled.")
    page.get_by_role("button", name="Send concern").click()
    expect(page).to_have_url(f"{live_server.url}/messenger/receipt/")
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert len(code) == 23
    assert_accessible(page)
    # Reload: the same code, nothing sent again, no "already sent".
    page.reload()
    expect(page.get_by_test_id("receipt-code")).to_have_text(code)
    expect(page.get_by_text("already sent")).to_have_count(0)
    # Back goes to a fresh send form, without a "Confirm Form Resubmission".
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Raise a concern")
    page.go_forward()
    expect(page.get_by_test_id("receipt-code")).to_have_text(code)
    assert Concern.objects.count() == 1
    # Copy and print are offered; copy puts the code on the clipboard.
    page.get_by_role("button", name="Copy the code").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").replace("\u200b", "") == code
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_test_id("receipt-code")).to_be_visible()
    page.emulate_media(media="screen")
    # Once kept, the code is forgotten on this device and the read page is next.
    page.get_by_role("button", name="I have kept my code").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Read replies")
    page.goto(f"{live_server.url}/messenger/receipt/")
    expect(page.get_by_test_id("receipt-code")).to_have_count(0)
    assert_accessible(page)


def test_reading_replies_survives_reload_and_back_without_sending_again(
    live_server, sized_page: Page
) -> None:
    """The receipt-code form is answered by a redirect to the thread: reload and Back send
    nothing again (only GETs), the reload is not another lookup, a reply is sent once."""
    cache.clear()
    page = sized_page
    system = small_system()
    role = services.add_leadership_role(system, "Clinical Director")
    text = "Rotas change at short notice."
    receipt = services.submit_concern(a_pass(system), role.public_id, text, key())
    reply = "Thank you — rotas are now fixed a month ahead."
    services.reply_as_leadership(receipt.concern, reply, key())
    page.goto(f"{live_server.url}/messenger/read/")
    page.get_by_label("Receipt code").fill(receipt.code)
    page.get_by_role("button", name="Open my concern").click()
    expect(page).to_have_url(f"{live_server.url}/messenger/read/thread/")
    expect(page.locator(".thread")).to_contain_text("rotas are now fixed")
    assert_accessible(page)
    methods: list[str] = []
    page.on("request", lambda request: methods.append(request.method))
    page.reload()
    expect(page.locator(".thread")).to_contain_text("rotas are now fixed")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Read replies")
    page.go_forward()
    expect(page.locator(".thread")).to_contain_text("rotas are now fixed")
    assert methods and set(methods) == {"GET"}, methods
    # Writing back: answered by a redirect; a reload shows the reply once.
    page.get_by_label("Your reply").fill("That helps a lot, thank you.")
    page.get_by_role("button", name="Send reply").click()
    expect(page).to_have_url(f"{live_server.url}/messenger/read/thread/")
    expect(page.get_by_role("status").filter(has_text="Your reply was sent")).to_be_visible()
    page.reload()
    expect(page.locator(".thread")).to_contain_text("That helps a lot")
    assert Reply.objects.filter(side="sender").count() == 1
    assert_accessible(page)
    # Close forgets the code on this device; the thread then asks for it again.
    page.get_by_role("button", name="Close — forget my code").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Read replies")
    page.goto(f"{live_server.url}/messenger/read/thread/")
    expect(page).to_have_url(f"{live_server.url}/messenger/read/")
    expect(page.get_by_role("status")).to_contain_text("enter your receipt code again")


def test_a_leader_resolves_a_concern_and_the_sender_sees_it_with_their_code(
    live_server, sized_page: Page
) -> None:
    cache.clear()
    page = sized_page
    system = small_system()
    role = services.add_leadership_role(system, "Clinical Director")
    leader = get_user_model().objects.create_user("lee", password="a-long-staff-password")
    caremap_services.grant_role(leader, system, "leader")
    receipt = services.submit_concern(
        a_pass(system), role.public_id, "Handovers are rushed.", key()
    )
    # The sender first sees it open, waiting for a reply.
    page.goto(f"{live_server.url}/messenger/read/")
    page.get_by_label("Receipt code").fill(receipt.code)
    page.get_by_role("button", name="Open my concern").click()
    expect(page.get_by_test_id("concern-status")).to_contain_text("Open")
    expect(page.get_by_test_id("concern-status")).to_contain_text("Waiting for a first reply")
    page.get_by_role("button", name="Close — forget my code").click()
    # A leader replies, then marks it resolved.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("lee")
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(
        f"{live_server.url}/messenger/leaders/{system.slug}/concerns/{receipt.concern.public_id}/"
    )
    expect(page.get_by_role("button", name="Mark as resolved")).to_have_count(0)  # reply first
    page.get_by_label("Your reply").fill("Handovers now have a protected 15 minutes.")
    page.get_by_role("button", name="Send reply").click()
    page.get_by_role("button", name="Mark as resolved").click()
    expect(page.get_by_test_id("concern-status")).to_contain_text("Resolved")
    assert_accessible(page)
    page.goto(f"{live_server.url}/messenger/leaders/{system.slug}/?status=resolved")
    expect(page.get_by_role("table")).to_contain_text("Handovers are rushed")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    # The sender sees "Resolved" with the code; writing back opens it again.
    page.goto(f"{live_server.url}/messenger/read/")
    page.get_by_label("Receipt code").fill(receipt.code)
    page.get_by_role("button", name="Open my concern").click()
    expect(page.get_by_test_id("concern-status")).to_contain_text("Resolved")
    expect(page.get_by_test_id("concern-status")).to_contain_text("write back")
    assert_accessible(page)
    page.get_by_label("Your reply").fill("It happened again on Friday.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("concern-status")).to_contain_text("Answered")
    assert Concern.objects.get().status == "answered"
