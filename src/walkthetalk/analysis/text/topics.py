"""Topics: short texts (statements, avoided issues) grouped into named topics, locally.

Method: NMF (non-negative matrix factorisation) of the texts' TF-IDF word weights, one run per
candidate number of topics ``k``, from the NNDSVD start (its SVD on a fixed random stream), so
the same texts give the same topics. A text may belong to several topics.

**The number of topics is chosen by stability** (Greene, O'Callaghan and Cunningham 2014, "How
many topics? Stability analysis for topic models", ECML PKDD): for each ``k``, NMF on all texts
gives reference topics; NMF on ``SAMPLES`` random subsets of ``SAMPLE_SHARE`` of the texts gives
others; each subset's topics are matched to the reference ones (Hungarian matching) by the
average Jaccard agreement of their top ``TOP_TERMS`` words at every depth 1..``TOP_TERMS``; the
stability of ``k`` is the mean agreement of the matched pairs over the subsets. The number
chosen is the fewest topics whose stability is within one standard error (over the subsets) of
the most stable ``k`` -- the one-standard-error rule (Breiman, Friedman, Olshen and Stone 1984),
since on real conversations two ``k`` can be about as stable and a plain maximum then flips with
the subsets drawn. ``SAMPLE_SHARE`` 0.8 follows the paper;
``SAMPLES`` (30) and ``TOP_TERMS`` (10) are kept small so a refresh stays cheap.
With a plain maximum the choice moved with the number of subsets on one of four Pol.is
conversations (bg2050: 2 with 10 or 60 subsets, 6 with 30); ``benchmarks/topics.py`` prints
the ``k`` chosen with ``SAMPLES`` and with twice as many side by side.

**Membership:** a text belongs to every topic whose share of its (row-normalised) NMF weights is
above ``1/k`` -- more than it would have if it were spread evenly over the topics. A text with no
weight at all (no word in the vocabulary) belongs to none.

**Names:** the top ``NAME_TERMS`` words of a topic, joined; a facilitator may rename them, and
:func:`carry_over` keeps renames and merges across recomputations (a new topic is the same as an
earlier one when they share most of their naming words).

No figure about a topic is computed here: only membership and words.
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

MIN_TOPICS = 2
MAX_TOPICS = 8
MIN_TEXTS_PER_TOPIC = 3  # k is at most len(texts) // 3
SAMPLES = 30
SAMPLE_SHARE = 0.8
TOP_TERMS = 10
NAME_TERMS = 3
MAX_ITER = 1000
SEED = 20_241_203  # fixed stream of the subsets (the result never depends on a caller's seed)

SPANISH_STOP_WORDS = frozenset(
    """de la que el en y a los del se las por un para con no una su al lo como más pero sus le
    ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde
    todo nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué
    unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar
    estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras vosotros vosotras os
    mío mía míos mías tuyo tuya tuyos tuyas suyo suya suyos suyas nuestro nuestra nuestros
    nuestras vuestro vuestra vuestros vuestras esos esas es son ser fue han ha hemos tiene
    tienen tenemos""".split()
)


def _folded(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


WORD = r"(?u)\b[^\W\d_]{3,}\b"  # words of three letters or more (no digits)
STOP_WORDS = sorted(
    ENGLISH_STOP_WORDS | SPANISH_STOP_WORDS | {_folded(w) for w in SPANISH_STOP_WORDS}
)


@dataclass(frozen=True)
class Topic:
    """One topic: its naming words (best first) and the texts in it (indices)."""

    terms: tuple[str, ...]
    members: tuple[int, ...]

    @property
    def name(self) -> str:
        return " · ".join(self.terms[:NAME_TERMS])

    @property
    def signature(self) -> frozenset[str]:
        return frozenset(self.terms[:NAME_TERMS])


@dataclass(frozen=True)
class Topics:
    """The topics of a set of texts and why this many (``stability`` per ``k`` tried)."""

    topics: tuple[Topic, ...] = ()
    stability: dict[int, float] = field(default_factory=dict)
    reason: str = ""


def _vectorise(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """TF-IDF over words (stop words out, accents folded); words in at least two texts when
    that leaves enough of them, else every word. ``None`` when there is no vocabulary."""
    for min_df in (2, 1):
        vectoriser = TfidfVectorizer(
            stop_words=STOP_WORDS,
            strip_accents="unicode",
            lowercase=True,
            token_pattern=WORD,
            sublinear_tf=True,
            min_df=min_df,
        )
        try:
            x = vectoriser.fit_transform(texts)
        except ValueError:  # empty vocabulary
            continue
        if x.shape[1] >= 2 * MIN_TOPICS:
            return x, vectoriser.get_feature_names_out()
    return None


def _nmf(x: object, k: int) -> tuple[np.ndarray, np.ndarray]:
    """NMF from the NNDSVD start (Boutsidis and Gallopoulos 2008; its SVD on a fixed stream).
    A run that stops at ``MAX_ITER`` steps is used as it is, without a warning in the worker's
    log (small subsets of short texts often do)."""
    model = NMF(n_components=k, init="nndsvd", max_iter=MAX_ITER, tol=1e-4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w = model.fit_transform(x)
    return w, model.components_


def _top(h: np.ndarray, n: int) -> list[list[int]]:
    """Each topic's ``n`` heaviest words (indices, heaviest first; ties by index)."""
    return [list(np.lexsort((np.arange(row.size), -row))[:n]) for row in h]


def average_jaccard(a: Sequence[object], b: Sequence[object]) -> float:
    """Greene et al.'s agreement of two ranked lists: the mean Jaccard index of their top
    ``d`` items, for ``d`` = 1 .. the shorter length."""
    depth = min(len(a), len(b))
    if depth == 0:
        return 0.0
    total = 0.0
    for d in range(1, depth + 1):
        sa, sb = set(a[:d]), set(b[:d])
        total += len(sa & sb) / len(sa | sb)
    return total / depth


def _agreement(reference: list[list[str]], other: list[list[str]]) -> float:
    """Mean average-Jaccard of the best one-to-one matching of two sets of topics."""
    score = np.array([[average_jaccard(r, o) for o in other] for r in reference])
    rows, cols = linear_sum_assignment(-score)
    return float(score[rows, cols].mean())


def stability(
    x: object, terms: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Stability of ``k`` topics (see the module docstring): the mean agreement over the
    subsets and its standard error."""
    n = x.shape[0]  # type: ignore[attr-defined]
    _, h = _nmf(x, k)
    reference = [[str(terms[j]) for j in top] for top in _top(h, TOP_TERMS)]
    scores = []
    for _ in range(SAMPLES):
        rows = np.sort(rng.choice(n, max(int(round(SAMPLE_SHARE * n)), k), replace=False))
        _, hs = _nmf(x[rows], k)  # type: ignore[index]
        other = [[str(terms[j]) for j in t] for t in _top(hs, TOP_TERMS)]
        scores.append(_agreement(reference, other))
    return float(np.mean(scores)), float(np.std(scores, ddof=1) / np.sqrt(len(scores)))


def choose_k(scores: dict[int, tuple[float, float]]) -> int:
    """The one-standard-error rule over the stabilities: the fewest topics whose stability is
    within one standard error of the most stable ``k`` (Breiman et al. 1984)."""
    best = max(scores, key=lambda k: (scores[k][0], -k))
    bar = scores[best][0] - scores[best][1]
    return min(k for k, (mean, _) in scores.items() if mean >= bar)


def membership(w: np.ndarray) -> list[list[int]]:
    """The topics of each text: those with more than ``1/k`` of its NMF weight."""
    k = w.shape[1]
    totals = w.sum(axis=1, keepdims=True)
    shares = np.divide(w, totals, out=np.zeros_like(w), where=totals > 0)
    return [list(np.flatnonzero(row > 1.0 / k)) for row in shares]


def find_topics(texts: Sequence[str], max_topics: int = MAX_TOPICS) -> Topics:
    """Topics of ``texts`` with the number chosen by stability; empty (with a reason) when
    there are too few texts or words to find two topics."""
    upper = min(max_topics, len(texts) // MIN_TEXTS_PER_TOPIC)
    if upper < MIN_TOPICS:
        return Topics(reason=f"topics need at least {MIN_TOPICS * MIN_TEXTS_PER_TOPIC} texts")
    found = _vectorise(list(texts))
    if found is None:
        return Topics(reason="the texts share too few words to find topics")
    x, terms = found
    upper = min(upper, x.shape[1] // 2)
    scores: dict[int, tuple[float, float]] = {}
    for k in range(MIN_TOPICS, upper + 1):
        scores[k] = stability(x, terms, k, np.random.default_rng([SEED, k]))
    if not scores:
        return Topics(reason="the texts share too few words to find topics")
    best = choose_k(scores)
    w, h = _nmf(x, best)
    members = membership(w)
    topics = []
    for t, top in enumerate(_top(h, TOP_TERMS)):
        inside = tuple(i for i, ts in enumerate(members) if t in ts)
        words = tuple(str(terms[j]) for j in top if h[t, j] > 0)
        if inside and words:
            topics.append(Topic(words, inside))
    return Topics(tuple(topics), {k: round(v[0], 4) for k, v in scores.items()})


@dataclass(frozen=True)
class Kept:
    """A topic as stored: its shown name, whether a person named it, and the naming words of
    every computed topic it stands for (more than one after a merge)."""

    name: str
    renamed: bool
    signatures: tuple[frozenset[str], ...]


def same_topic(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two computed topics are the same when they share most of their naming words."""
    return len(a & b) * 2 > max(len(a), len(b))


def carry_over(kept: Sequence[Kept], new: Sequence[Topic]) -> list[tuple[int | None, list[int]]]:
    """How newly computed topics map onto stored ones: a list of ``(stored index or None,
    [new topic indices])``. New topics that match the same stored topic (one merged by a
    facilitator) are merged again; a stored topic keeps its name; a new topic matching none
    stands alone (``None``). Each new topic goes to the first stored topic it matches."""
    groups: dict[int, list[int]] = {}
    alone: list[tuple[int | None, list[int]]] = []
    for t, topic in enumerate(new):
        match = next(
            (
                i
                for i, old in enumerate(kept)
                if any(same_topic(topic.signature, sig) for sig in old.signatures)
            ),
            None,
        )
        if match is None:
            alone.append((None, [t]))
        else:
            groups.setdefault(match, []).append(t)
    return [(i, ts) for i, ts in sorted(groups.items())] + alone


__all__ = [
    "Kept",
    "Topic",
    "Topics",
    "carry_over",
    "choose_k",
    "find_topics",
    "membership",
    "stability",
]
