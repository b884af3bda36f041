"""Published statements like the one a participant is about to write (a read).

The similarity itself is :mod:`walkthetalk.analysis.text.similarity` (TF-IDF over character
n-grams, local). Fitting it on 10,000 statements costs seconds, so each process keeps one index
per conversation, with the statement behind each row. A check first reads a signature of the
published list (how many, the highest id, how many moderation decisions were ever recorded; one
query, :mod:`~walkthetalk.conversations.write_queries`): when it is the one the index was built
for, nothing else is read but the statements shown. When statements were only
published since, just those are read and added (the vectoriser refits once the index has
doubled). Any other change (a statement taken down or put back: each is a moderation
decision) reads the published ids, leaves out the rows no longer published and adds the new
ones. The statements shown are read again with their status, so a statement taken down is never
shown even by a process that has not seen the change yet. Only published statements are
compared: a participant never learns that a statement waits for a facilitator or was taken
down. Nothing is stored or logged about the text checked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import QuerySet

from walkthetalk.analysis.text.similarity import SimilarityIndex
from walkthetalk.conversations import write_queries
from walkthetalk.conversations.models import Conversation, Statement

MAX_CACHED = 32
"""Conversations whose index a process keeps (least recently used dropped first)."""

Signature = tuple[int, int, int]
"""Published statements, the highest published id, moderation decisions ever recorded."""


@dataclass(frozen=True)
class Cached:
    signature: Signature
    pks: tuple[int, ...]
    """The statement behind each row of the index."""
    left_out: frozenset[int]
    """Rows whose statement is no longer published."""
    index: SimilarityIndex

    @property
    def live(self) -> int:
        return len(self.pks) - len(self.left_out)


Key = tuple[int, str]
"""A conversation's id and its random public id: an id used again for another conversation
(a database restored from a backup, a test database emptied) never finds the other's index."""

_lock = threading.Lock()
_indexes: OrderedDict[Key, Cached] = OrderedDict()


def key(conversation: Conversation) -> Key:
    return conversation.pk, conversation.public_id


def _published(conversation: Conversation) -> QuerySet[Statement]:
    return Statement.objects.filter(conversation=conversation, status=Statement.Status.PUBLISHED)


def _signature(conversation: Conversation) -> Signature:
    return write_queries.fetch_signature(conversation.pk)


def _built(conversation: Conversation, signature: Signature) -> Cached:
    rows = list(_published(conversation).order_by("pk").values_list("pk", "text"))
    return Cached(
        signature,
        tuple(pk for pk, _ in rows),
        frozenset(),
        SimilarityIndex([text for _, text in rows]),
    )


def _grown(
    cached: Cached, signature: Signature, rows: list[tuple[int, str]], left_out: frozenset[int]
) -> Cached:
    """``rows`` (id, text) added at the end; a refit keeps every row where it was."""
    index = cached.index.extended([text for _, text in rows]) if rows else cached.index
    return Cached(signature, (*cached.pks, *(pk for pk, _ in rows)), left_out, index)


def _updated(conversation: Conversation, cached: Cached, signature: Signature) -> Cached:
    """The cached index brought up to ``signature``, reading as little as possible."""
    if signature[2] == cached.signature[2]:  # no moderation decision since: only additions
        new = write_queries.fetch_published_after(conversation.pk, max(cached.pks, default=0))
        if cached.live + len(new) == signature[0]:
            return _grown(cached, signature, new, cached.left_out)
    published = set(_published(conversation).values_list("pk", flat=True))
    left_out = frozenset(row for row, pk in enumerate(cached.pks) if pk not in published)
    if 2 * len(left_out) > len(cached.pks):
        return _built(conversation, signature)  # mostly taken down: start again
    added = sorted(published - set(cached.pks))
    rows = list(
        _published(conversation).filter(pk__in=added).order_by("pk").values_list("pk", "text")
    )
    return _grown(cached, signature, rows, left_out)


def _current(conversation: Conversation) -> Cached:
    signature = _signature(conversation)
    with _lock:
        cached = _indexes.pop(key(conversation), None)
        if cached is None:
            cached = _built(conversation, signature)
        elif cached.signature != signature:
            cached = _updated(conversation, cached, signature)
        _indexes[key(conversation)] = cached
        while len(_indexes) > MAX_CACHED:
            _indexes.popitem(last=False)
    return cached


def similar_statements(conversation: Conversation, text: str) -> list[Statement]:
    """The published statements most like ``text`` (at most three, most similar first)."""
    cached = _current(conversation)
    matches = cached.index.similar(text, leave_out=cached.left_out)
    wanted = [cached.pks[m.index] for m in matches]
    # Published now, not only when indexed.
    rows = write_queries.fetch_published(conversation.pk, wanted)
    found = {row[0]: Statement.from_db("default", write_queries.SHOWN_FIELDS, row) for row in rows}
    return [found[pk] for pk in wanted if pk in found]


def forget(conversation_pk: int) -> None:
    """Drop a conversation's cached index (tests; a conversation deleted)."""
    with _lock:
        for cached_key in [k for k in _indexes if k[0] == conversation_pk]:
            del _indexes[cached_key]
