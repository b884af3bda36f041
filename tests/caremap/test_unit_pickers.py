"""Choosing a unit by typing its name."""

import pytest
from django import forms

from walkthetalk.caremap.unit_pickers import UnitNameField

from .factories import small_system

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    unit = UnitNameField(required=False)


def _form(system, value: str) -> _Form:
    form = _Form({"unit": value})
    form.fields["unit"].offer(system, system.units.exclude(name="Riverbend Day Team"))  # type: ignore[attr-defined]
    return form


def test_a_unit_is_found_by_its_name_in_any_case_or_by_its_id() -> None:
    system = small_system()
    recovery = system.units.get(name="Riverbend Recovery")
    for typed in ("Riverbend Recovery", "  riverbend   RECOVERY ", str(recovery.pk)):
        form = _form(system, typed)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["unit"] == recovery
    empty = _form(system, "")
    assert empty.is_valid() and empty.cleaned_data["unit"] is None


def test_an_unknown_name_or_a_unit_not_offered_is_refused_plainly() -> None:
    system = small_system()
    for typed in ("Nowhere Team", "Riverbend Day Team"):
        form = _form(system, typed)
        assert not form.is_valid()
        assert f"No unit is called “{typed}”" in form.errors["unit"][0]


def test_the_names_offered_say_where_each_unit_sits() -> None:
    system = small_system()
    html = str(_form(system, "")["unit"])
    assert 'list="id_unit-names"' in html and '<datalist id="id_unit-names">' in html
    assert (
        '<option value="Riverbend Outpatient">in Testland Health Department › '
        "Riverbend Recovery</option>" in html
    )
    assert "Riverbend Day Team" not in html
