"""Site-wide pages: the staff home, the participant home, and a health check."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from walkthetalk.agenda import selectors as agenda_selectors
from walkthetalk.caremap import clock
from walkthetalk.caremap import selectors as caremap_selectors
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.participant_http import current_pass
from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.messenger import selectors as messenger_selectors
from walkthetalk.pulse import selectors as pulse_selectors


@dataclass(frozen=True)
class StaffSystem:
    system: CareSystem
    is_steward: bool
    is_facilitator: bool
    is_leader: bool
    waiting: int = 0


def home(request: HttpRequest) -> HttpResponse:
    waiting = conversation_selectors.waiting_by_system(request.user)
    systems = [
        StaffSystem(
            system,
            caremap_selectors.has_role(request.user, system, "steward"),
            caremap_selectors.has_role(request.user, system, "steward", "facilitator"),
            caremap_selectors.has_role(request.user, system, "steward", "leader"),
            waiting.get(system.pk, 0),
        )
        for system in caremap_selectors.systems_for(request.user)
    ]
    return render(request, "site/home.html", {"systems": systems})


def glossary(request: HttpRequest) -> HttpResponse:
    """Plain words for every figure the site shows; pages link to its entries by anchor."""
    return render(request, "site/glossary.html")


def welcome(request: HttpRequest) -> HttpResponse:
    """The participant's home: everything open to them, reached after an invitation."""
    participant_pass = current_pass(request)
    system = caremap_selectors.care_system_of(participant_pass)
    context: dict[str, object] = {"system": system}
    if participant_pass is not None and system is not None:
        context.update(
            pulse_waves=pulse_selectors.open_waves_for(participant_pass),
            conversations=conversation_selectors.open_conversations_for(participant_pass),
            gatherings=agenda_selectors.gatherings_for(participant_pass, clock.today()),
            leadership_roles=messenger_selectors.leadership_roles_for(participant_pass),
        )
    return render(request, "site/welcome.html", context)


@never_cache
def follow_through(request: HttpRequest) -> HttpResponse:
    """Where everything raised, asked or rated in the pass's care system stands — the whole
    public list, the same for everyone with a pass here. The participant's browser matches it
    with what it remembers (``site/follow.js``); the server never learns which items those are.
    """
    participant_pass = current_pass(request)
    if participant_pass is None or caremap_selectors.care_system_of(participant_pass) is None:
        return JsonResponse({"detail": "No pass."}, status=403)
    return JsonResponse(
        {
            "issues": agenda_selectors.follow_through(participant_pass),
            "answered": conversation_selectors.answered_statements(participant_pass),
        }
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """200 once the database answers and every migration is applied; 503 before."""
    from walkthetalk.site.health import database_ready

    ready, reason = database_ready()
    if not ready:
        response = JsonResponse({"ok": False, "reason": reason}, status=503)
        response["Retry-After"] = "30"
        return response
    return JsonResponse({"ok": True})
