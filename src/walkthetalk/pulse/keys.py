"""One-way tags of a wave and a pass's secret key: the same on every page for one participant,
joinable to nothing stored (a second answer is refused; the item order is the participant's own)."""

from __future__ import annotations

import hashlib

from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.pulse.models import Wave


def submission_key(wave_id: int, participant_pass: ParticipantPass) -> str:
    """A one-way tag of wave and pass key: the same for one participant's second try at a wave,
    and joinable to nothing stored.

    It is derived from the pass's secret *key*, which only the participant's browser holds (the
    database keeps just ``sha256(key)`` as the participation's key), so someone with the whole
    database and the site's ``SECRET_KEY`` still cannot tell which participation a response
    belongs to, nor pair one participant's responses across waves. (An HMAC of the stored
    participation hash keyed with ``SECRET_KEY`` would be joinable by anyone holding both.)
    """
    message = f"walkthetalk.pulse.response:{wave_id}:{participant_pass.key}".encode()
    return hashlib.sha256(message).hexdigest()


def order_seed(wave: Wave, participant_pass: ParticipantPass) -> int:
    """The seed of one participant's item order for a wave: the same on every page and reload,
    different for each participant, and derived from the pass's secret key (held only by the
    participant's browser), so the order is never stored and tells nothing about anyone."""
    message = f"walkthetalk.pulse.order:{wave.pk}:{participant_pass.key}".encode()
    return int.from_bytes(hashlib.sha256(message).digest()[:8], "big")
