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
