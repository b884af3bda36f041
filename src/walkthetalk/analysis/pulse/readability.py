"""Reading grade of item wording: the Flesch–Kincaid grade level with a rule-based syllable count.

    grade = 0.39 · (words / sentences) + 11.8 · (syllables / words) − 15.59

(Kincaid, Fishburne, Rogers & Chissom 1975). Syllables are counted by vowel groups, with the
usual corrections: a silent final "e" (but not "-le" after a consonant), "-ed" that adds no
syllable, and at least one syllable per word. The count is an estimate (English spelling has
many exceptions); it is used to keep an instrument's wording around grade 6 or below, the level
plain-language guidance asks of public health materials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+")
_VOWELS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Estimated syllables in one English word (at least 1)."""
    w = word.lower().split("'")[0]
    if not w:
        return 0
    count = len(_VOWELS.findall(w))
    consonant_le = w.endswith("le") and len(w) > 2 and w[-3] not in "aeiouy"
    if w.endswith("e") and not w.endswith(("ee", "ye")) and not consonant_le and count > 1:
        count -= 1  # silent final e: "make", "whole" (but "table", "people" keep their -le)
    if w.endswith("ed") and len(w) > 3 and w[-3] not in "td" and count > 1:
        count -= 1  # "asked", "thanked": no extra syllable
    if w.endswith("es") and len(w) > 3 and w[-3] not in "scxzhg" and count > 1:
        count -= 1  # "makes", "takes"
    return max(count, 1)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def flesch_kincaid_grade(sentences: Iterable[str]) -> float:
    """Flesch–Kincaid grade of a set of sentences (each string at least one sentence)."""
    n_sentences = n_words = n_syllables = 0
    for text in sentences:
        ws = words(text)
        if not ws:
            continue
        n_sentences += max(len([s for s in _SENTENCE_END.split(text) if words(s)]), 1)
        n_words += len(ws)
        n_syllables += sum(syllables(w) for w in ws)
    if n_words == 0:
        raise ValueError("no words to grade")
    return 0.39 * n_words / n_sentences + 11.8 * n_syllables / n_words - 15.59
