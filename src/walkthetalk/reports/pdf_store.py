"""Printed reports drawn once per release and kept: the wave brief, the conversation report and
the "you said, we did" handout.

Drawing a PDF costs a second or more (the charts and WeasyPrint's layout), so each is kept in
:mod:`walkthetalk.reports.figure_cache` under a digest of everything it shows:

- the **wave brief** under the state of the figures the dashboard shows now
  (:func:`walkthetalk.reports.pulse_store.dashboard`: answers, closing, minimum size, privacy
  ledger and care-map names) and the care system's name, the wave's title and the language;
- the **conversation report** under its stored result (state, figures, opinion map, the day
  it was computed, the privacy ledger's minimum size in it), the published statements and
  their topics, the conversation's title and status, the care system's name and minimum size,
  and the language;
- the **handout** under a digest of its page's HTML: it prints every follow-up (issues, steps,
  statuses, measured changes) and the day, so the page is the exact statement of what it shows,
  and rendering it costs a fraction of the PDF's layout.

Any change of what a PDF would show makes a new digest, so a PDF never outlives the release
it prints: a new result, a withdrawn one, a closed wave or a released figure elsewhere gives a
new PDF, and a stored one is only ever served through the same access check as the page
(a revoked report link answers 404 before anything is read). The worker draws both after it
computes the figures (:mod:`walkthetalk.reports.tasks`); a download that finds nothing stored
draws it once and stores it.
"""

from __future__ import annotations

from hashlib import sha256
from json import dumps

from django.utils.translation import get_language

from walkthetalk.agenda import selectors as agenda_selectors
from walkthetalk.caremap import clock
from walkthetalk.caremap.models import CareSystem
from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.conversations.models import Conversation
from walkthetalk.pulse.models import Wave
from walkthetalk.reports import (
    chart_store,
    contexts,
    conversation,
    figure_cache,
    pulse,
    pulse_charts,
    pulse_store,
)
from walkthetalk.reports.pdf import pdf_of_html, render_html, render_pdf
from walkthetalk.reports.render.charts import svg_uri

VERSION = 1
"""Raise when the printed reports change (older PDFs are then never read)."""


def _digest(parts: object) -> str:
    return sha256(dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _language() -> str:
    return get_language() or "en"


# --------------------------------------------------------------------------- the wave brief


def brief_name(system: CareSystem, wave: Wave) -> str:
    """What the brief is stored as, beside the wave's figures (their state keys it)."""
    names = _digest([VERSION, _language(), system.name, wave.title])
    return f"pdf:brief:{names}"


def wave_brief(system: CareSystem, wave: Wave) -> bytes:
    """The wave brief PDF of the figures the dashboard shows now (drawn once per state)."""
    d, shown = pulse_store.dashboard(wave)
    body, _ = pulse_store.stored(
        wave, brief_name(system, wave), lambda: _draw_brief(system, wave, d), shown
    )
    return body


def _draw_brief(system: CareSystem, wave: Wave, d: pulse.Dashboard) -> bytes:
    context = contexts.dashboard_context(system, wave, d)
    if d.has_figures:  # the dashboard's own heatmap file, drawn once per state
        context["heatmap_svg"] = svg_uri(chart_store.chart(wave, "heatmap", d.unit_scale, "")[0])
    else:
        context["heatmap_svg"] = ""
    context["heatmap_alt"] = pulse_charts.heatmap_alt(d)
    context["strengths"] = pulse.strengths(d)
    context["min_size"] = d.min_size
    context["has_not_comparable"] = any(mark for row in d.heat_rows for mark in row.not_comparable)
    return render_pdf("reports/print/wave_brief.html", context)


# --------------------------------------------------------------------------- the conversation


def report_state(found: Conversation) -> str:
    """A digest of everything the conversation report shows (a few small queries)."""
    result = conversation_selectors.result_for(found)
    data = result.data if result else {}
    rows = conversation.statement_rows(found, data)
    topics = conversation_selectors.topics_of_conversation(found)
    system = found.care_system
    return _digest(
        [
            VERSION,
            _language(),
            [found.pk, found.title, found.status, system.name, system.min_group_size],
            [result.state, result.message, data, result.svg, result.n_votes, result.computed_on]
            if result
            else None,
            [repr(r) for r in rows],
            [repr(t) for t in topics],
        ]
    )


def _report_key(found: Conversation, state: str) -> str:
    return f"conversation-report:v{VERSION}:{found.pk}:{state}"


def conversation_report(found: Conversation) -> bytes:
    """The conversation report PDF of its stored result (drawn once per state)."""
    state = report_state(found)
    latest = f"conversation-report:v{VERSION}:{found.pk}:latest"
    return figure_cache.stored(_report_key(found, state), lambda: _draw_report(found), latest)


def _draw_report(found: Conversation) -> bytes:
    return render_pdf("reports/print/conversation_report.html", contexts.report_context(found))


def is_report_stored(found: Conversation) -> bool:
    return figure_cache.has(_report_key(found, report_state(found)))


# --------------------------------------------------------------------------- the handout


def you_said_we_did(system: CareSystem) -> bytes:
    """The "you said, we did" handout: issues taken up, decisions and steps with their status
    (drawn once per page it prints)."""
    html = render_html(
        "reports/print/you_said_we_did.html",
        {
            "system": system,
            "follow_ups": agenda_selectors.you_said_we_did(system.pk),
            "today": clock.today(),
            "min_size": system.min_group_size,
        },
    )
    page = sha256(html.encode()).hexdigest()[:32]
    key = f"you-said-we-did:v{VERSION}:{system.pk}:{page}"
    latest = f"you-said-we-did:v{VERSION}:{system.pk}:latest"
    return figure_cache.stored(key, lambda: pdf_of_html(html), latest)
