"""An administrator holding the database *and* the site's SECRET_KEY cannot join a response to
the participation behind it (the secret key sits on the same server as the database)."""

import hashlib
import hmac

import pytest
from django.conf import settings

from walkthetalk.pulse import services
from walkthetalk.pulse.models import Response

from ..caremap.factories import small_system
from .factories import answers, passes, unit

pytestmark = pytest.mark.django_db


def _keyed_guesses(wave_id: int, key_hash: str) -> set[str]:
    """What an administrator with the database and SECRET_KEY can compute per participation."""
    secret = settings.SECRET_KEY.encode()
    messages = [
        f"walkthetalk.pulse.response:{wave_id}:{key_hash}",
        f"{wave_id}:{key_hash}",
        key_hash,
    ]
    out = set()
    for message in messages:
        out.add(hmac.new(secret, message.encode(), hashlib.sha256).hexdigest())
        out.add(hashlib.sha256(message.encode()).hexdigest())
    return out


def test_submission_key_cannot_be_computed_from_the_database_and_secret_key() -> None:
    system = small_system()
    wave = services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    computable = set()
    for participant_pass in passes(wave, 3, unit=unit(system, "Riverbend Day Team")):
        services.submit_response(wave, participant_pass, answers(4))
        computable |= _keyed_guesses(wave.pk, participant_pass.key_hash)
    stored = set(Response.objects.values_list("submission_key", flat=True))
    assert len(stored) == 3
    assert not stored & computable


def test_double_submit_is_still_refused_after_the_secret_key_changes(settings) -> None:
    system = small_system()
    wave = services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    (participant_pass,) = passes(wave, 1, unit=unit(system, "Riverbend Day Team"))
    services.submit_response(wave, participant_pass, answers(4))
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    with pytest.raises(services.AlreadyAnswered):
        services.submit_response(wave, participant_pass, answers(1))
    assert Response.objects.count() == 1


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def test_the_request_that_stores_answers_writes_that_row_and_nothing_else() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from .factories import PARTS, items_on, participant

    system = small_system()
    wave = services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    client = participant(system, wave)
    url = reverse("pulse:answer", args=[wave.pk])
    page = client.get(url)
    for step in range(PARTS):
        posted = {i: "4" for i in items_on(page)}
        if step < PARTS - 1:
            sent = client.post(url, {"step": step, **posted})
            page = client.get(sent.url)
            continue
        with CaptureQueriesContext(connection) as queries:
            sent = client.post(url, {"step": step, **posted})
    assert sent.status_code == 302 and Response.objects.count() == 1
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert len(writes) == 1, writes  # no participation, session, task or log row beside it
    assert writes[0].upper().startswith('INSERT INTO "PULSE_RESPONSE"'), writes
