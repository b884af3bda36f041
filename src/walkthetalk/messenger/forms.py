"""Messenger forms: thin, with limits matching the services (which check again)."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext, gettext_lazy

from walkthetalk.messenger.models import CONCERN_MAX_LENGTH, REPLY_MAX_LENGTH, LeadershipRole


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


class RequestKeyMixin(forms.Form):
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial.setdefault("request_key", new_request_key())


class ConcernForm(RequestKeyMixin):
    role = forms.ChoiceField(
        label=gettext_lazy("Send to (leadership role)"),
        error_messages={"required": gettext_lazy("Please choose who your concern is for.")},
    )
    text = forms.CharField(
        label=gettext_lazy("Your concern"),
        widget=forms.Textarea(attrs={"rows": 8, "aria-describedby": "concern-help"}),
        max_length=CONCERN_MAX_LENGTH,
        error_messages={
            "max_length": gettext_lazy(
                "Please keep your concern to %(limit_value)d characters (it has %(show_value)d). "
                "Nothing was sent."
            ),
            "required": gettext_lazy("Please write your concern — a few sentences are enough."),
        },
    )

    def __init__(self, roles: list[LeadershipRole], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", gettext("Choose a role"))] + [  # type: ignore[attr-defined]
            (r.public_id, r.title) for r in roles
        ]
        self.fields["text"].widget.attrs["maxlength"] = str(CONCERN_MAX_LENGTH)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Receipt code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class AnswerBackForm(RequestKeyMixin):
    text = forms.CharField(
        label=gettext_lazy("Your reply"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=REPLY_MAX_LENGTH,
        error_messages={
            "max_length": gettext_lazy(
                "Please keep your reply to %(limit_value)d characters (it has %(show_value)d). "
                "Nothing was sent."
            )
        },
    )


class LeaderReplyForm(RequestKeyMixin):
    text = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=REPLY_MAX_LENGTH,
        error_messages={
            "max_length": f"Please keep the reply to {REPLY_MAX_LENGTH} characters "
            "(it has %(show_value)d). Nothing was sent."
        },
    )


class LeadershipRoleForm(forms.Form):
    title = forms.CharField(label="Role title", max_length=120)
    description = forms.CharField(label="Description (optional)", max_length=300, required=False)


class EscalationForm(forms.Form):
    days = forms.IntegerField(
        label="Escalate unanswered concerns after (days)", min_value=1, max_value=90
    )
