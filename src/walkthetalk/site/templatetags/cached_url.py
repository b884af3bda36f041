"""``{% url %}`` with its answers remembered: every template's ``url`` tag (a builtin, see
``TEMPLATES`` in the settings), so a page's links cost a dictionary lookup instead of a URL
reversal each (the vote page has ten).

A link depends only on the view name, its arguments, the application namespace, the script
prefix, the URLconf and the language, all of which are in the key; arguments other than
``str``/``int`` and ``{% url … as var %}`` go to Django's tag unchanged, as does every first
reversal, so what a page shows is exactly what Django's tag would show. Settings changes (tests)
empty the memory.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Library
from django.template.base import Parser, Token
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

register = Library()

MAX_REMEMBERED = 4096
_remembered: dict[tuple[Any, ...], str] = {}


def _plain(values: Any) -> bool:
    return all(type(v) in (str, int) for v in values)


def _current_app(context: Context) -> str | None:
    request = getattr(context, "request", None)
    current = getattr(request, "current_app", None)
    if current is None:
        current = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return current


class CachedURLNode(URLNode):
    def render(self, context: Context) -> str:
        if self.asvar is not None:
            return str(super().render(context))
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        view_name = self.view_name.resolve(context)
        if not (isinstance(view_name, str) and _plain(args) and _plain(v for _, v in kwargs)):
            return str(super().render(context))
        key = (
            view_name,
            tuple((type(a), a) for a in args),
            tuple((k, type(v), v) for k, v in kwargs),
            _current_app(context),
            get_script_prefix(),
            get_urlconf(),
            get_language(),
            bool(context.autoescape),
        )
        found = _remembered.get(key)
        if found is None:
            found = str(super().render(context))
            if len(_remembered) >= MAX_REMEMBERED:
                _remembered.clear()
            _remembered[key] = found
        return found


@register.tag
def url(parser: Parser, token: Token) -> CachedURLNode:
    """Django's ``{% url %}`` (same syntax, same output), remembered."""
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _remembered.clear()
