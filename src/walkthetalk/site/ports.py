"""Whether a server can listen on an address, asked before anything says it is running."""

from __future__ import annotations

import errno
import socket


def cannot_listen(host: str, port: int) -> str | None:
    """None when ``host:port`` is free to listen on, else one plain sentence saying why not.

    Binds a socket the way the servers do (``SO_REUSEADDR``, so a port left in TIME_WAIT by a
    server that just stopped counts as free) and closes it at once."""
    if not 0 < port < 65536:
        return f"Cannot listen on port {port}: a port is a number from 1 to 65535."
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return f"Cannot listen on {host}:{port}: '{host}' is not a known host name or address."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} on {host} is already in use by another program; "
                    f"stop it or choose another port with --port (e.g. --port {port % 65535 + 1})."
                )
            return f"Cannot listen on {host}:{port}: {exc.strerror or exc}."
    return None
