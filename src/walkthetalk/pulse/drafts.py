"""The pulse answer draft: answers given so far, kept on the participant's own browser.

While a participant moves through a wave's parts, the answers so far ride in one signed,
compressed cookie per wave (path-limited to the wave's answer page, three hours at most), as
:mod:`django.contrib.messages`' cookie storage keeps messages. Nothing half-finished is ever
stored on the server, and the answers travel only this way: each form post carries the
current part alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from walkthetalk.analysis.pulse import NOT_APPLICABLE, Instrument, SurveyPart
from walkthetalk.caremap.participant_http import set_participant_cookie
from walkthetalk.pulse.models import Wave
from walkthetalk.pulse.steps import StepQuestion

Answers = dict[str, float | str | None]


class AnswerDraft:
    """The draft of one wave's answers: read from a request, written to a response."""

    salt = "walkthetalk.pulse-draft"
    max_age = 3 * 60 * 60

    def __init__(
        self,
        wave: Wave,
        instrument: Instrument,
        parts: tuple[SurveyPart, ...],
        steps: Sequence[StepQuestion] = (),
    ) -> None:
        self.wave = wave
        self.instrument = instrument
        self.parts = parts
        self.steps = tuple(steps)
        """The "did this step help?" questions this participant is asked (the last part)."""

    @property
    def cookie_name(self) -> str:
        return f"wtt_pulse_{self.wave.pk}"

    @property
    def path(self) -> str:
        return reverse("pulse:answer", args=[self.wave.pk])

    def load(self, request: HttpRequest) -> Answers:
        """The answers in the request's draft; none when it is missing, stale or tampered with."""
        raw = request.COOKIES.get(self.cookie_name)
        if not raw:
            return {}
        try:
            data = signing.loads(raw, salt=self.salt, max_age=self.max_age)
        except signing.BadSignature:
            return {}
        return self._known(data) if isinstance(data, dict) else {}

    def store(self, response: HttpResponse, answers: Answers) -> None:
        value = signing.dumps(self._known(answers), salt=self.salt, compress=True)
        set_participant_cookie(
            response, self.cookie_name, value, max_age=self.max_age, path=self.path
        )

    def clear(self, response: HttpResponse) -> None:
        response.delete_cookie(self.cookie_name, path=self.path)

    def _known(self, data: Mapping[Any, object]) -> Answers:
        known = set(self.instrument.item_ids) | {q.id for q in self.steps}
        answers: Answers = {}
        for key, value in data.items():
            if key in known and (
                value is None or value == NOT_APPLICABLE or isinstance(value, int | float)
            ):
                answers[str(key)] = value
        return answers

    def first_unanswered_part(self, answers: Answers, upto: int) -> int:
        """The first of the parts before ``upto`` with an unanswered item, else ``upto``."""
        for index, part in enumerate(self.parts[:upto]):
            if any(item_id not in answers for item_id in part.item_ids):
                return index
        return upto
