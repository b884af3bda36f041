"""The demo: a realistic seeded care system, served by a real WSGI server."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from walkthetalk.caremap.models import CareSystem, StaffRole, UnitKind
from walkthetalk.conversations.models import Topic
from walkthetalk.pulse.models import Wave
from walkthetalk.reports import pulse_store
from walkthetalk.reports.tasks import refresh_all
from walkthetalk.site.demo import SEED_STEPS

# The settings a run of the CLI reads from its environment; each run here names its own.
OWN_SETTINGS = ("WALKTHETALK_", "DJANGO_", "DATABASE_URL")


@pytest.mark.django_db
def test_demo_seed_looks_like_a_state_system() -> None:
    call_command("demo", "--no-serve")
    system = CareSystem.objects.get(slug="northhaven")
    organizations = system.units.filter(kind=UnitKind.ORGANIZATION)
    assert organizations.count() >= 24
    assert system.units.filter(kind=UnitKind.TEAM).count() >= 50
    assert system.levels.count() == 5
    sectors_in_use = set(system.units.values_list("sector__slug", flat=True))
    assert {s.slug for s in system.sectors.all()} <= sectors_in_use
    assert StaffRole.objects.filter(care_system=system, role="steward").exists()
    # Topics are found while seeding, not at the worker's first hourly round: both the
    # conversation's statements and the backlog's issues are grouped from the first start.
    topics = list(Topic.objects.filter(care_system=system))
    assert len(topics) >= 2
    assert any(topic.statements.exists() for topic in topics)
    assert any(topic.issue_ids for topic in topics)
    names = sorted(topic.name for topic in topics)
    # The dashboards' figures are stored while seeding, as the worker's round stores them: a
    # first view reads them, and the round finds nothing left to compute.
    waves = list(Wave.objects.filter(care_system=system))
    assert waves and all(pulse_store.is_stored(wave, "dashboard:") for wave in waves)
    assert refresh_all() == 0
    call_command("demo", "--no-serve")  # idempotent
    assert CareSystem.objects.filter(slug="northhaven").count() == 1
    assert sorted(Topic.objects.filter(care_system=system).values_list("name", flat=True)) == names


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    return {**env, "WALKTHETALK_DATA": str(data), "PYTHONUNBUFFERED": "1"}


def start_demo(data: Path, port: int, cwd: Path) -> subprocess.Popen[str]:
    # A session of its own, as a terminal gives: Ctrl+C goes to the whole group.
    return subprocess.Popen(
        [sys.executable, "-m", "walkthetalk.site.cli", "demo", "--port", str(port)],
        cwd=cwd,
        env=demo_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def fetch(url: str, deadline: float) -> tuple[str, str]:
    while True:
        try:
            # A generous timeout: a client that hangs up early makes gunicorn log a traceback.
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - http only
                return response.read().decode(), response.headers.get("Server", "")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def children_of(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def test_demo_serves_a_real_site_shows_progress_and_stops_cleanly_on_ctrl_c(tmp_path) -> None:
    port, data = free_port(), tmp_path / "data"
    proc = start_demo(data, port, tmp_path)
    children: list[str] = []
    try:
        body, server = fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 240)
        assert "Walk the Talk" in body
        assert server  # a real WSGI server answered, not Django's development server
        assert "WSGIServer" not in server
        css, _ = fetch(f"http://127.0.0.1:{port}/static/walkthetalk/site.css", time.monotonic())
        assert css.strip()
        assert (data / "walkthetalk.sqlite3").exists()
        children = children_of(proc.pid)
        assert children, "the demo starts a background-task worker beside the server"
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
        output = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert all(not Path(f"/proc/{child}").exists() for child in children)
    assert output.rstrip().endswith("The demo has stopped.")
    # Progress while seeding: each step named and timed, then the total.
    total = len(SEED_STEPS) + 1  # the care map, then each seed step
    for number in range(1, total + 1):
        assert re.search(rf"\[{number}/{total}\] [a-z].*… \d+\.\d s", output), output
    assert re.search(r"Seeded in \d+ s\.", output)
    assert output.index("Seeded in") < output.index("demo is running")
    assert f"http://127.0.0.1:{port}/" in output
    assert "users 'steward', 'facilitator', 'leader'" in output
    assert "password 'walk-the-talk-demo'" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]

    # A later run only checks the seeded demo, and SIGTERM stops it as cleanly.
    again = start_demo(data, port, tmp_path)
    try:
        fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 120)
    finally:
        again.terminate()
        later = again.communicate(timeout=60)[0]
    assert again.returncode == 0, later
    assert "Checking the demo care system seeded on an earlier run" in later
    assert f"[1/{total}]" not in later
    assert "Traceback" not in later


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_busy_port_is_one_clear_line_before_anything_runs(tmp_path, command) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "walkthetalk.site.cli", command, "--port", str(port)],
            cwd=tmp_path,
            env=demo_env(tmp_path / "data"),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"CommandError: Port {port} on 127.0.0.1 is already in use by another program; "
        f"stop it or choose another port with --port (e.g. --port {port + 1})."
    ]
    assert not (tmp_path / "data" / "walkthetalk.sqlite3").exists()


def test_ctrl_c_while_seeding_stops_at_once_and_keeps_nothing_half_seeded(tmp_path) -> None:
    data = tmp_path / "data"
    proc = start_demo(data, free_port(), tmp_path)
    assert proc.stdout is not None
    seen = ""
    while f"[2/{len(SEED_STEPS) + 1}]" not in seen:  # the map is seeded; now the rest
        line = proc.stdout.readline()
        assert line, seen
        seen += line
    os.killpg(proc.pid, signal.SIGINT)
    seen += proc.communicate(timeout=60)[0]
    assert proc.returncode == 130, seen
    assert "Traceback" not in seen
    assert seen.rstrip().endswith("Stopped.")
    assert "demo is running" not in seen
    with sqlite3.connect(data / "walkthetalk.sqlite3") as db:
        assert db.execute("select count(*) from caremap_caresystem").fetchone() == (0,)
