"""Faults: bad bytes get 400, a locked or full database gets a kind 503, error pages are styled."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test import Client

from walkthetalk.messenger.models import Concern

from ..caremap.factories import small_system
from ..messenger.factories import a_role, with_pass

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/welcome/%00",
        "/welcome/?q=%00",
        "/welcome/?q=%C3%28",
        "/welcome/%FF%FE",
        "/conversations/abc%00def/",
        "/api/openapi.json?x=%E2%82",
        "/healthz?x=%00",
    ],
)
def test_nul_and_invalid_utf8_in_the_url_are_refused_with_400(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 400
    assert "not ordinary text" in response.content.decode()
    assert "site.css" in response.content.decode()  # a styled page


def test_nul_and_invalid_utf8_in_forms_are_refused_and_nothing_is_stored() -> None:
    system = small_system()
    role = a_role(system)
    client = Client()
    with_pass(client, system)
    page = client.get("/messenger/").content.decode()
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    for body in (
        f"role={role.public_id}&text=Hello%00there&request_key={key}",
        f"role={role.public_id}&text=Caf%E9&request_key={key}",
        f"role={role.public_id}&text=Hello\x00there&request_key={key}",
    ):
        response = client.post(
            "/messenger/", body.encode("latin-1"), "application/x-www-form-urlencoded"
        )
        assert response.status_code == 400, body
    multipart = client.post(
        "/messenger/", {"role": role.public_id, "text": "Hi\x00", "request_key": key}
    )
    assert multipart.status_code == 400
    json_nul = client.post("/api/conversations/", b'{"title": "a\\u0000b"}', "application/json")
    assert json_nul.status_code == 400
    raw_bad = client.post("/api/conversations/", b'{"title": "\xff"}', "application/json")
    assert raw_bad.status_code == 400
    assert Concern.objects.count() == 0
    # Ordinary text, accents included, still goes through.
    fine = client.post(
        "/messenger/", {"role": role.public_id, "text": "Café, naïve — ok", "request_key": key}
    )
    assert fine.status_code == 302 and Concern.objects.count() == 1  # on to the receipt page


def _failing_inserts(monkeypatch: pytest.MonkeyPatch, table: str, message: str) -> None:
    original = CursorWrapper._execute

    def execute(self, sql, params, *ignored):  # type: ignore[no-untyped-def]
        if sql.lstrip().upper().startswith("INSERT") and table in sql:
            with self.db.wrap_database_errors:
                raise self.db.Database.OperationalError(message)
        return original(self, sql, params, *ignored)

    monkeypatch.setattr(CursorWrapper, "_execute", execute)


@pytest.mark.parametrize("message", ["database is locked", "database or disk is full"])
def test_a_locked_or_full_database_answers_503_kindly_and_loses_nothing(
    monkeypatch: pytest.MonkeyPatch, message: str
) -> None:
    system = small_system()
    role = a_role(system)
    client = Client(raise_request_exception=False)
    with_pass(client, system)
    page = client.get("/messenger/").content.decode()
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    form = {"role": role.public_id, "text": "The night shift is short again", "request_key": key}
    with monkeypatch.context() as patch:
        _failing_inserts(patch, "messenger_concern", message)
        busy = client.post("/messenger/", form)
    assert busy.status_code == 503
    assert busy["Retry-After"] == "30"
    html = busy.content.decode()
    assert "try again" in html and "site.css" in html
    assert "OperationalError" not in html and message not in html
    assert Concern.objects.count() == 0  # nothing half-written
    # Trying again once the database is free stores the concern exactly once.
    assert client.post("/messenger/", form).status_code == 302  # sent: on to the receipt
    assert Concern.objects.count() == 1


def test_unknown_pages_get_a_styled_404() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "could not find that page" in html and "site.css" in html


def test_other_errors_get_a_styled_500(monkeypatch: pytest.MonkeyPatch) -> None:
    from walkthetalk.site import views

    def broken(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", lambda *a, **k: broken(None))
    response = Client(raise_request_exception=False).get("/welcome/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "not something you did" in html and "boom" not in html


def test_sqlite_waits_for_full_durability() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting; PostgreSQL is durable by default (fsync on commit)")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
