"""Printed reports drawn once per release and kept: a download reads the stored PDF, the worker
draws it ahead, and any change of what it shows (a new answer or result, a rename, a withdrawn
result or statement, a closed wave or conversation) gives a new PDF; a stored PDF is never
served past the page's access check or a revoked link."""

import datetime as dt
import hashlib
import json

import pytest
from django.test import Client

from walkthetalk.agenda import services as agenda_services
from walkthetalk.agenda.models import ActionItem
from walkthetalk.caremap import clock
from walkthetalk.conversations.models import Conversation, ConversationResult, Statement
from walkthetalk.pulse import services as pulse_services
from walkthetalk.reports import figure_cache, pdf_store, pulse_store, services, tasks

from ..caremap.factories import small_system, staff_client
from ..conversations.factories import conversation, facilitator_client, with_results
from ..pulse.factories import level, respond, unit

MIXED = (4, 5, 2, 3, 4, 2, 5, 1)  # answers of a team, some favourable

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(monkeypatch):
    """Every PDF drawn (in place of WeasyPrint: what the PDF would say, as JSON)."""
    calls: list[dict] = []

    def draw(template: str, context: dict) -> bytes:
        if "d" in context:
            said = {"n": context["d"].total_n, "title": context["wave"].title}
        else:
            rows = context["statement_rows"]
            said = {"ready": context["ready"], "statements": [r.text for r in rows]}
        said["template"] = template
        calls.append(said)
        return b"%PDF-" + json.dumps(said).encode()

    monkeypatch.setattr(pdf_store, "render_pdf", draw)
    return calls


def _said(response) -> dict:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]  # no browser keeps a copy
    return json.loads(response.content.removeprefix(b"%PDF-"))


def test_the_wave_brief_is_drawn_once_per_release_state(drawn) -> None:
    system = small_system()
    wave = pulse_services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    team = unit(system, "Riverbend Day Team")
    for value in MIXED:
        respond(wave, 1, unit=team, level=level(system), value=value)
    client = staff_client(system, "leader")
    url = f"/pulse/{system.slug}/waves/{wave.pk}/brief.pdf"

    first = _said(client.get(url))
    assert first["n"] == len(MIXED) and len(drawn) == 1
    assert _said(client.get(url)) == first and len(drawn) == 1  # read, not drawn again

    respond(wave, system.min_group_size, unit=team, level=level(system), value=3)
    tasks.refresh_all()  # the worker's round: new figures, and the brief drawn from them
    assert len(drawn) == 2 and drawn[-1]["n"] > len(MIXED)
    assert _said(client.get(url)) == drawn[-1] and len(drawn) == 2
    tasks.refresh_all()
    assert len(drawn) == 2  # nothing changed: nothing drawn

    wave.title = "Spring pulse (all teams)"
    wave.save(update_fields=["title"])
    assert _said(client.get(url))["title"] == "Spring pulse (all teams)" and len(drawn) == 3

    pulse_services.close_wave(wave)
    tasks.refresh_all()
    assert len(drawn) == 4  # closing moves the release state: a new brief
    assert _said(client.get(url)) == drawn[-1] and len(drawn) == 4

    # what is stored is served only past the same access check as the dashboard
    assert Client().get(url).status_code == 302
    assert staff_client(system, None, "no-role").get(url).status_code in (403, 404)


def _report(conv: Conversation) -> str:
    return f"/conversations/{conv.public_id}/manage/results/report.pdf"


def test_the_conversation_report_is_drawn_once_per_result_and_never_outlives_it(drawn) -> None:
    conv = conversation(small_system())
    with_results(conv)
    client = facilitator_client(conv)
    first = _said(client.get(_report(conv)))
    assert first["ready"] and len(drawn) == 1
    assert _said(client.get(_report(conv))) == first and len(drawn) == 1
    token = services.publish_report(conv)
    shared = f"/reports/shared/{token}/report.pdf"
    assert _said(Client().get(shared)) == first and len(drawn) == 1  # the same report

    # a statement taken back out of the conversation: a new report without it
    taken = conv.statements.order_by("pk").last()
    assert taken is not None and taken.text in first["statements"]
    Statement.objects.filter(pk=taken.pk).update(status=Statement.Status.REJECTED)
    second = _said(client.get(_report(conv)))
    assert taken.text not in second["statements"] and len(drawn) == 2

    # the result withdrawn: the stored report with its figures is never served again
    ConversationResult.objects.filter(conversation=conv).delete()
    assert _said(client.get(_report(conv)))["ready"] is False and len(drawn) == 3
    assert _said(Client().get(shared))["ready"] is False and len(drawn) == 3

    # a revoked link serves nothing, though a report is stored
    assert services.revoke_report(conv)
    assert Client().get(shared).status_code == 404
    assert staff_client(conv.care_system, None, "no-role").get(_report(conv)).status_code in (
        403,
        404,
    )


def test_the_worker_draws_each_conversation_report_so_a_download_reads_it(drawn) -> None:
    conv = conversation(small_system())
    with_results(conv)
    tasks.refresh_all()
    assert len(drawn) == 1 and drawn[0]["ready"]
    assert pdf_store.is_report_stored(conv)
    assert _said(facilitator_client(conv).get(_report(conv))) == drawn[0] and len(drawn) == 1
    tasks.refresh_all()
    assert len(drawn) == 1  # nothing changed: nothing drawn
    conv.status = Conversation.Status.CLOSED
    conv.save(update_fields=["status"])
    assert not pdf_store.is_report_stored(conv)
    tasks.refresh_all()
    assert len(drawn) == 2 and pdf_store.is_report_stored(conv)


def test_a_brief_is_stored_beside_the_figures_of_its_state() -> None:
    system = small_system()
    wave = pulse_services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    for value in MIXED:
        respond(wave, 1, unit=unit(system, "Riverbend Day Team"), level=level(system), value=value)
    body = pdf_store.wave_brief(system, wave)
    assert body.startswith(b"%PDF-")  # drawn by WeasyPrint
    assert pulse_store.is_stored(wave, pdf_store.brief_name(system, wave))


def test_the_handout_is_drawn_once_per_page_it_prints(monkeypatch) -> None:
    """ "You said, we did" is kept under its page: a second download reads it; a step's new
    status, and a new day (the handout prints it), each give a new PDF; the old one is gone."""
    pages: list[str] = []

    def draw(html: str) -> bytes:
        pages.append(html)
        return b"%PDF-" + str(len(pages)).encode()

    monkeypatch.setattr(pdf_store, "pdf_of_html", draw)
    system = small_system()
    issue = agenda_services.add_issue(system, "Handovers are rushed")
    gathering = agenda_services.create_gathering(system, "Spring", clock.today())
    step = agenda_services.add_action_item(
        agenda_services.add_to_agenda(gathering, issue),
        "Ten quiet minutes",
        "Leader",
        clock.today(),
    )
    client = staff_client(system, "leader")
    url = f"/reports/{system.slug}/you-said-we-did.pdf"

    first = client.get(url)
    assert first.status_code == 200 and "no-store" in first["Cache-Control"]
    assert client.get(url).content == first.content and len(pages) == 1
    assert "Ten quiet minutes" in pages[0]

    agenda_services.update_action_item(
        step, status=ActionItem.Status.DONE, progress=100, follow_up="Started in May."
    )
    after = client.get(url)
    assert len(pages) == 2 and after.content != first.content
    assert "Started in May." in pages[1]
    assert client.get(url).content == after.content and len(pages) == 2

    tomorrow = clock.today() + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    assert client.get(url).content != after.content and len(pages) == 3
    # only the newest page's PDF is kept
    keys = [
        f"you-said-we-did:v{pdf_store.VERSION}:{system.pk}:"
        + hashlib.sha256(page.encode()).hexdigest()[:32]
        for page in pages
    ]
    assert [figure_cache.has(k) for k in keys] == [False, False, True]
    assert Client().get(url).status_code == 302  # still behind the sign-in
