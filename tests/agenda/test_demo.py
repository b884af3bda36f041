import pytest

from walkthetalk.agenda import demo, release, selectors
from walkthetalk.agenda.models import ActionItem, AvoidedIssue, Gathering
from walkthetalk.caremap.demo import seed_demo_map
from walkthetalk.conversations import demo as conversations_demo
from walkthetalk.pulse import demo as pulse_demo

pytestmark = pytest.mark.django_db


def test_demo_gives_a_ranked_backlog_a_gathering_and_follow_up_once() -> None:
    system = seed_demo_map()
    demo.seed_earlier_loop(system)
    demo.seed_demo(system)
    demo.seed_earlier_loop(system)
    demo.seed_demo(system)
    assert AvoidedIssue.objects.filter(care_system=system).count() == len(demo.ISSUES)
    assert Gathering.objects.filter(care_system=system).count() == 2
    ranked = release.ranked_backlog(system)
    assert all(r.score is not None for r in ranked)
    assert any(s.ratings is None for r in ranked for s in r.sectors)  # small sectors hidden
    assert {a.status for a in ActionItem.objects.all()} == {"done", "in_progress", "stuck"}
    latest = Gathering.objects.filter(care_system=system).order_by("-held_on").first()
    assert latest is not None and release.acceptances(latest) == 12
    assert len(selectors.you_said_we_did(system.pk)) == 3


def test_demo_closes_the_loop_with_a_measured_change_and_the_participants_verdict() -> None:
    """An avoided issue taken up at a gathering, a step done, and the next pulse's change and
    what participants said when it asked whether the step helped."""
    system = seed_demo_map()
    demo.seed_earlier_loop(system)  # the order the demo seeds in (walkthetalk.site.demo)
    pulse_demo.seed_demo(system)
    demo.seed_demo(system)
    follow_ups = selectors.you_said_we_did(system.pk)
    earlier = next(f for f in follow_ups if "mistakes" in f.issue.title)
    assert earlier.issue.status == AvoidedIssue.Status.GATHERING
    (outcome,) = earlier.outcomes
    assert outcome.action.status == ActionItem.Status.DONE
    talk = next(t.measured for t in outcome.targets if t.measured.scale_id == "talk")
    assert (talk.before, talk.after) == ("Spring pulse", "Autumn pulse")
    assert talk.change is not None and talk.change.ci_low is not None
    assert talk.verdict == "better"  # the simulated autumn wave talks more openly
    said = outcome.verdict
    assert said is not None and said.wave == "Autumn pulse" and said.shown
    assert said.verdict is not None and said.verdict.n > 600
    assert said.word == "helped"  # most of the simulated answers say it helped
    latest = next(f for f in follow_ups if "burnout" in f.issue.title)
    waiting = [t.measured for o in latest.outcomes for t in o.targets]
    assert waiting and all("Being measured again" in m.reason for m in waiting)
    assert all(o.verdict is None for o in latest.outcomes)  # no pulse has asked about it yet


def test_demo_follows_a_conversation_statement_from_the_gathering_to_the_votes_since() -> None:
    """The supervision step aims at the conversation's statement about supervisors: its figure
    is copied when linked, people vote after the gathering, and the change shows."""
    system = seed_demo_map()
    conversations_demo.seed_demo(system)
    demo.seed_demo(system)
    follow_ups = selectors.you_said_we_did(system.pk)
    burnout = next(f for f in follow_ups if "burnout" in f.issue.title)
    done = next(o for o in burnout.outcomes if o.action.status == ActionItem.Status.DONE)
    (waiting,) = done.statements
    assert waiting.text == conversations_demo.SUPERVISION_STATEMENT
    assert not waiting.shown and "No new votes" in waiting.reason
    conversations_demo.seed_votes_since(system)
    conversations_demo.seed_votes_since(system)  # idempotent
    follow_ups = selectors.you_said_we_did(system.pk)
    burnout = next(f for f in follow_ups if "burnout" in f.issue.title)
    done = next(o for o in burnout.outcomes if o.action.status == ActionItem.Status.DONE)
    (measured,) = done.statements
    assert measured.shown and measured.since_seen is not None and measured.since_seen >= 10
    assert measured.verdict == "more agree"  # the later voters mostly agree
    assert measured.kind == "divide" and measured.still_divides is not None
