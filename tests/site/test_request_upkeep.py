"""A plain answer's request upkeep (walkthetalk.site.request_upkeep): Django's receivers' work,
done directly only while the signals' receivers are exactly Django's own."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signals
from django.core.cache import caches, close_caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.handlers.base import reset_urlconf
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections, reset_queries
from django.test import override_settings
from django.urls import get_urlconf, set_urlconf

from walkthetalk.site import request_upkeep

pytestmark = pytest.mark.django_db


class Handler:
    pass


def test_the_plans_follow_djangos_receivers_in_their_order() -> None:
    started = request_upkeep.plan(signals.request_started)
    finished = request_upkeep.plan(signals.request_finished)
    assert started is not None and finished is not None
    steps = request_upkeep._STEPS
    # Each of Django's receivers once, in the order connected (tests reconnect some).
    for signal, plan, djangos in [
        (signals.request_started, started, {reset_queries, close_old_connections}),
        (signals.request_finished, finished, {close_old_connections, close_caches, reset_urlconf}),
    ]:
        assert {key[0] for key, _ref, _async in signal.receivers} == {id(f) for f in djangos}
        assert plan == tuple(steps[key[0]] for key, _ref, _async in signal.receivers)
    assert set(started) == {steps[id(reset_queries)], steps[id(close_old_connections)]}


def test_another_receiver_gets_the_signal_sent_as_usual() -> None:
    heard: list[dict[str, Any]] = []

    def listen(sender: Any, **kwargs: Any) -> None:
        heard.append({"sender": sender, **kwargs})

    signals.request_started.connect(listen)
    signals.request_finished.connect(listen)
    try:
        assert request_upkeep.plan(signals.request_started) is None
        request_upkeep.started(Handler, {"PATH_INFO": "/"})
        request_upkeep.finished(Handler)
    finally:
        signals.request_started.disconnect(listen)
        signals.request_finished.disconnect(listen)
    assert [h["sender"] for h in heard] == [Handler, Handler]
    assert heard[0]["environ"] == {"PATH_INFO": "/"}
    assert request_upkeep.plan(signals.request_started) is not None  # Django's own again


def test_a_missing_receiver_gets_the_signal_sent_as_usual() -> None:
    signals.request_finished.disconnect(close_old_connections)
    try:
        assert request_upkeep.plan(signals.request_finished) is None
    finally:
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db(transaction=True)  # autocommit, as a served request
def test_a_connection_broken_by_an_error_is_closed_when_the_request_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    closed: list[bool] = []
    monkeypatch.setattr(db, "close", lambda: closed.append(True))
    db.errors_occurred = False
    request_upkeep.finished(Handler)
    assert closed == []  # a healthy, persistent connection is kept (CONN_MAX_AGE None)
    db.errors_occurred = True
    monkeypatch.setattr(db, "is_usable", lambda: False)
    request_upkeep.finished(Handler)
    assert closed == [True]  # replaced by the next request


def test_the_query_log_and_a_request_urlconf_are_cleared() -> None:
    db = connections[DEFAULT_DB_ALIAS]
    db.queries_log.append({"sql": "SELECT 1", "time": "0.000"})
    request_upkeep.started(Handler, {})
    assert len(db.queries_log) == 0
    set_urlconf("walkthetalk.site.urls")
    request_upkeep.finished(Handler)
    assert get_urlconf() is None


class ClosingCache(LocMemCache):
    """A cache whose ``close`` has work to do (as memcached's)."""

    closed = 0

    def close(self, **kwargs: Any) -> None:
        ClosingCache.closed += 1


@pytest.mark.django_db(transaction=True)  # autocommit, as a served request: the connection kept
def test_the_caches_are_closed_when_a_configured_backend_has_closing_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = f"{__name__}.ClosingCache"
    with override_settings(CACHES={"default": {"BACKEND": backend}}):
        caches["default"].get("x")  # used by this thread
        before = ClosingCache.closed
        request_upkeep.finished(Handler)
        assert ClosingCache.closed == before + 1
    # The site's caches (the database's) close with BaseCache's no-op: nothing is looked up.
    caches["default"].get("x")
    looked: list[bool] = []
    monkeypatch.setattr(caches, "close_all", lambda: looked.append(True))
    request_upkeep.finished(Handler)
    assert looked == []
    with override_settings(CACHES={"default": {"BACKEND": "no.such.Backend"}}):
        entered = len(looked)  # override_settings closes them on its way in
        request_upkeep.finished(Handler)  # an unknown backend: closed as Django closes them
        assert len(looked) == entered + 1
