"""Whether the demo and ``serve`` can listen, asked before they say they are running."""

import socket

from walkthetalk.site.ports import cannot_listen


def test_a_free_port_is_free_and_stays_free() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert cannot_listen("127.0.0.1", port) is None
    assert cannot_listen("127.0.0.1", port) is None  # the probe let go of it


def test_a_port_in_use_is_named_with_a_way_out() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        message = cannot_listen("127.0.0.1", port)
    assert message is not None
    assert f"Port {port} on 127.0.0.1 is already in use" in message
    assert f"--port {port + 1}" in message


def test_an_unknown_host_and_a_port_out_of_range_are_explained() -> None:
    assert "not a known host name" in (cannot_listen("no-such-host.invalid", 8000) or "")
    assert "1 to 65535" in (cannot_listen("127.0.0.1", 70000) or "")
