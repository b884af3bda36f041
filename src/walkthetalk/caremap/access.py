"""Access funnels: the one way a page or the API gets a care system, or a unit in it.

As zulip's ``access_stream_by_id``: each function looks the object up *and* checks that the
user may act on it, raising :class:`~django.http.Http404` when there is no such object and
:class:`~django.core.exceptions.PermissionDenied` (with a message the API shows) when the user
holds none of the roles asked for. Every view and API module gets care systems here; a test
(``tests/site/test_access_funnels.py``) fails on a lookup written by hand in those modules.
Each app's ``access`` module does the same for its own objects.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from walkthetalk.caremap.models import CareSystem, StaffRole, Unit
from walkthetalk.caremap.selectors import has_role, staff_member

STEWARD = StaffRole.Role.STEWARD
FACILITATOR = StaffRole.Role.FACILITATOR
LEADER = StaffRole.Role.LEADER
ANY_ROLE = tuple(StaffRole.Role.values)
NO_ROLE = "You do not have the role needed in this care system."


def access_care_system(user: User | AnonymousUser, slug: str, *roles: str) -> CareSystem:
    """The care system ``slug``, if ``user`` holds one of ``roles`` in it (any role if none)."""
    system = CareSystem.objects.filter(slug=slug).first()
    if system is None:
        raise Http404("No care system by that name.")
    if not has_role(user, system, *(roles or ANY_ROLE)):
        raise PermissionDenied(NO_ROLE)
    return system


def access_unit(system: CareSystem, unit_id: int) -> Unit:
    """A unit of ``system`` (a care system already reached through :func:`access_care_system`)."""
    unit = Unit.objects.filter(care_system=system, pk=unit_id).first()
    if unit is None:
        raise Http404("No such unit in this care system.")
    return unit


def access_staff_member(system: CareSystem, user_id: object) -> User:
    """A person holding a staff role in ``system``."""
    member = staff_member(system, user_id)
    if member is None:
        raise Http404("No such staff member in this care system.")
    return member
