"""Every write in the messenger, one transaction each: views, the CLI and tasks call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy

from walkthetalk.analysis.privacy import Cell, ReleaseLedger, plan_release
from walkthetalk.caremap.clock import today
from walkthetalk.caremap.errors import ServiceError
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.messenger import codes, ratelimit, selectors
from walkthetalk.messenger.models import (
    CONCERN_MAX_LENGTH,
    DEFAULT_ESCALATE_AFTER_DAYS,
    REPLY_MAX_LENGTH,
    Concern,
    LeadershipRole,
    MessengerPolicy,
    Reply,
)

REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class MessengerError(ServiceError):
    """Something that cannot be done; the message says why, in plain and kind words."""


class DuplicateRequest(MessengerError):
    """This exact form was already sent once; nothing was changed the second time."""


class CodeNotFound(MessengerError):
    """No concern opens with this code (mistyped, forged or unknown)."""


RateLimited = ratelimit.RateLimited

CODE_NOT_FOUND = gettext_lazy(
    "We could not find a concern with that receipt code. Please check it — it has four groups "
    "of five letters and numbers, like 7KQ2M-XF4RB-9HT0W-CZ3NA."
)


def _request_digest(request_key: str) -> str:
    if not REQUEST_KEY.match(request_key or ""):
        raise MessengerError(
            gettext("This form has expired. Please reload the page and try again.")
        )
    return hashlib.sha256(request_key.encode("ascii")).hexdigest()


def _clean_text(text: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise MessengerError(gettext("Please write your %(what)s before sending.") % {"what": what})
    if len(text) > limit:
        raise MessengerError(
            gettext(
                "Your %(what)s is %(n)s characters long; please keep it to %(limit)s. "
                "Nothing was sent."
            )
            % {"what": what, "n": len(text), "limit": limit}
        )
    return text


# --- set-up by stewards ------------------------------------------------------------------


@transaction.atomic
def add_leadership_role(system: CareSystem, title: str, description: str = "") -> LeadershipRole:
    title = " ".join((title or "").split())
    if not title:
        raise MessengerError("A leadership role needs a title.")
    if len(title) > 120 or len(description) > 300:
        raise MessengerError("Please keep the title to 120 and the description to 300 characters.")
    role, _ = LeadershipRole.objects.get_or_create(
        care_system=system, title=title, defaults={"description": description.strip()}
    )
    return role


def policy_for(system: CareSystem) -> MessengerPolicy:
    policy = MessengerPolicy.objects.filter(care_system=system).first()
    return policy or MessengerPolicy(
        care_system=system, escalate_after_days=DEFAULT_ESCALATE_AFTER_DAYS
    )


@transaction.atomic
def set_escalation_days(system: CareSystem, days: int) -> MessengerPolicy:
    if not 1 <= days <= 90:
        raise MessengerError("Choose between 1 and 90 days.")
    policy, _ = MessengerPolicy.objects.update_or_create(
        care_system=system, defaults={"escalate_after_days": days}
    )
    return policy


# --- the sender --------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """What the sender is shown once: the receipt code. It is not stored anywhere."""

    concern: Concern
    code: str

    @property
    def groups(self) -> list[str]:
        """The code's four groups, so a page can keep each group on one line."""
        return self.code.split("-")


def submit_concern(
    participant_pass: ParticipantPass, role_public_id: str, text: str, request_key: str
) -> Receipt:
    """Send a concern to a leadership role and hand back its receipt code (shown once).

    Nothing about the sender is written: not their participation, sector, address or the time
    of day — only the care system, the role, the text and the day. A form sent twice (same
    ``request_key``) raises :class:`DuplicateRequest` and writes nothing the second time.
    """
    digest = _request_digest(request_key)
    text = _clean_text(text, CONCERN_MAX_LENGTH, gettext("concern"))
    role = LeadershipRole.objects.filter(
        public_id=role_public_id or "", care_system_id=participant_pass.care_system_id
    ).first()
    if role is None:
        raise MessengerError(gettext("Please choose who your concern is for."))
    if Concern.objects.filter(request_key=digest).exists():
        raise DuplicateRequest(
            gettext(
                "This concern was already sent — we received it once and kept only one copy. "
                "Its receipt code was shown on the page right after you first sent it. If you "
                "did not keep it, you can send a short new concern saying it follows up an "
                "earlier one."
            )
        )
    code = codes.new_code()
    normalised = codes.normalise(code)
    assert normalised is not None
    try:
        with transaction.atomic():
            concern = Concern.objects.create(
                care_system_id=participant_pass.care_system_id,
                leadership_role=role,
                text=text,
                sent_on=today(),
                lookup=codes.lookup_key(normalised),
                code_hash=codes.slow_hash(normalised),
                request_key=digest,
            )
    except IntegrityError as exc:  # the same form raced itself
        raise DuplicateRequest(
            gettext("This concern was already sent — we received it once and kept only one copy.")
        ) from exc
    return Receipt(concern, code)


def open_concern(code: str, *, counted: bool = True) -> Concern:
    """The concern this receipt code opens; rate limited, and constant work for a wrong code.

    ``counted=False`` is only for a code this site itself kept on the sender's browser after a
    counted lookup opened it (:mod:`walkthetalk.messenger.participant_http`): a reload of the
    thread is not another guess, so it does not spend the code's lookups.

    Raises :class:`RateLimited` when lookups are paused and :class:`CodeNotFound` otherwise.
    """
    normalised = codes.normalise(code)
    if normalised is None:
        raise CodeNotFound(str(CODE_NOT_FOUND))
    if counted:
        ratelimit.check_lookup(normalised)
    concern = (
        Concern.objects.select_related("leadership_role", "care_system")
        .filter(lookup__in=codes.lookup_keys(normalised))
        .first()
    )
    if concern is None or not codes.verify(concern.code_hash, normalised):
        raise CodeNotFound(str(CODE_NOT_FOUND))
    return concern


def _add_reply(concern: Concern, side: str, text: str, digest: str) -> Reply:
    if Reply.objects.filter(request_key=digest).exists():
        raise DuplicateRequest(gettext("This reply was already sent — we kept only one copy."))
    last = concern.replies.order_by("-position").values_list("position", flat=True).first()
    try:
        with transaction.atomic():
            reply = Reply.objects.create(
                concern=concern,
                side=side,
                text=text,
                written_on=today(),
                position=(last or 0) + 1,
                request_key=digest,
            )
    except IntegrityError as exc:
        raise DuplicateRequest(
            gettext("This reply was already sent — we kept only one copy.")
        ) from exc
    return reply


@transaction.atomic
def answer_back(concern: Concern, text: str, request_key: str) -> Reply:
    """The sender writes back in their concern's thread; a resolved concern opens again.

    ``concern`` must come from :func:`open_concern`, i.e. from the receipt code.
    """
    digest = _request_digest(request_key)
    text = _clean_text(text, REPLY_MAX_LENGTH, gettext("reply"))
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    reply = _add_reply(concern, Reply.Side.SENDER, text, digest)
    if concern.resolved_on is not None:  # writing back says it is not settled for the sender
        concern.resolved_on = None
        concern.save(update_fields=["resolved_on"])
    return reply


# --- leadership --------------------------------------------------------------------------


@transaction.atomic
def reply_as_leadership(concern: Concern, text: str, request_key: str) -> Reply:
    """A leader (or, once escalated, a steward) answers; the first answer sets the reply day."""
    digest = _request_digest(request_key)
    text = _clean_text(text, REPLY_MAX_LENGTH, gettext("reply"))
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    reply = _add_reply(concern, Reply.Side.LEADERSHIP, text, digest)
    if concern.first_reply_on is None:
        concern.first_reply_on = reply.written_on
        concern.save(update_fields=["first_reply_on"])
    return reply


@transaction.atomic
def set_resolved(concern: Concern, resolved: bool) -> Concern:
    """Leadership marks a concern resolved (or open again). Resolving needs a reply from
    leadership first, so the sender reads how it was resolved; doing what is already done
    changes nothing."""
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if not resolved:
        if concern.resolved_on is not None:
            concern.resolved_on = None
            concern.save(update_fields=["resolved_on"])
        return concern
    if concern.first_reply_on is None:
        raise MessengerError(
            "Reply first: the sender reads how it was resolved only through a reply. "
            "The concern is still open."
        )
    if concern.resolved_on is None:
        concern.resolved_on = max(today(), concern.first_reply_on)
        concern.save(update_fields=["resolved_on"])
    return concern


@transaction.atomic
def escalate_concerns(on: dt.date | None = None) -> int:
    """Escalate to the stewards every concern still unanswered after its care system's days.

    A concern sent on day ``s`` in a system that escalates after ``n`` days escalates on any
    day ``d`` with ``d - s >= n`` while it has no reply from leadership. Each concern escalates
    once; the day is recorded. Returns how many were escalated now.
    """
    on = on or today()
    escalated = 0
    for system in CareSystem.objects.filter(concerns__first_reply_on__isnull=True).distinct():
        days = policy_for(system).escalate_after_days
        escalated += Concern.objects.filter(
            care_system=system,
            first_reply_on__isnull=True,
            escalated_to=Concern.Escalation.NONE,
            sent_on__lte=on - dt.timedelta(days=days),
        ).update(escalated_to=Concern.Escalation.STEWARD, escalated_on=on)
    return escalated


# --- response-time figures (privacy ledger) --------------------------------------------------


@dataclass(frozen=True)
class ReleasedConcernFigures:
    """Counts and the mean delay as they may be shown now; ``None`` where held back."""

    total: int | None
    answered: int | None
    waiting: int | None
    mean_days_to_first_reply: float | None
    answered_within: int | None
    share_answered_within: float | None
    escalated: int | None


def _state(first_reply_on: dt.date | None, escalated_to: str, sent_on: dt.date, within: int) -> str:
    if first_reply_on is None:
        answered = "waiting"
    else:
        answered = "in_time" if (first_reply_on - sent_on).days <= within else "later"
    return f"{answered}/{'escalated' if escalated_to else 'not'}"


@transaction.atomic
def release_response_figures(system: CareSystem, within: int) -> ReleasedConcernFigures:
    """Decide, record and return the response-time figures that may be shown now.

    Every count is a cell of concerns planned with
    :func:`~walkthetalk.analysis.privacy.plan_release` against the care system's ledger, all in
    one release (so answered, waiting, in time, later and escalated cannot be combined to single
    out fewer than the minimum group size). A concern's contribution carries its state, so when
    it is answered or escalated it counts as a new contribution: figures move in steps of at
    least the minimum group size. The mean delay is over the released answered concerns.
    """
    MessengerPolicy.objects.get_or_create(care_system=system)
    policy = MessengerPolicy.objects.select_for_update().get(care_system=system)
    m = system.min_group_size
    rows = list(
        Concern.objects.filter(care_system=system).values_list(
            "id", "sent_on", "first_reply_on", "escalated_to"
        )
    )
    state = {str(pk): _state(reply, esc, sent, within) for pk, sent, reply, esc in rows}
    delay = {str(pk): (reply - sent).days for pk, sent, reply, _ in rows if reply is not None}
    who = {pk: (pk, s) for pk, s in state.items()}  # a contribution is a concern in a state

    def cell(key: str, test: Callable[[str], bool]) -> Cell:
        return Cell.of(key, (who[pk] for pk, s in state.items() if test(s)))

    cells = [
        cell("total", lambda s: True),
        cell("answered", lambda s: not s.startswith("waiting")),
        cell("waiting", lambda s: s.startswith("waiting")),
        cell("in_time", lambda s: s.startswith("in_time")),
        cell("later", lambda s: s.startswith("later")),
        cell("escalated", lambda s: s.endswith("/escalated")),
        cell("not_escalated", lambda s: s.endswith("/not")),
    ]
    ledger = (
        ReleaseLedger.from_dict(policy.figures_ledger)
        if policy.figures_ledger
        else ReleaseLedger(wave=f"messenger:{system.pk}", min_size=m)
    )
    plan = plan_release(cells, m, ledger=ledger, partial=True)
    stored = ledger.record(plan).to_dict()
    if stored != policy.figures_ledger:
        policy.figures_ledger = stored
        policy.save(update_fields=["figures_ledger"])

    def n(key: str) -> int | None:
        decision = plan.decision(key)
        return len(decision.contributors) if decision.released else None

    answered = plan.decision("answered").contributors
    delays = [delay[str(who[0])] for who in answered if isinstance(who, tuple)]
    in_time = len(plan.decision("in_time").contributors)
    later = len(plan.decision("later").contributors)
    # the share only when the answered concerns shown are exactly those in time plus later
    share = in_time / len(answered) if answered and in_time + later == len(answered) else None
    return ReleasedConcernFigures(
        total=n("total"),
        answered=n("answered"),
        waiting=n("waiting"),
        mean_days_to_first_reply=sum(delays) / len(delays) if delays else None,
        answered_within=n("in_time"),
        share_answered_within=share,
        escalated=n("escalated"),
    )


@dataclass(frozen=True)
class ResponseFigures:
    """Response-time figures for leaders; every one is None unless the privacy rules allow it.

    ``within_days`` is the care system's escalation time: the share answered within it.
    """

    total: int | None
    answered: int | None
    waiting: int | None
    mean_days_to_first_reply: float | None
    within_days: int
    answered_within: int | None
    share_answered_within: float | None
    escalated: int | None
    min_group_size: int

    @property
    def shown(self) -> bool:
        """Whether there are enough concerns for any figure at all (zero shows none either)."""
        return self.total is not None and self.total >= self.min_group_size


def response_figures(system: CareSystem, on: dt.date) -> ResponseFigures:
    """Mean days to a first reply and the share answered in time, as may be shown now.

    Released through :func:`release_response_figures` (one
    release of every count against the care system's ledger: steps of the minimum group size).
    ``on`` is kept for callers; the figures describe every concern so far.
    """
    within = selectors.escalate_after_days(system)
    f = release_response_figures(system, within)
    return ResponseFigures(
        total=f.total,
        answered=f.answered,
        waiting=f.waiting,
        mean_days_to_first_reply=f.mean_days_to_first_reply,
        within_days=within,
        answered_within=f.answered_within,
        share_answered_within=f.share_answered_within,
        escalated=f.escalated,
        min_group_size=system.min_group_size,
    )
