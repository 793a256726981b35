"""Forms of the API access pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from lantern.accounts.choices import Role
from lantern.accounts.models import Organisation

from .models import Event, Scope
from .services import MAX_TOKEN_DAYS, token_roles
from .webhooks import public_address_problem


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Which system will use it, for example 'Records system feed'",
        error_messages={"required": "Enter a name for the token"},
    )
    role = forms.ChoiceField(
        label="Acts as",
        widget=forms.RadioSelect,
        help_text="The token sees and does what a person with this role in your organisation can",
        error_messages={"required": "Choose the role the token acts as"},
    )
    scopes = forms.MultipleChoiceField(
        label="Permissions",
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one permission"},
    )
    days = forms.IntegerField(
        label="Days until it expires",
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        initial=90,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many days the token lasts",
            "invalid": "Enter a whole number of days",
            "min_value": "A token lasts at least 1 day",
            "max_value": f"A token lasts at most {MAX_TOKEN_DAYS} days",
        },
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (r, Role(r).label) for r in token_roles(organisation.kind)
        ]


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="Address (URL) to send events to",
        max_length=500,
        assume_scheme="https",
        error_messages={
            "required": "Enter the address to send events to",
            "invalid": "Enter an address like https://example.org/lantern-events",
        },
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event"},
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if urlsplit(url).scheme != "https" and settings.PRODUCTION:
            raise forms.ValidationError("The address must start with https://")
        problem = public_address_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url
