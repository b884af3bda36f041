"""Messenger pages through Django's test client: status codes, kind errors, nothing stored."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command

from walkthetalk.caremap import services as caremap_services
from walkthetalk.messenger import codes, ratelimit, selectors, services, tasks
from walkthetalk.messenger.models import Concern, Reply

from ..caremap.factories import small_system
from .factories import a_pass, a_role, key, with_pass

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _form_key(html: str) -> str:
    match = re.search(r'name="request_key" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_send_page_warns_against_naming_patients_and_shows_the_code_after_a_redirect(
    client,
) -> None:
    system = small_system()
    role = a_role(system)
    with_pass(client, system)
    page = client.get("/messenger/")
    html = page.content.decode()
    assert "do not name patients" in html
    request_key = _form_key(html)
    response = client.post(
        "/messenger/", {"role": role.public_id, "text": "Hello", "request_key": request_key}
    )
    # Post/redirect/get: the code rides to the receipt page in a cookie, never in the URL.
    assert response.status_code == 302 and response.url == "/messenger/receipt/"
    receipt_page = client.get(response.url)
    assert "no-store" in receipt_page["Cache-Control"]
    shown = re.search(r'data-testid="receipt-code">(.*?)</p>', receipt_page.content.decode())
    code = re.sub(r"<[^>]+>", "", shown.group(1))
    assert codes.normalise(code) and code not in response.url
    # A reload shows the same code again; "I have kept my code" forgets it on this browser.
    assert code in re.sub(r"<[^>]+>", "", client.get("/messenger/receipt/").content.decode())
    assert client.post("/messenger/receipt/").url == "/messenger/read/"
    gone = client.get("/messenger/receipt/").content.decode()
    assert "no longer shown" in gone and code not in re.sub(r"<[^>]+>", "", gone)
    # The same form again: a clear message, and still one concern.
    again = client.post(
        "/messenger/", {"role": role.public_id, "text": "Hello", "request_key": request_key}
    )
    assert again.status_code == 400
    assert "already sent" in again.content.decode()
    assert code not in again.content.decode()
    assert Concern.objects.count() == 1


def test_oversized_concern_is_refused_kindly(client) -> None:
    system = small_system()
    role = a_role(system)
    with_pass(client, system)
    response = client.post(
        "/messenger/", {"role": role.public_id, "text": "x" * 4001, "request_key": key()}
    )
    assert response.status_code == 400
    assert "keep your concern to 4000" in response.content.decode()
    assert Concern.objects.count() == 0


def test_without_a_pass_the_form_is_not_offered(client) -> None:
    response = client.get("/messenger/")
    assert "open the invitation link" in response.content.decode()
    assert client.post("/messenger/", {"text": "x"}).status_code == 200
    assert Concern.objects.count() == 0


def test_read_and_answer_back_by_code_and_a_forged_code_is_refused(client) -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Concern text", key())
    services.reply_as_leadership(receipt.concern, "We hear you.", key())
    # Post/redirect/get: the code opens the thread at its own address, never in the URL.
    opened = client.post("/messenger/read/", {"code": receipt.code})
    assert opened.status_code == 302 and opened.url == "/messenger/read/thread/"
    assert receipt.code not in opened.url
    page = client.get(opened.url)
    html = page.content.decode()
    assert page.status_code == 200 and "We hear you." in html and "Concern text" in html
    assert "no-store" in page["Cache-Control"]
    assert receipt.code not in html  # the write-back form no longer carries the code
    request_key = _form_key(html)
    answer = {"text": "Thanks!", "request_key": request_key}
    sent = client.post("/messenger/read/answer/", answer)
    assert sent.status_code == 302 and sent.url == "/messenger/read/thread/"
    assert "Your reply was sent" in client.get(sent.url).content.decode()
    twice = client.post("/messenger/read/answer/", answer)
    assert twice.status_code == 400 and "already sent" in twice.content.decode()
    assert Reply.objects.filter(side="sender").count() == 1
    too_long = {"text": "y" * 4001, "request_key": key()}
    response = client.post("/messenger/read/answer/", too_long)
    assert response.status_code == 400 and "keep your reply to 4000" in response.content.decode()
    assert Reply.objects.count() == 2
    forged = client.post("/messenger/read/", {"code": codes.new_code()})
    assert forged.status_code == 400 and "could not find" in forged.content.decode()
    # "Close" forgets the code: the thread and write-back then ask for the code again.
    assert client.post("/messenger/read/close/").url == "/messenger/read/"
    assert client.get("/messenger/read/thread/").url == "/messenger/read/"
    gone = client.post("/messenger/read/answer/", {"text": "x", "request_key": key()})
    assert gone.url == "/messenger/read/" and Reply.objects.count() == 2


def test_a_forged_or_tampered_kept_code_opens_nothing(client) -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Concern text", key())
    client.cookies["wtt_opened"] = receipt.code  # not signed by this site
    assert client.get("/messenger/read/thread/").url == "/messenger/read/"
    client.post("/messenger/read/", {"code": receipt.code})
    signed = client.cookies["wtt_opened"].value
    client.cookies["wtt_opened"] = signed[:-2] + ("AA" if signed[-2:] != "AA" else "BB")
    assert client.get("/messenger/read/thread/").url == "/messenger/read/"
    answer = {"text": "x", "request_key": key()}
    assert client.post("/messenger/read/answer/", answer).url == "/messenger/read/"
    assert Reply.objects.count() == 0


def test_reloading_the_thread_does_not_count_as_a_lookup(client) -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Concern text", key())
    client.post("/messenger/read/", {"code": receipt.code})
    for _ in range(ratelimit.PREFIX_LIMIT + 5):
        assert client.get("/messenger/read/thread/").status_code == 200
    # The code's lookups are untouched: nine more opens still go through.
    for _ in range(ratelimit.PREFIX_LIMIT - 1):
        assert client.post("/messenger/read/", {"code": receipt.code}).status_code == 302
    assert client.post("/messenger/read/", {"code": receipt.code}).status_code == 429


def test_rate_limited_lookups_get_a_kind_429(client) -> None:
    prefix = codes.new_code()[:5]
    for _ in range(ratelimit.PREFIX_LIMIT):
        client.post("/messenger/read/", {"code": prefix + codes.new_code()[5:]})
    response = client.post("/messenger/read/", {"code": prefix + codes.new_code()[5:]})
    assert response.status_code == 429
    assert "try again in about 15 minutes" in response.content.decode()


def test_300_plus_made_up_codes_do_not_stop_a_holder_reading_replies(client) -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Concern text", key())
    services.reply_as_leadership(receipt.concern, "We hear you.", key())
    statuses = set()
    for _ in range(310):
        made_up = codes.new_code()
        if made_up[:5] != receipt.code[:5]:  # the flooder does not know the holder's prefix
            statuses.add(client.post("/messenger/read/", {"code": made_up}).status_code)
    assert statuses == {400}  # "could not find", never "paused"
    opened = client.post("/messenger/read/", {"code": receipt.code})
    assert opened.status_code == 302
    assert "We hear you." in client.get(opened.url).content.decode()


def _staff(system, role, name="lee"):
    user = get_user_model().objects.create_user(name, password="a-long-staff-password")
    caremap_services.grant_role(user, system, role)
    return user


def test_leaders_read_reply_and_see_escalation_others_cannot(client, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Old concern", key())
    Concern.objects.update(sent_on=services.today() - dt.timedelta(days=30))
    facilitator = _staff(system, "facilitator", "fay")
    client.force_login(facilitator)
    assert client.get(f"/messenger/leaders/{system.slug}/").status_code == 403
    client.force_login(_staff(system, "leader"))
    page = client.get(f"/messenger/leaders/{system.slug}/").content.decode()
    # Opening the page ran the escalation task (immediate backend in this test).
    assert "Escalated to stewards" in page
    assert "figures appear once there are at least 5" in page
    url = f"/messenger/leaders/{system.slug}/concerns/{receipt.concern.public_id}/"
    response = client.post(url, {"text": "Thank you for telling us.", "request_key": key()})
    assert response.status_code == 302
    assert Concern.objects.get().first_reply_on == services.today()
    assert client.post(url, {"text": "z" * 4001, "request_key": key()}).status_code == 400
    assert Reply.objects.count() == 1
    # Status: resolve (post/redirect/get), shown on the list; a facilitator cannot.
    resolved = client.post(f"{url}status/", {"resolved": "yes"})
    assert resolved.status_code == 302 and resolved.url == url
    assert Concern.objects.get().status == "resolved"
    listed = client.get(f"/messenger/leaders/{system.slug}/?status=resolved").content.decode()
    assert "Old concern" in listed and "Resolved" in listed
    assert (
        "Old concern"
        not in client.get(f"/messenger/leaders/{system.slug}/?status=open").content.decode()
    )
    client.force_login(facilitator)
    assert client.post(f"{url}status/", {"resolved": "no"}).status_code == 403
    assert Concern.objects.get().status == "resolved"


def test_resolving_an_unanswered_concern_is_refused_with_a_clear_message(client) -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "New concern", key())
    client.force_login(_staff(system, "leader"))
    url = f"/messenger/leaders/{system.slug}/concerns/{receipt.concern.public_id}/"
    page = client.post(f"{url}status/", {"resolved": "yes"}, follow=True).content.decode()
    assert "Reply first" in page
    assert Concern.objects.get().status == "open"


def test_stewards_add_roles_and_set_escalation(client) -> None:
    system = small_system()
    client.force_login(_staff(system, "steward", "stew"))
    client.post(f"/messenger/leaders/{system.slug}/roles/add/", {"title": "Medical Director"})
    client.post(f"/messenger/leaders/{system.slug}/escalation/", {"days": "10"})
    assert [r.title for r in system.leadership_roles.all()] == ["Medical Director"]
    assert selectors.escalate_after_days(system) == 10
    client.post(f"/messenger/leaders/{system.slug}/escalation/", {"days": "0"})
    assert selectors.escalate_after_days(system) == 10


def test_response_figures_are_suppressed_until_groups_are_large_enough() -> None:
    system = small_system()
    role = a_role(system)
    day = dt.date(2026, 5, 1)

    def make(n: int, reply_after: int | None) -> None:
        for _ in range(n):
            concern = services.submit_concern(a_pass(system), role.public_id, "c", key()).concern
            Concern.objects.filter(pk=concern.pk).update(
                sent_on=day,
                first_reply_on=day + dt.timedelta(days=reply_after) if reply_after else None,
            )

    make(3, 2)
    few = services.response_figures(system, day)
    assert few.total is None and few.mean_days_to_first_reply is None
    make(3, 4)
    make(5, None)
    figures = services.response_figures(system, day)
    assert (figures.total, figures.answered, figures.waiting) == (11, 6, 5)
    assert figures.mean_days_to_first_reply == 3.0
    assert figures.share_answered_within == 1.0
    make(1, 20)  # one answered late: the figures wait for a step of five, or 7 - 6 = 1
    late = services.response_figures(system, day)
    assert (late.total, late.answered, late.share_answered_within) == (11, 6, 1.0)
    make(4, 20)  # five answered late: a step
    later = services.response_figures(system, day)
    assert (later.total, later.answered, later.waiting) == (16, 11, 5)
    assert later.share_answered_within == pytest.approx(6 / 11)
    assert later.mean_days_to_first_reply == pytest.approx((6 + 12 + 100) / 11)


def test_escalate_concerns_command_and_task(settings) -> None:
    system = small_system()
    role = a_role(system)
    services.submit_concern(a_pass(system), role.public_id, "c", key())
    Concern.objects.update(sent_on=dt.date(2026, 1, 1))
    from io import StringIO

    out = StringIO()
    call_command("escalate_concerns", "--today", "2026-01-05", stdout=out)
    assert "Escalated 0" in out.getvalue()
    call_command("escalate_concerns", "--today", "2026-01-08", stdout=out)
    assert "Escalated 1 unanswered concern." in out.getvalue()
    Concern.objects.update(escalated_to="", escalated_on=None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = tasks.escalate_concerns.enqueue()
    assert result.return_value == 1
    assert Concern.objects.get().escalated_to == "steward"


def test_api_figures_for_leaders_only(client) -> None:
    system = small_system()
    assert client.get(f"/api/messenger/{system.slug}/figures").status_code == 401
    client.force_login(_staff(system, "facilitator", "fay"))
    assert client.get(f"/api/messenger/{system.slug}/figures").status_code == 403
    client.force_login(_staff(system, "leader"))
    body = client.get(f"/api/messenger/{system.slug}/figures").json()
    assert body["total"] == 0 and body["within_days"] == 7 and body["min_group_size"] == 5
