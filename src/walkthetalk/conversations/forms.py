from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from walkthetalk.caremap.models import CareSystem, Sector
from walkthetalk.conversations.models import (
    MODERATION_POLICY_MAX_LENGTH,
    STATEMENT_MAX_LENGTH,
    Conversation,
)
from walkthetalk.conversations.text_checks import STATEMENT_MIN_LENGTH, check_lines

MAX_POLIS_FILE_BYTES = 50 * 1024 * 1024


def check_seed_lines(value: str) -> str:
    """Seed statements are checked exactly as a participant's statement is
    (:func:`walkthetalk.conversations.text_checks.check_lines`); every line that does not fit
    is named, all at once."""
    _, bad = check_lines(value.splitlines())
    if bad:
        raise forms.ValidationError([problem.message for problem in bad])
    return value


def _policy_field(rows: int) -> forms.CharField:
    """The moderation policy, as written on a new conversation and changed later."""
    return forms.CharField(
        required=False,
        max_length=MODERATION_POLICY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        label="Moderation policy",
        help_text="Shown to participants beside “write a statement”: what is taken down, and why.",
    )


class ConversationForm(forms.Form):
    title = forms.CharField(max_length=200)
    question = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The question the conversation is about, in a sentence or two.",
    )
    seed_statements = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            f"Statements to start with, one per line, each {STATEMENT_MIN_LENGTH} to "
            f"{STATEMENT_MAX_LENGTH} characters."
        ),
    )
    moderation_policy = _policy_field(rows=4)
    sectors = forms.ModelMultipleChoiceField(
        queryset=Sector.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to invite every sector.",
    )
    moderation = forms.ChoiceField(
        choices=Conversation.Moderation.choices,
        widget=forms.RadioSelect,
        initial=Conversation.Moderation.AFTER,
        label="Moderate new statements",
    )
    open_link = forms.BooleanField(
        required=False,
        initial=True,
        label="Allow an open link (people declare their sector)",
    )

    def __init__(self, system: CareSystem, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sectors"].queryset = system.sectors.all()  # type: ignore[attr-defined]

    def clean_seed_statements(self) -> str:
        return check_seed_lines(self.cleaned_data["seed_statements"])


class AgreementsForm(forms.Form):
    agreements = forms.CharField(
        error_messages={"required": "Please keep at least one agreement for people to accept."},
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="One agreement per line. Changing the wording asks everyone to accept again.",
    )


class StatementForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your statement"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": STATEMENT_MAX_LENGTH}),
    )


class SeedForm(forms.Form):
    statements = forms.CharField(
        label="Add statements (one per line)",
        help_text=(
            f"Each is checked as a participant's statement is: {STATEMENT_MIN_LENGTH} to "
            f"{STATEMENT_MAX_LENGTH} characters, one idea, no personal details. They are "
            "published at once."
        ),
        error_messages={"required": "Please write at least one statement to add."},
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    keep_good = forms.BooleanField(
        required=False,
        label="If some lines cannot be added, add the others and leave those out",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class PolicyForm(forms.Form):
    moderation_policy = _policy_field(rows=5)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=gettext_lazy("What would you like to understand better? (optional)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )


class ClarificationForm(forms.Form):
    clarification = forms.CharField(
        label="Clarification shown to everyone",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SectorChoiceForm(forms.Form):
    sector = forms.ModelChoiceField(
        queryset=Sector.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label=gettext_lazy("Which sector do you mostly work or take part in?"),
    )

    def __init__(self, conversation: Conversation, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        invited = conversation.sectors.all()
        self.fields["sector"].queryset = (  # type: ignore[attr-defined]
            invited if invited.exists() else conversation.care_system.sectors.all()
        )


class PolisUploadForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Title for the conversation")
    comments = forms.FileField(label="comments.csv", help_text="The statements (required).")
    votes = forms.FileField(
        label="votes.csv", required=False, help_text="Every vote, with re-votes (preferred)."
    )
    participants_votes = forms.FileField(
        label="participants-votes.csv",
        required=False,
        help_text="The latest vote of each participant (used when there is no votes.csv).",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in ("comments", "votes", "participants_votes"):
            upload = data.get(name)
            if upload is not None and upload.size > MAX_POLIS_FILE_BYTES:
                self.add_error(name, "This file is larger than 50 MB.")
        if not data.get("votes") and not data.get("participants_votes"):
            raise forms.ValidationError(
                "Please add votes.csv or participants-votes.csv as well as comments.csv."
            )
        return data
