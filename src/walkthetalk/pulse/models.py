"""Data and its invariants for the pulse app: waves, invitation batches and anonymous responses.

A response carries only coarse attributes copied from the participant's pass (unit, level,
sector — an invitation's, generalized to at least the minimum group size of invited people), a
coarse date (the Monday of the week it was sent, or the wave's first day) and
the answers. Its primary key is random, so row order
says nothing. ``submission_key`` is a SHA-256 of the wave and the participant pass's secret key
(which only the participant's browser holds), used only to refuse a second response from the same
participant to the same wave: nothing stored — not even with the site's ``SECRET_KEY`` — matches
it to a participation, and it differs from wave to wave, so responses cannot be paired across
waves either.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q

from walkthetalk.caremap.models import CareSystem, Level, Sector, Unit


class Wave(models.Model):
    """One round of the pulse over some units of a care system (and all units below them)."""

    care_system = models.ForeignKey(CareSystem, on_delete=models.CASCADE, related_name="waves")
    title = models.CharField(max_length=120)
    instrument_key = models.CharField(max_length=80)
    instrument_version = models.CharField(max_length=20)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    min_group_size = models.PositiveSmallIntegerField(
        help_text="Copied from the care system when the wave opens; it can only be raised."
    )
    units = models.ManyToManyField(Unit, related_name="+")
    release_ledger = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which groups of responses have had figures shown (privacy ledger).",
    )
    step_questions = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Frozen when the wave opens: one 'Did this step help?' question per done step "
            "forward whose aim the wave covers ({id, action, step, units}; see pulse.steps)."
        ),
    )

    class Meta:
        ordering = ["care_system", "-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_group_size__gte=3), name="pulse_wave_min_group_size_at_least_3"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="pulse_wave_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class WaveBatch(models.Model):
    """A batch of invitations a steward made for a wave: how many, and the attributes they were
    stored with (after generalization). Never the tokens, and no label: a label may name a
    person, and these attributes join a batch to answers."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="batches")
    count = models.PositiveIntegerField()
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        Level, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_on = models.DateField()

    class Meta:
        ordering = ["wave", "-created_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="pulse_batch_count_positive")
        ]

    def __str__(self) -> str:
        return f"{self.count} invitations for {self.wave_id} ({self.created_on})"


class Response(models.Model):
    """One participant's anonymous answers to one wave."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    submission_key = models.CharField(max_length=64)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        Level, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_on = models.DateField()
    answers = models.JSONField(
        help_text="Item id → answer value; null where the participant preferred not to say."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "submission_key"], name="pulse_one_response_per_participant"
            )
        ]

    def __str__(self) -> str:
        return f"Response to {self.wave_id} on {self.submitted_on}"
