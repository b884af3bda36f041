"""The demo: a realistic seeded care system, served by a real WSGI server."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from walkthetalk.caremap.models import CareSystem, StaffRole, UnitKind


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
    call_command("demo", "--no-serve")  # idempotent
    assert CareSystem.objects.filter(slug="northhaven").count() == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_command_serves_a_real_site(tmp_path) -> None:
    port = free_port()
    env = {"WALKTHETALK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "walkthetalk.site.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    body = response.read().decode()
                    server = response.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.5)
        assert "Walk the Talk" in body
        assert "waitress" in server
        assert (tmp_path / "walkthetalk.sqlite3").exists()
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert children, "the demo starts a background-task worker beside the server"
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    # Stopping the demo stops its worker too.
    assert all(not Path(f"/proc/{child}").exists() for child in children)
    assert f"http://127.0.0.1:{port}/" in output
    assert "users 'steward', 'facilitator', 'leader'" in output
    assert "password 'walk-the-talk-demo'" in output
