"""Pol.is's 2-D projection of participants, computed without densifying the vote matrix.

Pol.is runs PCA on the participants x statements matrix after filling every missing vote with
its statement's mean vote and centring each column on that mean. Centring the imputed matrix
turns every imputed cell into exactly ``0`` and every cast vote ``v_ij`` into
``v_ij - mu_j``, so the centred matrix ``Z`` is as sparse as the votes themselves:

    Z_ij = v_ij - mu_j  if participant i voted on statement j, else 0
    mu_j = mean of the votes cast on j (pass = 0 included)

The two principal components are the top two right singular vectors of ``Z``. For small
matrices they come from the dense Gram matrix and a partial symmetric eigensolver (exact,
order independent); for large ones from a block
subspace (power) iteration on the sparse ``Z`` -- Pol.is itself uses power iteration -- which
can be warm-started from the components of an earlier run.

Projection with Pol.is's sparsity-aware scaling: a participant who voted on few statements
lands near the centre only because most of their row was imputed, so their coordinates are
stretched by ``sqrt(n_statements / n_answered_by_participant)``:

    x_i = sqrt(m / n_i) * sum_j Z_ij * c_j

As in Pol.is, statements out of the analysis (moderated out, meta) are zeroed for everyone:
they add nothing to ``Z`` but count as answered, in ``m`` and in every ``n_i`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.sparse as sp

from .matrix import FloatArray, column_index, row_sums

DENSE_LIMIT = 250_000  # cells; below this the exact dense eigensolver is cheap
N_COMPONENTS = 2
OVERSAMPLE = 4  # extra vectors in the power-iteration block (faster convergence)
COLD_TOL = 1e-6  # largest change of a loading that stops the power iteration
WARM_TOL = 1e-6
START_STREAM = 20_240_611  # fixed random stream of the power iteration's start block


@dataclass(frozen=True)
class Projection:
    """Fitted PCA state and the participants' coordinates.

    Attributes:
        center: mean vote per statement (0 for statements out of the analysis).
        components: ``(2, n_statements)`` principal axes, sign-normalised.
        singular_values: the two leading singular values of the centred matrix.
        coordinates: ``(n_participants, 2)`` scaled projection (0 for rows without votes).
        iterations: power iterations used (0 for the dense path).
    """

    center: FloatArray
    components: FloatArray
    singular_values: FloatArray
    coordinates: FloatArray
    iterations: int


def centred_matrix(
    values: sp.csr_matrix,
    active: npt.NDArray[np.bool_],
    rows: npt.NDArray[np.bool_] | None = None,
) -> tuple[sp.csr_matrix, FloatArray]:
    """Return ``Z`` (float64 CSR, same structure as ``values``) and the column means ``mu``.

    Column means are taken over the rows selected by ``rows`` (all rows if ``None``); columns
    not ``active`` (moderated out, meta) are zeroed, so they play no part in the projection.
    """
    n, m = values.shape
    data = values.data.astype(np.float64)
    cols = column_index(values)
    if rows is None:
        sums = np.bincount(cols, weights=data, minlength=m)
        counts: FloatArray = np.bincount(cols, minlength=m).astype(np.float64)
    else:
        w = np.repeat(rows.astype(np.float64), np.diff(values.indptr))
        sums = np.bincount(cols, weights=data * w, minlength=m)
        counts = np.asarray(np.bincount(cols, weights=w, minlength=m), dtype=np.float64)
    mu = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
    mu[~active] = 0.0
    zdata = data - mu[cols]
    if not active.all():
        zdata[~active[cols]] = 0.0
    z = sp.csr_matrix((zdata, values.indices, values.indptr), shape=(n, m), copy=False)
    return z, mu


def _normalise_signs(components: FloatArray) -> FloatArray:
    """Make the largest-magnitude loading of each component positive (sign is arbitrary)."""
    out = components.copy()
    for k in range(out.shape[0]):
        j = int(np.argmax(np.abs(out[k])))
        if out[k, j] < 0:
            out[k] = -out[k]
    return out


def _dense_components(z: sp.csr_matrix) -> tuple[FloatArray, FloatArray]:
    """Exact top right singular vectors via the smaller Gram matrix and a partial ``eigh``."""
    dense = z.toarray()
    n, m = dense.shape
    k = min(N_COMPONENTS, n, m)
    comps = np.zeros((N_COMPONENTS, m))
    sv = np.zeros(N_COMPONENTS)
    if k == 0:
        return comps, sv
    if m <= n:
        w, v = scipy.linalg.eigh(dense.T @ dense, subset_by_index=[m - k, m - 1])
        vecs = v[:, ::-1].T
    else:
        w, u = scipy.linalg.eigh(dense @ dense.T, subset_by_index=[n - k, n - 1])
        u = u[:, ::-1]
        vecs = (dense.T @ u).T
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)
    comps[:k] = vecs
    sv[:k] = np.sqrt(np.maximum(w[::-1], 0.0))
    return comps, sv


def _power_components(
    z: sp.csr_matrix,
    start: FloatArray | None,
    tol: float = COLD_TOL,
    max_iter: int = 300,
    rows: npt.NDArray[np.bool_] | None = None,
) -> tuple[FloatArray, FloatArray, int]:
    """Block subspace iteration for the top right singular vectors of sparse ``z`` (of its
    ``rows`` only, if given: the other rows' products are zeroed, which spares a copy of
    the fitted rows).

    Uses a block of ``2 + OVERSAMPLE`` vectors (oversampling speeds convergence),
    Rayleigh-Ritz at each step (two sparse products per step), and stops once the two leading
    singular vectors move by less than ``tol`` (largest change of a loading, signs aligned).
    The start block comes from a fixed random stream, so the result is the same on every run;
    ``start`` (earlier components) seeds the block for a warm start, which then typically
    stops after a few steps.
    """
    n, m = z.shape
    block = min(m, N_COMPONENTS + OVERSAMPLE)
    rng = np.random.default_rng(START_STREAM)
    q = rng.standard_normal((m, block))
    if start is not None:
        k = min(start.shape[0], block)
        q[:, :k] = start[:k].T
    q, _ = np.linalg.qr(q)
    sv = np.zeros(N_COMPONENTS)
    prev: FloatArray | None = None
    comps = np.zeros((min(N_COMPONENTS, block), m))
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` reported after the loop
        y = z @ q  # n x block
        if rows is not None:
            y[~rows] = 0.0
        # Rayleigh-Ritz: the SVD of Z q gives the best vectors and values in span(q); it is
        # taken from the small block x block Gram matrix (Z q)^T (Z q).
        w, v = np.linalg.eigh(y.T @ y)
        desc = np.argsort(w)[::-1]
        vt = v[:, desc].T
        sv = np.sqrt(np.maximum(w[desc][:N_COMPONENTS], 0.0))
        comps = _normalise_signs((q @ vt.T)[:, :N_COMPONENTS].T)
        if prev is not None and float(np.abs(comps - prev).max()) <= tol:
            break
        prev = comps
        # One step of subspace iteration on Z^T Z. (y^T Z)^T rather than Z^T y: scattering
        # into the small result is cache friendly, a transposed copy of Z is not (~6x faster).
        q, _ = np.linalg.qr(np.asarray(y.T @ z).T)
    out = np.zeros((N_COMPONENTS, m))
    out[: comps.shape[0]] = comps
    svo = np.zeros(N_COMPONENTS)
    svo[: sv.size] = sv
    return out, svo, it


def project(
    values: sp.csr_matrix,
    active: npt.NDArray[np.bool_],
    fit_rows: npt.NDArray[np.bool_] | None = None,
    *,
    warm_start: FloatArray | None = None,
    dense_limit: int | None = None,
) -> Projection:
    """Fit the two principal components and project every participant.

    Args:
        values: vote matrix (CSR int8, stored entries are votes).
        active: statements that take part (not moderated out, not meta).
        fit_rows: participants whose votes fit the components (those who count);
            everyone is projected.
        warm_start: components of an earlier fit, to start the power iteration from.
        dense_limit: use the exact dense eigensolver when ``rows x active statements`` is at
            most this (and there is no warm start); ``None`` reads ``DENSE_LIMIT``.
    """
    if dense_limit is None:
        dense_limit = DENSE_LIMIT
    z, mu = centred_matrix(values, active, fit_rows)
    n_fit = z.shape[0] if fit_rows is None else int(fit_rows.sum())
    m_active = int(active.sum())
    iterations = 0
    if n_fit == 0 or m_active == 0:
        comps = np.zeros((N_COMPONENTS, values.shape[1]))
        sv = np.zeros(N_COMPONENTS)
    elif warm_start is None and n_fit * m_active <= dense_limit:
        cols = np.flatnonzero(active)
        z_fit = z if fit_rows is None else z[np.flatnonzero(fit_rows)]
        sub_comps, sv = _dense_components(z_fit[:, cols])
        comps = np.zeros((N_COMPONENTS, values.shape[1]))
        comps[:, cols] = sub_comps
    else:
        # A warm start is already close; a looser stop keeps a refresh cheap.
        tol = WARM_TOL if warm_start is not None else COLD_TOL
        fit = None if fit_rows is None or fit_rows.all() else fit_rows
        comps, sv, iterations = _power_components(z, warm_start, tol=tol, rows=fit)
    comps = _normalise_signs(comps)
    raw = np.asarray(z @ comps.T)
    if active.all():
        n_votes = np.diff(values.indptr).astype(np.float64)
    else:
        n_votes = row_sums(values, active[column_index(values)])
    # Pol.is zeroes excluded statements for everyone, so they count as answered by all.
    n_excluded = values.shape[1] - m_active
    n_answered = n_votes + n_excluded
    scale = np.sqrt(
        np.divide(values.shape[1], n_answered, out=np.zeros_like(n_answered), where=n_votes > 0)
    )
    coords = raw * scale[:, None]
    return Projection(mu, comps, sv, coords, iterations)


def project_rows(
    rows: sp.csr_matrix,
    active: npt.NDArray[np.bool_],
    center: FloatArray,
    components: FloatArray,
) -> FloatArray:
    """Project some participants' vote rows with an earlier fit (same formula as
    :func:`project`: centred on ``center``, sparsity-aware scaling)."""
    cols = column_index(rows)
    data = rows.data.astype(np.float64) - center[cols]
    data[~active[cols]] = 0.0
    z = sp.csr_matrix((data, rows.indices, rows.indptr), shape=rows.shape)
    raw = np.asarray(z @ components.T)
    n_votes = row_sums(rows, active[cols])
    n_answered = n_votes + (rows.shape[1] - int(active.sum()))
    scale = np.sqrt(
        np.divide(rows.shape[1], n_answered, out=np.zeros_like(n_answered), where=n_votes > 0)
    )
    return raw * scale[:, None]
