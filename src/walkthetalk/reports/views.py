"""Report pages and downloads: thin HTTP over the reports' view models and typed rows.

Mounted inside the pulse and conversations URL namespaces (``pulse:dashboard``,
``conversations:results``, …) by :mod:`walkthetalk.site.urls`, so their addresses stay where
people expect them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from walkthetalk.caremap import clock
from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.conversations import services as conversation_services
from walkthetalk.conversations.access import access_conversation
from walkthetalk.conversations.models import Conversation, ConversationResult
from walkthetalk.pulse.access import access_wave
from walkthetalk.reports import conversation, pulse, pulse_charts
from walkthetalk.reports.render.csv_writer import write_csv
from walkthetalk.reports.render.opinion_map import describe
from walkthetalk.reports.schemas import ResultOut


def _download(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --------------------------------------------------------------------------- pulse


@login_required
def pulse_dashboard(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system, wave = access_wave(request.user, slug, wave_id)
    d = pulse.dashboard(wave, request.GET.get("scale"))
    context: dict[str, Any] = {
        "system": system,
        "wave": wave,
        "d": d,
        "rule_scales": d.rule_rows,
        "heat_table": [
            (r, list(zip(d.levels, r.cells_with_se, strict=False))) for r in d.heat_rows
        ],
        "levels_with_n": list(zip(d.levels, d.level_ns, strict=False)),
        **_evidence_context(d),
        **pulse_charts.dashboard_charts(d),
    }
    return render(request, "reports/pulse_dashboard.html", context)


@login_required
def pulse_export_csv(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system, wave = access_wave(request.user, slug, wave_id)
    body = write_csv(pulse.CSV_HEADER, (pulse.csv_row(r) for r in pulse.aggregates(wave)))
    return _download(body, "text/csv", f"{system.slug}-pulse-{wave.pk}.csv")


# --------------------------------------------------------------------------- conversations


def _result_context(found: Conversation) -> dict[str, Any]:
    result = conversation_selectors.result_for(found)
    data = result.data if result else {}
    return {
        "conversation": found,
        "result": result,
        "data": data,
        "ready": bool(result and result.state == ConversationResult.State.READY),
        "refreshing": found.refresh_pending,
        "today": clock.today(),
        "refresh_minutes": int(conversation_services.REFRESH_EVERY.total_seconds() // 60),
        "map_description": describe(data) if data else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def conversation_results(request: HttpRequest, public_id: str) -> HttpResponse:
    found = access_conversation(request.user, public_id)
    if request.method == "POST":
        conversation_services.request_refresh(found.pk, now=True)
        messages.success(request, "Refreshing the results now, in the background.")
        return redirect("conversations:results", public_id=public_id)
    return render(request, "reports/conversation_results.html", _result_context(found))


@login_required
@never_cache
def conversation_results_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The htmx poll target: the results status line (and the page reloads when done)."""
    found = access_conversation(request.user, public_id)
    context = _result_context(found)
    response = render(request, "reports/partials/conversation_results_status.html", context)
    if request.GET.get("was") == "refreshing" and not found.refresh_pending:
        response["HX-Refresh"] = "true"
    return response


@login_required
@never_cache
def conversation_opinion_map(request: HttpRequest, public_id: str) -> HttpResponse:
    found = access_conversation(request.user, public_id)
    result = conversation_selectors.result_for(found)
    if result is None or not result.svg:
        raise Http404("No opinion map yet")
    response = HttpResponse(result.svg, content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
@never_cache
def conversation_export(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    """The results as JSON (the API's shape) or CSV (one row per published statement)."""
    found = access_conversation(request.user, public_id)
    if fmt not in ("csv", "json"):
        raise Http404("Results export as .csv or .json")
    summary = conversation.result_summary(found)
    filename = f"conversation-{found.public_id}-results.{fmt}"
    if fmt == "json":
        body = ResultOut.model_validate(summary).model_dump_json(indent=1)
        return _download(body, "application/json", filename)
    rows = conversation.statement_rows(found, summary.results)
    body = write_csv(conversation.CSV_HEADER, (conversation.csv_row(r) for r in rows))
    return _download(body, "text/csv", filename)


def _evidence_context(d: pulse.Dashboard) -> dict[str, object]:
    """Tables of the evidence beside the figures (aggregation, item non-response)."""
    ev = d.evidence
    if ev is None:
        return {"evidence_tables": [], "nonresponse_table": [], "nonresponse_levels": []}
    levels = list(dict.fromkeys(r.level for r in ev.nonresponse))
    by_scale: dict[str, list[object]] = {}
    names: dict[str, str] = {}
    for r in ev.nonresponse:
        by_scale.setdefault(r.scale_id, []).append(r)
        names[r.scale_id] = r.name
    return {
        "evidence_tables": [
            ("Agreement and reliability within teams", ev.units, "Team"),
            ("Agreement and reliability within levels", ev.levels, "Level"),
        ],
        "nonresponse_levels": levels,
        "nonresponse_table": [(names[k], v) for k, v in by_scale.items()],
    }
