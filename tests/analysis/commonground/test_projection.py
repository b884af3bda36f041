import numpy as np

from walkthetalk.analysis.commonground.matrix import from_dense
from walkthetalk.analysis.commonground.projection import centred_matrix, project

from .conftest import planted


def _dense_reference(dense: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Pol.is as written: impute column means, centre, PCA, sparsity-aware scaling."""
    x = np.where(active[None, :], dense, 0.0)
    voted = ~np.isnan(dense)
    mu = np.nanmean(np.where(voted, x, np.nan), axis=0)
    mu = np.where(np.isnan(mu), 0, mu)
    mu[~active] = 0
    filled = np.where(voted, x, mu[None, :]) - mu[None, :]
    _, _, vt = np.linalg.svd(filled, full_matrices=False)
    raw = filled @ vt[:2].T
    answered = (voted & active[None, :]).sum(1) + (~active).sum()
    return raw * np.sqrt(dense.shape[1] / answered)[:, None]


def test_sparse_centring_matches_mean_imputation():
    rng = np.random.default_rng(1)
    dense = rng.choice([-1.0, 0.0, 1.0, np.nan], size=(30, 8))
    dense[:, 0] = 1.0  # every column gets votes
    vm = from_dense(dense)
    active = np.ones(8, dtype=bool)
    active[3] = False
    z, mu = centred_matrix(vm.values, active)
    assert z.nnz == vm.values.nnz  # never densified
    ref = _dense_reference(dense, active)
    got = project(vm.values, active).coordinates
    # Components are defined up to sign.
    for k in range(2):
        sign = np.sign(ref[:, k] @ got[:, k])
        np.testing.assert_allclose(got[:, k], sign * ref[:, k], atol=1e-9)


def test_power_iteration_matches_dense_svd():
    vm, _ = planted(n=400, m=30, seed=3)
    active = np.ones(30, dtype=bool)
    dense = project(vm.values, active)
    sparse = project(vm.values, active, dense_limit=0)
    assert sparse.iterations > 0
    np.testing.assert_allclose(sparse.singular_values, dense.singular_values, rtol=1e-6)
    np.testing.assert_allclose(np.abs(sparse.components), np.abs(dense.components), atol=1e-4)


def test_warm_start_converges_faster():
    vm, _ = planted(n=2000, m=60, seed=4)
    active = np.ones(60, dtype=bool)
    cold = project(vm.values, active, dense_limit=0)
    warm = project(vm.values, active, dense_limit=0, warm_start=cold.components)
    assert warm.iterations <= cold.iterations
    np.testing.assert_allclose(warm.coordinates, cold.coordinates, atol=1e-3)
