import pytest

from walkthetalk.agenda import demo, release, selectors
from walkthetalk.agenda.models import ActionItem, AvoidedIssue, Gathering
from walkthetalk.caremap.demo import seed_demo_map

pytestmark = pytest.mark.django_db


def test_demo_gives_a_ranked_backlog_a_gathering_and_follow_up_once() -> None:
    system = seed_demo_map()
    demo.seed_demo(system)
    demo.seed_demo(system)
    assert AvoidedIssue.objects.filter(care_system=system).count() == len(demo.ISSUES)
    assert Gathering.objects.filter(care_system=system).count() == 1
    ranked = release.ranked_backlog(system)
    assert all(r.score is not None for r in ranked)
    assert any(s.ratings is None for r in ranked for s in r.sectors)  # small sectors hidden
    assert {a.status for a in ActionItem.objects.all()} == {"done", "in_progress", "stuck"}
    assert release.acceptances(Gathering.objects.get()) == 12
    assert len(selectors.you_said_we_did(system.pk)) == 2
