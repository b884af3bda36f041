"""The agenda's services: raising and rating avoided issues, and gatherings (agenda from the
backlog, agreements, notes, one step forward, follow-up)."""

from __future__ import annotations

import datetime as dt

import pytest

from walkthetalk.agenda import release, selectors, services
from walkthetalk.agenda.models import ActionItem, AvoidedIssue, GatheringAcceptance, IssueRating
from walkthetalk.caremap.defaults import DEFAULT_AGREEMENTS

from ..caremap.factories import small_system
from .factories import a_pass, key

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)


def test_raising_an_issue_keeps_no_trace_of_who_raised_it() -> None:
    system = small_system()
    participant = a_pass(system)
    issue = services.raise_issue(participant, "  We never talk   about burnout ", "", key())
    assert issue.title == "We never talk about burnout"
    fields = {f.name for f in AvoidedIssue._meta.get_fields()}
    assert not fields & {"participation", "sector", "unit", "level"}
    assert [e.issue for e in selectors.backlog_for(participant)] == [issue]


def test_bad_input_and_double_submit_change_nothing() -> None:
    system = small_system()
    participant = a_pass(system)
    with pytest.raises(services.AgendaError, match="keep it to 200"):
        services.raise_issue(participant, "x" * 201, "", key())
    with pytest.raises(services.AgendaError, match="keep it to 2000"):
        services.raise_issue(participant, "Fine", "y" * 2001, key())
    with pytest.raises(services.AgendaError, match="write the issue"):
        services.raise_issue(participant, "   ", "", key())
    with pytest.raises(services.AgendaError, match="expired"):
        services.raise_issue(participant, "Fine", "", "forged!")
    request_key = key()
    services.raise_issue(participant, "Once", "", request_key)
    with pytest.raises(services.DuplicateRequest, match="already received"):
        services.raise_issue(participant, "Once", "", request_key)
    assert list(AvoidedIssue.objects.values_list("title", flat=True)) == ["Once"]


def test_a_failed_change_frees_its_request_key() -> None:
    system = small_system()
    participant = a_pass(system)
    request_key = key()
    with pytest.raises(services.AgendaError):
        services.raise_issue(participant, "x" * 201, "", request_key)
    services.raise_issue(participant, "Now right", "", request_key)
    assert AvoidedIssue.objects.count() == 1


def test_one_rating_per_participation_and_values_are_checked() -> None:
    system = small_system()
    issue = services.add_issue(system, "Funding drives services")
    participant = a_pass(system)
    services.rate_issue(participant, issue, 4, 5, key())
    services.rate_issue(participant, issue, 2, 3, key())  # changes one's own rating
    rating = IssueRating.objects.get()
    assert (rating.importance, rating.avoidance) == (2, 3)
    assert rating.sector.slug == "treatment"
    for bad in (0, 6, True, "3"):
        with pytest.raises(services.AgendaError, match="from 1 to 5"):
            services.rate_issue(participant, issue, bad, 3, key())  # type: ignore[arg-type]
    other_system = small_system("elsewhere")
    with pytest.raises(services.AgendaError, match="another care system"):
        services.rate_issue(a_pass(other_system), issue, 3, 3, key())
    request_key = key()
    services.rate_issue(participant, issue, 5, 5, request_key)
    with pytest.raises(services.DuplicateRequest):
        services.rate_issue(participant, issue, 1, 1, request_key)
    assert IssueRating.objects.get().importance == 5
    assert IssueRating.objects.count() == 1


def test_score_is_shrunk_toward_the_middle() -> None:
    assert selectors.score([]) == 9
    assert selectors.score([25]) == pytest.approx((25 + 27) / 4)
    assert selectors.score([16] * 20) > selectors.score([25])


def test_issue_becomes_a_conversation_once() -> None:
    system = small_system()
    issue = services.add_issue(system, "Referrals stall between sectors", "Why does this happen?")
    ref = services.issue_to_conversation(issue)
    assert services.issue_to_conversation(issue) == ref
    issue.refresh_from_db()
    assert issue.status == AvoidedIssue.Status.CONVERSATION and issue.conversation_ref == ref
    from walkthetalk.conversations.models import Conversation

    conversation = Conversation.objects.get(public_id=ref)
    assert conversation.title == issue.title
    assert list(conversation.statements.values_list("text", flat=True)) == [issue.title]


def test_candidates_need_enough_passes_in_a_sector() -> None:
    rows = [
        {"conversation_title": "C", "statement_ref": "a", "text": "Many pass", "sector": "T",
         "passes": 6, "votes": 10},
        {"conversation_title": "C", "statement_ref": "b", "text": "Few pass", "sector": "T",
         "passes": 4, "votes": 5},
        {"conversation_title": "C", "statement_ref": "c", "text": "Low share", "sector": "T",
         "passes": 6, "votes": 40},
    ]  # fmt: skip
    picked = selectors.candidates_from_rows(rows, 5)
    assert [c.statement_ref for c in picked] == ["a"]


def test_hidden_issues_leave_the_backlog_and_cannot_be_rated() -> None:
    system = small_system()
    issue = services.add_issue(system, "Set me aside")
    services.set_issue_status(issue, AvoidedIssue.Status.HIDDEN)
    participant = a_pass(system)
    assert selectors.backlog_for(participant) == []
    assert release.ranked_backlog(system) == []
    with pytest.raises(services.AgendaError, match="set aside"):
        services.rate_issue(participant, issue, 3, 3, key())


@pytest.mark.parametrize(
    ("title", "details"),
    [
        ("We never talk about how Dr. Smith treats clients", ""),
        ("Scheduling is avoided", "Call me at 555-222-3333 to hear more"),
        ("Records go missing", "for example client named Jamie Rivera"),
    ],
)
def test_personal_details_are_refused_and_nothing_is_stored(title: str, details: str) -> None:
    system = small_system()
    participant = a_pass(system)
    with pytest.raises(services.AgendaError, match="personal details"):
        services.raise_issue(participant, title, details, key())
    assert not AvoidedIssue.objects.exists()
    # Once the text is fixed, it goes in.
    fixed = services.raise_issue(
        participant, "We avoid talking about how clients are treated", "", key()
    )
    assert fixed.pk is not None


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


def test_the_same_issue_twice_is_refused_pointing_at_the_first() -> None:
    system = small_system()
    first = services.raise_issue(a_pass(system), "Burnout is treated as personal", "", key())
    retry_key = key()
    with pytest.raises(services.DuplicateIssue) as refused:
        services.raise_issue(a_pass(system), "  burnout is treated as PERSONAL! ", "", retry_key)
    assert refused.value.existing == first and "already in the backlog" in str(refused.value)
    with pytest.raises(services.DuplicateIssue):
        services.add_issue(system, "Burnout, is treated as personal")
    assert AvoidedIssue.objects.count() == 1
    # The refusal freed its request key, and a different issue is welcome.
    services.raise_issue(a_pass(system), "Pay is never discussed", "", retry_key)
    # Once the first is hidden (no longer in the backlog) the same words may be raised again.
    services.set_issue_status(first, AvoidedIssue.Status.HIDDEN)
    services.raise_issue(a_pass(system), "Burnout is treated as personal", "", key())
    assert AvoidedIssue.objects.count() == 3
