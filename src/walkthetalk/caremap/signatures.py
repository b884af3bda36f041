"""Django's ``signing.dumps`` and ``signing.loads`` for the cookies a participant sends with
every vote, without deriving the signing key anew each time.

Django's functions build a ``TimestampSigner`` on every call, and each signature derives its
HMAC key from the salt and the secret (``salted_hmac``: a SHA-256 of salt and secret, then a new
HMAC object keyed with it). :func:`dumps` and :func:`loads` give the same values, byte for byte,
and accept and refuse the same values, raising the same exceptions: the key is derived as
Django derives it, once per (salt, secret), and the HMAC object keyed with it is kept and
copied for each signature. Only keys derived from settings (``SECRET_KEY``,
``SECRET_KEY_FALLBACKS``) are kept, never anything a participant sends; a change of either
setting (``override_settings``) derives new keys. ``tests/caremap/test_signatures.py`` checks
them against Django's own functions.

Django's defaults hold throughout: the separator ``:``, SHA-256, the timestamp signer, the JSON
serializer, the key ``settings.SECRET_KEY`` and its fallbacks.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
import zlib
from typing import Any

from django.conf import settings
from django.core.signing import (
    BadSignature,
    SignatureExpired,
    b62_decode,
    b62_encode,
    b64_decode,
    b64_encode,
)
from django.utils.encoding import force_bytes

__all__ = ["BadSignature", "SignatureExpired", "dumps", "loads"]

SEP = ":"
MAX_KEYS = 64
# (salt, secret) -> the HMAC object keyed as Django's salted_hmac keys it, never updated.
_keyed: dict[tuple[str, str | bytes], Any] = {}
# Django's JSONSerializer: json.dumps(obj, separators=(",", ":")), which builds this very
# encoder on every call; kept (it holds no state between calls).
_ENCODER = json.JSONEncoder(separators=(",", ":"))


# Django's salt for a TimestampSigner given none (or an empty one).
DEFAULT_SALT = "django.core.signing.TimestampSigner"


def _signature(salt: str, value: str, secret: str | bytes) -> str:
    """Django's ``TimestampSigner(salt=salt).signature(value, secret)``."""
    salt = salt or DEFAULT_SALT
    found = _keyed.get((salt, secret))
    if found is None:
        key = hashlib.sha256(force_bytes(salt + "signer") + force_bytes(secret)).digest()
        found = hmac.new(key, digestmod=hashlib.sha256)
        if len(_keyed) >= MAX_KEYS:
            _keyed.clear()
        _keyed[(salt, secret)] = found
    mac = found.copy()
    mac.update(value.encode())
    return b64_encode(mac.digest()).decode()


_stamp: tuple[int, str] = (-1, "")


def _timestamp() -> str:
    """Django's ``b62_encode(int(time.time()))``, worked out once per second of the clock (a
    clock value only: nothing a participant sends)."""
    global _stamp
    now = int(time.time())
    kept = _stamp
    if kept[0] != now:
        kept = _stamp = (now, b62_encode(now))
    return kept[1]


def dumps(obj: Any, *, salt: str, compress: bool = False) -> str:
    """``django.core.signing.dumps(obj, salt=salt, compress=compress)``."""
    return _signed(_ENCODER.encode(obj), salt, compress)


def dumps_json(text: str, *, salt: str) -> str:
    """:func:`dumps` of the value whose JSON, as Django's serializer writes it
    (``json.dumps(obj, separators=(",", ":"))``), is ``text`` — the caller vouches for that
    (uncompressed)."""
    return _signed(text, salt, False)


def _signed(text: str, salt: str, compress: bool) -> str:
    data = text.encode("latin-1")
    is_compressed = False
    if compress:
        compressed = zlib.compress(data)
        if len(compressed) < (len(data) - 1):
            data = compressed
            is_compressed = True
    base64d = b64_encode(data).decode()
    if is_compressed:
        base64d = "." + base64d
    value = f"{base64d}{SEP}{_timestamp()}"
    return f"{value}{SEP}{_signature(salt, value, settings.SECRET_KEY)}"


def loads(
    signed: str, *, salt: str, max_age: int | float | datetime.timedelta | None = None
) -> Any:
    """``django.core.signing.loads(signed, salt=salt, max_age=max_age)``: the value, or
    :class:`BadSignature` (:class:`SignatureExpired` when it is older than ``max_age``), or
    what Django raises on a value signed with the key but malformed."""
    if SEP not in signed:
        raise BadSignature(f'No "{SEP}" found in value')
    value, sig = signed.rsplit(SEP, 1)
    main = settings.SECRET_KEY
    given = sig.encode()  # Django's constant_time_compare: force_bytes, then compare_digest
    for key in [main, *settings.SECRET_KEY_FALLBACKS]:
        if hmac.compare_digest(given, _signature(salt, value, key or main).encode()):
            break
    else:
        raise BadSignature(f'Signature "{sig}" does not match')
    value, stamp = value.rsplit(SEP, 1)
    timestamp = b62_decode(stamp)
    if max_age is not None:
        if isinstance(max_age, datetime.timedelta):
            max_age = max_age.total_seconds()
        age = time.time() - timestamp
        if age > max_age:
            raise SignatureExpired(f"Signature age {age} > {max_age} seconds")
    base64d = value.encode()
    decompress = base64d[:1] == b"."
    if decompress:
        base64d = base64d[1:]
    data = b64_decode(base64d)
    if decompress:
        data = zlib.decompress(data)
    return json.loads(data.decode("latin-1"))
