"""Messenger pages: thin HTTP over services and selectors.

Receipt codes travel only in POST bodies and, from the send form to the receipt page, in a
short-lived cookie on the sender's own browser (:mod:`walkthetalk.messenger.participant_http`)
— never in a URL, so never in a history or log; every page that shows a code or a thread is
marked ``@never_cache``, so no browser or proxy keeps it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from walkthetalk.caremap import clock
from walkthetalk.caremap import selectors as caremap_selectors
from walkthetalk.caremap.access import STEWARD, access_care_system
from walkthetalk.caremap.models import StaffRole
from walkthetalk.caremap.participant_http import current_pass
from walkthetalk.messenger import selectors, services, tasks
from walkthetalk.messenger.access import READERS, access_concern
from walkthetalk.messenger.forms import (
    AnswerBackForm,
    CodeForm,
    ConcernForm,
    EscalationForm,
    LeaderReplyForm,
    LeadershipRoleForm,
)
from walkthetalk.messenger.models import Concern
from walkthetalk.messenger.participant_http import (
    forget_opened,
    forget_receipt,
    keep_opened,
    keep_receipt,
    opened_code,
    shown_receipt,
)


def _first_error(form: object) -> str:
    for errors in getattr(form, "errors", {}).values():
        return str(errors[0])
    return "Please check the form."


# --- the sender --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
def send(request: HttpRequest) -> HttpResponse:
    participant_pass = current_pass(request)
    if participant_pass is None:
        return render(request, "messenger/send.html", {"form": None})
    system = caremap_selectors.care_system_of(participant_pass)
    roles = list(selectors.leadership_roles_for(participant_pass))
    form = ConcernForm(roles, request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                receipt = services.submit_concern(
                    participant_pass, data["role"], data["text"], data["request_key"]
                )
            except services.MessengerError as exc:
                error = str(exc)
            else:
                return keep_receipt(
                    redirect("messenger:receipt"),
                    receipt.code,
                    receipt.concern.leadership_role.title,
                )
        else:
            error = _first_error(form)
    response = render(
        request,
        "messenger/send.html",
        {"form": form, "roles": roles, "system": system, "error": error},
        status=400 if error else 200,
    )
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def receipt(request: HttpRequest) -> HttpResponse:
    """The receipt code of the concern just sent: shown again on reload (from a short-lived
    cookie on the sender's own browser); "I have kept my code" (POST) forgets it."""
    if request.method == "POST":
        return forget_receipt(redirect("messenger:read"))
    shown = shown_receipt(request)
    return render(request, "messenger/receipt.html", {"receipt": shown}, status=200)


@never_cache
def _thread_page(
    request: HttpRequest,
    concern: Concern,
    answer_form: AnswerBackForm | None = None,
    *,
    error: str = "",
) -> HttpResponse:
    answer_form = answer_form or AnswerBackForm()
    response = render(
        request,
        "messenger/thread.html",
        {
            "concern": concern,
            "replies": selectors.thread(concern),
            "answer_form": answer_form,
            "error": error,
        },
        status=400 if error else 200,
    )
    return response


@never_cache
def _read_page(request: HttpRequest, form: CodeForm, error: str) -> HttpResponse:
    limited = error == str(services.ratelimit.LIMITED_MESSAGE)
    status = 429 if limited else 400 if error else 200
    return render(request, "messenger/read.html", {"form": form, "error": error}, status=status)


@require_http_methods(["GET", "POST"])
def read(request: HttpRequest) -> HttpResponse:
    """The receipt-code form. A code that opens a concern is kept on this browser for a short
    while and answered by a redirect to the thread (post/redirect/get): reload and Back never
    re-send the form, and only this POST counts against the code's lookups."""
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                services.open_concern(form.cleaned_data["code"])
            except (services.MessengerError, services.RateLimited) as exc:
                error = str(exc)
            else:
                return keep_opened(redirect("messenger:thread"), form.cleaned_data["code"])
        else:
            error = _first_error(form)
    return _read_page(request, form, error)


def _opened_concern(request: HttpRequest) -> Concern | None:
    """The concern whose code this browser opened a little while ago (no lookup counted)."""
    code = opened_code(request)
    if code is None:
        return None
    try:
        return services.open_concern(code, counted=False)
    except services.MessengerError:
        return None


def _ask_for_the_code_again(request: HttpRequest) -> HttpResponse:
    messages.info(
        request,
        gettext(
            "For your safety an opened concern stays open only for a short while, on this "
            "device. Please enter your receipt code again."
        ),
    )
    return forget_opened(redirect("messenger:read"))


@require_http_methods(["GET"])
@never_cache
def thread(request: HttpRequest) -> HttpResponse:
    """The thread of the concern just opened with its code; reloading it looks nothing up."""
    concern = _opened_concern(request)
    if concern is None:
        return _ask_for_the_code_again(request)
    return _thread_page(request, concern)


@require_http_methods(["POST"])
def close(request: HttpRequest) -> HttpResponse:
    """ "Close": forget the opened code on this device."""
    messages.info(request, gettext("Closed. Your code is no longer kept on this device."))
    return forget_opened(redirect("messenger:read"))


@require_http_methods(["POST"])
def answer(request: HttpRequest) -> HttpResponse:
    """The sender writes back to the concern opened on this browser; a reply sent is answered
    by a redirect to the thread, so a reload never sends it again."""
    concern = _opened_concern(request)
    if concern is None:
        return _ask_for_the_code_again(request)
    form = AnswerBackForm(request.POST)
    if not form.is_valid():
        return _thread_page(request, concern, form, error=_first_error(form))
    try:
        services.answer_back(concern, form.cleaned_data["text"], form.cleaned_data["request_key"])
    except services.MessengerError as exc:
        return _thread_page(request, concern, error=str(exc))
    messages.success(request, gettext("Your reply was sent. Thank you."))
    return redirect("messenger:thread")


# --- leadership and stewards -------------------------------------------------------------


@login_required
@never_cache
def concerns(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *READERS)
    tasks.schedule_daily_escalation()
    is_steward = caremap_selectors.has_role(request.user, system, StaffRole.Role.STEWARD)
    status = request.GET.get("status", "")
    if status not in selectors.CONCERN_STATUSES:
        status = ""
    return render(
        request,
        "messenger/concerns.html",
        {
            "system": system,
            "concerns": selectors.concerns_with_status(system, status),
            "status": status,
            "statuses": selectors.CONCERN_STATUSES,
            "figures": services.response_figures(system, clock.today()),
            "roles": system.leadership_roles.all(),
            "is_steward": is_steward,
            "role_form": LeadershipRoleForm(),
            "escalation_form": EscalationForm(
                initial={"days": selectors.escalate_after_days(system)}
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def concern(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *READERS)
    item = access_concern(system, public_id)
    form = LeaderReplyForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reply_as_leadership(
                    item, form.cleaned_data["text"], form.cleaned_data["request_key"]
                )
            except services.MessengerError as exc:
                error = str(exc)
            else:
                messages.success(request, "Reply sent: the sender reads it with their code.")
                return redirect("messenger:concern", slug=slug, public_id=public_id)
        else:
            error = _first_error(form)
    return render(
        request,
        "messenger/concern.html",
        {
            "system": system,
            "concern": item,
            "replies": selectors.thread(item),
            "form": form,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["POST"])
def add_role(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, STEWARD)
    form = LeadershipRoleForm(request.POST)
    if form.is_valid():
        try:
            role = services.add_leadership_role(
                system, form.cleaned_data["title"], form.cleaned_data["description"]
            )
            messages.success(request, f"Concerns can now be sent to {role.title}.")
        except services.MessengerError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "The role was not added: " + _first_error(form))
    return redirect("messenger:concerns", slug=slug)


@login_required
@require_http_methods(["POST"])
def set_escalation(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, STEWARD)
    form = EscalationForm(request.POST)
    if form.is_valid():
        services.set_escalation_days(system, form.cleaned_data["days"])
        messages.success(
            request, f"Unanswered concerns now escalate after {form.cleaned_data['days']} days."
        )
    else:
        messages.error(request, "Not changed: " + _first_error(form))
    return redirect("messenger:concerns", slug=slug)


@login_required
@require_http_methods(["POST"])
def concern_status(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """Mark a concern resolved, or open it again; answered by a redirect to the concern."""
    system = access_care_system(request.user, slug, *READERS)
    item = access_concern(system, public_id)
    resolved = request.POST.get("resolved") == "yes"
    try:
        services.set_resolved(item, resolved)
    except services.MessengerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "Marked as resolved: the sender sees it with their code, and writing back opens it "
            "again."
            if resolved
            else "Open again.",
        )
    return redirect("messenger:concern", slug=slug, public_id=public_id)
