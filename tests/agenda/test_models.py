"""The agenda's models: database constraints and safe re-measure links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from walkthetalk.agenda import services
from walkthetalk.agenda.models import ActionItem, AgendaItem

from ..caremap.factories import small_system

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)


def test_the_database_refuses_impossible_action_items() -> None:
    system = small_system()
    gathering = services.create_gathering(system, "G", DAY)
    item = services.add_to_agenda(gathering, services.add_issue(system, "Burnout"))
    action = services.add_action_item(item, "Step", "Leader", DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=action.pk).update(status="done", progress=50)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=action.pk).update(progress=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItem.objects.create(gathering=gathering, issue=item.issue, position=9)


def test_remeasure_links_are_only_site_paths_or_web_addresses() -> None:
    cases = {
        "/pulse/waves/spring/": "/pulse/waves/spring/",
        "https://example.org/x": "https://example.org/x",
        "//elsewhere.example/x": "",
        "javascript:alert(1)": "",
        "Spring workforce pulse": "",
    }
    for ref, url in cases.items():
        assert ActionItem(remeasure_ref=ref).remeasure_url == url
