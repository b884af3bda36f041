"""Data and its invariants for the conversations app.

Anonymity by construction:

- A participant appears in a conversation as a :class:`ConversationParticipant` with a random
  UUID primary key and a one-way ``key`` computed from the conversation and the participant
  pass's secret key (see :mod:`walkthetalk.conversations.keys`), holding only the coarse sector
  from their pass and days (never times). No column points at a care-map participation.
  Imported Pol.is voters get random keys.
- Votes, statements written by participants and "what do you mean?" questions carry days only,
  and votes have random keys, so neither row order nor a timestamp says who voted when.
- Public identifiers of conversations and statements are random, never a sequence.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from walkthetalk.caremap.defaults import default_agreements
from walkthetalk.caremap.models import CareSystem, Sector
from walkthetalk.conversations.priority import NEW_STATEMENT_PRIORITY
from walkthetalk.conversations.result_states import CHOICES as RESULT_CHOICES
from walkthetalk.conversations.result_states import ResultState

STATEMENT_MAX_LENGTH = 280
"""The longest statement a participant may write (imported statements may be longer)."""

STORED_STATEMENT_MAX_LENGTH = 2000
MODERATION_POLICY_MAX_LENGTH = 2000


def new_conversation_id() -> str:
    return secrets.token_urlsafe(9)  # 12 URL-safe characters, 72 random bits


def new_statement_id() -> str:
    return secrets.token_urlsafe(6)  # 8 URL-safe characters, 48 random bits


def new_statements_signature() -> int:
    """A random signed 64-bit value: a new conversation's statements signature."""
    return secrets.randbits(64) - 2**63


def new_participant_key() -> str:
    """A random participant key (imported voters): 64 hex characters, like a computed one."""
    return secrets.token_hex(32)


class Conversation(models.Model):
    class Moderation(models.TextChoices):
        BEFORE = "before", "Before publishing (a facilitator approves each new statement)"
        AFTER = "after", "After publishing (new statements appear at once)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not live yet)"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    public_id = models.CharField(max_length=16, unique=True, default=new_conversation_id)
    care_system = models.ForeignKey(
        CareSystem, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(max_length=200)
    question = models.TextField(blank=True, max_length=1000)
    sectors = models.ManyToManyField(Sector, blank=True, related_name="+")
    moderation = models.CharField(
        max_length=10, choices=Moderation.choices, default=Moderation.AFTER
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    open_link = models.BooleanField(
        default=True, help_text="Anyone with the open link may join, declaring their sector."
    )
    agreements = models.JSONField(default=default_agreements)
    agreements_version = models.PositiveIntegerField(default=1)
    created_on = models.DateField()
    refresh_pending = models.BooleanField(default=False)
    imported_from = models.CharField(max_length=200, blank=True)
    moderation_policy = models.TextField(
        blank=True,
        max_length=MODERATION_POLICY_MAX_LENGTH,
        help_text="Shown to participants beside “write a statement”.",
    )
    # PostgreSQL: a random value set again by triggers on every change of the conversation's
    # statements (migration 0012), by which a process knows its kept copy of the published
    # statements is still the stored one (vote_queries.fetch_voter_with_cards). SQLite: unused.
    statements_signature = models.BigIntegerField(default=new_statements_signature, editable=False)

    class Meta:
        ordering = ["care_system", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(moderation__in=["before", "after"]),
                name="conversations_moderation_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed"]),
                name="conversations_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_draft(self) -> bool:
        """Not live yet: facilitators prepare and preview it; no participant can reach it."""
        return self.status == self.Status.DRAFT


class ConversationParticipant(models.Model):
    """One participant in one conversation: a one-way key, a sector, days only.

    ``key`` is :func:`walkthetalk.conversations.keys.participant_key` of the conversation and
    the participant pass; only the participant's browser can recompute it, so it links to no
    participation. Imported Pol.is voters, and rows made before keys existed, have random keys
    that no pass computes. ``agreements_version`` is the version of the agreements they accepted
    (0: not yet).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    key = models.CharField(max_length=64, default=new_participant_key)
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreements_version = models.PositiveIntegerField(default=0)
    accepted_on = models.DateField(null=True, blank=True)
    joined_on = models.DateField()
    imported = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "key"], name="conversations_one_participant_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"Participant in {self.conversation_id}"


class Statement(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a facilitator")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Not published")

    public_id = models.CharField(max_length=12, unique=True, default=new_statement_id)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="statements"
    )
    text = models.CharField(max_length=STORED_STATEMENT_MAX_LENGTH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    is_seed = models.BooleanField(default=False)
    author = models.ForeignKey(
        ConversationParticipant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_on = models.DateField()
    clarification = models.TextField(blank=True, max_length=1000)
    clarified_on = models.DateField(null=True, blank=True)
    # Tallies, extremity and priority are kept by the worker with each results refresh (see
    # walkthetalk.conversations.tallies); a vote writes only its own row.
    n_agree = models.PositiveIntegerField(default=0)
    n_disagree = models.PositiveIntegerField(default=0)
    n_pass = models.PositiveIntegerField(default=0)
    extremity = models.FloatField(default=0.0)
    priority = models.FloatField(default=NEW_STATEMENT_PRIORITY)
    polis_id = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "status"], name="conv_statement_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "published", "rejected"]),
                name="conversations_statement_status_valid",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def n_votes(self) -> int:
        return self.n_agree + self.n_disagree + self.n_pass


class Vote(models.Model):
    class Value(models.IntegerChoices):
        AGREE = 1, _("Agree")
        DISAGREE = -1, _("Disagree")
        PASS = 0, _("Pass / unsure")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    """No index of its own: the one-vote-per-statement constraint's index leads with it and
    answers every lookup by conversation alone (one b-tree fewer written per vote)."""
    participant = models.ForeignKey(
        ConversationParticipant, on_delete=models.CASCADE, related_name="votes"
    )
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=Value.choices)
    voted_on = models.DateField()
    request_key = models.CharField(max_length=64, blank=True, default="")
    """SHA-256 of the participant's row and the random key of the form that last wrote this
    vote: a retried request finds its own key here and changes nothing, and a change must name
    the key it replaces, so an old retry never undoes a newer vote."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "participant", "statement"],
                name="conversations_one_vote_per_statement",
            ),
            models.CheckConstraint(
                condition=Q(value__in=[-1, 0, 1]), name="conversations_vote_value_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_value_display()} on {self.statement_id}"


class ClarificationRequest(models.Model):
    """A participant asked "what do you mean?" about a statement (once per participant)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="clarification_requests"
    )
    participant = models.ForeignKey(
        ConversationParticipant, on_delete=models.CASCADE, related_name="+"
    )
    question = models.CharField(max_length=300, blank=True)
    asked_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "participant"], name="conversations_one_question_each"
            )
        ]

    def __str__(self) -> str:
        return f"“What do you mean?” on {self.statement_id}"


class ConversationResult(models.Model):
    """The last computed common ground of a conversation (written only by the worker).

    ``computed_on`` is a day, not a time: results are refreshed in batches and a refresh
    history with times would pin when votes arrived.
    """

    State = ResultState

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, primary_key=True, related_name="result"
    )
    state = models.CharField(max_length=10, choices=RESULT_CHOICES)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict)
    svg = models.TextField(blank=True)
    n_votes = models.PositiveIntegerField(default=0)
    computed_on = models.DateField()
    release_ledger = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which votes the stored figures have described (privacy ledger).",
    )

    def __str__(self) -> str:
        return f"Result of {self.conversation_id} ({self.state})"


class ConversationPlacement(models.Model):
    """What places one participant on the opinion map ("where do I stand"), written only by the
    worker with each result (:class:`walkthetalk.analysis.commonground.placement.PlacementState`
    as a dict): the mean vote per statement and the projection's components.

    It holds figures that are never released (the mean vote per statement is exact, not planned
    through the ledger): nothing exports, shows or logs it. A page uses it only to compute, at
    request time, the opinion group of the participant asking, from their own votes; no
    participant's group is stored anywhere.
    """

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, primary_key=True, related_name="placement"
    )
    state = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Placement state of {self.conversation_id}"


TOPIC_NAME_MAX_LENGTH = 120


class TopicSet(models.Model):
    """When a care system's topics were last computed, from which texts (a fingerprint of the
    published statements and backlog issues, so the worker recomputes only after a change), and
    why there are none, if so."""

    care_system = models.OneToOneField(
        CareSystem, on_delete=models.CASCADE, primary_key=True, related_name="topic_set"
    )
    fingerprint = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    stability = models.JSONField(default=dict, blank=True)
    computed_on = models.DateField()

    def __str__(self) -> str:
        return f"Topics of {self.care_system_id}"


class Topic(models.Model):
    """A named topic of a care system's published statements and backlog issues, found by the
    worker (:mod:`walkthetalk.analysis.text.topics`); a facilitator may rename or merge it. It
    holds membership and words only: no figure about a topic is kept or shown.

    ``signatures`` are the naming words of every computed topic it stands for (several after a
    merge), so a recomputation keeps names and merges; ``issue_ids`` are the public ids of the
    backlog issues in it (the backlog belongs to the agenda app)."""

    care_system = models.ForeignKey(CareSystem, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=TOPIC_NAME_MAX_LENGTH)
    renamed = models.BooleanField(default=False)
    terms = models.JSONField(default=list, blank=True)
    signatures = models.JSONField(default=list, blank=True)
    statements = models.ManyToManyField(Statement, blank=True, related_name="topics")
    issue_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["care_system", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class ModerationDecision(models.Model):
    """One decision about a statement, for the moderation log: what, on which day, by which
    role. Never who made it nor who wrote the statement (no user, no author); a random key, so
    row order says nothing either."""

    class Decision(models.TextChoices):
        SEEDED = "seeded", "Added as a seed statement"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Not published"
        PENDING = "pending", "Sent back to waiting"
        CLARIFIED = "clarified", "Clarification written"

    FACILITATOR = "facilitator"
    ROLES = (FACILITATOR, "steward", "administrator")
    """The roles a decision is logged under: a role, never a person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="moderation_decisions"
    )
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    role = models.CharField(max_length=20)
    decided_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    decision__in=["seeded", "published", "rejected", "pending", "clarified"]
                ),
                name="conversations_decision_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.role}, {self.decided_on})"
