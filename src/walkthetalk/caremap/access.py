"""Access funnels: the one way a page or the API gets a care system, or a unit in it.

As zulip's ``access_stream_by_id``: each function looks the object up *and* checks that the
user may act on it, raising :class:`~django.http.Http404` when there is no such object and
:class:`~django.core.exceptions.PermissionDenied` (with a message the API shows) when the user
holds none of the roles asked for. Every view and API module gets care systems (and the staff
accounts a steward looks after) here; a test (``tests/site/test_access_funnels.py``) fails on a
lookup written by hand in any module that serves a page or an API answer. Each app's ``access``
module does the same for its own objects, with :func:`found_or_404` for the lookup itself.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from walkthetalk.caremap.models import CareSystem, StaffRole, Unit
from walkthetalk.caremap.selectors import has_role, staff_member, stewarded_usernames

STEWARD = StaffRole.Role.STEWARD
FACILITATOR = StaffRole.Role.FACILITATOR
LEADER = StaffRole.Role.LEADER
ANY_ROLE = tuple(StaffRole.Role.values)
NO_ROLE = "You do not have the role needed in this care system."
NOT_A_STEWARD = "Only a steward of this person's care system may do this."

Found = TypeVar("Found", bound=Model)


def found_or_404(objects: QuerySet[Found], message: str) -> Found:
    """The first of ``objects`` (a lookup a funnel has already narrowed), or a 404 saying
    ``message``."""
    found = objects.first()
    if found is None:
        raise Http404(message)
    return found


def access_care_system(user: User | AnonymousUser, slug: str, *roles: str) -> CareSystem:
    """The care system ``slug``, if ``user`` holds one of ``roles`` in it (any role if none)."""
    system = found_or_404(CareSystem.objects.filter(slug=slug), "No care system by that name.")
    if not has_role(user, system, *(roles or ANY_ROLE)):
        raise PermissionDenied(NO_ROLE)
    return system


def access_unit(system: CareSystem, unit_id: int) -> Unit:
    """A unit of ``system`` (a care system already reached through :func:`access_care_system`)."""
    return found_or_404(
        Unit.objects.filter(care_system=system, pk=unit_id), "No such unit in this care system."
    )


def access_staff_member(system: CareSystem, user_id: object) -> User:
    """A person holding a staff role in ``system``."""
    member = staff_member(system, user_id)
    if member is None:
        raise Http404("No such staff member in this care system.")
    return member


def access_stewarded_staff(user: User | AnonymousUser) -> list[str]:
    """The user names of the staff whose sign-in pause ``user`` may lift: everyone holding a role
    in a care system ``user`` is a steward of. Refused to someone who stewards no care system
    (a superuser, who may lift anyone's pause by name, is let through)."""
    names = stewarded_usernames(user)
    if not names and not getattr(user, "is_superuser", False):
        raise PermissionDenied(NOT_A_STEWARD)
    return names


def access_staff_account(user: User | AnonymousUser, username: str) -> str:
    """``username``, if ``user`` may lift its sign-in pause (a steward of one of its care
    systems, or a superuser)."""
    if getattr(user, "is_superuser", False) or username in stewarded_usernames(user):
        return username
    raise PermissionDenied(NOT_A_STEWARD)
