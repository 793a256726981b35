"""Sign-in, two-factor, your account, and managing your organisation's people and partners.

Views parse, authorise (through `for_user` querysets: what you may not see is a 404), call a
service and render.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from lantern.core.permissions import current_membership, get_for_user_or_404, require_role
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import mfa, services
from .choices import MANAGER_ROLES, MFA_REQUIRED_ROLES, OrgKind, Role
from .decorators import mark_recent_auth, require_recent_auth
from .forms import (
    AcceptInvitationForm,
    CodeForm,
    InviteForm,
    MembershipForm,
    ReauthForm,
    RefuseForm,
    RegisterOrganisationForm,
    SetupCodeForm,
    SignInForm,
    SuspendForm,
    SwitchOrganisationForm,
)
from .middleware import SESSION_MEMBERSHIP
from .models import Invitation, Membership, PartnerApproval, User


def _membership(request: HttpRequest) -> Membership:
    return current_membership(request)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _safe_next(request: HttpRequest, default: str = "core:home") -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return reverse(default)


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Signing in and out ---------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


login_view = login_not_required(SignInView.as_view())
logout_view = auth_views.LogoutView.as_view(next_page=reverse_lazy("accounts:login"))


@login_not_required
def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """Shown for any username, existing or not, so lockout reveals nothing."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = SignInForm(request, initial={"username": request.POST.get("username", "")})
    form.cleaned_data = {}
    form._errors = ErrorDict()  # type: ignore[attr-defined]
    form.add_error(
        None,
        f"You have entered the wrong details too many times. Wait {minutes} minutes, then try "
        "again.",
    )
    return render(request, "accounts/login.html", {"form": form}, status=429)


def verify(request: HttpRequest) -> HttpResponse:
    """Second step of sign-in: a code from the authenticator app or a recovery code."""
    user = _user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_safe_next(request))
    if not mfa.user_has_mfa(user):
        return redirect(reverse("accounts:mfa-setup") + "?next=" + _safe_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, wait = mfa.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if device.persistent_id.startswith("otp_static"):
                left = mfa.recovery_codes_remaining(user)
                messages.warning(
                    request,
                    f"You used a recovery code. You have {left} left. "
                    "Create new ones from your account page if you are running out.",
                )
            return redirect(_safe_next(request))
        if wait:
            form.add_error(
                "code", f"Too many wrong codes. Wait {wait} seconds, then enter the newest code."
            )
            return render(
                request, "accounts/verify.html", {"form": form, "next": _safe_next(request)}
            )
        ledger_record(action=Action.MFA_FAILED, actor=user, obj=user, require_transaction=False)
        form.add_error("code", "The security code is not correct or has expired. Try again.")
    return render(request, "accounts/verify.html", {"form": form, "next": _safe_next(request)})


def mfa_setup(request: HttpRequest) -> HttpResponseBase:
    """Set up an authenticator app: QR code, the key typed by hand, then a code to confirm."""
    user = _user(request)
    if user.is_verified() and mfa.user_has_mfa(user):  # type: ignore[attr-defined]
        # Replacing the app of an already-verified user is a sensitive change.
        return require_recent_auth(_mfa_setup)(request)
    if mfa.user_has_mfa(user):
        return redirect(reverse("accounts:verify") + "?next=" + _safe_next(request))
    return _mfa_setup(request)


def _mfa_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    device = mfa.pending_totp_device(user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            services.mfa_confirm(user=user, device=device)
            otp_login(request, device)
            mark_recent_auth(request)
            codes = mfa.recovery_codes_generate(user)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request), "first_time": True},
            )
        form.add_error(
            "code",
            "The code is not correct. Check the time on your phone is right "
            "and enter the newest code.",
        )
    context = {
        "form": form,
        "qr": mfa.qr_data_uri(device.config_url),
        "secret": mfa.totp_secret_base32(device),
        "next": _safe_next(request),
        "required": user.mfa_required,
    }
    return render(request, "accounts/mfa_setup.html", context)


@require_recent_auth
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Make a new set of recovery codes (the old ones stop working)."""
    user = _user(request)
    if not mfa.user_has_mfa(user):
        return redirect("accounts:mfa-setup")
    if request.method == "POST":
        codes = mfa.recovery_codes_generate(user)
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": codes, "next": reverse("accounts:profile")},
        )
    return render(
        request,
        "accounts/recovery_codes_confirm.html",
        {"remaining": mfa.recovery_codes_remaining(user)},
    )


def reauth(request: HttpRequest) -> HttpResponse:
    """Confirm it is still you before a sensitive action."""
    user = _user(request)
    needs_code = mfa.user_has_mfa(user)
    form = ReauthForm(request.POST or None, needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        ok = authenticate(request, username=user.username, password=form.cleaned_data["password"])
        if ok is None or ok.pk != user.pk:
            form.add_error("password", "The password is not correct")
        elif needs_code and mfa.verify_code(user, form.cleaned_data["code"])[0] is None:
            form.add_error("code", "The security code is not correct or has expired")
        else:
            mark_recent_auth(request)
            return redirect(_safe_next(request))
    return render(request, "accounts/reauth.html", {"form": form, "next": _safe_next(request)})


def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "memberships": user.active_memberships(),
        "has_mfa": mfa.user_has_mfa(user),
        "mfa_required": user.mfa_required,
        "recovery_left": mfa.recovery_codes_remaining(user),
        "switch_form": SwitchOrganisationForm(),
    }
    return render(request, "accounts/profile.html", context)


@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    form = SwitchOrganisationForm(request.POST)
    user = _user(request)
    if form.is_valid():
        membership = user.active_memberships().filter(pk=form.cleaned_data["membership"]).first()
        if membership is not None:
            request.session[SESSION_MEMBERSHIP] = membership.pk
            if membership.role in MFA_REQUIRED_ROLES and not user.is_verified():  # type: ignore[attr-defined]
                return redirect("accounts:verify")
            messages.success(request, f"You are now working as {membership.organisation.name}.")
    return redirect("core:home")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password has been changed.")
        return response


password_change = require_recent_auth(PasswordChangeView.as_view())

password_reset = login_not_required(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password-reset-sent"),
        extra_email_context={"base_url": settings.LANTERN_BASE_URL},
    )
)
password_reset_sent = login_not_required(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html")
)
password_reset_confirm = login_not_required(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password-reset-complete"),
    )
)
password_reset_complete = login_not_required(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


# --- Invitations ----------------------------------------------------------------------------


@login_not_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "accounts/invitation_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        # Someone who already has an account joins a second organisation once signed in.
        if not request.user.is_authenticated or request.user.pk != existing.pk:
            login_url = reverse("accounts:login") + "?next=" + request.path
            return render(
                request,
                "accounts/invitation_sign_in.html",
                {"invitation": invitation, "login_url": login_url},
            )
        if request.method == "POST":
            services.invitation_accept_existing_user(invitation=invitation, user=existing)
            messages.success(request, f"You have joined {invitation.organisation.name}.")
            return redirect("accounts:profile")
        return render(request, "accounts/invitation_join.html", {"invitation": invitation})
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_signed_in.html", {"invitation": invitation})
    form = AcceptInvitationForm(request.POST or None, invitation_email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept_new_user(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Your account has been created.")
            return redirect("core:home")
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )


# --- Managing people ------------------------------------------------------------------------


def _require_manager(request: HttpRequest) -> Membership:
    return require_role(request, MANAGER_ROLES)


def people(request: HttpRequest) -> HttpResponse:
    manager = _require_manager(request)
    members = (
        Membership.objects.for_user(_user(request))
        .filter(organisation=manager.organisation)
        .select_related("user")
        .prefetch_related("stores")
    )
    invitations = Invitation.objects.filter(
        organisation=manager.organisation, accepted_at__isnull=True, revoked_at__isnull=True
    )
    return render(request, "accounts/people.html", {"members": members, "invitations": invitations})


def person_invite(request: HttpRequest) -> HttpResponse:
    manager = _require_manager(request)
    form = InviteForm(request.POST or None, organisation=manager.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.invitation_create(
                actor=_user(request),
                actor_membership=manager,
                organisation=manager.organisation,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                stores=list(data.get("stores") or []),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {data['email']}.")
            return redirect("accounts:people")
    return render(request, "accounts/person_invite.html", {"form": form})


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    member = get_for_user_or_404(Membership, _user(request), pk=pk)
    initial = {"role": member.role, "stores": list(member.stores.all())}
    form = MembershipForm(request.POST or None, organisation=member.organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change(
                actor=_user(request),
                actor_membership=_membership(request),
                membership=member,
                role=form.cleaned_data["role"],
                stores=list(form.cleaned_data.get("stores") or []),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{member.user} has been updated.")
            return redirect("accounts:person-detail", pk=member.pk)
    return render(request, "accounts/person_detail.html", {"member": member, "form": form})


@require_recent_auth
def person_disable(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _require_manager(request)
    member = get_for_user_or_404(Membership, _user(request), pk=pk)
    enable = not member.is_active
    if request.method == "POST":
        try:
            if enable:
                services.membership_enable(
                    actor=_user(request), actor_membership=manager, membership=member
                )
            else:
                services.membership_disable(
                    actor=_user(request), actor_membership=manager, membership=member
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:person-detail", pk=member.pk)
        verb = "enabled" if enable else "disabled"
        messages.success(request, f"{member.user}'s access has been {verb}.")
        return redirect("accounts:person-detail", pk=member.pk)
    return render(request, "accounts/person_disable.html", {"member": member, "enable": enable})


@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _require_manager(request)
    invitation = get_for_user_or_404(Invitation, _user(request), pk=pk)
    services.invitation_revoke(
        actor=_user(request), actor_membership=manager, invitation=invitation
    )
    messages.success(request, f"The invitation to {invitation.email} has been withdrawn.")
    return redirect("accounts:people")


# --- Partner organisations ------------------------------------------------------------------


def _require_force_admin(request: HttpRequest) -> Membership:
    return require_role(request, frozenset({Role.FORCE_ADMIN}))


def partners(request: HttpRequest) -> HttpResponse:
    admin = _require_force_admin(request)
    approvals = (
        PartnerApproval.objects.filter(force=admin.organisation)
        .select_related("partner", "decided_by")
        .order_by("status", "-requested_at")
    )
    pending = [a for a in approvals if a.status == PartnerApproval.Status.PENDING]
    decided = [a for a in approvals if a.status != PartnerApproval.Status.PENDING]
    return render(request, "accounts/partners.html", {"pending": pending, "decided": decided})


def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_force_admin(request)
    approval = get_for_user_or_404(PartnerApproval, _user(request), pk=pk)
    manager_invites = approval.partner.invitations.all()
    context = {
        "approval": approval,
        "partner": approval.partner,
        "invitations": manager_invites,
        "refuse_form": RefuseForm(),
        "stores": approval.partner.company_stores.select_related("area")
        if approval.partner.kind == OrgKind.RETAIL
        else [],
    }
    return render(request, "accounts/partner_detail.html", context)


@require_POST
def partner_approve(request: HttpRequest, pk: int) -> HttpResponse:
    admin = _require_force_admin(request)
    approval = get_for_user_or_404(PartnerApproval, _user(request), pk=pk)
    services.partner_approve(actor=_user(request), actor_membership=admin, approval=approval)
    messages.success(
        request,
        f"{approval.partner.name} is approved. Their manager has been sent an invitation.",
    )
    return redirect("accounts:partners")


def partner_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    admin = _require_force_admin(request)
    approval = get_for_user_or_404(PartnerApproval, _user(request), pk=pk)
    form = RefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.partner_refuse(
            actor=_user(request),
            actor_membership=admin,
            approval=approval,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{approval.partner.name} has been refused.")
        return redirect("accounts:partners")
    return render(request, "accounts/partner_refuse.html", {"approval": approval, "form": form})


@require_recent_auth
def partner_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    admin = _require_force_admin(request)
    approval = get_for_user_or_404(PartnerApproval, _user(request), pk=pk)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_suspend(
                actor=_user(request),
                actor_membership=admin,
                approval=approval,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{approval.partner.name} is suspended. Its members are signed out."
            )
        return redirect("accounts:partner-detail", pk=approval.pk)
    return render(request, "accounts/partner_suspend.html", {"approval": approval, "form": form})


@require_POST
def partner_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    admin = _require_force_admin(request)
    approval = get_for_user_or_404(PartnerApproval, _user(request), pk=pk)
    try:
        services.partner_reinstate(actor=_user(request), actor_membership=admin, approval=approval)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{approval.partner.name} is reinstated.")
    return redirect("accounts:partner-detail", pk=approval.pk)


@login_not_required
def register_organisation(request: HttpRequest) -> HttpResponse:
    form = RegisterOrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.organisation_register(
                name=data["name"],
                kind=data["kind"],
                force=data["force"],
                contact_email=data["contact_email"],
                manager_first_name=data["manager_first_name"],
                manager_last_name=data["manager_last_name"],
                manager_email=data["manager_email"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return render(
                request,
                "accounts/register_done.html",
                {"organisation": organisation, "force": data["force"]},
            )
    return render(request, "accounts/register.html", {"form": form})
