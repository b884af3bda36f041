"""The report tables' number filter: two decimals, a dash for no number, ∞ for an infinite
bound."""

from __future__ import annotations

import pytest

from walkthetalk.reports.templatetags.report_tags import number


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.125, "0.12"),
        (-1.0, "-1.00"),
        (None, "—"),
        (float("nan"), "—"),
        (float("-inf"), "−∞"),
        (float("inf"), "∞"),
    ],
)
def test_number(value: float | None, shown: str) -> None:
    assert number(value) == shown
