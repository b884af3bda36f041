"""Reading grade: syllable counts and the Flesch-Kincaid grade."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse.readability import flesch_kincaid_grade, syllables


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=15))
def test_every_word_has_at_least_one_syllable_and_no_more_than_its_letters(word: str) -> None:
    assert 1 <= syllables(word) <= len(word)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.sampled_from(["people", "talk", "about", "hard", "subjects", "celebrate"]),
        min_size=1,
        max_size=12,
    )
)
def test_longer_sentences_of_the_same_words_read_harder(ws: list[str]) -> None:
    short = " ".join(ws) + "."
    long = " ".join(ws + ws) + "."
    assert flesch_kincaid_grade([long]) > flesch_kincaid_grade([short])
