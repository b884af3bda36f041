"""The agenda's selectors: backlog candidates from statements many people of one sector pass on,
and the gatherings a participant sees."""

import datetime as dt

import pytest

from walkthetalk.agenda import selectors, services
from walkthetalk.agenda.models import ActionItem, AvoidedIssue
from walkthetalk.conversations import services as conversation_services

from ..caremap.factories import small_system
from ..conversations.factories import conversation, joined, key
from .factories import a_pass

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)


def test_real_votes_feed_the_candidates() -> None:
    system = small_system()
    conv = conversation(system, seed_statements=["We rarely talk openly about mistakes."])
    statement = conv.statements.get()
    for n in range(7):
        participant_pass = joined(conv, "treatment")
        choice = "pass" if n < 5 else "agree"
        conversation_services.cast_vote(conv, participant_pass, statement.public_id, choice, key())
    for _ in range(6):
        participant_pass = joined(conv, "prevention")
        conversation_services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    (candidate,) = selectors.backlog_candidates(system)
    assert (candidate.sector, candidate.passes, candidate.votes) == ("Treatment", 5, 7)
    assert candidate.statement_ref == statement.public_id


def test_too_few_passes_offer_nothing() -> None:
    system = small_system()
    conv = conversation(system, seed_statements=["Supervisors have time to support their teams."])
    statement = conv.statements.get()
    for _ in range(4):  # below the minimum group size of 5
        conversation_services.cast_vote(
            conv, joined(conv, "treatment"), statement.public_id, "pass", key()
        )
    assert selectors.backlog_candidates(system) == []


def test_welcome_page_selectors_list_this_systems_gatherings_from_a_week_ago() -> None:
    system = small_system()
    participant = a_pass(system)
    services.create_gathering(system, "Long past", DAY - dt.timedelta(days=30))
    services.create_gathering(system, "Last week", DAY - dt.timedelta(days=6))
    services.create_gathering(system, "Next month", DAY + dt.timedelta(days=30))
    services.create_gathering(small_system("elsewhere"), "Not ours", DAY)
    titles = [g.title for g in selectors.gatherings_for(participant, DAY)]
    assert titles == ["Last week", "Next month"]


def test_follow_through_says_where_every_visible_issue_stands() -> None:
    system = small_system()
    waiting = services.add_issue(system, "We avoid talking about pay")
    taken = services.add_issue(system, "Burnout is treated as personal")
    decided = services.add_issue(system, "Night staff hear about changes last")
    done = services.add_issue(system, "Handovers are rushed")
    hidden = services.add_issue(system, "Set aside by a facilitator")
    services.set_issue_status(hidden, AvoidedIssue.Status.HIDDEN)
    gathering = services.create_gathering(system, "Spring", DAY)
    services.add_to_agenda(gathering, taken)
    services.record_item(services.add_to_agenda(gathering, decided), "Heard.", "Tell nights first.")
    step = services.add_action_item(
        services.add_to_agenda(gathering, done), "Ten quiet minutes", "Leader", DAY
    )
    statuses = selectors.follow_through(a_pass(system))
    assert {k: v["state"] for k, v in statuses.items()} == {
        waiting.public_id: "in_backlog",
        taken.public_id: "taken_up",
        decided.public_id: "decision_made",
        done.public_id: "decision_made",
    }
    services.update_action_item(step, status=ActionItem.Status.DONE, progress=100, follow_up="")
    assert selectors.follow_through(a_pass(system))[done.public_id]["state"] == "action_done"
    assert statuses[waiting.public_id]["title"] == "We avoid talking about pay"
    other = small_system("other")
    assert selectors.follow_through(a_pass(other)) == {}
