"""Every write in conversations, one transaction each; views, the CLI and tasks call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext, gettext_lazy

from walkthetalk.analysis.commonground import MalformedExportError, read_export
from walkthetalk.analysis.text.topics import Kept, Topics, carry_over
from walkthetalk.caremap.clock import today
from walkthetalk.caremap.errors import ServiceError
from walkthetalk.caremap.models import CareSystem, Sector
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.conversations import priority, text_checks, vote_queries, write_queries
from walkthetalk.conversations.keys import participant_key
from walkthetalk.conversations.models import (
    MODERATION_POLICY_MAX_LENGTH,
    STORED_STATEMENT_MAX_LENGTH,
    TOPIC_NAME_MAX_LENGTH,
    ClarificationRequest,
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
from walkthetalk.conversations.results import Outcome
from walkthetalk.conversations.selectors import TopicText, topic_fingerprint
from walkthetalk.conversations.signals import results_outdated

MAX_SEED_STATEMENTS = 200
MAX_STATEMENTS_PER_PARTICIPANT = 30
MAX_AGREEMENTS = 12
MAX_AGREEMENT_LENGTH = 500
MAX_CLARIFICATION_LENGTH = 1000
MAX_QUESTION_LENGTH = 300
REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
VOTE_VALUES = {"agree": Vote.Value.AGREE, "disagree": Vote.Value.DISAGREE, "pass": Vote.Value.PASS}
TOPICS_EVERY = dt.timedelta(hours=1)
"""Topics of care systems whose published statements or backlog issues changed are found again
on the clock, every hour on the hour (the worker; a facilitator may ask at once)."""
REFRESH_EVERY = dt.timedelta(minutes=5)
"""Results of conversations with new votes are recomputed on a fixed clock, at every multiple of
this on the wall clock (10:00, 10:05, …), by the worker: never at a time set by a vote, so no
task row, log line or result says when anyone voted."""


class ConversationError(ServiceError):
    """Something that cannot be done; the message says why, in plain and kind words."""


class NotAcceptedError(ConversationError):
    """The participant has not yet accepted the conversation's current agreements."""


# --- facilitators: conversations, agreements, moderation -------------------------------


@transaction.atomic
def create_conversation(
    system: CareSystem,
    title: str,
    *,
    question: str = "",
    seed_statements: Iterable[str] = (),
    sectors: Iterable[Sector] = (),
    moderation: str = Conversation.Moderation.AFTER,
    open_link: bool = True,
    moderation_policy: str = "",
    role: str = ModerationDecision.FACILITATOR,
    draft: bool = False,
) -> Conversation:
    """A new conversation; with ``draft`` it is not live until :func:`set_status` opens it
    (facilitators prepare and preview it first; participants cannot reach a draft)."""
    title = " ".join(title.split())
    if not title:
        raise ConversationError("A conversation needs a title.")
    if len(title) > 200:
        raise ConversationError("Please keep the title to 200 characters.")
    if len(question) > 1000:
        raise ConversationError("Please keep the question to 1000 characters.")
    if moderation not in Conversation.Moderation.values:
        raise ConversationError("Choose when statements are moderated: before or after publishing.")
    sector_list = list(sectors)
    if any(s.care_system_id != system.pk for s in sector_list):
        raise ConversationError("A conversation can only invite sectors of its own care system.")
    seeds = _clean_seeds(seed_statements)
    policy = _clean_policy(moderation_policy)
    conversation = Conversation.objects.create(
        care_system=system,
        title=title,
        question=question.strip(),
        moderation=moderation,
        open_link=open_link,
        moderation_policy=policy,
        status=Conversation.Status.DRAFT if draft else Conversation.Status.OPEN,
        created_on=today(),
    )
    conversation.sectors.set(sector_list)
    _publish_seeds(conversation, seeds, role)
    return conversation


def _publish_seeds(conversation: Conversation, seeds: list[str], role: str) -> None:
    statements = Statement.objects.bulk_create(
        Statement(
            conversation=conversation,
            text=text,
            status=Statement.Status.PUBLISHED,
            is_seed=True,
            created_on=today(),
        )
        for text in seeds
    )
    stored = Statement.objects.filter(public_id__in=[s.public_id for s in statements])
    ModerationDecision.objects.bulk_create(
        _decision(statement, ModerationDecision.Decision.SEEDED, role) for statement in stored
    )


def _decision(statement: Statement, decision: str, role: str) -> ModerationDecision:
    if role not in ModerationDecision.ROLES:
        raise ConversationError("Unknown role for a moderation decision.")
    return ModerationDecision(
        conversation_id=statement.conversation_id,
        statement=statement,
        decision=decision,
        role=role,
        decided_on=today(),
    )


def _clean_policy(text: str) -> str:
    text = text.strip()
    if len(text) > MODERATION_POLICY_MAX_LENGTH:
        raise ConversationError(
            f"Please keep the moderation policy to {MODERATION_POLICY_MAX_LENGTH} characters."
        )
    return text


def _clean_seeds(seed_statements: Iterable[str]) -> list[str]:
    seeds: list[str] = []
    for raw in seed_statements:
        text = text_checks.normalise(raw)
        if not text or text in seeds:
            continue
        if len(text) > STORED_STATEMENT_MAX_LENGTH:
            raise ConversationError(
                f"A seed statement is longer than {STORED_STATEMENT_MAX_LENGTH} characters: "
                f"“{text[:40]}…”"
            )
        seeds.append(text)
    if len(seeds) > MAX_SEED_STATEMENTS:
        raise ConversationError(f"Please start with at most {MAX_SEED_STATEMENTS} statements.")
    return seeds


class SeedLinesError(ConversationError):
    """Some pasted lines cannot be added as written; each is named with its reasons."""

    def __init__(self, bad: Sequence[text_checks.LineProblem]) -> None:
        self.lines = list(bad)
        super().__init__(" ".join(problem.message for problem in self.lines))


@dataclass(frozen=True)
class SeedOutcome:
    added: int
    left_out: list[text_checks.LineProblem]
    already_there: int


@transaction.atomic
def add_seed_statements(
    conversation: Conversation,
    texts: Iterable[str],
    *,
    keep_good: bool = False,
    role: str = ModerationDecision.FACILITATOR,
) -> SeedOutcome:
    """Many seed statements at once, one per line, each checked exactly as a participant's
    statement is. With any line that cannot be added nothing is saved, unless the facilitator
    chose ``keep_good``: then the good lines are added and the others are reported."""
    good, bad = text_checks.check_lines(texts)
    if bad and not keep_good:
        raise SeedLinesError(bad)
    if not good:
        raise ConversationError("None of the lines could be added; nothing was saved.")
    existing = {t.lower() for t in conversation.statements.values_list("text", flat=True)}
    seeds = [t for t in _clean_seeds(good) if t.lower() not in existing]
    _publish_seeds(conversation, seeds, role)
    return SeedOutcome(len(seeds), bad, len(good) - len(seeds))


@transaction.atomic
def set_moderation_policy(conversation: Conversation, text: str) -> Conversation:
    """The policy participants read beside "write a statement"."""
    policy = _clean_policy(text)
    Conversation.objects.filter(pk=conversation.pk).update(moderation_policy=policy)
    conversation.moderation_policy = policy
    return conversation


@transaction.atomic
def update_agreements(conversation: Conversation, texts: Sequence[str]) -> Conversation:
    """New wording for the agreements; participants are asked to accept the new wording."""
    agreements = [" ".join(t.split()) for t in texts if t.strip()]
    if not agreements:
        raise ConversationError("A conversation needs at least one agreement.")
    if len(agreements) > MAX_AGREEMENTS:
        raise ConversationError(f"Please keep to {MAX_AGREEMENTS} agreements or fewer.")
    if any(len(a) > MAX_AGREEMENT_LENGTH for a in agreements):
        raise ConversationError(f"Please keep each agreement to {MAX_AGREEMENT_LENGTH} characters.")
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if locked.agreements != agreements:
        locked.agreements = agreements
        locked.agreements_version = locked.agreements_version + 1
        locked.save(update_fields=["agreements", "agreements_version"])
    return locked


@transaction.atomic
def set_status(conversation: Conversation, status: str) -> Conversation:
    if status not in Conversation.Status.values:
        raise ConversationError("Unknown status.")
    if status == Conversation.Status.DRAFT and not conversation.is_draft:
        raise ConversationError(
            "A conversation that has been live cannot become a draft again; close it instead."
        )
    Conversation.objects.filter(pk=conversation.pk).update(status=status)
    conversation.status = status
    return conversation


@transaction.atomic
def moderate_statement(
    statement: Statement, status: str, *, role: str = ModerationDecision.FACILITATOR
) -> Statement:
    if status not in Statement.Status.values:
        raise ConversationError("Unknown moderation decision.")
    _decision(statement, status, role).save()
    Statement.objects.filter(pk=statement.pk).update(status=status)
    statement.status = status
    request_refresh(statement.conversation_id)
    return statement


@transaction.atomic
def clarify_statement(
    statement: Statement, text: str, *, role: str = ModerationDecision.FACILITATOR
) -> Statement:
    """The facilitator's answer to "what do you mean?", shown to everyone with the statement."""
    text = text.strip()
    if len(text) > MAX_CLARIFICATION_LENGTH:
        raise ConversationError(
            f"Please keep a clarification to {MAX_CLARIFICATION_LENGTH} characters."
        )
    if text_checks.personal_details(text):
        raise ConversationError(
            "The clarification looks like it includes personal details; please take them out."
        )
    _decision(statement, ModerationDecision.Decision.CLARIFIED, role).save()
    Statement.objects.filter(pk=statement.pk).update(
        clarification=text, clarified_on=today() if text else None
    )
    statement.clarification = text
    return statement


# --- participants ------------------------------------------------------------------------


def _check_pass(conversation: Conversation, participant_pass: ParticipantPass) -> None:
    if participant_pass.care_system_id != conversation.care_system_id:
        raise ConversationError(
            gettext(
                "This conversation belongs to another care system. Please use the link you were "
                "sent for it."
            )
        )


@transaction.atomic
def accept_agreements(
    conversation: Conversation, participant_pass: ParticipantPass
) -> ConversationParticipant:
    """Record that this participant accepts the conversation's current agreements.

    The participant's row is found by :func:`participant_key` and carries the pass's sector
    only. No care-map participation is written here (or anywhere in conversations): written in
    this transaction, it would share the participant row's transaction id (``xmin`` in
    PostgreSQL) and so tie their statements and votes to a unit and level.
    """
    _check_pass(conversation, participant_pass)
    if conversation.is_draft:
        raise ConversationError(gettext("This conversation is not open yet."))
    invited = set(conversation.sectors.values_list("pk", flat=True))
    if invited and participant_pass.sector_id not in invited:
        names = ", ".join(conversation.sectors.order_by("name").values_list("name", flat=True))
        raise ConversationError(
            gettext(
                "This conversation is for people in these sectors: %(names)s. Thank you for your "
                "interest — your welcome page lists the conversations open to you."
            )
            % {"names": names}
        )
    sector = None
    if participant_pass.sector_id is not None:
        sector = Sector.objects.filter(
            pk=participant_pass.sector_id, care_system_id=conversation.care_system_id
        ).first()
    participant, _ = ConversationParticipant.objects.get_or_create(
        conversation=conversation,
        key=participant_key(conversation.pk, participant_pass),
        defaults={"sector": sector, "joined_on": today()},
    )
    version = conversation.agreements_version
    if participant.agreements_version != version:
        participant.agreements_version = version
        participant.accepted_on = today()
        participant.save(update_fields=["agreements_version", "accepted_on"])
    return participant


def _participant(
    conversation: Conversation, participant_pass: ParticipantPass
) -> ConversationParticipant:
    _check_pass(conversation, participant_pass)
    participant = ConversationParticipant.objects.filter(
        conversation=conversation, key=participant_key(conversation.pk, participant_pass)
    ).first()
    if participant is None or not _accepted(conversation, participant):
        raise NotAcceptedError(str(NOT_ACCEPTED))
    return participant


NOT_ACCEPTED = gettext_lazy(
    "Before you take part, please read the conversation's agreements and accept them."
)


def _accepted(conversation: Conversation, participant: ConversationParticipant) -> bool:
    return participant.agreements_version == conversation.agreements_version


def _open(conversation: Conversation) -> None:
    _open_status(conversation.status)


def _open_status(status: str) -> None:
    if status == Conversation.Status.DRAFT:
        raise ConversationError(gettext("This conversation is not open yet."))
    if status != Conversation.Status.OPEN:
        raise ConversationError(
            gettext("This conversation has closed. Thank you — what was shared still counts.")
        )


@dataclass(frozen=True)
class VoteOutcome:
    statement_id: str  # the statement's public id
    value: int
    replayed: bool  # a retried (or outdated) request: nothing changed

    @property
    def label(self) -> str:
        return str(Vote.Value(self.value).label)


def request_key_digest(participant: ConversationParticipant, request_key: str) -> str:
    return _digest(participant.pk, request_key)


def _digest(participant_pk: uuid.UUID, request_key: str) -> str:
    return hashlib.sha256(f"{participant_pk}:{request_key}".encode()).hexdigest()


def vote_value(status: str, choice: str, request_key: str, replaces: str) -> int:
    """The rule of a vote, on plain values: the vote's value (-1, 0, 1) if ``choice``, the form's
    ``request_key`` and ``replaces`` are well formed and the conversation (its ``status``) is
    open; else :class:`ConversationError` saying why. :func:`cast_vote` and the vote fast path
    (:mod:`walkthetalk.site.vote_plain`) both apply it."""
    if choice not in VOTE_VALUES:
        raise ConversationError(gettext("Please choose agree, disagree or pass."))
    if not REQUEST_KEY.match(request_key or ""):
        raise ConversationError(gettext("This vote form has expired. Please vote again."))
    if replaces and not _DIGEST.match(replaces):
        raise ConversationError(gettext("This vote form has expired. Please vote again."))
    _open_status(status)
    return int(VOTE_VALUES[choice])


def record_vote(
    conversation_pk: int,
    participant_pk: uuid.UUID,
    statement_id: str,
    value: int,
    request_key: str,
    replaces: str,
) -> bool:
    """Store a vote that passed :func:`vote_value` by a participant who has accepted the
    agreements: the upsert, and the results flagged for a refresh when a row was written
    (True). False: nothing changed (a retried or outdated form, or no such statement)."""
    digest = _digest(participant_pk, request_key)
    voted_on = today()
    with vote_queries.vote_writer() as db:
        # The flag is request_refresh's, read first on SQLite (see flag_refresh's after_vote);
        # on PostgreSQL both in one round trip (see store_vote).
        return vote_queries.store_vote(
            conversation_pk,
            participant_pk,
            statement_id[:40],
            value,
            voted_on,
            digest,
            replaces,
            db,
        )


def cast_vote(
    conversation: Conversation,
    voter: ParticipantPass | ConversationParticipant,
    statement_id: str,
    choice: str,
    request_key: str,
    replaces: str = "",
) -> VoteOutcome:
    """Agree, disagree or pass on a statement: one SQL statement, the vote row and nothing else.

    ``voter`` is the participant's pass, or their row when the caller has already found it
    (the vote page finds it once per request). ``request_key`` is the random key carried by
    the vote form and ``replaces`` the stored key of the vote the form was showing (empty for a
    statement not voted on yet). The vote is an upsert that changes an existing vote only if its
    stored key is still ``replaces``: a retried request (same key) or an outdated one (an old
    retry after a newer vote, a second tab) changes nothing and reports the vote as it stands.

    Statement tallies and the next-statement priority are kept by the worker with each results
    refresh (:func:`store_tallies`), so a vote writes no counter.
    """
    value = vote_value(conversation.status, choice, request_key, replaces)
    if isinstance(voter, ConversationParticipant):
        participant = voter
        if participant.conversation_id != conversation.pk or not _accepted(conversation, voter):
            raise NotAcceptedError(str(NOT_ACCEPTED))
    else:
        participant = _participant(conversation, voter)
    if record_vote(conversation.pk, participant.pk, statement_id, value, request_key, replaces):
        return VoteOutcome(statement_id, value, replayed=False)
    current = (
        Vote.objects.filter(
            conversation=conversation,
            participant=participant,
            statement__public_id=statement_id[:40],
            statement__status=Statement.Status.PUBLISHED,
        )
        .values_list("value", flat=True)
        .first()
    )
    if current is None:
        raise ConversationError(
            gettext("That statement is no longer open for votes. Here is the next one.")
        )
    return VoteOutcome(statement_id, current, replayed=True)


@transaction.atomic
def submit_statement(
    conversation: Conversation, participant_pass: ParticipantPass, text: str
) -> Statement:
    """A participant's own statement; it waits for a facilitator when moderation is "before"."""
    _open(conversation)
    _check_pass(conversation, participant_pass)
    checked, text = text, text_checks.normalise(text)
    # The author, whether the text is there already and how many they wrote: one query.
    author = write_queries.fetch_author(
        conversation.pk, participant_key(conversation.pk, participant_pass), text
    )
    if author is None or author[1] != conversation.agreements_version:
        raise NotAcceptedError(str(NOT_ACCEPTED))
    participant_pk, _version, already_there, written = author
    problems = text_checks.statement_problems(checked)
    if problems:
        raise ConversationError(" ".join(problems))
    if already_there:
        raise ConversationError(
            gettext(
                "That statement is already in the conversation — thank you. You can vote on it."
            )
        )
    if written >= MAX_STATEMENTS_PER_PARTICIPANT:
        raise ConversationError(
            gettext(
                "Thank you for all your statements! You have written the most one person can "
                "add to this conversation; please keep voting."
            )
        )
    before = conversation.moderation == Conversation.Moderation.BEFORE
    statement = Statement.objects.create(
        conversation=conversation,
        text=text,
        status=Statement.Status.PENDING if before else Statement.Status.PUBLISHED,
        author_id=participant_pk,
        created_on=today(),
        n_agree=1,
        priority=priority.priority(priority.Candidate(0, 1, 0, 0)),
    )
    # As in Pol.is, writing a statement counts as agreeing with it.
    Vote.objects.create(
        conversation=conversation,
        participant_id=participant_pk,
        statement=statement,
        value=Vote.Value.AGREE,
        voted_on=today(),
    )
    if not before:
        request_refresh(conversation.pk)
    return statement


@transaction.atomic
def ask_clarification(
    conversation: Conversation,
    participant_pass: ParticipantPass,
    statement_id: str,
    question: str = "",
) -> ClarificationRequest:
    """ "What do you mean?" — asked once per participant; asking again updates the question."""
    participant = _participant(conversation, participant_pass)
    question = " ".join(question.split())
    if len(question) > MAX_QUESTION_LENGTH:
        raise ConversationError(
            gettext("Please keep your question to %(n)s characters.") % {"n": MAX_QUESTION_LENGTH}
        )
    if text_checks.personal_details(question):
        raise ConversationError(
            gettext("Your question looks like it includes personal details; please take them out.")
        )
    statement = Statement.objects.filter(
        conversation=conversation, public_id=statement_id, status=Statement.Status.PUBLISHED
    ).first()
    if statement is None:
        raise ConversationError(gettext("That statement is no longer in the conversation."))
    request, created = ClarificationRequest.objects.get_or_create(
        statement=statement,
        participant=participant,
        defaults={"question": question, "asked_on": today()},
    )
    if not created and question and request.question != question:
        request.question = question
        request.save(update_fields=["question"])
    return request


# --- results -----------------------------------------------------------------------------


def request_refresh(conversation_id: int, *, now: bool = False) -> bool:
    """Mark results outdated; a facilitator's "Refresh now" (``now=True``) also asks for them
    to be recomputed at once.

    After votes and moderation (``now=False``) only the conversation's ``refresh_pending`` flag
    is set — no task row is written, so nothing keeps the time of the vote — and the worker's
    clock recomputes every flagged conversation at the next multiple of :data:`REFRESH_EVERY`.

    Returns True when a refresh at once was asked for (after the current transaction commits).
    """
    # One statement, after the vote it follows: the worker clears the flag before it reads
    # the votes, so a vote it did not see always leaves the flag set.
    vote_queries.flag_refresh(conversation_id)
    if not now:
        return False

    def outdated() -> None:
        results_outdated.send(sender=Conversation, conversation_id=conversation_id, now=now)

    transaction.on_commit(outdated)
    return True


def clear_refresh_flag(conversation_id: int) -> None:
    Conversation.objects.filter(pk=conversation_id).update(refresh_pending=False)


@transaction.atomic
@transaction.atomic
def save_result(conversation: Conversation, outcome: Outcome) -> bool:
    """Store a computed outcome as the conversation's result (computed today, to the day).

    The outcome's release ledger is stored with it. If another refresh stored a different
    ledger since this one read its snapshot, this outcome is dropped (False): its figures were
    planned against an older ledger and must never be shown.
    """
    stored = (
        ConversationResult.objects.select_for_update()
        .filter(conversation=conversation)
        .values_list("release_ledger", flat=True)
        .first()
    )
    if outcome.ledger is not None and (stored or {}) != (outcome.based_on or {}):
        return False
    defaults: dict[str, object] = {
        "state": outcome.state,
        "message": outcome.message[:500],
        "data": outcome.data,
        "svg": outcome.svg,
        "n_votes": outcome.n_votes,
        "computed_on": today(),
    }
    if outcome.ledger is not None:
        defaults["release_ledger"] = outcome.ledger
    ConversationResult.objects.update_or_create(conversation=conversation, defaults=defaults)
    _store_placement(conversation, outcome.placement)
    if outcome.extremity:
        statements = list(Statement.objects.filter(pk__in=outcome.extremity.keys()))
        for s in statements:
            s.extremity = outcome.extremity[s.pk]
        # One UPDATE (Django splits it only where SQLite's parameter limit needs): see
        # store_tallies.
        Statement.objects.bulk_update(statements, ["extremity"])
    return True


def _store_placement(conversation: Conversation, placement: dict[str, object] | None) -> None:
    """Keep the placement state of this result, or none when the result has no groups (an
    older state must not place anyone against a map that no longer shows it)."""
    if placement is None:
        ConversationPlacement.objects.filter(conversation=conversation).delete()
    else:
        ConversationPlacement.objects.update_or_create(
            conversation=conversation, defaults={"state": placement}
        )


@transaction.atomic
def store_tallies(conversation_id: int) -> int:
    """Recount each statement's agrees, disagrees and passes and store its next-statement
    priority (from those counts and its stored extremity). Run by the worker with every results
    refresh, so no vote request counts or scores anything. Returns how many statements changed.
    """
    counts: dict[int, dict[int, int]] = {}
    for statement_id, value, n in (
        Vote.objects.filter(conversation_id=conversation_id)
        .values_list("statement_id", "value")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(statement_id, {})[value] = n
    changed = []
    for s in Statement.objects.filter(conversation_id=conversation_id).only(
        "pk", "n_agree", "n_disagree", "n_pass", "extremity", "priority"
    ):
        c = counts.get(s.pk, {})
        agree, disagree, passes = c.get(1, 0), c.get(-1, 0), c.get(0, 0)
        weight = priority.priority(priority.Candidate(s.pk, agree, disagree, passes, s.extremity))
        if (s.n_agree, s.n_disagree, s.n_pass, s.priority) != (agree, disagree, passes, weight):
            s.n_agree, s.n_disagree, s.n_pass, s.priority = agree, disagree, passes, weight
            changed.append(s)
    # One UPDATE, not one per 500 rows (Django splits it only where SQLite's parameter limit
    # needs): on PostgreSQL each UPDATE of statements ends by setting the conversation's
    # statements signature (migration 0012), which locks the conversation's row to the end of
    # the transaction; a second UPDATE after it could wait for a statement row held by a
    # facilitator's moderation that waits for that lock — a deadlock, one of them undone.
    Statement.objects.bulk_update(changed, ["n_agree", "n_disagree", "n_pass", "priority"])
    return len(changed)


# --- Pol.is import -----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    conversation: Conversation
    statements: int
    participants: int
    votes: int


def import_polis(system: CareSystem, folder: str | Path, title: str = "") -> ImportSummary:
    """Read a Pol.is export folder with the engine's reader and make it a new conversation.

    Raises :class:`ConversationError` (nothing written) if the export cannot be read. Voters
    become participants with random keys; only their declared sector (if it matches a sector
    of the care system) is kept, and every imported vote carries today's date.
    """
    try:
        export = read_export(folder)
    except MalformedExportError as exc:
        raise ConversationError(f"The export could not be read: {exc}") from exc
    matrix = export.matrix
    n_rows, n_cols = matrix.shape
    if n_cols == 0:
        raise ConversationError("The export has no statements.")
    return _write_import(system, export, title or f"Imported conversation ({Path(folder).name})")


@transaction.atomic
def _write_import(system: CareSystem, export: object, title: str) -> ImportSummary:
    from walkthetalk.analysis.commonground import PolisExport

    assert isinstance(export, PolisExport)
    matrix = export.matrix
    conversation = Conversation.objects.create(
        care_system=system,
        title=" ".join(title.split())[:200],
        moderation=Conversation.Moderation.AFTER,
        status=Conversation.Status.CLOSED,
        open_link=False,
        created_on=today(),
        imported_from="Pol.is export",
    )
    values = matrix.values
    cols = values.indices
    data = values.data.astype(np.int64)
    agree = np.bincount(cols[data == 1], minlength=matrix.shape[1])
    disagree = np.bincount(cols[data == -1], minlength=matrix.shape[1])
    passes = np.bincount(cols[data == 0], minlength=matrix.shape[1])
    statements = []
    for j, sid in enumerate(matrix.statement_ids):
        text = " ".join((export.statement_text.get(sid) or f"Statement {sid}").split())
        statements.append(
            Statement(
                conversation=conversation,
                text=text[:STORED_STATEMENT_MAX_LENGTH] or f"Statement {sid}",
                status=Statement.Status.REJECTED
                if sid in export.excluded_statements
                else Statement.Status.PUBLISHED,
                is_seed=False,
                created_on=today(),
                n_agree=int(agree[j]),
                n_disagree=int(disagree[j]),
                n_pass=int(passes[j]),
                priority=priority.priority(
                    priority.Candidate(j, int(agree[j]), int(disagree[j]), int(passes[j]))
                ),
                polis_id=sid[:40],
            )
        )
    Statement.objects.bulk_create(statements, batch_size=500)
    by_slug = {s.slug: s for s in system.sectors.all()}
    by_slug.update({s.name.lower(): s for s in list(by_slug.values())})
    participants = []
    sectors = matrix.sectors or (None,) * matrix.shape[0]
    for label in sectors:
        sector = by_slug.get(label.lower()) if label else None
        participants.append(
            ConversationParticipant(
                conversation=conversation,
                sector=sector,
                joined_on=today(),
                imported=True,
            )
        )
    ConversationParticipant.objects.bulk_create(participants, batch_size=1000)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(values.indptr))
    batch: list[Vote] = []
    for r, c, v in zip(rows.tolist(), cols.tolist(), data.tolist(), strict=True):
        batch.append(
            Vote(
                conversation=conversation,
                participant=participants[r],
                statement=statements[c],
                value=v,
                voted_on=today(),
            )
        )
        if len(batch) >= 2000:
            Vote.objects.bulk_create(batch)
            batch = []
    Vote.objects.bulk_create(batch)
    request_refresh(conversation.pk, now=True)  # no participant timing to blur in an import
    return ImportSummary(conversation, len(statements), len(participants), int(values.nnz))


# --- topics --------------------------------------------------------------------------------


def _kept(topic: Topic) -> Kept:
    return Kept(topic.name, topic.renamed, tuple(frozenset(sig) for sig in topic.signatures))


@transaction.atomic
def save_topics(system: CareSystem, texts: Sequence[TopicText], found: Topics) -> int:
    """Store newly found topics for a care system, keeping what facilitators did: a new topic
    that is an earlier one (see :func:`walkthetalk.analysis.text.topics.carry_over`) keeps its
    name if renamed, and new topics matching one merged topic are merged again. Earlier topics
    matching nothing are removed. Returns how many topics there are now."""
    old = list(Topic.objects.select_for_update().filter(care_system=system).order_by("pk"))
    plan = carry_over([_kept(t) for t in old], found.topics)
    keep_ids = set()
    for stored, parts in plan:
        topics = [found.topics[i] for i in parts]
        members = sorted({m for t in topics for m in t.members})
        terms = list(dict.fromkeys(w for t in topics for w in t.terms))
        signatures = [sorted(t.signature) for t in topics]
        if stored is not None:
            topic = old[stored]
            if topic.renamed:
                signatures = list(
                    {tuple(sig): list(sig) for sig in [*topic.signatures, *signatures]}.values()
                )
            else:
                topic.name = " · ".join(terms[:3])[:TOPIC_NAME_MAX_LENGTH]
        else:
            topic = Topic(care_system=system, name=topics[0].name[:TOPIC_NAME_MAX_LENGTH])
        topic.terms, topic.signatures = terms, signatures
        topic.issue_ids = sorted(texts[m].ref for m in members if texts[m].kind == "issue")
        topic.save()
        topic.statements.set([int(texts[m].ref) for m in members if texts[m].kind == "statement"])
        keep_ids.add(topic.pk)
    Topic.objects.filter(care_system=system).exclude(pk__in=keep_ids).delete()
    TopicSet.objects.update_or_create(
        care_system=system,
        defaults={
            "fingerprint": topic_fingerprint(texts),
            "reason": found.reason[:200],
            "stability": {str(k): v for k, v in found.stability.items()},
            "computed_on": today(),
        },
    )
    return len(keep_ids)


class TopicError(ConversationError):
    pass


@transaction.atomic
def rename_topic(topic: Topic, name: str) -> Topic:
    """Give a topic a facilitator's name (kept when topics are found again)."""
    name = " ".join(name.split())
    if not name:
        raise TopicError("Please give the topic a name.")
    if len(name) > TOPIC_NAME_MAX_LENGTH:
        raise TopicError(
            f"Please keep a topic's name to {TOPIC_NAME_MAX_LENGTH} characters "
            f"(it has {len(name)}). Nothing was changed."
        )
    topic.name, topic.renamed = name, True
    topic.save(update_fields=["name", "renamed"])
    return topic


@transaction.atomic
def merge_topics(keep: Topic, other: Topic) -> Topic:
    """Fold ``other`` into ``keep`` (same care system): its statements, issues and the words
    that recognise it join ``keep``, which keeps its name; ``other`` goes. Recomputing merges
    them again."""
    if keep.pk == other.pk:
        raise TopicError("Choose two different topics to merge.")
    if keep.care_system_id != other.care_system_id:
        raise TopicError("Those topics belong to different care systems.")
    keep.statements.add(*other.statements.all())
    keep.issue_ids = sorted({*keep.issue_ids, *other.issue_ids})
    keep.signatures = [*keep.signatures, *other.signatures]
    keep.terms = list(dict.fromkeys([*keep.terms, *other.terms]))
    keep.renamed = True  # the merged topic's name is a person's choice from now on
    keep.save(update_fields=["issue_ids", "signatures", "terms", "renamed"])
    other.delete()
    return keep
