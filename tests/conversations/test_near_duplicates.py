import pytest

from walkthetalk.conversations import near_duplicates, services
from walkthetalk.conversations.models import Statement

from ..caremap.factories import small_system
from .factories import conversation

pytestmark = pytest.mark.django_db

REWORDED = "We hardly ever talk openly about our mistakes."


def test_the_cached_index_grows_with_new_statements_and_forgets_taken_down_ones() -> None:
    conv = conversation(small_system())
    near_duplicates.forget(conv.pk)
    assert [s.text for s in near_duplicates.similar_statements(conv, REWORDED)] == [
        "We rarely talk openly about mistakes."
    ]
    ids, index = near_duplicates._indexes[conv.pk]
    assert index.size == len(ids) == conv.statements.count()
    services.add_seed_statements(conv, ["Our team talks openly about mistakes at handover."])
    found = near_duplicates.similar_statements(conv, REWORDED)
    grown = near_duplicates._indexes[conv.pk][1]
    assert grown.size == index.size + 1 and grown.fitted_size == index.fitted_size  # extended
    assert "Our team talks openly about mistakes at handover." in [s.text for s in found]
    seed = conv.statements.get(text="We rarely talk openly about mistakes.")
    services.moderate_statement(seed, Statement.Status.REJECTED)
    found = near_duplicates.similar_statements(conv, REWORDED)
    assert seed.text not in [s.text for s in found]
    assert (
        near_duplicates._indexes[conv.pk][1].fitted_size
        == conv.statements.filter(status=Statement.Status.PUBLISHED).count()
    )  # rebuilt once a statement left the published list


def test_no_more_than_the_limit_of_conversations_is_cached() -> None:
    system = small_system()
    for _ in range(near_duplicates.MAX_CACHED + 2):
        near_duplicates.similar_statements(conversation(system), REWORDED)
    assert len(near_duplicates._indexes) <= near_duplicates.MAX_CACHED
