"""Forms for the pulse pages (the participant's answers are read in views.parse_step)."""

from __future__ import annotations

from django import forms

from walkthetalk.analysis.pulse import shipped_instrument_names
from walkthetalk.caremap.models import CareSystem, Level, Sector, Unit
from walkthetalk.pulse import selectors
from walkthetalk.pulse.models import Wave
from walkthetalk.pulse.services import DEFAULT_INSTRUMENT, MAX_BATCH, MAX_TITLE


class UnitChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()})"


class OpenWaveForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE, help_text="For example “Spring pulse 2027”.")
    instrument = forms.ChoiceField(initial=DEFAULT_INSTRUMENT)
    units = UnitChoices(
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The wave covers each unit you choose and every unit below it.",
    )

    def __init__(self, system: CareSystem, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["units"].queryset = selectors.coverable_units(system)  # type: ignore[attr-defined]
        names = shipped_instrument_names()
        self.fields["instrument"].choices = [  # type: ignore[attr-defined]
            (n, n.replace("_", " ").capitalize()) for n in names
        ]


class BatchForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=MAX_BATCH, initial=10)
    label = forms.CharField(
        max_length=80, required=False, help_text="For you only, e.g. “Riverbend day team”."
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.none())
    level = forms.ModelChoiceField(
        queryset=Level.objects.none(), required=False, empty_label="(any level)"
    )
    sector = forms.ModelChoiceField(
        queryset=Sector.objects.none(), required=False, empty_label="(any sector)"
    )

    def __init__(self, wave: Wave, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        system = wave.care_system
        self.fields["unit"].queryset = selectors.covered_units(wave)  # type: ignore[attr-defined]
        self.fields["level"].queryset = system.levels.all()  # type: ignore[attr-defined]
        self.fields["sector"].queryset = system.sectors.all()  # type: ignore[attr-defined]


class MinSizeForm(forms.Form):
    min_group_size = forms.IntegerField(
        label="Minimum group size",
        min_value=3,
        max_value=1000,
        help_text="It can be raised, never lowered, once a wave has opened.",
    )
