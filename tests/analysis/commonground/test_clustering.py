import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score, silhouette_score

from walkthetalk.analysis.commonground.clustering import (
    cluster,
    max_groups_for,
    weighted_silhouette,
)


def test_weighted_silhouette_equals_silhouette_of_expanded_points():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(12, 2))
    weights = rng.integers(1, 5, size=12).astype(float)
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    expanded = np.repeat(centres, weights.astype(int), axis=0)
    exp_labels = np.repeat(labels, weights.astype(int))
    expected = silhouette_score(expanded, exp_labels)
    assert weighted_silhouette(centres, weights, labels) == pytest.approx(expected, rel=1e-6)


def test_unit_weights_are_plain_silhouette_of_centres():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(20, 2))
    labels = np.arange(20) % 3
    expected = silhouette_score(centres, labels)
    got = weighted_silhouette(centres, np.ones(20), labels)
    assert got == pytest.approx(expected, rel=1e-6)


def _blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.repeat([0, 1, 2], [300, 200, 100])
    means = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return means[truth] + rng.normal(scale=0.7, size=(600, 2)), truth


def test_recovers_planted_groups_and_picks_k():
    pts, truth = _blobs()
    c = cluster(pts)
    assert c.k == 3
    assert adjusted_rand_score(truth, c.labels) > 0.95
    assert c.base_centres.shape[0] == 100
    # Groups are numbered by decreasing size.
    assert np.bincount(c.labels).tolist() == sorted(np.bincount(c.labels), reverse=True)


def test_same_partition_any_order():
    pts, _ = _blobs(2)
    a = cluster(pts)
    perm = np.random.default_rng(3).permutation(len(pts))
    b = cluster(pts[perm])
    np.testing.assert_array_equal(a.labels[perm], b.labels)


def test_tiny_groups_are_not_formed():
    pts, _ = _blobs()
    pts = np.vstack([pts, [[40.0, 40.0]]])  # one far outlier
    c = cluster(pts, min_group_size=5)
    assert np.bincount(c.labels).min() >= 5


def test_one_group_when_too_few_points():
    pts = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    c = cluster(pts, min_group_size=5)
    assert c.k == 1
    assert c.labels.tolist() == [0, 0, 0]


def test_group_count_follows_polis_max_k_rule():
    assert [max_groups_for(n) for n in (2, 11, 12, 24, 36, 100)] == [2, 2, 3, 4, 5, 5]
    pts, _ = _blobs()
    c = cluster(pts[:200], base_k=20)  # 20 base clusters: k is at most 2 + 20 // 12 = 3
    assert set(c.silhouettes) <= {2, 3}


def test_refinement_moves_the_boundary_onto_participants_and_keeps_groups():
    pts, truth = _blobs(4)
    plain = cluster(pts[:300], base_k=10, refine=False)
    refined = cluster(pts[:300], base_k=10, refine=True)
    assert refined.k == plain.k
    assert adjusted_rand_score(truth[:300], refined.labels) >= adjusted_rand_score(
        truth[:300], plain.labels
    )
    # Refined groups are Voronoi cells of their own means: every point is nearest its group.
    means = np.array([pts[:300][refined.labels == g].mean(0) for g in range(refined.k)])
    nearest = np.argmin(((pts[:300, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert (nearest == refined.labels).all()


def _inertia(pts: np.ndarray, labels: np.ndarray) -> float:
    return float(
        sum(((pts[labels == g] - pts[labels == g].mean(0)) ** 2).sum() for g in np.unique(labels))
    )


def test_refined_groups_do_not_depend_on_where_the_base_clusters_landed():
    # Two touching blobs: base clusters straddle the boundary differently for each base_k,
    # the refined groups (k-means of the participants) are the same.
    rng = np.random.default_rng(3)
    truth = np.repeat([0, 1], [400, 250])
    pts = np.array([[0.0, 0.0], [2.5, 0.5]])[truth] + rng.normal(scale=0.8, size=(650, 2))
    plain = [cluster(pts, base_k=b, max_groups=2, refine=False) for b in (12, 25, 60)]
    refined = [cluster(pts, base_k=b, max_groups=2, refine=True) for b in (12, 25, 60)]
    assert all(c.k == 2 for c in plain + refined)
    assert len({tuple(c.labels) for c in plain}) > 1  # the base clusters do move the boundary
    assert len({tuple(c.labels) for c in refined}) == 1
    assert _inertia(pts, refined[0].labels) <= min(_inertia(pts, c.labels) for c in plain)


def test_refinement_on_a_sample_places_everyone_and_keeps_groups(
    monkeypatch: pytest.MonkeyPatch,
):
    from walkthetalk.analysis.commonground import clustering

    pts, truth = _blobs(5)
    full = cluster(pts, base_k=20, refine=True)
    monkeypatch.setattr(clustering, "REFINE_SAMPLE", 150)
    sampled = cluster(pts, base_k=20, refine=True)
    assert sampled.k == full.k == 3
    assert sampled.labels.shape == truth.shape
    assert adjusted_rand_score(truth, sampled.labels) > 0.97
    assert adjusted_rand_score(full.labels, sampled.labels) > 0.97
    order = np.random.default_rng(0).permutation(pts.shape[0])
    again = cluster(pts[order], base_k=20, refine=True)
    assert adjusted_rand_score(sampled.labels[order], again.labels) == 1.0


def _improving_single_move(
    pts: np.ndarray, labels: np.ndarray, k: int, floor: float
) -> float | None:
    """The best lowering of the inertia one point's move can give (brute force), if any."""
    base, best = _inertia(pts, labels), None
    for i in range(labels.size):
        if (labels == labels[i]).sum() - 1 < floor:
            continue
        for g in range(k):
            if g != labels[i]:
                moved = labels.copy()
                moved[i] = g
                gain = base - _inertia(pts, moved)
                if gain > 1e-9 * max(base, 1.0) and (best is None or gain > best):
                    best = gain
    return best


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 4), st.integers(1, 6))
@example(2944963, 3, 6)  # a random start needing more than one move per point (CI, stop 23)
def test_single_moves_lower_the_inertia_keep_the_floor_and_leave_no_better_move(
    seed: int, k: int, floor: int
):
    from walkthetalk.analysis.commonground.clustering import _single_moves

    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(30, 2)) + rng.integers(0, 3, size=(30, 1)) * 2.0
    labels = np.arange(30) % k  # every group starts with 7+ members, above the floor
    rng.shuffle(labels)
    moved, inertia = _single_moves(pts, np.ones(30), labels, k, floor)
    assert inertia == pytest.approx(_inertia(pts, moved), rel=1e-9)
    assert inertia <= _inertia(pts, labels) + 1e-9
    assert np.bincount(moved, minlength=k).min() >= floor
    assert _improving_single_move(pts, moved, k, floor) is None


def test_single_moves_find_what_lloyd_leaves_one_point_away():
    from walkthetalk.analysis.commonground.clustering import _single_moves

    # Lloyd fixed point: 1.8 is nearer its group's mean (0.9) than the other (3.0), yet moving
    # it lowers the inertia from 1.62 to 0.72 (Hartigan weighs the means' own moves).
    pts = np.array([[0.0, 0.0], [1.8, 0.0], [3.0, 0.0]])
    lloyd = np.array([0, 0, 1])
    moved, inertia = _single_moves(pts, np.ones(3), lloyd, 2, 1)
    assert moved.tolist() == [0, 1, 1]
    assert inertia == pytest.approx(0.72)
    assert _inertia(pts, lloyd) == pytest.approx(1.62)
    # With a floor of two members the move would leave too small a group: not made.
    kept, _ = _single_moves(pts, np.ones(3), lloyd, 2, 2)
    assert kept.tolist() == [0, 0, 1]
