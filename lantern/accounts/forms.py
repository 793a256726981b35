"""Forms, with GOV.UK wording for errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from .choices import OrgKind, Role, role_choices_for
from .models import Organisation, Store, User


class SignInForm(AuthenticationForm):
    """The same message whatever went wrong, so it never reveals if an account exists."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "Enter a correct username and password. Both are case-sensitive.",
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false"}
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes",
        max_length=20,
        error_messages={"required": "Enter the security code"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        ),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label="Enter the 6-digit code from your authenticator app",
        max_length=6,
        min_length=6,
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "min_length": "The code must be 6 digits",
            "max_length": "The code must be 6 digits",
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "class": "govuk-input--width-5",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError("The code must be 6 digits")
        return code


class ReauthForm(forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    code = forms.CharField(
        label="Security code",
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "class": "govuk-input--width-10"}
        ),
    )

    def __init__(self, *args: Any, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["code"].required = True
            self.fields["code"].error_messages["required"] = "Enter the security code"
        else:
            del self.fields["code"]


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(
        label="Choose a username",
        max_length=150,
        help_text="Letters, numbers and . - _ only",
        error_messages={"required": "Choose a username"},
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        help_text="At least 12 characters. Avoid common words and passwords used elsewhere.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Create a password"},
    )
    password2 = forms.CharField(
        label="Confirm your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Confirm your password"},
    )

    def __init__(self, *args: Any, invitation_email: str = "", **kwargs: Any) -> None:
        self.invitation_email = invitation_email
        super().__init__(*args, **kwargs)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if not all(ch.isalnum() or ch in ".-_" for ch in username):
            raise forms.ValidationError("Usernames can only contain letters, numbers and . - _")
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken. Choose another.")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The passwords do not match")
        elif p1:
            probe = User(username=cleaned.get("username", ""), email=self.invitation_email)
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MembershipForm(forms.Form):
    """A role in the organisation, and the stores for a retailer's staff."""

    role = forms.ChoiceField(
        label="Role", widget=forms.RadioSelect, error_messages={"required": "Choose a role"}
    )
    stores = forms.ModelMultipleChoiceField(
        label="Stores they work at",
        queryset=Store.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Store staff see only their stores' reports",
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices_for(organisation.kind)  # type: ignore[attr-defined]
        if organisation.kind == OrgKind.RETAIL:
            self.fields["stores"].queryset = organisation.company_stores.all()  # type: ignore[attr-defined]
        else:
            del self.fields["stores"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Role.STORE_STAFF and not cleaned.get("stores"):
            self.add_error("stores", "Choose at least one store for store staff")
        return cleaned


class InviteForm(MembershipForm):
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter their first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter their last name"}
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    field_order = ["first_name", "last_name", "email", "role", "stores"]


class RegisterOrganisationForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of organisation are you?",
        widget=forms.RadioSelect,
        choices=[
            (OrgKind.RETAIL, "A retailer (shops or a chain of stores)"),
            (OrgKind.COUNCIL, "A local authority with a CCTV control room"),
            (OrgKind.PARTNERSHIP, "A business crime reduction partnership"),
        ],
        error_messages={"required": "Choose what kind of organisation you are"},
    )
    name = forms.CharField(
        label="Organisation name",
        max_length=200,
        error_messages={"required": "Enter your organisation's name"},
    )
    force = forms.ModelChoiceField(
        label="Police force you want to work with",
        queryset=Organisation.objects.filter(kind=OrgKind.FORCE, status="active"),
        empty_label=None,
        error_messages={"required": "Choose a police force"},
    )
    contact_email = forms.EmailField(
        label="Organisation contact email",
        help_text="We will tell you here when the force has decided",
        error_messages={
            "required": "Enter a contact email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    manager_first_name = forms.CharField(
        label="Manager's first name",
        max_length=150,
        error_messages={"required": "Enter the manager's first name"},
    )
    manager_last_name = forms.CharField(
        label="Manager's last name",
        max_length=150,
        error_messages={"required": "Enter the manager's last name"},
    )
    manager_email = forms.EmailField(
        label="Manager's work email address",
        help_text="The manager gets an invitation to set up their account once approved",
        error_messages={
            "required": "Enter the manager's email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Why are you suspending this organisation?",
        help_text="Recorded in the audit log. Its members are signed out at once",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter why you are suspending this organisation"},
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Why are you refusing this organisation?",
        help_text="This is sent to the organisation",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter a reason"},
    )


class SwitchOrganisationForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
