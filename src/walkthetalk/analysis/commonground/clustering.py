"""Opinion groups the way Pol.is forms them: base clusters, then groups of base clusters.

1. Base clusters: k-means with up to 100 centres on the 2-D projection of the participants
   who count (Pol.is's ``base-k``). They summarise the crowd so the group step is cheap however
   many people vote. Beyond ``BASE_SAMPLE`` participants the centres are fitted on a sample and
   then refined with one Lloyd step over everyone (a 2-D summary needs no more).
2. Groups: weighted k-means on the base-cluster centres (weight = members) for every k from 2
   to Pol.is's ``max-k`` rule, ``min(5, 2 + n_base // 12)``, keeping the k with the best
   silhouette computed on the base clusters (Pol.is's ``bucket-dists``: each base cluster one
   point, unweighted). ``weight_silhouette`` lets each centre stand for its members instead
   (see :func:`weighted_silhouette`) and ``extra_group_penalty`` asks each group beyond two to
   raise the silhouette by that much; both default to Pol.is's choice (unweighted, no penalty)
   and were kept by leave-one-conversation-out cross-validation (``benchmarks/commonground.py``).
   A k is only considered if some k-means run gives every group at least
   ``max(min_group_size, min_group_share * participants)`` members.

Departures from Pol.is, and why:

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
from sklearn.cluster import KMeans

from .matrix import FloatArray, IntArray

BASE_K = 100
MIN_GROUPS = 2
MAX_GROUPS = 5
GROUP_INITS = 32  # fixed k-means++ initialisations per k (cheap: at most 100 weighted points)
GROUP_CHOICE = "inertia"  # how the run kept for each k is chosen: "inertia" or "silhouette"
BASE_INITS = 3  # fixed initialisations of the base k-means
EXTRA_GROUP_PENALTY = 0.05  # silhouette an extra group must add to be preferred
MIN_GROUP_SHARE = 0.05  # smallest group as a share of those who count
WARM_ITERATIONS = 5  # Lloyd steps for base clusters on an incremental refresh
FIXED_STREAM = 20_240_611  # the random stream of every initialisation (not a caller's seed)
SMALL_KMEANS_CELLS = 2_000_000  # points x centres below which numpy k-means beats sklearn's
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


def _kmeans(
    points: FloatArray,
    k: int,
    init: FloatArray | None = None,
    max_iter: int = 300,
    n_init: int = 1,
) -> tuple[FloatArray, IntArray]:
    km = KMeans(
        n_clusters=k,
        init="k-means++" if init is None else init,
        n_init=1 if init is not None else n_init,
        random_state=FIXED_STREAM,
        max_iter=max_iter,
        algorithm="lloyd",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on duplicate points
        km.fit(points)
    return np.asarray(km.cluster_centers_, dtype=np.float64), km.labels_.astype(np.int64)


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
    group_choice: str = GROUP_CHOICE,
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
    centres, weights, base_sorted = centres[c_order], weights[c_order], rank[base_sorted]

    n_base = centres.shape[0]
    silhouettes: dict[int, float] = {}
    best: tuple[float, int, IntArray] | None = None
    min_members = max(float(min_group_size), min_group_share * float(n))
    sil_w = weights if weight_silhouette else np.ones_like(weights)
    for k in range(MIN_GROUPS, max_groups_for(n_base, max_groups) + 1):
        glabels = _group_kmeans(centres, weights, k, min_members, sil_w, group_choice)
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
    glabels = _relabel_by_size(glabels, weights, centres)
    base_labels = np.empty(n, dtype=np.int64)
    base_labels[order] = base_sorted
    return Clustering(
        centres, weights, base_labels, glabels, glabels[base_labels], silhouettes, k_best
    )


def _nearest(points: FloatArray, centres: FloatArray, chunk: int = 65_536) -> IntArray:
    """Index of the nearest centre for each point, in chunks to bound memory."""
    out = np.empty(points.shape[0], dtype=np.int64)
    c2 = (centres**2).sum(1)
    for start in range(0, points.shape[0], chunk):
        p = points[start : start + chunk]
        d = c2[None, :] - 2.0 * (p @ centres.T)
        out[start : start + chunk] = np.argmin(d, axis=1)
    return out


def _inertia(
    points: FloatArray, weights: FloatArray, centres: FloatArray, labels: IntArray
) -> float:
    return float((weights * ((points - centres[labels]) ** 2).sum(1)).sum())


def _base_kmeans(pts: FloatArray, k: int, init: FloatArray | None) -> tuple[FloatArray, IntArray]:
    """Base clusters of points already in canonical order.

    Small inputs: numpy k-means on every point from ``BASE_INITS`` fixed initialisations,
    keeping the lowest inertia. Large ones: k-means (scikit-learn, the same fixed
    initialisations) on a fixed sample of at most ``BASE_SAMPLE`` points drawn from the
    canonical order (so still order independent), then every point goes to its nearest
    centre and the centres move to their members' means (one full Lloyd step). A warm start
    (``init``) runs only a few iterations.
    """
    n = pts.shape[0]
    if init is None and n * k <= SMALL_KMEANS_CELLS:
        ones = np.ones(n)
        best: tuple[float, FloatArray, IntArray] | None = None
        for r in range(BASE_INITS):
            c, lab = _small_kmeans(pts, ones, k, np.random.default_rng([FIXED_STREAM, r]))
            inertia = _inertia(pts, ones, c, lab)
            if best is None or inertia < best[0] - 1e-9 * max(inertia, 1.0):
                best = (inertia, c, lab)
        assert best is not None
        return best[1], best[2]
    if n > BASE_SAMPLE:
        rng = np.random.default_rng([FIXED_STREAM, n])
        sample = pts[np.sort(rng.choice(n, BASE_SAMPLE, replace=False))]
    else:
        sample = pts
    iters = WARM_ITERATIONS if init is not None else 100
    centres, _ = _kmeans(sample, k, init=init, max_iter=iters, n_init=BASE_INITS)
    labels = _nearest(pts, centres)
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    for dim in range(pts.shape[1]):
        sums = np.bincount(labels, weights=pts[:, dim], minlength=k)
        centres[:, dim] = np.divide(sums, counts, out=centres[:, dim].copy(), where=counts > 0)
    return centres, labels


def _small_kmeans(
    points: FloatArray, weights: FloatArray, k: int, rng: np.random.Generator, max_iter: int = 100
) -> tuple[FloatArray, IntArray]:
    """Weighted Lloyd k-means with weighted k-means++ seeding, for a few hundred points.

    Plain numpy: for the group step (at most ``base_k`` points) this is far cheaper than
    scikit-learn's per-call overhead, so many initialisations cost almost nothing.
    """
    n = points.shape[0]
    centres = np.empty((k, points.shape[1]))
    first = rng.choice(n, p=weights / weights.sum())
    centres[0] = points[first]
    d2 = ((points - centres[0]) ** 2).sum(1)
    for j in range(1, k):
        p = weights * d2
        total = p.sum()
        idx = rng.choice(n, p=p / total) if total > 0 else rng.choice(n)
        centres[j] = points[idx]
        d2 = np.minimum(d2, ((points - centres[j]) ** 2).sum(1))
    labels = np.full(n, -1, dtype=np.int64)
    for _ in range(max_iter):
        dist = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        new = np.argmin(dist, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        wsum = np.bincount(labels, weights=weights, minlength=k)
        for dim in range(points.shape[1]):
            num = np.bincount(labels, weights=weights * points[:, dim], minlength=k)
            centres[:, dim] = np.divide(num, wsum, out=centres[:, dim].copy(), where=wsum > 0)
        empty = np.flatnonzero(wsum == 0)
        if empty.size:  # re-seed an empty group at the point farthest from its centre
            far = np.argsort(-dist[np.arange(n), labels], kind="stable")[: empty.size]
            centres[empty] = points[far]
    return centres, labels


def _group_kmeans(
    centres: FloatArray,
    weights: FloatArray,
    k: int,
    min_members: float,
    sil_weights: FloatArray,
    choice: str = GROUP_CHOICE,
) -> IntArray | None:
    """Best (lowest weighted inertia) of ``GROUP_INITS`` k-means runs from fixed
    initialisations whose groups all hold at least ``min_members`` participants; ``None`` if
    no run does."""
    best: tuple[float, IntArray] | None = None
    for r in range(GROUP_INITS):
        rng = np.random.default_rng([FIXED_STREAM, k, r])
        c, labels = _small_kmeans(centres, weights, k, rng)
        sizes = np.bincount(labels, weights=weights, minlength=k)
        if sizes.min() < min_members:
            continue
        if choice == "silhouette":
            inertia = -weighted_silhouette(centres, sil_weights, labels)
        else:
            inertia = _inertia(centres, weights, c, labels)
        if best is None or inertia < best[0] - 1e-9 * max(abs(inertia), 1.0):
            best = (inertia, labels)
    return None if best is None else best[1]


def _relabel_by_size(glabels: IntArray, weights: FloatArray, centres: FloatArray) -> IntArray:
    """Number groups 0, 1, ... by decreasing size (ties: by centre x then y)."""
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
    lookup = dict(zip(groups.tolist(), new.tolist(), strict=True))
    return np.array([lookup[int(g)] for g in glabels], dtype=np.int64)


def nearest(points: FloatArray, base_centres: FloatArray) -> IntArray:
    """Nearest base centre of each point (for placing participants without refitting)."""
    return _nearest(points, base_centres)
