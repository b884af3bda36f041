"""Ratings and acceptances cannot be joined to a participation, even by an administrator who
holds the whole database and the site's SECRET_KEY."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from django.apps import apps
from django.conf import settings

from walkthetalk.agenda import selectors, services
from walkthetalk.agenda.models import GatheringAcceptance, IssueRating

from ..caremap.factories import small_system
from .factories import a_pass, key

pytestmark = pytest.mark.django_db


def _computable(values: list[str]) -> set[str]:
    secret = settings.SECRET_KEY.encode()
    out = set(values)
    for value in values:
        out.add(hashlib.sha256(value.encode()).hexdigest())
        out.add(hmac.new(secret, value.encode(), hashlib.sha256).hexdigest())
    return out


def test_ratings_and_acceptances_hold_nothing_that_joins_a_participation() -> None:
    system = small_system()
    first = services.add_issue(system, "We never talk about burnout")
    second = services.add_issue(system, "Funding drives services")
    gathering = services.create_gathering(system, "Spring gathering", dt.date(2026, 5, 1))
    participant = a_pass(system)
    services.rate_issue(participant, first, 4, 5, key())
    services.rate_issue(participant, second, 2, 2, key())
    services.accept_agreements(participant, gathering, key())

    for model in (IssueRating, GatheringAcceptance):
        names = {f.name for f in model._meta.get_fields()}
        assert not names & {"participation", "unit", "level"}
    key_hash = participant.key_hash  # the most a server could ever have kept of the pass
    guesses = _computable([key_hash] + [f"{o.pk}:{key_hash}" for o in (first, second, gathering)])
    stored = [str(v) for row in IssueRating.objects.values() for v in row.values()]
    stored += [str(v) for row in GatheringAcceptance.objects.values() for v in row.values()]
    assert not set(stored) & guesses
    # one person's ratings of two issues cannot be paired either
    keys = set(IssueRating.objects.values_list("rater_key", flat=True))
    assert len(keys) == 2


def test_the_participant_still_finds_and_replaces_their_own_rating() -> None:
    system = small_system()
    issue = services.add_issue(system, "We never talk about burnout")
    participant, other = a_pass(system), a_pass(system)
    services.rate_issue(participant, issue, 4, 5, key())
    services.rate_issue(participant, issue, 1, 2, key())
    services.rate_issue(other, issue, 3, 3, key())
    assert IssueRating.objects.count() == 2
    (entry,) = selectors.backlog_for(participant)
    assert (entry.my_importance, entry.my_avoidance) == (1, 2)
    gathering = services.create_gathering(system, "G", dt.date(2026, 5, 1))
    services.accept_agreements(participant, gathering, key())
    services.accept_agreements(participant, gathering, key())
    assert GatheringAcceptance.objects.count() == 1
    assert selectors.has_accepted(participant, gathering)
    assert not selectors.has_accepted(other, gathering)


def test_raising_rating_or_accepting_writes_no_participation_in_the_same_transaction() -> None:
    system = small_system()
    participant = a_pass(system)
    issue = services.raise_issue(participant, "We never talk about burnout", "", key())
    services.rate_issue(participant, issue, 4, 5, key())
    gathering = services.create_gathering(system, "G", dt.date(2026, 5, 1))
    services.accept_agreements(participant, gathering, key())
    assert not apps.all_models["caremap"].get("participation")


def test_an_issue_that_moved_on_cannot_be_rated_with_a_forged_form() -> None:
    system = small_system()
    issue = services.add_issue(system, "We never talk about burnout")
    services.set_issue_status(issue, "conversation")
    participant = a_pass(system)
    assert selectors.backlog_for(participant) == []  # not offered on the page
    with pytest.raises(services.AgendaError, match="moved on to a conversation"):
        services.rate_issue(participant, issue, 4, 5, key())
    assert not IssueRating.objects.exists()
