"""Agenda pages: thin HTTP over services and selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from walkthetalk.agenda import release, selectors, services
from walkthetalk.agenda.access import (
    FACILITATORS,
    access_action_item,
    access_agenda_item,
    access_gathering,
    access_issue,
    participant_gathering,
)
from walkthetalk.agenda.forms import (
    AcceptForm,
    ActionItemForm,
    AddItemForm,
    FollowUpForm,
    GatheringForm,
    RaiseIssueForm,
    RateForm,
    RecordForm,
    StaffIssueForm,
    StatementTargetForm,
    TargetForm,
)
from walkthetalk.agenda.models import ISSUE_TITLE_MAX, ActionItem, AvoidedIssue
from walkthetalk.caremap import clock
from walkthetalk.caremap.access import access_care_system
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.participant_http import current_pass
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.caremap.selectors import care_system_of
from walkthetalk.conversations import selectors as conversation_selectors


def _first_error(form: object) -> str:
    for errors in getattr(form, "errors", {}).values():
        return str(errors[0])
    return "Please check the form."


def _need_pass(request: HttpRequest) -> tuple[ParticipantPass | None, HttpResponse | None]:
    participant_pass = current_pass(request)
    if participant_pass is None:
        return None, render(request, "agenda/no_pass.html", status=403)
    return participant_pass, None


# --- participants ------------------------------------------------------------------------


def _backlog_page(
    request: HttpRequest,
    participant_pass: ParticipantPass,
    raise_form: RaiseIssueForm | None = None,
    error: str = "",
    error_issue: str = "",
    similar: list[AvoidedIssue] | None = None,
    duplicate: AvoidedIssue | None = None,
) -> HttpResponse:
    system = care_system_of(participant_pass)
    if system is None:
        raise Http404
    entries = selectors.backlog_for(participant_pass)
    topics = conversation_selectors.issue_topics(system.pk)
    return render(
        request,
        "agenda/backlog.html",
        {
            "system": system,
            "entries": [
                (e, RateForm(initial=_initial(e)), topics.get(e.issue.public_id, []))
                for e in entries
            ],
            "raise_form": raise_form or RaiseIssueForm(),
            "error": error,
            "error_issue": error_issue,
            "duplicate": duplicate,
            "scale": SCALE_WORDS,
            "gatherings": selectors.gatherings_for(participant_pass, clock.today()),
            "similar": similar or [],
        },
        status=400 if error else 200,
    )


# The 1–5 answers, with the words beside the ends of each scale.
SCALE_WORDS = {
    "importance": [
        (1, gettext_lazy("a little")),
        (2, ""),
        (3, ""),
        (4, ""),
        (5, gettext_lazy("very")),
    ],
    "avoidance": [
        (1, gettext_lazy("we talk about it freely")),
        (2, ""),
        (3, ""),
        (4, ""),
        (5, gettext_lazy("we never do")),
    ],
}


def _issue_card(
    request: HttpRequest,
    participant_pass: ParticipantPass,
    public_id: str,
    *,
    error: str = "",
    saved: bool = False,
) -> HttpResponse:
    """One backlog card, answered to htmx so a rating is saved in place (no jump, no move)."""
    entry = next(
        (e for e in selectors.backlog_for(participant_pass) if e.issue.public_id == public_id),
        None,
    )
    if entry is None:
        raise Http404
    return render(
        request,
        "agenda/partials/issue_card.html",
        {
            "entry": entry,
            "form": RateForm(initial=_initial(entry)),
            "topic_names": conversation_selectors.issue_topics(participant_pass.care_system_id).get(
                public_id, []
            ),
            "error": error,
            "error_issue": public_id if error else "",
            "saved": saved,
            "scale": SCALE_WORDS,
        },
    )


def _backlog_at(public_id: str) -> HttpResponse:
    return redirect(f"{reverse('agenda:backlog')}#issue-{public_id}")


def _initial(entry: selectors.BacklogEntry) -> dict[str, object]:
    return {"importance": entry.my_importance or 3, "avoidance": entry.my_avoidance or 3}


@require_http_methods(["GET"])
def backlog(request: HttpRequest) -> HttpResponse:
    participant_pass, refusal = _need_pass(request)
    if refusal:
        return refusal
    assert participant_pass is not None
    return _backlog_page(request, participant_pass)


@require_http_methods(["POST"])
def raise_issue(request: HttpRequest) -> HttpResponse:
    participant_pass, refusal = _need_pass(request)
    if refusal:
        return refusal
    assert participant_pass is not None
    form = RaiseIssueForm(request.POST)
    if not form.is_valid():
        return _backlog_page(request, participant_pass, form, _first_error(form))
    data = form.cleaned_data
    if not request.POST.get("anyway") and not selectors.request_seen(data["request_key"]):
        similar = selectors.similar_issues(participant_pass, data["title"])
        if similar:
            return _backlog_page(request, participant_pass, form, similar=similar)
    try:
        issue = services.raise_issue(
            participant_pass, data["title"], data["details"], data["request_key"]
        )
    except services.DuplicateIssue as exc:
        return _backlog_page(request, participant_pass, form, str(exc), duplicate=exc.existing)
    except services.AgendaError as exc:
        return _backlog_page(request, participant_pass, form, str(exc))
    messages.success(
        request, gettext("Thank you — your issue is in the backlog for others to rate.")
    )
    # The fragment is never sent to the server: only this browser's follow.js reads it.
    return redirect(reverse("agenda:backlog") + f"#remember=issue.{issue.public_id}")


@require_http_methods(["POST"])
def similar_issues(request: HttpRequest) -> HttpResponse:
    """Open issues like the title being typed (htmx, while raising one)."""
    participant_pass = current_pass(request)
    if participant_pass is None:
        return HttpResponse(status=204)
    title = request.POST.get("title", "")[:ISSUE_TITLE_MAX]
    return render(
        request,
        "agenda/partials/similar_issues.html",
        {"similar": selectors.similar_issues(participant_pass, title)},
    )


@require_http_methods(["POST"])
def rate(request: HttpRequest, public_id: str) -> HttpResponse:
    participant_pass, refusal = _need_pass(request)
    if refusal:
        return refusal
    assert participant_pass is not None
    issue = selectors.open_issue(participant_pass, public_id)
    if issue is None:
        return _backlog_page(
            request,
            participant_pass,
            error=gettext("That issue is not in your care system's backlog."),
        )
    form = RateForm(request.POST)
    error = gettext("Choose 1 to 5 for both questions.")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rate_issue(
                participant_pass, issue, data["importance"], data["avoidance"], data["request_key"]
            )
        except services.AgendaError as exc:
            error = str(exc)
        else:
            error = ""
    if getattr(request, "htmx", False):
        return _issue_card(request, participant_pass, public_id, error=error, saved=not error)
    if error:
        return _backlog_page(request, participant_pass, error=error, error_issue=public_id)
    messages.success(
        request,
        gettext("Thank you — your rating of “%(title)s” is saved.") % {"title": issue.title},
    )
    return _backlog_at(public_id)


@require_http_methods(["GET", "POST"])
def gathering(request: HttpRequest, public_id: str) -> HttpResponse:
    participant_pass, refusal = _need_pass(request)
    if refusal:
        return refusal
    assert participant_pass is not None
    item = participant_gathering(participant_pass, public_id)
    error = ""
    form = AcceptForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.accept_agreements(participant_pass, item, form.cleaned_data["request_key"])
            except services.AgendaError as exc:
                error = str(exc)
            else:
                messages.success(
                    request, gettext("Thank you for accepting the agreements. Welcome.")
                )
                return redirect("agenda:gathering", public_id=public_id)
        else:
            error = gettext("This form has expired. Please reload the page and try again.")
    return render(
        request,
        "agenda/gathering.html",
        {
            "gathering": item,
            "accepted": selectors.has_accepted(participant_pass, item),
            "form": AcceptForm() if error else form,
            "items": selectors.agenda(item),
            "error": error,
        },
        status=400 if error else 200,
    )


def follow_up(request: HttpRequest) -> HttpResponse:
    """“You said, we did”, for participants of the care system."""
    participant_pass, refusal = _need_pass(request)
    if refusal:
        return refusal
    assert participant_pass is not None
    system = care_system_of(participant_pass)
    if system is None:
        raise Http404
    return render(
        request,
        "agenda/you_said_we_did.html",
        {"system": system, "follow_ups": selectors.you_said_we_did(system.pk)},
    )


# --- stewards and facilitators -----------------------------------------------------------


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *FACILITATORS)
    return render(
        request,
        "agenda/manage.html",
        {
            "system": system,
            "backlog": release.ranked_backlog(system),
            "candidates": selectors.backlog_candidates(system),
            "gatherings": selectors.staff_gatherings(system),
            "issue_form": StaffIssueForm(prefix="issue"),
            "gathering_form": GatheringForm(prefix="gathering"),
        },
    )


@login_required
@require_http_methods(["POST"])
def add_issue(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *FACILITATORS)
    form = StaffIssueForm(request.POST, prefix="issue")
    if form.is_valid():
        try:
            services.add_issue(system, form.cleaned_data["title"], form.cleaned_data["details"])
            messages.success(request, "Added to the backlog.")
        except services.AgendaError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Not added: " + _first_error(form))
    return redirect("agenda:manage", slug=slug)


@login_required
@require_http_methods(["POST"])
def take_candidate(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *FACILITATORS)
    ref = request.POST.get("statement_ref", "")
    candidates = {c.statement_ref: c for c in selectors.backlog_candidates(system)}
    candidate = candidates.get(ref)
    if candidate is None:
        messages.error(request, "That candidate is no longer offered.")
    else:
        try:
            services.take_up_candidate(
                system,
                statement_ref=candidate.statement_ref,
                text=candidate.text,
                sector=candidate.sector,
                conversation_title=candidate.conversation_title,
            )
        except services.AgendaError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Added to the backlog.")
    return redirect("agenda:manage", slug=slug)


@login_required
@require_http_methods(["POST"])
def issue_action(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *FACILITATORS)
    issue = access_issue(system, public_id)
    action = request.POST.get("action")
    if action == "conversation":
        services.issue_to_conversation(issue)
        messages.success(request, f"A conversation about “{issue.title}” is open.")
    elif action == "hide":
        services.set_issue_status(issue, AvoidedIssue.Status.HIDDEN)
        messages.success(request, f"“{issue.title}” was set aside.")
    else:
        messages.error(request, "Unknown action.")
    return redirect("agenda:manage", slug=slug)


@login_required
@require_http_methods(["POST"])
def create_gathering(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *FACILITATORS)
    form = GatheringForm(request.POST, prefix="gathering")
    if not form.is_valid():
        messages.error(request, "The gathering was not created: " + _first_error(form))
        return redirect("agenda:manage", slug=slug)
    try:
        item = services.create_gathering(system, **form.cleaned_data)
    except services.AgendaError as exc:
        messages.error(request, str(exc))
        return redirect("agenda:manage", slug=slug)
    return redirect("agenda:manage_gathering", slug=slug, public_id=item.public_id)


@login_required
def manage_gathering(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    system, item = access_gathering(request.user, slug, public_id)
    agenda_items = selectors.agenda(item)
    return render(
        request,
        "agenda/manage_gathering.html",
        {
            "system": system,
            "gathering": item,
            "items": [
                (
                    a,
                    RecordForm(
                        initial={"notes": a.notes, "decisions": a.decisions}, prefix=f"r{a.pk}"
                    ),
                    ActionItemForm(prefix=f"a{a.pk}"),
                )
                for a in agenda_items
            ],
            "add_form": AddItemForm(selectors.addable_issues(item)),
            "accepted": release.acceptances(item),
            "min_group_size": system.min_group_size,
        },
    )


@login_required
@require_http_methods(["POST"])
def add_item(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    system, item = access_gathering(request.user, slug, public_id)
    form = AddItemForm(selectors.addable_issues(item), request.POST)
    if form.is_valid():
        services.add_to_agenda(item, form.cleaned_data["issue"])
        messages.success(request, "Added to the agenda.")
    else:
        messages.error(request, "Choose an issue from the backlog.")
    return redirect("agenda:manage_gathering", slug=slug, public_id=public_id)


@login_required
@require_http_methods(["POST"])
def record(request: HttpRequest, slug: str, public_id: str, item_id: int) -> HttpResponse:
    system, item = access_gathering(request.user, slug, public_id)
    agenda_item = access_agenda_item(item, item_id)
    form = RecordForm(request.POST, prefix=f"r{agenda_item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        services.record_item(agenda_item, data["notes"], data["decisions"])
        messages.success(request, "Notes and decisions saved.")
    else:
        messages.error(request, "Not saved: " + _first_error(form))
    return redirect("agenda:manage_gathering", slug=slug, public_id=public_id)


@login_required
@require_http_methods(["POST"])
def add_action(request: HttpRequest, slug: str, public_id: str, item_id: int) -> HttpResponse:
    system, item = access_gathering(request.user, slug, public_id)
    agenda_item = access_agenda_item(item, item_id)
    form = ActionItemForm(request.POST, prefix=f"a{agenda_item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_action_item(
                agenda_item,
                data["step"],
                data["owner_role"],
                data["due_on"],
                remeasure_ref=data["remeasure_ref"],
                request_key=data["request_key"],
            )
            messages.success(request, "One step forward added.")
        except services.AgendaError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Not added: " + _first_error(form))
    return redirect("agenda:manage_gathering", slug=slug, public_id=public_id)


@login_required
@require_http_methods(["GET", "POST"])
def edit_action(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *FACILITATORS)
    action = access_action_item(system, public_id)
    form = FollowUpForm(
        request.POST or None,
        initial={
            "status": action.status,
            "progress": action.progress,
            "follow_up": action.follow_up,
            "remeasure_ref": action.remeasure_ref,
            "due_on": action.due_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_action_item(action, **form.cleaned_data)
        except services.AgendaError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Follow-up saved — it shows on “You said, we did”.")
            return redirect(
                "agenda:manage_gathering",
                slug=slug,
                public_id=action.agenda_item.gathering.public_id,
            )
    return render(
        request,
        "agenda/edit_action.html",
        {
            "system": system,
            "action": action,
            "form": form,
            "outcome": selectors.action_outcome(action),
            "target_form": _target_form(system),
            "statement_form": _statement_form(system),
        },
        status=400 if form.errors else 200,
    )


def _target_form(system: CareSystem, data: object = None) -> TargetForm:
    return TargetForm(services.target_scales(), system, data)


def _statement_form(system: CareSystem, data: object = None) -> StatementTargetForm:
    return StatementTargetForm(selectors.target_statements(system), data)


def _change_aims(
    request: HttpRequest,
    slug: str,
    public_id: str,
    unlink: Callable[[ActionItem, int], None],
    link: Callable[[CareSystem, ActionItem, dict[str, Any]], str],
) -> HttpResponse:
    """Remove one aim of a step (``remove`` in the form) or link a new one; either way back to
    the step's page with what happened."""
    system = access_care_system(request.user, slug, *FACILITATORS)
    action = access_action_item(system, public_id)
    try:
        if "remove" in request.POST:
            try:
                target_id = int(request.POST["remove"])
            except ValueError:
                target_id = -1
            unlink(action, target_id)
            messages.success(request, "That aim was removed.")
        else:
            messages.success(request, link(system, action, request.POST))
    except services.AgendaError as exc:
        messages.error(request, str(exc))
    return redirect("agenda:edit_action", slug=slug, public_id=public_id)


def _valid(form: TargetForm | StatementTargetForm) -> dict[str, Any]:
    if not form.is_valid():
        raise services.AgendaError("Not linked: " + _first_error(form))
    return form.cleaned_data


def _link_statement(system: CareSystem, action: ActionItem, data: dict[str, Any]) -> str:
    cleaned = _valid(_statement_form(system, data))
    services.link_statement(action, cleaned["statement"], cleaned["kind"])
    return (
        "Linked, with the figure the results show now. The change shows here once "
        "the results include new votes on it."
    )


def _link_scale(system: CareSystem, action: ActionItem, data: dict[str, Any]) -> str:
    cleaned = _valid(_target_form(system, data))
    services.link_target(action, cleaned["scale"], cleaned["unit"])
    return "Linked. Its change shows here once a later pulse measures it again."


@login_required
@require_http_methods(["POST"])
def action_statements(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """Link a step to a conversation statement it aims to change, or remove one."""
    return _change_aims(request, slug, public_id, services.unlink_statement, _link_statement)


@login_required
@require_http_methods(["POST"])
def action_targets(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """Link a step to what it aims to change, or remove one of its aims."""
    return _change_aims(request, slug, public_id, services.unlink_target, _link_scale)


@login_required
def staff_follow_up(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug)
    return render(
        request,
        "agenda/you_said_we_did.html",
        {"system": system, "follow_ups": selectors.you_said_we_did(system.pk)},
    )
