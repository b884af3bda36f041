"""Opinion groups as Pol.is forms them (base clusters, then group count by silhouette), with
the groups themselves taken as k-means of the participants.

1. Base clusters: k-means with up to 100 centres on the 2-D projection of the participants
   who count (Pol.is's ``base-k``). They summarise the crowd so the group step is cheap however
   many people vote. Beyond ``BASE_SAMPLE`` participants the centres are fitted on a sample and
   then refined with one Lloyd step over everyone (a 2-D summary needs no more).
2. Group count: weighted k-means on the base-cluster centres (weight = members) for every k
   from 2 to Pol.is's ``max-k`` rule, ``min(5, 2 + n_base // 12)``, keeping the k with the
   best silhouette computed on the base clusters (Pol.is's ``bucket-dists``: each base cluster
   one point, unweighted). ``weight_silhouette`` lets each centre stand for its members instead
   (see :func:`weighted_silhouette`), ``extra_group_penalty`` asks each group beyond two to
   raise the silhouette by that much, and ``min_group_share`` sets a smallest group as a share
   of those who count. A k is only considered if some k-means run gives every group at least
   ``max(min_group_size, min_group_share * participants)`` members.
3. Groups: with ``refine`` (the default) the k groups are k-means of the participants
   themselves -- Lloyd runs from fixed initialisations, each finished by Hartigan's
   single-point moves under the group-size floor, the lowest inertia kept (:func:`_refine`)
   -- so the boundary runs between participants, not along the edges of base clusters;
   without it, each participant takes the group of their base cluster (Pol.is).

Each knob was chosen by leave-one-conversation-out cross-validation over the 14 Pol.is openData
conversations with votes (``benchmarks/commonground.py``), each setting scored by its ARI
against Pol.is's groups averaged over 5 fixed random streams of the initialisations (the stream
is an arbitrary constant; one lucky draw should not decide). The choice on all 14, and in 12 of
the 14 folds: unweighted silhouette (Pol.is), penalty 0.1, smallest group 5%, refined groups.

Departures from Pol.is, and why:

- Each group beyond two must raise the silhouette by ``EXTRA_GROUP_PENALTY`` (0.1) and no
  group may hold fewer than ``MIN_GROUP_SHARE`` (5%) of those who count (both chosen by
  cross-validation). They stand in for Pol.is's smoothing over time, which keeps the group
  count low in practice.
- Groups are k-means of the participants (``REFINE``), not of the base clusters: which base
  clusters straddle a boundary depends on where the base k-means landed (on the clean
  conversations the ARI against Pol.is moved by up to 0.14 with the random stream alone,
  vtaiwan.uberx 0.71-0.85); k-means of the participants does not (0.839 on every stream).
  Red-dwarf clusters participants directly too.
- Those k-means runs end with Hartigan's single-point moves (Hartigan 1975, *Clustering
  Algorithms*), each allowed only if no group falls below the floor. Lloyd alone stopped
  some runs one or two participants short of the best partition, and which runs did
  depended on the random stream: on bg2050-volunteers the lowest-inertia split puts one
  person apart (below the floor), so the answer was whichever floor-meeting local optimum
  the 32 starts happened to reach (ARI against Pol.is 0.829-1.000 across streams); on
  15-per-hour-seattle two optima lie one participant apart. With the moves, 10 streams give
  one partition on all 14 conversations. No constant is involved (the floor is the
  cross-validated one), and the moves only ever lower the inertia the runs are judged by.
- Pol.is smooths the group count over time (a new k must win 4 updates in a row) and starts
  each k-means from the previous update's clusters. A single analysis has no past, so instead
  every k-means is started from several fixed initialisations (k-means++ on fixed random
  streams, never the caller's seed) and the run with the lowest weighted inertia is kept --
  a deterministic choice, so the partition does not depend on any seed.
- Pol.is's first initialisation takes the first k distinct participants in join order; here
  points are first put in a canonical order (sorted by rounded coordinates), so the partition
  depends on the votes only -- not on the order or labels of participants and statements.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans

from .matrix import FloatArray, IntArray

BASE_K = 100
MIN_GROUPS = 2
MAX_GROUPS = 5
GROUP_INITS = 32  # fixed k-means++ initialisations per k (cheap: at most 100 weighted points)
REFINE = True  # groups as k-means of the participants (Pol.is: of base clusters; cross-validated)
REFINE_INITS = 32  # fixed k-means++ initialisations of the participants' k-means
REFINE_SAMPLE = 5_000  # participants the refinement's k-means runs are made on
REFINE_FULL_STEPS = 5  # Lloyd steps over everyone after a sampled refinement
BASE_INITS = 1  # fixed initialisations of the base k-means
EXTRA_GROUP_PENALTY = 0.1  # silhouette an extra group must add to be preferred (cross-validated)
MIN_GROUP_SHARE = 0.05  # smallest group, share of those who count (Pol.is: none; cross-validated)
WARM_ITERATIONS = 5  # Lloyd steps for base clusters on an incremental refresh
FIXED_STREAM = 20_240_611  # the random stream of every initialisation (not a caller's seed)
BASE_SAMPLE = 25_000  # points the base k-means is fitted on in large conversations


@dataclass(frozen=True)
class Clustering:
    """Base clusters and opinion groups of the participants who count.

    Attributes:
        base_centres: ``(n_base, 2)`` centres, in canonical order.
        base_weights: members per base cluster.
        base_labels: base cluster of each clustered point (in the caller's order).
        base_groups: opinion group of each base cluster.
        labels: opinion group of each clustered point (in the caller's order).
        silhouettes: weighted silhouette for each k tried.
        k: number of opinion groups chosen.
    """

    base_centres: FloatArray
    base_weights: FloatArray
    base_labels: IntArray
    base_groups: IntArray
    labels: IntArray
    silhouettes: dict[int, float]
    k: int


def _canonical_order(points: FloatArray) -> IntArray:
    r = np.round(points, 9)
    return np.lexsort((r[:, 1], r[:, 0])).astype(np.int64)


def _lloyd(
    points: FloatArray, init: FloatArray, max_iter: int
) -> tuple[FloatArray, IntArray, float]:
    """scikit-learn's Lloyd k-means from the given centres: centres, labels, inertia."""
    km = KMeans(n_clusters=init.shape[0], init=init, n_init=1, max_iter=max_iter, algorithm="lloyd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on duplicate points
        km.fit(points)
    centres = np.asarray(km.cluster_centers_, dtype=np.float64)
    return centres, km.labels_.astype(np.int64), float(km.inertia_)


def _kmeans_pp(
    points: FloatArray, weights: FloatArray, k: int, rng: np.random.Generator, n_init: int
) -> FloatArray:
    """``n_init`` weighted k-means++ initialisations at once: ``(n_init, k, dims)``."""
    n = points.shape[0]
    out = np.empty((n_init, k, points.shape[1]))
    out[:, 0] = points[rng.choice(n, size=n_init, p=weights / weights.sum())]
    coords = _columns(points)
    d2 = _run_sq_dist(coords, out[:, 0])  # (n_init, n)
    for j in range(1, k):
        mass = np.cumsum(weights[None, :] * d2, axis=1)
        total = mass[:, -1]
        u = rng.random(n_init) * total
        idx = np.minimum((mass < u[:, None]).sum(axis=1), n - 1)
        flat = total <= 0  # every point already a centre: any point will do
        if flat.any():
            idx[flat] = rng.choice(n, size=int(flat.sum()))
        out[:, j] = points[idx]
        d2 = np.minimum(d2, _run_sq_dist(coords, out[:, j]))
    return out


def _columns(points: FloatArray) -> list[FloatArray]:
    """Each coordinate of the points as its own contiguous array (fast broadcasting)."""
    return [np.ascontiguousarray(points[:, d]) for d in range(points.shape[1])]


def _run_sq_dist(coords: list[FloatArray], centre: FloatArray) -> FloatArray:
    """Squared distance of every point to one centre per run: ``(runs, points)`` for
    ``centre`` of shape ``(runs, dims)``, summed one coordinate at a time."""
    out = (coords[0][None, :] - centre[:, 0, None]) ** 2
    for dim in range(1, len(coords)):
        out += (coords[dim][None, :] - centre[:, dim, None]) ** 2
    return out


def _nearest_of_runs(coords: list[FloatArray], c: FloatArray) -> tuple[IntArray, FloatArray]:
    """Nearest centre of each point in each run (``c``: ``runs x k x dims``) and its squared
    distance: the first nearest on ties, as ``argmin`` over the centres would give, built one
    centre at a time on contiguous ``runs x points`` arrays."""
    best = _run_sq_dist(coords, c[:, 0])
    labels = np.zeros(best.shape, dtype=np.int64)
    for j in range(1, c.shape[1]):
        dj = _run_sq_dist(coords, c[:, j])
        closer = dj < best
        labels[closer] = j
        np.minimum(best, dj, out=best)
    return labels, best


def weighted_silhouette(centres: FloatArray, weights: FloatArray, labels: IntArray) -> float:
    """Mean silhouette of the participants, with each base cluster standing for its members.

    For base cluster ``i`` in group ``A`` (``W_A`` members in all) and ``d_ij`` the distance
    between centres:

        a_i = sum_{j in A} w_j d_ij / (W_A - 1)        (its own members are at distance 0)
        b_i = min_{B != A} sum_{j in B} w_j d_ij / W_B
        s_i = (b_i - a_i) / max(a_i, b_i)  (0 when W_A == 1)

    and the score is ``sum_i w_i s_i / sum_i w_i``. With every weight 1 this is Pol.is's
    silhouette over base clusters.
    """
    groups = np.unique(labels)
    if groups.size < 2:
        return -1.0
    d = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
    onehot = (labels[:, None] == groups[None, :]).astype(np.float64)
    wsum = d @ (onehot * weights[:, None])  # (n_base, n_groups): sum_j w_j d_ij per group
    group_w = weights @ onehot
    own = np.searchsorted(groups, labels)
    own_w = group_w[own]
    a = np.divide(
        wsum[np.arange(len(labels)), own],
        own_w - 1,
        out=np.zeros(len(labels)),
        where=own_w > 1,
    )
    mean_other = wsum / group_w[None, :]
    mean_other[np.arange(len(labels)), own] = np.inf
    b = mean_other.min(axis=1)
    denom = np.maximum(a, b)
    s = np.divide(b - a, denom, out=np.zeros(len(labels)), where=denom > 0)
    s[own_w <= 1] = 0.0
    return float((weights * s).sum() / weights.sum())


def max_groups_for(n_base: int, max_groups: int = MAX_GROUPS) -> int:
    """Pol.is's ``max-k-fn``: at most ``max_groups``, and ``2 + n_base // 12``."""
    return min(max_groups, 2 + n_base // 12, n_base)


def cluster(
    points: FloatArray,
    *,
    base_k: int = BASE_K,
    max_groups: int = MAX_GROUPS,
    warm_base_centres: FloatArray | None = None,
    min_group_size: int = 5,
    min_group_share: float = MIN_GROUP_SHARE,
    weight_silhouette: bool = False,
    extra_group_penalty: float = EXTRA_GROUP_PENALTY,
    refine: bool = REFINE,
) -> Clustering:
    """Cluster 2-D points into base clusters and then 2..``max_groups`` opinion groups.

    ``warm_base_centres`` (from an earlier run) starts the base k-means for an incremental
    refresh; it then runs a single short k-means instead of several restarts.
    If no k gives large enough groups, everyone is in one group.
    """
    n = points.shape[0]
    order = _canonical_order(points)
    pts = points[order]
    rounded = np.round(pts, 9)
    n_distinct = int(n > 0) + int(np.any(np.diff(rounded, axis=0) != 0, axis=1).sum())
    k_base = min(base_k, n_distinct)
    if k_base < MIN_GROUPS:
        labels = np.zeros(n, dtype=np.int64)
        centre = pts.mean(axis=0, keepdims=True) if n else np.zeros((0, 2))
        return Clustering(
            centre, np.array([float(n)]), labels, np.zeros(1, np.int64), labels, {}, 1
        )
    init = None
    if warm_base_centres is not None and warm_base_centres.shape[0] == k_base:
        init = warm_base_centres
    centres, weights, base_sorted = _base_clusters(pts, k_base, init)

    n_base = centres.shape[0]
    silhouettes: dict[int, float] = {}
    best: tuple[float, int, IntArray] | None = None
    min_members = max(float(min_group_size), min_group_share * float(n))
    sil_w = weights if weight_silhouette else np.ones_like(weights)
    for k in range(MIN_GROUPS, max_groups_for(n_base, max_groups) + 1):
        glabels = _group_kmeans(centres, weights, k, min_members)
        if glabels is None:
            continue
        score = weighted_silhouette(centres, sil_w, glabels)
        silhouettes[k] = score
        adjusted = score - extra_group_penalty * (k - MIN_GROUPS)
        if best is None or adjusted > best[0] + 1e-12:
            best = (adjusted, k, glabels)
    if best is None:  # no k gives groups large enough: one group
        glabels = np.zeros(n_base, dtype=np.int64)
        k_best = 1
    else:
        _, k_best, glabels = best
    point_labels = glabels[base_sorted]
    if refine and k_best >= MIN_GROUPS:
        refined = _refine(pts, k_best, min_members)
        if refined is not None:
            point_labels = refined
            glabels = _majority(base_sorted, point_labels, n_base, k_best)
    new = _relabel_by_size(point_labels, np.ones(n), pts)
    point_labels, glabels = new[point_labels], new[glabels]
    base_labels = np.empty(n, dtype=np.int64)
    base_labels[order] = base_sorted
    labels = np.empty(n, dtype=np.int64)
    labels[order] = point_labels
    return Clustering(centres, weights, base_labels, glabels, labels, silhouettes, k_best)


def _base_clusters(
    pts: FloatArray, k_base: int, init: FloatArray | None
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Base clusters without empty ones, in canonical order: centres, weights, point labels."""
    centres, base_sorted = _base_kmeans(pts, k_base, init)
    weights = np.bincount(base_sorted, minlength=k_base).astype(np.float64)
    keep = weights > 0
    if not keep.all():  # drop empty base clusters, renumber
        remap = np.cumsum(keep) - 1
        centres, weights, base_sorted = centres[keep], weights[keep], remap[base_sorted]
    # Canonical order of base clusters, so group k-means is order independent.
    c_order = _canonical_order(centres)
    rank = np.empty_like(c_order)
    rank[c_order] = np.arange(c_order.size)
    return centres[c_order], weights[c_order], rank[base_sorted]


def _refine(pts: FloatArray, k: int, min_members: float, max_iter: int = 100) -> IntArray | None:
    """The ``k`` groups as k-means on the participants themselves, so a group boundary runs
    between participants rather than between base clusters (``k`` is still chosen on the base
    clusters, as in Pol.is).

    The lowest-inertia run of ``REFINE_INITS`` fixed k-means++ initialisations (the same batched
    Lloyd as the group step, each participant weight 1, each distinct run then finished by
    single-point moves that keep the floor: :func:`_single_moves`) -- the answer a k-means of
    the participants aims at, independent of where the base clustering landed. Beyond
    ``REFINE_SAMPLE`` participants the runs are made on a fixed sample from the canonical
    order, then everyone is placed by at most ``REFINE_FULL_STEPS`` Lloyd steps from the
    chosen centres. ``None`` if no run keeps every group at ``min_members``.
    """
    n = pts.shape[0]
    floor = max(min_members, 1.0)
    if n > REFINE_SAMPLE:
        rng = np.random.default_rng([FIXED_STREAM, n, 1])
        sample = pts[np.sort(rng.choice(n, REFINE_SAMPLE, replace=False))]
        scale = REFINE_SAMPLE / n
    else:
        sample, scale = pts, 1.0
    labels = _group_kmeans(
        sample,
        np.ones(sample.shape[0]),
        k,
        floor * scale,
        stream=1,
        inits=REFINE_INITS,
        single_moves=True,
    )
    if labels is None or sample is pts:
        return labels
    for _ in range(REFINE_FULL_STEPS):
        counts = np.bincount(labels, minlength=k).astype(np.float64)
        if counts.min() < 1:
            return None
        source = sample if labels.size == sample.shape[0] else pts
        centres = np.stack(
            [np.bincount(labels, weights=source[:, d], minlength=k) / counts for d in range(2)],
            axis=1,
        )
        new = np.argmin(_sq_dist(pts, centres), axis=1)  # k <= 5 centres: no tree needed
        if labels.size == n and np.array_equal(new, labels):
            break
        labels = new
    return labels if np.bincount(labels, minlength=k).min() >= floor else None


def _majority(base: IntArray, labels: IntArray, n_base: int, k: int) -> IntArray:
    """Opinion group of each base cluster: the group most of its members are in."""
    table = np.zeros((n_base, k), dtype=np.int64)
    np.add.at(table, (base, labels), 1)
    return np.argmax(table, axis=1).astype(np.int64)


def _nearest(points: FloatArray, centres: FloatArray) -> IntArray:
    """Index of the nearest centre for each point (a k-d tree over the centres)."""
    if points.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    _, idx = cKDTree(centres).query(points, k=1)
    return np.asarray(idx, dtype=np.int64)


def _base_kmeans(pts: FloatArray, k: int, init: FloatArray | None) -> tuple[FloatArray, IntArray]:
    """Base clusters of points already in canonical order.

    Lloyd k-means (scikit-learn) from ``BASE_INITS`` fixed k-means++ initialisations, keeping
    the lowest inertia. Beyond ``BASE_SAMPLE`` points it is fitted on a fixed sample drawn
    from the canonical order (so still order independent), then every point goes to its
    nearest centre and the centres move to their members' means (one full Lloyd step). A warm
    start (``init``) runs only a few iterations from it.
    """
    n = pts.shape[0]
    if n > BASE_SAMPLE:
        rng = np.random.default_rng([FIXED_STREAM, n])
        sample = pts[np.sort(rng.choice(n, BASE_SAMPLE, replace=False))]
    else:
        sample = pts
    if init is not None:
        centres, labels, _ = _lloyd(sample, init, WARM_ITERATIONS)
    else:
        rng = np.random.default_rng([FIXED_STREAM, 0])
        starts = _kmeans_pp(sample, np.ones(sample.shape[0]), k, rng, BASE_INITS)
        runs = [_lloyd(sample, start, 100) for start in starts]
        best = min(range(len(runs)), key=lambda r: (runs[r][2], r))
        centres, labels, _ = runs[best]
    if n <= BASE_SAMPLE:
        return centres, labels
    labels = _nearest(pts, centres)
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    for dim in range(pts.shape[1]):
        sums = np.bincount(labels, weights=pts[:, dim], minlength=k)
        centres[:, dim] = np.divide(sums, counts, out=centres[:, dim].copy(), where=counts > 0)
    return centres, labels


def _sq_dist(points: FloatArray, centres: FloatArray) -> FloatArray:
    """Squared distances (points x centres), one coordinate at a time (no 3-D temporary)."""
    out = (points[:, 0, None] - centres[None, :, 0]) ** 2
    for dim in range(1, points.shape[1]):
        out += (points[:, dim, None] - centres[None, :, dim]) ** 2
    return out


def _group_kmeans(
    centres: FloatArray,
    weights: FloatArray,
    k: int,
    min_members: float,
    max_iter: int = 100,
    stream: int = 0,
    inits: int = GROUP_INITS,
    single_moves: bool = False,
) -> IntArray | None:
    """Weighted Lloyd k-means of the base centres (or of participants, for :func:`_refine`)
    from ``GROUP_INITS`` fixed k-means++ initialisations, run side by side (arrays ``inits x
    points``, one centre at a time). Among the runs whose groups all hold at least
    ``min_members`` participants, the one with the lowest weighted inertia is kept (ties: the
    earlier run); ``None`` if no run qualifies. ``stream`` picks the fixed random stream of the
    initialisations. With ``single_moves`` each distinct qualifying run is first taken on by
    Hartigan's single-point moves under the group-size floor (:func:`_single_moves`)."""
    rng = np.random.default_rng([FIXED_STREAM, k] if stream == 0 else [FIXED_STREAM, k, stream])
    c = _kmeans_pp(centres, weights, k, rng, inits)  # (I, k, 2)
    n = centres.shape[0]
    coords = _columns(centres)
    flat = (np.arange(inits)[:, None] * k).repeat(n, axis=1).ravel()  # offsets of each run
    # Per-run copies of the weights and weighted coordinates (the same for every run, so the
    # first r * n entries serve any r running runs).
    tiled_w = np.tile(weights, inits)
    tiled_wx = [np.tile(weights * x, inits) for x in coords]

    labels = np.full((inits, n), -1, dtype=np.int64)
    running = np.arange(inits)  # runs not yet at a fixed point (the others stay put)
    for _ in range(max_iter):
        new, _ = _nearest_of_runs(coords, c[running])
        moved_runs = ~(new == labels[running]).all(axis=1)
        labels[running] = new
        running = running[moved_runs]
        if running.size == 0:
            break
        r = running.size
        slot = flat[: r * n] + labels[running].ravel()
        wsum = np.bincount(slot, weights=tiled_w[: r * n], minlength=r * k)
        for dim in range(centres.shape[1]):
            sums = np.bincount(slot, weights=tiled_wx[dim][: r * n], minlength=wsum.size)
            old = c[running, :, dim].ravel()
            moved = np.divide(sums, wsum, out=old.copy(), where=wsum > 0)
            c[running, :, dim] = moved.reshape(r, k)
    slot = flat + labels.ravel()
    sizes = np.bincount(slot, weights=tiled_w, minlength=inits * k).reshape(inits, k)
    best: tuple[float, IntArray] | None = None
    seen: set[bytes] = set()  # a repeated end point has the same inertia: the earlier one wins
    for r in range(inits):
        if sizes[r].min() < min_members or labels[r].tobytes() in seen:
            continue  # too small a group, or the same end point as an earlier run
        seen.add(labels[r].tobytes())
        if single_moves:
            run_labels, score = _single_moves(centres, weights, labels[r], k, min_members)
        else:
            run_labels, score = labels[r], _inertia(centres, weights, labels[r], k)
        if best is None or score < best[0] - 1e-9 * max(abs(score), 1.0):
            best = (score, run_labels)
    return None if best is None else best[1]


def _centres_of(
    points: FloatArray, weights: FloatArray, labels: IntArray, k: int
) -> tuple[FloatArray, FloatArray]:
    """Weighted size and centre of each group."""
    size: FloatArray = np.asarray(np.bincount(labels, weights=weights, minlength=k), np.float64)
    sums = [np.bincount(labels, weights=weights * points[:, d], minlength=k) for d in range(2)]
    return size, np.stack(sums, axis=1) / np.maximum(size, 1e-300)[:, None]


def _inertia(points: FloatArray, weights: FloatArray, labels: IntArray, k: int) -> float:
    """Weighted sum of squared distances of the points to their group's centre."""
    _, centre = _centres_of(points, weights, labels, k)
    return float((weights * _sq_dist(points, centre)[np.arange(labels.size), labels]).sum())


MAX_MOVES_PER_POINT = 20
"""Bound on Hartigan moves (times the number of points); never reached in practice."""


def _single_moves(
    points: FloatArray, weights: FloatArray, labels: IntArray, k: int, min_members: float
) -> tuple[IntArray, float]:
    """Hartigan's single-point moves from a Lloyd fixed point, keeping every group at
    ``min_members``: the labels and weighted inertia of the end point.

    Moving point ``x`` (weight ``w``) from group ``a`` to ``b`` changes the weighted inertia by
    ``W_b w / (W_b + w) |x - c_b|^2 - W_a w / (W_a - w) |x - c_a|^2`` (Hartigan 1975);
    the most negative move is made while one lowers it. Every Hartigan end point is a Lloyd
    fixed point but not the reverse, so runs that Lloyd leaves one or two points apart meet,
    and a group-size floor is respected move by move rather than only checked at the end:
    the answer depends far less on which initialisations were drawn.
    """
    labels = labels.copy()
    n = points.shape[0]
    rows = np.arange(n)
    # Each move lowers the inertia, so the moves end; from a Lloyd fixed point after a few.
    # From labels far from one (a test's random start) they can take more than n moves: the
    # bound is only a guard against a floating-point cycle.
    for _ in range(MAX_MOVES_PER_POINT * n + 1):
        size, centre = _centres_of(points, weights, labels, k)
        d2 = _sq_dist(points, centre)
        own_size = size[labels] - weights
        own = d2[rows, labels]
        inertia = float((weights * own).sum())
        leave = np.divide(
            size[labels] * weights * own, own_size, out=np.zeros(n), where=own_size > 0
        )
        join = size[None, :] * weights[:, None] / (size[None, :] + weights[:, None]) * d2
        delta = join - leave[:, None]
        delta[rows, labels] = np.inf
        delta[own_size < min_members] = np.inf  # the move would leave too small a group
        i, b = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if not delta[i, b] < -1e-12 * max(inertia, 1.0):
            return labels, inertia
        labels[i] = b
    return labels, _inertia(points, weights, labels, k)


def _relabel_by_size(glabels: IntArray, weights: FloatArray, centres: FloatArray) -> IntArray:
    """New number of each group (indexed by old number): 0, 1, ... by decreasing size (ties:
    by centre x then y)."""
    groups = np.unique(glabels)
    sizes = np.array([weights[glabels == g].sum() for g in groups])
    cx = np.array(
        [np.average(centres[glabels == g, 0], weights=weights[glabels == g]) for g in groups]
    )
    cy = np.array(
        [np.average(centres[glabels == g, 1], weights=weights[glabels == g]) for g in groups]
    )
    order = np.lexsort((np.round(cy, 9), np.round(cx, 9), -sizes))
    new = np.empty(groups.size, dtype=np.int64)
    new[order] = np.arange(groups.size)
    mapping = np.zeros(int(groups.max()) + 1, dtype=np.int64)
    mapping[groups] = new
    return mapping


def nearest(points: FloatArray, base_centres: FloatArray) -> IntArray:
    """Nearest base centre of each point (for placing participants without refitting)."""
    return _nearest(points, base_centres)
