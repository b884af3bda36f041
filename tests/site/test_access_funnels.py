"""Every page and API module reaches its objects through the access funnels, never by hand.

As zulip's lint rule beside ``access_stream_by_id``: a view or API module that looks an object
up itself (``get_object_or_404``, ``Model.objects``, a model's default manager) could skip the
role check the funnel makes, so this check fails on any such lookup in every module that serves
a page or an API answer. Those modules are found, not listed: every view the URL configuration
routes to, every operation of the API's routers and the error handlers. Objects are reached
through ``<app>/access.py`` (``access_care_system(user, slug, *roles)``, ``access_wave``,
``access_conversation``, ``access_staff_account``, …) or read through selectors.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import URLResolver, get_resolver

from walkthetalk.caremap import services
from walkthetalk.caremap.access import (
    STEWARD,
    access_care_system,
    access_staff_account,
    access_stewarded_staff,
)
from walkthetalk.site.api import api

from ..caremap.factories import small_system

FORBIDDEN_CALLS = {"get_object_or_404", "get_list_or_404"}
FORBIDDEN_MANAGERS = {"objects", "_default_manager", "_base_manager"}


def _module_of(view: Callable[..., Any]) -> str:
    return getattr(view, "view_class", view).__module__


def _routed(patterns: Iterable[Any]) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routed(pattern.url_patterns)
        else:
            yield _module_of(pattern.callback)


def http_modules() -> list[str]:
    """Every module of ours that answers a request: routed views, API operations, error pages."""
    resolver = get_resolver()
    found = set(_routed(resolver.url_patterns))
    found |= {_module_of(resolver.resolve_error_handler(code)) for code in (400, 403, 404, 500)}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            found |= {op.view_func.__module__ for op in path_view.operations}
    return sorted(name for name in found if name.startswith("walkthetalk."))


HTTP_MODULES = http_modules()


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
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_MANAGERS:
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if name[:1].isupper():
                found.append(f"{node.lineno}: {name}.{node.attr}")
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def test_the_check_sees_every_kind_of_hand_written_lookup() -> None:
    source = (
        "def page(request, slug):\n"
        "    system = get_object_or_404(CareSystem, slug=slug)\n"
        "    wave = Wave.objects.filter(care_system=system).first()\n"
        "    items = shortcuts.get_list_or_404(Item)\n"
        "    staff = models.StaffRole.objects.filter(user=request.user)\n"
        "    unit = Unit._default_manager.get(pk=1)\n"
        "    return system.units.all(), objects.count(), wave.objects\n"
    )
    assert hand_written_lookups(source) == [
        "2: get_object_or_404(…)",
        "3: Wave.objects",
        "4: get_list_or_404(…)",
        "5: StaffRole.objects",
        "6: Unit._default_manager",
    ]


@pytest.mark.parametrize("module", HTTP_MODULES)
def test_views_and_api_reach_objects_only_through_the_funnels(module: str) -> None:
    source = Path(importlib.import_module(module).__file__ or "").read_text()
    assert hand_written_lookups(source) == []


def test_every_module_that_answers_a_request_is_found() -> None:
    apps = {name.split(".")[1] for name in HTTP_MODULES}
    assert {"caremap", "pulse", "conversations", "agenda", "messenger", "reports", "site"} <= apps
    # not only the modules named views.py or api.py: the account pages and the error pages too
    assert {"walkthetalk.site.account_views", "walkthetalk.site.faults"} <= set(HTTP_MODULES)
    assert "walkthetalk.reports.api" in HTTP_MODULES  # the API's routers are read as well


@pytest.mark.django_db
def test_the_care_system_funnel_checks_the_role_it_is_asked_for(django_user_model) -> None:
    system = small_system()
    leader = django_user_model.objects.create_user("lee", password="a-long-staff-password")
    services.grant_role(leader, system, "leader")
    assert access_care_system(leader, system.slug) == system
    with pytest.raises(PermissionDenied):
        access_care_system(leader, system.slug, STEWARD)
    with pytest.raises(Http404):
        access_care_system(leader, "no-such-system")


@pytest.mark.django_db
def test_the_staff_account_funnel_lets_a_steward_reach_only_their_own_staff(
    django_user_model,
) -> None:
    ours, theirs = small_system("ours"), small_system("theirs")
    steward, leader, stranger, admin = (
        django_user_model.objects.create_user(name, password="a-long-staff-password")
        for name in ("stew", "lee", "sam", "root")
    )
    admin.is_superuser = True
    services.grant_role(steward, ours, "steward")
    services.grant_role(leader, ours, "leader")
    services.grant_role(stranger, theirs, "leader")
    assert access_stewarded_staff(steward) == ["lee", "stew"]
    assert access_staff_account(steward, "lee") == "lee"
    with pytest.raises(PermissionDenied):
        access_staff_account(steward, "sam")  # a leader of another care system
    with pytest.raises(PermissionDenied):
        access_stewarded_staff(leader)  # a leader stewards no care system
    with pytest.raises(PermissionDenied):
        access_staff_account(leader, "stew")
    assert access_staff_account(admin, "sam") == "sam" and access_stewarded_staff(admin) == []
