"""Pulse pages: thin HTTP over services, selectors and figures."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from walkthetalk.analysis.pulse import Instrument, Scale
from walkthetalk.caremap.models import CareSystem, Unit
from walkthetalk.caremap.participant_http import current_pass, invitation_links
from walkthetalk.caremap.selectors import has_role
from walkthetalk.pulse import charts, figures, selectors, services
from walkthetalk.pulse.forms import BatchForm, MinSizeForm, OpenWaveForm
from walkthetalk.pulse.models import Wave

STEWARD = "steward"
SKIP = "skip"


def _system(request: HttpRequest, slug: str, *roles: str) -> CareSystem:
    system = get_object_or_404(CareSystem, slug=slug)
    if not has_role(request.user, system, *(roles or selectors.DASHBOARD_ROLES)):
        raise PermissionDenied
    return system


def _wave(system: CareSystem, wave_id: int) -> Wave:
    return get_object_or_404(Wave, pk=wave_id, care_system=system)


# --------------------------------------------------------------------------- staff pages


@login_required
def waves(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(request, slug)
    return render(
        request,
        "pulse/waves.html",
        {
            "system": system,
            "waves": selectors.waves_for(system),
            "is_steward": has_role(request.user, system, STEWARD),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_wave(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(request, slug, STEWARD)
    form = OpenWaveForm(system, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wave = services.open_wave(
                system, data["title"], list(data["units"]), instrument_key=data["instrument"]
            )
        except services.PulseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"“{wave.title}” is open. Next, make invitations for it.")
            return redirect("pulse:wave", slug=slug, wave_id=wave.pk)
    return render(request, "pulse/new_wave.html", {"system": system, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def wave_detail(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system = _system(request, slug, STEWARD)
    wave = _wave(system, wave_id)
    form = BatchForm(wave, request.POST or None)
    links: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tokens = services.make_batch(
                wave,
                data["count"],
                unit=data["unit"],
                level=data["level"],
                sector=data["sector"],
                label=data["label"],
            )
        except services.PulseError as exc:
            form.add_error(None, str(exc))
        else:
            links = invitation_links(request, tokens)
            form = BatchForm(wave)
    counts, min_size = figures.response_counts(wave)
    response = render(
        request,
        "pulse/wave_detail.html",
        {
            "system": system,
            "wave": wave,
            "form": form,
            "links": links,
            "batches": selectors.batches_for(wave),
            "counts": counts,
            "min_size": min_size,
            "units": wave.units.all(),
            "min_form": MinSizeForm(initial={"min_group_size": wave.min_group_size}),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["POST"])
def close_wave(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system = _system(request, slug, STEWARD)
    wave = _wave(system, wave_id)
    try:
        services.close_wave(wave)
        messages.success(request, f"“{wave.title}” is closed. Thank you for running it.")
    except services.PulseError as exc:
        messages.error(request, str(exc))
    return redirect("pulse:wave", slug=slug, wave_id=wave.pk)


@login_required
@require_http_methods(["POST"])
def min_size(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system = _system(request, slug, STEWARD)
    wave = _wave(system, wave_id)
    form = MinSizeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The minimum group size must be a whole number of 3 or more.")
    else:
        try:
            services.change_min_group_size(wave, form.cleaned_data["min_group_size"])
            messages.success(request, "The minimum group size was raised.")
        except services.PulseError as exc:
            messages.error(request, str(exc))
    return redirect("pulse:wave", slug=slug, wave_id=wave.pk)


@login_required
def dashboard(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system = _system(request, slug)
    wave = _wave(system, wave_id)
    d = figures.dashboard(wave, request.GET.get("scale"))
    context: dict[str, Any] = {"system": system, "wave": wave, "d": d}
    if d.has_figures:
        context.update(
            heatmap_svg=charts.heatmap_svg(d),
            heatmap_alt=charts.heatmap_alt(d),
            profiles_svg=charts.profiles_svg(d) if d.mirrors else "",
            mirroring_alt=charts.mirroring_alt(d),
            units_svg=charts.units_svg(d) if any(r.estimate for r in d.unit_rows) else "",
            units_alt=charts.units_alt(d),
            trend_svg=charts.trend_svg(d) if len(d.trend) > 1 else "",
            trend_alt=charts.trend_alt(d),
        )
    context["rule_scales"] = [r for r in d.heat_rows if r.kind == "rule"]
    context["heat_table"] = [(r, list(zip(d.levels, r.cells, strict=False))) for r in d.heat_rows]
    context["levels_with_n"] = list(zip(d.levels, d.level_ns, strict=False))
    return render(request, "pulse/dashboard.html", context)


@login_required
def export_csv(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system = _system(request, slug)
    wave = _wave(system, wave_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{system.slug}-pulse-{wave.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(figures.CSV_HEADER)
    for row in figures.export_rows(wave):
        writer.writerow([_safe_cell(v) for v in row])
    return response


def _safe_cell(value: object) -> object:
    """Keep spreadsheet programs from reading a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --------------------------------------------------------------------------- participant pages


def _code(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class StepItem:
    id: str
    text: str
    chosen: str
    error: bool


def parse_answers(
    inst: Instrument, scales: list[Scale], data: Any
) -> tuple[dict[str, float | None], set[str]]:
    """Answers for ``scales`` from POST data, and the ids of items left unanswered or forged."""
    by_code = {_code(o.value): o.value for o in inst.response_options}
    answers: dict[str, float | None] = {}
    missing: set[str] = set()
    for scale in scales:
        for item in scale.items:
            raw = data.get(item.id, "")
            if raw == SKIP:
                answers[item.id] = None
            elif raw in by_code:
                answers[item.id] = by_code[raw]
            else:
                missing.add(item.id)
    return answers, missing


def _participant_notice(request: HttpRequest, title: str, text: str, status: int) -> HttpResponse:
    response = render(request, "pulse/notice.html", {"title": title, "text": text}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _unit_term(request: HttpRequest, inst: Instrument) -> str:
    """How items name the participant's unit: "team", "program", "organization" or "agency"."""
    participant_pass = current_pass(request)
    unit = (
        Unit.objects.filter(pk=participant_pass.unit_id).first()
        if participant_pass and participant_pass.unit_id
        else None
    )
    return unit.get_kind_display().lower() if unit is not None else inst.unit_term


def _render_step(
    request: HttpRequest,
    wave: Wave,
    inst: Instrument,
    step: int,
    answers: dict[str, float | None],
    missing: set[str],
    error: str = "",
) -> HttpResponse:
    scale = inst.scales[step]
    term = _unit_term(request, inst)
    items = [
        StepItem(
            item.id,
            item.render(term),
            SKIP
            if item.id in answers and answers[item.id] is None
            else (_code(v) if (v := answers.get(item.id)) is not None else ""),
            item.id in missing,
        )
        for item in scale.items
    ]
    current = set(scale.item_ids)
    carried = [
        (item_id, SKIP if value is None else _code(value))
        for item_id, value in answers.items()
        if item_id not in current
    ]
    response = render(
        request,
        "pulse/answer.html",
        {
            "wave": wave,
            "instrument": inst,
            "unit_term": term,
            "scale": scale,
            "items": items,
            "options": [(_code(o.value), o.label) for o in inst.response_options],
            "step": step,
            "number": step + 1,
            "steps": len(inst.scales),
            "last": step == len(inst.scales) - 1,
            "carried": carried,
            "error": error,
            "skip": SKIP,
        },
        status=400 if error else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Answer a wave, one short part per scale; nothing is stored until the last part is sent.

    Earlier parts travel with the form as hidden fields, so no half-finished answers are kept.
    """
    participant_pass = current_pass(request)
    wave = Wave.objects.filter(pk=wave_id).first()
    if participant_pass is None:
        return _participant_notice(
            request,
            "Please use your invitation link",
            "To take part in a pulse, open the invitation link you were sent. "
            "It lets you answer without an account and without your name.",
            403,
        )
    if (
        wave is None
        or wave.care_system_id != participant_pass.care_system_id
        or not services.covers(wave, participant_pass.unit_id)
    ):
        return _participant_notice(
            request,
            "This pulse is not open to you",
            "This pulse is for other parts of the care system. Thank you for wanting to help.",
            404,
        )
    if not wave.is_open:
        return _participant_notice(
            request,
            "This pulse has closed",
            "This pulse no longer takes answers. Thank you for wanting to take part.",
            410,
        )
    if services.has_answered(wave, participant_pass):
        return _participant_notice(
            request,
            "You have already answered — thank you",
            "Your answers to this pulse are in. Each person answers once, and your first "
            "answers are kept.",
            200,
        )
    inst = services.instrument_for(wave)
    if request.method == "GET":
        saved = _saved_answers(request, wave, inst)
        return _render_step(request, wave, inst, _resume_step(request, inst, saved), saved, set())
    try:
        step = int(request.POST.get("step", ""))
    except ValueError:
        step = -1
    if not 0 <= step < len(inst.scales):
        return _render_step(
            request,
            wave,
            inst,
            0,
            {},
            set(),
            error="Something went wrong with the form, so we started again from the first part.",
        )
    earlier, forged = parse_answers(inst, list(inst.scales[:step]), request.POST)
    if forged:
        return _render_step(
            request,
            wave,
            inst,
            0,
            {},
            set(),
            error="Some earlier answers did not come through, so we started again from the "
            "first part. Sorry about that.",
        )
    current, missing = parse_answers(inst, [inst.scales[step]], request.POST)
    later, _ = parse_answers(inst, list(inst.scales[step + 1 :]), request.POST)
    answers = {**earlier, **current, **later}
    if request.POST.get("go") == "back":
        return _to_part(wave, max(step - 1, 0), answers)
    if missing:
        return _render_step(
            request,
            wave,
            inst,
            step,
            answers,
            missing,
            error="Please choose an answer for each statement, or “Prefer not to say”.",
        )
    if step + 1 < len(inst.scales):
        return _to_part(wave, step + 1, answers)
    try:
        services.submit_response(wave, participant_pass, {**earlier, **current})
    except services.AlreadyAnswered as exc:
        return _participant_notice(request, "You have already answered — thank you", str(exc), 200)
    except services.PulseError as exc:
        return _render_step(request, wave, inst, step, answers, set(), error=str(exc))
    done = redirect("pulse:thanks", wave_id=wave.pk)
    done.delete_cookie(_draft_cookie(wave), path=_draft_path(wave))
    return done


# Between parts the answers so far ride in a signed cookie on the participant's own browser, and
# each part is reached by a redirect: the back and reload buttons work, and nothing half-finished
# is ever stored on the server.
DRAFT_SALT = "walkthetalk.pulse-draft"
DRAFT_MAX_AGE = 3 * 60 * 60


def _draft_cookie(wave: Wave) -> str:
    return f"wtt_pulse_{wave.pk}"


def _draft_path(wave: Wave) -> str:
    return reverse("pulse:answer", args=[wave.pk])


def _to_part(wave: Wave, step: int, answers: dict[str, float | None]) -> HttpResponse:
    response = HttpResponseRedirect(f"{_draft_path(wave)}?part={step + 1}")
    response.set_cookie(
        _draft_cookie(wave),
        signing.dumps(answers, salt=DRAFT_SALT, compress=True),
        max_age=DRAFT_MAX_AGE,
        path=_draft_path(wave),
        httponly=True,
        samesite="Lax",
        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
    )
    return response


def _saved_answers(request: HttpRequest, wave: Wave, inst: Instrument) -> dict[str, float | None]:
    raw = request.COOKIES.get(_draft_cookie(wave))
    if not raw:
        return {}
    try:
        data = signing.loads(raw, salt=DRAFT_SALT, max_age=DRAFT_MAX_AGE)
    except signing.BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    known = set(inst.item_ids)
    return {
        k: v for k, v in data.items() if k in known and (v is None or isinstance(v, int | float))
    }


def _resume_step(request: HttpRequest, inst: Instrument, saved: dict[str, float | None]) -> int:
    """The part asked for (``?part=N``, counted from 1), or the first part not yet answered."""
    try:
        wanted = int(request.GET.get("part", "1")) - 1
    except ValueError:
        wanted = 0
    wanted = min(max(wanted, 0), len(inst.scales) - 1)
    for index, scale in enumerate(inst.scales[:wanted]):
        if any(item_id not in saved for item_id in scale.item_ids):
            return index
    return wanted


def thanks(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = Wave.objects.filter(pk=wave_id).select_related("care_system").first()
    return render(request, "pulse/thanks.html", {"wave": wave})
