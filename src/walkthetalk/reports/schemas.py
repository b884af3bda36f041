"""API schemas over the reports' typed rows: the API serves the rows, never re-parsed text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class AggregateOut(Schema):
    """One group's mean on one scale (:class:`walkthetalk.reports.pulse.Aggregate`)."""

    group_type: str
    group: str
    responses: int | None
    answers: int | None
    scale: str
    scale_name: str
    rule: str | None
    higher_is: str
    mean: float | None
    status: str
    not_comparable_with: list[str]
    """For a level: adjacent levels whose scores on this scale may not be compared with it."""


class ResultOut(Schema):
    """A conversation's results (:class:`walkthetalk.reports.conversation.ResultSummary`).

    The same shape is the JSON download of the results page.
    """

    id: str
    title: str
    status: str
    refreshing: bool
    state: str | None
    computed_on: dt.date | None
    results: dict[str, Any]
