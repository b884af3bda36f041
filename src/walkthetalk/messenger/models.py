"""Anonymous concerns and their replies, reached only by a receipt code.

Anonymity by construction:

- A concern holds its care system, the leadership role it is addressed to, its text and the
  *day* it was sent — nothing about the sender: no participation, sector, IP address, user agent
  or time of day. Its primary key is a random UUID and its public id is random, so row order
  says nothing about who sent what when.
- The receipt code is never stored: only an HMAC lookup value and an Argon2id hash of it (see
  :mod:`walkthetalk.messenger.codes`).
- Replies carry a day, never a time.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q

from walkthetalk.caremap.models import CareSystem

CONCERN_MAX_LENGTH = 4000
REPLY_MAX_LENGTH = 4000
DEFAULT_ESCALATE_AFTER_DAYS = 7


def new_public_id() -> str:
    return secrets.token_urlsafe(9)  # 72 random bits; a staff-facing handle, not a secret


class MessengerPolicy(models.Model):
    """A care system's messenger settings: after how many days an unanswered concern escalates."""

    care_system = models.OneToOneField(
        CareSystem, on_delete=models.CASCADE, primary_key=True, related_name="messenger_policy"
    )
    escalate_after_days = models.PositiveSmallIntegerField(default=DEFAULT_ESCALATE_AFTER_DAYS)
    figures_ledger = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which concerns the response-time figures have described (privacy ledger).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(escalate_after_days__gte=1) & Q(escalate_after_days__lte=90),
                name="messenger_escalate_days_range",
            )
        ]

    def __str__(self) -> str:
        return f"Messenger policy of {self.care_system_id}"


class LeadershipRole(models.Model):
    """A role a concern can be sent to, e.g. "Director of treatment services".

    Staff with the leader role in the care system read and answer concerns to any of its
    leadership roles; a concern unanswered for too long escalates to the stewards.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    care_system = models.ForeignKey(
        CareSystem, on_delete=models.CASCADE, related_name="leadership_roles"
    )
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["care_system", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["care_system", "title"], name="messenger_leadership_role_title"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Concern(models.Model):
    class Escalation(models.TextChoices):
        NONE = "", "Not escalated"
        STEWARD = "steward", "Stewards"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    care_system = models.ForeignKey(CareSystem, on_delete=models.CASCADE, related_name="concerns")
    leadership_role = models.ForeignKey(
        LeadershipRole, on_delete=models.PROTECT, related_name="concerns"
    )
    text = models.TextField(max_length=CONCERN_MAX_LENGTH)
    sent_on = models.DateField()
    lookup = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=200)
    request_key = models.CharField(max_length=64, unique=True)
    first_reply_on = models.DateField(null=True, blank=True)
    escalated_to = models.CharField(
        max_length=20, choices=Escalation.choices, blank=True, default=Escalation.NONE
    )
    escalated_on = models.DateField(null=True, blank=True)
    resolved_on = models.DateField(
        null=True,
        blank=True,
        help_text="Day leadership marked it resolved; cleared when the sender writes back.",
    )

    class Meta:
        indexes = [models.Index(fields=["care_system", "sent_on"], name="messenger_concern_sent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(escalated_to__in=["", "steward"]), name="messenger_escalation_valid"
            ),
            models.CheckConstraint(
                condition=Q(escalated_to="", escalated_on__isnull=True)
                | (~Q(escalated_to="") & Q(escalated_on__isnull=False)),
                name="messenger_escalation_has_day",
            ),
            models.CheckConstraint(
                condition=Q(first_reply_on__isnull=True)
                | Q(first_reply_on__gte=models.F("sent_on")),
                name="messenger_reply_after_sending",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True)
                | (
                    Q(first_reply_on__isnull=False) & Q(resolved_on__gte=models.F("first_reply_on"))
                ),
                name="messenger_resolved_after_a_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"Concern {self.public_id} to {self.leadership_role_id}"

    @property
    def is_answered(self) -> bool:
        return self.first_reply_on is not None

    @property
    def status(self) -> str:
        """``open`` (no reply from leadership yet), ``answered`` or ``resolved``."""
        if self.resolved_on is not None:
            return "resolved"
        return "answered" if self.first_reply_on is not None else "open"


class Reply(models.Model):
    """One message in a concern's thread: from leadership, or the sender answering back."""

    class Side(models.TextChoices):
        LEADERSHIP = "leadership", "Leadership"
        SENDER = "sender", "The person who raised the concern"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="replies")
    side = models.CharField(max_length=12, choices=Side.choices)
    text = models.TextField(max_length=REPLY_MAX_LENGTH)
    written_on = models.DateField()
    position = models.PositiveIntegerField()
    request_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["concern", "position"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "position"], name="messenger_reply_order"),
            models.CheckConstraint(
                condition=Q(side__in=["leadership", "sender"]), name="messenger_reply_side_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Reply {self.position} to {self.concern_id}"
