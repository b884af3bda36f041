import pytest
from django.core.cache import cache

from walkthetalk.caremap.demo import seed_demo_map
from walkthetalk.messenger import demo, services
from walkthetalk.messenger.models import Concern, LeadershipRole

pytestmark = pytest.mark.django_db


def test_demo_seeds_concerns_with_visible_figures_and_is_idempotent() -> None:
    cache.clear()
    system = seed_demo_map()
    demo.seed_demo(system)
    demo.seed_demo(system)
    assert LeadershipRole.objects.filter(care_system=system).count() == 3
    assert Concern.objects.filter(care_system=system).count() == len(demo.CONCERNS)
    figures = services.response_figures(system, services.today())
    assert figures.mean_days_to_first_reply is not None
    assert figures.share_answered_within == 1.0
    assert Concern.objects.filter(escalated_to="steward").count() == 2
    assert services.open_concern(demo.DEMO_CODE).replies.count() == 1
