"""Reference values of psych and multilevel (see tests/data/README.md), to 3 decimals."""

from __future__ import annotations

import numpy as np
import pytest

from walkthetalk.analysis.pulse import (
    cronbach_alpha,
    icc1,
    icc2,
    mean_agreement,
    reverse_key,
    rwg_by_unit,
    rwg_j_by_unit,
    scale_reliability,
    standardized_alpha,
    uniform_null_variance,
    within_between,
)

REVERSED = {"A1", "C4", "C5", "E1", "E2", "O2", "O5"}


def bfi_scale(bfi: dict[str, np.ndarray], letter: str) -> np.ndarray:
    cols = []
    for i in range(1, 6):
        name = f"{letter}{i}"
        cols.append(reverse_key(bfi[name], 1, 6) if name in REVERSED else bfi[name])
    return np.column_stack(cols)


@pytest.mark.parametrize(
    ("scale", "expected"),
    [("A", 0.7030), ("C", 0.7267), ("E", 0.7617), ("N", 0.8140), ("O", 0.6002)],
)
def test_bfi_raw_alpha_pairwise(bfi: dict[str, np.ndarray], scale: str, expected: float) -> None:
    assert cronbach_alpha(bfi_scale(bfi, scale)) == pytest.approx(expected, abs=5e-4)


def test_bfi_standardized_alpha_agreeableness(bfi: dict[str, np.ndarray]) -> None:
    assert standardized_alpha(bfi_scale(bfi, "A")) == pytest.approx(0.7130, abs=5e-4)


def test_bfi_has_missing_answers_so_the_pairwise_rule_matters(bfi: dict[str, np.ndarray]) -> None:
    x = bfi_scale(bfi, "A")
    assert np.isnan(x).any()
    listwise = cronbach_alpha(x, missing="listwise")
    assert listwise != pytest.approx(cronbach_alpha(x), abs=1e-6)


def test_bfi_scale_reliability_report(bfi: dict[str, np.ndarray]) -> None:
    rel = scale_reliability(bfi_scale(bfi, "A"))
    assert rel.alpha == pytest.approx(0.7030, abs=5e-4)
    assert rel.standardized_alpha == pytest.approx(0.7130, abs=5e-4)
    assert rel.n_items == 5 and rel.n_responses == 2800
    # omega total from one factor is at least about alpha for congeneric items
    assert rel.alpha - 0.01 < rel.omega_total < 0.8


@pytest.mark.parametrize(
    ("column", "want1", "want2"),
    [("WBEING", 0.04336905, 0.7717129), ("HRS", 0.1331067, 0.9196732)],
)
def test_bh1996_icc(bh1996: dict[str, np.ndarray], column: str, want1: float, want2: float) -> None:
    assert icc1(bh1996[column], bh1996["GRP"]) == pytest.approx(want1, abs=5e-7)
    assert icc2(bh1996[column], bh1996["GRP"]) == pytest.approx(want2, abs=5e-7)


def test_bh1996_within_between_match_published_group_and_within_columns(
    bh1996: dict[str, np.ndarray],
) -> None:
    wb = within_between(bh1996["HRS"], bh1996["WBEING"], bh1996["GRP"])
    between = np.corrcoef(bh1996["G.HRS"], bh1996["G.WBEING"])[0, 1]
    within = np.corrcoef(bh1996["W.HRS"], bh1996["W.WBEING"])[0, 1]
    assert wb.r_between == pytest.approx(between, abs=1e-6)
    assert wb.r_within == pytest.approx(within, abs=1e-6)
    recomposed = (
        wb.eta_between_x * wb.eta_between_y * wb.r_between
        + np.sqrt(1 - wb.eta_between_x**2) * np.sqrt(1 - wb.eta_between_y**2) * wb.r_within
    )
    assert recomposed == pytest.approx(wb.r_total, abs=1e-9)


def test_lq2002_rwg_mean(lq2002: dict[str, np.ndarray]) -> None:
    null = uniform_null_variance(5)
    assert null == 2.0
    results = rwg_by_unit(lq2002["LEAD"], lq2002["COMPID"], null)
    assert mean_agreement(results) == pytest.approx(0.7032, abs=5e-4)
    assert all(0.0 <= r.value <= 1.0 for r in results)


def test_lq2002_rwg_j_mean(lq2002: dict[str, np.ndarray]) -> None:
    items = np.column_stack([lq2002[f"LEAD{i:02d}"] for i in range(1, 12)])
    results = rwg_j_by_unit(items, lq2002["COMPID"], 2.0)
    assert mean_agreement(results) == pytest.approx(0.8678, abs=5e-4)
