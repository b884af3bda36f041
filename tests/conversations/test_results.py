"""Results: computed with the engine by the task, aggregate only, small groups suppressed."""

import json

import pytest

from walkthetalk.analysis.commonground.placement import PlacementState
from walkthetalk.conversations import results, selectors, services, tasks
from walkthetalk.conversations.models import (
    ConversationParticipant,
    ConversationPlacement,
    ConversationResult,
    Statement,
)

from ..caremap.factories import small_system
from .factories import CONSENSUS, SEEDS, conversation, joined, key, populate

pytestmark = pytest.mark.django_db


def released_counts(data: dict) -> list[int]:
    out = [g["size"] for g in data["groups"]]
    for row in data["sectors"]["rows"]:
        out.append(row["participants"])
        out.extend(row["groups"].values())
    return [n for n in out if n is not None]


def test_results_show_groups_common_ground_and_divides() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 12, "prevention": 12})
    assert tasks.refresh(conv.pk) == ConversationResult.State.READY
    result = ConversationResult.objects.get(conversation=conv)
    data = result.data
    assert len(data["groups"]) == 2
    assert {e["text"] for e in data["common_ground"]} <= CONSENSUS
    assert data["common_ground"], "the shared statements are common ground"
    assert data["divides"] and data["divides"][0]["text"] not in CONSENSUS
    assert result.svg.startswith("<?xml") and "<svg" in result.svg
    assert result.n_votes == 24 * len(SEEDS)
    # Divisive statements get a higher extremity than the shared ones (next-statement order).
    shared = Statement.objects.filter(conversation=conv, text__in=CONSENSUS)
    divisive = Statement.objects.filter(conversation=conv).exclude(text__in=CONSENSUS)
    assert max(s.extremity for s in shared) < min(s.extremity for s in divisive)


def test_small_sectors_are_suppressed_with_their_complements() -> None:
    system = small_system()
    conv = conversation(system)
    populate(conv, {"treatment": 12, "prevention": 10, "harm-reduction": 2})
    tasks.refresh(conv.pk)
    data = ConversationResult.objects.get(conversation=conv).data
    rows = {row["sector"]: row for row in data["sectors"]["rows"]}
    assert rows["Harm reduction"]["participants"] is None
    assert all(v is None for v in rows["Harm reduction"]["groups"].values())
    assert all(n == 0 or n >= system.min_group_size for n in released_counts(data))
    # The hidden sector cannot be recovered: everyone minus the shown sectors is 0 or >= 5.
    shown = sum(r["participants"] for r in rows.values() if r["participants"] is not None)
    assert data["participants"] - shown == 0 or data["participants"] - shown >= 5
    by_sector = data["agreement_by_sector"]
    assert by_sector["rows"]
    assert all(row["sectors"]["Harm reduction"] is None for row in by_sector["rows"])


def test_stored_results_hold_no_participant_keys() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 6, "prevention": 6})
    tasks.refresh(conv.pk)
    text = json.dumps(ConversationResult.objects.get(conversation=conv).data)
    for participant in ConversationParticipant.objects.filter(conversation=conv):
        assert str(participant.pk) not in text
        assert participant.key not in text
    assert "projection" not in text and '"participants": {' not in text


def test_too_few_participants_wait_with_a_plain_message() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 3})
    assert tasks.refresh(conv.pk) == ConversationResult.State.WAITING
    result = ConversationResult.objects.get(conversation=conv)
    assert "at least 5 people" in result.message and result.data == {}


def test_the_clock_task_refreshes_conversations_with_new_votes(
    immediate_tasks, django_capture_on_commit_callbacks
) -> None:
    from walkthetalk.conversations.tasks import refresh_outdated_results

    conv = conversation(small_system())
    untouched = services.create_conversation(conv.care_system, "Nobody voted here")
    populate(conv, {"treatment": 6, "prevention": 6})
    services.clear_refresh_flag(conv.pk)
    participant_pass = joined(conv)
    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(conv, participant_pass, conv.statements.first().public_id, "pass", key())
    assert selectors.result_for(conv) is None  # not at the vote: at the clock's next tick
    refresh_outdated_results.enqueue()
    conv.refresh_from_db()
    assert not conv.refresh_pending
    assert selectors.result_for(untouched) is None
    result = selectors.result_for(conv)
    assert result is not None and result.state == ConversationResult.State.READY
    assert result.n_votes == 12 * len(SEEDS) + 1


def test_rejected_statements_leave_the_analysis() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 6, "prevention": 6})
    gone = conv.statements.get(text=SEEDS[0])
    services.moderate_statement(gone, Statement.Status.REJECTED)
    tasks.refresh(conv.pk)
    data = ConversationResult.objects.get(conversation=conv).data
    assert data["statements"] == len(SEEDS) - 1
    assert SEEDS[0] not in json.dumps(data)


def test_common_ground_shown_by_sector_is_planned_by_sector_first() -> None:
    from types import SimpleNamespace as S

    from walkthetalk.conversations import results

    result = S(
        consensus=S(agree=[S(statement="a"), S(statement="d")], majority_agree=[S(statement="b")]),
        divides=[S(statement="d")],
        repness={0: [S(statement="b")], 1: [S(statement="r")]},
    )
    # "a" is shown by sector only; "b" is also representative and "d" a divide: by group first
    assert results.shown_by_sector_only(result) == {"a"}


def test_results_import_no_models_and_name_their_states_plainly() -> None:
    from walkthetalk.conversations.result_states import ResultState

    assert ConversationResult.State is ResultState
    assert {c for c, _ in ConversationResult._meta.get_field("state").choices} == {
        "ready",
        "waiting",
        "failed",
    }


def test_every_statement_has_released_shares_in_every_opinion_group() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 12, "prevention": 12})
    tasks.refresh(conv.pk)
    data = ConversationResult.objects.get(conversation=conv).data
    labels = [g["label"] for g in data["groups"]]
    published = {s.public_id for s in Statement.objects.filter(conversation=conv)}
    assert set(data["statement_groups"]) == published
    shown = 0
    for row in data["statement_groups"].values():
        assert list(row) == labels
        for shares in row.values():
            values = [shares["agree"], shares["disagree"], shares["pass"]]
            assert all(v is None for v in values) or all(v is not None for v in values)
            if shares["agree"] is not None:
                shown += 1
                assert abs(sum(values) - 100) <= 2  # whole-number rounding
    assert shown  # two groups of 12 voting on every statement: their shares are shown


def test_a_group_share_the_plan_does_not_release_is_hidden_never_zero() -> None:
    from walkthetalk.analysis import privacy
    from walkthetalk.conversations import results

    def tally(key, seen, agree, disagree, reason=privacy.Reason.RELEASED):
        return privacy.Tally(key, seen, agree, disagree, reason)

    statements = {
        "s": {
            privacy.EVERYONE: tally("everyone", 10, 6, 2),
            "group:0": tally("group:0", 5, 0, 5),  # a real 0% agree in a released group
            "group:1": tally("group:1", 0, 0, 0, privacy.Reason.CROSSES),  # not released
        }
    }
    release = privacy.ConversationRelease({}, statements, privacy.ReleaseLedger(), 5)
    figures = results._Released(release, {"s": "S"}, 2)
    got = results._shares_by_group(figures, ["s"])["s"]
    assert got["Group A"] == {"agree": 0, "disagree": 100, "pass": 0}
    assert got["Group B"] == {"agree": None, "disagree": None, "pass": None}


def test_a_refresh_stores_the_placement_state_apart_from_the_result() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 12, "prevention": 12})
    tasks.refresh(conv.pk)
    stored = ConversationPlacement.objects.get(conversation=conv).state
    state = PlacementState.from_dict(stored)
    published = set(conv.statements.values_list("public_id", flat=True))
    assert set(state.statement_ids) == published
    # The exact mean votes are not in the result's payload (which pages and exports read).
    data = ConversationResult.objects.get(conversation=conv).data
    assert "center" not in json.dumps(data) and "components" not in json.dumps(data)
    assert str(stored["center"][0]) not in json.dumps(data)


def test_a_result_without_groups_removes_the_placement_state() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 12, "prevention": 12})
    tasks.refresh(conv.pk)
    assert ConversationPlacement.objects.filter(conversation=conv).exists()
    services.save_result(conv, results.failed(RuntimeError("boom")))
    assert not ConversationPlacement.objects.filter(conversation=conv).exists()


def test_too_few_participants_store_no_placement_state() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 3})
    tasks.refresh(conv.pk)
    assert not ConversationPlacement.objects.filter(conversation=conv).exists()


def test_a_group_that_holds_a_whole_sector_shows_no_unanimous_share() -> None:
    """Group A is exactly the 5 peers, who all agreed: the sector table shows "peer 5, group A
    5", so group A's 100% (or its 0% disagree, or its pass share) would tell each peer's vote.
    Group B's shares are hidden too: everyone minus group B would give group A back."""
    import numpy as np
    import scipy.sparse as sp

    from walkthetalk.analysis import privacy
    from walkthetalk.conversations import results

    values = [1] * 5 + [1, 1, -1, -1, 0]
    votes = sp.csr_matrix((np.array(values) + 2, (np.arange(10), np.zeros(10, int))), (10, 1))
    votes.data = votes.data - 2
    release = privacy.plan_refresh(
        np.arange(10),
        votes,
        ["s"],
        labels=np.array([0] * 5 + [1] * 5),
        counted=np.ones(10, bool),
        sectors=["peer"] * 5 + ["clinic"] * 5,
        min_size=5,
    )
    figures = results._Released(release, {"s": "S"}, 2)
    assert results._sectors(figures, figures.sector_names())["rows"][1] == {
        "sector": "peer",
        "participants": 5,
        "groups": {"Group A": 5, "Group B": None},
    }
    got = results._shares_by_group(figures, ["s"])["s"]
    assert got["Group A"] == {"agree": None, "disagree": None, "pass": None}
    assert got["Group B"] == {"agree": None, "disagree": None, "pass": None}
    assert figures.pct("s", "group:0", "agree") is None  # divides and representative shares
    assert release.statements["s"]["group:0"].agree == 5  # the tally itself was released
