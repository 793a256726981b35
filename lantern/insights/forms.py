"""Forms for the Victims' Code pages and the force's settings."""

from __future__ import annotations

from django import forms

from lantern.accounts.choices import OrgKind
from lantern.accounts.models import Organisation

from .models import Channel, EventKind, UpdateFrequency

DATETIME_ATTRS = {"type": "datetime-local", "class": "govuk-input--width-20"}


class VictimForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter the full name"}
    )
    staff_of = forms.ModelChoiceField(
        label="Member of staff of a business",
        help_text="A business is not a victim under the Code; its staff are",
        queryset=Organisation.objects.filter(kind=OrgKind.RETAIL),
        required=False,
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com"},
    )
    phone = forms.CharField(label="Mobile number", max_length=20, required=False)
    address = forms.CharField(
        label="Postal address", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    preferred_channel = forms.ChoiceField(
        label="How the victim agreed to be told",
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the victim agreed to be told"},
    )
    update_frequency = forms.ChoiceField(
        label="How often the victim agreed to hear from you",
        choices=UpdateFrequency.choices,
        widget=forms.RadioSelect,
        initial=UpdateFrequency.EVENTS,
    )
    unsafe_email = forms.BooleanField(label="Email is not safe for this victim", required=False)
    unsafe_sms = forms.BooleanField(label="Text messages are not safe", required=False)
    unsafe_letter = forms.BooleanField(label="Letters are not safe", required=False)
    most_serious_crime = forms.BooleanField(
        label="Victim of the most serious crime", required=False
    )
    persistently_targeted = forms.BooleanField(label="Persistently targeted", required=False)
    vulnerable = forms.BooleanField(label="Vulnerable", required=False)
    intimidated = forms.BooleanField(label="Intimidated", required=False)
    domestic_abuse = forms.BooleanField(label="Domestic abuse", required=False)

    def clean_phone(self) -> str:
        from lantern.notifications.sms import normalise_uk_mobile

        value = str(self.cleaned_data.get("phone") or "").strip()
        if not value:
            return ""
        try:
            return normalise_uk_mobile(value)
        except ValueError as exc:
            raise forms.ValidationError("Enter a UK mobile number, like 07700 900 982") from exc


class EventForm(forms.Form):
    kind = forms.ChoiceField(
        label="What happened",
        choices=EventKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened"},
    )
    occurred_at = forms.DateTimeField(
        label="When it happened",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs=DATETIME_ATTRS, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Enter when it happened",
            "invalid": "Enter a real date and time",
        },
    )
    note = forms.CharField(
        label="Note for the victim",
        required=False,
        help_text="Goes into the letter (for example bail conditions that protect them)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContactForm(forms.Form):
    note = forms.CharField(
        label="How and when you told the victim",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter how and when you told the victim"},
    )


class ApproveForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=200, required=False)
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "Enter the message"},
    )


class TemplateForm(forms.Form):
    subject = forms.CharField(
        label="Subject", max_length=200, error_messages={"required": "Enter a subject"}
    )
    body = forms.CharField(
        label="Letter and email",
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": "Enter the wording of the letter"},
    )
    sms_body = forms.CharField(
        label="Text message",
        max_length=480,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the wording of the text message"},
    )
    send_automatically = forms.BooleanField(
        label="Send emails and texts at once, without an officer approving each one",
        help_text="Letters are always approved by an officer, who prints and posts them",
        required=False,
    )
