"""Agenda forms: thin, with limits matching the services (which check again)."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy

from walkthetalk.agenda.models import (
    ISSUE_DETAILS_MAX,
    ISSUE_TITLE_MAX,
    NOTES_MAX,
    ActionItem,
    AvoidedIssue,
    StatementTarget,
)
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.unit_pickers import UnitNameField

SCALE = [(str(n), str(n)) for n in range(1, 6)]


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


def _too_long(limit: int, what: str) -> dict[str, str]:
    return {
        "max_length": f"Please keep the {what} to {limit} characters (it has %(show_value)d). "
        "Nothing was saved."
    }


# Participants' fields, in the page's language (Django fills in the numbers when shown).
ISSUE_TOO_LONG = gettext_lazy(
    "Please keep the issue to %(limit_value)d characters (it has %(show_value)d). "
    "Nothing was saved."
)
DETAILS_TOO_LONG = gettext_lazy(
    "Please keep the details to %(limit_value)d characters (it has %(show_value)d). "
    "Nothing was saved."
)


class KeyedForm(forms.Form):
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial.setdefault("request_key", new_request_key())


class RaiseIssueForm(KeyedForm):
    title = forms.CharField(
        label=gettext_lazy("An issue we avoid"),
        max_length=ISSUE_TITLE_MAX,
        error_messages={
            "max_length": ISSUE_TOO_LONG,
            "required": gettext_lazy("Please write a sentence about the issue."),
        },
        help_text=gettext_lazy("One sentence, about the system rather than a person."),
    )
    details = forms.CharField(
        label=gettext_lazy("More about it (optional)"),
        required=False,
        max_length=ISSUE_DETAILS_MAX,
        error_messages={"max_length": DETAILS_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RateForm(KeyedForm):
    importance = forms.TypedChoiceField(
        choices=SCALE, coerce=int, label=gettext_lazy("How important is it?")
    )
    avoidance = forms.TypedChoiceField(
        choices=SCALE, coerce=int, label=gettext_lazy("How much is it avoided?")
    )


class AcceptForm(KeyedForm):
    pass


class StaffIssueForm(forms.Form):
    title = forms.CharField(label="Issue", max_length=ISSUE_TITLE_MAX)
    details = forms.CharField(
        label="Details (optional)",
        required=False,
        max_length=ISSUE_DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GatheringForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    held_on = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label="Place (optional)", max_length=200, required=False)


class AddItemForm(forms.Form):
    issue = forms.ModelChoiceField(
        label="Backlog issue", queryset=AvoidedIssue.objects.none(), empty_label="Choose an issue"
    )

    def __init__(self, issues: object, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["issue"].queryset = issues  # type: ignore[attr-defined]


class RecordForm(forms.Form):
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=NOTES_MAX,
        error_messages=_too_long(NOTES_MAX, "notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    decisions = forms.CharField(
        label="Decisions",
        required=False,
        max_length=NOTES_MAX,
        error_messages=_too_long(NOTES_MAX, "decisions"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActionItemForm(KeyedForm):
    step = forms.CharField(label="One step forward", max_length=300)
    owner_role = forms.CharField(
        label="Owner (a role)",
        max_length=120,
        help_text="A role such as Leader, Steward or Clinical director — not a person's name.",
    )
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))
    remeasure_ref = forms.CharField(
        label="Re-measure in (optional)",
        max_length=300,
        required=False,
        help_text="A later pulse wave or conversation, by name or link.",
    )


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=ActionItem.Status.choices)
    progress = forms.IntegerField(label="Progress (%)", min_value=0, max_value=100)
    follow_up = forms.CharField(
        label="What we did",
        required=False,
        max_length=4000,
        error_messages=_too_long(4000, "follow-up"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    remeasure_ref = forms.CharField(
        label="Re-measure in (optional)", max_length=300, required=False
    )
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))


class TargetForm(forms.Form):
    """What a step aims to change: a healthy way of the pulse, somewhere in the care system."""

    scale = forms.ChoiceField(label="Healthy way it should change", choices=())
    unit = UnitNameField(
        label="Where",
        required=False,
        help_text="Type part of a unit's name and choose it; leave it empty for the whole system.",
    )

    def __init__(
        self, scales: list[tuple[str, str]], system: CareSystem, *args: object, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["scale"].choices = scales  # type: ignore[attr-defined]
        self.fields["unit"].offer(system)  # type: ignore[attr-defined]
        self.fields["unit"].widget.attrs["aria-describedby"] = "id_unit_help"


class StatementTargetForm(forms.Form):
    """What a step aims to change in a conversation: how many agree with a statement, or a
    divide between the opinion groups."""

    statement = forms.ChoiceField(label="Statement", choices=())
    kind = forms.ChoiceField(
        label="What should change",
        choices=StatementTarget.Kind.choices,
        initial=StatementTarget.Kind.STATEMENT,
    )

    def __init__(
        self, statements: list[tuple[str, str, str]], *args: object, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        grouped: dict[str, list[tuple[str, str]]] = {}
        for ref, conversation, text in statements:
            grouped.setdefault(conversation, []).append((ref, text[:120]))
        self.fields["statement"].choices = list(grouped.items())  # type: ignore[attr-defined]
