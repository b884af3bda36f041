"""Gatherings: agenda from the backlog, agreements, notes, one step forward, follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from walkthetalk.agenda import release, selectors, services
from walkthetalk.agenda.models import ActionItem, AgendaItem, AvoidedIssue, GatheringAcceptance
from walkthetalk.caremap.defaults import DEFAULT_AGREEMENTS

from ..caremap.factories import small_system
from .factories import a_pass, key

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)


def test_a_gathering_starts_from_the_six_agreements_and_builds_its_agenda() -> None:
    system = small_system()
    gathering = services.create_gathering(system, "Spring gathering", DAY)
    assert gathering.agreements == list(DEFAULT_AGREEMENTS) and len(gathering.agreements) == 6
    first = services.add_issue(system, "Burnout")
    second = services.add_issue(system, "Referrals")
    a = services.add_to_agenda(gathering, first)
    b = services.add_to_agenda(gathering, second)
    assert services.add_to_agenda(gathering, first) == a  # once only
    assert [i.position for i in selectors.agenda(gathering)] == [1, 2] and b.position == 2
    first.refresh_from_db()
    assert first.status == AvoidedIssue.Status.GATHERING
    assert list(selectors.addable_issues(gathering)) == []
    other = services.add_issue(small_system("elsewhere"), "Not ours")
    with pytest.raises(services.AgendaError, match="another care system"):
        services.add_to_agenda(gathering, other)


def test_participants_accept_once_and_the_count_is_suppressed_when_small() -> None:
    system = small_system()
    gathering = services.create_gathering(system, "G", DAY)
    participants = [a_pass(system) for _ in range(5)]
    request_key = key()
    services.accept_agreements(participants[0], gathering, request_key)
    with pytest.raises(services.DuplicateRequest):
        services.accept_agreements(participants[0], gathering, request_key)
    services.accept_agreements(participants[0], gathering, key())
    assert GatheringAcceptance.objects.count() == 1
    assert selectors.has_accepted(participants[0], gathering)
    assert release.acceptances(gathering) is None
    for p in participants[1:]:
        services.accept_agreements(p, gathering, key())
    assert release.acceptances(gathering) == 5
    with pytest.raises(services.AgendaError, match="another care system"):
        services.accept_agreements(a_pass(small_system("elsewhere")), gathering, key())


def test_notes_decisions_and_action_items_with_follow_up() -> None:
    system = small_system()
    gathering = services.create_gathering(system, "G", DAY)
    item = services.add_to_agenda(gathering, services.add_issue(system, "Burnout"))
    services.record_item(item, "We heard a lot.", "Caseloads become a standing item.")
    with pytest.raises(services.AgendaError, match="keep it to 10000"):
        services.record_item(item, "n" * 10_001, "")
    item.refresh_from_db()
    assert item.decisions == "Caseloads become a standing item."
    request_key = key()
    action = services.add_action_item(
        item, "Protect supervision", "leader", DAY + dt.timedelta(days=30), request_key=request_key
    )
    assert action.owner_staff_role == "leader" and action.status == "planned"
    with pytest.raises(services.DuplicateRequest):
        services.add_action_item(
            item, "Protect supervision", "leader", DAY, request_key=request_key
        )
    with pytest.raises(services.AgendaError, match="0 to 100"):
        services.update_action_item(action, status="in_progress", progress=120, follow_up="")
    with pytest.raises(services.AgendaError, match="Choose a status"):
        services.update_action_item(action, status="finished", progress=10, follow_up="")
    services.update_action_item(
        action, status="done", progress=30, follow_up="Hours are blocked.", remeasure_ref="Pulse"
    )
    action.refresh_from_db()
    assert (action.status, action.progress, action.follow_up) == ("done", 100, "Hours are blocked.")
    custom = services.add_action_item(item, "Share numbers", "Clinical director", DAY)
    assert custom.owner_staff_role == ""
    follow_ups = selectors.you_said_we_did(system.pk)
    assert len(follow_ups) == 1 and follow_ups[0].issue.title == "Burnout"
    assert [a.step for a in follow_ups[0].actions] == ["Share numbers", "Protect supervision"]
    assert ActionItem.objects.count() == 2


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


def test_welcome_page_selectors_list_this_systems_gatherings_from_a_week_ago() -> None:
    system = small_system()
    participant = a_pass(system)
    services.create_gathering(system, "Long past", DAY - dt.timedelta(days=30))
    services.create_gathering(system, "Last week", DAY - dt.timedelta(days=6))
    services.create_gathering(system, "Next month", DAY + dt.timedelta(days=30))
    services.create_gathering(small_system("elsewhere"), "Not ours", DAY)
    titles = [g.title for g in selectors.gatherings_for(participant, DAY)]
    assert titles == ["Last week", "Next month"]


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
