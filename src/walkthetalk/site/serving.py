"""Serving the site with gunicorn: several worker processes, never Django's runserver.

``workers`` defaults to the number of CPU cores. Each worker runs ``threads`` threads (gunicorn's
threaded worker when more than one). No access log is written: participants' addresses are never
stored anywhere (see ``privacy_guards``). Forwarded headers are judged by Django
(``WALKTHETALK_TRUSTED_PROXY``, see ``trusted_proxy``), not by gunicorn, so there is one place
that decides whom to believe.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from walkthetalk.site.wsgi import application

        return application


def settle_the_heap() -> None:
    """Move everything the worker has loaded (Django, the apps, numpy and scikit-learn: some
    200,000 objects) out of the garbage collector's reach, so its full collections scan only
    what requests make. Without it, a worker that answers votes spends more time walking its
    startup objects than the minimal reference endpoint spends answering."""
    gc.collect()
    gc.freeze()


def after_worker_init(worker: Any) -> None:
    finish_the_request_on_quit(worker)
    settle_the_heap()
    close_at_once_when_all_is_read()


def close_at_once_when_all_is_read() -> None:
    """In this worker, gunicorn's sync worker closes a connection at once after its answer
    when nothing the client sent is left unread (:func:`close_connection`); otherwise as
    gunicorn closes it. Nothing is done for a gunicorn without ``util.close_graceful`` (an
    older one, which always closed at once)."""
    from gunicorn import util

    lingering = getattr(util, "close_graceful", None)
    if lingering is None or getattr(lingering, "lingers_with", None) is not None:
        return
    util.close_graceful = close_connection(lingering)


def close_connection(lingering: Callable[..., None]) -> Callable[..., None]:
    """gunicorn's ``close_graceful`` (``lingering``), except when nothing is left to read.

    After the answer, gunicorn half-closes the connection and then waits, for up to 2 s,
    until the client closes its side, reading and dropping what it sends (RFC 9112, 9.6):
    closing a socket while data it received is still unread makes the kernel send a reset
    instead of the usual end, which can cut off the end of the answer before the client has
    read it. That wait holds the worker, which answers nobody meanwhile, for as long as the
    client (or the proxy in front) takes to see the end and close: on this machine about a
    tenth of a worker's busy time during a load test of votes. When the socket holds nothing
    unread, closing it sends the usual end right away, after the whole answer, so it is
    closed at once. Data already received
    and unread (a body the application left unread, a second request sent early), or a
    socket that cannot be read, gets gunicorn's close. Behind the proxy of the deployment
    guide (nginx, which sends each request whole before reading the answer) the socket holds
    nothing more once a request has been read."""

    def close(sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        try:
            unread = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:  # nothing received and unread; the client has not closed
            unread = b""
        except (OSError, ValueError):  # a socket that cannot be peeked at (TLS: ValueError)
            unread = None
        if unread == b"":  # nothing left unread, or the client closed already
            try:
                sock.close()
            except OSError:
                pass
            return
        lingering(sock, *args, **kwargs)

    close.lingers_with = lingering  # type: ignore[attr-defined]
    return close


def finish_the_request_on_quit(worker: Any) -> None:
    """Ctrl+C in a terminal reaches every worker: let each finish the request it is answering.

    gunicorn's workers otherwise leave mid-response on SIGINT/SIGQUIT (a traceback in the log and
    a cut answer); the graceful handler lets the current request end, then the worker exits.
    """
    signal.signal(signal.SIGINT, worker.handle_exit)
    signal.signal(signal.SIGQUIT, worker.handle_exit)


def gunicorn_options(
    host: str, port: int, workers: int | None = None, threads: int = 1, timeout: int = 60
) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "threads": max(1, threads),
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "graceful_timeout": 20,
        "accesslog": None,  # no access log: no participant address is ever written
        "errorlog": "-",
        "loglevel": "warning",
        "forwarded_allow_ips": "127.0.0.1",  # unused: secure_scheme_headers is empty
        "secure_scheme_headers": {},  # the scheme is decided by TrustedProxyMiddleware
        "proc_name": "walkthetalk",
        "preload_app": False,
        "post_worker_init": after_worker_init,
    }


def serve_site(
    host: str, port: int, threads: int = 1, workers: int | None = None, timeout: int = 60
) -> None:
    _Gunicorn(gunicorn_options(host, port, workers, threads, timeout)).run()
