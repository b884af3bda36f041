"""One way to show a day: ``|day`` in each language, and no template formats a day its own way."""

import datetime as dt
import re
from pathlib import Path

from django.template import engines
from django.utils import translation

from walkthetalk.site.templatetags.dates import day

SOURCE = Path(__file__).resolve().parents[3] / "src" / "walkthetalk"


def test_a_day_reads_the_same_way_everywhere_in_each_language() -> None:
    when = dt.date(2026, 12, 3)
    with translation.override("en"):
        assert day(when) == "3 December 2026"
        assert day(dt.datetime(2026, 12, 3, 23, 59)) == "3 December 2026"  # never a time
    with translation.override("es"):
        assert day(when) == "3 de diciembre de 2026"
    assert day(None) == "" and day("") == ""


def test_day_is_a_builtin_filter_of_every_template() -> None:
    template = engines["django"].from_string("{{ when|day }}")
    with translation.override("en"):
        assert template.render({"when": dt.date(2026, 3, 1)}) == "1 March 2026"


def test_no_template_formats_a_day_its_own_way() -> None:
    own_way = [
        f"{path.relative_to(SOURCE)}: {match.group(0)}"
        for path in SOURCE.rglob("*.html")
        for match in re.finditer(r"\|\s*date(:[^}|%]*)?", path.read_text(encoding="utf-8"))
    ]
    assert own_way == []
