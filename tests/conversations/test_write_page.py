"""The write page rendered once per shape (write_page): the same page as the template engine
gives, for every shape and again with a new CSRF token; the unusual cases rendered as usual."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import INFO
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.middleware.csrf import _unmask_cipher_token
from django.shortcuts import render
from django.test import RequestFactory
from django.utils import translation
from django_htmx.middleware import HtmxDetails

from walkthetalk.conversations import services, write_page
from walkthetalk.conversations.forms import StatementForm
from walkthetalk.conversations.models import Conversation, Statement

from ..caremap.factories import small_system
from .factories import accepted_client, conversation

pytestmark = pytest.mark.django_db

TOKENS = (
    re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")'),
    re.compile(r'("X-CSRFToken": ")([^"]+)(")'),
)


def _request(secret: str = "a" * 32, method: str = "get") -> HttpRequest:
    request = getattr(RequestFactory(), method)("/conversations/x/write/")
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    request.META["CSRF_COOKIE"] = secret
    return request


def _without_tokens(page: str) -> tuple[str, set[str]]:
    """The page with each CSRF token replaced by the secret it masks, and those secrets."""
    secrets: set[str] = set()

    def unmasked(m: re.Match[str]) -> str:
        secrets.add(_unmask_cipher_token(m[2]))
        return m[1] + "TOKEN" + m[3]

    for pattern in TOKENS:
        page = pattern.sub(unmasked, page)
    return page, secrets


def _context(conv: Conversation, form: StatementForm | None = None) -> dict[str, object]:
    return {
        "conversation": conv,
        "form": form or StatementForm(None),
        "min_length": 15,
        "similar": [],
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_kept_shape_gives_the_page_the_template_gives(language: str) -> None:
    policies = ("", "We take down names & <b>tags</b>.\nAsk us why.")
    with translation.override(language):
        for policy in policies:
            conv = conversation(small_system(slug=f"s-{len(policy)}"), moderation_policy=policy)
            for status in (Conversation.Status.OPEN, Conversation.Status.CLOSED):
                Conversation.objects.filter(pk=conv.pk).update(status=status)
                conv.refresh_from_db()
                for secret in ("a" * 32, "b" * 32):  # the first fills the memo
                    request = _request(secret)
                    memo = write_page.render_write(request, _context(conv)).content.decode()
                    plain = render(_request(secret), write_page.PAGE, _context(conv))
                    page, tokens = _without_tokens(memo)
                    assert (page, tokens) == _without_tokens(plain.content.decode())
                    assert tokens == {secret}
                    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]  # the cookie is sent
                    assert ('name="text"' in page) == (status == Conversation.Status.OPEN)
                    shown = policy != "" and status == Conversation.Status.OPEN
                    assert ("We take down names &amp; &lt;b&gt;" in page) == shown


def test_a_post_a_flash_message_or_a_session_is_rendered_as_usual() -> None:
    conv = conversation(small_system())
    bound = StatementForm({"text": "Something typed <b>here</b>."})
    posted = write_page.render_write(_request(method="post"), _context(conv, bound), status=400)
    assert posted.status_code == 400 and "Something typed &lt;b&gt;here" in posted.content.decode()
    with_message = _request()
    with_message._messages.add(INFO, "Thank you! A flash message.")  # type: ignore[attr-defined]
    assert (
        "A flash message" in write_page.render_write(with_message, _context(conv)).content.decode()
    )
    signed_in = _request()
    signed_in.COOKIES["sessionid"] = "x"
    assert write_page._shape(signed_in, _context(conv)) is None
    assert write_page._shape(_request(), {**_context(conv), "similar": [object()]}) is None


def test_the_token_filled_in_is_accepted_and_the_statement_is_written() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    client.handler.enforce_csrf_checks = True  # type: ignore[attr-defined]
    url = f"/conversations/{conv.public_id}/write/"
    for text in (
        "Peer coaches should be paid as professionals.",
        "Night shifts need a quiet room.",
    ):
        page = client.get(url)  # the second answer comes from the memo
        token = TOKENS[0].search(page.content.decode())
        assert page.status_code == 200 and token
        wrong = client.post(url, {"csrfmiddlewaretoken": "x" * 64, "text": text, "anyway": "1"})
        assert wrong.status_code == 403
        sent = client.post(url, {"csrfmiddlewaretoken": token[2], "text": text, "anyway": "1"})
        assert sent.status_code == 302
    assert Statement.objects.filter(is_seed=False).count() == 2
    client.get(url)  # shows the thank-you message: rendered as usual
    assert "New rule" not in client.get(url).content.decode()  # from the memo
    Conversation.objects.filter(pk=conv.pk).update(moderation_policy="New rule: be kind.")
    assert "New rule: be kind." in client.get(url).content.decode()  # a new shape
    services.set_status(conv, Conversation.Status.CLOSED)
    assert "has closed" in client.get(url).content.decode()  # a new shape, not the open one
