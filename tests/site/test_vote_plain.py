"""Parts of the plain vote (walkthetalk.site.vote_plain) against the functions they stand in
for; the answers themselves are compared with the full chain's in test_vote_fast_path.py."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from django.conf import settings
from django.test import override_settings
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
