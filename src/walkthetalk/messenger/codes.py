"""Receipt codes: how a concern's sender comes back to it without an account.

A receipt code is 20 characters of Crockford base32 in four groups of five
(``7KQ2M-XF4RB-9HT0W-CZ3NA``): 20 × 5 = **100 random bits** from :mod:`secrets`, easy to read
aloud and type (Crockford's alphabet has no I, L, O or U, and reading it back forgives
``O``→``0``, ``I``/``L``→``1``, lower case, spaces and dashes).

What is stored, and why (the code itself never is):

- ``lookup`` — HMAC-SHA256 of the whole normalised code, keyed from ``SECRET_KEY`` with a
  purpose of its own (:func:`django.utils.crypto.salted_hmac`). It finds the row in one indexed
  query. Because it is computed over all 100 bits, it narrows nothing: someone holding only the
  database cannot test guesses at all (no key), and even someone holding the database *and*
  the key still faces 2**100 guesses. No short public prefix of the code is stored, so no
  index derived from the code weakens it below its full 100 bits.
- ``code_hash`` — Argon2id of the code (argon2-cffi's defaults, with its own random salt). It is
  checked after the lookup, in constant time, so a row can only ever be opened with the code,
  and a stolen database plus key still has a slow hash between it and the code.

Rotating ``SECRET_KEY`` changes every lookup value; :func:`lookup_keys` therefore also tries
``SECRET_KEY_FALLBACKS`` so codes keep working through a rotation.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings
from django.utils.crypto import salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
GROUPS = 4
GROUP_LENGTH = 5
CODE_LENGTH = GROUPS * GROUP_LENGTH  # 20 characters
CODE_BITS = CODE_LENGTH * 5  # 100 bits
MAX_INPUT_LENGTH = 64
_LOOKUP_SALT = "walkthetalk.messenger.receipt-code-lookup"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_hasher = PasswordHasher()  # Argon2id


def new_code() -> str:
    """A fresh receipt code: 100 random bits as four dash-separated groups of five."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def normalise(text: str) -> str | None:
    """The code's 20 characters (upper case, no separators), or None if it cannot be a code."""
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n\r").translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def lookup_keys(normalised: str) -> list[str]:
    """The lookup value under the current secret key, then under any fallback keys."""
    secrets_in_use = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac(_LOOKUP_SALT, normalised, secret=secret, algorithm="sha256").hexdigest()
        for secret in secrets_in_use
    ]


def lookup_key(normalised: str) -> str:
    return lookup_keys(normalised)[0]


def slow_hash(normalised: str) -> str:
    return _hasher.hash(normalised)


def verify(code_hash: str, normalised: str) -> bool:
    try:
        return _hasher.verify(code_hash, normalised)
    except (VerificationError, InvalidHashError):
        return False
