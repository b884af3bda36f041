from __future__ import annotations

from django import forms

from walkthetalk.caremap.models import CareSystem, Level, Sector, StaffRole, UnitKind
from walkthetalk.caremap.services import MAX_INVITATIONS_PER_BATCH
from walkthetalk.caremap.unit_pickers import UnitNameField

MAX_MAP_FILE_BYTES = 2 * 1024 * 1024


class UnitForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.TypedChoiceField(choices=UnitKind.choices, coerce=int)
    parent = UnitNameField(
        required=False,
        help_text="Type part of its name and choose it; leave empty for the top of the map.",
    )
    sector = forms.ModelChoiceField(
        queryset=Sector.objects.none(), required=False, empty_label="(none)"
    )

    def __init__(self, system: CareSystem, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["parent"].offer(system, system.units.exclude(kind=UnitKind.TEAM))  # type: ignore[attr-defined]
        self.fields["sector"].queryset = system.sectors.all()  # type: ignore[attr-defined]


class NameForm(forms.Form):
    name = forms.CharField(max_length=100)


class MapUploadForm(forms.Form):
    file = forms.FileField(help_text="A care map in YAML or CSV (up to 2 MB).")

    def clean_file(self) -> tuple[str, str]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_MAP_FILE_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB.")
        name = upload.name.lower()
        fmt = "csv" if name.endswith(".csv") else "yaml" if name.endswith((".yaml", ".yml")) else ""
        if not fmt:
            raise forms.ValidationError("Choose a .yaml, .yml or .csv file.")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not UTF-8 text.") from exc
        return fmt, text


class InvitationBatchForm(forms.Form):
    # The key the batch's codes are drawn from, made with the form: the same form sent twice
    # makes one batch (see services.invite).
    batch_key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", widget=forms.HiddenInput)
    count = forms.IntegerField(
        label="How many invitations", min_value=1, max_value=MAX_INVITATIONS_PER_BATCH, initial=10
    )
    batch_label = forms.CharField(
        label="Name for this sheet of links",
        max_length=120,
        required=False,
        help_text="Shown above the links once, for you to print or copy; it is not stored.",
    )
    unit = UnitNameField(
        required=False,
        help_text="Type part of its name and choose it; leave empty for any unit.",
    )
    level = forms.ModelChoiceField(
        queryset=Level.objects.none(), required=False, empty_label="(any level)"
    )
    sector = forms.ModelChoiceField(
        queryset=Sector.objects.none(), required=False, empty_label="(any sector)"
    )
    expires_on = forms.DateField(
        label="Last day the links work",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. After this day the unused links stop working.",
    )

    def __init__(self, system: CareSystem, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].offer(system)  # type: ignore[attr-defined]
        self.fields["level"].queryset = system.levels.all()  # type: ignore[attr-defined]
        self.fields["sector"].queryset = system.sectors.all()  # type: ignore[attr-defined]


class StaffForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)
    role = forms.ChoiceField(choices=StaffRole.Role.choices)


class StopBatchForm(forms.Form):
    """Which listed batch to stop: the day it was made and its stored attributes (ids)."""

    made_on = forms.DateField()
    unit = forms.IntegerField(required=False, min_value=1)
    level = forms.IntegerField(required=False, min_value=1)
    sector = forms.IntegerField(required=False, min_value=1)
