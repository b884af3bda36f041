"""`walkthetalk serve`: gunicorn with several worker processes and no access log."""

from __future__ import annotations

import http.client
import os
import select
import socket
import subprocess
import sys
import threading
import time

from gunicorn import util

from walkthetalk.site.serving import close_connection, default_workers, gunicorn_options


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
        "from gunicorn import util\n"
        "installed = util.close_graceful\n"
        "assert installed.lingers_with is not None\n"
        "after_worker_init(worker)\n"
        "assert util.close_graceful is installed  # installed once\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr


# --- closing a connection after its answer ------------------------------------------------


def _connected() -> tuple[socket.socket, socket.socket]:
    """A TCP connection on loopback: (the server's end, the client's end)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    return server, client


def _read_to_end(sock: socket.socket) -> bytes:
    """Everything ``sock`` receives until the other end closes (a reset raises)."""
    sock.settimeout(10)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    received = b""
    while len(received) < size:
        received += sock.recv(size - len(received))
    return received


def _gunicorns_close() -> object:
    return getattr(util.close_graceful, "lingers_with", util.close_graceful)


REQUEST = b"POST /vote/ HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100_000


def test_a_connection_with_nothing_left_unread_is_closed_without_waiting_for_the_client() -> None:
    lingered: list[object] = []
    close = close_connection(lambda sock, *args: lingered.append(sock))
    server, client = _connected()
    with client:
        client.sendall(REQUEST)
        assert _read_exactly(server, len(REQUEST)) == REQUEST
        server.sendall(ANSWER)
        close(server)  # the client has not closed: gunicorn's close would wait for it
        assert server.fileno() == -1 and not lingered
        assert _read_to_end(client) == ANSWER  # the whole answer, then the end: no reset


def test_a_connection_with_data_left_unread_is_closed_as_gunicorn_closes_it() -> None:
    lingered: list[object] = []
    gunicorns = _gunicorns_close()

    def lingering(sock: socket.socket, *args: object) -> None:
        lingered.append(sock)
        gunicorns(sock, *args)  # type: ignore[operator]

    close = close_connection(lingering)
    server, client = _connected()
    with client:
        client.sendall(REQUEST + b"GET /next/ HTTP/1.1\r\n\r\n")  # a second request, early
        assert _read_exactly(server, len(REQUEST)) == REQUEST
        server.sendall(ANSWER)
        closing = threading.Thread(target=close, args=(server,))
        closing.start()  # gunicorn's close waits for the client to close its side
        assert _read_to_end(client) == ANSWER
    closing.join(10)
    assert lingered == [server] and not closing.is_alive() and server.fileno() == -1


def test_a_connection_the_client_closed_is_closed_at_once() -> None:
    lingered: list[object] = []
    close = close_connection(lambda sock, *args: lingered.append(sock))
    server, client = _connected()
    client.close()
    assert select.select([server], [], [], 10)[0]  # the client's end has reached the server
    close(server)
    assert server.fileno() == -1 and not lingered
