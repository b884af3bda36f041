"""The agenda part of the HTTP API (django-ninja), mounted under /api/agenda/.

Staff only (session sign-in). Every figure is the one the pages show, already passed through
the privacy rules: a held-back figure is ``null``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from walkthetalk.agenda import release, selectors
from walkthetalk.agenda.access import FACILITATORS
from walkthetalk.agenda.statement_change import StatementChange
from walkthetalk.caremap.access import access_care_system
from walkthetalk.pulse.effects import MeasuredChange, ParticipantsVerdict

router = Router(tags=["agenda"], auth=django_auth)


class SectorOut(Schema):
    sector: str
    ratings: int | None
    mean_importance: float | None
    mean_avoidance: float | None


class IssueOut(Schema):
    id: str
    title: str
    status: str
    raised_on: dt.date
    ratings: int | None
    score: float | None
    mean_importance: float | None
    mean_avoidance: float | None
    sectors: list[SectorOut]


class AimOut(Schema):
    """What an action aims to change and its measured change (``null`` where not shown)."""

    scale: str
    scale_name: str
    place: str
    before: str
    after: str
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str
    reason: str


class UnitVerdictOut(Schema):
    unit: str
    answered: int
    helped: int | None
    share_helped: float | None
    ci_low: float | None
    ci_high: float | None


class VerdictOut(Schema):
    """What participants said when a pulse asked "Did '<step>' help?" (``null`` figures where
    not shown: the wave is open, too few answered, or the answers were all the same)."""

    wave: str
    answered: int | None
    helped: int | None
    share_helped: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str
    reason: str
    scope: str
    """"units" when ``by_unit`` holds the verdict for every unit the step aims at; "wave" when
    the figure is for the whole wave only (too few answers, or a whole-system step)."""
    by_unit: list[UnitVerdictOut]


class StatementAimOut(Schema):
    """A conversation statement an action aims at: the share who agreed when it was linked,
    among the votes since, the difference (since minus before, as a proportion) and its 95%
    Newcombe interval (``null`` where not shown; ``reason`` says why)."""

    kind: str
    conversation: str
    statement: str
    text: str
    before_votes: int
    before_share_agree: float
    since_votes: int | None
    since_share_agree: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str
    still_divides: bool | None
    reason: str


class ActionOut(Schema):
    id: str
    issue: str
    gathering: str
    step: str
    owner_role: str
    due_on: dt.date
    status: str
    progress: int
    follow_up: str
    remeasure_ref: str
    aims: list[AimOut]
    statements: list[StatementAimOut]
    participants: VerdictOut | None


@router.get("/{slug}/backlog", response=list[IssueOut])
def backlog(request: HttpRequest, slug: str) -> list[IssueOut]:
    """The ranked avoided-issues backlog with its sector breakdown (facilitators, stewards)."""
    system = access_care_system(request.user, slug, *FACILITATORS)
    return [
        IssueOut(
            id=row.issue.public_id,
            title=row.issue.title,
            status=row.issue.status,
            raised_on=row.issue.raised_on,
            ratings=row.n_ratings,
            score=row.score,
            mean_importance=row.mean_importance,
            mean_avoidance=row.mean_avoidance,
            sectors=[
                SectorOut(
                    sector=s.name,
                    ratings=s.ratings,
                    mean_importance=s.mean_importance,
                    mean_avoidance=s.mean_avoidance,
                )
                for s in row.sectors
            ],
        )
        for row in release.ranked_backlog(system)
    ]


@router.get("/{slug}/actions", response=list[ActionOut])
def actions(request: HttpRequest, slug: str) -> list[ActionOut]:
    """Every action item ("one step forward") with its follow-up: "You said, we did"."""
    system = access_care_system(request.user, slug)
    return [
        ActionOut(
            id=a.public_id,
            issue=group.issue.title,
            gathering=group.gathering.title,
            step=a.step,
            owner_role=a.owner_role,
            due_on=a.due_on,
            status=a.status,
            progress=a.progress,
            follow_up=a.follow_up,
            remeasure_ref=a.remeasure_ref,
            aims=[_aim(t.measured) for t in outcome.targets],
            statements=[_statement_aim(s) for s in outcome.statements],
            participants=_verdict(outcome.verdict) if outcome.verdict else None,
        )
        for group in selectors.you_said_we_did(system.pk)
        for outcome in group.outcomes
        for a in (outcome.action,)
    ]


def _verdict(p: ParticipantsVerdict) -> VerdictOut:
    v = p.verdict if p.shown else None
    return VerdictOut(
        wave=p.wave,
        answered=v.n if v else None,
        helped=v.helped if v else None,
        share_helped=v.share if v else None,
        ci_low=v.ci_low if v else None,
        ci_high=v.ci_high if v else None,
        verdict=p.word if v else "",
        reason=p.reason,
        scope=p.scope,
        by_unit=[
            UnitVerdictOut(
                unit=name,
                answered=u.n,
                helped=u.helped,
                share_helped=u.share,
                ci_low=u.ci_low,
                ci_high=u.ci_high,
            )
            for name, u in p.by_unit
        ],
    )


def _statement_aim(s: StatementChange) -> StatementAimOut:
    c = s.change if s.shown else None
    return StatementAimOut(
        kind=s.kind,
        conversation=s.conversation_title,
        statement=s.statement_ref,
        text=s.text,
        before_votes=s.before_seen,
        before_share_agree=s.before_agree / s.before_seen,
        since_votes=s.since_seen if c else None,
        since_share_agree=c.share_since if c else None,
        difference=c.difference if c else None,
        ci_low=c.ci_low if c else None,
        ci_high=c.ci_high if c else None,
        verdict=s.verdict,
        still_divides=s.still_divides,
        reason=s.reason,
    )


def _aim(m: MeasuredChange) -> AimOut:
    c = m.change
    return AimOut(
        scale=m.scale_id,
        scale_name=m.scale_name,
        place=m.place,
        before=m.before,
        after=m.after,
        difference=c.difference if c else None,
        ci_low=c.ci_low if c else None,
        ci_high=c.ci_high if c else None,
        verdict=m.verdict,
        reason=m.reason,
    )
