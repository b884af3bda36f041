"""The "write a statement" page, rendered fast.

Each statement written opens this page once; its template (with the site's base) costs more
than the rest of the request. As the vote page (:mod:`~walkthetalk.conversations.vote_page`),
it is a :class:`~walkthetalk.conversations.template_memo.TemplateMemo`: rendered once per shape
(the conversation's wording, state and moderation policy, the language) and later answered by
filling in the one per-request value, the CSRF token. Anything else — a POST (the form's
errors, what was typed, the similar statements), a flash message waiting, a session cookie
(perhaps a signed-in staff member) — is rendered by the template engine as usual.
``tests/conversations/test_write_page.py`` checks both give the same page.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from walkthetalk.caremap.participant_http import may_be_signed_in
from walkthetalk.conversations.template_memo import TemplateMemo
from walkthetalk.conversations.vote_page import csrf_token

PAGE = "conversations/write.html"
_MEMO = TemplateMemo(PAGE, ("csrf",))


def _shape(request: HttpRequest, context: dict[str, Any]) -> Hashable | None:
    """What decides the page's markup besides the CSRF token; None if it must be rendered as
    usual."""
    if (
        request.method != "GET"
        or context["form"].is_bound
        or context["similar"]
        or may_be_signed_in(request)
        or len(get_messages(request))
    ):
        return None
    conversation = context["conversation"]
    return (
        request.path,
        conversation.pk,
        conversation.public_id,
        conversation.title,
        conversation.status,
        conversation.moderation_policy,
        context["min_length"],
    )


def render_write(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The write page for ``context`` (conversation, form, min_length, similar)."""
    shape = _shape(request, context)
    if shape is None:
        return render(request, PAGE, context, status=status)
    html = _MEMO.render(
        request,
        shape,
        lambda: {**context, "csrf_token": _MEMO.markers["csrf"]},
        {"csrf": csrf_token(request)},
    )
    return HttpResponse(html, status=status)
