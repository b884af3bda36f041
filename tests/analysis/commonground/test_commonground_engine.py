import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from walkthetalk.analysis.commonground import (
    NotEnoughDataError,
    Settings,
    analyze,
    read_export,
    refresh,
    update,
)
from walkthetalk.analysis.commonground.matrix import from_dense

from .commonground_helpers import planted, polis_folder


def test_planted_groups_are_found():
    m, truth = planted(n=300, m=40, k=3)
    a = analyze(m)
    assert a.result.meta["n_groups"] == 3
    assert adjusted_rand_score(truth, a.labels) > 0.9
    assert set(a.result.repness) == {0, 1, 2}
    assert all(a.result.repness[g] for g in range(3))


def test_deterministic_for_a_seed():
    m, _ = planted(n=200, m=30, k=2, seed=5)
    a = analyze(m, settings=Settings(seed=11)).result.to_json()
    b = analyze(m, settings=Settings(seed=11)).result.to_json()
    assert a == b


def test_excluded_statements_play_no_part():
    m, _ = planted(n=200, m=30, k=2, seed=6)
    a = analyze(m, excluded_statements=["0", "1"])
    assert a.components[:, :2].tolist() == [[0.0, 0.0], [0.0, 0.0]]
    mentioned = {r.statement for rs in a.result.repness.values() for r in rs}
    mentioned |= {d.statement for d in a.result.divides}
    assert not mentioned & {"0", "1"}


def test_participants_below_threshold_have_no_group():
    dense = np.full((40, 10), np.nan)
    dense[:20, :] = 1.0
    dense[20:38, :] = -1.0
    dense[38, :3] = 1.0  # only 3 votes: below min(7, 10)
    a = analyze(from_dense(dense), settings=Settings(min_group_size=2))
    assert a.result.participants["38"] is None
    assert "39" not in a.result.participants  # never voted
    assert "38" in a.result.projection
    assert a.result.meta["n_participants_counted"] == 38


def test_not_enough_data():
    with pytest.raises(NotEnoughDataError):
        analyze(from_dense([[1.0, np.nan]]))


def test_refresh_after_new_votes_matches_a_full_run():
    m, _ = planted(n=3000, m=80, k=3, votes_per=25, seed=7)
    before = analyze(m, settings=Settings(seed=1))
    rng = np.random.default_rng(0)
    k = m.n_votes // 100
    m2 = m.with_votes(rng.integers(0, 3000, k), rng.integers(0, 80, k), rng.integers(-1, 2, k))
    warm = refresh(before, m2)
    full = analyze(m2, settings=Settings(seed=1))
    assert adjusted_rand_score(full.labels, warm.labels) > 0.95
    with pytest.raises(ValueError):
        refresh(before, from_dense([[1.0]]))


@pytest.mark.parametrize(
    ("name", "minimum"), [("bg2050-volunteers", 0.9), ("brexit-consensus", 0.8)]
)
def test_agrees_with_polis_groups_on_real_conversations(name: str, minimum: float):
    export = read_export(polis_folder(name))
    result = analyze(export.matrix, export.excluded_statements).result
    ref = export.reference_groups or {}
    both = [p for p, g in result.participants.items() if g is not None and ref.get(p) is not None]
    assert len(both) > 50
    ari = adjusted_rand_score([ref[p] for p in both], [result.participants[p] for p in both])
    assert ari >= minimum
    assert result.meta["n_groups"] == len({g for g in ref.values() if g is not None})


def test_update_places_only_changed_participants_and_stays_close_to_a_full_run():
    m, _ = planted(n=3000, m=80, k=3, votes_per=25, seed=8)
    before = analyze(m, settings=Settings(seed=1))
    rng = np.random.default_rng(2)
    k = m.n_votes // 100
    rows = rng.integers(0, 3000, k)
    m2 = m.with_votes(rows, rng.integers(0, 80, k), rng.integers(-1, 2, k))
    fast = update(before, m2, rows)
    untouched = np.setdiff1d(np.arange(3000), rows)
    np.testing.assert_array_equal(fast.labels[untouched], before.labels[untouched])
    np.testing.assert_array_equal(fast.coordinates[untouched], before.coordinates[untouched])
    full = analyze(m2, settings=Settings(seed=1))
    assert adjusted_rand_score(full.labels, fast.labels) > 0.9
    assert fast.result.meta["incremental"] is True
    # An unchanged matrix re-placed entirely gives back the same partition.
    same = update(before, m, np.arange(3000))
    np.testing.assert_allclose(same.coordinates, before.coordinates, atol=1e-9)
    assert adjusted_rand_score(before.labels, same.labels) > 0.99


def test_update_groups_a_participant_once_they_vote_enough():
    m, _ = planted(n=300, m=30, k=2, votes_per=12, seed=9)
    dense = m.values.toarray().astype(float)
    dense[m.voted().toarray() == 0] = np.nan
    dense[0, :] = np.nan
    dense[0, :3] = 1.0  # participant 0 is below the threshold at first
    m0 = from_dense(dense)
    before = analyze(m0)
    assert before.result.participants["0"] is None
    m1 = m0.with_votes([0] * 10, list(range(3, 13)), [1] * 10)
    after = update(before, m1, [0] * 10)
    assert after.result.participants["0"] is not None
