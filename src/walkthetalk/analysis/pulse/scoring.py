"""Scale scores from item responses: reverse keying and the missing-data rule.

Responses are plain data: a mapping from item id to a 1-D array (one value per response, NaN or
``None`` where an item was not answered — "prefer not to say" — and :data:`NOT_APPLICABLE`
where the participant said the item does not apply). Both count as unanswered for scoring; they
are told apart by :func:`item_nonresponse`.

Every scale score is the mean of the answered items after reverse keying, provided at least
``scale.min_answered`` items were answered (by default half of the scale's items, rounded up)
and, for a scale with ``both_keyings``, at least one item of each keying among them; otherwise
the score is NaN. A ``scoring: count`` scale scores how many items were answered at or above
``count_at_least``, scaled to the scale's full number of items when some were unanswered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .instrument import Instrument, Scale

FloatArray = NDArray[np.float64]
ResponseColumn = ArrayLike | Sequence[float | None] | Sequence[object]
"""One item's answers, one per response; NaN or ``None`` where not answered."""
Responses = Mapping[str, ResponseColumn]


NOT_APPLICABLE = "na"
"""Stored answer for "does not apply" (kept apart from ``None``, "prefer not to say")."""


class ResponseError(ValueError):
    """Responses that do not fit the instrument (unknown item, value not among the options)."""


def reverse_key(values: ArrayLike, low: float, high: float) -> FloatArray:
    """Turn answers around on a ``low``..``high`` scale: ``low + high - x`` (NaN stays NaN)."""
    x = np.asarray(values, dtype=float)
    return (low + high) - x


def _column(responses: Responses, item_id: str, n: int | None) -> FloatArray:
    raw = responses.get(item_id)
    if raw is None:
        if n is None:
            raise ResponseError(f"no responses for item {item_id!r}")
        return np.full(n, np.nan)
    col = np.asarray(
        [
            np.nan if v is None or isinstance(v, str) and v == NOT_APPLICABLE else v
            for v in np.asarray(raw, dtype=object).ravel()
        ],
        dtype=float,
    )
    return col


def _n_responses(responses: Responses) -> int:
    lengths = {k: len(np.asarray(v, dtype=object).ravel()) for k, v in responses.items()}
    if not lengths:
        return 0
    if len(set(lengths.values())) > 1:
        raise ResponseError(f"items have different numbers of responses: {lengths}")
    return next(iter(lengths.values()))


def validate_responses(instrument: Instrument, responses: Responses) -> int:
    """Check item ids and values against ``instrument``; return the number of responses."""
    n = _n_responses(responses)
    known = set(instrument.item_ids)
    unknown = sorted(set(responses) - known)
    if unknown:
        raise ResponseError(
            f"{instrument.source}: responses for unknown item(s) {', '.join(unknown)}"
        )
    for item_id in responses:
        scale = instrument.scale_of(item_id)
        allowed = np.array([o.value for o in instrument.options_for(scale)])
        col = _column(responses, item_id, n)
        answered = col[~np.isnan(col)]
        bad = answered[~np.isin(answered, allowed)]
        if bad.size:
            raise ResponseError(
                f"{instrument.source}: item {item_id!r} has value(s) "
                f"{sorted(set(bad.tolist()))} not among the response options "
                f"{allowed.tolist()}"
            )
    return n


def keyed_items(instrument: Instrument, scale: Scale | str, responses: Responses) -> FloatArray:
    """A responses × items matrix for one scale, reverse-keyed items already turned around."""
    sc = instrument.scale(scale) if isinstance(scale, str) else scale
    n = _n_responses(responses)
    options = instrument.options_for(sc)
    low, high = options[0].value, options[-1].value
    cols = []
    for item in sc.items:
        col = _column(responses, item.id, n)
        cols.append(reverse_key(col, low, high) if item.reverse else col)
    return np.column_stack(cols) if cols else np.empty((n, 0))


def score_rows(items: ArrayLike, min_answered: int = 1) -> FloatArray:
    """Row means of answered (non-NaN) values; NaN where fewer than ``min_answered`` answered."""
    x = np.atleast_2d(np.asarray(items, dtype=float))
    answered = (~np.isnan(x)).sum(axis=1)
    sums = np.nansum(x, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / answered
    return np.where(answered >= max(min_answered, 1), means, np.nan)


def score_scale(instrument: Instrument, scale: Scale | str, responses: Responses) -> FloatArray:
    """Scale scores, one per response (NaN where too few items were answered)."""
    sc = instrument.scale(scale) if isinstance(scale, str) else scale
    items = keyed_items(instrument, sc, responses)
    answered = ~np.isnan(items)
    if sc.scoring == "count" and sc.count_at_least is not None:
        hits = np.where(answered, items >= sc.count_at_least, False).sum(axis=1)
        n_answered = answered.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = hits * len(sc.items) / n_answered
        return np.where(n_answered >= max(sc.min_answered, 1), scores, np.nan)
    scores = score_rows(items, sc.min_answered)
    if sc.both_keyings:
        reverse = np.array([item.reverse for item in sc.items])
        both = answered[:, reverse].any(axis=1) & answered[:, ~reverse].any(axis=1)
        scores = np.where(both, scores, np.nan)
    return scores


def score_scales(
    instrument: Instrument, responses: Responses, *, validate: bool = True
) -> dict[str, FloatArray]:
    """Scores for every scale of ``instrument``: ``{scale_id: array of scores}``."""
    if validate:
        validate_responses(instrument, responses)
    return {sc.id: score_scale(instrument, sc, responses) for sc in instrument.scales}


def item_nonresponse(
    instrument: Instrument, responses: Responses
) -> dict[str, tuple[int, int, int]]:
    """Per item: (answered, preferred not to say, said it does not apply) counts."""
    n = _n_responses(responses)
    out: dict[str, tuple[int, int, int]] = {}
    for item_id in instrument.item_ids:
        raw = responses.get(item_id)
        values = list(np.asarray(raw, dtype=object).ravel()) if raw is not None else [None] * n
        na = sum(1 for v in values if isinstance(v, str) and v == NOT_APPLICABLE)
        skipped = sum(1 for v in values if v is None or (isinstance(v, float) and np.isnan(v)))
        out[item_id] = (len(values) - na - skipped, skipped, na)
    return out
