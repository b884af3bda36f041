"""Every write of the pulse app, one transaction each: views, the demo and tests call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Sum
from numpy.typing import NDArray

from walkthetalk.analysis.privacy import (
    RESPONSES,
    Cell,
    Codes,
    MinimumSizePolicy,
    PrivacyError,
    ReleaseLedger,
    ReleasePlan,
    WaveRelease,
    check_min_size_change,
    plan_release,
    plan_wave,
)
from walkthetalk.analysis.pulse import (
    NOT_APPLICABLE,
    Instrument,
    InstrumentError,
    load_shipped_instrument,
)
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.clock import today
from walkthetalk.caremap.errors import ServiceError
from walkthetalk.caremap.models import CareSystem, Level, Sector, Unit
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.pulse import steps
from walkthetalk.pulse.keys import submission_key
from walkthetalk.pulse.models import Response, Wave, WaveBatch
from walkthetalk.pulse.selectors import (
    covered_unit_ids,
    covers,
    covers_among,
    has_answered,
    step_questions_for,
)

DEFAULT_INSTRUMENT = "walk_the_talk_pulse"
MAX_TITLE = 120
MAX_BATCH = 1_000


class PulseError(ServiceError):
    """A pulse action that cannot be done; the message says why in plain, kind words."""


class AlreadyAnswered(PulseError):
    """This participant has already answered this wave; their first answers are kept."""


@lru_cache(maxsize=16)
def instrument(key: str = DEFAULT_INSTRUMENT, version: str | None = None) -> Instrument:
    """A shipped instrument by key, the current version or a kept earlier one (cached)."""
    try:
        return load_shipped_instrument(key, version)
    except InstrumentError as exc:
        if version is not None:
            raise PulseError(
                f"This wave used version {version} of its instrument, which is not installed."
            ) from exc
        raise PulseError(f"There is no pulse instrument called '{key}'.") from exc


def instrument_for(wave: Wave) -> Instrument:
    """The instrument a wave was opened with, in the version it was opened with."""
    return instrument(wave.instrument_key, wave.instrument_version)


@transaction.atomic
def open_wave(
    system: CareSystem,
    title: str,
    units: Sequence[Unit],
    *,
    instrument_key: str = DEFAULT_INSTRUMENT,
    opened_on: dt.date | None = None,
    step_questions: Sequence[steps.StepQuestion] = (),
) -> Wave:
    """Open a wave over ``units`` and everything below them.

    The care system's minimum group size is copied now and can only be raised afterwards.
    ``step_questions`` ("Did '<step>' help?", see :mod:`walkthetalk.pulse.steps`) are frozen
    with the wave; each names units of this system, or none for everyone.
    """
    title = " ".join((title or "").split())
    if not title:
        raise PulseError("A wave needs a title, for example “Spring pulse”.")
    if len(title) > MAX_TITLE:
        raise PulseError(f"Please keep the title to {MAX_TITLE} characters.")
    if not units:
        raise PulseError("Choose at least one unit for the wave to cover.")
    if any(unit.care_system_id != system.pk for unit in units):
        raise PulseError("A wave can only cover units of its own care system.")
    inst = instrument(instrument_key)
    try:
        policy = MinimumSizePolicy(system.min_group_size).open_wave()
        frozen = steps.checked(step_questions)
    except (PrivacyError, steps.StepQuestionError) as exc:
        raise PulseError(str(exc)) from exc
    named = {u for q in step_questions for u in (q.units or ())}
    if named and Unit.objects.filter(pk__in=named, care_system=system).count() < len(named):
        raise PulseError("A step question can only name units of this care system.")
    wave = Wave.objects.create(
        care_system=system,
        title=title,
        instrument_key=instrument_key,
        instrument_version=inst.version,
        opened_on=opened_on or today(),
        min_group_size=policy.min_size,
        step_questions=frozen,
    )
    wave.units.set(units)
    wave.release_ledger = ReleaseLedger(wave=str(wave.pk), min_size=policy.min_size).to_dict()
    wave.save(update_fields=["release_ledger"])
    return wave


@transaction.atomic
def change_min_group_size(wave: Wave, min_group_size: int) -> Wave:
    """Raise a wave's minimum group size; lowering it after the wave has opened is refused."""
    given, wave = wave, Wave.objects.select_for_update().get(pk=wave.pk)
    try:
        new = check_min_size_change(wave.min_group_size, min_group_size, wave_open=True)
    except PrivacyError as exc:
        raise PulseError(
            f"The minimum group size of this wave is {wave.min_group_size}. It can be raised, "
            "but never lowered once the wave has opened, so no earlier figure can be undone."
        ) from exc
    ledger = _ledger(wave)
    wave.min_group_size = new
    wave.release_ledger = ReleaseLedger(ledger.wave, new, spaces=ledger.spaces).to_dict()
    wave.save(update_fields=["min_group_size", "release_ledger"])
    given.min_group_size, given.release_ledger = wave.min_group_size, wave.release_ledger
    return wave


@transaction.atomic
def close_wave(wave: Wave, closed_on: dt.date | None = None) -> Wave:
    given, wave = wave, Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.closed_on is not None:
        raise PulseError("This wave is already closed.")
    day = closed_on or today()
    if day < wave.opened_on:
        raise PulseError("A wave cannot close before the day it opened.")
    wave.closed_on = day
    wave.save(update_fields=["closed_on"])
    given.closed_on = day
    return wave


@transaction.atomic
def make_batch(
    wave: Wave,
    count: int,
    *,
    unit: Unit,
    level: Level | None = None,
    sector: Sector | None = None,
    batch_key: str | None = None,
) -> caremap_services.InvitationBatch:
    """Make one-time invitations for a wave; their tokens are shown once only (or drawn from
    ``batch_key``: the same key again makes nothing new, see :func:`caremap_services.invite`).

    The invitations' attributes are generalized (see :func:`caremap_services.invite`) so that
    they describe at least the wave's minimum group size of invited people, never climbing
    above the wave's own unit: answers carry these attributes and nothing finer.
    """
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if not wave.is_open:
        raise PulseError("This wave is closed, so it takes no new invitations.")
    if not 1 <= count <= MAX_BATCH:
        raise PulseError(f"A batch holds between 1 and {MAX_BATCH} invitations.")
    if unit is None or unit.care_system_id != wave.care_system_id or not covers(wave, unit.pk):
        raise PulseError("Choose a unit that this wave covers.")
    for part in (level, sector):
        if part is not None and part.care_system_id != wave.care_system_id:
            raise PulseError("Invitations can only carry parts of their own care system.")
    root = covering_root(wave, unit)
    try:
        batch = caremap_services.invite(
            wave.care_system,
            count,
            unit=unit,
            level=level,
            sector=sector,
            within=None if covers(wave, None) else root,
            min_size=wave.min_group_size,
            already_invited=lambda rung: invited_to(wave, *rung),
            batch_key=batch_key,
        )
    except caremap_services.CareMapError as exc:
        raise PulseError(str(exc)) from exc
    if batch.already_made:
        return batch
    WaveBatch.objects.create(
        wave=wave,
        count=count,
        unit=batch.unit,
        level=batch.level,
        sector=batch.sector,
        created_on=today(),
    )
    return batch


def invited_to(wave: Wave, unit: Unit | None, level: Level | None, sector: Sector | None) -> int:
    """How many people have been invited to ``wave`` with exactly these stored attributes."""
    total = WaveBatch.objects.filter(wave=wave, unit=unit, level=level, sector=sector).aggregate(
        total=Sum("count")
    )["total"]
    return int(total or 0)


def covering_root(wave: Wave, unit: Unit) -> Unit:
    """The unit chosen for ``wave`` that ``unit`` sits in (or under)."""
    roots = set(wave.units.values_list("pk", flat=True))
    walker: Unit | None = unit
    while walker is not None:
        if walker.pk in roots:
            return walker
        walker = walker.parent
    return unit


def coarse_day(wave: Wave, day: dt.date) -> dt.date:
    """The date kept with a response: the Monday of its week (never before the wave opened).

    A week, not the day, so a response cannot be matched by date to the day an invitation was
    used; it is still fine enough to follow a wave's progress.
    """
    return max(day - dt.timedelta(days=day.weekday()), wave.opened_on)


def clean_answers(inst: Instrument, answers: Mapping[str, object]) -> dict[str, float | str | None]:
    """Answers checked against the instrument: every item present, each one of its scale's
    response values, ``None`` ("prefer not to say") or, where the instrument offers it,
    :data:`NOT_APPLICABLE` ("does not apply"). Raises :class:`PulseError` otherwise."""
    unknown = set(answers) - set(inst.item_ids)
    if unknown:
        raise PulseError("Some answers do not belong to this pulse; nothing was saved.")
    cleaned: dict[str, float | str | None] = {}
    for scale in inst.scales:
        allowed = {o.value for o in inst.options_for(scale)}
        for item_id in scale.item_ids:
            if item_id not in answers:
                raise PulseError("Some answers were missing; nothing was saved. Please try again.")
            value = answers[item_id]
            if value is None or (value == NOT_APPLICABLE and inst.not_applicable):
                cleaned[item_id] = value
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value not in allowed
            ):
                raise PulseError("One answer was not one of the choices; nothing was saved.")
            cleaned[item_id] = float(value)
    return cleaned


def submit_response(
    wave: Wave,
    participant_pass: ParticipantPass,
    answers: Mapping[str, object],
    *,
    submitted_on: dt.date | None = None,
) -> Response:
    """Store a participant's answers with coarse attributes only (one response per wave).

    The response row is the only row this writes: no participation or other record that could
    be paired with it by row order or transaction. Its attributes are the pass's, which come
    from an invitation generalized to at least k invited people; a pass from an open link
    (no unit) keeps no sector, since a self-declared sector describes no invited group. A
    second submission raises :class:`AlreadyAnswered` and changes nothing. ``submitted_on`` (a
    day within the wave, not in the future) is for imports and the demo; pages leave it out and
    today is used.
    """
    wave = Wave.objects.get(pk=wave.pk)
    response = _checked_response(
        wave, covered_unit_ids(wave), participant_pass, answers, submitted_on
    )
    if has_answered(wave, participant_pass):
        raise AlreadyAnswered("You have already answered this pulse. Your first answers are kept.")
    try:
        with transaction.atomic():
            response.save(force_insert=True)
            return response
    except IntegrityError as exc:
        raise AlreadyAnswered(
            "You have already answered this pulse. Your first answers are kept."
        ) from exc


@transaction.atomic
def submit_responses(
    wave: Wave,
    submissions: Sequence[tuple[ParticipantPass, Mapping[str, object], dt.date | None]],
) -> int:
    """Store many participants' answers at once (imports and the demo): each checked exactly
    as :func:`submit_response` checks one, all stored or none. Returns how many were stored."""
    wave = Wave.objects.get(pk=wave.pk)
    covered = covered_unit_ids(wave)
    rows = [_checked_response(wave, covered, p, a, day) for p, a, day in submissions]
    keys = [r.submission_key for r in rows]
    if (
        len(set(keys)) < len(keys)
        or Response.objects.filter(wave=wave, submission_key__in=keys).exists()
    ):
        raise AlreadyAnswered(
            "Some of these participants have already answered; nothing was saved."
        )
    Response.objects.bulk_create(rows)
    return len(rows)


def _checked_response(
    wave: Wave,
    covered: set[int],
    participant_pass: ParticipantPass,
    answers: Mapping[str, object],
    submitted_on: dt.date | None,
) -> Response:
    """An unsaved response after every check but "answered before" (raises PulseError)."""
    day = submitted_on or today()
    if not wave.opened_on <= day <= today():
        raise PulseError("Answers can only be dated between the wave's opening and today.")
    day = coarse_day(wave, day)
    if not wave.is_open:
        raise PulseError("This wave has closed, so it no longer takes answers. Thank you anyway.")
    if participant_pass.care_system_id != wave.care_system_id:
        raise PulseError("This pulse belongs to another care system.")
    if not covers_among(wave, covered, participant_pass.unit_id):
        raise PulseError("This pulse is for other parts of the care system.")
    items = {k: v for k, v in answers.items() if not steps.is_step_key(k)}
    cleaned: dict[str, float | str | None] = clean_answers(instrument_for(wave), items)
    given = {k: v for k, v in answers.items() if steps.is_step_key(k)}
    if given:
        try:
            asked = step_questions_for(wave, participant_pass.unit_id)
            cleaned.update(steps.clean(asked, given))
        except steps.StepQuestionError as exc:
            raise PulseError(str(exc)) from exc
    invited = participant_pass.unit_id is not None
    return Response(
        wave=wave,
        submission_key=submission_key(wave.pk, participant_pass),
        unit_id=participant_pass.unit_id,
        level_id=participant_pass.level_id if invited else None,
        sector_id=participant_pass.sector_id if invited else None,
        submitted_on=day,
        answers=cleaned,
    )


# --------------------------------------------------------------------------- privacy ledger


def _ledger(wave: Wave) -> ReleaseLedger:
    if wave.release_ledger:
        return ReleaseLedger.from_dict(wave.release_ledger)
    return ReleaseLedger(wave=str(wave.pk), min_size=wave.min_group_size)


@transaction.atomic
def release(wave: Wave, cells: Sequence[Cell]) -> tuple[ReleasePlan, ReleaseLedger]:
    """Release a few more figures about a wave's responses (each whole or not at all).

    For figures beside the main ones (for example unit × level groups): the cells are planned in
    the wave's :data:`~walkthetalk.analysis.privacy.RESPONSES` namespace — whatever namespace
    they name — against the same ledger as every other figure of the wave, and the ledger is
    saved before anything is returned.
    """
    locked = Wave.objects.select_for_update().get(pk=wave.pk)
    cells = [Cell(c.key, c.contributors, RESPONSES) for c in cells]
    plan = plan_release(cells, locked.min_group_size, ledger=_ledger(locked))
    stored = plan.ledger.to_dict()
    if stored != locked.release_ledger:
        locked.release_ledger = stored
        locked.save(update_fields=["release_ledger"])
    wave.release_ledger = locked.release_ledger
    return plan, plan.ledger


@transaction.atomic
def release_wave(
    wave: Wave,
    codes: Codes,
    groups: Sequence[tuple[str, NDArray[np.int64]]],
    answered: Mapping[str, NDArray[np.bool_]],
) -> WaveRelease:
    """Decide which figures may be shown for ``wave`` and record them before they are shown.

    Every figure the pulse app shows or exports about a wave passes through here:
    :func:`~walkthetalk.analysis.privacy.plan_wave` plans the groups' counts and each scale's
    answers against the wave's ledger of atoms, and the ledger is saved (under a row lock)
    before anything is returned, so no combination of what is shown now and before — across
    pages, downloads, the API and every breakdown — singles out fewer than the minimum group
    size ("n=5, then n=6" across page loads included).
    """
    locked = Wave.objects.select_for_update().get(pk=wave.pk)
    rel = plan_wave(codes, groups, answered, min_size=locked.min_group_size, ledger=_ledger(locked))
    stored = rel.ledger.to_dict()
    if stored != locked.release_ledger:
        locked.release_ledger = stored
        locked.save(update_fields=["release_ledger"])
    wave.release_ledger = locked.release_ledger
    return rel
