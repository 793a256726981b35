"""Forms for requesting footage and for handing it over."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from lantern.accounts.models import ControlRoom, Organisation, Store
from lantern.core.forms import OneTimeCodeForm
from lantern.notifications.sms import normalise_uk_mobile

from .models import RecipientKind

DATETIME_ATTRS = {"type": "datetime-local", "class": "govuk-input--width-20"}


class RequestForm(forms.Form):
    case_reference = forms.CharField(
        label="Crime or incident reference",
        max_length=40,
        error_messages={"required": "Enter the crime or incident reference"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )
    case_title = forms.CharField(
        label="Short description of the case",
        max_length=200,
        required=False,
        help_text="For example: theft from Brightmart, High Street",
    )
    recipient_kind = forms.ChoiceField(
        label="Who holds the footage?",
        choices=RecipientKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who holds the footage"},
    )
    control_room = forms.ModelChoiceField(
        label="CCTV control room",
        queryset=ControlRoom.objects.none(),
        required=False,
        empty_label="Choose a control room",
    )
    store = forms.ModelChoiceField(
        label="Store", queryset=Store.objects.none(), required=False, empty_label="Choose a store"
    )
    company = forms.ModelChoiceField(
        label="Retail company",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Choose a company",
    )
    recipient_name = forms.CharField(label="Their name", max_length=200, required=False)
    recipient_email = forms.EmailField(
        label="Their email address",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    recipient_phone = forms.CharField(
        label="Their mobile number",
        max_length=20,
        required=False,
        help_text="We send the link and a one-time code to the email address or mobile number",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "tel", "class": "govuk-input--width-20"}
        ),
    )
    location = forms.CharField(
        label="Location and cameras",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where the footage is from, and which cameras if you know",
        error_messages={"required": "Enter the location and cameras"},
    )
    window_start = forms.DateTimeField(
        label="Footage wanted from",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs=DATETIME_ATTRS, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Enter when the footage should start",
            "invalid": "Enter a real date and time",
        },
    )
    window_end = forms.DateTimeField(
        label="Footage wanted until",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs=DATETIME_ATTRS, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Enter when the footage should end",
            "invalid": "Enter a real date and time",
        },
    )
    reason = forms.CharField(
        label="Why the footage is needed",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The recipient sees this. Do not include personal details they do not need.",
        error_messages={"required": "Enter why the footage is needed"},
    )
    deadline = forms.DateField(
        label="Upload by",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the date to upload by", "invalid": "Enter a real date"},
    )

    def __init__(self, *args: Any, force: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = Organisation.objects.filter(
            approvals__force=force, approvals__status="approved", status="active"
        )
        self.fields["control_room"].queryset = ControlRoom.objects.filter(  # type: ignore[attr-defined]
            authority__in=partners
        ).select_related("authority")
        self.fields["store"].queryset = Store.objects.filter(  # type: ignore[attr-defined]
            company__in=partners, area__force=force
        ).select_related("company")
        self.fields["company"].queryset = partners.filter(kind="retail")  # type: ignore[attr-defined]

    def clean_recipient_phone(self) -> str:
        phone: str = self.cleaned_data.get("recipient_phone", "").strip()
        if not phone:
            return ""
        try:
            return normalise_uk_mobile(phone)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("recipient_kind")
        needed = {
            RecipientKind.CONTROL_ROOM: ("control_room", "Choose the CCTV control room"),
            RecipientKind.STORE: ("store", "Choose the store"),
            RecipientKind.COMPANY: ("company", "Choose the retail company"),
        }
        if kind in needed:
            name, message = needed[RecipientKind(kind)]
            if not data.get(name):
                self.add_error(name, message)
        if kind == RecipientKind.PERSON and not (
            data.get("recipient_email") or data.get("recipient_phone")
        ):
            self.add_error("recipient_email", "Enter their email address or mobile number")
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end <= start:
            self.add_error("window_end", "The end must be after the start")
        if start and start > timezone.now():
            self.add_error("window_start", "The footage wanted must be in the past")
        deadline = data.get("deadline")
        if deadline and deadline < date.today():
            self.add_error("deadline", "The date to upload by must be today or in the future")
        return data


class ExtendForm(forms.Form):
    deadline = forms.DateField(
        label="New date to upload by",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the new date", "invalid": "Enter a real date"},
    )

    def clean_deadline(self) -> date:
        value: date = self.cleaned_data["deadline"]
        if value < date.today():
            raise forms.ValidationError("The new date must be today or in the future")
        return value


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="Why are you closing this request?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why you are closing the request"},
    )


CodeForm = OneTimeCodeForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            # The widget gives [] when nothing was chosen: still "required".
            if not data and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    """The no-JavaScript way to upload (the page enhances it into resumable uploads)."""

    footage = MultipleFileField(
        label="Choose files",
        widget=MultipleFileInput(),
        error_messages={"required": "Choose at least one file"},
    )


class CheckForm(forms.Form):
    reference = forms.CharField(
        label="Request reference",
        max_length=20,
        help_text="It looks like LR-ABCD-2345 and is in the email or text message",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
        error_messages={"required": "Enter the request reference"},
    )
