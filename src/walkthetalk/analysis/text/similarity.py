"""Near-duplicate detection: TF-IDF over character n-grams, cosine similarity.

A new statement (or avoided issue) is compared with the existing ones; those at or above
:data:`THRESHOLD` are shown first so the person can vote on one of them instead. Character
n-grams within word boundaries (3 to 5 characters) catch re-wordings, plural and spelling
variants ("colour"/"color") and typing slips without a language model.

:data:`THRESHOLD` was chosen by cross-validation on the labelled pairs in
``tests/data/near_duplicates/pairs.csv`` (written for this field; see its README): the
threshold that maximises the F-score of :data:`BETA` (precision weighed twice as much as
recall) over the grid :data:`GRID`, picked on the training folds of a
5-fold split grouped by the pairs' first statement; ``benchmarks/near_duplicates.py`` prints
the cross-validated precision and recall and the time per check, and
``tests/analysis/text/test_similarity.py`` checks the constant is the one the rule picks.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn import config_context
from sklearn.feature_extraction.text import TfidfVectorizer

THRESHOLD = 0.62
"""Cosine similarity at or above which two texts are shown as near-duplicates (see above)."""

GRID = np.round(np.arange(0.20, 0.91, 0.02), 2)
"""The thresholds cross-validation chooses among."""

MAX_SHOWN = 3
"""At most this many similar texts are shown before the person writes their own."""


def new_vectorizer() -> TfidfVectorizer:
    """The one text representation used for near-duplicates (and fitted per corpus)."""
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        lowercase=True,
        strip_accents="unicode",
        sublinear_tf=True,
    )


@dataclass(frozen=True)
class Match:
    index: int
    """Position of the similar text in the corpus the index was built from."""
    score: float


MERGE_BLOCKS = 16
"""An extended index keeps the rows added since its last fit in blocks; past this many blocks
they are stacked into one (so adding a statement never copies the whole matrix)."""


def _rows(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:
    """``texts`` weighted by the fitted ``vectorizer``. Its parameters are ours and the texts
    are strings, so scikit-learn's own switches skip its parameter and finiteness checks
    (about a third of a short text's transform)."""
    with config_context(assume_finite=True, skip_parameter_validation=True):
        return sparse.csr_matrix(vectorizer.transform(texts))


class SimilarityIndex:
    """Existing texts, vectorised once; :meth:`similar` checks a new text against them."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = list(texts)
        self.size = len(texts)
        self.fitted_size = len(texts)
        """How many texts the vectoriser's vocabulary and weights were fitted on."""
        self._vectorizer = new_vectorizer()
        self._blocks: list[sparse.csr_matrix] = (
            [sparse.csr_matrix(self._vectorizer.fit_transform(texts))] if texts else []
        )

    def extended(self, texts: Sequence[str]) -> SimilarityIndex:
        """This index with ``texts`` added, weighted by the vectoriser already fitted (cheap:
        a conversation's index grows one statement at a time; refit once it has doubled)."""
        if self.fitted_size == 0 or self.size + len(texts) > 2 * self.fitted_size:
            return SimilarityIndex([*self._texts, *texts])
        grown = SimilarityIndex.__new__(SimilarityIndex)
        grown._vectorizer = self._vectorizer
        blocks = [*self._blocks, _rows(self._vectorizer, texts)]
        if len(blocks) > MERGE_BLOCKS:  # the fitted block stays; the added ones become one
            blocks = [blocks[0], sparse.vstack(blocks[1:], format="csr")]
        grown._blocks = blocks
        grown._texts = [*self._texts, *texts]
        grown.size = self.size + len(texts)
        grown.fitted_size = self.fitted_size
        return grown

    @property
    def texts(self) -> list[str]:
        return list(self._texts)

    def scores(self, text: str) -> NDArray[np.float64]:
        """Cosine similarity of ``text`` with every text in the index (rows are L2-normed)."""
        if self.size == 0 or not text.strip():
            return np.zeros(self.size)
        # A dense query vector: one sparse matrix-vector product per block, no sparse result.
        vector = _rows(self._vectorizer, [text]).toarray().ravel()
        return np.concatenate([block @ vector for block in self._blocks])

    def similar(
        self,
        text: str,
        *,
        threshold: float = THRESHOLD,
        limit: int = MAX_SHOWN,
        leave_out: Collection[int] = (),
    ) -> list[Match]:
        """The most similar texts at or above ``threshold``, most similar first (never one of
        the positions in ``leave_out``)."""
        scores = self.scores(text)
        if len(leave_out):
            scores[np.fromiter(leave_out, dtype=np.intp)] = -1.0
        found = np.flatnonzero(scores >= threshold)
        order = found[np.argsort(-scores[found], kind="stable")][:limit]
        return [Match(int(i), float(scores[i])) for i in order]


def pair_scores(pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
    """Cosine similarity of each pair, with the vectoriser fitted on every text in ``pairs``
    (as the index is fitted on a conversation's statements; no labels are used)."""
    texts = sorted({t for pair in pairs for t in pair})
    position = {t: i for i, t in enumerate(texts)}
    matrix = new_vectorizer().fit_transform(texts)
    left = matrix[[position[a] for a, _ in pairs]]
    right = matrix[[position[b] for _, b in pairs]]
    return np.asarray(left.multiply(right).sum(axis=1)).ravel()


BETA = 0.5
"""The F-score the threshold maximises weighs precision twice as much as recall: a wrong
"someone may have said this already" may discourage a person from adding their own voice,
while a missed duplicate only costs a second statement a facilitator can take down."""


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    f_beta: float
    """F-score with :data:`BETA`."""


def score_at(scores: NDArray[np.float64], same: NDArray[np.bool_], threshold: float) -> Scores:
    predicted = scores >= threshold
    true_pos = float(np.sum(predicted & same))
    precision = true_pos / max(float(np.sum(predicted)), 1.0)
    recall = true_pos / max(float(np.sum(same)), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    b2 = BETA * BETA
    denominator = b2 * precision + recall
    f_beta = (1 + b2) * precision * recall / denominator if denominator else 0.0
    return Scores(precision, recall, f1, f_beta)


def choose_threshold(scores: NDArray[np.float64], same: NDArray[np.bool_]) -> float:
    """The threshold of :data:`GRID` with the highest F-score of :data:`BETA` (ties: the
    lowest threshold)."""
    f_beta = [score_at(scores, same, float(t)).f_beta for t in GRID]
    return float(GRID[int(np.argmax(f_beta))])


@dataclass(frozen=True)
class CrossValidation:
    thresholds: list[float]
    """The threshold chosen on each fold's training pairs."""
    precision: float
    recall: float
    f_beta: float
    """Pooled over the held-out folds, each scored at its own training threshold."""
    chosen: float
    """The rule applied to every pair: the threshold the product uses."""


def cross_validate(
    pairs: Sequence[tuple[str, str]], same: Sequence[bool], *, folds: int = 5, seed: int = 0
) -> CrossValidation:
    """Choose the threshold on ``folds - 1`` folds, score it on the held-out fold; pairs that
    share a first statement stay in one fold, so no statement's re-wordings are split."""
    scores = pair_scores(pairs)
    labels = np.asarray(same, dtype=bool)
    anchors = sorted({a for a, _ in pairs})
    rng = np.random.default_rng(seed)
    fold_of_anchor = {a: i % folds for i, a in enumerate(rng.permutation(anchors))}
    fold = np.array([fold_of_anchor[a] for a, _ in pairs])
    predicted = np.zeros(len(pairs), dtype=bool)
    thresholds = []
    for k in range(folds):
        train = fold != k
        threshold = choose_threshold(scores[train], labels[train])
        thresholds.append(threshold)
        predicted[~train] = scores[~train] >= threshold
    pooled = score_at(predicted.astype(float), labels, 0.5)
    return CrossValidation(
        thresholds,
        pooled.precision,
        pooled.recall,
        pooled.f_beta,
        choose_threshold(scores, labels),
    )
