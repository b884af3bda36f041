"""Signed values (caremap.signatures) against Django's ``signing``: the same value for the
same object, salt and second; the same value or the same refusal for anything sent back."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any
from unittest import mock

from django.core import signing
from django.test import override_settings
from django.utils.encoding import force_bytes
from hypothesis import given
from hypothesis import strategies as st

from walkthetalk.caremap import signatures

NOW = 1_796_000_000.25
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
SALTS = st.sampled_from(
    ["walkthetalk.participant-pass", "walkthetalk.conversations-last-vote", ""]
) | st.text(max_size=12)
KEYS = st.text(min_size=1, max_size=40) | st.binary(min_size=1, max_size=40)


def _outcome(call: Callable[[], Any]) -> tuple[Any, Any]:
    try:
        return "value", call()
    except Exception as error:  # noqa: BLE001 — the refusal itself is what is compared
        return type(error), str(error)


def _loads_alike(signed: str, salt: str, max_age: Any) -> tuple[Any, Any]:
    """The outcome of both ``loads`` for ``signed``, asserted equal."""
    ours = _outcome(lambda: signatures.loads(signed, salt=salt, max_age=max_age))
    django = _outcome(lambda: signing.loads(signed, salt=salt, max_age=max_age))
    assert ours == django
    return ours


@given(obj=JSON, salt=SALTS, compress=st.booleans(), key=st.text(min_size=1, max_size=40))
def test_dumps_gives_djangos_value_byte_for_byte(
    obj: Any, salt: str, compress: bool, key: str
) -> None:
    with override_settings(SECRET_KEY=key), mock.patch("time.time", return_value=NOW):
        ours = signatures.dumps(obj, salt=salt, compress=compress)
        assert ours == signing.dumps(obj, salt=salt, compress=compress)
        assert signatures.loads(ours, salt=salt) == signing.loads(ours, salt=salt)


@given(
    obj=JSON,
    salt=SALTS,
    compress=st.booleans(),
    keys=st.lists(KEYS, min_size=3, max_size=3),
    signer=st.sampled_from(["main", "fallback", "other"]),
    age=st.integers(0, 8000),
    max_age=st.none() | st.integers(-5, 7200) | st.just(datetime.timedelta(hours=1)),
    change=st.integers(0, 400),
    char=st.sampled_from("Aa0:._-=/+ é"),
)
def test_loads_accepts_and_refuses_exactly_what_django_does(
    obj: Any,
    salt: str,
    compress: bool,
    keys: list[str | bytes],
    signer: str,
    age: int,
    max_age: Any,
    change: int,
    char: str,
) -> None:
    main, fallback, other = keys
    signing_key = {"main": main, "fallback": fallback, "other": other}[signer]
    with mock.patch("time.time", return_value=NOW - age):
        signed = signing.dumps(obj, key=signing_key, salt=salt, compress=compress)
    with (
        override_settings(SECRET_KEY=main, SECRET_KEY_FALLBACKS=[fallback]),
        mock.patch("time.time", return_value=NOW),
    ):
        kind, _ = _loads_alike(signed, salt, max_age)
        at = change % (len(signed) + 1)
        for sent in (signed[:at] + char + signed[at + 1 :], signed[:at], signed + char, ""):
            _loads_alike(sent, salt, max_age)
        _loads_alike(signed, salt + "x", max_age)
    if signer == "main" and max_age is None:
        assert kind == "value"
    if force_bytes(other) not in (force_bytes(main), force_bytes(fallback)) and signer == "other":
        assert kind is signing.BadSignature


@given(payload=st.text(max_size=30), salt=SALTS, stamp=st.booleans())
def test_a_malformed_value_signed_with_the_key_is_refused_as_django_refuses_it(
    payload: str, salt: str, stamp: bool
) -> None:
    """Bad base64, bad compression, bad JSON, a bad timestamp: what Django raises, raised."""
    with mock.patch("time.time", return_value=NOW):
        signer = signing.TimestampSigner(salt=salt) if stamp else signing.Signer(salt=salt)
        signed = signer.sign(payload)
        _loads_alike(signed, salt, 60)
        _loads_alike(signing.Signer(salt=salt).sign("." + payload + ":0"), salt, None)


def test_a_change_of_secret_key_derives_a_new_key() -> None:
    with override_settings(SECRET_KEY="one"):
        first = signatures.dumps([1], salt="s")
    with override_settings(SECRET_KEY="two"):
        assert _outcome(lambda: signatures.loads(first, salt="s"))[0] is signing.BadSignature
    with override_settings(SECRET_KEY="two", SECRET_KEY_FALLBACKS=["one"]):
        assert signatures.loads(first, salt="s") == [1]


def test_the_kept_keys_are_bounded() -> None:
    for number in range(signatures.MAX_KEYS * 2):
        signatures.dumps(number, salt=f"salt {number}")
    assert len(signatures._keyed) <= signatures.MAX_KEYS


@given(obj=JSON, salt=SALTS)
def test_dumps_json_of_djangos_json_text_is_dumps(obj: Any, salt: str) -> None:
    text = json.dumps(obj, separators=(",", ":"))
    with mock.patch("time.time", return_value=NOW):
        assert signatures.dumps_json(text, salt=salt) == signing.dumps(obj, salt=salt)


def test_the_timestamp_follows_the_clock_second_by_second() -> None:
    """The kept timestamp is the current second's, never an earlier second's."""
    for now in (NOW, NOW + 0.5, NOW + 1, NOW + 1.99, NOW - 3600, NOW + 86_400):
        with mock.patch("time.time", return_value=now):
            assert signatures.dumps([1], salt="s") == signing.dumps([1], salt="s")
            assert signatures._timestamp() == signing.b62_encode(int(now))
