"""The one store of figures, charts and PDFs: values computed outside any write and stored with
one short insert-or-ignore, so first views of a dashboard and its charts at once (nothing stored
yet: each computes the figures) all answer, on a real SQLite file with the site's own connection
options (WAL, BEGIN IMMEDIATE, the busy timeout). The test database lives in memory with a
shared cache, where SQLite answers "database table is locked" at once instead of waiting: so the
requests run on a copy of it in a file, as the site does."""

import sqlite3
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from walkthetalk.pulse import services as pulse_services
from walkthetalk.reports import figure_cache, pulse_store

from ..caremap.factories import small_system, staff_client
from ..pulse.factories import level, respond, unit

MIXED = (4, 5, 2, 3, 4, 2, 5, 1)  # answers of a team, some favourable

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's write lock (PostgreSQL locks rows)"
)


@pytest.mark.django_db
def test_a_second_store_of_the_same_entry_leaves_the_first_and_compute_runs_once() -> None:
    figure_cache.keep("figures-test:a", "first")
    figure_cache.keep("figures-test:a", "second")  # another request's copy: ignored
    assert figure_cache.get("figures-test:a") == "first"
    calls: list[int] = []
    assert figure_cache.stored("figures-test:b", lambda: calls.append(1) or "drawn") == "drawn"
    assert figure_cache.stored("figures-test:b", lambda: calls.append(1) or "again") == "drawn"
    assert calls == [1] and figure_cache.has("figures-test:b")
    figure_cache.point("figures-test:latest", "s1")
    figure_cache.point("figures-test:latest", "s2")  # the pointer is the one overwritten
    assert figure_cache.get("figures-test:latest") == "s2"


@pytest.mark.django_db
def test_a_new_pdf_drops_the_one_of_the_state_before() -> None:
    latest = "figures-test:report:latest"
    assert figure_cache.stored("figures-test:report:s1", lambda: b"one", latest) == b"one"
    assert figure_cache.stored("figures-test:report:s2", lambda: b"two", latest) == b"two"
    assert not figure_cache.has("figures-test:report:s1")
    assert figure_cache.get(latest) == "figures-test:report:s2"
    assert figure_cache.stored("figures-test:report:s2", lambda: b"new", latest) == b"two"


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_first_views_of_a_dashboard_and_its_charts_at_once_all_answer(tmp_path: Path) -> None:
    system = small_system()
    wave = pulse_services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    for value in MIXED * 3:
        respond(wave, 1, unit=unit(system, "Riverbend Day Team"), level=level(system), value=value)
    base = f"/pulse/{system.slug}/waves/{wave.pk}"
    urls = [f"{base}/dashboard/", f"{base}/charts/heatmap.svg", f"{base}/charts/units.svg"]
    clients = [staff_client(system, "leader", f"lee{i}") for i in range(len(urls))]
    # the test database (in memory) copied to a real file the two requests share
    site = tmp_path / "site.sqlite3"
    with sqlite3.connect(site) as target:
        connection.ensure_connection()
        connection.connection.backup(target)
    start = threading.Barrier(len(urls))
    answers: list[object] = []

    def view(client, url: str) -> None:
        db = connections["default"]
        db.settings_dict = {**db.settings_dict, "NAME": str(site)}
        try:
            start.wait()
            answers.append(client.get(url).status_code)
        except Exception as exc:  # the test client raises what the 503 page would answer
            answers.append(repr(exc))
        finally:
            db.close()

    threads = [threading.Thread(target=view, args=pair) for pair in zip(clients, urls, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200, 200, 200]
    with sqlite3.connect(site) as db:  # and what they computed is stored for the next view
        (stored,) = db.execute(
            "SELECT count(*) FROM walkthetalk_figures WHERE cache_key LIKE ?",
            [f"%pulse-figures:v{pulse_store.VERSION}:{wave.pk}:%:dashboard:"],
        ).fetchone()
    assert stored >= 1
