"""TemplateMemo: fields, markers, and the bound on kept shapes."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from walkthetalk.conversations import template_memo
from walkthetalk.conversations.template_memo import TemplateMemo


def test_fields_are_plain_lower_case_words() -> None:
    for bad in ((), ("two words",), ("Text",), ("a_b",)):
        with pytest.raises(ValueError, match="lower-case"):
            TemplateMemo("site/refused.html", bad)


def test_markers_differ_between_memos_and_survive_escaping() -> None:
    one, two = TemplateMemo("x.html", ("text",)), TemplateMemo("x.html", ("text",))
    assert one.markers["text"] != two.markers["text"]
    assert one.markers["text"].isalnum()


def test_values_are_escaped_and_shapes_are_bounded() -> None:
    memo = TemplateMemo("site/refused.html", ("message",), max_shapes=2)
    request = RequestFactory().get("/")
    calls = []

    def context() -> dict[str, str]:
        calls.append(1)
        return {"message": memo.markers["message"]}

    page = memo.render(request, "a", context, {"message": "<b>no & yes</b>"})
    assert "&lt;b&gt;no &amp; yes&lt;/b&gt;" in page and "<b>" not in page
    again = memo.render(request, "a", context, {"message": "Second message"})
    assert "Second message" in again and len(calls) == 1
    memo.render(request, "b", context, {"message": "m"})
    memo.render(request, "c", context, {"message": "m"})  # a third shape: the kept ones go
    memo.render(request, "a", context, {"message": "m"})
    assert len(calls) == 4


@given(st.one_of(st.text(), st.integers(), st.none()))
def test_values_are_escaped_as_djangos_escape_does(value: object) -> None:
    assert template_memo._escaped(value) == escape(value)
    assert template_memo._escaped(SafeString(value)) == escape(SafeString(value))
    assert template_memo._escaped(gettext_lazy("Agree")) == escape(gettext_lazy("Agree"))
