"""The questions a member of the public answers, one topic a page (GOV.UK question pages)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from lantern.accounts.models import Area

from .models import Channel, CrimeKind, Outcome

YES_NO = [("yes", "Yes"), ("no", "No")]
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$")


def _yes_no(label: str, required: str, hint: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        help_text=hint,
        choices=YES_NO,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        error_messages={"required": required},
    )


def _text(label: str, max_length: int = 200, required: bool = False, **kw: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "max_length": f"{label} must be {max_length} characters or fewer",
            "required": kw.pop("required_message", f"Enter {label.lower()}"),
        },
        **kw,
    )


def _coordinate(label: str, limit: int, example: str) -> forms.DecimalField:
    name = label.lower()
    between = f"{label} must be between -{limit} and {limit}"
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        decimal_places=5,
        help_text=f"For example, {example}",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        error_messages={
            "invalid": f"Enter the {name} as a number, like {example}",
            "min_value": between,
            "max_value": between,
            "max_decimal_places": f"Enter the {name} with 5 decimal places or fewer",
        },
    )


class WhenWhereForm(forms.Form):
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )
    time = forms.TimeField(
        label="Time",
        help_text="Roughly, if you are not sure. For example, 17:30",
        widget=forms.TimeInput(
            attrs={"type": "time", "class": "govuk-input--width-5"}, format="%H:%M"
        ),
        error_messages={"required": "Enter the time", "invalid": "Enter a real time, like 17:30"},
    )
    location = _text(
        "Where did it happen?",
        500,
        required=True,
        required_message="Enter where it happened",
        help_text="An address, a road name, or a description such as "
        "'the junction of High Street and Mill Lane'",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    postcode = _text(
        "Postcode",
        10,
        help_text="If you know it",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
    )
    latitude = _coordinate("Latitude", 90, "53.48095")
    longitude = _coordinate("Longitude", 180, "-2.24263")
    area = forms.ChoiceField(
        label="Which area was it in?",
        required=False,
        help_text="Choose 'I do not know' if you are not sure",
    )

    def __init__(self, *args: Any, areas: list[Area] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field: forms.ChoiceField = self.fields["area"]  # type: ignore[assignment]
        area_field.choices = [("", "I do not know")] + [(str(a.pk), a.name) for a in areas or []]

    def clean_postcode(self) -> str:
        value = " ".join(str(self.cleaned_data.get("postcode") or "").upper().split())
        if value and not POSTCODE.match(value):
            raise forms.ValidationError("Enter a real postcode, like NT1 2AB")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, time = data.get("date"), data.get("time")
        if day and time:
            when = timezone.make_aware(datetime.combine(day, time))
            if when > timezone.now():
                self.add_error("date", "The date and time must be in the past")
        one_only = (data.get("latitude") is None) != (data.get("longitude") is None)
        if one_only and "latitude" not in self.errors and "longitude" not in self.errors:
            self.add_error("longitude", "Enter both the latitude and the longitude, or neither")
        return data


class InjuryForm(forms.Form):
    injured = _yes_no(
        "Was anyone injured?",
        "Select yes if anyone was injured",
        "Anyone: a driver, a passenger, a cyclist or someone on foot",
    )
    injury_details = _text(
        "If yes, who was injured and how?", 2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("injured") == "yes" and not data.get("injury_details"):
            self.add_error("injury_details", "Enter who was injured and how")
        return data


class WhatHappenedForm(forms.Form):
    description = _text(
        "What happened?",
        5000,
        required=True,
        required_message="Enter what happened",
        help_text="Describe how the collision happened, in your own words",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    dangerous_driving = _yes_no(
        "Do you think anyone was driving dangerously or carelessly?",
        "Select yes if you think anyone was driving dangerously or carelessly",
    )
    has_footage = _yes_no(
        "Do you have dashcam footage, video or photos?",
        "Select yes if you have dashcam footage, video or photos",
        "You can upload them after you send this report",
    )


class ExchangedForm(forms.Form):
    exchanged = forms.ChoiceField(
        label="Did every driver stop and give their name, address and vehicle registration?",
        choices=[
            ("yes", "Yes, every driver gave these details"),
            ("some", "Only some details were given"),
            ("no", "No, a driver did not stop or would not give details"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the drivers gave their details"},
    )


class VehicleForm(forms.Form):
    registration = _text(
        "Registration number",
        20,
        required=True,
        required_message="Enter the registration number, or 'not known'",
        help_text="If you do not know it, enter 'not known'",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    make = _text("Make", 100, help_text="For example, Ford")
    model = _text("Model", 100, help_text="For example, Focus")
    colour = _text("Colour", 50)
    damage = _text("Damage to this vehicle", 2000, widget=forms.Textarea(attrs={"rows": 2}))
    driver_name = _text("Driver's name", 200)
    driver_address = _text("Driver's address", 500, widget=forms.Textarea(attrs={"rows": 2}))
    driver_contact = _text("Driver's phone number or email", 200)
    owner_name = _text(
        "Owner's name",
        200,
        help_text="Leave blank if the driver owns the vehicle or you do not know",
    )
    owner_address = _text("Owner's address", 500, widget=forms.Textarea(attrs={"rows": 2}))
    owner_contact = _text("Owner's phone number or email", 200)
    insurer = _text("Insurance company", 200)
    policy_number = _text("Insurance policy number", 100)
    add_another = _yes_no(
        "Do you need to add another vehicle?", "Select yes if you need to add another vehicle"
    )

    def clean_registration(self) -> str:
        return " ".join(str(self.cleaned_data.get("registration") or "").upper().split())


class WitnessesForm(forms.Form):
    any_witnesses = _yes_no(
        "Did anyone else see what happened?", "Select yes if anyone else saw it"
    )


class WitnessForm(forms.Form):
    name = _text("Witness's name", 200, required=True, required_message="Enter the witness's name")
    address = _text("Witness's address", 500, widget=forms.Textarea(attrs={"rows": 2}))
    contact = _text("Witness's phone number or email", 200)
    add_another = _yes_no(
        "Do you need to add another witness?", "Select yes if you need to add another witness"
    )


class ContactForm(forms.Form):
    name = _text(
        "Your full name", 200, required=True, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    address = _text(
        "Your address",
        500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    phone = _text(
        "Mobile phone number",
        30,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "class": "govuk-input--width-20"}
        ),
    )
    unsafe = forms.MultipleChoiceField(
        label="Is it unsafe to contact you in any of these ways?",
        help_text="For example, if someone else reads your email, texts or post. We will never "
        "contact you in a way you select.",
        required=False,
        choices=[
            (Channel.EMAIL, "Email is not safe"),
            (Channel.SMS, "Text messages are not safe"),
            (Channel.POST, "Letters are not safe"),
        ],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_phone(self) -> str:
        value = str(self.cleaned_data.get("phone") or "").strip()
        if value and not re.fullmatch(r"\+?[0-9 ()-]{7,20}", value):
            raise forms.ValidationError("Enter a phone number, like 07700 900 982")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = data.get("email") or data.get("phone") or data.get("address")
        if not given and not self.errors:
            self.add_error(
                "email", "Enter an email address, a phone number or an address to contact you"
            )
        return data


class CrimeKindForm(forms.Form):
    crime_kind = forms.ChoiceField(
        label="What do you want to report?",
        choices=CrimeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you want to report"},
    )


class CrimeDetailsForm(forms.Form):
    description = _text(
        "What happened?",
        5000,
        required=True,
        required_message="Enter what happened",
        help_text="Describe what happened, in your own words",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    taken_or_damaged = _text(
        "What was stolen, damaged or paid?",
        2000,
        help_text="For example, 'bicycle, red Raleigh' or 'paid £250 by bank transfer'",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    value = forms.DecimalField(
        label="Roughly how much is it worth, in pounds?",
        required=False,
        min_value=0,
        max_value=10_000_000,
        decimal_places=2,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        error_messages={
            "invalid": "Enter an amount in pounds, like 250 or 99.50",
            "min_value": "The amount must be 0 or more",
            "max_value": "The amount must be £10,000,000 or less",
            "max_decimal_places": "Enter the amount with no more than 2 decimal places",
        },
    )
    suspect = _text(
        "Do you know who did it, or can you describe them?",
        2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    has_footage = _yes_no(
        "Do you have photos, video or screenshots?",
        "Select yes if you have photos, video or screenshots",
        "You can upload them after you send this report",
    )


class MoreInformationForm(forms.Form):
    text = _text(
        "What do you want to add?",
        5000,
        required=True,
        required_message="Enter what you want to add",
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AllocateForm(forms.Form):
    officer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Officer",
        queryset=None,
        error_messages={"required": "Choose an officer"},  # type: ignore[arg-type]
    )

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers  # type: ignore[attr-defined]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    note = _text(
        "Note for the record",
        2000,
        required=True,
        required_message="Enter a note explaining the outcome",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
