"""The avoided-issues backlog: raising, rating, ranking, sector breakdown and suppression."""

from __future__ import annotations

import pytest

from walkthetalk.agenda import release, selectors, services
from walkthetalk.agenda.models import AvoidedIssue, IssueRating

from ..caremap.factories import small_system
from .factories import a_pass, key

pytestmark = pytest.mark.django_db


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


def _rate(system, issue, n: int, sector: str | None, importance: int, avoidance: int) -> None:
    for _ in range(n):
        services.rate_issue(a_pass(system, sector), issue, importance, avoidance, key())


def test_ranking_and_sector_breakdown_are_suppressed_for_small_groups() -> None:
    system = small_system()  # minimum group size 5
    big = services.add_issue(system, "Big and avoided")
    small = services.add_issue(system, "Only four ratings")
    mild = services.add_issue(system, "Important, talked about")
    _rate(system, big, 6, "treatment", 5, 5)
    _rate(system, big, 6, "treatment", 4, 3)
    _rate(system, big, 5, "recovery-community", 4, 5)
    _rate(system, big, 2, "harm-reduction", 5, 4)
    _rate(system, big, 3, "prevention", 5, 4)
    _rate(system, small, 4, "treatment", 5, 5)
    _rate(system, mild, 5, "treatment", 5, 1)
    ranked = release.ranked_backlog(system)
    assert [r.issue.title for r in ranked] == [
        "Big and avoided",
        "Important, talked about",
        "Only four ratings",
    ]
    top = ranked[0]
    assert top.n_ratings == 22
    rows = {s.name: s for s in top.sectors}
    assert rows["Treatment"].ratings == 12 and rows["Treatment"].mean_importance == 4.5
    # five recovery-community ratings, all the same: showing them would tell each one's rating
    assert rows["Recovery community"].ratings is None
    # 2 harm-reduction and 3 prevention ratings: each hidden (together they are 5, so the
    # total minus the shown sectors reveals no small group).
    assert rows["Harm reduction"].ratings is None
    assert rows["Harm reduction"].mean_importance is None
    assert rows["Prevention"].ratings is None
    four = ranked[2]
    assert four.n_ratings is None and four.score is None and four.mean_avoidance is None


def test_complementary_suppression_hides_a_sibling_that_would_reveal_another() -> None:
    system = small_system()
    issue = services.add_issue(system, "Issue")
    _rate(system, issue, 5, "treatment", 3, 3)
    _rate(system, issue, 5, "treatment", 4, 2)
    _rate(system, issue, 5, "prevention", 3, 3)
    _rate(system, issue, 1, "government", 1, 1)
    rows = {s.name: s.ratings for s in release.ranked_backlog(system)[0].sectors}
    # Total 16 is shown; government (1) is hidden; prevention (5) must be too, or 16-10-5 = 1.
    assert rows == {"Government": None, "Prevention": None, "Treatment": 10}


def test_a_unanimous_sector_is_never_shown() -> None:
    system = small_system()
    issue = services.add_issue(system, "Issue")
    _rate(system, issue, 9, "treatment", 5, 5)
    _rate(system, issue, 5, "prevention", 2, 3)
    _rate(system, issue, 5, "prevention", 4, 1)
    ranked = release.ranked_backlog(system)[0]
    rows = {s.name: s.ratings for s in ranked.sectors}
    assert ranked.n_ratings == 19
    assert rows == {"Prevention": 10, "Treatment": None}


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
