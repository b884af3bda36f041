"""Access funnels for the backlog's issues, gatherings, their agenda and action items."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from walkthetalk.agenda.models import ActionItem, AgendaItem, AvoidedIssue, Gathering
from walkthetalk.caremap.access import FACILITATOR, STEWARD, access_care_system, found_or_404
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.passes import ParticipantPass

FACILITATORS = (FACILITATOR, STEWARD)


def access_issue(system: CareSystem, public_id: str) -> AvoidedIssue:
    return found_or_404(
        AvoidedIssue.objects.filter(care_system=system, public_id=public_id),
        "No such issue in this care system.",
    )


def participant_gathering(participant_pass: ParticipantPass, public_id: str) -> Gathering:
    """A gathering of the participant's own care system."""
    return found_or_404(
        Gathering.objects.filter(
            care_system_id=participant_pass.care_system_id, public_id=public_id
        ),
        "No such gathering.",
    )


def access_gathering(
    user: User | AnonymousUser, slug: str, public_id: str
) -> tuple[CareSystem, Gathering]:
    """A gathering, for its care system's facilitators and stewards."""
    system = access_care_system(user, slug, *FACILITATORS)
    found = found_or_404(
        Gathering.objects.filter(care_system=system, public_id=public_id),
        "No such gathering in this care system.",
    )
    return system, found


def access_agenda_item(gathering: Gathering, item_id: int) -> AgendaItem:
    return found_or_404(
        AgendaItem.objects.filter(gathering=gathering, pk=item_id),
        "No such agenda item in this gathering.",
    )


def access_action_item(system: CareSystem, public_id: str) -> ActionItem:
    return found_or_404(
        ActionItem.objects.filter(care_system=system, public_id=public_id),
        "No such action item in this care system.",
    )
