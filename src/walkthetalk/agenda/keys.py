"""One-way participant tags for ratings and acceptances (derived from the pass, never stored
with it): the same participant and object always give the same tag, nothing joins them."""

from __future__ import annotations

import hashlib

from walkthetalk.agenda.models import AvoidedIssue, Gathering
from walkthetalk.caremap.passes import ParticipantPass


def _pass_tag(purpose: str, object_id: object, participant_pass: ParticipantPass) -> str:
    """A one-way tag of an object and the pass's secret key (never stored on the server).

    Stable for one participant and one object (so a second rating replaces the first), but it
    joins to no participation and differs from object to object.
    """
    message = f"walkthetalk.agenda.{purpose}:{object_id}:{participant_pass.key}"
    return hashlib.sha256(message.encode()).hexdigest()


def rater_key(issue: AvoidedIssue, participant_pass: ParticipantPass) -> str:
    return _pass_tag("rating", issue.pk, participant_pass)


def acceptance_key(gathering: Gathering, participant_pass: ParticipantPass) -> str:
    return _pass_tag("acceptance", gathering.pk, participant_pass)


def request_digest(request_key: str) -> str:
    """What is stored of a form's random request key (so a retried form is recognised)."""
    return hashlib.sha256(request_key.encode("ascii", "replace")).hexdigest()
