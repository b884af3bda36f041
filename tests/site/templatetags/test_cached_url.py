"""``{% url %}`` remembered: the same links as Django's tag, whatever the arguments, script
prefix or namespace; errors and ``as var`` unchanged."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, Template
from django.template.defaulttags import URLNode
from django.urls import NoReverseMatch, reverse, set_script_prefix

from walkthetalk.site.templatetags import cached_url
from walkthetalk.site.templatetags.cached_url import CachedURLNode


def _render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_every_template_uses_the_remembered_tag() -> None:
    template = Engine.get_default().from_string("{% url 'home' %}")
    assert [type(node) for node in template.nodelist] == [CachedURLNode]
    assert issubclass(CachedURLNode, URLNode)


def test_links_are_djangos_links() -> None:
    for public_id in ("AbCd1234", "Zz9yXw8v"):
        shown = _render("{% url 'conversations:vote' public_id %}", public_id=public_id)
        assert shown == reverse("conversations:vote", args=[public_id])
        shown = _render("{% url 'conversations:vote' public_id=p %}", p=public_id)
        assert shown == reverse("conversations:vote", kwargs={"public_id": public_id})
    assert _render("{% url 'home' %}") == reverse("home")


def test_a_remembered_link_is_not_shown_for_other_arguments() -> None:
    first = _render("{% url 'conversations:vote' p %}", p="AAAA1111")
    second = _render("{% url 'conversations:vote' p %}", p="BBBB2222")
    assert first != second and second.endswith("/BBBB2222/vote/")
    # 1 and "1" and True are equal as keys of a dict, but not as links.
    assert _render("{% url 'conversations:vote' p %}", p=1).endswith("/1/vote/")
    assert _render("{% url 'conversations:vote' p %}", p=True).endswith("/True/vote/")


def test_the_script_prefix_is_part_of_the_link() -> None:
    plain = _render("{% url 'home' %}")
    set_script_prefix("/care/")
    try:
        prefixed = _render("{% url 'home' %}")
    finally:
        set_script_prefix("/")
    assert prefixed == "/care" + plain
    assert _render("{% url 'home' %}") == plain


def test_links_are_escaped_unless_autoescape_is_off() -> None:
    link = reverse("conversations:vote", args=["a&b"])
    assert _render("{% url 'conversations:vote' p %}", p="a&b") == link.replace("&", "&amp;")
    off = "{% autoescape off %}{% url 'conversations:vote' p %}{% endautoescape %}"
    assert _render(off, p="a&b") == link


def test_unknown_views_still_fail_and_as_var_still_works() -> None:
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no-such-view' %}")
    assert _render("{% url 'no-such-view' as link %}[{{ link }}]") == "[]"
    assert _render("{% url 'home' as link %}[{{ link }}]") == f"[{reverse('home')}]"


def test_the_memory_is_bounded() -> None:
    cached_url._remembered.clear()
    for i in range(cached_url.MAX_REMEMBERED + 10):
        _render("{% url 'conversations:vote' p %}", p=f"id{i}")
    assert len(cached_url._remembered) <= cached_url.MAX_REMEMBERED
