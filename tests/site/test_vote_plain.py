"""Parts of the plain vote (walkthetalk.site.vote_plain) against the functions they stand in
for; the answers themselves are compared with the full chain's in test_vote_fast_path.py."""

from __future__ import annotations

from typing import Any
from unittest import mock
from urllib.parse import parse_qsl

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils.http import http_date
from hypothesis import example, given
from hypothesis import strategies as st

from walkthetalk.site import vote_plain

NAMES = [*sorted(vote_plain.FIELDS), "next", "Key", "", "statement"]
VALUES = st.text(alphabet="aZ09_-=&%+. é", max_size=6) | st.sampled_from(
    ["a" * 128, "a" * 129, "x"]
)


def _parsed(body: bytes) -> dict[str, str] | None:
    """The form as ``parse_qsl`` reads it, with the plain vote's rules."""
    try:
        pairs = parse_qsl(body.decode("ascii"), strict_parsing=True, max_num_fields=5)
    except ValueError:
        return None
    form = dict(pairs)
    if len(form) != len(pairs) or not form.keys() <= vote_plain.FIELDS:
        return None
    if not all(vote_plain._TOKEN.match(v) for v in form.values()):
        return None
    return form


@given(
    fields=st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=7),
    joiner=st.sampled_from(["&", "&", ";", "&&"]),
    tail=st.sampled_from(["", "", "&", "=", "é"]),
)
@example(fields=[("statement", "a"), ("key", ""), ("statement", "b")], joiner="&", tail="")
@example(fields=[("choice", "agree"), ("replaces", "")], joiner="&", tail="")
def test_the_form_is_read_as_parse_qsl_reads_it(
    fields: list[tuple[str, str]], joiner: str, tail: str
) -> None:
    body = (joiner.join(f"{name}={value}" for name, value in fields) + tail).encode()
    assert vote_plain._form(body) == _parsed(body)


def test_a_browsers_vote_form_is_read() -> None:
    body = b"csrfmiddlewaretoken=" + b"A" * 64 + b"&statement=s1&key=k-1_x&replaces=&choice=agree"
    assert vote_plain._form(body) == {
        "csrfmiddlewaretoken": "A" * 64,
        "statement": "s1",
        "key": "k-1_x",
        "choice": "agree",
    }
    assert vote_plain._form(b"statement=a%2Fb&choice=agree") is None
    assert vote_plain._form(b"statement=a+b") is None


@pytest.mark.parametrize("name", sorted(vote_plain._READ))
def test_the_settings_read_once_are_read_again_after_a_change(name: str) -> None:
    before = vote_plain._settings()
    assert vote_plain._settings() is before  # read once
    with override_settings(**{name: getattr(settings, name)}):
        assert vote_plain._settings() is not before
        assert vote_plain._settings() == before  # the same values, read again


def test_the_host_check_follows_allowed_hosts() -> None:
    with override_settings(ALLOWED_HOSTS=["example.org"]):
        assert vote_plain._host_allowed({"HTTP_HOST": "example.org:8000"})
        assert not vote_plain._host_allowed({"HTTP_HOST": "127.0.0.1"})
    with override_settings(ALLOWED_HOSTS=[], DEBUG=True):
        assert vote_plain._host_allowed({"HTTP_HOST": "127.0.0.1"})
    with override_settings(ALLOWED_HOSTS=["*"], PREPEND_WWW=True):
        assert not vote_plain._host_allowed({"HTTP_HOST": "example.org"})
    with override_settings(CSRF_COOKIE_NAME="kept", CSRF_HEADER_NAME="HTTP_X_KEPT"):
        read = vote_plain._settings()
        assert (read.csrf_cookie, read.csrf_header) == ("kept", "HTTP_X_KEPT")
        assert read.allowed_hosts == (*settings.ALLOWED_HOSTS,)


def _headers_as_written(
    learnt: list[Any], cookies: dict[str, Any], values: dict[str, Any], length: int, now: float
) -> list[tuple[str, str]]:
    """The learnt headers with the per-request values, one header at a time."""
    out = []
    for item in learnt:
        if isinstance(item, tuple):
            out.append(item)
        elif item == "Expires":
            out.append(("Expires", http_date(now)))
        elif item == "Content-Length":
            out.append(("Content-Length", str(length)))
        else:
            start, middle, end = cookies[item]
            value, max_age = values[item]
            out.append(("Set-Cookie", f"{start}{value}{middle}{http_date(now + max_age)}{end}"))
    return out


HEADER_NAMES = st.sampled_from(
    ["Vary", "Expires", "Content-Length", "X-Frame-Options", "Set-Cookie"]
)


@given(
    literal=st.lists(st.tuples(HEADER_NAMES, st.text("ab ;=", max_size=5)), max_size=8),
    order=st.randoms(use_true_random=False),
    length=st.integers(0, 10**6),
    value=st.text("abc:", max_size=8),
    max_age=st.sampled_from([3600, 31449600, 0]),
    now=st.floats(1e9, 2e9),
)
def test_the_learnt_headers_are_filled_in_one_by_one(
    literal: list[tuple[str, str]],
    order: Any,
    length: int,
    value: str,
    max_age: int,
    now: float,
) -> None:
    learnt: list[Any] = [pair for pair in literal if pair[0] not in ("Expires", "Set-Cookie")]
    learnt += ["Expires", "Content-Length", "wtt_last_vote", "csrftoken"]
    order.shuffle(learnt)
    cookies = {
        "wtt_last_vote": ("wtt_last_vote=", "; expires=", "; Max-Age=3600; Path=/c/x/vote/"),
        "csrftoken": ("csrftoken=", "; expires=", "; Max-Age=31449600; Path=/"),
    }
    values = {"wtt_last_vote": (value, max_age), "csrftoken": ("a" * 32, max_age)}
    with mock.patch("time.time", return_value=now):
        filled = list(vote_plain._headers(learnt, cookies, values, length))
    assert filled == _headers_as_written(learnt, cookies, values, length, float(int(now)))
