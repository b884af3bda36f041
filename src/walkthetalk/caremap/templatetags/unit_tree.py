"""``{% unit_tree rows tree_id %}``: the units as a collapsible tree, drawn in Python.

One ``<details>`` per branch, so it opens and closes without JavaScript; ``rows`` come from
``caremap.selectors.unit_rows`` (depth first). With ``input`` ("checkbox" or "radio") and
``field`` it is a picker, each unit a choice named ``field``; with ``edit_slug`` each unit has
an "Edit" link. ``tree_id`` names the list for the filter box (caremap/unit_filter.html) that
``walkthetalk/unit_tree.js`` brings to life. Drawn here rather than in a template loop: at
1,000 units a template costs ~0.3 ms a unit; this costs a few µs.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from walkthetalk.caremap.selectors import UnitRow

register = template.Library()


@register.simple_tag
def unit_tree(
    rows: Sequence[UnitRow],
    tree_id: str,
    input: str = "",
    field: str = "",
    edit_slug: str = "",
) -> SafeString:
    if input not in ("", "checkbox", "radio"):
        raise ValueError(f"unit_tree: input must be checkbox or radio, not {input!r}")
    tid, name = escape(tree_id), escape(field)
    out = [f'<ul class="tree" id="{tid}">']
    for row in rows:
        label, key = escape(row.name), escape(row.key)
        out.append(f'\n<li data-name="{key}"><div class="tree-row">')
        if input:
            box = f"{tid}-{row.pk}"
            checked = " checked" if row.chosen else ""
            out.append(
                f'<input type="{input}" name="{name}" value="{row.pk}" id="{box}"{checked}> '
                f'<label for="{box}">{label} ({escape(row.kind.lower())})</label>'
            )
        else:
            shown = f"<mark>{label}</mark>" if row.matched else label
            kind = escape(row.kind)
            out.append(f'<span class="unit-name">{shown}</span> <span class="tag">{kind}</span>')
        if row.sector:
            out.append(f' <span class="tag tag-sector">{escape(row.sector)}</span>')
        if row.path:
            out.append(f' <span class="unit-path">in {escape(row.path)}</span>')
        if edit_slug:
            href = escape(reverse("caremap:edit_unit", args=[edit_slug, row.pk]))
            out.append(
                f' <a class="small" href="{href}">Edit'
                f'<span class="visually-hidden"> {label}</span></a>'
            )
        out.append("</div>")
        if row.below:
            is_open = " open" if row.open else ""
            out.append(
                f"<details{is_open}><summary>{row.below} below"
                f'<span class="visually-hidden"> {label}</span></summary><ul>'
            )
        else:
            out.append("</li>")
        out.append("</ul></details></li>" * len(row.closes))
    out.append("\n</ul>")
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped
