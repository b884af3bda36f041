"""Printed reports: a template rendered to PDF with WeasyPrint, from our own files only.

Report templates under ``reports/print/`` extend ``reports/print/base.html``, which links the
print stylesheet from our static files; charts are SVG data URIs (vector graphics in the PDF).
Nothing else can be fetched (see :mod:`walkthetalk.reports.render.pdf`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language

from walkthetalk.reports.render.pdf import BASE_URL, html_to_pdf


def _find_static(name: str) -> Path | None:
    found = finders.find(name)
    return Path(found) if isinstance(found, str) else None


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The PDF of ``template`` rendered with ``context`` (which names the ``min_size`` that
    the figures were released under)."""
    return pdf_of_html(render_html(template, context))


def render_html(template: str, context: dict[str, Any]) -> str:
    """The page a printed report is drawn from (what :func:`pdf_of_html` lays out)."""
    return render_to_string(template, {"LANGUAGE_CODE": get_language(), **context})


def pdf_of_html(html: str) -> bytes:
    return html_to_pdf(html, urljoin(BASE_URL, settings.STATIC_URL), _find_static)


def pdf_response(body: bytes, filename: str) -> HttpResponse:
    """A PDF download (never cached: it may hold figures that a later release replaces)."""
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
