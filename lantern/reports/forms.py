"""Forms for reporting a retail crime and for police triage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from lantern.accounts.models import Store, User
from lantern.casework.models import Team

from .models import EmailChoice, Kind, Outcome, ReportLink, Requirement

DATETIME_ATTRS = {"type": "datetime-local", "class": "govuk-input--width-20"}


def _required_text(
    label: str, required: str, *, help_text: str = "", rows: int = 3
) -> forms.CharField:
    """A required free-text answer in a textarea, with a plain-English message when empty."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required},
    )


class ReportForm(forms.Form):
    """The report itself. With `draft=True` nothing is required except the store, so a
    half-finished report can be saved; the checks on what is entered still apply."""

    store = forms.ModelChoiceField(
        label="Store",
        queryset=Store.objects.none(),
        empty_label=None,
        error_messages={"required": "Choose the store", "invalid_choice": "Choose the store"},
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
    kind = forms.ChoiceField(
        label="What happened",
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened"},
    )
    description = forms.CharField(
        label="Describe what happened",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter a description of what happened"},
    )
    goods_recovered = forms.BooleanField(label="The goods were recovered", required=False)
    how_offender_left = forms.CharField(
        label="How the offender left",
        required=False,
        help_text="For example: on foot towards the station, in a blue car",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    staff_witnesses = forms.CharField(
        label="Staff who saw it",
        required=False,
        help_text="One name on each line",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    staff_harmed = forms.BooleanField(
        label="A member of staff was injured or threatened", required=False
    )
    harm_details = forms.CharField(
        label="What happened to them",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cctv_available = forms.BooleanField(label="We have CCTV of it", required=False)
    cctv_kept_days = forms.IntegerField(
        label="How many days your CCTV is kept before it is overwritten",
        required=False,
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        error_messages={
            "invalid": "Enter the number of days as a whole number",
            "min_value": "The number of days must be 1 or more",
            "max_value": "The number of days must be 3650 or fewer",
        },
    )

    def __init__(
        self,
        *args: Any,
        stores: Any,
        draft: bool = False,
        only: tuple[str, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft
        if only is not None:
            for name in list(self.fields):
                if name not in only:
                    del self.fields[name]
        if "store" in self.fields:
            self.fields["store"].queryset = stores  # type: ignore[attr-defined]
        if draft:
            for name, f in self.fields.items():
                if name != "store":
                    f.required = False

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data.get("occurred_at")
        if value is not None and value > timezone.now():
            raise forms.ValidationError("When it happened must be in the past")
        return value

    def clean_staff_witnesses(self) -> list[str]:
        text: str = self.cleaned_data.get("staff_witnesses") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        harmed = data.get("staff_harmed")
        if harmed and not self.draft and not (data.get("harm_details") or "").strip():
            self.add_error("harm_details", "Enter what happened to the member of staff")
        return data


class ItemForm(forms.Form):
    description = forms.CharField(
        label="Item",
        max_length=200,
        error_messages={"required": "Enter what the item was"},
    )
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=100000,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the quantity",
            "invalid": "Enter the quantity as a whole number",
            "min_value": "The quantity must be 1 or more",
            "max_value": "The quantity must be 100,000 or fewer",
        },
    )
    unit_value = forms.DecimalField(
        label="Value of each, in pounds",
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        max_digits=9,
        decimal_places=2,
        help_text="For example: 12.50",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        error_messages={
            "required": "Enter the value of each item",
            "invalid": "Enter the value in pounds, like 12.50",
            "min_value": "The value must be 0 or more",
            "max_value": "The value must be £1,000,000 or less",
            "max_decimal_places": "Enter the value in pounds and pence, like 12.50",
            "max_digits": "The value must be £1,000,000 or less",
        },
    )

    @property
    def unit_value_pence(self) -> int:
        value: Decimal = self.cleaned_data["unit_value"]
        return int(value * 100)

    @property
    def total_pence(self) -> int:
        return int(self.cleaned_data["quantity"]) * self.unit_value_pence


class BaseItemFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def filled(self) -> list[ItemForm]:
        return [
            f  # type: ignore[misc]
            for f in self.forms
            if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]

    def total_pence(self) -> int:
        return sum(f.total_pence for f in self.filled())


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=1, can_delete=True, max_num=100, validate_max=True
)


class OffenderForm(forms.Form):
    sex = forms.ChoiceField(
        label="Sex",
        required=False,
        choices=[("", "Not known"), ("male", "Male"), ("female", "Female")],
    )
    age = forms.CharField(label="Approximate age", max_length=40, required=False)
    height = forms.CharField(label="Height", max_length=40, required=False)
    build = forms.CharField(label="Build", max_length=60, required=False)
    clothing = forms.CharField(
        label="Clothing", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    features = forms.CharField(
        label="Distinguishing features",
        required=False,
        help_text="For example: tattoos, scars, glasses, accent",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


OFFENDER_FIELDS = ("sex", "age", "height", "build", "clothing", "features")

OffenderFormSet = forms.formset_factory(OffenderForm, extra=1, max_num=20, validate_max=True)


class ReplyForm(forms.Form):
    text = _required_text("Your reply", "Enter your reply", rows=4)


class CrimeForm(forms.Form):
    crime_reference = forms.CharField(
        label="Crime reference",
        max_length=40,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
        error_messages={"required": "Enter the crime reference"},
    )


class AskForm(forms.Form):
    message = _required_text(
        "What do you need to know?",
        "Enter what you need to know",
        help_text="The store sees this and is emailed",
    )


class AllocateForm(forms.Form):
    officer = forms.ModelChoiceField(
        label="Officer",
        queryset=User.objects.none(),
        required=False,
        empty_label="No officer",
        error_messages={"invalid_choice": "Choose an officer of your force"},
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        required=False,
        empty_label="No team",
        error_messages={"invalid_choice": "Choose a team of your force"},
    )

    def __init__(self, *args: Any, officers: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers  # type: ignore[attr-defined]
        self.fields["officer"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: u.get_full_name() or u.get_username()
        )
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("officer") and not data.get("team"):
            self.add_error("officer", "Choose an officer, a team, or both")
        return data


class FinaliseForm(forms.Form):
    outcome_code = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose an outcome"), *Outcome.choices],
        error_messages={"required": "Choose an outcome"},
    )
    reason = _required_text(
        "Explain the outcome to the store",
        "Explain the outcome to the store",
        help_text="In plain English: the store sees this and is emailed",
    )


class WithdrawForm(forms.Form):
    reason = _required_text(
        "Why are you withdrawing this report?",
        "Enter why you are withdrawing the report",
        help_text="The police see this",
    )


class NoteForm(forms.Form):
    text = _required_text(
        "Police note",
        "Enter the note",
        help_text="Only the police see notes: they are never shown or sent to the store",
    )


class ReopenForm(forms.Form):
    reason = _required_text(
        "Why are you reopening the report?",
        "Enter why the report is reopened",
        help_text="The store sees this and is emailed",
        rows=2,
    )


class LinkForm(forms.Form):
    reference = forms.CharField(
        label="Reference of the other report",
        max_length=20,
        help_text="For example: RC-2026-000123",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
        error_messages={"required": "Enter the reference of the other report"},
    )
    reason = forms.ChoiceField(
        label="Why are they linked?",
        choices=[("", "Choose a reason"), *ReportLink.Reason.choices],
        error_messages={"required": "Choose why the reports are linked"},
    )


class CctvRequestForm(forms.Form):
    deadline = forms.DateField(
        label="Footage needed by",
        widget=forms.DateInput(
            attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d"
        ),
        error_messages={"required": "Enter the date the footage is needed by"},
    )

    def clean_deadline(self) -> date:
        value: date = self.cleaned_data["deadline"]
        if value < timezone.localdate():
            raise forms.ValidationError("The date the footage is needed by must be today or later")
        return value


class RulesForm(forms.Form):
    required = forms.MultipleChoiceField(
        label="Details your force needs before it deals with a report",
        help_text="A report without them is returned to the store with the missing details named",
        choices=Requirement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    high_value = forms.DecimalField(
        label="High value, in pounds",
        help_text="Reports worth this much or more rise in the triage queue",
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        decimal_places=2,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        error_messages={
            "required": "Enter the high value in pounds",
            "invalid": "Enter the high value in pounds, like 200.00",
            "min_value": "The high value must be 0 or more",
            "max_value": "The high value must be £1,000,000 or less",
            "max_decimal_places": "Enter the high value in pounds and pence, like 200.00",
        },
    )


class EmailChoiceForm(forms.Form):
    choice = forms.ChoiceField(
        label="How do you want to hear about your company's crime reports?",
        choices=EmailChoice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you want to be emailed"},
    )


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV file",
        help_text="Up to 1,000 rows, in the format of the template",
        error_messages={"required": "Choose a CSV file to upload"},
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d"
        ),
        error_messages={"invalid": "Enter the start date as a real date"},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d"
        ),
        error_messages={"invalid": "Enter the end date as a real date"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be the same as or after the start date")
        return data
