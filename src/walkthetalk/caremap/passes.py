"""The participant pass: what an anonymous participant's browser carries instead of an account.

A pass is signed by the server (as Django's ``signing.dumps`` signs:
:mod:`~walkthetalk.caremap.signatures`) and holds a random key plus coarse attributes (care
system, unit, level, sector). It never holds or derives from the invitation token, so nothing
links a participation to the invitation it started from.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass

from walkthetalk.caremap import signatures
from walkthetalk.caremap.tokens import token_hash

PASS_SALT = "walkthetalk.participant-pass"  # noqa: S105 - a salt name, not a secret
PASS_COOKIE = "wtt_pass"  # noqa: S105 - a cookie name
PASS_MAX_AGE = 60 * 60 * 24 * 365


@dataclass(frozen=True)
class ParticipantPass:
    key: str
    care_system_id: int
    unit_id: int | None = None
    level_id: int | None = None
    sector_id: int | None = None

    @classmethod
    def new(
        cls,
        care_system_id: int,
        unit_id: int | None = None,
        level_id: int | None = None,
        sector_id: int | None = None,
    ) -> ParticipantPass:
        return cls(secrets.token_urlsafe(24), care_system_id, unit_id, level_id, sector_id)

    @property
    def key_hash(self) -> str:
        return token_hash(self.key)

    def sign(self) -> str:
        return signatures.dumps(asdict(self), salt=PASS_SALT, compress=True)

    @classmethod
    def from_signed(cls, value: str) -> ParticipantPass | None:
        """The pass in a signed cookie value, or None if it is missing, forged or expired."""
        try:
            data = signatures.loads(value, salt=PASS_SALT, max_age=PASS_MAX_AGE)
            return cls(**data)
        except (signatures.BadSignature, TypeError, ValueError):
            return None
