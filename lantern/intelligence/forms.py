"""Forms for offender profiles, searches, links, exclusions and the rights pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from lantern.accounts.choices import OrgKind
from lantern.accounts.models import Area, Organisation, Store

from .choices import Marker

LINES = {"rows": 3}


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ProfileForm(forms.Form):
    description = forms.CharField(
        label="Description",
        help_text="Height, build, hair, distinguishing features, usual clothing",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter a description of the person"},
    )
    name = forms.CharField(label="Name, if known", required=False, max_length=200)
    aliases = forms.CharField(
        label="Other names they use", required=False, help_text="One on each line",
        widget=forms.Textarea(attrs=LINES),
    )  # fmt: skip
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        help_text="For example, 27 3 1990 entered as 1990-03-27",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
        error_messages={"invalid": "Enter a real date of birth"},
    )
    modus_operandi = forms.CharField(
        label="How they operate (modus operandi)",
        required=False,
        widget=forms.Textarea(attrs=LINES),
    )
    areas = forms.ModelMultipleChoiceField(
        label="Areas where they are active",
        queryset=Area.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one area where they are active"},
    )
    partnerships = forms.ModelMultipleChoiceField(
        label="Partnerships where they are active",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stores = forms.ModelMultipleChoiceField(
        label="Stores they target",
        queryset=Store.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    places = forms.CharField(
        label="Other places", required=False, help_text="One on each line",
        widget=forms.Textarea(attrs=LINES),
    )  # fmt: skip
    vehicles = forms.CharField(
        label="Vehicles", required=False,
        help_text="Make, colour and registration, one on each line",
        widget=forms.Textarea(attrs=LINES),
    )  # fmt: skip
    items = forms.CharField(
        label="Items they carry", required=False, help_text="For example a foil-lined bag",
        widget=forms.Textarea(attrs=LINES),
    )  # fmt: skip

    def __init__(self, *args: Any, force_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = Area.objects.filter(force=force_id)  # type: ignore[attr-defined]
        self.fields["partnerships"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind=OrgKind.PARTNERSHIP,
            status="active",
            approvals__force=force_id,
            approvals__status="approved",
        )
        self.fields["stores"].queryset = Store.objects.filter(  # type: ignore[attr-defined]
            area__force=force_id
        ).select_related("company")

    def lists(self) -> dict[str, list[str]]:
        d = self.cleaned_data
        return {k: _lines(d.get(k, "")) for k in ("aliases", "places", "vehicles", "items")}


class SearchForm(forms.Form):
    text = forms.CharField(
        label="Description or modus operandi contains", required=False, max_length=100
    )
    name = forms.CharField(label="Name or alias contains", required=False, max_length=100)
    markers = forms.MultipleChoiceField(
        label="Warning markers",
        choices=Marker.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area = forms.ModelChoiceField(
        label="Area", queryset=Area.objects.none(), required=False, empty_label="Any area"
    )
    review_due = forms.BooleanField(label="Only profiles due for deletion review", required=False)
    reason = forms.CharField(
        label="Why you are searching",
        required=False,
        max_length=300,
        help_text="Recorded with your search, for example a crime reference",
    )

    def __init__(self, *args: Any, force_id: int | None, police: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if force_id is not None:
            self.fields["area"].queryset = Area.objects.filter(force=force_id)  # type: ignore[attr-defined]
        if not police:
            for name in ("name", "review_due", "reason", "area"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        searching = data.get("text") or data.get("name") or data.get("markers")
        if "reason" in self.fields and searching and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter why you are searching")
        return data


class MarkerForm(forms.Form):
    marker = forms.ChoiceField(
        label="Warning marker",
        choices=Marker.choices,
        error_messages={"required": "Choose a warning marker"},
    )
    note = forms.CharField(label="Details", required=False, max_length=300)


class ImageForm(forms.Form):
    picture = forms.FileField(
        label="Upload a picture",
        required=False,
        help_text="A JPEG, PNG or WebP picture smaller than 10 MB",
    )
    evidence = forms.ChoiceField(label="Or take a picture from an exhibit", required=False)

    def __init__(self, *args: Any, evidence: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = [("", "Choose an exhibit picture"), *evidence]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("picture")) == bool(data.get("evidence")):
            raise forms.ValidationError("Upload a picture or choose one from an exhibit")
        return data


class LinkForm(forms.Form):
    report_reference = forms.CharField(
        label="Crime report reference", required=False, max_length=20,
        help_text="For example RC-2026-000123",
    )  # fmt: skip
    event_reference = forms.CharField(label="Or a police record reference", required=False)
    occurred_at = forms.DateTimeField(
        label="When it happened (police records)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "govuk-input--width-20"},
            format="%Y-%m-%dT%H:%M",
        ),
        error_messages={"invalid": "Enter a real date and time"},
    )
    summary = forms.CharField(label="What happened (police records)", required=False)
    violent = forms.BooleanField(label="Violence or threats were used", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("report_reference") and not data.get("event_reference"):
            raise forms.ValidationError("Enter a crime report reference or a police record")
        if data.get("event_reference") and not data.get("occurred_at"):
            self.add_error("occurred_at", "Enter when it happened")
        return data


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Is this the person?",
        choices=[("confirm", "Yes, confirm the link"), ("reject", "No, reject the link")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to confirm or reject the link"},
    )
    note = forms.CharField(label="Note", required=False, max_length=300)


class ApproveForm(forms.Form):
    approve = forms.ChoiceField(
        label="Share with partners",
        choices=[("yes", "Share with partners"), ("no", "Stop sharing")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to share the profile"},
    )
    reason = forms.CharField(
        label="Reason", max_length=300, error_messages={"required": "Enter a reason"}
    )


class NamesForm(forms.Form):
    shared = forms.BooleanField(label="Partners may see this person's name", required=False)
    reason = forms.CharField(
        label="Why", required=False, max_length=300,
        help_text="For example: exclusion notice served on 3 March",
    )  # fmt: skip


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        error_messages={"required": "Enter a reason"},
    )


class ExclusionForm(forms.Form):
    stores = forms.ModelMultipleChoiceField(
        label="Stores the person is banned from",
        queryset=Store.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the stores the person is banned from"},
    )
    served_on = forms.DateField(
        label="Date served",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the date it was served", "invalid": "Enter a real date"},
    )
    expires_on = forms.DateField(
        label="Date it ends",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the date it ends", "invalid": "Enter a real date"},
    )
    conditions = forms.CharField(
        label="Conditions",
        widget=forms.Textarea(attrs=LINES),
        error_messages={"required": "Enter the conditions of the exclusion"},
    )

    def __init__(self, *args: Any, stores: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stores"].queryset = stores  # type: ignore[attr-defined]
        today = timezone.localdate()
        self.fields["served_on"].initial = today
        self.fields["expires_on"].initial = today + timedelta(days=365)


class PolicyForm(forms.Form):
    threshold_incidents = forms.IntegerField(
        label="Confirmed incidents needed before partners see a profile", min_value=1, max_value=50
    )
    threshold_months = forms.IntegerField(label="Within how many months", min_value=1, max_value=36)
    expiry_months = forms.IntegerField(
        label="Months without a new incident before a profile is hidden and reviewed",
        min_value=1,
        max_value=36,
    )


class AlertSettingForm(forms.Form):
    email = forms.BooleanField(
        label="Email me when a flagged person is linked to an incident near my stores",
        required=False,
    )
