import numpy as np
import pytest

from walkthetalk.analysis.commonground.matrix import build_vote_matrix, from_dense


def test_pass_and_not_voted_are_distinct():
    m = from_dense([[1, 0, np.nan], [np.nan, -1, 0]])
    assert m.values.nnz == 4  # the two passes are stored
    assert m.voted().toarray().tolist() == [[True, True, False], [False, True, True]]
    assert m.values.toarray().tolist() == [[1, 0, 0], [0, -1, 0]]
    assert m.votes_per_participant().tolist() == [2, 2]
    assert m.count_votes(0).toarray().tolist() == [[0, 1, 0], [0, 0, 1]]


def test_latest_vote_by_timestamp_wins():
    m = build_vote_matrix(
        ["a", "a", "a", "b"],
        ["s1", "s1", "s2", "s1"],
        [1, -1, 0, 1],
        timestamps=[20, 10, 5, 1],  # the agree at t=20 is later than the disagree at t=10
    )
    assert m.participant_ids == ("a", "b")
    assert m.statement_ids == ("s1", "s2")
    assert m.values.toarray().tolist() == [[1, 0], [1, 0]]
    assert m.voted().toarray().tolist() == [[True, True], [True, False]]


def test_statement_order_keeps_unvoted_statements():
    m = build_vote_matrix(["a"], ["s2"], [1], statement_order=["s1", "s2", "s3"])
    assert m.statement_ids == ("s1", "s2", "s3")
    assert m.shape == (1, 3)
    assert m.votes_per_participant().tolist() == [1]


def test_rejects_bad_votes():
    with pytest.raises(ValueError):
        build_vote_matrix(["a"], ["s"], [2])


def test_with_votes_replaces_and_adds():
    m = from_dense([[1, np.nan], [np.nan, 0]])
    m2 = m.with_votes([0, 1], [0, 0], [-1, 1])
    assert m2.values.toarray().tolist() == [[-1, 0], [1, 0]]
    assert m2.voted().toarray().tolist() == [[True, False], [True, True]]
    assert m.values.toarray().tolist() == [[1, 0], [0, 0]]  # original untouched
