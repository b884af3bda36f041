"""Demo pulse waves for Northhaven: two closed waves and one open, with simulated answers.

Answers are drawn with numpy from a fixed seed and go through the same services as real ones
(wave invitations → redemption → submit), so the demo exercises the whole path. The simulated
system shows a parallel process: "don't make a mistake" is strong at the leadership level and
mirrored by supervisors and direct care, while care for people and hope are shared strengths.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from walkthetalk.agenda import selectors as agenda_selectors
from walkthetalk.analysis.pulse import NOT_APPLICABLE, Instrument
from walkthetalk.analysis.pulse.verdict import A_LITTLE, HELPED, NOT_YET
from walkthetalk.caremap import clock
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import CareSystem, Level, Unit, UnitKind
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.pulse import selectors, services, steps
from walkthetalk.pulse.models import Wave

WAVES = (
    # title, days ago opened, days open (None: still open), responses
    ("Spring pulse", 330, 28, 240),
    ("Autumn pulse", 150, 28, 760),  # enough per level for invariance and cross-level figures
    ("Spring pulse, this year", 10, None, 150),
)
BASE = {
    "talk": 3.3,
    "trust": 3.5,
    "feel": 3.0,
    "roles": 3.0,
    "change": 3.1,
    "think": 2.9,
    "question": 3.0,
    "ask": 3.2,
    "play": 3.4,
    "mistakes": 3.3,
    "strain": 3.5,
    "strengths": 4.0,
    "above": 3.2,
}
LEVEL_SHIFT = {  # by level position: 1 funders … 5 persons served
    1: {"think": -0.4, "roles": -0.5, "question": -0.3},
    2: {"mistakes": -1.1, "question": -0.3, "play": -0.2, "change": -0.3},
    3: {"mistakes": -1.0, "ask": -0.2, "above": -0.3},
    4: {"mistakes": -0.9, "strain": 0.4, "feel": -0.2, "above": -0.4},
    5: {"mistakes": -0.2, "strengths": 0.2, "trust": -0.3},
}
WAVE_SHIFT: tuple[dict[str, float], ...] = (
    {},
    {"talk": 0.2, "question": 0.2, "trust": 0.1},
    {"talk": 0.35, "question": 0.3, "mistakes": 0.25, "strain": -0.2},
)
LEVEL_SHARE = {1: 0.07, 2: 0.13, 3: 0.2, 4: 0.4, 5: 0.2}
LEVEL_KINDS = {  # which units people of each level belong to
    1: (UnitKind.AGENCY,),
    2: (UnitKind.ORGANIZATION,),
    3: (UnitKind.PROGRAM,),
    4: (UnitKind.TEAM,),
    5: (UnitKind.PROGRAM, UnitKind.TEAM),
}


def _roots(system: CareSystem) -> list[Unit]:
    agencies = list(system.units.filter(kind=UnitKind.AGENCY, parent__isnull=True))
    state = [u for u in agencies if "Department" in u.name]
    counties = sorted(
        (u for u in agencies if u.name.endswith("Authority") and u.children.exists()),
        key=lambda u: u.name,
    )
    return (state + counties)[:3] or agencies[:3]


def _answers(
    inst: Instrument, latent: dict[str, float], rng: np.random.Generator
) -> dict[str, object]:
    """Simulated answers: each scale's latent level (on a 1-5 scale) put on its own answers."""
    out: dict[str, object] = {}
    for scale in inst.scales:
        options = inst.options_for(scale)
        low, high = options[0].value, options[-1].value
        for item in scale.items:
            draw = rng.random()
            if draw < 0.03:
                out[item.id] = None  # prefer not to say
                continue
            if inst.not_applicable and draw < 0.04:
                out[item.id] = NOT_APPLICABLE
                continue
            centre = low + (latent.get(scale.id, 3.0) - 1.0) * (high - low) / 4.0
            if item.reverse:
                centre = low + high - centre
            out[item.id] = int(np.clip(np.rint(centre + rng.normal(0, 0.6)), low, high))
    return out


@dataclass
class _Wave:
    """One demo wave being answered: who answers, and how their answers are drawn."""

    wave: Wave
    index: int
    effect: dict[int, float]
    rng: np.random.Generator
    opened: dt.date
    last_day: dt.date
    inst: Instrument
    submissions: list[tuple[ParticipantPass, dict[str, object], dt.date]] = field(
        default_factory=list
    )
    asked: dict[int | None, list[steps.StepQuestion]] = field(default_factory=dict)
    step_rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    def step_answers(self, unit_id: int | None) -> dict[str, object]:
        """Answers to "Did '<step>' help?" (drawn apart, so the other answers stay as seeded):
        most say the step helped at least a little."""
        if unit_id not in self.asked:
            self.asked[unit_id] = selectors.step_questions_for(self.wave, unit_id)
        out: dict[str, object] = {}
        for q in self.asked[unit_id]:
            draw = self.step_rng.random()
            out[q.id] = (
                HELPED
                if draw < 0.48
                else A_LITTLE
                if draw < 0.78
                else NOT_YET
                if draw < 0.93
                else NOT_APPLICABLE
                if draw < 0.97
                else None
            )
        return out

    def answer(self, tokens: list[str], pos: int, unit_pk: int) -> None:
        """Redeem each token and draw the answers of a person of level ``pos`` in ``unit_pk``
        (stored together by :meth:`store`)."""
        for token in tokens:
            participant_pass = caremap_services.redeem_invitation(token)
            latent = {
                s: BASE[s]
                + LEVEL_SHIFT.get(pos, {}).get(s, 0.0)
                + WAVE_SHIFT[self.index].get(s, 0.0)
                + self.effect[unit_pk] * (-1 if s == "strain" else 1)
                + float(self.rng.normal(0, 0.35))
                for s in BASE
            }
            span = (self.last_day - self.opened).days + 1
            day = self.opened + dt.timedelta(days=int(self.rng.integers(span)))
            answers = _answers(self.inst, latent, self.rng)
            answers.update(self.step_answers(participant_pass.unit_id))
            self.submissions.append((participant_pass, answers, day))

    def store(self) -> None:
        """All the wave's answers in one go, through the same checks as one participant's."""
        services.submit_responses(self.wave, self.submissions)
        self.submissions = []


def seed_demo(system: CareSystem, seed: int = 11) -> None:
    """Give ``system`` demo waves (idempotent: nothing happens if it already has waves)."""
    if Wave.objects.filter(care_system=system).exists():
        return
    rng = np.random.default_rng(seed)
    inst = services.instrument()
    roots = _roots(system)
    if not roots:
        return
    covered = selectors.descendants(system, [u.pk for u in roots])
    units = list(Unit.objects.filter(pk__in=covered).order_by("pk"))
    levels = {lv.position: lv for lv in Level.objects.filter(care_system=system)}
    # lasting unit effects, inherited down the tree, so units mirror their parents too
    effect: dict[int, float] = {}
    for unit in sorted(units, key=lambda u: u.kind):
        effect[unit.pk] = effect.get(unit.parent_id or 0, 0.0) + float(rng.normal(0, 0.15))
    today = clock.today()
    by_pk = {u.pk: u for u in units}
    for w, (title, ago, days_open, n) in enumerate(WAVES):
        opened = today - dt.timedelta(days=ago)
        asking = agenda_selectors.steps_to_ask(system.pk, covered, opened)
        wave = services.open_wave(system, title, roots, opened_on=opened, step_questions=asking)
        people = _people(units, n, rng)
        last_day = min(today, opened + dt.timedelta(days=days_open or ago))
        # Like a steward who reads "fewer than k people would share these details", the demo
        # invites a level's people of a unit too small on its own together with the unit
        # above. Batches still below k at the wave's own unit go out there with every level.
        groups = _rolled_up(people, by_pk, {r.pk for r in roots}, wave.min_group_size)
        answering = _Wave(wave, w, effect, rng, opened, last_day, inst)
        answering.step_rng = np.random.default_rng(seed + 1000 + w)
        _invite_and_answer(answering, groups, by_pk, levels)
        answering.store()
        if days_open is not None:
            services.close_wave(wave, closed_on=opened + dt.timedelta(days=days_open))


def _people(units: list[Unit], n: int, rng: np.random.Generator) -> dict[tuple[int, int], int]:
    """How many of ``n`` people answer from each (level position, unit)."""
    positions = rng.choice(list(LEVEL_SHARE), size=n, p=np.array(list(LEVEL_SHARE.values())))
    people: dict[tuple[int, int], int] = {}
    for pos in positions:
        candidates = [u for u in units if u.kind in LEVEL_KINDS[int(pos)]] or units
        unit = candidates[int(rng.integers(len(candidates)))]
        people[(int(pos), unit.pk)] = people.get((int(pos), unit.pk), 0) + 1
    return people


def _invite_and_answer(
    answering: _Wave,
    groups: dict[tuple[int, int], list[int]],
    by_pk: dict[int, Unit],
    levels: dict[int, Level],
) -> None:
    """Invite each group (largest first) and answer; groups refused go out at their root."""
    wave = answering.wave
    waiting: dict[int, list[tuple[int, int]]] = {}
    for (pos, unit_pk), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        unit, level = by_pk[unit_pk], levels.get(pos)
        try:
            batch = services.make_batch(
                wave, len(members), unit=unit, level=level, sector=unit.sector
            )
        except services.PulseError:
            waiting.setdefault(unit_pk, []).extend((pos, m) for m in members)
            continue
        for token, member in zip(batch.tokens, members, strict=True):
            answering.answer([token], pos, member)
    for root_pk, left in waiting.items():
        try:
            tokens = services.make_batch(wave, len(left), unit=by_pk[root_pk]).tokens
        except services.PulseError:
            continue  # fewer than k people in all of this unit: they are not invited
        for token, (pos, member) in zip(tokens, left, strict=True):
            answering.answer([token], pos, member)


def _rolled_up(
    people: dict[tuple[int, int], int], by_pk: dict[int, Unit], roots: set[int], k: int
) -> dict[tuple[int, int], list[int]]:
    """People by (level position, unit to invite them at) → the units they really belong to.

    A group smaller than ``k`` moves up to its parent unit (same level) until it reaches k or
    a unit the wave was opened on; deepest units first, so groups gather on the way up.
    """
    groups: dict[tuple[int, int], list[int]] = {
        key: [key[1]] * count for key, count in people.items()
    }
    for kind in sorted({u.kind for u in by_pk.values()}, reverse=True):
        for key in [key for key in groups if by_pk[key[1]].kind == kind]:
            unit = by_pk[key[1]]
            if len(groups[key]) >= k or unit.pk in roots or unit.parent_id not in by_pk:
                continue
            members = groups.pop(key)
            groups.setdefault((key[0], unit.parent_id), []).extend(members)
    return groups
