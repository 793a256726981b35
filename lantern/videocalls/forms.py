from __future__ import annotations

from typing import Any

from django import forms

from lantern.evidence.forms import MultipleFileField, MultipleFileInput

from .models import VideoCall


class CallForm(forms.Form):
    reference = forms.CharField(
        label="Incident or case reference",
        max_length=40,
        error_messages={"required": "Enter the incident or case reference"},
    )
    person_name = forms.CharField(
        label="Name of the person to call",
        max_length=200,
        error_messages={"required": "Enter the name of the person to call"},
    )
    person_phone = forms.CharField(
        label="Mobile number",
        help_text="The link is sent by text message",
        max_length=20,
        required=False,
    )
    person_email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com"},
    )
    scheduled_for = forms.DateTimeField(
        label="When",
        help_text="Leave blank to call now",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter a date and time, like 2026-11-24 14:30"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("person_phone") and not data.get("person_email"):
            self.add_error("person_phone", "Enter a mobile number or an email address")
        return data


class EndForm(forms.Form):
    outcome = forms.ChoiceField(
        label="How did the call end?",
        choices=VideoCall.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the call ended"},
    )
    note = forms.CharField(
        label="Note for the call log",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CallFilesForm(forms.Form):
    """Files the person sends from the call page without JavaScript."""

    call_files = MultipleFileField(
        label="Choose photos or files",
        widget=MultipleFileInput(),
        error_messages={"required": "Choose at least one photo or file to send"},
    )
