"""The participants' verdict on a step forward: "Did '<step>' help?" asked in the next pulse.

When a wave opens it freezes one question per done step forward whose aim it covers and that
no earlier wave asked about (:attr:`Wave.step_questions`; the steps come from the agenda app's
selectors, so this app never reads agenda's tables). A participant is asked the questions whose
aim covers their unit (a step aimed at the whole system is asked of everyone), as one last short
part of the survey. The answers are stored inside the one response row, beside the items, under
the question's id (``step-<action id>``): never a separate row, so nothing pairs a verdict with a
participation. Each question is released through the wave's ledger as its own "scale" (see
:mod:`walkthetalk.pulse.release`), so its figures follow the same guarantee as every other.

Answers: 3 "Yes, it helped", 2 "It helped a little", 1 "No, not yet"; "I don't know about this
step" is kept as :data:`~walkthetalk.analysis.pulse.NOT_APPLICABLE` and "prefer not to say" as
``None``, and neither counts in the figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from walkthetalk.analysis.pulse import NOT_APPLICABLE
from walkthetalk.analysis.pulse.verdict import A_LITTLE, HELPED, NOT_YET

PREFIX = "step-"
MAX_QUESTIONS = 6
MAX_STEP_TEXT = 300

OPTIONS = (
    (HELPED, gettext_lazy("Yes, it helped")),
    (A_LITTLE, gettext_lazy("It helped a little")),
    (NOT_YET, gettext_lazy("No, not yet")),
)
DONT_KNOW = gettext_lazy("I don't know about this step")


class StepQuestionError(ValueError):
    """A step question or answer that cannot be stored; the message says why."""


@dataclass(frozen=True)
class StepQuestion:
    """One frozen question: the step's words, and the units whose people are asked (``None``:
    everyone the wave covers)."""

    action_id: int
    step: str
    units: tuple[int, ...] | None = None

    @property
    def id(self) -> str:
        return f"{PREFIX}{self.action_id}"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "action": self.action_id,
            "step": self.step,
            "units": None if self.units is None else list(self.units),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> StepQuestion:
        units = data.get("units")
        return cls(
            int(data["action"]),  # type: ignore[call-overload]
            str(data["step"]),
            None if units is None else tuple(int(u) for u in units),  # type: ignore[attr-defined]
        )


def checked(questions: Sequence[StepQuestion]) -> list[dict[str, object]]:
    """The questions as a wave stores them; raises :class:`StepQuestionError` on bad input."""
    if len(questions) > MAX_QUESTIONS:
        raise StepQuestionError(
            f"A pulse asks about {MAX_QUESTIONS} steps at most, so it stays short."
        )
    if len({q.action_id for q in questions}) < len(questions):
        raise StepQuestionError("Each step is asked about once.")
    out = []
    for q in questions:
        step = " ".join(q.step.split())
        if not step or len(step) > MAX_STEP_TEXT:
            raise StepQuestionError(f"Each step needs its words, up to {MAX_STEP_TEXT} characters.")
        out.append(StepQuestion(q.action_id, step, q.units).to_dict())
    return out


def questions(stored: Iterable[Mapping[str, object]]) -> list[StepQuestion]:
    """A wave's frozen questions (``wave.step_questions``)."""
    return [StepQuestion.from_dict(d) for d in stored]


def questions_for(
    stored: Iterable[Mapping[str, object]], unit_id: int | None, below: Mapping[int, set[int]]
) -> list[StepQuestion]:
    """The questions a participant placed in ``unit_id`` is asked. ``below[u]`` is unit ``u``
    with every unit under it; a participant with no unit is asked only whole-system steps."""
    return [
        q
        for q in questions(stored)
        if q.units is None
        or (unit_id is not None and any(unit_id in below.get(u, {u}) for u in q.units))
    ]


def clean(
    asked: Sequence[StepQuestion], answers: Mapping[str, object]
) -> dict[str, float | str | None]:
    """Answers to the questions ``asked``: each one of the three values, ``None`` or
    :data:`NOT_APPLICABLE`; a question left out is simply not stored. Raises
    :class:`StepQuestionError` for an answer to a question not asked or not one of the choices.
    """
    ids = {q.id for q in asked}
    allowed = {value for value, _ in OPTIONS}
    cleaned: dict[str, float | str | None] = {}
    for key, value in answers.items():
        if key not in ids:
            raise StepQuestionError("Some answers do not belong to this pulse; nothing was saved.")
        if value is None or value == NOT_APPLICABLE:
            cleaned[key] = value
        elif isinstance(value, int | float) and not isinstance(value, bool) and value in allowed:
            cleaned[key] = float(value)
        else:
            raise StepQuestionError("One answer was not one of the choices; nothing was saved.")
    return cleaned


def is_step_key(key: str) -> bool:
    return key.startswith(PREFIX)
