"""Forms for officers (new statement, eligibility) and witnesses (rear page, signing)."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms

from lantern.core.forms import OneTimeCodeForm
from lantern.notifications.sms import normalise_uk_mobile

from .models import Offence

if TYPE_CHECKING:
    from .services import NewStatement

YES_NO = [("yes", "Yes"), ("no", "No")]
DATE = {"type": "date", "class": "govuk-input--width-10"}


class NewStatementForm(forms.Form):
    case_reference = forms.CharField(
        label="Crime or incident reference",
        max_length=40,
        error_messages={"required": "Enter the crime or incident reference"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )
    case_title = forms.CharField(
        label="Short description of the case", max_length=200, required=False
    )
    own_statement = forms.BooleanField(
        label="This is my own statement (I am the witness)", required=False
    )
    witness_name = forms.CharField(
        label="Witness's full name",
        max_length=200,
        error_messages={"required": "Enter the witness's full name"},
    )
    witness_dob = forms.DateField(
        label="Witness's date of birth",
        widget=forms.DateInput(attrs=DATE),
        error_messages={
            "required": "Enter the witness's date of birth",
            "invalid": "Enter a real date of birth",
        },
    )
    occupation = forms.CharField(label="Occupation", max_length=200, required=False)
    witness_email = forms.EmailField(
        label="Witness's email address",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    witness_phone = forms.CharField(
        label="Witness's mobile number",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "class": "govuk-input--width-20"}),
    )
    vulnerable = forms.ChoiceField(
        label="Is the witness vulnerable or intimidated?",
        help_text="For example: a mental disorder or impairment, or fear or distress about "
        "giving evidence (Youth Justice and Criminal Evidence Act 1999, sections 16 and 17)",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer whether the witness is vulnerable or intimidated"},
    )
    serious_offence = forms.ChoiceField(
        label="Is the witness the victim of any of these?",
        choices=Offence.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Answer whether the witness is the victim of a serious offence"
        },
    )

    def clean_witness_dob(self) -> date:
        value: date = self.cleaned_data["witness_dob"]
        if value >= date.today():
            raise forms.ValidationError("The date of birth must be in the past")
        if value.year < 1900:
            raise forms.ValidationError("Enter a real date of birth")
        return value

    def clean_witness_phone(self) -> str:
        phone: str = self.cleaned_data.get("witness_phone", "").strip()
        if not phone:
            return ""
        try:
            return normalise_uk_mobile(phone)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def statement_input(self, *, own_statement: bool | None = None) -> NewStatement:
        """The valid form as the service's input; `own_statement` overrides the answer (a
        statement opened from a video call is always the person's, not the officer's)."""
        from .services import NewStatement

        data = self.cleaned_data
        return NewStatement(
            case_reference=data["case_reference"],
            case_title=data["case_title"],
            witness_name=data["witness_name"],
            witness_dob=data["witness_dob"],
            witness_email=data["witness_email"],
            witness_phone=data["witness_phone"],
            occupation=data["occupation"],
            vulnerable=data["vulnerable"] == "yes",
            serious_offence=data["serious_offence"],
            own_statement=data["own_statement"] if own_statement is None else own_statement,
        )


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Why is a remote statement right for this witness?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write why the remote route is right for this witness"},
    )


class DraftForm(forms.Form):
    text = forms.CharField(
        label="Statement",
        required=False,
        help_text="In the witness's own words, first person. Refer to exhibits by their reference.",
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
    )


class DobCheckForm(forms.Form):
    dob = forms.DateField(
        label="Your date of birth",
        widget=forms.DateInput(attrs=DATE),
        error_messages={"required": "Enter your date of birth", "invalid": "Enter a real date"},
    )


CodeCheckForm = OneTimeCodeForm


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label="What should be corrected?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what should be corrected"},
    )


class RearPageForm(forms.Form):
    address = forms.CharField(
        label="Your home address",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter your home address"},
    )
    phone_numbers = forms.CharField(label="Phone numbers", required=False)
    email = forms.EmailField(label="Email address", required=False)
    preferred_contact = forms.ChoiceField(
        label="How should we contact you?",
        widget=forms.RadioSelect,
        choices=[
            ("phone", "Phone"),
            ("email", "Email"),
            ("text", "Text message"),
            ("letter", "Letter"),
        ],
        error_messages={"required": "Choose how we should contact you"},
    )
    dates_to_avoid = forms.CharField(
        label="Dates you cannot go to court in the next 12 months",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    willing_to_attend_court = forms.ChoiceField(
        label="Are you willing to go to court if you are needed?",
        widget=forms.RadioSelect,
        choices=YES_NO,
        error_messages={"required": "Answer whether you are willing to go to court"},
    )
    special_measures = forms.CharField(
        label="Is there anything that would help you give evidence?",
        help_text="For example: a screen, giving evidence by video link, an interpreter, "
        "step-free access",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    vps_offered = forms.BooleanField(
        label="I have been told I can make a Victim Personal Statement", required=False
    )
    medical_records_consent = forms.ChoiceField(
        label="Do you agree to the police getting and disclosing relevant medical records?",
        widget=forms.RadioSelect,
        choices=[*YES_NO, ("na", "Not relevant")],
        error_messages={"required": "Answer the question about medical records"},
    )
    leaflet_given = forms.BooleanField(
        label="I have been given the 'Giving a witness statement' leaflet", required=False
    )

    def rear(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "address": data["address"],
            "phone_numbers": [p.strip() for p in data["phone_numbers"].split(",") if p.strip()],
            "email": data["email"],
            "preferred_contact": data["preferred_contact"],
            "dates_to_avoid": [d.strip() for d in data["dates_to_avoid"].splitlines() if d.strip()],
            "willing_to_attend_court": data["willing_to_attend_court"] == "yes",
            "special_measures": data["special_measures"],
            "vps_offered": data["vps_offered"],
            "medical_records_consent": {"yes": True, "no": False}.get(
                data["medical_records_consent"]
            ),
            "leaflet_given": data["leaflet_given"],
        }


class SignForm(forms.Form):
    signed_name = forms.CharField(
        label="Type your full name",
        max_length=200,
        error_messages={"required": "Type your full name to sign"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    declaration = forms.BooleanField(
        label="I confirm the declaration above",
        error_messages={"required": "Confirm the declaration to sign"},
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    typed_only = forms.BooleanField(
        label="Sign with my typed name only (I cannot or prefer not to draw a signature)",
        required=False,
    )

    def signature_png(self) -> bytes | None:
        value: str = self.cleaned_data.get("signature", "")
        if self.cleaned_data.get("typed_only") or not value:
            return None
        prefix = "data:image/png;base64,"
        if not value.startswith(prefix):
            return None
        try:
            png = base64.b64decode(value[len(prefix) :], validate=True)
        except (binascii.Error, ValueError):
            return None
        return png if png.startswith(b"\x89PNG") and len(png) < 500_000 else None
