"""Showing a refused request: a :class:`~walkthetalk.caremap.errors.ServiceError` that escapes a
view becomes a kind 400 page with its message (views usually show it beside their form)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from walkthetalk.caremap.errors import ServiceError


class ServiceErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, ServiceError):
            return None
        return render(request, "site/refused.html", {"message": str(exc)}, status=exc.status)
