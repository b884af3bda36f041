"""Report downloads over HTTP: the conversation CSV and JSON, the pulse CSV."""

import csv
import io
import re

import pytest
from django.test import Client

from walkthetalk.conversations import services, tasks
from walkthetalk.pulse import services as pulse_services
from walkthetalk.reports import services as report_services

from ..caremap.factories import small_system, staff_client
from ..conversations.factories import (
    SEEDS,
    TOPIC_THEMES,
    conversation,
    facilitator_client,
    joined,
    key,
    with_results,
)
from ..pulse.factories import level, respond, unit

pytestmark = pytest.mark.django_db


def test_a_statement_starting_with_a_formula_reaches_the_conversation_csv_as_text() -> None:
    system = small_system()
    conv = conversation(system, seed_statements=['=HYPERLINK("http://x","click")', "+1 ok"])
    client = staff_client(system, "facilitator")
    for _ in range(6):
        participant_pass = joined(conv)
        for statement in conv.statements.all():
            services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    tasks.refresh(conv.pk)
    body = client.get(f"/conversations/{conv.public_id}/manage/results/export.csv")
    rows = list(csv.reader(io.StringIO(body.content.decode())))
    texts = sorted(r[1] for r in rows[1:])
    assert texts == ["'+1 ok", '\'=HYPERLINK("http://x","click")']
    assert all(r[3] == "6" and r[4] == "100" for r in rows[1:])


def test_the_json_download_has_the_api_shape() -> None:
    system = small_system()
    conv = conversation(system)
    client = staff_client(system, "facilitator")
    download = client.get(f"/conversations/{conv.public_id}/manage/results/export.json").json()
    api = client.get(f"/api/conversations/{conv.public_id}/results").json()
    assert download == api
    assert set(api) == {"id", "title", "status", "refreshing", "state", "computed_on", "results"}


def test_the_pulse_csv_guards_names_a_spreadsheet_would_run() -> None:
    system = small_system()
    wave = pulse_services.open_wave(
        system, "=cmd|' /C calc'!A0", [unit(system, "Riverbend Recovery")]
    )
    respond(wave, 6, unit=unit(system, "Riverbend Day Team"), level=level(system))
    body = staff_client(system, "leader").get(f"/pulse/{system.slug}/waves/{wave.pk}/export.csv")
    rows = list(csv.reader(io.StringIO(body.content.decode())))
    assert {r[0] for r in rows[1:]} == {"'=cmd|' /C calc'!A0"}


def test_results_page_map_and_exports() -> None:
    conv = conversation(small_system())
    with_results(conv)
    client = facilitator_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/manage/results/").content.decode()
    assert "Opinion map" in page and "<table>" in page and "Last computed" in page
    assert 'alt="Opinion map of' in page
    svg = client.get(f"/conversations/{conv.public_id}/manage/results/map.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    as_json = client.get(f"/conversations/{conv.public_id}/manage/results/export.json").json()
    assert as_json["state"] == "ready" and as_json["results"]["groups"]
    as_csv = client.get(f"/conversations/{conv.public_id}/manage/results/export.csv")
    lines = as_csv.content.decode().splitlines()
    assert lines[0].startswith("statement_id,text") and len(lines) == len(SEEDS) + 1
    assert (
        client.get(f"/conversations/{conv.public_id}/manage/results/export.xml").status_code == 404
    )


def test_results_refresh_button_runs_at_once_and_the_status_polls(
    django_capture_on_commit_callbacks,
) -> None:
    from django_tasks_db.models import DBTaskResult, get_date_max

    conv = conversation(small_system())
    client = facilitator_client(conv)
    url = f"/conversations/{conv.public_id}/manage/results/"
    # A vote only marks the results outdated (no task row); "Refresh now" enqueues one at once.
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.request_refresh(conv.pk)
        assert not DBTaskResult.objects.exists()
        follow = client.post(url, follow=True)
    assert b"Refreshing the results now" in follow.content
    conv.refresh_from_db()
    assert conv.refresh_pending
    run_afters = list(DBTaskResult.objects.values_list("run_after", flat=True))
    assert run_afters == [get_date_max()]  # one task, with no delay
    status = client.get(url + "status/?was=refreshing", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 10s"' in status.content and "HX-Refresh" not in status
    services.clear_refresh_flag(conv.pk)
    done = client.get(url + "status/?was=refreshing", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_results_tables_scroll_inside_a_labelled_region_on_a_phone() -> None:
    conv = conversation(small_system())
    with_results(conv)
    client = facilitator_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/manage/results/").content.decode()
    tables = page.count("<table>")
    assert tables >= 2
    regions = re.findall(
        r'<div class="table-scroll" role="region" tabindex="0" '
        r'aria-labelledby="([^"]+)">\s*<table>',
        page,
    )
    assert len(regions) == tables
    for label_id in regions:
        assert f'<caption id="{label_id}">' in page


def test_results_page_lists_the_conversation_s_statements_by_topic() -> None:
    texts = [t for theme in TOPIC_THEMES.values() for t in theme]
    conv = conversation(small_system(), seed_statements=texts)
    client = facilitator_client(conv)
    page = client.get(f"/conversations/{conv.public_id}/manage/results/").content.decode()
    assert "No topics yet" in page
    tasks.refresh_topics_of(conv.care_system)
    page = client.get(f"/conversations/{conv.public_id}/manage/results/").content.decode()
    section = page[page.index("<h2>Topics</h2>") :]
    assert section.count("<h3>") == 3
    assert all(text in section for text in texts)  # every statement is in a topic
    assert "%" not in section  # membership only, no figure


def test_each_statistic_of_the_results_and_the_shared_report_links_its_glossary_entry() -> None:
    conv = conversation(small_system())
    with_results(conv)
    glossary = Client().get("/glossary/").content.decode()
    anchors = set(re.findall(r'\bid="([a-z-]+)"', glossary))
    wanted = {"common-ground", "divide", "opinion-group", "minimum-group-size"}
    staff_page = (
        facilitator_client(conv)
        .get(f"/conversations/{conv.public_id}/manage/results/")
        .content.decode()
    )
    token = report_services.publish_report(conv)
    shared = Client().get(f"/reports/shared/{token}/").content.decode()
    for page in (staff_page, shared):
        linked = set(re.findall(r'href="/glossary/#([^"]+)"', page))
        assert linked == wanted
        assert linked <= anchors  # every link lands on an entry that exists
