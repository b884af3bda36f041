"""Every page and API module reaches its objects through the access funnels, never by hand.

As zulip's lint rule beside ``access_stream_by_id``: a view or API module that looks an object
up itself (``get_object_or_404``, ``Model.objects``) could skip the role check the funnel makes,
so this check fails on any such lookup in ``views.py`` and ``api.py`` of every app. Objects are
reached through ``<app>/access.py`` (``access_care_system(user, slug, *roles)``,
``access_wave``, ``access_conversation``, …) or read through selectors.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

import walkthetalk
from walkthetalk.caremap.access import STEWARD, access_care_system

from ..caremap.factories import small_system

PACKAGE = Path(walkthetalk.__file__).parent
HTTP_MODULES = sorted(p for name in ("views.py", "api.py") for p in PACKAGE.glob(f"*/{name}"))
FORBIDDEN_CALLS = {"get_object_or_404", "get_list_or_404"}


def hand_written_lookups(source: str) -> list[str]:
    """``line: code`` for each lookup a view or API module makes without a funnel."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = (
                node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            )
            if name in FORBIDDEN_CALLS:
                found.append(f"{node.lineno}: {name}(…)")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id[:1].isupper()
        ):
            found.append(f"{node.lineno}: {node.value.id}.objects")
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def test_the_check_sees_every_kind_of_hand_written_lookup() -> None:
    source = (
        "def page(request, slug):\n"
        "    system = get_object_or_404(CareSystem, slug=slug)\n"
        "    wave = Wave.objects.filter(care_system=system).first()\n"
        "    items = shortcuts.get_list_or_404(Item)\n"
        "    return system.units.all(), objects.count()\n"
    )
    assert hand_written_lookups(source) == [
        "2: get_object_or_404(…)",
        "3: Wave.objects",
        "4: get_list_or_404(…)",
    ]


@pytest.mark.parametrize("path", HTTP_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_views_and_api_reach_objects_only_through_the_funnels(path: Path) -> None:
    assert hand_written_lookups(path.read_text()) == []


def test_every_app_with_pages_is_checked() -> None:
    apps = {p.parent.name for p in HTTP_MODULES}
    assert {"caremap", "pulse", "conversations", "agenda", "messenger", "reports"} <= apps


@pytest.mark.django_db
def test_the_care_system_funnel_checks_the_role_it_is_asked_for(django_user_model) -> None:
    from walkthetalk.caremap import services

    system = small_system()
    leader = django_user_model.objects.create_user("lee", password="a-long-staff-password")
    services.grant_role(leader, system, "leader")
    assert access_care_system(leader, system.slug) == system
    with pytest.raises(PermissionDenied):
        access_care_system(leader, system.slug, STEWARD)
    with pytest.raises(Http404):
        access_care_system(leader, "no-such-system")
