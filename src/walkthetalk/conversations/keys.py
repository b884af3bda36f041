"""The one-way key that finds a participant's own row in a conversation."""

from __future__ import annotations

import hashlib

from walkthetalk.caremap.passes import ParticipantPass


def participant_key(conversation_id: int, participant_pass: ParticipantPass) -> str:
    """SHA-256 of a domain string, the conversation's id and the pass's *secret* key.

    Only the participant's browser holds that key (the database keeps at most ``sha256(key)``
    as a participation's key), so nothing stored — nor the server's ``SECRET_KEY`` with it —
    can recompute this: a participant's votes and statements join to no participation, and one
    person's rows in two conversations cannot be paired. Never derive it from ``key_hash``.
    """
    message = f"walkthetalk.conversations.participant:{conversation_id}:{participant_pass.key}"
    return hashlib.sha256(message.encode()).hexdigest()
