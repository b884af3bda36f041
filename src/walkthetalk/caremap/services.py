"""Every write to the care map, one transaction each: views, the CLI and the demo call these."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.text import slugify
from django.utils.translation import gettext

from walkthetalk.caremap import mapfile
from walkthetalk.caremap.clock import today
from walkthetalk.caremap.defaults import DEFAULT_LEVELS, DEFAULT_SECTORS
from walkthetalk.caremap.errors import ServiceError
from walkthetalk.caremap.models import (
    CareSystem,
    Invitation,
    Level,
    Sector,
    StaffRole,
    Unit,
)
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.caremap.tokens import (
    MAX_TOKEN_LENGTH,
    derived_token,
    new_code,
    normalise_token,
    token_hash,
)

MAX_INVITATIONS_PER_BATCH = 5_000


class CareMapError(ServiceError):
    """A change to the care map that cannot be made; the message says why in plain words."""


class InvitationError(ServiceError):
    """An invitation token that cannot be used (unknown, forged or already used)."""


class InvitationStopped(InvitationError):
    """An unused invitation whose batch a steward stopped, or past its last day."""


@transaction.atomic
def create_care_system(
    name: str, slug: str | None = None, *, min_group_size: int = 5, with_defaults: bool = True
) -> CareSystem:
    slug = slug or slugify(name)[:80]
    if not name.strip() or not slug:
        raise CareMapError("A care system needs a name.")
    if CareSystem.objects.filter(slug=slug).exists():
        raise CareMapError(f"A care system with the short name '{slug}' already exists.")
    if min_group_size < 3:
        raise CareMapError("The minimum group size must be 3 or more.")
    system = CareSystem.objects.create(name=name.strip(), slug=slug, min_group_size=min_group_size)
    if with_defaults:
        for position, level in enumerate(DEFAULT_LEVELS, start=1):
            Level.objects.create(care_system=system, name=level, position=position)
        for sector_slug, sector_name in DEFAULT_SECTORS:
            Sector.objects.create(care_system=system, slug=sector_slug, name=sector_name)
    return system


def _check_placement(system: CareSystem, kind: int, parent: Unit | None, unit: Unit | None) -> None:
    if parent is None:
        return
    if parent.care_system_id != system.pk:
        raise CareMapError("The parent unit belongs to another care system.")
    if parent.kind >= kind:
        raise CareMapError(
            f"{mapfile.with_article(kind).capitalize()} cannot sit under "
            f"{mapfile.with_article(parent.kind)}."
        )
    walker: Unit | None = parent
    while walker is not None:
        if unit is not None and walker.pk == unit.pk:
            raise CareMapError("A unit cannot sit under itself or one of its own units.")
        walker = walker.parent


@transaction.atomic
def add_unit(
    system: CareSystem,
    name: str,
    kind: int,
    parent: Unit | None = None,
    sector: Sector | None = None,
) -> Unit:
    name = name.strip()
    if not name:
        raise CareMapError("A unit needs a name.")
    _check_placement(system, kind, parent, None)
    if Unit.objects.filter(care_system=system, name=name).exists():
        raise CareMapError(f"There is already a unit named '{name}'.")
    return Unit.objects.create(
        care_system=system, name=name, kind=kind, parent=parent, sector=sector
    )


@transaction.atomic
def update_unit(
    unit: Unit, name: str, kind: int, parent: Unit | None, sector: Sector | None
) -> Unit:
    name = name.strip()
    if not name:
        raise CareMapError("A unit needs a name.")
    _check_placement(unit.care_system, kind, parent, unit)
    if any(child.kind <= kind for child in unit.children.all()):
        raise CareMapError("This unit has units under it that would no longer fit below it.")
    if Unit.objects.filter(care_system=unit.care_system, name=name).exclude(pk=unit.pk).exists():
        raise CareMapError(f"There is already a unit named '{name}'.")
    unit.name, unit.kind, unit.parent, unit.sector = name, kind, parent, sector
    unit.save()
    return unit


@transaction.atomic
def add_level(system: CareSystem, name: str) -> Level:
    name = name.strip()
    if not name:
        raise CareMapError("A level needs a name.")
    if system.levels.filter(name=name).exists():
        raise CareMapError(f"There is already a level named '{name}'.")
    last = system.levels.order_by("-position").first()
    return Level.objects.create(
        care_system=system, name=name, position=(last.position + 1) if last else 1
    )


@transaction.atomic
def add_sector(system: CareSystem, name: str) -> Sector:
    name = name.strip()
    slug = slugify(name)[:80]
    if not slug:
        raise CareMapError("A sector needs a name.")
    if system.sectors.filter(slug=slug).exists():
        raise CareMapError(f"There is already a sector named '{name}'.")
    return Sector.objects.create(care_system=system, name=name, slug=slug)


@transaction.atomic
def grant_role(user: User, system: CareSystem, role: str) -> StaffRole:
    if role not in StaffRole.Role.values:
        raise CareMapError(f"Unknown role '{role}'.")
    staff_role, _ = StaffRole.objects.get_or_create(user=user, care_system=system, role=role)
    return staff_role


@dataclass(frozen=True)
class StaffAddition:
    user: User
    role: str
    temporary_password: str | None  # shown once when the account is new; never stored


@transaction.atomic
def add_staff_member(system: CareSystem, username: str, role: str) -> StaffAddition:
    """Give someone a staff role in a care system, making their account if it is new.

    A new account gets a random temporary password, returned once for the steward to pass on.
    """
    from django.contrib.auth import get_user_model

    username = username.strip()
    if not username or len(username) > 150:
        raise CareMapError("A user name is needed (at most 150 characters).")
    if role not in StaffRole.Role.values:
        raise CareMapError(f"Unknown role '{role}'.")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    password = None
    if user is None:
        password = secrets.token_urlsafe(12)
        user = user_model.objects.create_user(username=username, password=password)
    elif StaffRole.objects.filter(user=user, care_system=system, role=role).exists():
        raise CareMapError(f"{username} is already a {role} of {system.name}.")
    grant_role(user, system, role)
    return StaffAddition(user, role, password)


@transaction.atomic
def remove_staff_role(system: CareSystem, user: User, role: str) -> None:
    """Take a role away; a care system always keeps at least one steward."""
    held = StaffRole.objects.select_for_update().filter(care_system=system, role=role)
    if not held.filter(user=user).exists():
        raise CareMapError(f"{user.username} is not a {role} of {system.name}.")
    if role == StaffRole.Role.STEWARD and held.count() == 1:
        raise CareMapError("A care system needs at least one steward; add another one first.")
    held.filter(user=user).delete()


# --- import and export -------------------------------------------------------------------


def map_spec(system: CareSystem) -> mapfile.MapSpec:
    """The care map as plain data, parents before children."""
    units = list(system.units.select_related("parent", "sector"))
    by_parent: dict[int | None, list[Unit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    ordered: list[Unit] = []
    stack = sorted(by_parent.get(None, []), key=lambda u: u.name, reverse=True)
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(sorted(by_parent.get(unit.pk, []), key=lambda u: u.name, reverse=True))
    return mapfile.MapSpec(
        name=system.name,
        slug=system.slug,
        min_group_size=system.min_group_size,
        levels=[level.name for level in system.levels.all()],
        sectors=[(s.slug, s.name) for s in system.sectors.all()],
        units=[
            mapfile.UnitSpec(
                u.name,
                u.kind,
                u.parent.name if u.parent else None,
                u.sector.slug if u.sector else None,
                0,
            )
            for u in ordered
        ],
    )


@dataclass(frozen=True)
class ImportSummary:
    care_system: CareSystem
    created: int
    updated: int


def import_map(
    text: str, fmt: str, system: CareSystem | None = None, *, steward: User | None = None
) -> ImportSummary:
    """Import a YAML or CSV map: everything is checked first, then written in one transaction.

    Without ``system`` a new care system is made from the YAML ``care_system`` section, and
    ``steward`` (the person importing it) becomes its first steward. Units
    are matched by name: new ones are added, known ones moved or re-kinded; none is removed.
    Raises :class:`mapfile.MapFileError` (nothing written) on any problem.
    """
    known = _known_map(system) if system is not None else None
    if fmt == "yaml":
        spec = mapfile.parse_yaml(text, known)
    elif fmt == "csv":
        spec = mapfile.parse_csv(text, known)
    else:
        raise CareMapError(f"Unknown map format '{fmt}' (use yaml or csv).")
    if system is None and (fmt != "yaml" or not spec.name):
        raise mapfile.MapFileError(
            [mapfile.LineError(1, "a new care system needs a YAML 'care_system' with a name")]
        )
    try:
        return _write_map(spec, system, steward)
    except IntegrityError as exc:  # a race with another writer: nothing was written
        raise mapfile.MapFileError(
            [mapfile.LineError(1, f"could not save the map ({exc})")]
        ) from exc


def _known_map(system: CareSystem) -> mapfile.KnownMap:
    sectors = set()
    for slug, name in system.sectors.values_list("slug", "name"):
        sectors |= {slug, name.lower()}
    return mapfile.KnownMap(dict(system.units.values_list("name", "kind")), sectors)


@transaction.atomic
def _write_map(
    spec: mapfile.MapSpec, system: CareSystem | None, steward: User | None
) -> ImportSummary:
    new_system = system is None
    system = system or _new_system_for(spec)
    sectors = _levels_and_sectors(spec, system)
    existing = {u.name: u for u in system.units.all()}
    errors = mapfile.check_spec(spec, {name: u.kind for name, u in existing.items()})
    errors += [
        mapfile.LineError(u.line, f"unknown sector '{u.sector}'")
        for u in spec.units
        if u.sector and u.sector.lower() not in sectors
    ]
    if errors:
        raise mapfile.MapFileError(errors)
    created, updated = _write_units(spec, system, sectors, existing)
    for unit in system.units.select_related("parent"):
        if unit.parent is not None and unit.parent.kind >= unit.kind:
            raise mapfile.MapFileError(
                [mapfile.LineError(1, f"'{unit.name}' would sit under a unit of its own kind")]
            )
    if new_system and steward is not None:
        grant_role(steward, system, StaffRole.Role.STEWARD)
    return ImportSummary(system, created, updated)


def _new_system_for(spec: mapfile.MapSpec) -> CareSystem:
    """A new care system named by the map (refused when its slug is taken)."""
    assert spec.name is not None
    slug = spec.slug or slugify(spec.name)[:80]
    if CareSystem.objects.filter(slug=slug).exists():
        raise mapfile.MapFileError(
            [mapfile.LineError(1, f"a care system with the slug '{slug}' already exists")]
        )
    return create_care_system(
        spec.name,
        slug,
        min_group_size=spec.min_group_size or 5,
        with_defaults=not spec.levels and not spec.sectors,
    )


def _levels_and_sectors(spec: mapfile.MapSpec, system: CareSystem) -> dict[str, Sector]:
    """Add the map's missing levels and sectors; the sectors by slug and by lower-case name."""
    for level_name in spec.levels:
        if not system.levels.filter(name=level_name).exists():
            add_level(system, level_name)
    for sector_slug, sector_name in spec.sectors:
        if not system.sectors.filter(slug=sector_slug).exists():
            Sector.objects.create(care_system=system, slug=sector_slug, name=sector_name)
    sectors = {s.slug: s for s in system.sectors.all()}
    sectors.update({s.name.lower(): s for s in sectors.values()})
    return sectors


def _write_units(
    spec: mapfile.MapSpec,
    system: CareSystem,
    sectors: dict[str, Sector],
    existing: dict[str, Unit],
) -> tuple[int, int]:
    """Create or update the map's units, parents first; how many were created and updated."""
    created = updated = 0
    pending = list(spec.units)
    # Parents first: repeat passes until every unit whose parent exists is written.
    while pending:
        ready = [u for u in pending if u.parent is None or u.parent in existing]
        if not ready:
            raise mapfile.MapFileError(
                [mapfile.LineError(u.line, f"'{u.name}' cannot be placed") for u in pending]
            )
        for unit_spec in ready:
            change = _write_unit(unit_spec, system, sectors, existing)
            created += change == "created"
            updated += change == "updated"
        pending = [u for u in pending if u not in ready]
    return created, updated


def _write_unit(
    unit_spec: mapfile.UnitSpec,
    system: CareSystem,
    sectors: dict[str, Sector],
    existing: dict[str, Unit],
) -> str:
    """Write one unit whose parent exists: "created", "updated" or "" (already as written)."""
    parent = existing[unit_spec.parent] if unit_spec.parent else None
    sector = sectors[unit_spec.sector.lower()] if unit_spec.sector else None
    unit = existing.get(unit_spec.name)
    change = ""
    if unit is None:
        unit = Unit.objects.create(
            care_system=system,
            name=unit_spec.name,
            kind=unit_spec.kind,
            parent=parent,
            sector=sector,
        )
        change = "created"
    elif (unit.kind, unit.parent_id, unit.sector_id) != (
        unit_spec.kind,
        parent.pk if parent else None,
        sector.pk if sector else None,
    ):
        unit.kind, unit.parent, unit.sector = unit_spec.kind, parent, sector
        unit.save()
        change = "updated"
    existing[unit_spec.name] = unit
    return change


def export_map(system: CareSystem, fmt: str) -> str:
    spec = map_spec(system)
    if fmt == "yaml":
        return mapfile.dump_yaml(spec)
    if fmt == "csv":
        return mapfile.dump_csv(spec)
    raise CareMapError(f"Unknown map format '{fmt}' (use yaml or csv).")


def example_map(fmt: str) -> str:
    """The example map to download from the import page, as YAML or as the same units in CSV."""
    text = mapfile.example_text()
    if fmt == "yaml":
        return text
    if fmt == "csv":
        return mapfile.dump_csv(mapfile.parse_yaml(text))
    raise CareMapError(f"Unknown map format '{fmt}' (use yaml or csv).")


# --- invitations and anonymous participation ---------------------------------------------


@dataclass(frozen=True)
class InvitationBatch:
    """A batch of invitations just made: the tokens (shown once, never stored) and the
    attributes they were stored with, which may be coarser than the ones asked for."""

    tokens: list[str]
    unit: Unit | None
    level: Level | None
    sector: Sector | None
    generalized: bool
    already_made: bool = False  # its batch key was sent before: nothing new was stored

    def describe(self) -> str:
        """The stored attributes in words, for the steward."""
        parts = [self.unit.name if self.unit else "anywhere in the care system"]
        parts.append(self.level.name if self.level else "any level")
        parts.append(self.sector.name if self.sector else "any sector")
        return ", ".join(parts)


Combination = tuple[Unit | None, Level | None, Sector | None]


def generalization_ladder(
    unit: Unit | None, level: Level | None, sector: Sector | None, *, within: Unit | None
) -> list[Combination]:
    """The attribute combinations a batch may be stored with, most detailed first.

    First the sector goes, then the unit climbs towards ``within`` (a unit, or the whole care
    system when ``None``) keeping the level, which the mirroring across levels needs; then the
    level goes and the unit climbs again. With ``within=None`` the last rung is "anywhere in
    the care system, any level, any sector", which describes no group smaller than the system.
    """
    chain: list[Unit | None] = []
    walker = unit
    while walker is not None:
        chain.append(walker)
        if within is not None and walker.pk == within.pk:
            break
        walker = walker.parent
    if within is None and (not chain or chain[-1] is not None):
        chain.append(None)
    rungs: list[Combination] = [(unit, level, sector)]
    for lv in ([level] if level is not None else []) + [None]:
        rungs.extend((u, lv, None) for u in chain)
    seen: set[tuple[int | None, int | None, int | None]] = set()
    unique: list[Combination] = []
    for u, lv, s in rungs:
        key = (u.pk if u else None, lv.pk if lv else None, s.pk if s else None)
        if key not in seen:
            seen.add(key)
            unique.append((u, lv, s))
    return unique


def invited_with(system: CareSystem, combination: Combination) -> int:
    """How many invitations of ``system`` are stored with exactly these attributes."""
    unit, level, sector = combination
    return Invitation.objects.filter(
        care_system=system, unit=unit, level=level, sector=sector
    ).count()


@transaction.atomic
def invite(
    system: CareSystem,
    count: int,
    *,
    unit: Unit | None = None,
    level: Level | None = None,
    sector: Sector | None = None,
    within: Unit | None = None,
    min_size: int | None = None,
    already_invited: Callable[[Combination], int] | None = None,
    batch_key: str | None = None,
    expires_on: dt.date | None = None,
) -> InvitationBatch:
    """Make ``count`` one-time invitations whose attributes describe at least k invited people.

    Whatever a participant later answers carries the attributes of their invitation, so those
    attributes must never describe fewer than the care system's minimum group size (k) of
    *invited* people. A batch that would leave its combination (unit, level, sector) below k —
    counting every invitation already stored with it — is stored with the first coarser
    combination of :func:`generalization_ladder` that reaches k (no sector, then the parent
    unit, …), before anyone can answer. Generalizing, rather than refusing, keeps small teams
    (often the people with the least voice) able to take part. Only when no combination up to
    ``within`` reaches k (``min_size`` may raise k above the care system's) is the batch
    refused. ``already_invited`` counts the people already invited with a combination (by
    default every invitation of the care system; a pulse wave counts its own batches). The
    tokens are returned once and never stored; no label is stored either (a label can name a
    person). With ``batch_key`` the tokens are drawn from that key
    (:func:`~walkthetalk.caremap.tokens.derived_token`): the same key again (a form sent twice)
    makes nothing and hands back the batch already made. With ``expires_on`` the links stop
    working after that day.
    """
    if not 1 <= count <= MAX_INVITATIONS_PER_BATCH:
        raise CareMapError(f"A batch holds between 1 and {MAX_INVITATIONS_PER_BATCH} invitations.")
    for part in (unit, level, sector, within):
        if part is not None and part.care_system_id != system.pk:
            raise CareMapError("Invitations can only carry parts of their own care system.")
    if expires_on is not None and expires_on < today():
        raise CareMapError("The links' last day cannot be in the past.")
    # One batch at a time per care system, so two small batches cannot both count on the
    # other one to reach k.
    list(CareSystem.objects.select_for_update().filter(pk=system.pk).values_list("pk"))
    tokens = (
        [derived_token(batch_key, i) for i in range(count)]
        if batch_key
        else [new_code() for _ in range(count)]
    )
    made = _batch_already_made(system, tokens, (unit, level, sector))
    if made is not None:
        return made
    k = max(system.min_group_size, min_size or 0)
    stored: Combination | None = None
    for rung in generalization_ladder(unit, level, sector, within=within):
        counted = already_invited(rung) if already_invited else invited_with(system, rung)
        if rung == (None, None, None) or counted + count >= k:
            stored = rung
            break
    if stored is None:
        place = within.name if within is not None else system.name
        raise CareMapError(
            f"Fewer than {k} people would share these details, which is too few to keep their "
            f"answers anonymous, even counted across all of {place}. Please invite at least "
            f"{k} people at once (for example several teams together)."
        )
    Invitation.objects.bulk_create(
        Invitation(
            care_system=system,
            token_hash=token_hash(t),
            unit=stored[0],
            level=stored[1],
            sector=stored[2],
            created_on=today(),
            expires_on=expires_on,
        )
        for t in tokens
    )
    return InvitationBatch(tokens, *stored, generalized=stored != (unit, level, sector))


def _batch_already_made(
    system: CareSystem, tokens: list[str], asked: Combination
) -> InvitationBatch | None:
    """The batch these tokens were already stored as (a batch key sent twice), if any."""
    first = (
        Invitation.objects.filter(care_system=system, token_hash=token_hash(tokens[0]))
        .select_related("unit", "level", "sector")
        .first()
    )
    if first is None:
        return None
    stored = (first.unit, first.level, first.sector)
    return InvitationBatch(tokens, *stored, generalized=stored != asked, already_made=True)


def create_invitations(
    system: CareSystem,
    count: int,
    *,
    unit: Unit | None = None,
    level: Level | None = None,
    sector: Sector | None = None,
) -> list[str]:
    """Make ``count`` one-time invitations (see :func:`invite`); returns only their tokens."""
    return invite(system, count, unit=unit, level=level, sector=sector).tokens


def redeem_invitation(token: str) -> ParticipantPass:
    """Use an invitation once and hand back a fresh anonymous pass with its coarse attributes.

    The invitation is marked used in its own transaction and nothing else is written: no row
    ties the pass to the invitation, and what the participant later answers is written in a
    request of its own. ``used_on`` is set to the day the invitation was *made*, not the day it
    was used: a day of use would be matched against the days participants act (a conversation
    joined, an issue rated) and, in a small unit, single out whose invitation it was. A link
    of a stopped batch, or past its last day, is refused (:class:`InvitationStopped`).
    """
    token = normalise_token(token)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvitationError(gettext("This invitation link is not valid."))
    with transaction.atomic():
        usable = Invitation.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today()),
            token_hash=token_hash(token),
            used_on__isnull=True,
            revoked=False,
        )
        if usable.update(used_on=F("created_on")) != 1:
            if Invitation.objects.filter(
                token_hash=token_hash(token), used_on__isnull=True
            ).exists():
                raise InvitationStopped(
                    gettext(
                        "This link is no longer in use: the people who sent it have stopped "
                        "it, or its last day has passed. If you would like to take part, "
                        "please ask them for a new one."
                    )
                )
            raise InvitationError(
                gettext(
                    "This invitation link is not valid or has already been used. "
                    "Each link works once; ask whoever sent it for a new one."
                )
            )
        invitation = Invitation.objects.only(
            "care_system_id", "unit_id", "level_id", "sector_id"
        ).get(token_hash=token_hash(token))
    return ParticipantPass.new(
        invitation.care_system_id, invitation.unit_id, invitation.level_id, invitation.sector_id
    )


def stop_invitation_batch(
    system: CareSystem,
    made_on: dt.date,
    unit_id: int | None,
    level_id: int | None,
    sector_id: int | None,
) -> int:
    """Stop the unused links of a batch (every invitation of ``system`` made on ``made_on``
    with these stored attributes, as the invitations page lists them); returns how many.

    The rows stay, marked ``revoked``: they still count among the people invited with these
    attributes (:func:`invited_with`), so the answers already given keep describing at least
    k invited people. The day of stopping is not stored."""
    same: dict[str, object] = {}
    for part, pk in (("unit", unit_id), ("level", level_id), ("sector", sector_id)):
        same[f"{part}_id" if pk is not None else f"{part}__isnull"] = True if pk is None else pk
    return Invitation.objects.filter(
        care_system=system, created_on=made_on, used_on__isnull=True, revoked=False, **same
    ).update(revoked=True)


def open_pass(system: CareSystem, sector: Sector | None = None) -> ParticipantPass:
    """A pass for an open link, where the participant declares their own sector."""
    if sector is not None and sector.care_system_id != system.pk:
        raise CareMapError(gettext("That sector belongs to another care system."))
    return ParticipantPass.new(system.pk, sector_id=sector.pk if sector else None)
