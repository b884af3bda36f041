"""The states of a conversation's computed result (plain Python, so the pure computation in
:mod:`walkthetalk.conversations.results` names them without importing the models)."""

from __future__ import annotations

from enum import StrEnum


class ResultState(StrEnum):
    READY = "ready"
    WAITING = "waiting"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    ResultState.READY: "Ready",
    ResultState.WAITING: "Waiting for more votes",
    ResultState.FAILED: "Could not be computed",
}

CHOICES = [(state.value, LABELS[state]) for state in ResultState]
