"""Report downloads over HTTP: the conversation CSV and JSON, the pulse CSV."""

import csv
import io

import pytest

from walkthetalk.conversations import services, tasks
from walkthetalk.pulse import services as pulse_services

from ..caremap.factories import small_system, staff_client
from ..conversations.factories import conversation, joined, key
from ..pulse.helpers import level, respond, unit

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
