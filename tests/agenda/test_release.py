"""Backlog figures move in steps of the minimum group size, so differences reveal no one.

Each page load (or API call) releases figures through the issue's privacy ledger. A figure
changes only once at least ``min_group_size`` ratings have been added or changed since it was
last shown; until then the last shown figure stays.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from walkthetalk.agenda import release, services
from walkthetalk.agenda.models import AvoidedIssue
from walkthetalk.analysis.privacy import ReleaseLedger
from walkthetalk.caremap import services as caremap_services

from ..caremap.factories import small_system
from .factories import a_pass, key

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)


def _rate(system, issue, n, sector="treatment", importance=3, avoidance=3):
    passes = [a_pass(system, sector) for _ in range(n)]
    for p in passes:
        services.rate_issue(p, issue, importance, avoidance, key())
    return passes


def _shown(system, title):
    (row,) = [r for r in release.ranked_backlog(system) if r.issue.title == title]
    return row


def _figures(row):
    return (row.n_ratings, row.score, row.mean_importance, row.mean_avoidance)


def test_five_shown_six_to_nine_reveal_nothing_new_ten_moves_on() -> None:
    system = small_system()  # minimum group size 5
    issue = services.add_issue(system, "Caseloads")
    _rate(system, issue, 5, importance=2, avoidance=2)
    at_five = _figures(_shown(system, "Caseloads"))
    assert at_five == (5, pytest.approx((5 * 4 + 27) / 8), 2, 2)
    # The sixth rating is very different: without steps it could be read off as 6×mean − 5×2.
    _rate(system, issue, 1, importance=5, avoidance=5)
    assert _figures(_shown(system, "Caseloads")) == at_five
    _rate(system, issue, 3, importance=5, avoidance=5)  # 9 ratings: still only 4 new
    assert _figures(_shown(system, "Caseloads")) == at_five
    _rate(system, issue, 1, importance=5, avoidance=5)  # 10: five new since the last step
    row = _shown(system, "Caseloads")
    assert row.n_ratings == 10
    assert row.mean_importance == pytest.approx(3.5) and row.mean_avoidance == pytest.approx(3.5)
    # What was shown is recorded with the issue before it is shown.
    issue.refresh_from_db()
    ledger = ReleaseLedger.from_dict(issue.release_ledger)
    assert sorted(len(a) for a in ledger.spaces[""].atoms()) == [5, 5]  # two steps of five


def test_a_total_below_the_minimum_plus_one_new_rating_waits_for_a_full_step() -> None:
    system = small_system()
    issue = services.add_issue(system, "Rostering")
    _rate(system, issue, 4)
    assert _shown(system, "Rostering").n_ratings is None  # 4: below the minimum
    _rate(system, issue, 1)
    assert _shown(system, "Rostering").n_ratings == 5  # 4 unseen + 1 = the first step


def test_ranking_uses_the_last_released_figures() -> None:
    system = small_system()
    low = services.add_issue(system, "Low so far")
    mid = services.add_issue(system, "Middle")
    _rate(system, low, 5, importance=1, avoidance=1)
    _rate(system, mid, 5, importance=3, avoidance=4)
    assert [r.issue.title for r in release.ranked_backlog(system)] == ["Middle", "Low so far"]
    _rate(system, low, 4, importance=5, avoidance=5)  # would now outrank, but not yet shown
    assert [r.issue.title for r in release.ranked_backlog(system)] == ["Middle", "Low so far"]
    _rate(system, low, 1, importance=5, avoidance=5)
    assert [r.issue.title for r in release.ranked_backlog(system)] == ["Low so far", "Middle"]


def test_one_person_re_rating_changes_nothing_shown_until_a_full_step() -> None:
    system = small_system()
    issue = services.add_issue(system, "Handovers")
    passes = _rate(system, issue, 5, importance=2, avoidance=2)
    before = _figures(_shown(system, "Handovers"))
    # One person changes their mind, again and again: still one changed rating.
    for value in (5, 1, 4):
        services.rate_issue(passes[0], issue, value, value, key())
        assert _figures(_shown(system, "Handovers")) == before
    # Three new ratings: one changed + three new = four, still below a step.
    _rate(system, issue, 3, importance=2, avoidance=2)
    assert _figures(_shown(system, "Handovers")) == before
    # A fourth new rating makes five new or changed ratings: the figures move on. The other
    # four ratings of the first step stay out from now on: with them, the new figure minus
    # the old one would be the first rating the re-rater gave.
    _rate(system, issue, 1, importance=2, avoidance=2)
    row = _shown(system, "Handovers")
    assert row.n_ratings == 5
    assert row.mean_importance == pytest.approx((4 * 2 + 4) / 5)


def test_five_people_re_rating_is_a_full_step() -> None:
    system = small_system()
    issue = services.add_issue(system, "Supervision")
    passes = _rate(system, issue, 5, importance=2, avoidance=2)
    assert _shown(system, "Supervision").mean_importance == 2
    for p in passes[:4]:
        services.rate_issue(p, issue, 4, 4, key())
    assert _shown(system, "Supervision").mean_importance == 2
    services.rate_issue(passes[4], issue, 4, 4, key())
    row = _shown(system, "Supervision")
    assert row.n_ratings == 5 and row.mean_importance == 4


def test_sector_breakdown_moves_in_steps_too() -> None:
    system = small_system()
    issue = services.add_issue(system, "Waiting lists")
    _rate(system, issue, 5, "treatment", 2, 2)
    _rate(system, issue, 5, "treatment", 3, 3)
    _rate(system, issue, 5, "prevention", 4, 4)
    _rate(system, issue, 5, "prevention", 5, 5)
    first = {
        s.name: (s.ratings, s.mean_importance) for s in _shown(system, "Waiting lists").sectors
    }
    assert first == {"Treatment": (10, 2.5), "Prevention": (10, 4.5)}
    # One more treatment rating: neither the total nor the treatment row moves.
    _rate(system, issue, 1, "treatment", 5, 5)
    row = _shown(system, "Waiting lists")
    assert row.n_ratings == 20
    assert {s.name: (s.ratings, s.mean_importance) for s in row.sectors} == first
    # Five more prevention ratings: the total has six new ratings and moves on, but the
    # treatment row (one new) must not, and prevention may not either, or
    # total − prevention − the old treatment figure would be that one treatment rating.
    _rate(system, issue, 5, "prevention", 4, 4)
    row = _shown(system, "Waiting lists")
    assert row.n_ratings == 26
    rows = {s.name: (s.ratings, s.mean_importance) for s in row.sectors}
    assert rows == first  # both from the earlier step
    # Four more treatment ratings: nothing moves (four new).
    _rate(system, issue, 4, "treatment", 2, 2)
    row = _shown(system, "Waiting lists")
    assert row.n_ratings == 26
    assert {s.name: (s.ratings, s.mean_importance) for s in row.sectors} == first
    # One more: five new, so the total and treatment move on together; the six of the last
    # step (one treatment, five prevention) stay counted only in the total.
    _rate(system, issue, 1, "treatment", 2, 2)
    row = _shown(system, "Waiting lists")
    assert row.n_ratings == 31
    rows = {s.name: (s.ratings, s.mean_importance) for s in row.sectors}
    assert rows == {"Treatment": (15, pytest.approx(35 / 15)), "Prevention": (10, 4.5)}


def test_a_re_rating_in_one_sector_does_not_move_that_sector() -> None:
    system = small_system()
    issue = services.add_issue(system, "Night shifts")
    treatment = _rate(system, issue, 5, "treatment", 2, 2)
    _rate(system, issue, 5, "treatment", 3, 3)
    _rate(system, issue, 5, "prevention", 4, 4)
    _rate(system, issue, 5, "prevention", 5, 5)
    _shown(system, "Night shifts")
    services.rate_issue(treatment[0], issue, 5, 5, key())
    _rate(system, issue, 4, "prevention", 4, 4)  # five new or changed in all: total moves on
    row = _shown(system, "Night shifts")
    # the treatment step that held the old rating stays out: 10 prevention + 5 new or changed
    assert row.n_ratings == 15
    rows = {s.name: (s.ratings, s.mean_importance) for s in row.sectors}
    assert rows["Treatment"] == (10, 2.5)  # its one changed rating is not revealed
    assert rows["Prevention"] == (10, 4.5)  # or total − prevention − old treatment = 1 rating


def _staff(client, system):
    user = get_user_model().objects.create_user("fay", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "facilitator")
    client.force_login(user)


def test_the_api_agrees_with_the_page_and_the_page_explains_the_steps(client) -> None:
    system = small_system()
    issue = services.add_issue(system, "Caseloads")
    _rate(system, issue, 5, "treatment", 2, 2)
    _staff(client, system)
    page = client.get(f"/agenda/manage/{system.slug}/").content.decode()
    assert "Figures update in steps of 5" in page
    _rate(system, issue, 1, "treatment", 5, 5)  # the sixth, not to be revealed by either
    api = client.get(f"/api/agenda/{system.slug}/backlog").json()
    page_row = _shown(system, "Caseloads")
    (api_row,) = api
    assert api_row["ratings"] == page_row.n_ratings == 5
    assert api_row["score"] == pytest.approx(page_row.score)
    assert api_row["mean_importance"] == page_row.mean_importance == 2
    assert [(s["sector"], s["ratings"]) for s in api_row["sectors"]] == [
        (s.name, s.ratings) for s in page_row.sectors
    ]
    page = client.get(f"/agenda/manage/{system.slug}/").content.decode()
    assert "<dd>5</dd>" in page and "<dd>6</dd>" not in page
    assert AvoidedIssue.objects.get(pk=issue.pk).released_figures["total"]["n"] == 5


def test_acceptance_count_moves_in_steps_too(client) -> None:
    system = small_system()
    gathering = services.create_gathering(system, "Spring gathering", DAY)
    people = [a_pass(system) for _ in range(11)]
    for p in people[:5]:
        services.accept_agreements(p, gathering, key())
    assert release.acceptances(gathering) == 5
    services.accept_agreements(people[5], gathering, key())  # who just accepted stays unknown
    assert release.acceptances(gathering) == 5
    _staff(client, system)
    page = client.get(f"/agenda/manage/{system.slug}/gatherings/{gathering.public_id}/")
    assert "At least 5 have accepted" in page.content.decode()
    for p in people[6:10]:
        services.accept_agreements(p, gathering, key())
    assert release.acceptances(gathering) == 10  # five more since 5
    services.accept_agreements(people[10], gathering, key())
    assert release.acceptances(gathering) == 10


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
    # Prevention is hidden with it: the total (19, mean importance 4.05) minus prevention's
    # 10 (mean 3) would be treatment's 9 ratings, all 5 (19 * 4.05 - 10 * 3 = 9 * 5)
    assert rows == {"Prevention": None, "Treatment": None}


def test_a_hidden_unanimous_sector_is_not_recovered_by_subtraction() -> None:
    system = small_system()
    issue = services.add_issue(system, "Issue")
    _rate(system, issue, 5, "treatment", 5, 5)  # all alike: hidden
    _rate(system, issue, 3, "prevention", 2, 3)
    _rate(system, issue, 3, "prevention", 4, 1)
    _rate(system, issue, 4, "government", 3, 2)
    _rate(system, issue, 4, "government", 1, 4)
    ranked = release.ranked_backlog(system)[0]
    rows = {s.name: s for s in ranked.sectors}
    assert ranked.n_ratings == 19 and rows["Treatment"].ratings is None
    # the attacker's subtraction: total minus every shown sector, in ratings and sums
    n, imp = ranked.n_ratings, ranked.n_ratings * ranked.mean_importance
    avo = ranked.n_ratings * ranked.mean_avoidance
    for row in rows.values():
        if row.ratings is not None:
            n -= row.ratings
            imp -= row.ratings * row.mean_importance
            avo -= row.ratings * row.mean_avoidance
    assert n > 5  # more than the hidden sector is left: a shown sector was hidden with it
    assert (round(imp / n, 6), round(avo / n, 6)) != (5.0, 5.0)
    hidden = [name for name, row in rows.items() if row.ratings is None]
    assert hidden == ["Prevention", "Treatment"]  # the smaller of the two others
