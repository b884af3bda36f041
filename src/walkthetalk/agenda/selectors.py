"""Reads for the agenda app: backlog ranking, sector breakdowns, gatherings, follow-up.

**Ranking score.** Each rating gives *importance × avoidance* (1–25): an issue that matters a
lot and is avoided a lot scores high; one that matters but is talked about freely, or is avoided
but minor, scores lower. An issue's score is the mean of those products shrunk toward the
neutral middle (3 × 3 = 9) by :data:`PRIOR_WEIGHT` imaginary ratings::

    score = (sum(importance × avoidance) + PRIOR_WEIGHT × 9) / (n + PRIOR_WEIGHT)

so one enthusiastic 5/5 rating (score 13) does not outrank twenty ratings averaging 16. Scores
and means are shown only for issues with at least the care system's minimum group size of
ratings; issues with fewer are listed after them, newest first, with no figures. Figures move in
steps of that size (see :func:`ranked_backlog`), so comparing the page at two times never
reveals one person's rating.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from walkthetalk.agenda.keys import acceptance_key, rater_key, request_digest
from walkthetalk.agenda.models import (
    ActionItem,
    ActionTarget,
    AgendaItem,
    AvoidedIssue,
    Gathering,
    GatheringAcceptance,
    IssueRating,
    SeenRequest,
)
from walkthetalk.agenda.statement_change import StatementChange, statement_change
from walkthetalk.analysis.text.similarity import SimilarityIndex
from walkthetalk.caremap import selectors as caremap_selectors
from walkthetalk.caremap.models import CareSystem, StaffRole
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.pulse import selectors as pulse_selectors
from walkthetalk.pulse.effects import (
    Loaded,
    MeasuredChange,
    ParticipantsVerdict,
    participants_verdict,
    scale_change,
)
from walkthetalk.pulse.steps import MAX_QUESTIONS, StepQuestion

PRIOR_WEIGHT = 3
NEUTRAL_PRODUCT = 9
NO_SECTOR = "No sector given"
STAFF_ROLES = (StaffRole.Role.FACILITATOR, StaffRole.Role.STEWARD)
CANDIDATE_PASS_SHARE = 0.4
"""A statement is a backlog candidate in a sector where at least this share of votes are passes
(and the passes are at least the minimum group size)."""


def can_facilitate(user: User | AnonymousUser, system: CareSystem) -> bool:
    return caremap_selectors.has_role(user, system, *STAFF_ROLES)


def can_follow(user: User | AnonymousUser, system: CareSystem) -> bool:
    return caremap_selectors.has_role(user, system, *StaffRole.Role.values)


def score(products: list[int]) -> float:
    """The shrunk mean of importance × avoidance (see the module docstring)."""
    return (sum(products) + PRIOR_WEIGHT * NEUTRAL_PRODUCT) / (len(products) + PRIOR_WEIGHT)


# --- participants ------------------------------------------------------------------------


@dataclass(frozen=True)
class BacklogEntry:
    issue: AvoidedIssue
    my_importance: int | None
    my_avoidance: int | None


def backlog_for(participant_pass: ParticipantPass) -> list[BacklogEntry]:
    """Open issues of the participant's care system with their own rating, if any (no figures).

    Unrated issues come first so every issue gets seen; then newest first.
    """
    issues = list(
        AvoidedIssue.objects.filter(
            care_system_id=participant_pass.care_system_id,
            status__in=[AvoidedIssue.Status.OPEN, AvoidedIssue.Status.GATHERING],
        ).order_by("-raised_on", "public_id")
    )
    keys = {rater_key(i, participant_pass): i.pk for i in issues}
    mine = {
        r.issue_id: r
        for r in IssueRating.objects.filter(rater_key__in=keys, issue__in=[i.pk for i in issues])
    }
    entries = [
        BacklogEntry(
            i,
            mine[i.pk].importance if i.pk in mine else None,
            mine[i.pk].avoidance if i.pk in mine else None,
        )
        for i in issues
    ]
    return sorted(entries, key=lambda e: e.my_importance is not None)


def open_issue(participant_pass: ParticipantPass, public_id: str) -> AvoidedIssue | None:
    return AvoidedIssue.objects.filter(
        care_system_id=participant_pass.care_system_id, public_id=public_id
    ).first()


def gatherings_for(participant_pass: ParticipantPass, on: dt.date) -> QuerySet[Gathering]:
    """The care system's gatherings from a week ago onwards (for the welcome page)."""
    return Gathering.objects.filter(
        care_system_id=participant_pass.care_system_id, held_on__gte=on - dt.timedelta(days=7)
    ).order_by("held_on", "title")


def has_accepted(participant_pass: ParticipantPass, gathering: Gathering) -> bool:
    return GatheringAcceptance.objects.filter(
        gathering=gathering, participant_key=acceptance_key(gathering, participant_pass)
    ).exists()


# --- stewards and facilitators -----------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A statement many people in one sector passed on: perhaps an issue that is avoided."""

    conversation_title: str
    statement_ref: str
    text: str
    sector: str
    passes: int
    votes: int


def candidates_from_rows(rows: list[dict[str, Any]], min_size: int) -> list[Candidate]:
    """Pick backlog candidates from per-sector pass counts of conversation statements.

    Each row: ``conversation_title``, ``statement_ref`` (the statement's public id), ``text``,
    ``sector`` (its name), ``passes`` and ``votes`` (by participants of that sector). A row is a
    candidate when ``passes >= min_size`` and ``passes / votes >= CANDIDATE_PASS_SHARE``, so
    every figure shown describes at least ``min_size`` people. Most passes first.
    """
    fields = ("conversation_title", "statement_ref", "text", "sector", "passes", "votes")
    picked = [
        Candidate(*(r[f] for f in fields))
        for r in rows
        if r["votes"]
        and r["passes"] >= min_size
        and r["passes"] / r["votes"] >= CANDIDATE_PASS_SHARE
    ]
    return sorted(picked, key=lambda c: (-c.passes, c.text))


def backlog_candidates(system: CareSystem) -> list[Candidate]:
    """Statements many people of one sector passed on, not yet taken into the backlog."""
    taken = set(
        AvoidedIssue.objects.filter(
            care_system=system, source=AvoidedIssue.Source.CONVERSATION
        ).values_list("source_ref", flat=True)
    )
    rows = conversation_selectors.statement_passes_by_sector(system)
    return [
        c for c in candidates_from_rows(rows, system.min_group_size) if c.statement_ref not in taken
    ]


def agenda(gathering: Gathering) -> list[AgendaItem]:
    return list(
        gathering.items.select_related("issue")
        .prefetch_related("action_items")
        .order_by("position")
    )


def addable_issues(gathering: Gathering) -> QuerySet[AvoidedIssue]:
    return (
        AvoidedIssue.objects.filter(care_system=gathering.care_system_id)
        .exclude(status=AvoidedIssue.Status.HIDDEN)
        .exclude(agenda_items__gathering=gathering)
    )


def staff_gatherings(system: CareSystem) -> QuerySet[Gathering]:
    return Gathering.objects.filter(care_system=system).order_by("-held_on", "title")


# --- "you said, we did" ------------------------------------------------------------------


@dataclass(frozen=True)
class TargetOutcome:
    """One aim of an action and its measured change (or why it cannot be shown yet)."""

    target_id: int
    measured: MeasuredChange


@dataclass
class ActionOutcome:
    """An action with its status and what it aimed to change, as measured."""

    action: ActionItem
    targets: list[TargetOutcome]
    verdict: ParticipantsVerdict | None = None
    """What participants said when a pulse asked whether the step helped (``None``: not
    asked yet)."""
    statements: list[StatementChange] = field(default_factory=list)
    """The conversation statements it aims at, each with its change since it was linked."""


@dataclass
class FollowUp:
    issue: AvoidedIssue
    gathering: Gathering
    actions: list[ActionItem]
    outcomes: list[ActionOutcome]
    """The same actions, in the same order, each with the measured change of its aims."""
    decisions: str = ""
    """What the gathering decided about the issue (its agenda item's decisions)."""


def target_outcome(target: ActionTarget, since: dt.date, loaded: Loaded) -> TargetOutcome:
    place = target.unit.name if target.unit is not None else _("the whole system")
    system_id = target.action.care_system_id
    return TargetOutcome(
        target.pk,
        scale_change(system_id, target.scale_id, target.unit_id, place, since, loaded),
    )


def statement_outcomes(action: ActionItem) -> list[StatementChange]:
    """Each conversation statement the action aims at, with its change since it was linked
    (against the figure its conversation's released result shows now)."""
    k = action.care_system.min_group_size
    return [
        statement_change(t, conversation_selectors.released_statement(t.statement_ref), k)
        for t in action.statement_targets.all()
    ]


def action_outcome(action: ActionItem, loaded: Loaded | None = None) -> ActionOutcome:
    """An action with the measured change of each of its aims (pulse scales across its
    gathering's day; conversation statements since they were linked).

    ``loaded`` lets several actions of one page share the waves they read."""
    since = action.agenda_item.gathering.held_on
    targets = action.targets.select_related("unit", "action")
    shared: Loaded = {} if loaded is None else loaded
    return ActionOutcome(
        action,
        [target_outcome(t, since, shared) for t in targets],
        participants_verdict(action.care_system_id, action.pk, shared),
        statement_outcomes(action),
    )


def steps_to_ask(system_id: int, covered: set[int], opened_on: dt.date) -> list[StepQuestion]:
    """The "Did '<step>' help?" questions a wave opening on ``opened_on`` over the units
    ``covered`` (with everything below them) asks: one per step forward that is done, was agreed
    at a gathering before that day, aims at a pulse scale the wave covers (a unit in
    ``covered``, or the whole system), and that no earlier wave asked about (the oldest first,
    at most :data:`~walkthetalk.pulse.steps.MAX_QUESTIONS`). The question names the aims'
    units, so it is asked of the people there (everyone, for a whole-system aim)."""
    asked = pulse_selectors.asked_action_ids(system_id)
    done = (
        ActionItem.objects.filter(
            care_system_id=system_id,
            status=ActionItem.Status.DONE,
            agenda_item__gathering__held_on__lt=opened_on,
        )
        .exclude(pk__in=asked)
        .prefetch_related("targets")
        .order_by("agenda_item__gathering__held_on", "pk")
    )
    out = []
    for action in done:
        aims = list(action.targets.all())
        if any(t.unit_id is None for t in aims):
            out.append(StepQuestion(action.pk, action.step, None))
            continue
        units = tuple(sorted({t.unit_id for t in aims if t.unit_id in covered}))
        if units:
            out.append(StepQuestion(action.pk, action.step, units))
    return out[:MAX_QUESTIONS]


def target_statements(system: CareSystem) -> list[tuple[str, str, str]]:
    """Statements an action may aim at: published, with a figure their conversation's
    released result shows (statement id, conversation title, text)."""
    return conversation_selectors.statements_with_figures(system)


def you_said_we_did(system_id: int) -> list[FollowUp]:
    """Every action item of the care system grouped by the issue it answers, newest first,
    each with its status and the measured change of what it aimed to change."""
    actions = (
        ActionItem.objects.filter(care_system_id=system_id)
        .select_related("agenda_item__issue", "agenda_item__gathering", "care_system")
        .prefetch_related("statement_targets")
        .order_by("-agenda_item__gathering__held_on", "agenda_item__position", "due_on")
    )
    groups: dict[int, FollowUp] = {}
    loaded: Loaded = {}
    for action in actions:
        item = action.agenda_item
        if item.pk not in groups:
            groups[item.pk] = FollowUp(item.issue, item.gathering, [], [], item.decisions)
        groups[item.pk].actions.append(action)
        groups[item.pk].outcomes.append(action_outcome(action, loaded))
    return list(groups.values())


SIMILAR_MIN_LENGTH = 10
"""Titles shorter than this are not compared (too little to go on)."""


def similar_issues(participant_pass: ParticipantPass, title: str) -> list[AvoidedIssue]:
    """Open issues of the participant's care system whose title is like ``title`` (at most
    three, most similar first; :mod:`walkthetalk.analysis.text.similarity`). Issues set aside
    are never suggested. Nothing about ``title`` is stored."""
    title = " ".join(title.split())
    if len(title) < SIMILAR_MIN_LENGTH:
        return []
    issues = list(
        AvoidedIssue.objects.filter(
            care_system_id=participant_pass.care_system_id,
            status__in=[AvoidedIssue.Status.OPEN, AvoidedIssue.Status.GATHERING],
        ).order_by("public_id")
    )
    index = SimilarityIndex([issue.title for issue in issues])
    return [issues[match.index] for match in index.similar(title)]


def request_seen(request_key: str) -> bool:
    """Whether a form with this request key was already saved (a retry)."""
    return SeenRequest.objects.filter(key=request_digest(request_key)).exists()


FOLLOW_THROUGH_STATES = ("in_backlog", "taken_up", "decision_made", "action_done")


def follow_through(participant_pass: ParticipantPass) -> dict[str, dict[str, str]]:
    """Where every issue of the participant's care system stands (public id → title, state):
    the same for everyone with a pass here, so fetching it says nothing about which issues a
    person raised or rated (their browser matches them). Issues set aside are left out.

    ``taken_up``: it became a conversation or is on a gathering's agenda; ``decision_made``: a
    gathering recorded a decision or agreed a step forward on it; ``action_done``: a step
    forward on it is done.
    """
    issues = AvoidedIssue.objects.filter(care_system_id=participant_pass.care_system_id).exclude(
        status=AvoidedIssue.Status.HIDDEN
    )
    on_agenda = set(AgendaItem.objects.filter(issue__in=issues).values_list("issue_id", flat=True))
    decided = set(
        AgendaItem.objects.filter(issue__in=issues)
        .exclude(decisions="")
        .values_list("issue_id", flat=True)
    )
    steps = ActionItem.objects.filter(agenda_item__issue__in=issues)
    decided |= set(steps.values_list("agenda_item__issue_id", flat=True))
    done = set(
        steps.filter(status=ActionItem.Status.DONE).values_list("agenda_item__issue_id", flat=True)
    )
    out = {}
    for issue in issues.order_by("public_id"):
        if issue.pk in done:
            state = "action_done"
        elif issue.pk in decided:
            state = "decision_made"
        elif issue.pk in on_agenda or issue.status != AvoidedIssue.Status.OPEN:
            state = "taken_up"
        else:
            state = "in_backlog"
        out[issue.public_id] = {"title": issue.title, "state": state}
    return out


def topic_issue_texts(system_id: int) -> list[tuple[str, str]]:
    """``(public id, title and details)`` of every issue the backlog and "you said, we did" show
    (never one set aside), for finding topics."""
    return [
        (public_id, f"{title}. {details}".strip())
        for public_id, title, details in AvoidedIssue.objects.filter(care_system_id=system_id)
        .exclude(status=AvoidedIssue.Status.HIDDEN)
        .order_by("public_id")
        .values_list("public_id", "title", "details")
    ]
