"""Reads of the care map: the queries pages and reports need, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Max, Q, QuerySet

from walkthetalk.caremap.models import CareSystem, Invitation, StaffRole, Unit, UnitKind
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


# A tree of this many units or fewer is drawn with every branch open; a bigger one shows its
# top units, each branch a click away.
OPEN_TREE_UP_TO = 40


@dataclass(frozen=True)
class UnitRow:
    """One unit of a tree drawn as a flat list in depth-first order (one template loop, no
    recursion, plain values): ``closes`` is how many open branches end after it, ``below`` how
    many units are shown inside its branch, ``trail`` the names of every unit above it, ``path``
    the same only where its parent is not shown, ``key`` its name in lower case (what the filter
    box matches)."""

    pk: int
    name: str
    kind: str
    sector: str
    depth: int
    below: int
    closes: range
    trail: str = ""
    matched: bool = False
    open: bool = False
    chosen: bool = False

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def path(self) -> str:
        return self.trail if self.depth == 0 else ""


@dataclass(frozen=True)
class _Unit:
    pk: int
    name: str
    kind: int
    parent_id: int | None
    sector: str


def unit_rows(
    system: CareSystem,
    *,
    among: Iterable[int] | None = None,
    query: str = "",
    chosen: Iterable[int] = (),
) -> list[UnitRow]:
    """The care system's units as a tree, each level sorted by name, in one query.

    ``among`` keeps only those units (a unit whose parent is left out starts a branch, with the
    path above it); ``query`` keeps the units whose name contains it (any case), the units
    above them (every branch on the way open) and below them (a click away); the branches
    holding a ``chosen`` unit are open,
    and every branch of a tree of at most :data:`OPEN_TREE_UP_TO` units.
    """
    units = [
        _Unit(*values)
        for values in system.units.order_by("name").values_list(
            "pk", "name", "kind", "parent_id", "sector__name"
        )
    ]
    by_pk = {u.pk: u for u in units}
    keep_ids = set(by_pk) if among is None else set(among) & set(by_pk)
    needle = query.strip().casefold()
    matched = {pk for pk in keep_ids if needle and needle in by_pk[pk].name.casefold()}
    if needle:
        keep_ids = _with_units_above(matched, keep_ids, by_pk) | _below(matched, keep_ids, units)
    children: dict[int | None, list[_Unit]] = {}
    for unit in units:
        if unit.pk in keep_ids:
            parent = unit.parent_id if unit.parent_id in keep_ids else None
            children.setdefault(parent, []).append(unit)
    chosen_ids = set(chosen)
    leads_to = (chosen_ids | matched) & keep_ids
    parents = {pk for pk in (by_pk[pk].parent_id for pk in leads_to) if pk is not None}
    open_ids = _with_units_above(parents, keep_ids, by_pk)
    if len(keep_ids) <= OPEN_TREE_UP_TO:
        open_ids |= keep_ids
    order: list[tuple[_Unit, int, bool]] = []
    stack: list[tuple[_Unit, int]] = [(u, 0) for u in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        kids = children.get(unit.pk, [])
        stack.extend((kid, depth + 1) for kid in reversed(kids))
        order.append((unit, depth, bool(kids)))
    below: dict[int, int] = {}
    for unit, _, _ in reversed(order):
        if unit.parent_id is not None and unit.parent_id in keep_ids:
            below[unit.parent_id] = below.get(unit.parent_id, 0) + 1 + below.get(unit.pk, 0)
    kinds = dict(UnitKind.choices)
    rows: list[UnitRow] = []
    for i, (unit, depth, has_kids) in enumerate(order):
        next_depth = order[i + 1][1] if i + 1 < len(order) else 0
        rows.append(
            UnitRow(
                pk=unit.pk,
                name=unit.name,
                kind=str(kinds.get(unit.kind, "")),
                sector=unit.sector or "",
                depth=depth,
                below=below.get(unit.pk, 0),
                closes=range(0 if has_kids else depth - next_depth),
                trail=_path_above(unit, by_pk),
                matched=unit.pk in matched,
                open=has_kids and unit.pk in open_ids,
                chosen=unit.pk in chosen_ids,
            )
        )
    return rows


def _with_units_above(ids: set[int], within: set[int], by_pk: dict[int, _Unit]) -> set[int]:
    """``ids`` and every unit above one of them, as far as ``within`` goes."""
    out: set[int] = set()
    for start in ids:
        pk: int | None = start
        while pk is not None and pk in within and pk not in out:
            out.add(pk)
            pk = by_pk[pk].parent_id
    return out


def _below(ids: set[int], within: set[int], units: list[_Unit]) -> set[int]:
    """Every unit below one of ``ids``, as far as ``within`` goes."""
    children: dict[int, list[int]] = {}
    for unit in units:
        if unit.parent_id is not None and unit.pk in within:
            children.setdefault(unit.parent_id, []).append(unit.pk)
    out: set[int] = set()
    stack = [kid for pk in ids for kid in children.get(pk, [])]
    while stack:
        pk = stack.pop()
        if pk not in out:
            out.add(pk)
            stack.extend(children.get(pk, []))
    return out


def _path_above(unit: _Unit, by_pk: dict[int, _Unit]) -> str:
    names: list[str] = []
    parent = unit.parent_id
    while parent is not None and parent in by_pk and len(names) < 10:
        names.append(by_pk[parent].name)
        parent = by_pk[parent].parent_id
    return " › ".join(reversed(names))


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
    """The invitations grouped as the invitations page lists them (made on one day with the
    same stored attributes): how many, how many used and stopped, and their last day."""
    rows = (
        Invitation.objects.filter(care_system=system)
        .values(
            "created_on",
            "unit_id",
            "level_id",
            "sector_id",
            "unit__name",
            "level__name",
            "sector__name",
        )
        .annotate(
            total=Count("pk"),
            used=Count("pk", filter=Q(used_on__isnull=False)),
            stopped=Count("pk", filter=Q(revoked=True)),
            last_day=Max("expires_on"),
        )
        .order_by("-created_on", "unit__name", "level__name", "sector__name")
    )
    return [{**row, "unused": row["total"] - row["used"] - row["stopped"]} for row in rows]


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
