"""Reads of the care map: the queries pages and reports need, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet

from walkthetalk.caremap.models import CareSystem, Invitation, StaffRole, Unit
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.caremap.tokens import MAX_TOKEN_LENGTH, normalise_token, token_hash


def systems_for(user: User | AnonymousUser) -> QuerySet[CareSystem]:
    if not user.is_authenticated:
        return CareSystem.objects.none()
    if getattr(user, "is_superuser", False):
        return CareSystem.objects.all()
    return CareSystem.objects.filter(staff_roles__user=user).distinct()


def has_role(user: User | AnonymousUser, system: CareSystem, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return StaffRole.objects.filter(user=user, care_system=system, role__in=roles).exists()


@dataclass
class UnitNode:
    unit: Unit
    children: list[UnitNode] = field(default_factory=list)


def unit_tree(system: CareSystem) -> list[UnitNode]:
    """The units as a forest of nodes, each level sorted by name; one query."""
    nodes = {u.pk: UnitNode(u) for u in system.units.select_related("sector").order_by("name")}
    roots: list[UnitNode] = []
    for node in nodes.values():
        parent_id = node.unit.parent_id
        (nodes[parent_id].children if parent_id in nodes else roots).append(node)
    return roots


def map_counts(system: CareSystem) -> dict[str, int]:
    by_kind = dict(
        system.units.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    return {
        "agencies": by_kind.get(1, 0),
        "organizations": by_kind.get(2, 0),
        "programs": by_kind.get(3, 0),
        "teams": by_kind.get(4, 0),
        "levels": system.levels.count(),
        "sectors": system.sectors.count(),
    }


def invitation_batches(system: CareSystem) -> list[dict[str, Any]]:
    rows = (
        Invitation.objects.filter(care_system=system)
        .values("created_on", "unit__name", "level__name", "sector__name")
        .annotate(total=Count("pk"), used=Count("pk", filter=Q(used_on__isnull=False)))
        .order_by("-created_on", "unit__name", "level__name", "sector__name")
    )
    return [dict(row) for row in rows]


@dataclass
class StaffMember:
    user: User
    roles: list[str] = field(default_factory=list)


def staff_of(system: CareSystem) -> list[StaffMember]:
    """Everyone with a staff role in the care system, with their roles, by user name."""
    members: dict[int, StaffMember] = {}
    for role in StaffRole.objects.filter(care_system=system).select_related("user"):
        members.setdefault(role.user_id, StaffMember(role.user)).roles.append(role.role)
    return sorted(members.values(), key=lambda m: m.user.username)


def care_system_of(participant_pass: ParticipantPass | None) -> CareSystem | None:
    """The care system a participant pass belongs to (None without a pass, or if it is gone)."""
    if participant_pass is None:
        return None
    return CareSystem.objects.filter(pk=participant_pass.care_system_id).first()


def staff_member(system: CareSystem, user_id: object) -> User | None:
    """The user ``user_id`` if they hold a role in ``system``."""
    if not str(user_id or "").isdigit():
        return None
    return User.objects.filter(pk=int(str(user_id)), staff_roles__care_system=system).first()


def stewarded_usernames(user: User | AnonymousUser) -> list[str]:
    """The user names of everyone holding a role in a care system ``user`` is a steward of."""
    if not user.is_authenticated:
        return []
    systems = StaffRole.objects.filter(user=user, role=StaffRole.Role.STEWARD).values("care_system")
    names = StaffRole.objects.filter(care_system__in=systems).values_list(
        "user__username", flat=True
    )
    return sorted(set(names))


def unit_of(participant_pass: ParticipantPass | None) -> Unit | None:
    """The unit a pass places its participant in, if any."""
    if participant_pass is None or participant_pass.unit_id is None:
        return None
    return Unit.objects.filter(pk=participant_pass.unit_id).first()


def is_returning_holder(token: str, participant_pass: ParticipantPass | None) -> bool:
    """True when a browser holding a valid pass opens an invitation of the pass's own care
    system that has already been used — the natural way back is to reopen one's link.

    Nothing ties the pass to the invitation (neither is stored with the other): the answer only
    says "this link is spent, and this browser is already in the same care system"."""
    token = normalise_token(token)
    if participant_pass is None or not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    return Invitation.objects.filter(
        token_hash=token_hash(token),
        care_system_id=participant_pass.care_system_id,
        used_on__isnull=False,
    ).exists()


def invitation_batch_made(system: CareSystem, first_token: str) -> Invitation | None:
    """The stored invitation of a batch's first code (its unit, level and sector are the
    batch's), or None when no such batch was made in ``system``."""
    return (
        Invitation.objects.filter(care_system=system, token_hash=token_hash(first_token))
        .select_related("unit", "level", "sector")
        .first()
    )
