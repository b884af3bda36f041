"""Form fields that choose units, made for care maps of 1,000 units and more.

- :class:`UnitNameField` chooses one unit by typing its name: a text box with a ``<datalist>``
  of the units' names, each with the units above it, so the browser offers the matching names
  as one types (no JavaScript). An unknown name is refused with a plain message.
- :func:`unit_tree_rows` gives the rows a multiple choice draws as a collapsible tree of
  checkboxes (``{% unit_tree rows id input="checkbox" field=… %}``), with the branches that
  hold a chosen unit open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from walkthetalk.caremap import selectors
from walkthetalk.caremap.models import CareSystem, Unit


class UnitNameInput(forms.TextInput):
    """A text box with the names to choose from in a ``<datalist>`` (drawn in Python: a
    thousand options through Django's option templates would cost a third of a second)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", **(attrs or {})})
        self.names: Sequence[tuple[str, str]] = ()

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-names"
        box = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = "".join(
            f'<option value="{escape(unit)}">{escape("in " + trail) if trail else ""}</option>'
            for unit, trail in self.names
        )
        return mark_safe(f'{box}<datalist id="{escape(list_id)}">{options}</datalist>')  # noqa: S308


class UnitNameField(forms.ModelChoiceField):
    """One unit, chosen by its name (unit names are unique in a care system; an id is taken
    too)."""

    widget: UnitNameInput = UnitNameInput  # type: ignore[assignment]

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        super().__init__(
            queryset=Unit.objects.none(),
            to_field_name="name",
            required=required,
            error_messages={
                "invalid_choice": "No unit is called “%(value)s”: type part of a name and "
                "choose one of the names offered."
            },
            **kwargs,
        )

    def offer(self, system: CareSystem, units: QuerySet[Unit] | None = None) -> None:
        """Accept (and offer as one types) the units of ``system``, or only ``units``."""
        self.queryset = system.units.all() if units is None else units
        among = None if units is None else set(units.values_list("pk", flat=True))
        rows = selectors.unit_rows(system, among=among)
        self.widget.names = [(row.name, row.trail) for row in rows]

    def to_python(self, value: Any) -> Unit | None:
        text = " ".join(str(value or "").split())
        if text in self.empty_values:
            return None
        queryset: QuerySet[Unit] = self.queryset  # type: ignore[assignment]
        found = queryset.filter(name=text).first() or queryset.filter(name__iexact=text).first()
        if found is None and text.isdigit():  # a unit's id, as the menus before this one sent
            found = queryset.filter(pk=int(text)).first()
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
            )
        return found


def unit_tree_rows(
    system: CareSystem, among: Iterable[int] | None, chosen: Iterable[object]
) -> list[selectors.UnitRow]:
    """Rows for a tree of checkboxes; ``chosen`` are the values the form holds (ids as text
    or units), their branches open."""
    ids = {int(v.pk) if isinstance(v, Unit) else int(str(v)) for v in chosen if _is_id(v)}
    return selectors.unit_rows(system, among=among, chosen=ids)


def _is_id(value: object) -> bool:
    return isinstance(value, Unit) or str(value).isdigit()
