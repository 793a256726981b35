"""Forms shared across apps."""

from __future__ import annotations

from django import forms


class OneTimeCodeForm(forms.Form):
    """The 6-digit code sent to a link holder's email or phone."""

    code = forms.CharField(
        label="Code",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "govuk-input--width-5",
            }
        ),
        error_messages={
            "required": "Enter the 6-digit code",
            "min_length": "The code is 6 digits",
            "max_length": "The code is 6 digits",
        },
    )
