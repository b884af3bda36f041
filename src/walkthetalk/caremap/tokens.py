"""One-time secrets: invitation tokens and participant keys, and the hashes we keep of them.

Tokens carry 144 random bits, so a plain SHA-256 is enough to make a stored hash useless for
guessing; the token itself is never stored.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
MAX_TOKEN_LENGTH = 64


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
