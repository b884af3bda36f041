"""Care map pages: thin HTTP over services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from walkthetalk.caremap import mapfile, participant_http, selectors, services, tokens
from walkthetalk.caremap.access import access_care_system, access_staff_member, access_unit
from walkthetalk.caremap.forms import (
    InvitationBatchForm,
    MapUploadForm,
    NameForm,
    StaffForm,
    StopBatchForm,
    UnitForm,
)
from walkthetalk.caremap.models import CareSystem, Invitation, StaffRole
from walkthetalk.caremap.participant_http import (
    KeptBatch,
    current_pass,
    forget_batch,
    give_pass,
    invitation_links,
    keep_batch,
    kept_batch,
)
from walkthetalk.caremap.tokens import derived_token

STEWARD = StaffRole.Role.STEWARD


@login_required
def care_map(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug)
    can_edit = selectors.has_role(request.user, system, STEWARD)
    query = request.GET.get("q", "").strip()[:200]
    rows = selectors.unit_rows(system, query=query)
    return render(
        request,
        "caremap/care_map.html",
        {
            "system": system,
            "rows": rows,
            "query": query,
            "matches": sum(row.matched for row in rows),
            "counts": selectors.map_counts(system),
            "levels": system.levels.all(),
            "sectors": system.sectors.all(),
            "can_edit": can_edit,
            "unit_form": UnitForm(system) if can_edit else None,
            "name_form": NameForm(),
        },
    )


@login_required
@require_http_methods(["POST"])
def add_unit(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, STEWARD)
    form = UnitForm(system, request.POST)
    if form.is_valid():
        try:
            unit = services.add_unit(system, **form.cleaned_data)
            messages.success(request, f"Added {unit.name}.")
        except services.CareMapError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "The unit was not added: " + _form_errors(form))
    return redirect("caremap:care_map", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def edit_unit(request: HttpRequest, slug: str, unit_id: int) -> HttpResponse:
    system = access_care_system(request.user, slug, STEWARD)
    unit = access_unit(system, unit_id)
    initial = {"name": unit.name, "kind": unit.kind, "parent": unit.parent, "sector": unit.sector}
    form = UnitForm(system, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_unit(unit, **form.cleaned_data)
            messages.success(request, f"Saved {unit.name}.")
            return redirect("caremap:care_map", slug=slug)
        except services.CareMapError as exc:
            form.add_error(None, str(exc))
    return render(request, "caremap/edit_unit.html", {"system": system, "unit": unit, "form": form})


@login_required
@require_http_methods(["POST"])
def add_level(request: HttpRequest, slug: str) -> HttpResponse:
    return _add_named(request, slug, services.add_level, "level")


@login_required
@require_http_methods(["POST"])
def add_sector(request: HttpRequest, slug: str) -> HttpResponse:
    return _add_named(request, slug, services.add_sector, "sector")


def _add_named(request: HttpRequest, slug: str, add: object, what: str) -> HttpResponse:
    system = access_care_system(request.user, slug, STEWARD)
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            add(system, form.cleaned_data["name"])  # type: ignore[operator]
            messages.success(request, f"Added the {what} {form.cleaned_data['name']}.")
        except services.CareMapError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, f"The {what} was not added: " + _form_errors(form))
    return redirect("caremap:care_map", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def import_map(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    system = access_care_system(request.user, slug, STEWARD) if slug else None
    if system is None and not getattr(request.user, "is_superuser", False):
        raise PermissionDenied
    form = MapUploadForm(request.POST or None, request.FILES or None)
    line_errors: list[mapfile.LineError] = []
    if request.method == "POST" and form.is_valid():
        fmt, text = form.cleaned_data["file"]
        try:
            summary = services.import_map(text, fmt, system, steward=request.user)  # type: ignore[arg-type]
        except mapfile.MapFileError as exc:
            line_errors = exc.errors
        except services.CareMapError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Imported the map: {summary.created} units added, {summary.updated} changed.",
            )
            return redirect("caremap:care_map", slug=summary.care_system.slug)
    return render(
        request,
        "caremap/import_map.html",
        {"system": system, "form": form, "line_errors": line_errors},
    )


@login_required
def export_map(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    system = access_care_system(request.user, slug)
    if fmt not in ("yaml", "csv"):
        raise Http404("Maps export as .yaml or .csv")
    body = services.export_map(system, fmt)
    content_type = "text/csv" if fmt == "csv" else "application/yaml"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{system.slug}-map.{fmt}"'
    return response


@login_required
def example_map(request: HttpRequest, fmt: str) -> HttpResponse:
    """The example map, to download from the import page and change."""
    if fmt not in ("yaml", "csv"):
        raise Http404("The example map comes as .yaml or .csv")
    content_type = "text/csv" if fmt == "csv" else "application/yaml"
    response = HttpResponse(
        services.example_map(fmt), content_type=f"{content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="example-map.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def invitations(request: HttpRequest, slug: str) -> HttpResponse:
    """Make a batch (post/redirect/get): its codes are drawn from a key the steward's browser
    keeps for a while, so a reload shows the same links again and never makes a second batch."""
    system = access_care_system(request.user, slug, STEWARD)
    if request.method == "POST" and "forget" in request.POST:
        messages.info(request, "The links are no longer shown on this browser.")
        return forget_batch(redirect("caremap:invitations", slug=slug), _batch_path(slug))
    if request.method == "POST" and "stop" in request.POST:
        return _stop_batch(request, system)
    form = InvitationBatchForm(
        system, request.POST or None, initial={"batch_key": tokens.new_batch_key()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.invite(
                system,
                data["count"],
                unit=data["unit"],
                level=data["level"],
                sector=data["sector"],
                batch_key=data["batch_key"],
                expires_on=data["expires_on"],
            )
        except services.CareMapError as exc:
            form.add_error(None, str(exc))
        else:
            made_now = KeptBatch(data["batch_key"], data["count"], data["batch_label"])
            return keep_batch(
                redirect("caremap:invitations", slug=slug), _batch_path(slug), made_now
            )
    kept, made = _kept_batch_of(request, system)
    return render(
        request,
        "caremap/invitations.html",
        {
            "system": system,
            "form": form,
            "links": invitation_links(request, kept.tokens) if kept and made else [],
            "kept": kept if made else None,
            "made": made,
            "min_size": system.min_group_size,
            "batches": selectors.invitation_batches(system),
        },
        status=400 if form.errors else 200,
    )


def _stop_batch(request: HttpRequest, system: CareSystem) -> HttpResponse:
    """Stop a listed batch's unused links (post/redirect/get); a forged row stops nothing."""
    form = StopBatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That batch could not be found; nothing was changed.")
    else:
        data = form.cleaned_data
        stopped = services.stop_invitation_batch(
            system, data["made_on"], data["unit"], data["level"], data["sector"]
        )
        if stopped:
            messages.success(
                request,
                f"Stopped {stopped} unused link{'s' if stopped != 1 else ''}: they no longer "
                "work. They still count among the people invited, so answers stay anonymous.",
            )
        else:
            messages.info(request, "That batch has no unused links left; nothing was changed.")
    return redirect("caremap:invitations", slug=system.slug)


def _batch_path(slug: str) -> str:
    return reverse("caremap:invitations", args=[slug])


def _kept_batch_of(
    request: HttpRequest, system: CareSystem
) -> tuple[KeptBatch | None, Invitation | None]:
    """The batch this browser keeps the key of, and its stored first invitation (None when the
    key names no batch of this care system)."""
    kept = kept_batch(request)
    if kept is None or kept.count < 1:
        return None, None
    return kept, selectors.invitation_batch_made(system, derived_token(kept.key, 0))


@login_required
@never_cache
def invitation_sheet(request: HttpRequest, slug: str) -> HttpResponse:
    """The batch just made as printable slips: a QR code and a short code on each."""
    system = access_care_system(request.user, slug, STEWARD)
    kept, made = _kept_batch_of(request, system)
    if kept is None or made is None:
        messages.info(request, "Make a batch first: its sheet is shown from this browser only.")
        return redirect("caremap:invitations", slug=slug)
    back = reverse("caremap:invitations", args=[slug])
    return participant_http.invitation_sheet(request, kept, {"system": system, "back": back})


@login_required
@never_cache
def invitation_links_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The batch just made as a CSV of codes and links (for a mail merge)."""
    system = access_care_system(request.user, slug, STEWARD)
    kept, made = _kept_batch_of(request, system)
    if kept is None or made is None:
        raise Http404("No batch of invitations is kept on this browser.")
    return participant_http.invitation_csv(request, kept, f"{system.slug}-invitations.csv")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def staff(request: HttpRequest, slug: str) -> HttpResponse:
    """Stewards give people staff roles (making new accounts) and take roles away."""
    system = access_care_system(request.user, slug, STEWARD)
    form = StaffForm(request.POST or None)
    added = None
    if request.method == "POST" and "remove" in request.POST:
        member = access_staff_member(system, request.POST.get("user"))
        try:
            services.remove_staff_role(system, member, request.POST.get("role", ""))
            messages.success(request, f"{member.username} is no longer a {request.POST['role']}.")
        except services.CareMapError as exc:
            messages.error(request, str(exc))
        return redirect("caremap:staff", slug=slug)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.add_staff_member(
                system, form.cleaned_data["username"], form.cleaned_data["role"]
            )
            form = StaffForm()
        except services.CareMapError as exc:
            form.add_error(None, str(exc))
    response = render(
        request,
        "caremap/staff.html",
        {"system": system, "form": form, "added": added, "members": selectors.staff_of(system)},
    )
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def join(request: HttpRequest) -> HttpResponse:
    """Redeem an invitation: GET shows a start button (link previews use nothing); POST uses it."""
    token = (request.POST.get("t") if request.method == "POST" else request.GET.get("t")) or ""
    if selectors.is_returning_holder(token, current_pass(request)):
        messages.info(
            request, gettext("Welcome back — you are already in. Here is everything open to you.")
        )
        return redirect("welcome")
    error = ""
    stopped = False
    if request.method == "POST":
        try:
            participant_pass = services.redeem_invitation(token)
        except services.InvitationError as exc:
            error = str(exc)
            stopped = isinstance(exc, services.InvitationStopped)
        else:
            return give_pass(redirect("welcome"), participant_pass)
    response = render(
        request,
        "caremap/join.html",
        {"token": token, "error": error, "stopped": stopped},
        status=400 if error else 200,
    )
    return response


def _form_errors(form: object) -> str:
    errors = getattr(form, "errors", {})
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
