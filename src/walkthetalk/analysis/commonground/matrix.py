"""The sparse vote matrix: participants x statements, with pass and "not voted" kept apart.

Votes are coded as Pol.is's CSV exports code them: ``1`` agree, ``-1`` disagree, ``0`` pass.
The matrix is a CSR matrix of ``int8`` whose *stored entries* are exactly the votes cast, so a
stored ``0`` is a pass and an absent entry is "not voted". The stored structure
(``indptr``/``indices``) is the voted mask; :meth:`VoteMatrix.voted` exposes it as a separate
boolean CSR matrix that shares those arrays. Zeros are never eliminated from the vote codes
(a stored 0 is a pass); merges shift the codes to 1..3 first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

AGREE = 1
DISAGREE = -1
PASS = 0

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class VoteMatrix:
    """Latest vote per (participant, statement).

    Attributes:
        participant_ids: label of each row (strings, as in the export).
        statement_ids: label of each column.
        values: CSR ``int8`` matrix; stored entries are votes (-1, 0, 1), absent means not voted.
        sectors: declared stakeholder sector per row (``None`` where not declared), or ``None``
            when the votes carry no sector at all.
    """

    participant_ids: tuple[str, ...]
    statement_ids: tuple[str, ...]
    values: sp.csr_matrix
    sectors: tuple[str | None, ...] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.participant_ids), len(self.statement_ids))

    @property
    def n_votes(self) -> int:
        return int(self.values.nnz)

    def voted(self) -> sp.csr_matrix:
        """Boolean mask of cast votes (pass included), sharing the structure of ``values``."""
        v = self.values
        ones = np.ones(v.nnz, dtype=np.bool_)
        return sp.csr_matrix((ones, v.indices, v.indptr), shape=v.shape, copy=False)

    def votes_per_participant(self, columns: npt.NDArray[np.bool_] | None = None) -> IntArray:
        """Number of votes (pass included) each participant cast, optionally on some columns."""
        v = self.values
        if columns is None:
            return np.diff(v.indptr).astype(np.int64)
        return row_sums(v, columns[column_index(v)]).astype(np.int64)

    def count_votes(self, code: int) -> sp.csr_matrix:
        """CSR matrix of float64 ones where the stored vote equals ``code``."""
        v = self.values
        hit = (v.data == code).astype(np.float64)
        m = sp.csr_matrix((hit, v.indices, v.indptr), shape=v.shape)
        return m

    def with_votes(
        self,
        rows: npt.ArrayLike,
        cols: npt.ArrayLike,
        votes: npt.ArrayLike,
    ) -> VoteMatrix:
        """A new matrix where the given (row, col) votes replace or add to the current ones.

        Rows and columns are indices into the existing ``participant_ids``/``statement_ids``.
        """
        r_new = np.asarray(rows, dtype=np.int64)
        c_new = np.asarray(cols, dtype=np.int64)
        v_new = np.asarray(votes, dtype=np.int8)
        if v_new.size and (v_new.min() < -1 or v_new.max() > 1):
            raise ValueError("votes must be -1, 0 or 1")
        new = _latest_to_csr(r_new, c_new, v_new, np.arange(r_new.size, dtype=np.int64), self.shape)
        # Shift codes to 1..3 so no stored vote is zero while merging (sparse arithmetic
        # drops zeros), then: old - old_where_new + new, in linear-time sparse merges.
        old_enc = _shifted(self.values)
        new_enc = _shifted(new)
        new_mask = sp.csr_matrix(
            (np.ones(new.nnz, dtype=np.int16), new.indices, new.indptr), shape=self.shape
        )
        merged = (old_enc - old_enc.multiply(new_mask) + new_enc).tocsr()
        merged.eliminate_zeros()  # only the shifted codes remain, all >= 1
        merged.sort_indices()
        values = sp.csr_matrix(
            ((merged.data - 2).astype(np.int8), merged.indices, merged.indptr), shape=self.shape
        )
        return VoteMatrix(self.participant_ids, self.statement_ids, values, self.sectors)


def column_index(values: sp.csr_matrix) -> npt.NDArray[np.intp]:
    """The column of each stored entry as ``intp``: indexing an array with scipy's ``int32``
    indices makes numpy convert them on every use (about ten times slower)."""
    return values.indices.astype(np.intp)


def row_sums(values: sp.csr_matrix, entries: npt.NDArray[np.generic]) -> FloatArray:
    """Per-row sum of ``entries`` (one number per stored entry of ``values``), as float64."""
    out = np.zeros(values.shape[0])
    nonempty = values.indptr[1:] > values.indptr[:-1]
    if nonempty.any():  # consecutive starts of the non-empty rows delimit each row's entries
        out[nonempty] = np.add.reduceat(entries, values.indptr[:-1][nonempty], dtype=np.float64)
    return out


def _shifted(values: sp.csr_matrix) -> sp.csr_matrix:
    data = values.data.astype(np.int16) + 2
    return sp.csr_matrix((data, values.indices, values.indptr), shape=values.shape)


def _latest_to_csr(
    rows: IntArray,
    cols: IntArray,
    votes: npt.NDArray[np.int8],
    order: npt.NDArray[np.int64] | npt.NDArray[np.float64],
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """Keep the entry with the greatest ``order`` per (row, col) and build a CSR matrix.

    Stable ordering means that among equal ``order`` values the one listed last wins.
    """
    n_rows, n_cols = shape
    if rows.size == 0:
        return sp.csr_matrix(shape, dtype=np.int8)
    key = rows * np.int64(max(n_cols, 1)) + cols
    # Sort by key, then by order; the last of each key run is the latest vote.
    idx = np.lexsort((np.arange(key.size), order, key))
    key_sorted = key[idx]
    last = np.ones(key_sorted.size, dtype=np.bool_)
    last[:-1] = key_sorted[1:] != key_sorted[:-1]
    sel = idx[last]
    r = rows[sel]
    c = cols[sel]
    v = votes[sel].astype(np.int8)
    # Keys were sorted, so (r, c) is already in CSR order.
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n_rows), out=indptr[1:])
    index_dtype = np.int32 if max(n_cols, r.size) < 2**31 - 1 else np.int64
    return sp.csr_matrix(
        (v, c.astype(index_dtype), indptr.astype(index_dtype)), shape=shape, copy=False
    )


def build_vote_matrix(
    participants: Sequence[str] | npt.NDArray[np.str_] | npt.NDArray[np.object_],
    statements: Sequence[str] | npt.NDArray[np.str_] | npt.NDArray[np.object_],
    votes: npt.ArrayLike,
    timestamps: npt.ArrayLike | None = None,
    *,
    participant_order: Sequence[str] | None = None,
    statement_order: Sequence[str] | None = None,
    sectors: dict[str, str] | None = None,
) -> VoteMatrix:
    """Build a :class:`VoteMatrix` from one row per vote event.

    When the same participant voted on the same statement more than once, the vote with the
    greatest timestamp is kept (the last one listed when timestamps tie or are absent).

    Args:
        participants, statements: labels of the voter and statement of each vote event.
        votes: 1 agree, -1 disagree, 0 pass.
        timestamps: optional ordering of the events.
        participant_order, statement_order: full label lists (e.g. including statements
            nobody voted on); labels seen in the votes but missing here are appended.
        sectors: optional declared sector per participant label.
    """
    p_arr = np.asarray(participants).astype(str)
    s_arr = np.asarray(statements).astype(str)
    v_arr = np.asarray(votes, dtype=np.int64)
    if not (p_arr.shape == s_arr.shape == v_arr.shape):
        raise ValueError("participants, statements and votes must have the same length")
    if v_arr.size and (v_arr.min() < -1 or v_arr.max() > 1):
        raise ValueError("votes must be -1, 0 or 1")
    p_labels, p_idx = _encode(p_arr, participant_order)
    s_labels, s_idx = _encode(s_arr, statement_order)
    order: npt.NDArray[np.float64] | npt.NDArray[np.int64]
    if timestamps is None:
        order = np.arange(v_arr.size, dtype=np.int64)
    else:
        order = np.asarray(timestamps, dtype=np.float64)
        if order.shape != v_arr.shape:
            raise ValueError("timestamps must have the same length as votes")
    values = _latest_to_csr(
        p_idx, s_idx, v_arr.astype(np.int8), order, (len(p_labels), len(s_labels))
    )
    sector_tuple: tuple[str | None, ...] | None = None
    if sectors:
        sector_tuple = tuple(sectors.get(p) for p in p_labels)
    return VoteMatrix(tuple(p_labels), tuple(s_labels), values, sector_tuple)


def _encode(
    labels: npt.NDArray[np.str_], order: Sequence[str] | None
) -> tuple[list[str], IntArray]:
    """Map labels to integer indices, keeping ``order`` first then first-seen order."""
    uniq, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    seen_order = [str(u) for u in uniq[np.argsort(first, kind="stable")]]
    if order is None:
        final = seen_order
    else:
        known = [str(x) for x in order]
        known_set = set(known)
        final = known + [x for x in seen_order if x not in known_set]
    position = {lab: i for i, lab in enumerate(final)}
    uniq_pos = np.array([position[str(u)] for u in uniq], dtype=np.int64)
    return final, uniq_pos[inverse.reshape(-1)]


def from_dense(
    dense: npt.ArrayLike,
    participant_ids: Sequence[str] | None = None,
    statement_ids: Sequence[str] | None = None,
) -> VoteMatrix:
    """Build a matrix from a dense array where ``NaN`` means not voted (handy in tests)."""
    arr = np.asarray(dense, dtype=np.float64)
    n, m = arr.shape
    r, c = np.nonzero(~np.isnan(arr))
    values = _latest_to_csr(
        r.astype(np.int64),
        c.astype(np.int64),
        arr[r, c].astype(np.int8),
        np.arange(r.size, dtype=np.int64),
        (n, m),
    )
    pids = tuple(participant_ids) if participant_ids is not None else tuple(map(str, range(n)))
    sids = tuple(statement_ids) if statement_ids is not None else tuple(map(str, range(m)))
    return VoteMatrix(pids, sids, values)


def from_indices(
    rows: npt.ArrayLike,
    cols: npt.ArrayLike,
    votes: npt.ArrayLike,
    shape: tuple[int, int],
    participant_ids: Sequence[str] | None = None,
    statement_ids: Sequence[str] | None = None,
) -> VoteMatrix:
    """Build a matrix from integer row/column indices (the last vote per cell wins).

    The fast path for large synthetic or database-loaded data: no label encoding.
    """
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    v = np.asarray(votes, dtype=np.int8)
    n, m = shape
    values = _latest_to_csr(r, c, v, np.zeros(r.size, dtype=np.int64), shape)
    pids = tuple(participant_ids) if participant_ids is not None else tuple(map(str, range(n)))
    sids = tuple(statement_ids) if statement_ids is not None else tuple(map(str, range(m)))
    return VoteMatrix(pids, sids, values)
