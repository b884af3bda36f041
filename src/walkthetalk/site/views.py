from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from walkthetalk.caremap import selectors as caremap_selectors


def home(request: HttpRequest) -> HttpResponse:
    systems = caremap_selectors.systems_for(request.user)
    return render(request, "site/home.html", {"systems": systems})


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})
