"""Reads for conversations: the queries pages, exports and other apps need, in one place."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from walkthetalk.analysis.commonground.engine import MIN_VOTES
from walkthetalk.analysis.commonground.placement import PlacementState, place
from walkthetalk.caremap import selectors as caremap_selectors
from walkthetalk.caremap.models import CareSystem, StaffRole
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.conversations import near_duplicates, vote_queries, write_queries
from walkthetalk.conversations.keys import participant_key
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationPlacement,
    ConversationResult,
    ModerationDecision,
    Statement,
    Topic,
    TopicSet,
    Vote,
)
from walkthetalk.conversations.priority import draw
from walkthetalk.conversations.results import VoteSnapshot

STAFF_ROLES = (StaffRole.Role.FACILITATOR, StaffRole.Role.STEWARD)
MODERATION_PAGE_SIZE = 50


def open_conversations_for(participant_pass: ParticipantPass) -> list[Conversation]:
    """The open conversations a participant with this pass may join (for the welcome page).

    A conversation that invites only some sectors is listed only for a pass of one of them.
    """
    conversations = Conversation.objects.filter(
        care_system_id=participant_pass.care_system_id, status=Conversation.Status.OPEN
    ).annotate(n_sectors=Count("sectors"))
    sector_ok = Q(n_sectors=0)
    if participant_pass.sector_id is not None:
        sector_ok |= Q(sectors__id=participant_pass.sector_id)
    return list(conversations.filter(sector_ok).distinct().order_by("title"))


def can_facilitate(user: User | AnonymousUser, system: CareSystem) -> bool:
    return caremap_selectors.has_role(user, system, *STAFF_ROLES)


def conversations_for_staff(
    user: User | AnonymousUser,
) -> list[tuple[CareSystem, list[Conversation]]]:
    out = []
    for system in caremap_selectors.systems_for(user):
        if can_facilitate(user, system):
            out.append((system, list(system.conversations.order_by("status", "title"))))
    return out


def participant_for(
    conversation: Conversation, participant_pass: ParticipantPass | None
) -> ConversationParticipant | None:
    if participant_pass is None or participant_pass.care_system_id != conversation.care_system_id:
        return None
    return ConversationParticipant.objects.filter(
        conversation=conversation, key=participant_key(conversation.pk, participant_pass)
    ).first()


def has_accepted(conversation: Conversation, participant: ConversationParticipant | None) -> bool:
    return participant is not None and (
        participant.agreements_version == conversation.agreements_version
    )


def published(conversation: Conversation) -> QuerySet[Statement]:
    return conversation.statements.filter(status=Statement.Status.PUBLISHED)


# --- the vote page: two queries per page, none of them a COUNT ---------------------------

_CONVERSATION_PKS: dict[str, int] = {}
"""Conversation public id -> primary key, per process. Both are fixed for a conversation's
life, so this saves a query per vote request; a stale entry (a deleted conversation) only
misses, because :func:`voter` checks the public id in the same query."""
_CONVERSATION_PKS_MAX = 4096


def _conversation_pk(public_id: str) -> int | None:
    pk = _CONVERSATION_PKS.get(public_id)
    if pk is None:
        pk = next(
            iter(
                Conversation.objects.filter(public_id=public_id[:16])
                .order_by()
                .values_list("pk", flat=True)[:1]
            ),
            None,
        )
        if pk is not None:
            if len(_CONVERSATION_PKS) >= _CONVERSATION_PKS_MAX:
                _CONVERSATION_PKS.clear()
            _CONVERSATION_PKS[public_id] = pk
    return pk


_ATTNAMES = {f.name: f.attname for f in Conversation._meta.concrete_fields}


@dataclass(frozen=True)
class Voter:
    """A participant in a conversation, found from their pass, with what the vote card shows."""

    conversation: Conversation
    participant: ConversationParticipant
    common_ground: list[dict[str, Any]]

    @property
    def accepted(self) -> bool:
        return has_accepted(self.conversation, self.participant)


@dataclass(frozen=True)
class VoterRow:
    """What :func:`voter_row` finds, as plain values (the vote fast path needs no objects)."""

    conversation_pk: int
    participant_pk: uuid.UUID
    participant_version: int
    conversation: dict[str, Any]  # vote_queries.VOTER_CONVERSATION_FIELDS -> value
    result_state: str | None
    common_ground: str | None  # JSON text
    # The vote card's rows read with the voter (``voter_row(..., cards=True)`` on PostgreSQL),
    # else None; :func:`voter_card_rows` gives them either way.
    cards: list[tuple[Any, ...]] | None = None

    @property
    def accepted(self) -> bool:
        return self.participant_version == self.conversation["agreements_version"]


def voter_row(
    public_id: str, participant_pass: ParticipantPass | None, *, cards: bool = False
) -> VoterRow | None:
    """The participant row of this pass in the conversation ``public_id``, with the fields of
    the conversation the vote needs and its released common ground, in one query; None when
    there is no such row (not joined, a pass of another care system, no such conversation).
    ``cards``: on PostgreSQL the same query also reads the vote card's rows (one round trip
    less for a caller that will need them; see :func:`voter_card_rows`)."""
    if participant_pass is None:
        return None
    pk = _conversation_pk(public_id)
    if pk is None:
        return None
    key = participant_key(pk, participant_pass)
    care_system_id = participant_pass.care_system_id
    card_rows_read: list[tuple[Any, ...]] | None = None
    if cards:
        both = vote_queries.fetch_voter_with_cards(pk, public_id, care_system_id, key)
        row, card_rows_read = both if both is not None else (None, None)
    else:
        row = vote_queries.fetch_voter(pk, public_id, care_system_id, key)
    if row is None:
        _CONVERSATION_PKS.pop(public_id, None)
        return None
    participant_id, participant_version, *fields, result_state, common_ground = row
    values = dict(zip(vote_queries.VOTER_CONVERSATION_FIELDS, fields, strict=True))
    values["refresh_pending"] = bool(values["refresh_pending"])
    return VoterRow(
        pk,
        ConversationParticipant._meta.pk.to_python(participant_id),
        participant_version,
        values,
        result_state,
        common_ground,
        card_rows_read,
    )


def voter_card_rows(found: VoterRow) -> list[tuple[Any, ...]]:
    """:func:`card_rows` of the voter ``found``: those read with it, or read now."""
    if found.cards is not None:
        return found.cards
    return card_rows(found.conversation_pk, found.participant_pk)


def voter(public_id: str, participant_pass: ParticipantPass | None) -> Voter | None:
    """:func:`voter_row` as objects: the participant and the conversation (with the fields the
    vote needs; the others load if touched) and the released common ground."""
    found = voter_row(public_id, participant_pass)
    if found is None:
        return None
    values = found.conversation
    conversation = Conversation.from_db(
        "default",
        [_ATTNAMES[name] for name in values],
        list(values.values()),
    )
    participant = ConversationParticipant.from_db(
        "default",
        ["id", "conversation_id", "agreements_version"],
        [found.participant_pk, found.conversation_pk, found.participant_version],
    )
    participant.conversation = conversation
    shown: list[dict[str, Any]] = []
    if found.result_state == ConversationResult.State.READY and found.common_ground:
        shown = json.loads(found.common_ground)
    return Voter(conversation, participant, shown)


@dataclass(frozen=True)
class Writer:
    """A participant writing a statement in a conversation, found from their pass."""

    conversation: Conversation
    participant: ConversationParticipant

    @property
    def accepted(self) -> bool:
        return has_accepted(self.conversation, self.participant)


def writer(public_id: str, participant_pass: ParticipantPass | None) -> Writer | None:
    """The participant row of this pass in the conversation ``public_id`` (not a draft) and
    the conversation (the fields writing uses; the others load if touched), in one query; None
    when there is no such row (not joined, a pass of another care system, no such
    conversation, a draft)."""
    if participant_pass is None:
        return None
    pk = _conversation_pk(public_id)
    if pk is None:
        return None
    row = write_queries.fetch_writer(
        pk, public_id, participant_pass.care_system_id, participant_key(pk, participant_pass)
    )
    if row is None:
        return None
    participant_id, participant_version, *fields = row
    conversation = Conversation.from_db(
        "default", [_ATTNAMES[name] for name in write_queries.CONVERSATION_FIELDS], fields
    )
    participant = ConversationParticipant.from_db(
        "default",
        ["id", "conversation_id", "agreements_version"],
        [ConversationParticipant._meta.pk.to_python(participant_id), pk, participant_version],
    )
    participant.conversation = conversation
    return Writer(conversation, participant)


def common_ground_for(conversation: Conversation) -> list[dict[str, Any]]:
    """The released common ground the vote card shows (empty until results are ready)."""
    result = result_for(conversation)
    if result is None or result.state != ConversationResult.State.READY:
        return []
    return list(result.data.get("common_ground", []))


@dataclass(frozen=True)
class CardStatement:
    pk: int
    public_id: str
    text: str
    clarification: str


@dataclass(frozen=True)
class Progress:
    voted: int
    total: int

    @property
    def remaining(self) -> int:
        return max(self.total - self.voted, 0)

    @property
    def number(self) -> int:
        """The number of the statement shown now (1 for the first)."""
        return self.voted + 1


@dataclass(frozen=True)
class VoteCard:
    statement: CardStatement | None
    progress: Progress


def vote_card(
    conversation: Conversation,
    participant: ConversationParticipant,
    wanted: str = "",
    rng: random.Random | None = None,
) -> VoteCard:
    """The statement to vote on next and the participant's progress, in one query.

    The statement asked for (``wanted``, e.g. back from "what do you mean?") if it is published
    and not yet voted on; otherwise one drawn by the priority the worker stored (Pol.is's
    comment priority, :mod:`walkthetalk.conversations.priority`). Progress comes from the same
    rows: no COUNT.
    """
    return vote_card_of(conversation.pk, participant.pk, wanted, rng)


def vote_card_of(
    conversation_pk: int,
    participant_pk: uuid.UUID,
    wanted: str = "",
    rng: random.Random | None = None,
) -> VoteCard:
    """:func:`vote_card` from the conversation's and participant's primary keys."""
    return card_of_rows(card_rows(conversation_pk, participant_pk), wanted, rng)


def card_rows(conversation_pk: int, participant_pk: uuid.UUID) -> list[tuple[Any, ...]]:
    """(id, public id, text, clarification, priority, voted) per published statement."""
    return vote_queries.fetch_card_rows(conversation_pk, participant_pk)


def card_of_rows(
    rows: list[tuple[Any, ...]], wanted: str = "", rng: random.Random | None = None
) -> VoteCard:
    """The vote card drawn from :func:`card_rows`."""
    candidates = [r for r in rows if not r[5]]
    progress = Progress(len(rows) - len(candidates), len(rows))
    picked = None
    if wanted:
        picked = next((r for r in candidates if r[1] == wanted), None)
    if picked is None:
        picked = draw(candidates, [r[4] for r in candidates], rng)
    if picked is None:
        return VoteCard(None, progress)
    return VoteCard(CardStatement(*picked[:4]), progress)


def next_statement(
    conversation: Conversation,
    participant: ConversationParticipant,
    rng: random.Random | None = None,
) -> CardStatement | None:
    """The next statement to vote on, drawn by priority among those not yet voted on."""
    return vote_card(conversation, participant, rng=rng).statement


def progress(conversation: Conversation, participant: ConversationParticipant) -> Progress:
    return vote_card(conversation, participant).progress


def my_votes(conversation: Conversation, participant: ConversationParticipant) -> list[Vote]:
    return list(
        Vote.objects.filter(participant=participant, statement__status=Statement.Status.PUBLISHED)
        .select_related("statement")
        .order_by("statement__text")
    )


def my_vote(participant: ConversationParticipant, statement_id: str) -> Vote | None:
    """This participant's vote on the published statement ``statement_id`` (its public id)."""
    return (
        Vote.objects.filter(
            participant=participant,
            statement__public_id=statement_id[:40],
            statement__status=Statement.Status.PUBLISHED,
        )
        .select_related("statement")
        .first()
    )


def my_statements(
    conversation: Conversation, participant: ConversationParticipant
) -> list[Statement]:
    return list(conversation.statements.filter(author=participant).order_by("text"))


def moderation_page(
    conversation: Conversation, status: str, page_number: str | None, query: str = ""
) -> Page[Any]:
    """One page of the moderation queue (statements waiting first, oldest day first)."""
    statements = conversation.statements.annotate(
        n_questions=Count("clarification_requests")
    ).order_by("created_on", "pk")
    if status == "questions":
        statements = statements.filter(n_questions__gt=0, status=Statement.Status.PUBLISHED)
    elif status in Statement.Status.values:
        statements = statements.filter(status=status)
    if query:
        statements = statements.filter(text__icontains=query)
    paginator = Paginator(statements, MODERATION_PAGE_SIZE)
    return paginator.get_page(page_number)


def published_statements(conversation: Conversation) -> list[Statement]:
    """The statements participants vote on: seeds first, then as they were written."""
    return list(
        conversation.statements.filter(status=Statement.Status.PUBLISHED).order_by(
            "-is_seed", "created_on", "text"
        )
    )


def status_counts(conversation: Conversation) -> dict[str, int]:
    counts = dict(
        conversation.statements.values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts["questions"] = (
        conversation.statements.filter(
            status=Statement.Status.PUBLISHED, clarification_requests__isnull=False
        )
        .distinct()
        .count()
    )
    return counts


def questions_for(statement: Statement) -> list[str]:
    return [
        q
        for q in statement.clarification_requests.order_by("asked_on").values_list(
            "question", flat=True
        )
        if q
    ]


def result_for(conversation: Conversation) -> ConversationResult | None:
    return ConversationResult.objects.filter(conversation=conversation).first()


@dataclass(frozen=True)
class ReleasedStatement:
    """A statement with what its conversation's last *released* result says about it.

    ``tally`` is ``(seen, agree, disagree)`` over everyone, exactly as the stored result holds
    it (released through the conversation's ledger), or ``None`` when the result is not ready,
    does not hold the statement, or describes fewer votes than the minimum group size (hidden).
    ``divide`` says whether the result names it as a divide between opinion groups.
    Conversations keep only their latest result, so this is the figure shown now.
    """

    conversation_ref: str
    conversation_title: str
    care_system_id: int
    statement_ref: str
    text: str
    published: bool
    result_state: str
    computed_on: dt.date | None
    tally: tuple[int, int, int] | None
    divide: bool


def released_statement(statement_ref: str) -> ReleasedStatement | None:
    """The statement with this public id and its released figure (``None``: no such one)."""
    statement = (
        Statement.objects.filter(public_id=statement_ref)
        .select_related("conversation", "conversation__care_system")
        .first()
    )
    if statement is None:
        return None
    conv = statement.conversation
    result = result_for(conv)
    ready = result is not None and result.state == ConversationResult.State.READY
    data = result.data if ready and result is not None else {}
    k = int(data.get("min_group_size") or conv.care_system.min_group_size)
    raw = data.get("statement_tallies", {}).get(statement_ref)
    published = statement.status == Statement.Status.PUBLISHED
    tally = None
    if published and raw and int(raw["seen"]) >= max(k, 1):
        tally = (int(raw["seen"]), int(raw["agree"]), int(raw["disagree"]))
    return ReleasedStatement(
        conversation_ref=conv.public_id,
        conversation_title=conv.title,
        care_system_id=conv.care_system_id,
        statement_ref=statement_ref,
        text=statement.text,
        published=published,
        result_state=result.state if result is not None else "",
        computed_on=result.computed_on if result is not None else None,
        tally=tally,
        divide=published and any(d.get("id") == statement_ref for d in data.get("divides", [])),
    )


def statements_with_figures(system: CareSystem) -> list[tuple[str, str, str]]:
    """(statement public id, conversation title, text) of published statements whose
    conversation's released result shows a figure for them: what an action may aim at."""
    out = []
    results = ConversationResult.objects.filter(
        conversation__care_system=system, state=ConversationResult.State.READY
    ).select_related("conversation")
    for result in results.order_by("conversation__title", "conversation_id"):
        k = int(result.data.get("min_group_size") or system.min_group_size)
        tallies = result.data.get("statement_tallies", {})
        shown = {sid for sid, t in tallies.items() if int(t["seen"]) >= max(k, 1)}
        for statement in published(result.conversation).filter(public_id__in=shown):
            out.append((statement.public_id, result.conversation.title, statement.text))
    return out


def clarified_statements(conversation: Conversation) -> list[Statement]:
    return list(published(conversation).exclude(clarification="").order_by("text"))


def statement_passes_by_sector(system: CareSystem) -> list[dict[str, Any]]:
    """Per published statement and sector: how many of that sector's votes were passes.

    Rows carry ``conversation_title``, ``statement_ref`` (the statement's public id), ``text``,
    ``sector`` (its name), ``passes`` and ``votes``; the backlog offers statements that many
    people of one sector passed on as possibly avoided issues. Counts are raw: the caller
    releases only rows whose figures describe at least the minimum group size.
    """
    rows = (
        Vote.objects.filter(
            conversation__care_system=system,
            statement__status=Statement.Status.PUBLISHED,
            participant__sector__isnull=False,
        )
        .values(
            "statement__public_id",
            "statement__text",
            "conversation__title",
            "participant__sector__name",
        )
        .annotate(votes=Count("pk"), passes=Count("pk", filter=Q(value=Vote.Value.PASS)))
        .order_by("conversation__title", "statement__public_id", "participant__sector__name")
    )
    return [
        {
            "conversation_title": row["conversation__title"],
            "statement_ref": row["statement__public_id"],
            "text": row["statement__text"],
            "sector": row["participant__sector__name"],
            "passes": row["passes"],
            "votes": row["votes"],
        }
        for row in rows
    ]


def conversations_with_new_votes() -> list[int]:
    """Ids of conversations whose results are outdated (votes or moderation since the last
    refresh), for the worker's clock."""
    return list(
        Conversation.objects.filter(refresh_pending=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def conversation_to_refresh(conversation_id: int) -> Conversation | None:
    return Conversation.objects.select_related("care_system").filter(pk=conversation_id).first()


def vote_snapshot(conversation: Conversation) -> VoteSnapshot:
    """Published statements and their votes, as a refresh computes them."""
    published_only = Statement.Status.PUBLISHED
    statements = list(
        conversation.statements.filter(status=published_only)
        .order_by("pk")
        .values_list("pk", "public_id", "text")
    )
    votes = list(
        Vote.objects.filter(conversation=conversation, statement__status=published_only)
        .order_by("participant_id")
        .values_list("participant_id", "statement_id", "value", "participant__sector__name")
    )
    ledger = (
        ConversationResult.objects.filter(conversation=conversation)
        .values_list("release_ledger", flat=True)
        .first()
    )
    return VoteSnapshot(statements, votes, conversation.care_system.min_group_size, ledger or {})


# --- moderation at scale -------------------------------------------------------------------


def moderator_role(user: User | AnonymousUser, system: CareSystem) -> str:
    """The role a decision by ``user`` is logged under (the log names a role, never a person):
    facilitator, else steward, else administrator (a superuser without a role here)."""
    if user.pk is None:
        return "administrator"
    roles = set(
        StaffRole.objects.filter(user_id=user.pk, care_system=system).values_list("role", flat=True)
    )
    for role in (StaffRole.Role.FACILITATOR, StaffRole.Role.STEWARD):
        if role in roles:
            return str(role)
    return "administrator"


MODERATION_LOG_HEADER = ("day", "statement", "statement_text", "seed", "decision", "role")


def moderation_log(conversation: Conversation) -> list[tuple[object, ...]]:
    """Every moderation decision: the day, the statement, what was decided and by which role —
    never by whom, and nothing about who wrote the statement. Ordered by day, then statement
    and decision (not by when within a day)."""
    decisions = (
        ModerationDecision.objects.filter(conversation=conversation)
        .select_related("statement")
        .order_by("decided_on", "statement__public_id", "decision", "role")
    )
    return [
        (
            d.decided_on.isoformat(),
            d.statement.public_id,
            d.statement.text,
            "yes" if d.statement.is_seed else "no",
            d.decision,
            d.role,
        )
        for d in decisions
    ]


def _waiting(user: User | AnonymousUser, by: str) -> dict[int, int]:
    """Statements waiting for moderation where ``user`` facilitates, counted per ``by`` (a
    field path to a pk); places with none waiting are left out."""
    systems = [s for s in caremap_selectors.systems_for(user) if can_facilitate(user, s)]
    rows = (
        Statement.objects.filter(
            conversation__care_system__in=systems, status=Statement.Status.PENDING
        )
        .values_list(by)
        .annotate(n=Count("pk"))
        .values_list(by, "n")
    )
    return dict(rows)


def waiting_statements(user: User | AnonymousUser) -> dict[int, int]:
    """Statements waiting for moderation in each conversation ``user`` facilitates."""
    return _waiting(user, "conversation_id")


def waiting_by_system(user: User | AnonymousUser) -> dict[int, int]:
    """Statements waiting for moderation in each care system ``user`` facilitates."""
    return _waiting(user, "conversation__care_system_id")


def similar_statements(conversation: Conversation, text: str) -> list[Statement]:
    """Published statements like ``text``, most similar first (near-duplicate detection)."""
    return near_duplicates.similar_statements(conversation, text)


def answered_statements(participant_pass: ParticipantPass) -> dict[str, str]:
    """Statements of the pass's care system a facilitator has clarified (public id → text):
    the same list for everyone with a pass here; a browser that remembers asking about one
    shows it as answered."""
    rows = Statement.objects.filter(
        conversation__care_system_id=participant_pass.care_system_id,
        status=Statement.Status.PUBLISHED,
    ).exclude(clarification="")
    return dict(rows.order_by("public_id").values_list("public_id", "text"))


# --- where do I stand ----------------------------------------------------------------------


MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 320, 200, 48


@dataclass(frozen=True)
class GroupMark:
    """One shown opinion group on the participant's map (viewBox units); ``letter`` is what
    pages name it by ("Group B", translated)."""

    letter: str
    size: int
    x: float
    y: float
    mine: bool


@dataclass(frozen=True)
class DivideView:
    """A statement that divides the groups: how the participant's group and everyone see it,
    from released shares only (``None``: hidden), and the participant's own vote."""

    id: str
    text: str
    group: dict[str, int | None]
    everyone: dict[str, int | None]
    my_vote: int | None


@dataclass(frozen=True)
class Standing:
    """What "where do I stand" shows one participant: ``group`` is set only when their votes
    place them and their group is shown (at least the minimum group size, released); it is
    the group's letter ("B")."""

    votes_needed: int = 0
    group: str | None = None
    marks: tuple[GroupMark, ...] = ()
    divides: tuple[DivideView, ...] = ()
    representative: tuple[dict[str, Any], ...] = ()
    all_passes: bool = False


def _letter(label: str) -> str:
    return label.removeprefix("Group ")


def _own_votes(participant: ConversationParticipant) -> dict[str, int]:
    return dict(
        Vote.objects.filter(participant=participant, statement__status=Statement.Status.PUBLISHED)
        .values_list("statement__public_id", "value")
        .order_by()
    )


def _marks(groups: list[dict[str, Any]], mine: int) -> tuple[GroupMark, ...]:
    """The shown groups' released centres, scaled into the map's box (y up)."""
    shown = [(g, grp) for g, grp in enumerate(groups) if grp["size"]]
    xs = [grp["centre"][0] for _, grp in shown]
    ys = [grp["centre"][1] for _, grp in shown]

    def scale(v: float, lo: float, hi: float, size: int) -> float:
        if hi - lo < 1e-9:
            return size / 2
        return MAP_MARGIN + (v - lo) / (hi - lo) * (size - 2 * MAP_MARGIN)

    return tuple(
        GroupMark(
            _letter(grp["label"]),
            grp["size"],
            round(scale(grp["centre"][0], min(xs), max(xs), MAP_WIDTH), 1),
            round(MAP_HEIGHT - scale(grp["centre"][1], min(ys), max(ys), MAP_HEIGHT), 1),
            g == mine,
        )
        for g, grp in shown
    )


def _divide_views(
    data: dict[str, Any], label: str, votes: dict[str, int]
) -> tuple[DivideView, ...]:
    by_group = data.get("statement_groups", {})
    return tuple(
        DivideView(
            d["id"],
            d["text"],
            dict(by_group.get(d["id"], {}).get(label, {"agree": None, "disagree": None})),
            {"agree": d["agree"], "disagree": d["disagree"]},
            votes.get(d["id"]),
        )
        for d in data.get("divides", [])
    )


def where_i_stand(conversation: Conversation, participant: ConversationParticipant) -> Standing:
    """The participant's own opinion group, computed now from their own votes and the stored
    placement state, with only that group's released figures; nothing is stored or logged.

    Not placed (too few votes, only passes), no result with groups yet, or a group below the
    minimum size: no group (the last two look the same to the participant).
    """
    votes = _own_votes(participant)
    result = ConversationResult.objects.filter(
        conversation=conversation, state=ConversationResult.State.READY
    ).first()
    stored = (
        ConversationPlacement.objects.filter(conversation=conversation)
        .values_list("state", flat=True)
        .first()
    )
    if result is None or not stored or not result.data.get("groups"):
        published = conversation.statements.filter(status=Statement.Status.PUBLISHED).count()
        return Standing(votes_needed=max(min(MIN_VOTES, published) - len(votes), 0))
    try:
        state = PlacementState.from_dict(stored)
    except ValueError:
        return Standing()
    groups = result.data["groups"]
    g = place(state, votes, [grp["centre"] for grp in groups])
    if g is None:
        needed = state.votes_needed(votes)
        return Standing(votes_needed=needed, all_passes=needed == 0)
    if not groups[g]["size"]:
        return Standing()
    label = groups[g]["label"]
    return Standing(
        group=_letter(label),
        marks=_marks(groups, g),
        divides=_divide_views(result.data, label, votes),
        representative=tuple(groups[g]["representative"]),
    )


# --- topics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicText:
    """A text topics are found in: a published statement (``kind`` "statement", its pk) or a
    backlog issue (``kind`` "issue", its public id)."""

    kind: str
    ref: str
    text: str


def topic_fingerprint(texts: Sequence[TopicText]) -> str:
    digest = hashlib.sha256()
    for t in sorted(texts, key=lambda t: (t.kind, t.ref)):
        digest.update(f"{t.kind}\x1f{t.ref}\x1f{t.text}\x1e".encode())
    return digest.hexdigest()


def topic_statement_texts(system: CareSystem) -> list[TopicText]:
    """The published statements of every conversation of a care system (never a pending or
    rejected one: their words must not reach a topic's name)."""
    return [
        TopicText("statement", str(pk), text)
        for pk, text in Statement.objects.filter(
            conversation__care_system=system, status=Statement.Status.PUBLISHED
        )
        .order_by("pk")
        .values_list("pk", "text")
    ]


def topics_fingerprint_stored(system: CareSystem) -> str:
    return (
        TopicSet.objects.filter(care_system=system).values_list("fingerprint", flat=True).first()
        or ""
    )


def topic_set(system: CareSystem) -> TopicSet | None:
    return TopicSet.objects.filter(care_system=system).first()


def topics_for_staff(system: CareSystem) -> list[Topic]:
    """A care system's topics with how many statements and issues each holds (items, not
    people: no figure about anyone)."""
    topics: list[Topic] = list(
        Topic.objects.filter(care_system=system)
        .annotate(n_statements=Count("statements"))
        .order_by("name", "pk")
    )
    return topics


def topic_of(system: CareSystem, topic_id: int) -> Topic | None:
    return Topic.objects.filter(care_system=system, pk=topic_id).first()


@dataclass(frozen=True)
class TopicStatements:
    name: str
    statements: tuple[str, ...]


def topics_of_conversation(conversation: Conversation) -> list[TopicStatements]:
    """The topics the conversation's published statements fall in, each with them."""
    out: dict[int, tuple[str, list[str]]] = {}
    rows = (
        Topic.statements.through.objects.filter(
            statement__conversation=conversation,
            statement__status=Statement.Status.PUBLISHED,
        )
        .order_by("topic__name", "topic_id", "statement__text")
        .values_list("topic_id", "topic__name", "statement__text")
    )
    for topic_id, name, text in rows:
        out.setdefault(topic_id, (name, []))[1].append(text)
    return [TopicStatements(name, tuple(texts)) for name, texts in out.values()]


def issue_topics(system_id: int) -> dict[str, list[str]]:
    """Topic names by backlog issue public id."""
    out: dict[str, list[str]] = {}
    for name, ids in (
        Topic.objects.filter(care_system_id=system_id)
        .order_by("name", "pk")
        .values_list("name", "issue_ids")
    ):
        for public_id in ids:
            out.setdefault(str(public_id), []).append(name)
    return out


def care_systems_for_topics() -> list[CareSystem]:
    """Every care system (the worker's topic rounds: statements and backlog issues alike)."""
    return list(CareSystem.objects.order_by("pk"))
