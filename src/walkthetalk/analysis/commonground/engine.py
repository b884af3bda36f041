"""Orchestration: vote matrix in, :class:`CommonGroundResult` (and refit state) out.

Pipeline (Pol.is conversation math; departures are named where they happen):

1. Statements out of the analysis -- moderated out (``moderated == -1``) or meta -- are zeroed.
   Statements about the participant (:mod:`.about`) stay in the projection but are never listed.
2. Participants who never agreed or disagreed with a statement in the analysis are left out
   altogether: a row of passes carries no opinion, so adding one changes nothing (a departure:
   Pol.is counts passes as 0 in the statement means).
3. Participants who count (Pol.is's ``in-conv``): at least ``min(7, statements)`` votes, passes
   and votes on excluded statements included; or counted at an earlier time
   (``counted_before``: once in, Pol.is keeps them in); and if fewer than 15 count, the most
   active voters are added up to 15 (ties at the cut are all taken, so the rule does not
   depend on row order).
4. PCA of the mean-imputed, centred votes of the participants who count (a departure: Pol.is
   fits on everyone who voted; cross-validation preferred those who count, ``fit_everyone``);
   everyone is projected with the sparsity-aware scaling (:mod:`.projection`).
5. Base clusters (k-means, up to 100) on the projection of those who count, the number of
   opinion groups by silhouette on the base clusters, the groups as k-means of the
   participants (:mod:`.clustering`).
6. Per-group representative statements (:mod:`.repness`), group-informed consensus, majority
   statements, divides and areas of uncertainty (:mod:`.consensus`), the full per-statement
   table, sector breakdown (:mod:`.sectors`).

Degenerate input (no statement, every vote a pass, a single statement, fewer than
``min_group_size`` participants who count, one opinion group) gives empty lists and a reason
for each in ``result.reasons`` -- never lists that would mislead.

:func:`analyze` returns an :class:`Analysis` holding the result and the fitted state. After
new votes, :func:`update` keeps that state and re-places only the participants who voted
(fastest), and :func:`refresh` refits everything warm-started from it (components, base
centres).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from . import clustering, consensus, projection, repness, sectors
from .about import about_participant_mask
from .counts import GroupCounts, group_counts
from .errors import NotEnoughDataError
from .matrix import FloatArray, IntArray, VoteMatrix, column_index, row_sums
from .result import CommonGroundResult, Consensus, StatementTable
from .result import Group as GroupInfo

MIN_VOTES = 7  # Pol.is: votes a participant needs (or every statement, if fewer)
GREEDY_N = 15  # Pol.is: if fewer count, the most active voters are added up to this many
FIT_EVERYONE = False  # Pol.is fits on everyone; cross-validation kept those who count
MIN_STATEMENTS = 2  # a 2-D opinion map of a single statement is not a map


@dataclass(frozen=True)
class Settings:
    """Knobs of the analysis; the defaults follow Pol.is except where leave-one-conversation-out
    cross-validation chose otherwise (group penalty, smallest group share, groups refined on
    the participants, PCA on those who count: see :mod:`.clustering` and
    ``benchmarks/commonground.py``).

    ``seed`` changes nothing: every random step of the analysis (the PCA's start block, the
    k-means initialisations) draws from fixed streams, so the result is the same for every
    seed. It is kept, and recorded in ``meta``, so callers that pass one keep working.

    ``min_group_size`` is both the privacy threshold for sector counts and the smallest
    opinion group the clustering accepts (together with ``min_group_share`` of those who
    count); fewer participants who count than that gives no groups.
    """

    seed: int = 0
    min_group_size: int = 5
    base_k: int = clustering.BASE_K
    max_groups: int = clustering.MAX_GROUPS
    pick_max: int = 5
    min_votes: int = MIN_VOTES
    greedy_n: int = GREEDY_N
    min_group_share: float = clustering.MIN_GROUP_SHARE
    weight_silhouette: bool = False
    extra_group_penalty: float = clustering.EXTRA_GROUP_PENALTY
    fit_everyone: bool = FIT_EVERYONE
    refine_groups: bool = clustering.REFINE


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
    listable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    text: Mapping[str, str] = field(default_factory=dict)


def active_statements(matrix: VoteMatrix, excluded: Iterable[str] = ()) -> np.ndarray:
    """Boolean mask of statements not moderated out / meta."""
    out = set(map(str, excluded))
    return np.array([s not in out for s in matrix.statement_ids], dtype=np.bool_)


def expressed_opinion(values: sp.csr_matrix, active: np.ndarray) -> np.ndarray:
    """Participants with at least one agree or disagree on a statement in the analysis."""
    hit = values.data != 0
    if not active.all():
        hit &= active[column_index(values)]
    return row_sums(values, hit) > 0


def _keep_rows(values: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """``values`` with the rows not in ``keep`` emptied (same shape)."""
    if keep.all():
        return values
    per_row = np.diff(values.indptr)
    entry_keep = np.repeat(keep, per_row)
    indptr = np.zeros(values.shape[0] + 1, dtype=values.indptr.dtype)
    np.cumsum(np.where(keep, per_row, 0), out=indptr[1:])
    return sp.csr_matrix(
        (values.data[entry_keep], values.indices[entry_keep], indptr), shape=values.shape
    )


def participants_who_count(
    matrix: VoteMatrix,
    active: np.ndarray,
    min_votes: int,
    expressed: np.ndarray | None = None,
    counted_before: np.ndarray | None = None,
    greedy_n: int = GREEDY_N,
) -> np.ndarray:
    """Pol.is's ``in-conv`` rule (see the module docstring, step 3)."""
    votes = matrix.votes_per_participant()
    pool = np.ones(votes.size, dtype=np.bool_) if expressed is None else expressed
    threshold = max(min(min_votes, matrix.shape[1]), 1)
    who = pool & (votes >= threshold)
    if counted_before is not None:
        who |= pool & counted_before
    missing = greedy_n - int(who.sum())
    candidates = np.flatnonzero(pool & ~who)
    if missing > 0 and candidates.size:
        ranked = np.sort(votes[candidates])[::-1]
        cut = ranked[min(missing, ranked.size) - 1]
        who[candidates[votes[candidates] >= cut]] = True
    return who


def _mask_of(ids: Iterable[str] | None, labels: tuple[str, ...]) -> np.ndarray | None:
    if ids is None:
        return None
    wanted = set(map(str, ids))
    return np.array([p in wanted for p in labels], dtype=np.bool_)


def analyze(
    matrix: VoteMatrix,
    excluded_statements: Iterable[str] = (),
    settings: Settings | None = None,
    *,
    statement_text: Mapping[str, str] | None = None,
    counted_before: Iterable[str] | None = None,
) -> Analysis:
    """Run the whole common-ground analysis on ``matrix``.

    ``statement_text`` (id -> text) is carried into every list and the statement table, and
    lets statements about the participant be recognised. ``counted_before`` names
    participants who counted at an earlier time (Pol.is keeps them in).
    """
    return _run(
        matrix,
        active_statements(matrix, excluded_statements),
        settings or Settings(),
        text=dict(statement_text or {}),
        counted_before=_mask_of(counted_before, matrix.participant_ids),
    )


def refresh(previous: Analysis, matrix: VoteMatrix) -> Analysis:
    """Recompute after new votes, warm-starting from ``previous``'s fitted state.

    ``matrix`` must have the same participants and statements (in the same order) as the one
    ``previous`` was computed from; new votes replace or add to old ones. Everyone who counted
    before still counts (as in Pol.is).
    """
    if matrix.shape != (previous.labels.size, previous.active.size):
        raise ValueError("refresh needs the same participants and statements as before")
    return _run(
        matrix,
        previous.active,
        previous.settings,
        text=dict(previous.text),
        counted_before=previous.counts_mask,
        warm_components=previous.components,
        warm_centres=previous.base_centres,
    )


def update(previous: Analysis, matrix: VoteMatrix, changed_rows: npt.ArrayLike) -> Analysis:
    """Fast incremental refresh after a few new votes, without refitting.

    Keeps the fitted state of ``previous`` -- statement means, principal components, base
    clusters and the opinion group of each base cluster -- and only re-places the participants
    in ``changed_rows`` (those whose votes changed): their projection is recomputed with the
    same components and scaling, and they join the group of their nearest base cluster
    (or none, if they still do not count). Group statistics (representative statements,
    consensus, divides, sectors) are then recomputed from the full matrix.

    Cost is proportional to the changed participants' votes plus one pass to count votes by
    group, so it is a small fraction of :func:`analyze`. The fitted state slowly goes stale;
    run :func:`refresh` (warm-started refit) or :func:`analyze` now and then, e.g. when more
    than a few percent of votes are new.
    """
    if matrix.shape != (previous.labels.size, previous.active.size):
        raise ValueError("update needs the same participants and statements as before")
    settings, active = previous.settings, previous.active
    if len(previous.result.groups) == 0:
        return refresh(previous, matrix)
    rows = np.unique(np.asarray(changed_rows, dtype=np.int64))
    expressed = expressed_opinion(matrix.values, active)
    values = _keep_rows(matrix.values, expressed)
    work = replace(matrix, values=values)
    who = participants_who_count(
        work, active, settings.min_votes, expressed, previous.counts_mask, settings.greedy_n
    )
    coords = previous.coordinates.copy()
    if rows.size:
        coords[rows] = projection.project_rows(
            values[rows], active, previous.center, previous.components
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
    result = _assemble(
        work,
        active,
        previous.listable,
        settings,
        labels,
        coords,
        len(previous.result.groups),
        meta,
        dict(previous.text),
        {},
    )
    return replace(previous, result=result, labels=labels, counts_mask=who, coordinates=coords)


def _run(
    matrix: VoteMatrix,
    active: np.ndarray,
    settings: Settings,
    *,
    text: dict[str, str],
    counted_before: np.ndarray | None = None,
    warm_components: FloatArray | None = None,
    warm_centres: FloatArray | None = None,
) -> Analysis:
    n, m = matrix.shape
    listable = active & ~about_participant_mask(matrix.statement_ids, text)
    expressed = expressed_opinion(matrix.values, active) if m else np.zeros(n, np.bool_)
    values = _keep_rows(matrix.values, expressed)
    work = replace(matrix, values=values)
    who = participants_who_count(
        work, active, settings.min_votes, expressed, counted_before, settings.greedy_n
    )
    meta: dict[str, Any] = {
        "n_participants": n,
        "n_participants_expressed": int(expressed.sum()),
        "n_participants_counted": int(who.sum()),
        "n_statements": m,
        "n_statements_active": int(active.sum()),
        "n_statements_listable": int(listable.sum()),
        "n_votes": matrix.n_votes,
        "seed": settings.seed,
    }
    reason = _degenerate(n, active, expressed, who, settings)
    if reason is not None:
        meta.update(n_groups=0, silhouettes={}, pca_iterations=0)
        labels = np.full(n, -1, dtype=np.int64)
        coords = np.zeros((n, 2))
        result = _assemble(
            work, active, listable, settings, labels, coords, 0, meta, text, {"all": reason}
        )
        return Analysis(
            result,
            labels,
            who,
            active,
            np.zeros((projection.N_COMPONENTS, m)),
            np.zeros((0, 2)),
            settings,
            coordinates=coords,
            center=np.zeros(m),
            base_groups=np.zeros(0, dtype=np.int64),
            listable=listable,
            text=text,
        )
    fit_rows = expressed if settings.fit_everyone else who
    proj = projection.project(values, active, fit_rows, warm_start=warm_components)
    rows = np.flatnonzero(who)
    cl = clustering.cluster(
        proj.coordinates[rows],
        base_k=settings.base_k,
        max_groups=settings.max_groups,
        warm_base_centres=warm_centres,
        min_group_size=settings.min_group_size,
        min_group_share=settings.min_group_share,
        weight_silhouette=settings.weight_silhouette,
        extra_group_penalty=settings.extra_group_penalty,
        refine=settings.refine_groups,
    )
    labels = np.full(n, -1, dtype=np.int64)
    labels[rows] = cl.labels
    n_groups = cl.k
    meta.update(
        n_groups=n_groups,
        silhouettes={str(k): round(v, 6) for k, v in cl.silhouettes.items()},
        pca_iterations=proj.iterations,
    )
    result = _assemble(
        work, active, listable, settings, labels, proj.coordinates, n_groups, meta, text, {}
    )
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
        listable=listable,
        text=text,
    )


def _degenerate(
    n: int, active: np.ndarray, expressed: np.ndarray, who: np.ndarray, settings: Settings
) -> str | None:
    """Why no opinion groups can be formed, or ``None`` if they can."""
    if n == 0:
        return "no one has voted yet"
    if not active.any():
        return "no statement is in the analysis (all are moderated out or meta)"
    if not expressed.any():
        return "every vote so far is a pass: no one has agreed or disagreed with a statement yet"
    if int(active.sum()) < MIN_STATEMENTS:
        return "there is only one statement: opinion groups need votes on at least two"
    if int(who.sum()) < settings.min_group_size:
        return (
            f"only {int(who.sum())} participant(s) voted enough to be placed; at least "
            f"{settings.min_group_size} are needed"
        )
    return None


def _assemble(
    matrix: VoteMatrix,
    active: np.ndarray,
    listable: np.ndarray,
    settings: Settings,
    labels: IntArray,
    coords: FloatArray,
    n_groups: int,
    meta: dict[str, Any],
    text: dict[str, str],
    reasons: dict[str, str],
) -> CommonGroundResult:
    """Group statistics and the result, from group labels and coordinates."""
    ids = matrix.statement_ids
    counts = group_counts(matrix, labels, n_groups)
    why, everything = _reasons_before(reasons, n_groups)
    if n_groups >= 1:
        reps = repness.repness(counts, ids, listable, settings.pick_max, text)
        cons = consensus.consensus(counts, ids, listable, settings.pick_max, text=text)
        divs = consensus.divides(counts, ids, listable, settings.pick_max, text=text)
    else:
        reps, divs = {}, []
        cons = Consensus([], [], [], [], [])
    if everything is None:
        _reasons_after(why, cons, divs, n_groups)
    voters = np.flatnonzero(np.diff(matrix.values.indptr) > 0)
    groups = _groups(labels, coords, n_groups)
    sector_rows = None
    if matrix.sectors is not None:
        sector_rows = sectors.sector_breakdown(
            matrix.sectors, labels, n_groups, settings.min_group_size
        )
    return CommonGroundResult(
        groups=groups,
        repness=reps,
        consensus=cons,
        divides=divs,
        sectors=sector_rows,
        meta=meta,
        statements=_statement_table(counts, ids, active, listable, text),
        reasons=why,
        participant_ids=matrix.participant_ids,
        voters=voters,
        voter_groups=labels[voters],
        voter_coordinates=coords[voters],
    )


def _reasons_before(reasons: dict[str, str], n_groups: int) -> tuple[dict[str, str], str | None]:
    """Why lists are empty, known before the statistics: a reason for everything (``"all"``),
    or one opinion group only (nothing stands apart). Returns the reasons and the ``"all"``."""
    why = dict(reasons)
    everything = why.pop("all", None)
    if everything is not None:
        for name in ("groups", "repness", "consensus", "divides", "uncertainty"):
            why[name] = everything
    elif n_groups < 2:
        one = "everyone who voted enough falls in one opinion group, so no group stands apart"
        why.setdefault("repness", one)
        why.setdefault("divides", one)
    return why, everything


def _reasons_after(why: dict[str, str], cons: Consensus, divs: list[Any], n_groups: int) -> None:
    """Why lists the statistics left empty are empty (reasons already given are kept)."""
    if not (cons.agree or cons.majority_agree or cons.disagree or cons.majority_disagree):
        why.setdefault("consensus", "no statement is agreed or disagreed with by a clear majority")
    if not cons.uncertainty:
        why.setdefault("uncertainty", "no statement draws many passes")
    if n_groups >= 2 and not divs:
        why.setdefault("divides", "no statement was seen by enough members of every group")


def _groups(labels: IntArray, coords: FloatArray, n_groups: int) -> list[GroupInfo]:
    """Each opinion group's size and centre on the map."""
    groups = []
    for g in range(n_groups):
        members = labels == g
        centre = coords[members].mean(axis=0) if members.any() else np.zeros(2)
        groups.append(GroupInfo(g, int(members.sum()), (float(centre[0]), float(centre[1]))))
    return groups


def _statement_table(
    counts: GroupCounts,
    ids: tuple[str, ...],
    active: np.ndarray,
    listable: np.ndarray,
    text: dict[str, str],
) -> StatementTable:
    """Every statement's counts, overall and per group, repness and consensus."""
    if counts.agree.shape[0]:
        gic_a, gic_d = consensus.group_informed_consensus(counts)
    else:
        gic_a = gic_d = np.zeros(len(ids))
    table = repness.repness_table(counts, listable)
    status = tuple(
        "in" if ok else ("moderated or meta" if not inside else "about the participant")
        for ok, inside in zip(listable.tolist(), active.tolist(), strict=True)
    )
    return StatementTable(
        ids=ids,
        text=tuple(text.get(sid, "") for sid in ids),
        status=status,
        agree=counts.agree,
        disagree=counts.disagree,
        seen=counts.seen,
        consensus_agree=gic_a,
        consensus_disagree=gic_d,
        agree_direction=table.agree_direction,
        p=table.p,
        p_test=table.p_test,
        r=table.r,
        r_test=table.r_test,
        metric=table.metric,
        representative=table.ok,
    )


__all__ = [
    "Analysis",
    "NotEnoughDataError",
    "Settings",
    "analyze",
    "participants_who_count",
    "refresh",
    "update",
]
