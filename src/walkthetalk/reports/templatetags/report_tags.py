"""Small template filters for report pages: numbers with a dash where there is none."""

from __future__ import annotations

import math
from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def get(mapping: Mapping[str, object] | None, key: str) -> object:
    """``mapping[key]`` or ``None``."""
    return mapping.get(key) if mapping is not None else None


@register.filter
def number(value: float | None) -> str:
    """Two decimals, or a dash where there is no number (NaN: e.g. a flat profile); an
    infinite bound as ∞ (e.g. the reliability of unit means that do not differ at all)."""
    if value is None or math.isnan(value):
        return "—"
    if math.isinf(value):
        return "−∞" if value < 0 else "∞"
    return f"{value:.2f}"


@register.filter
def signed(value: float | None) -> str:
    """A change with its sign, two decimals: +0.25, −0.10."""
    if value is None:
        return "—"
    return f"{value:+.2f}".replace("-", "−")


@register.filter
def percent(value: float | None) -> str:
    """A share as a whole percentage: 0.125 → "13%" (a dash where there is none)."""
    if value is None or math.isnan(value):
        return "—"
    return f"{100 * value:.0f}%"


@register.filter
def points(value: float | None) -> str:
    """A change of a share in percentage points, with its sign: +4 points, −12 points."""
    if value is None or math.isnan(value):
        return "—"
    rounded = round(100 * value)
    return "0 points" if rounded == 0 else f"{rounded:+d} points".replace("-", "−")
