"""Did it change? A conversation statement an action aims at, before and since it was linked.

*Before* is the figure copied when the aim was linked (:func:`walkthetalk.agenda.services.
link_statement`: the released result's agree count and votes, never a hidden one). *Since* is
the conversation's latest released result minus that copy — the votes released after the link
— so the two shares describe separate votes and are compared with Newcombe's interval for a
difference of two proportions (:func:`walkthetalk.analysis.pulse.share_change`). Nothing is
shown when either side has fewer votes than the minimum group size, or when the votes since all
went the same way; the reason then says so without saying which. For a *divide*, the latest
result also says whether the statement still divides the opinion groups (the engine's finding;
groups are found afresh at each refresh).

Limits (docs/method.md): a change after an action is not proof the action caused it; a vote
changed since the link counts at its latest value, and the people voting since may differ from
those before.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from walkthetalk.agenda.models import StatementTarget
from walkthetalk.analysis.pulse import ShareChange, share_change
from walkthetalk.conversations.selectors import ReleasedStatement

MORE_AGREE = "more agree"
FEWER_AGREE = "fewer agree"
NO_CLEAR_CHANGE = "no clear change"


@dataclass(frozen=True)
class StatementChange:
    """One statement aim: the figure before, the change since (or why not), and for a divide
    whether the latest result still shows it as one."""

    target_id: int
    kind: str
    conversation_title: str
    statement_ref: str
    text: str
    before_seen: int
    before_agree: int
    """Votes and agree votes as released when the aim was linked."""
    change: ShareChange | None
    still_divides: bool | None = None
    """For a divide: whether the latest released result still names it one (``None``: not
    known, e.g. the results are not ready)."""
    reason: str = ""

    @property
    def shown(self) -> bool:
        return self.change is not None and self.change.shown

    @property
    def verdict(self) -> str:
        """:data:`MORE_AGREE` or :data:`FEWER_AGREE` only when the 95% interval leaves out no
        change; :data:`NO_CLEAR_CHANGE` otherwise ("" when nothing is shown)."""
        direction = self.change.direction if self.change is not None else ""
        return {"up": MORE_AGREE, "down": FEWER_AGREE}.get(direction, direction)

    @property
    def before_share(self) -> int:
        """Whole-number percent who agreed when the aim was linked."""
        return round(100 * self.before_agree / self.before_seen)

    @property
    def since_share(self) -> int | None:
        share = self.change.share_since if self.change is not None else None
        return None if share is None else round(100 * share)

    @property
    def since_seen(self) -> int | None:
        return self.change.since[1] if self.change is not None and self.change.since else None

    @property
    def points(self) -> tuple[int, int, int] | None:
        """The change and its interval in whole percentage points."""
        c = self.change
        if c is None or c.difference is None or c.ci_low is None or c.ci_high is None:
            return None
        return round(100 * c.difference), round(100 * c.ci_low), round(100 * c.ci_high)


def statement_change(
    target: StatementTarget, now: ReleasedStatement | None, min_size: int
) -> StatementChange:
    """The change of one statement aim, from its stored *before* and the figure released now."""

    def result(change: ShareChange | None, reason: str = "") -> StatementChange:
        divides = None
        if target.kind == StatementTarget.Kind.DIVIDE and now is not None and now.tally:
            divides = now.divide
        return StatementChange(
            target.pk,
            target.kind,
            target.conversation_title,
            target.statement_ref,
            target.text,
            target.before_seen,
            target.before_agree,
            change,
            divides,
            reason,
        )

    if now is None or not now.published:
        return result(None, _("The statement is no longer published, so it is not followed."))
    if now.tally is None:
        return result(
            None,
            _(
                "The conversation's latest results show no figure for it, so the change "
                "cannot be shown."
            ),
        )
    seen, agree, _disagree = now.tally
    if seen == target.before_seen and agree == target.before_agree:
        return result(
            None,
            _(
                "No new votes on it have been shown since this step was linked; the change "
                "shows once the results include some."
            ),
        )
    change = share_change(
        (target.before_agree, target.before_seen), (agree, seen), min_size=min_size
    )
    if not change.shown:
        return result(
            None,
            _(
                "Too few different votes on it since this step was linked to show a change "
                "without risking anyone's privacy."
            ),
        )
    return result(change)
