"""Published statements like the one a participant is about to write (a read).

The similarity itself is :mod:`walkthetalk.analysis.text.similarity` (TF-IDF over character
n-grams, local). Fitting it on 10,000 statements costs seconds, so each process keeps one index
per conversation and extends it as statements are published (refitting once it has doubled,
or when a statement left the published list); a check is then a few milliseconds. Only
published statements are compared: a participant never learns that a statement waits for a
facilitator or was taken down. Nothing is stored or logged about the text checked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from walkthetalk.analysis.text.similarity import SimilarityIndex
from walkthetalk.conversations.models import Conversation, Statement

MAX_CACHED = 32
"""Conversations whose index a process keeps (least recently used dropped first)."""

_lock = threading.Lock()
_indexes: OrderedDict[int, tuple[list[str], SimilarityIndex]] = OrderedDict()


def _index(conversation_pk: int, rows: list[tuple[str, str]]) -> SimilarityIndex:
    ids = [public_id for public_id, _ in rows]
    with _lock:
        cached = _indexes.pop(conversation_pk, None)
        if cached is not None and ids[: len(cached[0])] == cached[0]:
            index = cached[1]
            if len(ids) > len(cached[0]):
                index = index.extended([text for _, text in rows[len(cached[0]) :]])
        else:
            index = SimilarityIndex([text for _, text in rows])
        _indexes[conversation_pk] = (ids, index)
        while len(_indexes) > MAX_CACHED:
            _indexes.popitem(last=False)
    return index


def similar_statements(conversation: Conversation, text: str) -> list[Statement]:
    """The published statements most like ``text`` (at most three, most similar first)."""
    rows = list(
        conversation.statements.filter(status=Statement.Status.PUBLISHED)
        .order_by("pk")
        .values_list("public_id", "text")
    )
    matches = _index(conversation.pk, rows).similar(text)
    wanted = [rows[m.index][0] for m in matches]
    found = {s.public_id: s for s in conversation.statements.filter(public_id__in=wanted)}
    return [found[public_id] for public_id in wanted if public_id in found]


def forget(conversation_pk: int) -> None:
    """Drop a conversation's cached index (tests; a conversation deleted)."""
    with _lock:
        _indexes.pop(conversation_pk, None)
