"""Demo content for the messenger: leadership roles and a realistic set of concerns.

One demo concern opens with the published code :data:`DEMO_CODE`, so anyone trying the demo
can read a thread and write back. Real codes are always random (see :mod:`.codes`).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction

from walkthetalk.caremap import clock
from walkthetalk.caremap.models import CareSystem
from walkthetalk.messenger import codes, services
from walkthetalk.messenger.models import Concern, Reply

DEMO_CODE = "DEM0A-NHVN0-REC0V-ERY00"

ROLES = (
    ("Director of Behavioral Health", "The state's behavioral health director and office."),
    ("Clinical Director, Treatment Services", "Clinical leadership across treatment programs."),
    ("Recovery Community Liaison", "Leadership link for peers and recovery organizations."),
)

# (role index, days ago sent, days to first reply or None, concern, replies)
CONCERNS: tuple[tuple[int, int, int | None, str, tuple[str, ...]], ...] = (
    (
        1,
        48,
        3,
        "Our caseloads went up again this quarter and supervision keeps getting cancelled. "
        "People are quietly burning out and nobody says it out loud in team meetings.",
        (
            "Thank you for naming this. We are protecting supervision hours from next month and "
            "reviewing caseload limits with program managers. We will report back here.",
        ),
    ),
    (
        0,
        41,
        5,
        "Reporting requirements for the new grant duplicate what we already send the county. "
        "It takes hours away from people we serve every week.",
        (
            "You are right that the two reports overlap. We have asked the county to accept one "
            "combined report and will share the answer at the next gathering.",
        ),
    ),
    (
        2,
        35,
        2,
        "Peer staff are invited to planning meetings but decisions seem made beforehand. "
        "It feels like a box being ticked.",
        (
            "This is hard to hear and important. From now on agendas go out a week ahead and "
            "peer members co-chair the planning group.",
            "Thank you. Co-chairing would make a real difference.",
        ),
    ),
    (
        1,
        27,
        6,
        "Night staff don't get the same training opportunities as day staff.",
        ("We are recording the trainings and adding two evening sessions each quarter.",),
    ),
    (
        0,
        20,
        4,
        "Harm reduction partners are still described as 'enabling' in some meetings. It "
        "undermines trust across our sectors.",
        (
            "Thank you for raising it. We will open the next all-sector gathering with our shared "
            "agreements and invite harm reduction partners to present their outcomes.",
        ),
    ),
    (
        1,
        12,
        1,
        "When someone leaves, their clients are spread across the team with no extra time.",
        ("We hear you. A transition plan template is being drafted with the team leads.",),
    ),
    (
        0,
        30,
        2,
        "Could leadership explain how the new productivity targets were set?",
        ("They came from the funding contract; we will share the full method at the gathering.",),
    ),
    (
        2,
        24,
        3,
        "Peer specialists are paid less than the job description suggests.",
        ("We are reviewing peer pay bands with HR and will publish the result.",),
    ),
    (
        1,
        16,
        1,
        "The new records system logs us out mid-note and we lose work.",
        ("Thank you. The timeout has been raised to 30 minutes from this week.",),
    ),
    (
        0,
        9,
        2,
        "Staff who raise safety issues are sometimes labelled as negative.",
        ("That should never happen. We will take this to the next leadership meeting.",),
    ),
    (2, 14, None, "Recovery housing waitlists are long and we have no clear way to escalate.", ()),
    (1, 11, None, "Our intake team has had no break room since the move.", ()),
    (0, 5, None, "Please share what happened with last year's workforce survey results.", ()),
    (1, 4, None, "Evening groups end after the last bus, so some people stop coming.", ()),
    (2, 2, None, "Could peers be trained to give naloxone at every site?", ()),
)


@transaction.atomic
def seed_demo(system: CareSystem) -> None:
    """Give the demo care system leadership roles and a thread of concerns (idempotent)."""
    roles = [services.add_leadership_role(system, title, text) for title, text in ROLES]
    if Concern.objects.filter(care_system=system).exists():
        return
    today = clock.today()
    for index, (role_index, ago, reply_after, text, replies) in enumerate(CONCERNS):
        code = DEMO_CODE if index == 0 else codes.new_code()
        normalised = codes.normalise(code)
        assert normalised is not None
        sent_on = today - dt.timedelta(days=ago)
        concern = Concern.objects.create(
            care_system=system,
            leadership_role=roles[role_index],
            text=text,
            sent_on=sent_on,
            lookup=codes.lookup_key(normalised),
            code_hash=codes.slow_hash(normalised),
            request_key=hashlib.sha256(f"demo-{index}".encode()).hexdigest(),
            first_reply_on=sent_on + dt.timedelta(days=reply_after) if reply_after else None,
        )
        for position, reply in enumerate(replies, start=1):
            Reply.objects.create(
                concern=concern,
                side=Reply.Side.LEADERSHIP if position % 2 else Reply.Side.SENDER,
                text=reply,
                written_on=concern.first_reply_on or sent_on,
                position=position,
                request_key=hashlib.sha256(f"demo-{index}-{position}".encode()).hexdigest(),
            )
    services.escalate_concerns(today)
