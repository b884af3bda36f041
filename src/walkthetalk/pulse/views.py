"""Pulse pages: thin HTTP over services and selectors (figures: walkthetalk.reports)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from walkthetalk.agenda import selectors as agenda_selectors
from walkthetalk.analysis.pulse import Instrument, SurveyPart, survey_parts
from walkthetalk.caremap import participant_http
from walkthetalk.caremap import selectors as caremap_selectors
from walkthetalk.caremap.access import STEWARD, access_care_system
from walkthetalk.caremap.clock import today
from walkthetalk.caremap.participant_http import (
    KeptBatch,
    current_pass,
    forget_batch,
    invitation_links,
    keep_batch,
    kept_batch,
)
from walkthetalk.caremap.selectors import has_role
from walkthetalk.caremap.tokens import derived_token, new_batch_key
from walkthetalk.pulse import keys, selectors, services, steps
from walkthetalk.pulse.access import READERS, access_wave
from walkthetalk.pulse.drafts import AnswerDraft, Answers
from walkthetalk.pulse.forms import (
    NOT_APPLICABLE_CODE,
    SKIP,
    BatchForm,
    MinSizeForm,
    OpenWaveForm,
    choice_code,
    code,
    parse_answers,
    parse_step_answers,
)
from walkthetalk.pulse.models import Wave
from walkthetalk.pulse.release import response_counts

# --------------------------------------------------------------------------- staff pages


@login_required
def waves(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *READERS)
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
    system = access_care_system(request.user, slug, STEWARD)
    form = OpenWaveForm(system, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        units = list(data["units"])
        covered = selectors.descendants(system, [u.pk for u in units])
        try:
            wave = services.open_wave(
                system,
                data["title"],
                units,
                instrument_key=data["instrument"],
                step_questions=agenda_selectors.steps_to_ask(system.pk, covered, today()),
            )
        except services.PulseError as exc:
            form.add_error(None, str(exc))
        else:
            asking = len(wave.step_questions)
            also = f" It also asks whether {asking} step(s) forward helped." if asking else ""
            messages.success(
                request, f"“{wave.title}” is open.{also} Next, make invitations for it."
            )
            return redirect("pulse:wave", slug=slug, wave_id=wave.pk)
    return render(request, "pulse/new_wave.html", {"system": system, "form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def wave_detail(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    """The wave, and its invitations made post/redirect/get: a reload shows the same links
    (drawn from a key this browser keeps) and never makes a second batch."""
    system, wave = access_wave(request.user, slug, wave_id, STEWARD)
    here = reverse("pulse:wave", args=[slug, wave_id])
    if request.method == "POST" and "forget" in request.POST:
        messages.info(request, "The links are no longer shown on this browser.")
        return forget_batch(redirect(here), here)
    form = BatchForm(wave, request.POST or None, initial={"batch_key": new_batch_key()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.make_batch(
                wave,
                data["count"],
                unit=data["unit"],
                level=data["level"],
                sector=data["sector"],
                batch_key=data["batch_key"],
            )
        except services.PulseError as exc:
            form.add_error(None, str(exc))
        else:
            made_now = KeptBatch(data["batch_key"], data["count"], data["label"])
            return keep_batch(redirect(here), here, made_now)
    kept, made = _kept_batch_of(request, wave)
    counts, min_size = response_counts(wave)
    return render(
        request,
        "pulse/wave_detail.html",
        {
            "system": system,
            "wave": wave,
            "form": form,
            "links": invitation_links(request, kept.tokens) if kept and made else [],
            "kept": kept if made else None,
            "made": made,
            "sheet_url": reverse("pulse:invitation_sheet", args=[slug, wave_id]),
            "csv_url": reverse("pulse:invitation_links_csv", args=[slug, wave_id]),
            "batches": selectors.batches_for(wave),
            "counts": counts,
            "min_size": min_size,
            "units": wave.units.all(),
            "min_form": MinSizeForm(initial={"min_group_size": wave.min_group_size}),
        },
        status=400 if form.errors else 200,
    )


def _kept_batch_of(request: HttpRequest, wave: Wave) -> tuple[KeptBatch | None, object | None]:
    """The batch this browser keeps the key of, and its stored first invitation (None when
    the key names no batch of this wave's care system)."""
    kept = kept_batch(request)
    if kept is None or kept.count < 1:
        return None, None
    first = derived_token(kept.key, 0)
    return kept, caremap_selectors.invitation_batch_made(wave.care_system, first)


@login_required
@never_cache
def invitation_sheet(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system, wave = access_wave(request.user, slug, wave_id, STEWARD)
    kept, made = _kept_batch_of(request, wave)
    here = reverse("pulse:wave", args=[slug, wave_id])
    if kept is None or made is None:
        messages.info(request, "Make a batch first: its sheet is shown from this browser only.")
        return redirect(here)
    return participant_http.invitation_sheet(request, kept, {"system": system, "back": here})


@login_required
@never_cache
def invitation_links_csv(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system, wave = access_wave(request.user, slug, wave_id, STEWARD)
    kept, made = _kept_batch_of(request, wave)
    if kept is None or made is None:
        raise Http404("No batch of invitations is kept on this browser.")
    return participant_http.invitation_csv(request, kept, f"{system.slug}-wave-{wave.pk}.csv")


@login_required
@require_http_methods(["POST"])
def close_wave(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system, wave = access_wave(request.user, slug, wave_id, STEWARD)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "The wave is still open: confirm to close it.")
        return redirect("pulse:wave", slug=slug, wave_id=wave.pk)
    try:
        services.close_wave(wave)
        messages.success(request, f"“{wave.title}” is closed. Thank you for running it.")
    except services.PulseError as exc:
        messages.error(request, str(exc))
    return redirect("pulse:wave", slug=slug, wave_id=wave.pk)


@login_required
@require_http_methods(["POST"])
def min_size(request: HttpRequest, slug: str, wave_id: int) -> HttpResponse:
    system, wave = access_wave(request.user, slug, wave_id, STEWARD)
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


# --------------------------------------------------------------------------- participant pages


@dataclass
class StepItem:
    id: str
    text: str
    chosen: str
    error: bool
    options: list[tuple[str, str]]
    na_label: str = ""
    """The "does not apply" / "I don't know" choice's words ('' when not offered)."""


def _participant_notice(request: HttpRequest, title: str, text: str, status: int) -> HttpResponse:
    return render(request, "pulse/notice.html", {"title": title, "text": text}, status=status)


def _unit_term(request: HttpRequest, inst: Instrument) -> str:
    """How items name the participant's unit: "team", "program", "organization" or "agency"."""
    unit = caremap_selectors.unit_of(current_pass(request))
    return unit.get_kind_display().lower() if unit is not None else inst.unit_term


def _render_step(
    request: HttpRequest,
    draft: AnswerDraft,
    step: int,
    answers: Answers,
    missing: set[str],
    error: str = "",
) -> HttpResponse:
    inst = draft.instrument.in_language(get_language())
    part = draft.parts[step]
    term = inst.unit_phrase(_unit_term(request, draft.instrument))
    texts = {item.id: item for item in inst.items}
    asked = {q.id: q for q in draft.steps}
    items = [
        StepItem(
            item_id,
            _("Did “%(step)s” help?") % {"step": asked[item_id].step},
            choice_code(answers, item_id),
            item_id in missing,
            [(code(value), str(label)) for value, label in steps.OPTIONS],
            str(steps.DONT_KNOW),
        )
        if item_id in asked
        else StepItem(
            item_id,
            texts[item_id].render(term),
            choice_code(answers, item_id),
            item_id in missing,
            [(code(o.value), o.label) for o in inst.options_for(inst.scale_of(item_id))],
            inst.not_applicable or "",
        )
        for item_id in part.item_ids
    ]
    asks_steps = any(item_id in asked for item_id in part.item_ids)
    return render(
        request,
        "pulse/answer.html",
        {
            "wave": draft.wave,
            "instrument": inst,
            "unit_term": term,
            "part": part,
            # The 1.0 layout's heading is its scale's name, in the page's language; the
            # step-question part keeps its own (already translated) heading.
            "heading": (
                part.heading
                if asks_steps
                else inst.scale_of(part.item_ids[0]).name
                if part.heading
                else ""
            ),
            "items": items,
            "step": step,
            "number": step + 1,
            "steps": len(draft.parts),
            "last": step == len(draft.parts) - 1,
            "asks_steps": asks_steps,
            "error": error,
            "skip": SKIP,
            "not_applicable": NOT_APPLICABLE_CODE if inst.not_applicable else "",
            "na_code": NOT_APPLICABLE_CODE,
        },
        status=400 if error else 200,
    )


def _closed_to(request: HttpRequest, wave: Wave | None) -> HttpResponse | None:
    """The kind notice for a participant who may not answer ``wave`` now, else ``None``."""
    participant_pass = current_pass(request)
    if participant_pass is None:
        return _participant_notice(
            request,
            _("Please use your invitation link"),
            _(
                "To take part in a pulse, open the invitation link you were sent. "
                "It lets you answer without an account and without your name."
            ),
            403,
        )
    if (
        wave is None
        or wave.care_system_id != participant_pass.care_system_id
        or not selectors.covers(wave, participant_pass.unit_id)
    ):
        return _participant_notice(
            request,
            _("This pulse is not open to you"),
            _("This pulse is for other parts of the care system. Thank you for wanting to help."),
            404,
        )
    if not wave.is_open:
        return _participant_notice(
            request,
            _("This pulse has closed"),
            _("This pulse no longer takes answers. Thank you for wanting to take part."),
            410,
        )
    if selectors.has_answered(wave, participant_pass):
        return _participant_notice(request, str(ALREADY_ANSWERED), str(ALREADY_ANSWERED_TEXT), 200)
    return None


ALREADY_ANSWERED = gettext_lazy("You have already answered — thank you")
ALREADY_ANSWERED_TEXT = gettext_lazy(
    "Your answers to this pulse are in. Each person answers once, and your first answers are kept."
)
STARTED_AGAIN = gettext_lazy(
    "Something went wrong with the form, so we started again from the first part."
)
EARLIER_LOST = gettext_lazy(
    "Some earlier answers did not come through, so we started again from the first part. "
    "Sorry about that."
)
MISSING = gettext_lazy("Please choose an answer for each statement, or “Prefer not to say”.")


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Answer a wave, one short part per scale; nothing is stored until the last part is sent.

    The answers so far stay in the participant's browser (:class:`AnswerDraft`); each post
    carries one part, and each part is reached by a redirect, so back and reload work.
    """
    wave = selectors.wave_by_id(wave_id)
    refused = _closed_to(request, wave)
    if refused is not None:
        return refused
    assert wave is not None
    participant_pass = current_pass(request)
    assert participant_pass is not None
    inst = services.instrument_for(wave)
    asked = selectors.step_questions_for(wave, participant_pass.unit_id)
    parts = survey_parts(inst, keys.order_seed(wave, participant_pass))
    if asked:
        heading = _("Did these steps forward help?")
        parts += (SurveyPart(tuple(q.id for q in asked), heading=heading),)
    draft = AnswerDraft(wave, inst, parts, asked)
    saved = draft.load(request)
    if request.method == "GET":
        return _render_step(request, draft, _wanted_part(request, draft, saved), saved, set())
    return _answer_part(request, draft, saved)


def _answer_part(request: HttpRequest, draft: AnswerDraft, saved: Answers) -> HttpResponse:
    """One part sent: back, ask again, on to the next part, or store the whole response."""
    steps = len(draft.parts)
    try:
        step = int(request.POST.get("step", ""))
    except ValueError:
        step = -1
    if not 0 <= step < steps:
        return _render_step(request, draft, 0, {}, set(), error=str(STARTED_AGAIN))
    if draft.first_unanswered_part(saved, step) < step:
        return _render_step(request, draft, 0, {}, set(), error=str(EARLIER_LOST))
    ids = draft.parts[step].item_ids
    asked = {q.id for q in draft.steps}
    current, missing = parse_answers(
        draft.instrument, [i for i in ids if i not in asked], request.POST
    )
    on_steps, missing_steps = parse_step_answers([i for i in ids if i in asked], request.POST)
    current, missing = {**current, **on_steps}, missing | missing_steps
    answers = {**saved, **current}
    if request.POST.get("go") == "back":
        return _to_part(draft, max(step - 1, 0), answers)
    if missing:
        return _render_step(request, draft, step, answers, missing, error=str(MISSING))
    if step + 1 < steps:
        return _to_part(draft, step + 1, answers)
    participant_pass = current_pass(request)
    assert participant_pass is not None
    try:
        given = [*draft.instrument.item_ids, *(k for k in asked if k in answers)]
        services.submit_response(draft.wave, participant_pass, {k: answers[k] for k in given})
    except services.AlreadyAnswered:
        return _participant_notice(request, str(ALREADY_ANSWERED), str(ALREADY_ANSWERED_TEXT), 200)
    except services.PulseError as exc:
        return _render_step(request, draft, step, answers, set(), error=str(exc))
    done = redirect("pulse:thanks", wave_id=draft.wave.pk)
    draft.clear(done)
    return done


def _to_part(draft: AnswerDraft, step: int, answers: Answers) -> HttpResponse:
    response = HttpResponseRedirect(f"{draft.path}?part={step + 1}")
    draft.store(response, answers)
    return response


def _wanted_part(request: HttpRequest, draft: AnswerDraft, saved: Answers) -> int:
    """The part asked for (``?part=N``, counted from 1), or the first part not yet answered."""
    try:
        wanted = int(request.GET.get("part", "1")) - 1
    except ValueError:
        wanted = 0
    wanted = min(max(wanted, 0), len(draft.parts) - 1)
    return draft.first_unanswered_part(saved, wanted)


def thanks(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = selectors.wave_by_id(wave_id)
    return render(request, "pulse/thanks.html", {"wave": wave})
