"""The care map: a care system, its units in a tree, levels, sectors, staff roles, invitations.

An invitation stores only the hash of its token, the coarse attributes a participant's answers
will carry (never describing fewer than the minimum group size of invited people) and the day
it was made. Redeeming it writes nothing else: no participation row exists, so nothing joins an
invitation to what its holder later answers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CareSystem(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    min_group_size = models.PositiveSmallIntegerField(
        default=5, help_text="No figure about fewer people than this is ever shown."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_group_size__gte=3), name="caremap_min_group_size_at_least_3"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    """A level of the helping relationship, ordered from funders/regulators to persons served."""

    care_system = models.ForeignKey(CareSystem, on_delete=models.CASCADE, related_name="levels")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["care_system", "position"]
        constraints = [
            models.UniqueConstraint(fields=["care_system", "name"], name="caremap_level_name"),
            models.UniqueConstraint(
                fields=["care_system", "position"], name="caremap_level_position"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Sector(models.Model):
    """A stakeholder sector: government, prevention, harm reduction, treatment, recovery…"""

    care_system = models.ForeignKey(CareSystem, on_delete=models.CASCADE, related_name="sectors")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=80)

    class Meta:
        ordering = ["care_system", "name"]
        constraints = [
            models.UniqueConstraint(fields=["care_system", "slug"], name="caremap_sector_slug"),
            models.UniqueConstraint(fields=["care_system", "name"], name="caremap_sector_name"),
        ]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.IntegerChoices):
    AGENCY = 1, "Agency"
    ORGANIZATION = 2, "Organization"
    PROGRAM = 3, "Program"
    TEAM = 4, "Team"


class Unit(models.Model):
    """A unit of the care system; units form a tree agency → organization → program → team."""

    care_system = models.ForeignKey(CareSystem, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=200)
    kind = models.PositiveSmallIntegerField(choices=UnitKind.choices)
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.SET_NULL, related_name="units"
    )

    class Meta:
        ordering = ["care_system", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["care_system", "name"], name="caremap_unit_name"),
            models.CheckConstraint(
                condition=Q(kind__gte=1) & Q(kind__lte=4), name="caremap_unit_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="caremap_unit_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    class Role(models.TextChoices):
        STEWARD = "steward", "Steward"
        FACILITATOR = "facilitator", "Facilitator"
        LEADER = "leader", "Leader"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    care_system = models.ForeignKey(
        CareSystem, on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "care_system", "role"], name="caremap_staffrole_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.care_system}"


class Invitation(models.Model):
    """A one-time invitation. Only the SHA-256 of its token is kept; the token is shown once.

    ``unit``, ``level`` and ``sector`` are the attributes every answer of its holder carries:
    they are chosen so that at least the minimum group size of invitations share them (see
    ``services.invite``). No label is kept: a label may name a person, and the attributes join
    an invitation to answers. ``used_on`` is set once the invitation is used, to the day it was
    *made* (``created_on``): the day of use is deliberately not kept, so it cannot be matched
    to the days participants act. A link stops working after ``expires_on`` or once its batch
    is ``revoked``.
    """

    care_system = models.ForeignKey(
        CareSystem, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
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
    used_on = models.DateField(null=True, blank=True)
    # The last day the link works, chosen when the batch is made (a day of the batch, like
    # ``created_on``; never a day something happened to one invitation).
    expires_on = models.DateField(null=True, blank=True)
    # A steward stopped the batch's unused links. The row stays (it still counts among the
    # people invited with its attributes) and the day it was stopped is not kept.
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["care_system", "created_on"]

    def __str__(self) -> str:
        return f"Invitation of {self.created_on}"
