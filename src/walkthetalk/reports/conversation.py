"""What a conversation's results show and export: the result summary and the statement rows.

The JSON download and the API serve the same :class:`ResultSummary` (pydantic
reads the dataclass: :data:`RESULT_JSON`); the CSV download has one
:class:`StatementRow` per published statement, written by the one guarded CSV writer, so a
statement starting with ``=`` reaches a spreadsheet as text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from walkthetalk.conversations import selectors
from walkthetalk.conversations.models import Conversation


@dataclass(frozen=True)
class ResultSummary:
    """A conversation's last computed common ground (aggregate, small groups suppressed)."""

    id: str
    title: str
    status: str
    refreshing: bool
    state: str | None
    computed_on: dt.date | None
    results: dict[str, Any]


RESULT_JSON = TypeAdapter(ResultSummary)
"""The JSON download's writer: the API's shape, from the same dataclass."""


def result_summary(conversation: Conversation) -> ResultSummary:
    result = selectors.result_for(conversation)
    return ResultSummary(
        id=conversation.public_id,
        title=conversation.title,
        status=conversation.status,
        refreshing=conversation.refresh_pending,
        state=result.state if result else None,
        computed_on=result.computed_on if result else None,
        results=result.data if result else {},
    )


@dataclass(frozen=True)
class StatementRow:
    """One published statement: its overall votes and where it stands in the results.

    ``votes`` and the percentages are those released with the last result; percentages are
    ``None`` when fewer than the minimum group size of votes are released.
    """

    statement_id: str
    text: str
    seed: bool
    votes: int
    agree_pct: int | None
    disagree_pct: int | None
    pass_pct: int | None
    in_results: tuple[str, ...]


ROLES = (
    ("common_ground", "common ground"),
    ("common_disagreement", "shared disagreement"),
    ("divides", "divide"),
    ("uncertainty", "uncertain"),
)


def _roles(data: dict[str, Any]) -> dict[str, list[str]]:
    roles: dict[str, list[str]] = {}
    for key, label in ROLES:
        for entry in data.get(key, []):
            roles.setdefault(entry["id"], []).append(label)
    for group in data.get("groups", []):
        for entry in group["representative"]:
            roles.setdefault(entry["id"], []).append(f"representative of {group['label']}")
    return roles


def statement_rows(conversation: Conversation, data: dict[str, Any]) -> list[StatementRow]:
    """One row per published statement, oldest first, with its roles in the result ``data``.

    Vote counts and shares are the ones released with the result (its ``statement_tallies``),
    never the live counters: those move by one vote at a time. A statement published since
    the last refresh has no released figures yet (0 votes shown, shares hidden).
    """
    min_size = int(data.get("min_group_size", conversation.care_system.min_group_size))
    tallies = data.get("statement_tallies", {})
    roles = _roles(data)
    rows = []
    for s in selectors.published(conversation).order_by("pk"):
        t = tallies.get(s.public_id, {})
        seen = int(t.get("seen", 0))

        def pct(n: int, seen: int = seen) -> int | None:
            return round(100 * n / seen) if seen >= min_size else None

        rows.append(
            StatementRow(
                statement_id=s.public_id,
                text=s.text,
                seed=s.is_seed,
                votes=seen,
                agree_pct=pct(int(t.get("agree", 0))),
                disagree_pct=pct(int(t.get("disagree", 0))),
                pass_pct=pct(int(t.get("pass", 0))),
                in_results=tuple(roles.get(s.public_id, [])),
            )
        )
    return rows


@dataclass(frozen=True)
class GroupShares:
    """One opinion group's released shares of the votes on one statement (``None``: hidden)."""

    label: str
    agree_pct: int | None
    disagree_pct: int | None
    pass_pct: int | None


@dataclass(frozen=True)
class StatementGroups:
    """One published statement's votes in each opinion group."""

    statement_id: str
    text: str
    groups: tuple[GroupShares, ...]


def statement_groups(rows: list[StatementRow], data: dict[str, Any]) -> list[StatementGroups]:
    """For each of ``rows`` (in their order), its shares in every opinion group of ``data``.

    The shares are those released with the result (``statement_groups``, planned through the
    conversation's release ledger); a group whose votes on a statement were too few, or not
    released, is ``None`` — shown as hidden, never as 0. Empty for results computed before
    these figures were released.
    """
    released = data.get("statement_groups")
    if not released:
        return []
    labels = [g["label"] for g in data.get("groups", [])]
    out = []
    for row in rows:
        shares = released.get(row.statement_id, {})
        groups = []
        for label in labels:
            got = shares.get(label) or {}
            groups.append(
                GroupShares(label, got.get("agree"), got.get("disagree"), got.get("pass"))
            )
        out.append(StatementGroups(row.statement_id, row.text, tuple(groups)))
    return out


CSV_HEADER = (
    "statement_id",
    "text",
    "seed",
    "votes",
    "agree_pct",
    "disagree_pct",
    "pass_pct",
    "in_results",
)


def csv_row(row: StatementRow) -> tuple[object, ...]:
    return (
        row.statement_id,
        row.text,
        "yes" if row.seed else "no",
        row.votes,
        row.agree_pct,
        row.disagree_pct,
        row.pass_pct,
        "; ".join(row.in_results),
    )


@dataclass(frozen=True)
class GroupSummary:
    """What sets one opinion group apart, in words: its representative statements by direction.

    Shares are those released with the result (``None`` where hidden).
    """

    label: str
    size: int | None
    agrees: tuple[tuple[str, int | None], ...]
    disagrees: tuple[tuple[str, int | None], ...]


def group_summaries(data: dict[str, Any]) -> list[GroupSummary]:
    """Each opinion group of the result ``data`` with the statements it most clearly holds."""
    out = []
    for group in data.get("groups", []):
        reps = group.get("representative", [])
        out.append(
            GroupSummary(
                label=group["label"],
                size=group.get("size"),
                agrees=tuple(
                    (r["text"], r.get("share")) for r in reps if r["direction"] == "agree"
                ),
                disagrees=tuple(
                    (r["text"], r.get("share")) for r in reps if r["direction"] == "disagree"
                ),
            )
        )
    return out
