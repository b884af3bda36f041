import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from walkthetalk.conversations import near_duplicates, services
from walkthetalk.conversations.models import Statement

from ..caremap.factories import small_system
from .factories import conversation, joined

pytestmark = pytest.mark.django_db

REWORDED = "We hardly ever talk openly about our mistakes."
ORIGINAL = "We rarely talk openly about mistakes."
ADDED = "Our team talks openly about mistakes at handover."


def _texts(conv, text: str = REWORDED) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.text for s in near_duplicates.similar_statements(conv, text)]


def test_the_cached_index_grows_with_new_statements_without_refitting() -> None:
    conv = conversation(small_system())
    near_duplicates.forget(conv.pk)
    assert _texts(conv) == [ORIGINAL]
    cached = near_duplicates._indexes[near_duplicates.key(conv)]
    assert cached.index.size == len(cached.pks) == conv.statements.count()
    services.add_seed_statements(conv, [ADDED])
    found = _texts(conv)
    grown = near_duplicates._indexes[near_duplicates.key(conv)]
    assert grown.index.size == cached.index.size + 1
    assert grown.index.fitted_size == cached.index.fitted_size  # extended, not refitted
    assert ADDED in found


def test_a_warm_check_reads_only_the_signature_and_the_statements_shown() -> None:
    conv = conversation(small_system())
    near_duplicates.forget(conv.pk)
    _texts(conv)  # warm
    with CaptureQueriesContext(connection) as queries:
        assert _texts(conv) == [ORIGINAL]
    assert len(queries) == 2  # the signature (count, highest id, decisions); the ones shown
    services.submit_statement(conv, joined(conv), ADDED)  # published at once, no decision
    with CaptureQueriesContext(connection) as queries:
        assert ADDED in _texts(conv)
    # Only the new statement's text is read (id above the last indexed), not every text again.
    reads = [q["sql"] for q in queries if '"text"' in q["sql"]]
    assert len(reads) == 2 and '"id" >' in reads[0] and "IN (" in reads[1]  # + the ones shown
    more = "Handover notes should say what went wrong, without blame."
    services.add_seed_statements(conv, [more])  # a moderation decision: the ids are read
    with CaptureQueriesContext(connection) as queries:
        assert _texts(conv, more) == [more]
    reads = [q["sql"] for q in queries if '"text"' in q["sql"]]
    assert len(reads) == 2 and all("IN (" in sql for sql in reads)


def test_a_statement_taken_down_stops_being_suggested_with_the_cache_warm() -> None:
    conv = conversation(small_system())
    near_duplicates.forget(conv.pk)
    assert _texts(conv) == [ORIGINAL]  # warm
    seed = conv.statements.get(text=ORIGINAL)
    services.moderate_statement(seed, Statement.Status.REJECTED)
    assert ORIGINAL not in _texts(conv)
    cached = near_duplicates._indexes[near_duplicates.key(conv)]
    assert cached.pks[min(cached.left_out)] == seed.pk  # left out, not refitted
    services.moderate_statement(seed, Statement.Status.PUBLISHED)  # put back
    assert _texts(conv) == [ORIGINAL]
    assert not near_duplicates._indexes[near_duplicates.key(conv)].left_out


def test_a_take_down_and_a_put_back_that_keep_the_count_are_both_seen() -> None:
    conv = conversation(small_system())
    seed, other = conv.statements.order_by("pk")[1:3]
    services.moderate_statement(other, Statement.Status.REJECTED)
    near_duplicates.forget(conv.pk)
    _texts(conv)  # warm: ``other`` is not indexed
    services.moderate_statement(seed, Statement.Status.REJECTED)
    services.moderate_statement(other, Statement.Status.PUBLISHED)
    assert seed.text not in _texts(conv, seed.text)
    assert _texts(conv, other.text)[0] == other.text


def test_a_process_that_missed_a_take_down_still_never_shows_it() -> None:
    conv = conversation(small_system())
    near_duplicates.forget(conv.pk)
    assert _texts(conv) == [ORIGINAL]  # warm, as another worker's cache would be
    # Taken down in a way this process's signature cannot see (same count, id, decisions):
    # the statements shown are read again with their status.
    Statement.objects.filter(text=ORIGINAL).update(status=Statement.Status.REJECTED)
    cached = near_duplicates._indexes[near_duplicates.key(conv)]
    near_duplicates._indexes[near_duplicates.key(conv)] = near_duplicates.Cached(
        near_duplicates._signature(conv), cached.pks, cached.left_out, cached.index
    )
    assert ORIGINAL not in _texts(conv)


def test_no_more_than_the_limit_of_conversations_is_cached() -> None:
    system = small_system()
    for _ in range(near_duplicates.MAX_CACHED + 2):
        near_duplicates.similar_statements(conversation(system), REWORDED)
    assert len(near_duplicates._indexes) <= near_duplicates.MAX_CACHED


def test_ids_used_again_by_another_conversation_never_find_the_first_ones_index() -> None:
    # A test database emptied between tests, or a backup restored, gives the same ids to
    # another conversation: the same conversation id, statement ids and moderation decisions
    # (so the published list's signature is the same), another public id and other texts.
    conv = conversation(small_system())
    near_duplicates.forget(conv.pk)
    assert _texts(conv) == [ORIGINAL]
    type(conv).objects.filter(pk=conv.pk).update(public_id="another0conv")
    Statement.objects.filter(conversation=conv).update(text="Something else entirely.")
    Statement.objects.filter(conversation=conv, pk=conv.statements.order_by("pk")[0].pk).update(
        text=ADDED
    )
    again = type(conv).objects.get(pk=conv.pk)
    assert _texts(again, "Our team talks openly about mistakes at each handover.") == [ADDED]
