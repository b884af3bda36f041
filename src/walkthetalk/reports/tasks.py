"""Background work for reports (django-tasks): figures, charts and PDFs, once per release.

The worker's clock (:mod:`walkthetalk.site.clock`) enqueues :func:`refresh_pulse_figures` at
every multiple of :data:`FIGURES_EVERY` on the wall clock; it computes and stores the figures
of every wave whose state changed (new answers, a wave closed, another release; see
:mod:`walkthetalk.reports.pulse_store`), draws the dashboard's charts and the wave brief PDF
from them, and draws the report PDF of every conversation whose result or statements changed
(:mod:`walkthetalk.reports.pdf_store`); so the dashboards, charts and downloads read what is
stored. Task rows and the worker's log carry only those fixed times, never the time of an
answer.
"""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from walkthetalk.conversations.models import Conversation
from walkthetalk.pulse.models import Wave
from walkthetalk.reports import chart_store, pdf_store

logger = logging.getLogger(__name__)

FIGURES_EVERY = dt.timedelta(minutes=10)


def refresh_all() -> int:
    """Compute the figures of every wave whose state has none stored (and draw its charts and
    brief), then draw every conversation report not stored for its current state; how many
    waves' figures were computed."""
    computed = 0
    for wave in Wave.objects.select_related("care_system").order_by("opened_on", "id"):
        try:
            computed += chart_store.refresh(wave)
            pdf_store.wave_brief(wave.care_system, wave)
        except Exception:  # one wave failing must not stop the others
            logger.error("A pulse wave's figures could not be computed.")
    conversations = Conversation.objects.filter(result__isnull=False).select_related("care_system")
    for found in conversations.order_by("pk"):
        try:
            pdf_store.conversation_report(found)
        except Exception:
            logger.error("A conversation report could not be drawn.")
    return computed


@task()
def refresh_pulse_figures() -> None:
    """The clock's round over the pulse waves (returns nothing: no count in the task row)."""
    refresh_all()
