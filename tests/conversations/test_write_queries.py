import pytest
from django.db import connection
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext

from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import near_duplicates, selectors, services, write_queries
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ModerationDecision,
    Statement,
)

from ..caremap.factories import small_system
from .factories import accepted_client, conversation, joined

pytestmark = pytest.mark.django_db


def test_the_writer_and_the_conversation_are_read_in_one_query() -> None:
    conv = conversation(
        small_system(),
        moderation=Conversation.Moderation.BEFORE,
        moderation_policy="We take down names.",
    )
    participant_pass = joined(conv)
    selectors.writer(conv.public_id, participant_pass)  # the id is known to this process
    with CaptureQueriesContext(connection) as queries:
        found = selectors.writer(conv.public_id, participant_pass)
    assert len(queries) == 1
    assert found is not None and found.accepted
    stored = Conversation.objects.get(pk=conv.pk)
    for name in write_queries.CONVERSATION_FIELDS:
        field = Conversation._meta.get_field(name)
        assert getattr(found.conversation, field.attname) == getattr(stored, field.attname)
    assert found.participant == ConversationParticipant.objects.get(conversation=conv)
    with CaptureQueriesContext(connection) as queries:  # what writing touches: no query
        assert found.conversation.moderation == Conversation.Moderation.BEFORE
        assert found.conversation.moderation_policy == "We take down names."
        assert found.conversation.is_open and found.conversation.care_system_id
    assert not queries


def test_nobody_is_found_in_a_draft_another_system_or_without_joining() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    assert selectors.writer(conv.public_id, None) is None
    assert selectors.writer("no-such-one", participant_pass) is None
    never_joined = caremap_services.open_pass(conv.care_system, None)
    assert selectors.writer(conv.public_id, never_joined) is None
    other = small_system(slug="other-system")
    assert selectors.writer(conv.public_id, caremap_services.open_pass(other, None)) is None
    Conversation.objects.filter(pk=conv.pk).update(status=Conversation.Status.DRAFT)
    assert selectors.writer(conv.public_id, participant_pass) is None


def test_a_draft_is_not_there_and_new_agreements_come_first_on_the_write_pages() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    write, check = f"/conversations/{conv.public_id}/write/", f"/conversations/{conv.public_id}/"
    text = {"text": "We hardly ever talk openly about our mistakes."}
    assert client.get(write).status_code == 200
    services.update_agreements(conv, [*conv.agreements, "We listen to the end."])  # to accept
    assert client.get(write)["Location"].endswith(f"/conversations/{conv.public_id}/agreements/")
    assert client.post(f"{check}write/similar/", text).status_code == 204
    Conversation.objects.filter(pk=conv.pk).update(status=Conversation.Status.DRAFT)
    assert client.get(write).status_code == 404
    assert client.post(write, text).status_code == 404
    assert not Statement.objects.filter(is_seed=False).exists()


def test_the_signature_and_the_rows_shown_are_those_of_the_published_list() -> None:
    conv = conversation(small_system())
    first, second = conv.statements.order_by("pk")[:2]
    services.moderate_statement(second, Statement.Status.REJECTED)
    services.submit_statement(conv, joined(conv), "Handover notes should say what went wrong.")
    published = Statement.objects.filter(conversation=conv, status=Statement.Status.PUBLISHED)
    orm = published.aggregate(n=Count("pk"), last=Max("pk"))
    decisions = ModerationDecision.objects.filter(conversation=conv).count()
    assert decisions > 0
    assert write_queries.fetch_signature(conv.pk) == (orm["n"], orm["last"], decisions)
    rows = write_queries.fetch_published(conv.pk, [first.pk, second.pk])
    assert rows == [(first.pk, first.public_id, first.text)]  # taken down: not read
    assert write_queries.fetch_published(conv.pk, []) == []
    empty = conversation(small_system(slug="empty-system"), seed_statements=[])
    assert write_queries.fetch_signature(empty.pk) == (0, 0, 0)
    near_duplicates.forget(empty.pk)
    assert near_duplicates.similar_statements(empty, "Anything at all, said plainly.") == []


@pytest.mark.parametrize(
    "text",
    [
        "We rarely talk openly about mistakes.",
        "WE RARELY TALK OPENLY ABOUT MISTAKES.",
        "We rarely talk openly about mistakes",
        "Équipes de nuit: on parle rarement des erreurs.",
        "ÉQUIPES DE NUIT: ON PARLE RAREMENT DES ERREURS.",
        "100% of us rarely talk_openly about mistakes.",
    ],
)
def test_the_author_row_finds_a_text_there_already_as_the_orm_does(text: str) -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    services.submit_statement(
        conv, participant_pass, "Équipes de nuit: on parle rarement des erreurs."
    )
    key = services.participant_key(conv.pk, participant_pass)
    found = write_queries.fetch_author(conv.pk, key, text)
    assert found is not None
    participant = ConversationParticipant.objects.get(conversation=conv, key=key)
    orm = Statement.objects.filter(conversation=conv, text__iexact=text).exists()
    assert found == (participant.pk, participant.agreements_version, orm, 1)
    assert write_queries.fetch_author(conv.pk, "not-a-key", text) is None


def test_a_statement_is_written_after_one_read() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    with CaptureQueriesContext(connection) as queries:
        written = services.submit_statement(conv, participant_pass, "Handover should be calm.")
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 1
    assert written.author == ConversationParticipant.objects.get(conversation=conv)
    assert written.votes.get().participant == written.author
