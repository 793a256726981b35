"""Forms for incidents, crimes and tasks."""

from __future__ import annotations

from typing import Any

from django import forms

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Area, Organisation, User

from .models import Crime, Grade, Task, Team, VideoQuestion

DATETIME_ATTRS = {"type": "datetime-local", "class": "govuk-input--width-20"}


def officers_of(force: Organisation) -> Any:
    return User.objects.filter(
        memberships__organisation=force,
        memberships__is_active=True,
        memberships__role__in=POLICE_ROLES,
    ).order_by("last_name", "first_name", "username")


class IncidentForm(forms.Form):
    grade = forms.TypedChoiceField(
        label="Grade",
        choices=Grade.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the grade"},
    )
    location = forms.CharField(
        label="Location",
        max_length=300,
        error_messages={"required": "Enter the location"},
    )
    area = forms.ModelChoiceField(
        label="Area", queryset=Area.objects.none(), required=False, empty_label="Not known"
    )
    summary = forms.CharField(
        label="What has happened",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter what has happened"},
    )

    def __init__(self, *args: Any, force: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(force=force).order_by("name")  # type: ignore[attr-defined]


class RegradeForm(forms.Form):
    grade = forms.TypedChoiceField(
        label="New grade",
        choices=Grade.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the new grade"},
    )
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for the change"},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the note"},
    )
    key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    written_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class PhotoForm(forms.Form):
    photo = forms.ImageField(
        label="Take or choose a photo",
        help_text="The time and place it was taken are kept with it",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        error_messages={
            "required": "Choose a photo",
            "invalid_image": "The selected file must be a photo (JPEG, PNG or WebP)",
        },
    )
    caption = forms.CharField(label="What the photo shows", required=False, max_length=300)
    key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    taken_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )


class TriageForm(forms.Form):
    """One yes/no question per active video-response question of the force."""

    def __init__(self, *args: Any, questions: list[VideoQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"q{q.pk}"] = forms.TypedChoiceField(
                label=q.text,
                choices=[("yes", "Yes"), ("no", "No")],
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": f"Answer: {q.text}"},
            )

    def answers(self) -> dict[int, bool]:
        return {q.pk: bool(self.cleaned_data[f"q{q.pk}"]) for q in self.questions}


class _AllocationFields(forms.Form):
    """Officer and team choices limited to the force."""

    def __init__(self, *args: Any, force: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = officers_of(force)  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(force=force)  # type: ignore[attr-defined]


class TaskForm(_AllocationFields):
    kind = forms.ChoiceField(
        label="Task",
        choices=Task.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the task"},
    )
    assignee = forms.ModelChoiceField(
        label="Officer", queryset=User.objects.none(), required=False, empty_label="No one yet"
    )
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="No team"
    )
    resources = forms.CharField(
        label="Resources allocated",
        required=False,
        max_length=300,
        help_text="For example: 2 officers, car NS12, body-worn video",
    )
    due_at = forms.DateTimeField(
        label="Due by",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs=DATETIME_ATTRS, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Enter when it is due",
            "invalid": "Enter a real date and time",
        },
    )
    details = forms.CharField(
        label="Details", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReallocateForm(_AllocationFields):
    assignee = forms.ModelChoiceField(
        label="Officer", queryset=User.objects.none(), required=False, empty_label="No one"
    )
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="No team"
    )
    resources = forms.CharField(label="Resources allocated", required=False, max_length=300)


class CrimeForm(forms.Form):
    classification = forms.ChoiceField(
        label="Crime type",
        choices=Crime.Classification.choices,
        error_messages={"required": "Choose the crime type"},
    )
    crime_reference = forms.CharField(
        label="Crime reference",
        required=False,
        max_length=40,
        help_text="Leave empty for Lantern to give one",
    )
    summary = forms.CharField(
        label="Summary",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter a summary"},
    )
    victim_name = forms.CharField(label="Victim's name", required=False, max_length=200)
    victim_email = forms.EmailField(
        label="Victim's email address",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    victim_phone = forms.CharField(label="Victim's mobile number", required=False, max_length=20)
    retail_report = forms.CharField(
        label="Retail crime report reference",
        required=False,
        max_length=30,
        help_text="For example RC-2026-000001, if a store reported it",
    )


class FinaliseForm(forms.Form):
    no_lines_of_enquiry = forms.BooleanField(
        label=(
            "There are no lines of enquiry (no suspect, witness, footage or forensic opportunity)"
        ),
        error_messages={"required": "Confirm there are no lines of enquiry"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Crime.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="This is what the victim is told",
        error_messages={"required": "Enter the reason for the outcome"},
    )


class TargetsForm(forms.Form):
    grade_1_minutes = forms.IntegerField(
        label="Grade 1: attend within (minutes)",
        min_value=1,
        max_value=24 * 60,
        error_messages={"required": "Enter the Grade 1 target", "min_value": "Enter at least 1"},
    )
    grade_2_minutes = forms.IntegerField(
        label="Grade 2: attend within (minutes)",
        min_value=1,
        max_value=7 * 24 * 60,
        error_messages={"required": "Enter the Grade 2 target", "min_value": "Enter at least 1"},
    )
    grade_3_hours = forms.IntegerField(
        label="Grade 3: engage within (hours)",
        min_value=1,
        max_value=30 * 24,
        error_messages={"required": "Enter the Grade 3 target", "min_value": "Enter at least 1"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        g1, g2, g3 = (data.get(k) for k in ("grade_1_minutes", "grade_2_minutes", "grade_3_hours"))
        if g1 and g2 and g1 > g2:
            self.add_error("grade_2_minutes", "Grade 2 cannot be quicker than Grade 1")
        if g2 and g3 and g2 > g3 * 60:
            self.add_error("grade_3_hours", "Grade 3 cannot be quicker than Grade 2")
        return data


class QuestionForm(forms.Form):
    text = forms.CharField(
        label="New video-response question",
        max_length=300,
        error_messages={"required": "Enter the question"},
    )
    eligible_answer = forms.TypedChoiceField(
        label="Which answer allows a video response?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which answer allows a video response"},
    )
