"""Every write in the agenda app, one transaction each: views, the API and the demo call these."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext

from walkthetalk.agenda.keys import acceptance_key, rater_key, request_digest
from walkthetalk.agenda.models import (
    ISSUE_DETAILS_MAX,
    ISSUE_TITLE_MAX,
    NOTES_MAX,
    ActionItem,
    ActionTarget,
    AgendaItem,
    AvoidedIssue,
    Gathering,
    GatheringAcceptance,
    IssueRating,
    SeenRequest,
    StatementTarget,
    new_rating_version,
)
from walkthetalk.analysis.privacy import (
    Cell,
    ReleaseLedger,
    complementary_hidden,
    plan_release,
    spread_shown,
)
from walkthetalk.caremap.clock import today
from walkthetalk.caremap.defaults import DEFAULT_AGREEMENTS
from walkthetalk.caremap.errors import ServiceError
from walkthetalk.caremap.free_text import personal_details_problem
from walkthetalk.caremap.models import CareSystem, StaffRole, Unit
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.pulse import services as pulse_services

REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class AgendaError(ServiceError):
    """Something that cannot be done; the message says why, in plain and kind words."""


class DuplicateIssue(AgendaError):
    """The backlog already holds this issue (``existing``); nothing was added."""

    def __init__(self, existing: AvoidedIssue) -> None:
        super().__init__(
            gettext(
                "“%(title)s” is already in the backlog — thank you for raising it too. "
                "You can rate it below, so it counts."
            )
            % {"title": existing.title}
        )
        self.existing = existing


def _comparable(title: str) -> str:
    """A title as compared for duplicates: case, punctuation and spacing aside."""
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def _refuse_duplicate(care_system_id: int, title: str) -> None:
    wanted = _comparable(title)
    for issue in AvoidedIssue.objects.filter(
        care_system_id=care_system_id,
        status__in=[AvoidedIssue.Status.OPEN, AvoidedIssue.Status.GATHERING],
    ).only("public_id", "title"):
        if _comparable(issue.title) == wanted:
            raise DuplicateIssue(issue)


class DuplicateRequest(AgendaError):
    """This exact form was already sent once; nothing was changed the second time."""


def _claim_request(request_key: str) -> None:
    """Record a participant request key once; a second use raises :class:`DuplicateRequest`.

    Call inside the transaction that makes the change, so a failed change frees the key again.
    """
    if not REQUEST_KEY.match(request_key or ""):
        raise AgendaError(gettext("This form has expired. Please reload the page and try again."))
    digest = request_digest(request_key)
    try:
        with transaction.atomic():
            SeenRequest.objects.create(key=digest, made_on=today())
    except IntegrityError as exc:
        raise DuplicateRequest(
            gettext(
                "We already received this — it was saved once, and nothing changed the second time."
            )
        ) from exc


def _text(value: str, limit: int, what: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise AgendaError(f"Please write the {what}.")
    if len(value) > limit:
        raise AgendaError(
            f"The {what} is {len(value)} characters long; please keep it to {limit}. "
            "Nothing was saved."
        )
    return value


def _own(participant_pass: ParticipantPass, system_id: int) -> None:
    if participant_pass.care_system_id != system_id:
        raise AgendaError("This belongs to another care system.")


# --- the backlog -------------------------------------------------------------------------


@transaction.atomic
def raise_issue(
    participant_pass: ParticipantPass, title: str, details: str, request_key: str
) -> AvoidedIssue:
    """A participant adds an issue the system avoids. Who raised it is not kept.

    The backlog is read by everyone in the care system, so text that seems to hold personal
    details (a name, a phone number…) is refused with a kind message and nothing is stored.
    """
    title = " ".join(_text(title, ISSUE_TITLE_MAX, "issue").split())
    details = _text(details, ISSUE_DETAILS_MAX, "details", required=False)
    problem = personal_details_problem(f"{title}\n{details}")
    if problem:
        raise AgendaError(problem)
    _claim_request(request_key)  # first: a form sent twice is told so (a refusal frees the key)
    _refuse_duplicate(participant_pass.care_system_id, title)
    # No participation row is written: it would share this transaction (in PostgreSQL, the
    # same xmin) with the issue and so tie the issue's text to the raiser's unit and level.
    return AvoidedIssue.objects.create(
        care_system_id=participant_pass.care_system_id,
        title=title,
        details=details,
        raised_on=today(),
    )


@transaction.atomic
def add_issue(
    system: CareSystem,
    title: str,
    details: str = "",
    *,
    source: str = AvoidedIssue.Source.FACILITATOR,
    source_ref: str = "",
) -> AvoidedIssue:
    """A facilitator adds an issue (or takes up a backlog candidate from a conversation)."""
    title = " ".join(_text(title, ISSUE_TITLE_MAX, "issue").split())
    details = _text(details, ISSUE_DETAILS_MAX, "details", required=False)
    if source_ref:
        existing = AvoidedIssue.objects.filter(
            care_system=system, source=source, source_ref=source_ref
        ).first()
        if existing is not None:
            return existing
    _refuse_duplicate(system.pk, title)
    return AvoidedIssue.objects.create(
        care_system=system,
        title=title,
        details=details,
        source=source,
        source_ref=source_ref[:200],
        raised_on=today(),
    )


def take_up_candidate(
    system: CareSystem, *, statement_ref: str, text: str, sector: str, conversation_title: str
) -> AvoidedIssue:
    """Take a statement that many in one sector passed on into the backlog (once per statement)."""
    return add_issue(
        system,
        text[:ISSUE_TITLE_MAX],
        f"Many in {sector} passed on this in “{conversation_title}”.",
        source=AvoidedIssue.Source.CONVERSATION,
        source_ref=statement_ref,
    )


@transaction.atomic
def rate_issue(
    participant_pass: ParticipantPass,
    issue: AvoidedIssue,
    importance: int,
    avoidance: int,
    request_key: str,
) -> IssueRating:
    """Rate an issue 1–5 on importance and avoidance; rating again changes one's own rating."""
    _own(participant_pass, issue.care_system_id)
    for value, what in (
        (importance, gettext("Choose how important it is, from 1 to 5.")),
        (avoidance, gettext("Choose how avoided it is, from 1 to 5.")),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise AgendaError(what)
    if issue.status == AvoidedIssue.Status.HIDDEN:
        raise AgendaError(gettext("This issue has been set aside and can no longer be rated."))
    if issue.status not in (AvoidedIssue.Status.OPEN, AvoidedIssue.Status.GATHERING):
        raise AgendaError(
            gettext(
                "This issue has moved on to a conversation, so it is no longer rated here. "
                "Your welcome page lists the conversations open to you."
            )
        )
    _claim_request(request_key)
    rating, _ = IssueRating.objects.update_or_create(
        issue=issue,
        rater_key=rater_key(issue, participant_pass),
        defaults={
            "importance": importance,
            "avoidance": avoidance,
            "sector_id": participant_pass.sector_id,
            "rated_on": today(),
            "version": new_rating_version(),  # a change counts as a new contribution
        },
    )
    return rating


@transaction.atomic
def set_issue_status(issue: AvoidedIssue, status: str) -> AvoidedIssue:
    if status not in AvoidedIssue.Status.values:
        raise AgendaError("Unknown status.")
    issue.status = status
    issue.save(update_fields=["status"])
    return issue


def issue_to_conversation(issue: AvoidedIssue) -> str:
    """Open a conversation about the issue (conversations' own service); returns its public id.

    The issue's title becomes the conversation's title and first seed statement; the details
    become its question. Calling it again returns the same conversation.
    """
    from walkthetalk.conversations import services as conversation_services

    with transaction.atomic():
        issue = AvoidedIssue.objects.select_for_update().get(pk=issue.pk)
        if issue.conversation_ref:
            return issue.conversation_ref
        conversation = conversation_services.create_conversation(
            issue.care_system,
            issue.title,
            question=issue.details[:1000],
            seed_statements=[issue.title],
        )
        issue.conversation_ref = conversation.public_id
        issue.status = AvoidedIssue.Status.CONVERSATION
        issue.save(update_fields=["conversation_ref", "status"])
        return issue.conversation_ref


# --- gatherings --------------------------------------------------------------------------


@transaction.atomic
def create_gathering(
    system: CareSystem,
    title: str,
    held_on: dt.date,
    *,
    place: str = "",
    agreements: Iterable[str] | None = None,
) -> Gathering:
    title = " ".join(_text(title, 200, "title").split())
    texts = [t.strip() for t in (agreements or DEFAULT_AGREEMENTS) if t.strip()]
    if not texts:
        raise AgendaError("A gathering needs at least one agreement.")
    if len(texts) > 12 or any(len(t) > 500 for t in texts):
        raise AgendaError("Please keep to 12 agreements of up to 500 characters each.")
    return Gathering.objects.create(
        care_system=system,
        title=title,
        held_on=held_on,
        place=_text(place, 200, "place", required=False),
        agreements=texts,
        created_on=today(),
    )


@transaction.atomic
def add_to_agenda(gathering: Gathering, issue: AvoidedIssue) -> AgendaItem:
    """Put a backlog issue on a gathering's agenda (once), at the end."""
    if issue.care_system_id != gathering.care_system_id:
        raise AgendaError("That issue belongs to another care system.")
    existing = AgendaItem.objects.filter(gathering=gathering, issue=issue).first()
    if existing is not None:
        return existing
    last = gathering.items.aggregate(m=Max("position"))["m"] or 0
    item = AgendaItem.objects.create(gathering=gathering, issue=issue, position=last + 1)
    if issue.status == AvoidedIssue.Status.OPEN:
        issue.status = AvoidedIssue.Status.GATHERING
        issue.save(update_fields=["status"])
    return item


@transaction.atomic
def accept_agreements(
    participant_pass: ParticipantPass, gathering: Gathering, request_key: str
) -> GatheringAcceptance:
    """A participant at the gathering accepts its agreements (once; again changes nothing)."""
    _own(participant_pass, gathering.care_system_id)
    _claim_request(request_key)
    acceptance, _ = GatheringAcceptance.objects.get_or_create(
        gathering=gathering,
        participant_key=acceptance_key(gathering, participant_pass),
        defaults={"accepted_on": today()},
    )
    return acceptance


@transaction.atomic
def record_item(item: AgendaItem, notes: str, decisions: str) -> AgendaItem:
    item.notes = _text(notes, NOTES_MAX, "notes", required=False)
    item.decisions = _text(decisions, NOTES_MAX, "decisions", required=False)
    item.save(update_fields=["notes", "decisions"])
    return item


def _owner(owner_role: str) -> tuple[str, str]:
    owner_role = " ".join(_text(owner_role, 120, "owner role").split())
    staff_role = next(
        (value for value, label in StaffRole.Role.choices if owner_role.lower() == label.lower()),
        "",
    )
    return owner_role, staff_role


def _progress(status: str, progress: int) -> int:
    if status not in ActionItem.Status.values:
        raise AgendaError("Choose a status: planned, in progress, done or stuck.")
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise AgendaError("Progress is a percentage from 0 to 100.")
    if status == ActionItem.Status.DONE:
        return 100
    return progress


@transaction.atomic
def add_action_item(
    item: AgendaItem,
    step: str,
    owner_role: str,
    due_on: dt.date,
    *,
    status: str = ActionItem.Status.PLANNED,
    progress: int = 0,
    remeasure_ref: str = "",
    request_key: str | None = None,
) -> ActionItem:
    """One step forward for an agenda item: a role owns it, with a due day.

    With ``request_key`` (from the form), the same form sent twice adds the step once.
    """
    owner, staff_role = _owner(owner_role)
    if request_key is not None:
        _claim_request(request_key)
    return ActionItem.objects.create(
        agenda_item=item,
        care_system_id=item.gathering.care_system_id,
        step=" ".join(_text(step, 300, "step").split()),
        owner_role=owner,
        owner_staff_role=staff_role,
        due_on=due_on,
        status=status,
        progress=_progress(status, progress),
        remeasure_ref=_text(remeasure_ref, 300, "re-measure reference", required=False),
        updated_on=today(),
    )


@transaction.atomic
def update_action_item(
    action: ActionItem,
    *,
    status: str,
    progress: int,
    follow_up: str,
    remeasure_ref: str = "",
    due_on: dt.date | None = None,
) -> ActionItem:
    """Follow up a step in public: status, progress, what we did, where it is re-measured."""
    action.progress = _progress(status, progress)
    action.status = status
    action.follow_up = _text(follow_up, 4000, "follow-up", required=False)
    action.remeasure_ref = _text(remeasure_ref, 300, "re-measure reference", required=False)
    if due_on is not None:
        action.due_on = due_on
    action.updated_on = today()
    action.save()
    return action


# --- what an action aims to change -------------------------------------------------------

MAX_TARGETS = 6


def target_scales() -> list[tuple[str, str]]:
    """(scale id, name) of the pulse scales an action may aim to change."""
    return [(s.id, s.name) for s in pulse_services.instrument().scales]


@transaction.atomic
def link_target(action: ActionItem, scale_id: str, unit: Unit | None = None) -> ActionTarget:
    """Say which pulse scale an action aims to change, for a unit or (no unit) the whole
    system; its change is then shown beside the action once the pulse measures it again."""
    names = dict(target_scales())
    if scale_id not in names:
        raise AgendaError("Choose one of the pulse's healthy ways for this step to change.")
    if unit is not None and unit.care_system_id != action.care_system_id:
        raise AgendaError("Choose a unit of this care system, or the whole system.")
    existing = ActionTarget.objects.filter(action=action)
    if existing.filter(scale_id=scale_id, unit=unit).exists():
        raise AgendaError("This step is already linked to that healthy way there.")
    if existing.count() + StatementTarget.objects.filter(action=action).count() >= MAX_TARGETS:
        raise AgendaError(
            f"A step can aim at up to {MAX_TARGETS} things; one clear aim is easier to see."
        )
    return ActionTarget.objects.create(action=action, scale_id=scale_id, unit=unit)


@transaction.atomic
def link_statement(
    action: ActionItem, statement_ref: str, kind: str = StatementTarget.Kind.STATEMENT
) -> StatementTarget:
    """Say which conversation statement an action aims to change: how many agree with it, or
    (``divide``) a statement that divides the opinion groups. The figure its conversation's
    released result shows now is copied as the *before*; a statement whose figure is hidden
    (too few votes) or that is not published cannot be linked, and nothing is stored."""
    if kind not in StatementTarget.Kind.values:
        raise AgendaError("Choose what should change: how many agree, or a divide.")
    found = conversation_selectors.released_statement((statement_ref or "").strip())
    if found is None or found.care_system_id != action.care_system_id:
        raise AgendaError("Choose a statement from one of this care system's conversations.")
    if not found.published:
        raise AgendaError("That statement is not published, so it has no figure to follow.")
    if found.tally is None:
        raise AgendaError(
            "That statement has no figure shown yet (its results are not ready, or too few "
            "people have voted on it to show one safely). Link it once the results show it."
        )
    if kind == StatementTarget.Kind.DIVIDE and not found.divide:
        raise AgendaError(
            "The latest results do not show that statement as a divide between opinion "
            "groups; link it as “how many agree” instead."
        )
    if StatementTarget.objects.filter(action=action, statement_ref=found.statement_ref).exists():
        raise AgendaError("This step is already linked to that statement.")
    aims = ActionTarget.objects.filter(action=action).count()
    if aims + StatementTarget.objects.filter(action=action).count() >= MAX_TARGETS:
        raise AgendaError(
            f"A step can aim at up to {MAX_TARGETS} things; one clear aim is easier to see."
        )
    assert found.computed_on is not None  # a shown figure comes from a stored result
    seen, agree, disagree = found.tally
    return StatementTarget.objects.create(
        action=action,
        kind=kind,
        conversation_ref=found.conversation_ref,
        conversation_title=found.conversation_title[:200],
        statement_ref=found.statement_ref,
        text=found.text,
        linked_on=today(),
        before_computed_on=found.computed_on,
        before_seen=seen,
        before_agree=agree,
        before_disagree=disagree,
    )


@transaction.atomic
def unlink_statement(action: ActionItem, target_id: int) -> None:
    """Remove one of an action's statement aims (refused for another action's)."""
    deleted, _ = StatementTarget.objects.filter(action=action, pk=target_id).delete()
    if not deleted:
        raise AgendaError("That aim is not linked to this step.")


@transaction.atomic
def unlink_target(action: ActionItem, target_id: int) -> None:
    """Remove one of an action's aims (refused for another action's aim)."""
    deleted, _ = ActionTarget.objects.filter(action=action, pk=target_id).delete()
    if not deleted:
        raise AgendaError("That aim is not linked to this step.")


# --- releasing backlog figures (privacy ledger) ------------------------------------------

TOTAL_KEY = "total"
NO_SECTOR_KEY = "sector:none"

Figures = Callable[[list[tuple[int, int]]], dict[str, Any]]
"""Turns the (importance, avoidance) pairs of one group into the figures shown about it."""


def _sector_key(sector_id: int | None) -> str:
    return f"sector:{sector_id}" if sector_id else NO_SECTOR_KEY


def _issue_ledger(issue: AvoidedIssue, min_size: int) -> ReleaseLedger:
    if issue.release_ledger:
        return ReleaseLedger.from_dict(issue.release_ledger)
    return ReleaseLedger(wave=f"agenda-issue:{issue.public_id}", min_size=min_size)


def _release_issue(
    issue: AvoidedIssue,
    rows: Sequence[tuple[str, int | None, int, int]],
    min_size: int,
    figures: Figures,
) -> bool:
    """Release what may be shown now for one locked issue; True if its stored state changed.

    ``rows`` are its ratings as (version, sector id, importance, avoidance). The candidate
    figures (the whole issue, then each sector, largest first) are cells of rating versions,
    planned with :func:`plan_release` against the issue's ledger of atoms: a figure describes
    only whole atoms of at least ``min_size`` ratings, so it moves on only once at least that
    many new ratings can form a new atom. A re-rating is a new version; the atom that held the
    old version can never be described again (its old value would be a difference), so its
    other ratings stay out of new figures. A sector's figure is shown only when its ratings are
    not all the same, for importance and for avoidance alike (a unanimous sector would tell each
    member's rating). A figure that may not move on keeps showing what it showed last.
    """
    current = {version: (sector, imp, avo) for version, sector, imp, avo in rows}
    by_sector: dict[str, list[str]] = defaultdict(list)
    for version, (sector, _, _) in current.items():
        by_sector[_sector_key(sector)].append(version)
    cells = [Cell.of(TOTAL_KEY, current)] if current else []
    for key in sorted(by_sector, key=lambda k: (-len(by_sector[k]), k)):
        cells.append(Cell.of(key, by_sector[key]))
    ledger = _issue_ledger(issue, min_size)
    plan = plan_release(cells, min_size, ledger=ledger, partial=True)
    shown: dict[str, Any] = dict(issue.released_figures or {})
    before = dict(shown)
    released = {
        cell.key: [(current[str(v)][1], current[str(v)][2]) for v in cell.contributors]
        for cell in plan.released_cells
        if cell.contributors
    }
    held_back = _held_back(released)
    for key, values in released.items():
        if key in held_back:
            continue
        entry = figures(values)
        if key == TOTAL_KEY:
            entry["sectors"] = sorted(by_sector)  # the sectors this step describes
        shown[key] = entry
    new_ledger = ledger.record(plan).to_dict()
    if shown == before and new_ledger == issue.release_ledger:
        return False
    issue.release_ledger = new_ledger
    issue.released_figures = shown
    issue.save(update_fields=["release_ledger", "released_figures"])
    return True


_RATINGS = range(1, 6)


def _held_back(released: dict[str, list[tuple[int, int]]]) -> set[str]:
    """Sectors released this step that are not shown: those whose ratings are all alike, and
    the complementary ones hidden with them so that the total minus the shown sectors does not
    give a hidden one back (:func:`~walkthetalk.analysis.privacy.complementary_hidden`)."""
    sectors = {key: values for key, values in released.items() if key != TOTAL_KEY}
    alike = [key for key, values in sectors.items() if not _diverse(values)]
    if TOTAL_KEY not in released:
        return set(alike)
    return complementary_hidden(
        _histogram(released[TOTAL_KEY]),
        {key: _histogram(values) for key, values in sectors.items()},
        alike,
        _spread,
    )


def _histogram(values: Sequence[tuple[int, int]]) -> list[int]:
    """How many ratings, then how many of each importance, then of each avoidance (1 to 5)."""
    imp, avo = Counter(i for i, _ in values), Counter(a for _, a in values)
    return [len(values), *(imp[r] for r in _RATINGS), *(avo[r] for r in _RATINGS)]


def _spread(counts: Sequence[int]) -> bool:
    """A histogram from :func:`_histogram` whose ratings are not all alike."""
    return spread_shown(counts[1:6]) and spread_shown(counts[6:11])


def _diverse(values: Sequence[tuple[int, int]]) -> bool:
    """Not every rating is the same, for importance and for avoidance alike."""
    return spread_shown(Counter(i for i, _ in values).values()) and spread_shown(
        Counter(a for _, a in values).values()
    )


@transaction.atomic
def release_backlog_figures(
    system: CareSystem, issue_ids: Iterable[object], figures: Figures
) -> dict[object, dict[str, Any]]:
    """Decide, record and return the figures that may be shown for these issues now.

    Every figure about ratings (the backlog page, its sector breakdown, the API) comes from
    here. Each issue is locked, its new figures are planned against its release ledger and
    recorded *before* they are returned, so two pages loaded at different times can never be
    subtracted to reveal the ratings of fewer than the care system's minimum group size.
    Returns, per issue id, the stored figures by cell key (``"total"``, ``"sector:<id>"``,
    ``"sector:none"``).
    """
    m = system.min_group_size
    issues = list(
        AvoidedIssue.objects.select_for_update()
        .filter(care_system=system, pk__in=list(issue_ids))
        .order_by("pk")
    )
    rows: dict[object, list[tuple[str, int | None, int, int]]] = defaultdict(list)
    for issue_id, version, sector_id, imp, avo in IssueRating.objects.filter(
        issue__in=[i.pk for i in issues]
    ).values_list("issue_id", "version", "sector_id", "importance", "avoidance"):
        rows[issue_id].append((version, sector_id, imp, avo))
    for issue in issues:
        _release_issue(issue, rows.get(issue.pk, []), m, figures)
    return {issue.pk: dict(issue.released_figures or {}) for issue in issues}


ACCEPTED_KEY = "accepted"


@transaction.atomic
def release_acceptances(gathering: Gathering) -> int | None:
    """How many have accepted the gathering's agreements, as may be shown now (or None).

    The same ledger rule as for ratings: the count shown moves on only once at least the care
    system's minimum group size more people have accepted since it was last shown, so watching
    it go from 5 to 6 cannot tell anyone who just accepted. Recorded before it is returned.
    """
    locked = Gathering.objects.select_for_update().get(pk=gathering.pk)
    m = CareSystem.objects.values_list("min_group_size", flat=True).get(pk=locked.care_system_id)
    ledger = (
        ReleaseLedger.from_dict(locked.release_ledger)
        if locked.release_ledger
        else ReleaseLedger(wave=f"agenda-gathering:{locked.public_id}", min_size=m)
    )
    ids = [str(pk) for pk in locked.acceptances.values_list("pk", flat=True)]
    if not ids:
        return None
    plan = plan_release([Cell.of(ACCEPTED_KEY, ids)], m, ledger=ledger, partial=True)
    stored = ledger.record(plan).to_dict()
    if stored != locked.release_ledger:
        locked.release_ledger = stored
        locked.save(update_fields=["release_ledger"])
        gathering.release_ledger = stored
    n = len(plan.decision(ACCEPTED_KEY).contributors)
    return n or None
