"""A template rendered once per *shape*, then answered by filling holes.

Django's template engine costs more than anything else on a page asked for by the hundred: the
vote page's full render is about 1.5 ms of Python, its SQL a fraction of that. A
:class:`TemplateMemo` renders its template once for each shape — everything that decides the
markup: the language, which branches are taken, values that rarely change (a conversation's
title) — with a marker where each per-request value goes (the statement's text, the CSRF
token, ...). It keeps the text between the markers and answers later requests by joining that
text with the values, each HTML-escaped exactly as the template's autoescaping does. The
template stays the one source of the markup; a test compares the memo's answers with a plain
render for every shape the caller uses.

Markers are letters and digits with a random part drawn per process, so escaping, URL reversal
and translation pass them through unchanged, and no text written by anyone can contain one.
A value that lands in a URL must be URL-safe as it is (the caller checks). Shapes are kept per
process, at most ``max_shapes`` of them (all are dropped when that is reached).
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.translation import get_language

_FIELD = re.compile(r"[a-z]+\Z")


class TemplateMemo:
    def __init__(self, template_name: str, fields: tuple[str, ...], max_shapes: int = 512) -> None:
        if not fields or not all(_FIELD.match(f) for f in fields):
            raise ValueError("memo fields are one or more lower-case words")
        self.template_name = template_name
        token = secrets.token_hex(8)
        self.markers = {field: f"wttmemo{token}{field}z" for field in fields}
        self._field_of = {marker: field for field, marker in self.markers.items()}
        self._split_at = re.compile("|".join(map(re.escape, self.markers.values())))
        self._shapes: dict[Hashable, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.max_shapes = max_shapes

    def _split(self, html: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The text between the markers and the field each marker stands for."""
        texts = tuple(self._split_at.split(html))
        fields = tuple(self._field_of[m] for m in self._split_at.findall(html))
        return texts, fields

    def render(
        self,
        request: HttpRequest,
        shape: Hashable,
        context: Callable[[], Mapping[str, Any]],
        values: Mapping[str, object],
    ) -> str:
        """The template's output for ``values``. ``context()`` is the template context with
        :attr:`markers` in place of the values; it is built and rendered only the first time a
        ``shape`` (in the active language) is asked for."""
        key = (get_language(), shape)
        parts = self._shapes.get(key)
        if parts is None:
            parts = self._split(render_to_string(self.template_name, dict(context()), request))
            if len(self._shapes) >= self.max_shapes:
                self._shapes.clear()
            self._shapes[key] = parts
        return self._join(parts, values)

    def has(self, shape: Hashable, language: str | None = None) -> bool:
        """Whether ``shape`` in the active language (``language``: the caller's
        ``get_language()``, read already) was rendered already."""
        return (language or get_language(), shape) in self._shapes

    def filled(
        self, shape: Hashable, values: Mapping[str, object], language: str | None = None
    ) -> str | None:
        """:meth:`render` for a shape already rendered in the active language (``language``:
        as for :meth:`has`), else None."""
        parts = self._shapes.get((language or get_language(), shape))
        return None if parts is None else self._join(parts, values)

    def forget(self) -> None:
        """Drop every rendered shape (the translations they were rendered with changed)."""
        self._shapes.clear()

    @staticmethod
    def _join(parts: tuple[tuple[str, ...], tuple[str, ...]], values: Mapping[str, object]) -> str:
        texts, fields = parts
        out = [texts[0]]
        for field, text in zip(fields, texts[1:], strict=True):
            out.append(_escaped(values[field]))
            out.append(text)
        return "".join(out)


def _escaped(value: object) -> str:
    """Django's ``escape(value)`` (``html.escape(str(value))``), without its lazy-text wrapper
    for the plain values a page is filled with."""
    if isinstance(value, Promise):
        return str(escape(value))
    return html.escape(str(value))
