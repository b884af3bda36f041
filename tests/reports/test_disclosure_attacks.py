"""The attacks of issue 17, end to end through the CSV, the API and the pages: each must fail.

Figures are read the way an insider would read them (downloads, API answers, page text), every
released figure is turned back into the set of people it describes, and the independent auditor
(tests/analysis/privacy/auditor.py) checks that no combination of them singles anyone out.
"""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from django.urls import reverse

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import UnitKind
from walkthetalk.conversations import services as conversation_services
from walkthetalk.conversations import tasks
from walkthetalk.pulse import services as pulse_services
from walkthetalk.pulse.models import Response

from ..analysis.privacy.auditor import find_small_support
from ..caremap.factories import small_system, staff_client
from ..conversations.factories import conversation, joined, key
from ..pulse.factories import healthy, level

pytestmark = pytest.mark.django_db


def _store(wave, unit, sector, n, value, **skip):
    """Responses stored as they reach the figures (whatever invitations they came from)."""
    answers = healthy(value)
    for item in skip:
        answers[item] = None
    ids = []
    for _ in range(n):
        r = Response.objects.create(
            wave=wave,
            submission_key=uuid.uuid4().hex,
            unit=unit,
            level=level(wave.care_system),
            sector=sector,
            submitted_on=wave.opened_on,
            answers=answers,
        )
        ids.append(r.pk)
    return ids


def _csv(client, system, wave):
    url = reverse("pulse:export_csv", args=[system.slug, wave.pk])
    return list(csv.DictReader(io.StringIO(client.get(url).content.decode())))


def _api(client, system, wave):
    return client.get(f"/api/pulse/{system.slug}/waves/{wave.pk}/aggregates").json()


def _organisation_of_sixteen():
    """Attack 1: org 16 = team A 10 (no sector) + B 3 peers + C 2 peers and 1 with no sector."""
    system = small_system()
    org = system.units.get(name="Riverbend Recovery")
    teams = {
        name: caremap_services.add_unit(system, name, UnitKind.TEAM, org, None)
        for name in ("Team A", "Team B", "Team C")
    }
    peers = system.sectors.get(slug="recovery-community")
    wave = pulse_services.open_wave(system, "Spring pulse", [org])
    members = {
        "Team A": _store(wave, teams["Team A"], None, 10, 4),
        "Team B": _store(wave, teams["Team B"], peers, 3, 4),
        "Team C": _store(wave, teams["Team C"], peers, 2, 4),
    }
    lone = _store(wave, teams["Team C"], None, 1, 1)  # the person to protect answers 1s
    members["Team C"] += lone
    everyone = [pk for ids in members.values() for pk in ids]
    groups = {
        ("total", "Everyone who answered"): everyone,
        ("unit", "Riverbend Recovery"): everyone,
        ("unit", "Testland Health Department"): everyone,
        ("level", "Direct care"): everyone,
        ("sector", peers.name): members["Team B"] + members["Team C"][:2],
        **{("unit", name): ids for name, ids in members.items()},
    }
    return system, wave, groups


def _released_sets(rows, groups, count_key, n_key):
    """The set each released row describes (checked to be the whole group), by scale."""
    sets: dict[str, list[frozenset]] = {}
    for row in rows:
        key = (row["group_type"], row["group"])
        if row[n_key] in ("", None) or key not in groups:
            continue
        n = int(row[n_key])
        assert n == len(groups[key]), f"{key} describes {n} of {len(groups[key])}"
        sets.setdefault(row[count_key], []).append(frozenset(groups[key]))
    return sets


def test_three_cells_from_two_breakdowns_fail_in_csv_api_and_pages() -> None:
    system, wave, groups = _organisation_of_sixteen()
    client = staff_client(system, "leader")
    page = client.get(reverse("pulse:dashboard", args=[system.slug, wave.pk])).content.decode()
    rows = _csv(client, system, wave)
    api = _api(client, system, wave)
    shown = {(r["group_type"], r["group"]) for r in rows if r["mean"]}
    assert ("total", "Everyone who answered") in shown and ("unit", "Team A") in shown
    # 16·org − 10·A − 5·peers would be the lone person's answers: the peers' figure is hidden
    assert ("sector", "Recovery community") not in shown
    assert {(r["group_type"], r["group"]) for r in api if r["mean"] is not None} == shown
    for sets in _released_sets(rows, groups, "scale", "answers").values():
        assert find_small_support(sets, 5) is None
    # the page shows no figure about the hidden groups either
    assert "Team B" not in page and "Team C" not in page
    staff = staff_client(system, "steward", "stew")
    detail = staff.get(reverse("pulse:wave", args=[system.slug, wave.pk])).content.decode()
    counts = dict(
        re.findall(r'<th scope="row"[^>]*>([^<]+)</th>\s*<td>[^<]*</td>\s*<td>([^<]+)</td>', detail)
    )
    assert counts["Everyone who answered"] == "16" and counts["Team A"] == "10"
    assert counts["Team B"] == counts["Team C"] == counts["Recovery community"] == "hidden"


def test_a_scale_skipped_by_most_of_a_team_does_not_give_away_who_answered_it() -> None:
    # Attack 2: org 10 = X 5 + Y 5; four of Y skip every "talk" item.
    system = small_system()
    org = system.units.get(name="Riverbend Recovery")
    x = caremap_services.add_unit(system, "Team X", UnitKind.TEAM, org, None)
    y = caremap_services.add_unit(system, "Team Y", UnitKind.TEAM, org, None)
    wave = pulse_services.open_wave(system, "Spring pulse", [org])
    talk_items = {
        i.id: None for s in pulse_services.instrument().scales if s.id == "talk" for i in s.items
    }
    in_x = _store(wave, x, None, 5, 3)
    in_y = _store(wave, y, None, 1, 2) + _store(wave, y, None, 4, 4, **talk_items)
    client = staff_client(system, "leader")
    for rows in (_csv(client, system, wave), _api(client, system, wave)):
        talk = {
            (r["group_type"], r["group"]): r["mean"]
            for r in rows
            if r["scale"] == "talk" and r["mean"] not in ("", None)
        }
        # the org's talk mean is over 6 people; with team X's over 5 it would give Y's one
        assert not (("unit", "Riverbend Recovery") in talk and ("unit", "Team X") in talk)
        answered = {
            ("unit", "Riverbend Recovery"): in_x + in_y[:1],
            ("unit", "Testland Health Department"): in_x + in_y[:1],
            ("total", "Everyone who answered"): in_x + in_y[:1],
            ("level", "Direct care"): in_x + in_y[:1],
            ("unit", "Team X"): in_x,
            ("unit", "Team Y"): in_y[:1],
        }
        sets = [frozenset(answered[g]) for g in talk]
        assert find_small_support(sets, 5) is None


def test_a_new_voter_between_refreshes_is_not_revealed_by_any_download() -> None:
    # Attack 3: refresh with 10 voters; one more votes; refresh: "seen 10→11" and 70%→73%.
    system = small_system()
    conv = conversation(system)
    statements = list(conv.statements.order_by("pk"))
    for i in range(10):
        p = joined(conv, "treatment" if i % 2 else "prevention")
        for j, s in enumerate(statements):
            choice = "agree" if (i + j) % 3 else "disagree"
            conversation_services.cast_vote(conv, p, s.public_id, choice, key())
    tasks.refresh(conv.pk)
    client = staff_client(system, "facilitator")

    def read():
        base = f"/conversations/{conv.public_id}/manage/results/export"
        rows = list(csv.DictReader(io.StringIO(client.get(base + ".csv").content.decode())))
        api = client.get(f"/api/conversations/{conv.public_id}/results").json()
        page = client.get(f"/conversations/{conv.public_id}/manage/results/").content.decode()
        return rows, api, page

    before, api_before, _ = read()
    newcomer = joined(conv, "treatment")
    for s in statements:
        conversation_services.cast_vote(conv, newcomer, s.public_id, "agree", key())
    tasks.refresh(conv.pk)
    after, api_after, page = read()
    for old, new in zip(before, after, strict=True):
        assert (old["votes"], old["agree_pct"]) == (new["votes"], new["agree_pct"])
    assert api_after["results"]["statement_tallies"] == api_before["results"]["statement_tallies"]
    assert api_after["results"]["votes"] == api_before["results"]["votes"]
    assert api_after["results"]["participants"] == api_before["results"]["participants"] == 10
    assert "11 participants" not in page and "10 participants" in page


def test_a_small_sector_never_shows_a_unanimous_share() -> None:
    system = small_system()
    conv = conversation(system)
    statements = list(conv.statements.order_by("pk"))
    for i in range(24):
        sector = "prevention" if i < 6 else "treatment" if i < 15 else "harm-reduction"
        p = joined(conv, sector)
        for j, s in enumerate(statements):
            if sector == "prevention":
                choice = "agree"  # all six agree with everything
            else:
                choice = "agree" if (i + j) % 2 else "disagree"
            conversation_services.cast_vote(conv, p, s.public_id, choice, key())
    tasks.refresh(conv.pk)
    client = staff_client(system, "facilitator")
    data = client.get(f"/api/conversations/{conv.public_id}/results").json()["results"]
    for row in data["agreement_by_sector"]["rows"]:
        assert row["sectors"].get("Prevention") is None
        for share in row["sectors"].values():
            assert share is None or 0 < share < 100
    for row in data["agreement_by_sector"]["rows"]:
        # Overall minus the other two sectors would give prevention's 6 of 6: one of them is
        # hidden with it (the complementary cell), the other still shows its mixed share
        others = [row["sectors"].get(n) for n in ("Treatment", "Harm reduction")]
        assert None in others, row
    assert any(
        share is not None
        for row in data["agreement_by_sector"]["rows"]
        for share in row["sectors"].values()
    )  # a mixed share is still shown
