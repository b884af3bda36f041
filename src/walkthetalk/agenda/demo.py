"""Demo content for the agenda: a rated backlog, a gathering with decisions and follow-up."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.db import transaction

from walkthetalk.agenda import services
from walkthetalk.agenda.models import ActionItem, AvoidedIssue, Gathering, StatementTarget
from walkthetalk.caremap import clock
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.conversations import selectors as conversation_selectors

ISSUES: tuple[tuple[str, str, int, int], ...] = (
    # title, details, typical importance, typical avoidance
    (
        "Staff burnout is treated as a personal problem, not a system one",
        "We offer self-care workshops but never talk about caseloads or staffing.",
        5,
        5,
    ),
    (
        "Harm reduction and abstinence-based programs don't trust each other",
        "Referrals stall because each side quietly doubts the other's approach.",
        5,
        4,
    ),
    (
        "Funding rules drive services more than the people we serve do",
        "",
        4,
        4,
    ),
    (
        "Peer staff are asked for input after decisions are already made",
        "",
        4,
        5,
    ),
    ("Our own trauma histories at work are never acknowledged", "", 4, 5),
    ("Data we report is rarely shared back with the teams who collect it", "", 3, 3),
    ("Nobody owns the hand-off between residential and outpatient care", "", 4, 3),
    (
        "We only talk about mistakes when something has gone badly wrong",
        "Near misses are kept quiet, so the same things happen again.",
        5,
        5,
    ),
)


def _pass(system: CareSystem, sector_slug: str) -> ParticipantPass:
    sector = system.sectors.get(slug=sector_slug)
    # An open-link pass: backlog ratings keep only the sector a participant declares.
    return caremap_services.open_pass(system, sector)


RECENT_GATHERING = "Northhaven all-sector gathering"
EARLIER_GATHERING = "Northhaven gathering on learning from mistakes"


@transaction.atomic
def seed_demo(system: CareSystem, seed: int = 11) -> None:
    """Give the demo care system a rated backlog, a gathering and follow-up (idempotent).

    The issue of the earlier loop (:func:`seed_earlier_loop`, seeded before the pulse waves so
    the autumn pulse can ask whether its step helped) is kept and rated with the others."""
    if Gathering.objects.filter(care_system=system, title=RECENT_GATHERING).exists():
        return
    rng = random.Random(seed)
    existing = {i.title: i for i in AvoidedIssue.objects.filter(care_system=system)}
    issues = [
        existing.get(title)
        or services.raise_issue(
            _pass(system, "treatment"), title, details, secrets.token_urlsafe(24)
        )
        for title, details, _, _ in ISSUES
    ]
    sectors = ["treatment"] * 8 + ["recovery-community"] * 6 + ["harm-reduction"] * 5
    sectors += ["prevention"] * 3 + ["government"] * 2
    raters = [_pass(system, slug) for slug in sectors]
    for issue, (_, _, importance, avoidance) in zip(issues, ISSUES, strict=True):
        for rater in raters:
            if rng.random() < 0.15:
                continue

            def jitter(base: int) -> int:
                return max(1, min(5, base + rng.choice([-1, 0, 0, 0, 1])))

            services.rate_issue(
                rater, issue, jitter(importance), jitter(avoidance), secrets.token_urlsafe(24)
            )
    today = clock.today()
    gathering = services.create_gathering(
        system,
        RECENT_GATHERING,
        today - dt.timedelta(days=21),
        place="Cedar County Library, community room",
    )
    for rater in raters[:12]:
        services.accept_agreements(rater, gathering, secrets.token_urlsafe(24))
    burnout = services.add_to_agenda(gathering, issues[0])
    services.record_item(
        burnout,
        "Many spoke of covering vacancies for months. Supervisors feel it as much as direct care.",
        "Caseload limits become a standing item at leadership meetings.",
    )
    done = services.add_action_item(
        burnout,
        "Protect weekly supervision hours in every program",
        "Leader",
        today - dt.timedelta(days=7),
        remeasure_ref="Spring workforce pulse",
    )
    services.update_action_item(
        done,
        status=ActionItem.Status.DONE,
        progress=100,
        follow_up="Supervision hours are now blocked in every program's schedule.",
        remeasure_ref="Spring workforce pulse",
    )
    services.link_target(done, "strain")  # being measured again in this year's open pulse
    _link_supervision_statement(system, done)
    services.add_action_item(
        burnout,
        "Publish caseload numbers by program each quarter",
        "Steward",
        today + dt.timedelta(days=30),
        status=ActionItem.Status.IN_PROGRESS,
        progress=40,
    )
    trust = services.add_to_agenda(gathering, issues[1])
    services.record_item(
        trust,
        "Both sides described the same people and the same goals in different words.",
        "Hold a cross-sector conversation about referral pathways.",
    )
    services.add_action_item(
        trust,
        "Open a conversation on referrals between harm reduction and treatment",
        "Facilitator",
        today + dt.timedelta(days=14),
        status=ActionItem.Status.STUCK,
        progress=10,
        remeasure_ref="Referral pathways conversation",
    )


SUPERVISION_STATEMENT = "Supervisors have the time and support to support their teams."


def _link_supervision_statement(system: CareSystem, action: ActionItem) -> None:
    """Aim the supervision step at the demo conversation's statement about supervisors (as a
    divide when the results show it as one), copying the figure shown now; the demo's next
    step adds the votes cast since (:func:`walkthetalk.conversations.demo.seed_votes_since`)."""
    for ref, _title, text in conversation_selectors.statements_with_figures(system):
        if text == SUPERVISION_STATEMENT:
            found = conversation_selectors.released_statement(ref)
            divide = found is not None and found.divide
            kind = StatementTarget.Kind.DIVIDE if divide else StatementTarget.Kind.STATEMENT
            services.link_statement(action, ref, kind)
            return


@transaction.atomic
def seed_earlier_loop(system: CareSystem) -> None:
    """A loop already closed (idempotent): a gathering between last spring's and last autumn's
    pulses took up an avoided issue, agreed a step, did it, and linked it to what it aims to
    change. Seeded before the pulse waves, so the autumn pulse measures the change and asks
    participants whether the step helped."""
    if Gathering.objects.filter(care_system=system, title=EARLIER_GATHERING).exists():
        return
    today = clock.today()
    title, details, _, _ = ISSUES[-1]
    issue = AvoidedIssue.objects.filter(care_system=system, title=title).first()
    if issue is None:
        issue = services.raise_issue(
            _pass(system, "treatment"), title, details, secrets.token_urlsafe(24)
        )
    gathering = services.create_gathering(
        system,
        EARLIER_GATHERING,
        today - dt.timedelta(days=220),
        place="Riverside Community Center",
    )
    item = services.add_to_agenda(gathering, issue)
    services.record_item(
        item,
        "People said near misses are kept quiet for fear of blame, at every level.",
        "Every team holds a short debrief after hard moments, led by whoever is on shift.",
    )
    step = services.add_action_item(
        item,
        "Hold a short debrief after critical incidents and near misses in every team",
        "Supervisor",
        today - dt.timedelta(days=190),
        remeasure_ref="Autumn pulse",
    )
    services.update_action_item(
        step,
        status=ActionItem.Status.DONE,
        progress=100,
        follow_up="Debriefs started in every team; a one-page guide is in each program office.",
        remeasure_ref="Autumn pulse",
    )
    services.link_target(step, "talk")
    services.link_target(step, "mistakes")
