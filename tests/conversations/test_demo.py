import pytest

from walkthetalk.caremap.demo import seed_demo_map
from walkthetalk.conversations.demo import DEMO_TITLE, seed_demo
from walkthetalk.conversations.models import Conversation, ConversationResult, Vote

pytestmark = pytest.mark.django_db


def test_demo_seeds_a_conversation_with_results_once() -> None:
    system = seed_demo_map()
    seed_demo(system)
    conversation = Conversation.objects.get(care_system=system, title=DEMO_TITLE)
    votes = Vote.objects.filter(conversation=conversation).count()
    assert votes > 300
    result = ConversationResult.objects.get(conversation=conversation)
    assert result.state == ConversationResult.State.READY
    assert len(result.data["groups"]) >= 2
    assert result.svg.lstrip().startswith("<?xml")
    assert conversation.statements.filter(status="pending").count() == 1
    assert conversation.statements.exclude(clarification="").count() == 1
    seed_demo(system)  # idempotent
    assert Conversation.objects.filter(care_system=system, title=DEMO_TITLE).count() == 1
    assert Vote.objects.filter(conversation=conversation).count() == votes
