"""Demo content: a conversation in the demo care system with votes from anonymous participants."""

from __future__ import annotations

import random
import secrets

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import CareSystem
from walkthetalk.conversations import services, tasks
from walkthetalk.conversations.models import Conversation, Statement

DEMO_TITLE = "What do we avoid talking about across our system of care?"
DEMO_QUESTION = (
    "Across funders, agencies, programs and the people we serve: what gets in the way of "
    "doing our best work together, and where could we take one step forward?"
)
# (statement, lean): lean > 0 is favoured by the "front line" opinion group, < 0 by the
# "system" group, 0 by everyone alike.
DEMO_STATEMENTS: tuple[tuple[str, float], ...] = (
    ("Paperwork and reporting take time away from the people we serve.", 0.2),
    ("Our funders listen when we tell them what is not working.", -0.9),
    ("Direct care staff should have a say in how programs are designed.", 0.8),
    ("Burnout in our workforce is treated as a personal problem, not a system one.", 0.7),
    ("Agencies compete for funding when we would do better sharing it.", 0.5),
    ("People in recovery should sit at every table where decisions are made.", 0.0),
    ("Our current outcome measures capture what really matters.", -0.8),
    ("Harm reduction and treatment programs work well together here.", -0.4),
    ("We rarely talk openly about mistakes, even when we learn from them.", 0.3),
    ("Supervisors have the time and support to support their teams.", -0.7),
    ("Everyone here wants the people we serve to heal and thrive.", 0.0),
    ("Leadership decisions are explained to the people they affect.", -0.6),
    ("Pay for direct care work reflects how hard and important it is.", -0.2),
    ("I feel safe raising a concern with my leadership.", -0.5),
    ("We need regular time to talk across sectors, not only in a crisis.", 0.0),
)
DEMO_PARTICIPANTS = 36


def seed_demo(system: CareSystem) -> None:
    """Idempotent: one demo conversation with votes and computed results."""
    if Conversation.objects.filter(care_system=system, title=DEMO_TITLE).exists():
        return
    conversation = services.create_conversation(
        system,
        DEMO_TITLE,
        question=DEMO_QUESTION,
        seed_statements=[text for text, _ in DEMO_STATEMENTS],
        moderation=Conversation.Moderation.BEFORE,
    )
    lean = {text: value for text, value in DEMO_STATEMENTS}
    statements = list(conversation.statements.all())
    sectors = list(system.sectors.all())
    rng = random.Random(20_26)
    for i in range(DEMO_PARTICIPANTS):
        side = 1.0 if i % 3 else -1.0  # two opinion groups, two to one
        sector = sectors[i % len(sectors)] if sectors else None
        participant_pass = caremap_services.open_pass(system, sector)
        services.accept_agreements(conversation, participant_pass)
        for statement in rng.sample(statements, k=rng.randint(9, len(statements))):
            tilt = 0.75 if lean[statement.text] == 0 else side * lean[statement.text]
            draw = rng.random()
            choice = (
                "agree"
                if draw < 0.5 + tilt / 2 - 0.05
                else "pass"
                if draw < 0.6 + tilt / 2
                else "disagree"
            )
            services.cast_vote(
                conversation,
                participant_pass,
                statement.public_id,
                choice,
                secrets.token_urlsafe(16),
            )
        if i == 4:
            services.submit_statement(
                conversation,
                participant_pass,
                "Peer recovery coaches should be paid like the professionals they are.",
            )
        if i == 7:
            services.ask_clarification(
                conversation,
                participant_pass,
                statements[6].public_id,
                "Which outcome measures — the state's or our own?",
            )
    asked = Statement.objects.get(pk=statements[6].pk)
    services.clarify_statement(
        asked, "The measures our funders ask us to report each quarter (for example, retention)."
    )
    tasks.refresh(conversation.pk)


SUPERVISION_STATEMENT = "Supervisors have the time and support to support their teams."
LATER_PARTICIPANTS = 20


def seed_votes_since(system: CareSystem) -> None:
    """Idempotent: people who join the demo conversation after the gathering (whose step
    "protect weekly supervision hours" aims at the supervision statement) vote, mostly agreeing
    with it now, and the results are refreshed — so "You said, we did" can show the change."""
    conversation = Conversation.objects.filter(care_system=system, title=DEMO_TITLE).first()
    if conversation is None or conversation.participants.count() > DEMO_PARTICIPANTS:
        return
    statement = conversation.statements.get(text=SUPERVISION_STATEMENT)
    published = conversation.statements.filter(status=Statement.Status.PUBLISHED)
    others = list(published.exclude(pk=statement.pk).order_by("pk"))
    sectors = list(system.sectors.all())
    rng = random.Random(20_27)
    for i in range(LATER_PARTICIPANTS):
        sector = sectors[i % len(sectors)] if sectors else None
        participant_pass = caremap_services.open_pass(system, sector)
        services.accept_agreements(conversation, participant_pass)
        draw = rng.random()
        choice = "agree" if draw < 0.72 else "pass" if draw < 0.8 else "disagree"
        key = secrets.token_urlsafe(16)
        services.cast_vote(conversation, participant_pass, statement.public_id, choice, key)
        for other in rng.sample(others, k=4):
            choice = rng.choice(["agree", "agree", "pass", "disagree"])
            key = secrets.token_urlsafe(16)
            services.cast_vote(conversation, participant_pass, other.public_id, choice, key)
    tasks.refresh(conversation.pk)


def seed_topics(system: CareSystem) -> None:
    """Idempotent: find the topics of the demo's published statements and backlog issues now,
    as the worker's hourly round would, so the results page and the backlog show them from the
    first start (the round then recomputes them only when a text changes)."""
    tasks.refresh_topics_of(system)
