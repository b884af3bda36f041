"""Report pages and downloads: thin HTTP over the reports' view models and typed rows.

Mounted inside the pulse and conversations URL namespaces (``pulse:dashboard``,
``conversations:results``, …) by :mod:`walkthetalk.site.urls`, so their addresses stay where
people expect them.
"""

from __future__ import annotations

from hashlib import sha256
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from walkthetalk.caremap.access import access_care_system
from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.conversations import services as conversation_services
from walkthetalk.conversations.access import access_conversation
from walkthetalk.conversations.models import Conversation
from walkthetalk.pulse.access import access_wave
from walkthetalk.reports import (
    chart_store,
    contexts,
    conversation,
    pdf_store,
    pulse,
    pulse_charts,
    pulse_store,
    selectors,
    services,
    tasks,
)
from walkthetalk.reports.pdf import pdf_response
from walkthetalk.reports.render.csv_writer import write_csv


def _download(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --------------------------------------------------------------------------- pulse


def _node(d: pulse.Dashboard, request: HttpRequest) -> pulse.GroupView:
    """The group asked for (``?unit=`` a unit's id, ``?sector=`` a sector's short name), or the
    whole wave; a group the wave does not hold is a clear 404."""
    unit, sector = request.GET.get("unit", ""), request.GET.get("sector", "")
    key = f"unit:{unit}" if unit else f"sector:{sector}" if sector else "total"
    found = d.group(key)
    hidden = key != "total" and not (found and found.n)
    if found is None or found.kind not in ("total", "unit", "sector") or hidden:
        raise Http404("This wave has no figures for that unit or sector.")
    return found


@login_required
def pulse_dashboard(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system, wave = access_wave(request.user, slug, wave_id)
    d, state = pulse_store.dashboard(wave, request.GET.get("scale"))
    node = _node(d, request)
    context = contexts.dashboard_context(system, wave, d)
    children, some_hidden = pulse.drill(d, node.key, d.unit_scale)
    query = {"scale": d.unit_scale, "node": node.key, "v": state[:12]}
    context.update(
        {
            "node": node,
            "path": [g for g in d.path(node.key) if g.n],
            "lead": pulse.lead(d, node.key),
            "level_rows": pulse.level_rows(d),
            "children": children,
            "some_hidden": some_hidden,
            "units": [g for g in d.groups if g.kind == "unit" and g.n],
            "sectors": [g for g in d.groups if g.kind == "sector" and g.n],
            "chart_query": urlencode(query),
            "since_last_update": state != pulse_store.state(wave),
            "figures_every": int(tasks.FIGURES_EVERY.total_seconds() // 60),
            "heatmap_alt": pulse_charts.heatmap_alt(d),
            "units_alt": pulse_charts.units_alt(d, node.key, d.unit_scale),
            "trend_alt": pulse_charts.trend_alt(d),
        }
    )
    return render(request, "reports/pulse_dashboard.html", context)


CHART_TYPES = set(chart_store.CHARTS)


@login_required
def pulse_chart(request: HttpRequest, slug: str, wave_id: int, name: str) -> HttpResponse:
    """One dashboard chart as an SVG file: same access as the dashboard, stored per release
    state, with an ETag (a browser asks again and gets "not modified" until the state moves)."""
    _, wave = access_wave(request.user, slug, wave_id)
    if name not in CHART_TYPES:
        raise Http404("No such chart.")
    scale = pulse_store.scale_of(wave, request.GET.get("scale"))
    node = request.GET.get("node", "total") if name == "units" else ""
    state = pulse_store.shown_state(wave, scale or None)
    what = chart_store.chart_name(wave, name, scale or None, node)
    etag = '"' + sha256(f"{state}:{what}".encode()).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        try:
            svg, state = chart_store.chart(wave, name, scale or None, node)
        except LookupError:
            raise Http404("This wave has no figures for that unit or sector.") from None
        etag = '"' + sha256(f"{state}:{what}".encode()).hexdigest()[:32] + '"'
        response = HttpResponse(svg, content_type="image/svg+xml")
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def pulse_brief_pdf(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    """The wave brief for leadership, as a PDF: the dashboard's released figures, printed."""
    system, wave = access_wave(request.user, slug, wave_id)
    body = pdf_store.wave_brief(system, wave)
    return pdf_response(body, f"{system.slug}-wave-{wave.pk}-brief.pdf")


@login_required
def pulse_export_csv(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system, wave = access_wave(request.user, slug, wave_id)
    body = write_csv(pulse.CSV_HEADER, (pulse.csv_row(r) for r in pulse.aggregates(wave)))
    return _download(body, "text/csv", f"{system.slug}-pulse-{wave.pk}.csv")


# --------------------------------------------------------------------------- conversations


@login_required
@require_http_methods(["GET", "POST"])
def conversation_results(request: HttpRequest, public_id: str) -> HttpResponse:
    found = access_conversation(request.user, public_id)
    if request.method == "POST":
        conversation_services.request_refresh(found.pk, now=True)
        messages.success(request, "Refreshing the results now, in the background.")
        return redirect("conversations:results", public_id=public_id)
    return render(request, "reports/conversation_results.html", contexts.result_context(found))


@login_required
@never_cache
def conversation_results_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The htmx poll target: the results status line (and the page reloads when done)."""
    found = access_conversation(request.user, public_id)
    context = contexts.result_context(found)
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
        body = conversation.RESULT_JSON.dump_json(summary, indent=1).decode()
        return _download(body, "application/json", filename)
    rows = conversation.statement_rows(found, summary.results)
    body = write_csv(conversation.CSV_HEADER, (conversation.csv_row(r) for r in rows))
    return _download(body, "text/csv", filename)


@login_required
def conversation_report_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    found = access_conversation(request.user, public_id)
    body = pdf_store.conversation_report(found)
    return pdf_response(body, f"conversation-{found.public_id}-report.pdf")


@login_required
@require_http_methods(["POST"])
def conversation_share(request: HttpRequest, public_id: str) -> HttpResponse:
    """Publish the report at a new unguessable link (shown once), or revoke the link."""
    found = access_conversation(request.user, public_id)
    if request.POST.get("action") == "revoke":
        if services.revoke_report(found):
            messages.success(request, "The report link no longer works.")
        return redirect("conversations:results", public_id=public_id)
    token = services.publish_report(found)
    link = request.build_absolute_uri(reverse("reports:shared", args=[token]))
    messages.success(
        request,
        f"The report is published at {link} — copy it now: it is shown only this once. "
        "Anyone with the link can read the report; any earlier link no longer works.",
    )
    return redirect("conversations:results", public_id=public_id)


def _shared(token: str) -> Conversation:
    found = selectors.shared_conversation(token)
    if found is None:
        raise Http404("This report link does not work (it may have been withdrawn).")
    return found


@never_cache
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    """A published conversation report, for participants and partners (no sign-in)."""
    context = contexts.report_context(_shared(token))
    context["token"] = token
    # The site's Referrer-Policy (same-origin) keeps the link from reaching other sites.
    return render(request, "reports/shared_report.html", context)


@never_cache
def shared_report_pdf(request: HttpRequest, token: str) -> HttpResponse:
    found = _shared(token)
    body = pdf_store.conversation_report(found)
    return pdf_response(body, f"conversation-{found.public_id}-report.pdf")


@login_required
def you_said_we_did_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The "you said, we did" handout: issues taken up, decisions and steps with their status."""
    system = access_care_system(request.user, slug)
    return pdf_response(pdf_store.you_said_we_did(system), f"{system.slug}-you-said-we-did.pdf")
