"""Forms for the pulse pages, and reading one part of a participant's answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms

from walkthetalk.analysis.pulse import NOT_APPLICABLE, Instrument, shipped_instrument_names
from walkthetalk.caremap.models import CareSystem, Level, Sector, Unit
from walkthetalk.caremap.selectors import UnitRow
from walkthetalk.caremap.unit_pickers import UnitNameField, unit_tree_rows
from walkthetalk.pulse import selectors, steps
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
        self.system = system
        names = shipped_instrument_names()
        self.fields["instrument"].choices = [  # type: ignore[attr-defined]
            (n, n.replace("_", " ").capitalize()) for n in names
        ]

    def unit_rows(self) -> list[UnitRow]:
        """The units as a tree of checkboxes, the branches holding a chosen one open."""
        chosen = self["units"].value() or []
        return unit_tree_rows(self.system, None, chosen)


class BatchForm(forms.Form):
    # The key the batch's codes are drawn from: the same form sent twice makes one batch.
    batch_key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", widget=forms.HiddenInput)
    count = forms.IntegerField(
        label="How many invitations", min_value=1, max_value=MAX_BATCH, initial=10
    )
    label = forms.CharField(
        label="Name for this sheet of links",
        max_length=80,
        required=False,
        help_text="Shown above the links once, for you to print or copy; it is not stored.",
    )
    unit = UnitNameField(help_text="Type part of its name and choose it.")
    level = forms.ModelChoiceField(
        queryset=Level.objects.none(), required=False, empty_label="(any level)"
    )
    sector = forms.ModelChoiceField(
        queryset=Sector.objects.none(), required=False, empty_label="(any sector)"
    )

    def __init__(self, wave: Wave, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        system = wave.care_system
        self.fields["unit"].offer(system, selectors.covered_units(wave))  # type: ignore[attr-defined]
        self.fields["level"].queryset = system.levels.all()  # type: ignore[attr-defined]
        self.fields["sector"].queryset = system.sectors.all()  # type: ignore[attr-defined]


class MinSizeForm(forms.Form):
    min_group_size = forms.IntegerField(
        label="Minimum group size",
        min_value=3,
        max_value=1000,
        help_text="It can be raised, never lowered, once a wave has opened.",
    )


SKIP = "skip"
NOT_APPLICABLE_CODE = "na"


def code(value: float) -> str:
    """A response option's value as the form sends it ("4", or "2.5")."""
    return str(int(value)) if float(value).is_integer() else str(value)


def choice_code(answers: Mapping[str, float | str | None], item_id: str) -> str:
    """What the form shows as chosen for ``item_id``: a code, "skip", "na", or nothing."""
    if item_id not in answers:
        return ""
    value = answers[item_id]
    if value is None:
        return SKIP
    if value == NOT_APPLICABLE:
        return NOT_APPLICABLE_CODE
    return code(float(value))


def parse_answers(
    inst: Instrument, item_ids: Sequence[str], data: Mapping[str, str]
) -> tuple[dict[str, float | str | None], set[str]]:
    """Answers to ``item_ids`` from POST data, and the ids of items left unanswered or forged.

    "Prefer not to say" is kept as ``None`` and "does not apply" (only where the instrument
    offers it) as :data:`NOT_APPLICABLE`, so item non-response can be told apart.
    """
    answers: dict[str, float | str | None] = {}
    missing: set[str] = set()
    for item_id in item_ids:
        options = inst.options_for(inst.scale_of(item_id))
        by_code = {code(o.value): o.value for o in options}
        raw = data.get(item_id, "")
        if raw == SKIP:
            answers[item_id] = None
        elif raw == NOT_APPLICABLE_CODE and inst.not_applicable:
            answers[item_id] = NOT_APPLICABLE
        elif raw in by_code:
            answers[item_id] = by_code[raw]
        else:
            missing.add(item_id)
    return answers, missing


def parse_step_answers(
    ids: Sequence[str], data: Mapping[str, str]
) -> tuple[dict[str, float | str | None], set[str]]:
    """Answers to "Did '<step>' help?" questions from POST data (see :mod:`pulse.steps`), and
    the ids left unanswered or forged. "I don't know" is kept as :data:`NOT_APPLICABLE`."""
    by_code = {code(value): value for value, _ in steps.OPTIONS}
    answers: dict[str, float | str | None] = {}
    missing: set[str] = set()
    for item_id in ids:
        raw = data.get(item_id, "")
        if raw == SKIP:
            answers[item_id] = None
        elif raw == NOT_APPLICABLE_CODE:
            answers[item_id] = NOT_APPLICABLE
        elif raw in by_code:
            answers[item_id] = by_code[raw]
        else:
            missing.add(item_id)
    return answers, missing
