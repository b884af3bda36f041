"""One-time secrets: invitation tokens and participant keys, and the hashes we keep of them.

An invitation token is a short code people can type from paper: 16 characters in four groups
(``7KQ2-MXF4-RB9H-TCZ3``) from an alphabet without look-alikes (no 0/O, 1/I/L), 79 random
bits. The token itself is never stored, only its SHA-256; 79 bits make that hash useless for
guessing a live token, and a token found would carry nothing about anyone (a pass never
derives from its invitation). Typed codes are read case-blind with any spaces or dashes.

A batch made from the invitations page draws its tokens from a random *batch key*
(:func:`derived_token`), so the page that shows them can show them again from that key alone —
kept only on the steward's browser — and a form sent twice makes the same batch, not a second.
Tokens made before short codes (24 URL-safe characters) still work.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4
CODE_LENGTH = CODE_GROUPS * CODE_GROUP_LENGTH
MAX_TOKEN_LENGTH = 64
LINK_TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
_SEPARATORS = re.compile(r"[\s\-]+")
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


def _code_from(number: int) -> str:
    chars = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return _code_from_compact("".join(chars))


def new_code() -> str:
    """A fresh random invitation code (short, typed from paper)."""
    return _code_from(secrets.randbelow(len(CODE_ALPHABET) ** CODE_LENGTH))


def new_token() -> str:
    """A fresh random link token that is never typed (a shared report's link): 144 bits."""
    return secrets.token_urlsafe(LINK_TOKEN_BYTES)


def new_batch_key() -> str:
    return secrets.token_urlsafe(16)


def derived_token(batch_key: str, index: int) -> str:
    """The ``index``-th invitation code of a batch drawn from ``batch_key`` (128 random bits):
    unpredictable without the key, the same every time with it."""
    digest = hmac.new(batch_key.encode(), f"invitation:{index}".encode(), hashlib.sha256)
    return _code_from(int.from_bytes(digest.digest(), "big"))


def normalise_token(token: str) -> str:
    """The canonical form of a token as typed or pasted: a short code in its grouped upper-case
    form whatever the case, spaces or dashes; any other token (an older one) as it came."""
    token = (token or "").strip()
    compact = _SEPARATORS.sub("", token).upper()
    if _CODE.fullmatch(compact):
        return _code_from_compact(compact)
    return token


def _code_from_compact(compact: str) -> str:
    return "-".join(
        compact[i : i + CODE_GROUP_LENGTH] for i in range(0, CODE_LENGTH, CODE_GROUP_LENGTH)
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
