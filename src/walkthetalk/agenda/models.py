"""The avoided-issues backlog, gatherings and action items ("one step forward").

Anonymity by construction:

- An avoided issue keeps its text, its care system and the *day* it was raised — not who
  raised it, nor their sector. Public ids are random.
- A rating is one per participant per issue (a database constraint on a *rater key*: a SHA-256
  of the issue and the participant pass's secret key, which only the participant's browser
  holds), carries the coarse sector from the pass and a day, and has a random UUID key so row
  order says nothing. There is no foreign key to the participation: with the whole database
  and the site's SECRET_KEY, a rating still cannot be joined to a participation (and its unit
  and level), nor to the same person's ratings of other issues. Figures about ratings are
  shown only through :mod:`walkthetalk.analysis.privacy`, and each issue keeps a release ledger
  (which ratings each shown figure described) so figures seen at different times cannot be
  subtracted to single out a rating: they move only in steps of the minimum group size.
  A rating's ``version`` is a fresh random token on every save, so a changed rating counts as a
  new contribution in that ledger.
- Accepting a gathering's agreements stores a key of the same kind (per gathering) and a day.
- No participant action here writes a participation row, so none is ever written in the same
  transaction as an issue, a rating or an acceptance.
- Every participant POST carries a random request key; a key already seen changes nothing.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from walkthetalk.caremap.models import CareSystem, Sector, StaffRole, Unit

ISSUE_TITLE_MAX = 200
ISSUE_DETAILS_MAX = 2000
NOTES_MAX = 10_000


def new_public_id() -> str:
    return secrets.token_urlsafe(9)  # 72 random bits


def new_rating_version() -> str:
    return secrets.token_urlsafe(12)  # 96 random bits; new each time a rating is saved


class AvoidedIssue(models.Model):
    class Source(models.TextChoices):
        PARTICIPANT = "participant", "Raised by a participant"
        CONVERSATION = "conversation", "Many passes in a conversation"
        FACILITATOR = "facilitator", "Added by a facilitator"

    class Status(models.TextChoices):
        OPEN = "open", "In the backlog"
        CONVERSATION = "conversation", "Became a conversation"
        GATHERING = "gathering", "On a gathering's agenda"
        HIDDEN = "hidden", "Set aside by a facilitator"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    care_system = models.ForeignKey(
        CareSystem, on_delete=models.CASCADE, related_name="avoided_issues"
    )
    title = models.CharField(max_length=ISSUE_TITLE_MAX)
    details = models.TextField(blank=True, max_length=ISSUE_DETAILS_MAX)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PARTICIPANT)
    source_ref = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    raised_on = models.DateField()
    conversation_ref = models.CharField(
        max_length=32, blank=True, help_text="Public id of the conversation it became."
    )
    release_ledger = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which ratings each figure shown about this issue described (privacy ledger).",
    )
    released_figures = models.JSONField(
        default=dict,
        blank=True,
        help_text="The figures last shown for this issue; shown again until they may move on.",
    )

    class Meta:
        ordering = ["care_system", "-raised_on", "public_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["participant", "conversation", "facilitator"]),
                name="agenda_issue_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "conversation", "gathering", "hidden"]),
                name="agenda_issue_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IssueRating(models.Model):
    """How important an issue is and how much it is avoided, each 1 (a little) to 5 (very)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    issue = models.ForeignKey(AvoidedIssue, on_delete=models.CASCADE, related_name="ratings")
    rater_key = models.CharField(
        max_length=64, help_text="SHA-256 of the issue and the pass key; joins to nothing."
    )
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    importance = models.PositiveSmallIntegerField()
    avoidance = models.PositiveSmallIntegerField()
    rated_on = models.DateField()
    version = models.CharField(
        max_length=24,
        default=new_rating_version,
        help_text="Random; new on every save, so the privacy ledger sees a changed rating.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "rater_key"], name="agenda_one_rating_per_participant"
            ),
            models.CheckConstraint(
                condition=Q(importance__gte=1) & Q(importance__lte=5),
                name="agenda_rating_importance_1_5",
            ),
            models.CheckConstraint(
                condition=Q(avoidance__gte=1) & Q(avoidance__lte=5),
                name="agenda_rating_avoidance_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Rating of {self.issue_id}"


class SeenRequest(models.Model):
    """A participant POST already applied: SHA-256 of its random request key, and a day."""

    key = models.CharField(max_length=64, primary_key=True)
    made_on = models.DateField()

    def __str__(self) -> str:
        return self.key[:8]


class Gathering(models.Model):
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    care_system = models.ForeignKey(CareSystem, on_delete=models.CASCADE, related_name="gatherings")
    title = models.CharField(max_length=200)
    held_on = models.DateField()
    place = models.CharField(max_length=200, blank=True)
    agreements = models.JSONField(default=list)
    created_on = models.DateField()
    release_ledger = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which acceptances each shown count described (privacy ledger).",
    )

    class Meta:
        ordering = ["care_system", "-held_on", "title"]

    def __str__(self) -> str:
        return self.title


class GatheringAcceptance(models.Model):
    """A participant at a gathering accepted its agreements (a day, nothing more)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="acceptances")
    participant_key = models.CharField(
        max_length=64, help_text="SHA-256 of the gathering and the pass key; joins to nothing."
    )
    accepted_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gathering", "participant_key"], name="agenda_accept_once_per_gathering"
            )
        ]

    def __str__(self) -> str:
        return f"Acceptance at {self.gathering_id}"


class AgendaItem(models.Model):
    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="items")
    issue = models.ForeignKey(AvoidedIssue, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True, max_length=NOTES_MAX)
    decisions = models.TextField(blank=True, max_length=NOTES_MAX)

    class Meta:
        ordering = ["gathering", "position"]
        constraints = [
            models.UniqueConstraint(fields=["gathering", "issue"], name="agenda_item_issue_once"),
            models.UniqueConstraint(fields=["gathering", "position"], name="agenda_item_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.issue_id}"


class ActionItem(models.Model):
    """One step forward: who (a role, never a person's name), by when, how far along."""

    class Status(models.TextChoices):
        PLANNED = "planned", gettext_lazy("Planned")
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")
        DONE = "done", gettext_lazy("Done")
        STUCK = "stuck", gettext_lazy("Stuck — needs help")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="action_items"
    )
    care_system = models.ForeignKey(
        CareSystem, on_delete=models.CASCADE, related_name="action_items"
    )
    step = models.CharField(max_length=300)
    owner_role = models.CharField(
        max_length=120,
        help_text="A role, e.g. “Leader” or “Clinical director” — not a person's name.",
    )
    owner_staff_role = models.CharField(
        max_length=20, choices=StaffRole.Role.choices, blank=True, default=""
    )
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    progress = models.PositiveSmallIntegerField(default=0)
    follow_up = models.TextField(blank=True, max_length=4000, help_text="What we did.")
    remeasure_ref = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where this is measured again: a later pulse wave or conversation.",
    )
    updated_on = models.DateField()

    class Meta:
        ordering = ["care_system", "due_on", "public_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="agenda_action_progress_0_100",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "done", "stuck"]),
                name="agenda_action_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(progress=100), name="agenda_action_done_is_100"
            ),
        ]

    def __str__(self) -> str:
        return self.step

    @property
    def remeasure_url(self) -> str:
        """The re-measure reference as a link, if it is one on this site or an http(s) URL."""
        ref = self.remeasure_ref.strip()
        if (ref.startswith("/") and not ref.startswith("//")) or ref.startswith(
            ("https://", "http://")
        ):
            return ref
        return ""


class ActionTarget(models.Model):
    """What an action item aims to change: one pulse scale, for a unit (and everything below
    it) or for the whole care system (no unit). Its measured change is read from the pulse
    waves before and after the action's gathering (:mod:`walkthetalk.pulse.effects`)."""

    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="targets")
    scale_id = models.CharField(max_length=40, help_text="A scale of the pulse instrument.")
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: the whole care system.",
    )

    class Meta:
        ordering = ["action", "scale_id", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "scale_id", "unit"], name="agenda_target_once"
            ),
            models.UniqueConstraint(
                fields=["action", "scale_id"],
                condition=Q(unit__isnull=True),
                name="agenda_target_once_system_wide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scale_id} for {self.unit_id or 'the whole system'}"


class StatementTarget(models.Model):
    """What an action item aims to change in a conversation: how many agree with a statement
    (``statement``), or a statement that divides the opinion groups (``divide``).

    Conversations keep only their latest result, so the *before* figure is copied here when the
    aim is linked — only a figure the conversation's released result shows (at least the
    minimum group size of votes), never one it hides. The change is measured against the votes
    released since (:mod:`walkthetalk.agenda.statement_change`)."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", gettext_lazy("How many agree")
        DIVIDE = "divide", gettext_lazy("A divide between opinion groups")

    action = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, related_name="statement_targets"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STATEMENT)
    conversation_ref = models.CharField(max_length=16, help_text="The conversation's public id.")
    conversation_title = models.CharField(max_length=200)
    statement_ref = models.CharField(max_length=12, help_text="The statement's public id.")
    text = models.TextField(help_text="The statement, as it read when linked.")
    linked_on = models.DateField()
    before_computed_on = models.DateField(help_text="The day of the released result copied.")
    before_seen = models.PositiveIntegerField()
    before_agree = models.PositiveIntegerField()
    before_disagree = models.PositiveIntegerField()

    class Meta:
        ordering = ["action", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "statement_ref"], name="agenda_statement_target_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["statement", "divide"]),
                name="agenda_statement_target_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    before_seen__gte=models.F("before_agree") + models.F("before_disagree")
                ),
                name="agenda_statement_target_counts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.statement_ref} for {self.action_id}"
