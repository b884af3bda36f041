"""An action aimed at a conversation statement or divide: the linking rules (only a figure the
released result shows is copied, only this care system's statements), and the change among the
votes released since, with Newcombe's interval — or a plain reason, never a hidden figure."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from walkthetalk.agenda import selectors, services
from walkthetalk.agenda.models import StatementTarget
from walkthetalk.agenda.statement_change import FEWER_AGREE, MORE_AGREE
from walkthetalk.analysis.pulse import share_change
from walkthetalk.caremap.clock import today
from walkthetalk.conversations import services as conversation_services
from walkthetalk.conversations import tasks
from walkthetalk.conversations.models import ConversationResult, Statement

from ..caremap.factories import small_system, staff_client
from ..conversations.factories import conversation, joined, key, with_results

ISSUE_NUMBERS = itertools.count(1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return small_system()


@pytest.fixture
def conv(system):
    c = conversation(system)
    with_results(c)  # 12 voters on every statement; the second is split 6 to 6
    return c


def an_action(system):
    # each action its own issue: the backlog refuses the same issue twice
    issue = services.add_issue(
        system, f"We rarely say when something went wrong ({next(ISSUE_NUMBERS)})"
    )
    gathering = services.create_gathering(
        system, "Autumn gathering", today() - dt.timedelta(days=10)
    )
    item = services.add_to_agenda(gathering, issue)
    return services.add_action_item(item, "Weekly debrief", "Leader", today())


def statements(conv) -> list[Statement]:
    return list(conv.statements.order_by("pk"))


def released(conv, statement: Statement) -> dict:
    result = ConversationResult.objects.get(conversation=conv)
    return result.data["statement_tallies"][statement.public_id]


def more_votes(conv, statement: Statement, agree: int, disagree: int) -> None:
    for i in range(agree + disagree):
        participant = joined(conv, "treatment")
        choice = "agree" if i < agree else "disagree"
        conversation_services.cast_vote(conv, participant, statement.public_id, choice, key())


def test_linking_copies_the_released_figure_not_the_raw_votes(system, conv) -> None:
    split = statements(conv)[1]
    more_votes(conv, split, agree=5, disagree=0)  # cast, but not yet in a released result
    action = an_action(system)
    target = services.link_statement(action, split.public_id)
    figure = released(conv, split)
    assert (target.before_seen, target.before_agree, target.before_disagree) == (
        figure["seen"],
        figure["agree"],
        figure["disagree"],
    )
    assert target.before_seen < split.votes.count()  # the five new votes are not copied
    assert target.conversation_ref == conv.public_id and target.text == split.text
    (change,) = selectors.action_outcome(action).statements
    assert not change.shown and "No new votes" in change.reason


def test_the_change_among_the_votes_since_with_its_interval(system, conv) -> None:
    split = statements(conv)[1]
    action = an_action(system)
    services.link_statement(action, split.public_id)
    before = released(conv, split)
    more_votes(conv, split, agree=13, disagree=1)
    tasks.refresh(conv.pk)
    after = released(conv, split)
    (change,) = selectors.action_outcome(action).statements
    expected = share_change(
        (before["agree"], before["seen"]), (after["agree"], after["seen"]), min_size=5
    )
    assert change.shown and change.change == expected
    assert change.since_seen == after["seen"] - before["seen"] >= 5
    assert change.verdict == MORE_AGREE
    d, lo, hi = change.points
    assert 0 < lo < d < hi
    # the same figures on the steward's page, the participants' page source and the API
    page = staff_client(system, "steward").get(f"/agenda/manage/{system.slug}/you-said-we-did/")
    text = page.content.decode()
    assert f"of the {change.since_seen} votes since: a change of +{d} points" in text
    assert "Clearly more agree than before." in text
    api = staff_client(system, "facilitator", "f").get(f"/api/agenda/{system.slug}/actions")
    (aim,) = api.json()[0]["statements"]
    assert aim["statement"] == split.public_id and aim["verdict"] == MORE_AGREE
    assert aim["difference"] == pytest.approx(expected.difference)
    assert aim["ci_low"] == pytest.approx(expected.ci_low)
    assert aim["since_votes"] == change.since_seen


def test_fewer_agree_and_unanimous_votes_since_are_hidden(system, conv) -> None:
    split = statements(conv)[1]
    action = an_action(system)
    services.link_statement(action, split.public_id)
    more_votes(conv, split, agree=0, disagree=10)  # all ten new votes went one way
    tasks.refresh(conv.pk)
    (change,) = selectors.action_outcome(action).statements
    assert not change.shown and change.change is None and change.points is None
    assert "Too few different votes" in change.reason
    api = staff_client(system, "steward").get(f"/api/agenda/{system.slug}/actions").json()
    (aim,) = api[0]["statements"]
    assert aim["since_votes"] is aim["difference"] is aim["since_share_agree"] is None
    more_votes(conv, split, agree=2, disagree=8)  # now 2 of 20 since: shown, and lower
    tasks.refresh(conv.pk)
    (change,) = selectors.action_outcome(action).statements
    assert change.shown and change.verdict == FEWER_AGREE


def test_a_divide_says_whether_it_still_divides(system, conv) -> None:
    result = ConversationResult.objects.get(conversation=conv)
    divides = [d["id"] for d in result.data["divides"]]
    plain = next(s for s in statements(conv) if s.public_id not in divides)
    action = an_action(system)
    with pytest.raises(services.AgendaError, match="not show that statement as a divide"):
        services.link_statement(action, plain.public_id, StatementTarget.Kind.DIVIDE)
    assert not StatementTarget.objects.exists()
    assert divides  # the fixed vote pattern has a divide
    target = services.link_statement(action, divides[0], StatementTarget.Kind.DIVIDE)
    (change,) = selectors.action_outcome(action).statements
    assert change.kind == "divide" and change.still_divides is True
    assert target.kind == StatementTarget.Kind.DIVIDE


def test_another_systems_statement_is_refused(system, conv) -> None:
    elsewhere = small_system("elsewhere")
    other = conversation(elsewhere)
    with_results(other)
    action = an_action(system)
    for ref in (statements(other)[1].public_id, "no-such-one", ""):
        with pytest.raises(services.AgendaError, match="this care system's conversations"):
            services.link_statement(action, ref)
    assert not StatementTarget.objects.exists()


def test_a_hidden_figure_is_never_copied(system) -> None:
    quiet = conversation(system)
    first = statements(quiet)[0]
    for _ in range(3):  # three voters: fewer than the minimum group size of five
        participant = joined(quiet)
        conversation_services.cast_vote(quiet, participant, first.public_id, "agree", key())
    tasks.refresh(quiet.pk)
    action = an_action(system)
    with pytest.raises(services.AgendaError, match="no figure shown yet"):
        services.link_statement(action, first.public_id)
    assert not StatementTarget.objects.exists()
    assert selectors.target_statements(system) == []


def test_other_linking_rules(system, conv) -> None:
    first, split = statements(conv)[:2]
    action = an_action(system)
    with pytest.raises(services.AgendaError, match="how many agree, or a divide"):
        services.link_statement(action, split.public_id, "mood")
    services.link_statement(action, split.public_id)
    with pytest.raises(services.AgendaError, match="already linked"):
        services.link_statement(action, split.public_id)
    for scale in ("talk", "mistakes", "strain", "trust"):
        services.link_target(action, scale)
    services.link_statement(action, first.public_id)  # six aims in all
    with pytest.raises(services.AgendaError, match="up to 6"):
        services.link_statement(action, statements(conv)[2].public_id)
    with pytest.raises(services.AgendaError, match="up to 6"):
        services.link_target(action, "feel")
    Statement.objects.filter(pk=first.pk).update(status=Statement.Status.REJECTED)
    changes = {c.statement_ref: c for c in selectors.action_outcome(action).statements}
    assert "no longer published" in changes[first.public_id].reason
    assert not changes[first.public_id].shown
    other_action = an_action(system)
    target = StatementTarget.objects.get(action=action, statement_ref=split.public_id)
    with pytest.raises(services.AgendaError, match="not linked to this step"):
        services.unlink_statement(other_action, target.pk)
    services.unlink_statement(action, target.pk)
    assert not StatementTarget.objects.filter(pk=target.pk).exists()


def test_the_facilitator_links_a_statement_on_the_follow_up_page(system, conv) -> None:
    split = statements(conv)[1]
    action = an_action(system)
    client = staff_client(system, "facilitator")
    url = f"/agenda/manage/{system.slug}/actions/{action.public_id}/"
    page = client.get(url).content.decode()
    assert split.public_id in page and "Follow this statement" in page
    response = client.post(
        url + "statements/", {"statement": split.public_id, "kind": "statement"}, follow=True
    )
    text = response.content.decode()
    assert "Linked, with the figure the results show now" in text
    assert f"How many agree with “{split.text}”" in text
    assert "votes agreed when this step was linked" in text
    bad = client.post(url + "statements/", {"statement": "nope", "kind": "statement"}, follow=True)
    assert "Not linked" in bad.content.decode()
    assert StatementTarget.objects.count() == 1
    no_role = staff_client(system, None, "someone")
    refused = no_role.post(url + "statements/", {"statement": split.public_id, "kind": "divide"})
    assert refused.status_code in (403, 404) and StatementTarget.objects.count() == 1
