"""Orchestration: vote matrix in, :class:`CommonGroundResult` (and refit state) out.

Pipeline (Pol.is conversation math):

1. Statements out of the analysis -- moderated out (``moderated == -1``) or meta -- are zeroed.
2. Participants who count: at least ``min(7, statements in the analysis)`` votes, passes
   included (votes on excluded statements count too, as in Pol.is's raw vote counts).
3. PCA of the mean-imputed, centred votes of those participants; everyone is projected with
   the sparsity-aware scaling (:mod:`.projection`).
4. Base clusters (k-means, up to 100) on the projection of those who count, then opinion groups
   (k = 2..5 by silhouette on the base clusters, each extra group having to earn its place)
   (:mod:`.clustering`).
5. Per-group representative statements (:mod:`.repness`), group-informed consensus, majority
   statements, divides and areas of uncertainty (:mod:`.consensus`), sector breakdown
   (:mod:`.sectors`).

:func:`analyze` returns an :class:`Analysis` holding the result and the fitted state. After
new votes, :func:`update` keeps that state and re-places only the participants who voted
(fastest), and :func:`refresh` refits everything warm-started from it (components, base
centres).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from . import clustering, consensus, projection, repness, sectors
from .counts import group_counts
from .errors import NotEnoughDataError
from .matrix import FloatArray, IntArray, VoteMatrix
from .result import CommonGroundResult, Group

MIN_VOTES = 7


@dataclass(frozen=True)
class Settings:
    """Knobs of the analysis; the defaults follow Pol.is.

    ``min_group_size`` is both the privacy threshold for sector counts and the smallest
    opinion group the clustering accepts (together with ``min_group_share`` of those who
    count).
    """

    seed: int = 0
    min_group_size: int = 5
    base_k: int = clustering.BASE_K
    max_groups: int = clustering.MAX_GROUPS
    pick_max: int = 5
    min_votes: int = MIN_VOTES
    min_group_share: float = 0.05
    weight_silhouette: bool = False
    extra_group_penalty: float = clustering.EXTRA_GROUP_PENALTY


@dataclass(frozen=True)
class Analysis:
    """A result plus what a refresh needs to warm-start."""

    result: CommonGroundResult
    labels: IntArray  # group per participant row, -1 if none
    counts_mask: np.ndarray  # participants who count
    active: np.ndarray  # statements in the analysis
    components: FloatArray
    base_centres: FloatArray
    settings: Settings
    coordinates: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))
    center: FloatArray = field(default_factory=lambda: np.zeros(0))
    base_groups: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def active_statements(matrix: VoteMatrix, excluded: Iterable[str] = ()) -> np.ndarray:
    """Boolean mask of statements not moderated out / meta."""
    out = set(map(str, excluded))
    return np.array([s not in out for s in matrix.statement_ids], dtype=np.bool_)


def participants_who_count(matrix: VoteMatrix, active: np.ndarray, min_votes: int) -> np.ndarray:
    """Pol.is's in-conversation rule: at least ``min(min_votes, n_statements)`` votes."""
    threshold = min(min_votes, int(active.sum()))
    return matrix.votes_per_participant() >= max(threshold, 1)


def analyze(
    matrix: VoteMatrix,
    excluded_statements: Iterable[str] = (),
    settings: Settings | None = None,
) -> Analysis:
    """Run the whole common-ground analysis on ``matrix``."""
    return _run(matrix, active_statements(matrix, excluded_statements), settings or Settings())


def refresh(previous: Analysis, matrix: VoteMatrix) -> Analysis:
    """Recompute after new votes, warm-starting from ``previous``'s fitted state.

    ``matrix`` must have the same participants and statements (in the same order) as the one
    ``previous`` was computed from; new votes replace or add to old ones.
    """
    if matrix.shape != (previous.labels.size, previous.active.size):
        raise ValueError("refresh needs the same participants and statements as before")
    return _run(
        matrix,
        previous.active,
        previous.settings,
        warm_components=previous.components,
        warm_centres=previous.base_centres,
    )


def update(previous: Analysis, matrix: VoteMatrix, changed_rows: npt.ArrayLike) -> Analysis:
    """Fast incremental refresh after a few new votes, without refitting.

    Keeps the fitted state of ``previous`` -- statement means, principal components, base
    clusters and the opinion group of each base cluster -- and only re-places the participants
    in ``changed_rows`` (those whose votes changed): their projection is recomputed with the
    same components and scaling, and they join the group of their nearest base cluster
    (or none, if they still do not cast enough votes). Group statistics (representative
    statements, consensus, divides, sectors) are then recomputed from the full matrix.

    Cost is proportional to the changed participants' votes plus one pass to count votes by
    group, so it is a small fraction of :func:`analyze`. The fitted state slowly goes stale;
    run :func:`refresh` (warm-started refit) or :func:`analyze` now and then, e.g. when more
    than a few percent of votes are new.
    """
    if matrix.shape != (previous.labels.size, previous.active.size):
        raise ValueError("update needs the same participants and statements as before")
    settings, active = previous.settings, previous.active
    rows = np.unique(np.asarray(changed_rows, dtype=np.int64))
    who = participants_who_count(matrix, active, settings.min_votes)
    if who.sum() < 2:
        raise NotEnoughDataError("fewer than two participants cast enough votes to count")
    coords = previous.coordinates.copy()
    if rows.size:
        coords[rows] = projection.project_rows(
            matrix.values[rows], active, previous.center, previous.components
        )
    labels = previous.labels.copy()
    labels[rows] = -1
    place = rows[who[rows]]
    if place.size:
        nearest = clustering.nearest(coords[place], previous.base_centres)
        labels[place] = previous.base_groups[nearest]
    meta = dict(previous.result.meta)
    meta.update(
        n_participants_counted=int(who.sum()),
        n_votes=matrix.n_votes,
        pca_iterations=0,
        incremental=True,
    )
    result = _assemble(matrix, active, settings, labels, coords, len(previous.result.groups), meta)
    return replace(previous, result=result, labels=labels, counts_mask=who, coordinates=coords)


def _run(
    matrix: VoteMatrix,
    active: np.ndarray,
    settings: Settings,
    warm_components: FloatArray | None = None,
    warm_centres: FloatArray | None = None,
) -> Analysis:
    n, m = matrix.shape
    if n == 0 or not active.any():
        raise NotEnoughDataError("no participants or no statements in the analysis")
    who = participants_who_count(matrix, active, settings.min_votes)
    if who.sum() < 2:
        raise NotEnoughDataError("fewer than two participants cast enough votes to count")
    proj = projection.project(
        matrix.values, active, who, seed=settings.seed, warm_start=warm_components
    )
    rows = np.flatnonzero(who)
    cl = clustering.cluster(
        proj.coordinates[rows],
        seed=settings.seed,
        base_k=settings.base_k,
        max_groups=settings.max_groups,
        warm_base_centres=warm_centres,
        min_group_size=settings.min_group_size,
        min_group_share=settings.min_group_share,
        weight_silhouette=settings.weight_silhouette,
        extra_group_penalty=settings.extra_group_penalty,
    )
    labels = np.full(n, -1, dtype=np.int64)
    labels[rows] = cl.labels
    n_groups = int(cl.base_groups.max()) + 1 if cl.base_groups.size else 1
    meta: dict[str, Any] = {
        "n_participants": n,
        "n_participants_counted": int(who.sum()),
        "n_statements": m,
        "n_statements_active": int(active.sum()),
        "n_votes": matrix.n_votes,
        "n_groups": n_groups,
        "silhouettes": {str(k): round(v, 6) for k, v in cl.silhouettes.items()},
        "seed": settings.seed,
        "pca_iterations": proj.iterations,
    }
    result = _assemble(matrix, active, settings, labels, proj.coordinates, n_groups, meta)
    return Analysis(
        result,
        labels,
        who,
        active,
        proj.components,
        cl.base_centres,
        settings,
        coordinates=proj.coordinates,
        center=proj.center,
        base_groups=cl.base_groups,
    )


def _assemble(
    matrix: VoteMatrix,
    active: np.ndarray,
    settings: Settings,
    labels: IntArray,
    coords: FloatArray,
    n_groups: int,
    meta: dict[str, Any],
) -> CommonGroundResult:
    """Group statistics and the result, from group labels and coordinates."""
    counts = group_counts(matrix, labels, n_groups)
    reps = repness.repness(counts, matrix.statement_ids, active, settings.pick_max)
    cons = consensus.consensus(counts, matrix.statement_ids, active, settings.pick_max)
    divs = consensus.divides(counts, matrix.statement_ids, active, settings.pick_max)
    pids = matrix.participant_ids
    voters = np.flatnonzero(np.diff(matrix.values.indptr) > 0)
    lab = labels[voters].tolist()
    xy = coords[voters].tolist()
    participants = {pids[i]: (g if g >= 0 else None) for i, g in zip(voters, lab, strict=True)}
    projected = {pids[i]: (p[0], p[1]) for i, p in zip(voters, xy, strict=True)}
    groups = []
    for g in range(n_groups):
        members = labels == g
        centre = coords[members].mean(axis=0) if members.any() else np.zeros(2)
        groups.append(Group(g, int(members.sum()), (float(centre[0]), float(centre[1]))))
    sector_rows = None
    if matrix.sectors is not None:
        sector_rows = sectors.sector_breakdown(
            matrix.sectors, labels, n_groups, settings.min_group_size
        )
    return CommonGroundResult(
        participants=participants,
        projection=projected,
        groups=groups,
        repness=reps,
        consensus=cons,
        divides=divs,
        sectors=sector_rows,
        meta=meta,
    )
