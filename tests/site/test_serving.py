"""`walkthetalk serve`: gunicorn with several worker processes and no access log."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time

from walkthetalk.site.serving import default_workers, gunicorn_options


def test_workers_default_to_the_number_of_cores_and_nothing_is_logged_per_request() -> None:
    options = gunicorn_options("127.0.0.1", 8000)
    assert options["workers"] == default_workers() == (os.cpu_count() or 1)
    assert options["accesslog"] is None
    assert options["secure_scheme_headers"] == {}  # the trusted-proxy middleware decides
    assert gunicorn_options("127.0.0.1", 8000, threads=4)["worker_class"] == "gthread"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_gunicorn_with_the_asked_number_of_worker_processes(tmp_path) -> None:
    env = {**os.environ, "WALKTHETALK_DATA": str(tmp_path), "WALKTHETALK_ENV": "development"}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "walkthetalk.site.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status = None
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                break
            except OSError:
                time.sleep(0.2)
        assert status == 503  # serving, and honest: this database is not migrated
        children: list[str] = []
        for _ in range(100):  # the first worker may answer before the arbiter forks the second
            children = subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True
            ).stdout.split()
            if len(children) >= 2:
                break
            time.sleep(0.1)
        assert len(children) == 2
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert b"2 worker processes" in out
    assert b"GET /healthz" not in out  # no access log


def test_a_worker_puts_what_it_loaded_out_of_the_collectors_reach() -> None:
    # Run in a child: freezing the collector's generations is for the whole process.
    code = (
        "import gc, signal\n"
        "from walkthetalk.site.serving import after_worker_init, gunicorn_options\n"
        "assert gunicorn_options('127.0.0.1', 8000)['post_worker_init'] is after_worker_init\n"
        "import walkthetalk.site.wsgi\n"
        "class Worker:\n"
        "    def handle_exit(self, *args): pass\n"
        "assert gc.get_freeze_count() == 0\n"
        "worker = Worker()\n"
        "after_worker_init(worker)\n"
        "assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()\n"
        "assert signal.getsignal(signal.SIGQUIT) == worker.handle_exit\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
