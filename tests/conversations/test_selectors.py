import pytest
from django.contrib.auth import get_user_model

from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import selectors, services
from walkthetalk.conversations.models import Conversation

from ..caremap.factories import small_system
from .factories import conversation, joined

pytestmark = pytest.mark.django_db


def test_waiting_statements_are_counted_for_facilitators_only() -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    for text in ("Handovers need more time on busy days.", "Our rota is fair to part-timers."):
        services.submit_statement(conv, joined(conv), text)
    facilitator = get_user_model().objects.create_user("f", password="a-long-staff-password")
    caremap_services.grant_role(facilitator, conv.care_system, "facilitator")
    leader = get_user_model().objects.create_user("l", password="a-long-staff-password")
    caremap_services.grant_role(leader, conv.care_system, "leader")
    assert selectors.waiting_statements(facilitator) == {conv.pk: 2}
    assert selectors.waiting_by_system(facilitator) == {conv.care_system_id: 2}
    assert selectors.waiting_statements(leader) == {}


def test_a_decision_is_logged_under_the_role_the_person_holds_here() -> None:
    conv = conversation(small_system())
    make = get_user_model().objects.create_user
    steward = make("s", password="a-long-staff-password")
    caremap_services.grant_role(steward, conv.care_system, "steward")
    both = make("b", password="a-long-staff-password")
    caremap_services.grant_role(both, conv.care_system, "steward")
    caremap_services.grant_role(both, conv.care_system, "facilitator")
    admin = make("a", password="a-long-staff-password", is_superuser=True)
    system = conv.care_system
    assert selectors.moderator_role(steward, system) == "steward"
    assert selectors.moderator_role(both, system) == "facilitator"
    assert selectors.moderator_role(admin, system) == "administrator"


def test_answered_statements_are_the_clarified_published_ones_of_this_care_system() -> None:
    conv = conversation(small_system())
    clarified, plain, taken_down = conv.statements.order_by("pk")[:3]
    services.clarify_statement(clarified, "Forms for funders, not notes.")
    services.clarify_statement(taken_down, "Gone.")
    services.moderate_statement(taken_down, "rejected")
    participant_pass = joined(conv)
    assert selectors.answered_statements(participant_pass) == {clarified.public_id: clarified.text}
    assert plain.public_id not in selectors.answered_statements(participant_pass)
