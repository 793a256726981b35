"""Every change to organisations, people and roles: one transaction, one ledger entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.core.tokens import hash_secret, new_token
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .choices import MANAGER_ROLE_BY_KIND, ROLES_BY_KIND, OrgKind, OrgStatus, Role
from .models import Invitation, Membership, Organisation, PartnerApproval, Store, User

INVITATION_DAYS = 7


def _require_manager(actor_membership: Membership, organisation: Organisation) -> None:
    if (
        not actor_membership.is_active
        or not actor_membership.is_manager
        or actor_membership.organisation_id != organisation.pk
    ):
        raise PermissionDenied("Only your organisation's managers can do this")


def _check_role(organisation: Organisation, role: str, stores: list[Store]) -> None:
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError({"role": "Choose a role that exists in this organisation"})
    for store in stores:
        if store.company_id != organisation.pk:
            raise ValidationError({"stores": "Choose stores that belong to this company"})


def _send_invitation(invitation: Invitation, token: str) -> None:
    link = settings.LANTERN_BASE_URL + reverse("accounts:invitation-accept", args=[token])
    context = {"invitation": invitation, "link": link, "force_name": settings.LANTERN_FORCE_NAME}
    body = render_to_string("accounts/email/invitation.txt", context)
    subject = f"You have been invited to Lantern by {invitation.organisation.name}"
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]))
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])


def invitation_create(
    *,
    actor: User | None,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    stores: list[Store] | None = None,
    actor_membership: Membership | None = None,
) -> tuple[Invitation, str]:
    """Invite a person; returns the invitation and the token (shown only in its link).

    A pending partner's first manager is invited at registration, and the email goes out
    only when a force approves the organisation.
    """
    stores = stores or []
    if actor_membership is not None:
        _require_manager(actor_membership, organisation)
    _check_role(organisation, role, stores)
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of your organisation"})
    token, token_hash = new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            role=role,
            token_hash=token_hash,
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        invitation.stores.set(stores)
        if organisation.status == OrgStatus.ACTIVE:
            _send_invitation(invitation, token)
        ledger_record(
            action=Action.INVITED,
            actor=actor,
            actor_label="" if actor else "organisation registration",
            actor_org=actor_membership.organisation if actor_membership else None,
            obj=invitation,
            detail={"email": email, "role": role, "organisation": organisation.slug},
        )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_secret(token))
        .first()
    )


def _join(invitation: Invitation, user: User) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user,
        organisation=invitation.organisation,
        defaults={"role": invitation.role, "is_active": True},
    )
    membership.stores.set(invitation.stores.all())
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    ledger_record(
        action=Action.CREATED,
        actor=user,
        actor_org=invitation.organisation,
        obj=membership,
        detail={"role": membership.role, "invitation": invitation.pk},
    )
    return membership


def invitation_accept_new_user(*, invitation: Invitation, username: str, password: str) -> User:
    if not invitation.is_usable:
        raise ValidationError("This invitation has expired or has already been used")
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": "That username is taken. Choose another."})
        user = User.objects.create_user(
            username=username,
            email=invitation.email,
            password=password,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        _join(invitation, user)
    return user


def invitation_accept_existing_user(*, invitation: Invitation, user: User) -> Membership:
    if not invitation.is_usable:
        raise ValidationError("This invitation has expired or has already been used")
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied("This invitation was sent to a different email address")
    with transaction.atomic():
        return _join(invitation, user)


def invitation_revoke(*, actor: User, actor_membership: Membership, invitation: Invitation) -> None:
    _require_manager(actor_membership, invitation.organisation)
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        ledger_record(
            action=Action.ERASED,
            actor=actor,
            actor_org=actor_membership.organisation,
            obj=invitation,
            reason="Invitation withdrawn",
        )


def _guard_self(actor: User, membership: Membership) -> None:
    if membership.user_id == actor.pk:
        raise ValidationError("You cannot change your own access. Ask another administrator.")


def membership_disable(
    *, actor: User, actor_membership: Membership, membership: Membership
) -> None:
    """Disable a person's access; every session of theirs ends at once."""
    _require_manager(actor_membership, membership.organisation)
    _guard_self(actor, membership)
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        User.objects.filter(pk=membership.user_id).update(
            session_generation=F("session_generation") + 1
        )
        ledger_record(
            action=Action.DISABLED,
            actor=actor,
            actor_org=actor_membership.organisation,
            obj=membership,
        )


def membership_enable(*, actor: User, actor_membership: Membership, membership: Membership) -> None:
    _require_manager(actor_membership, membership.organisation)
    _guard_self(actor, membership)
    with transaction.atomic():
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        ledger_record(
            action=Action.ENABLED,
            actor=actor,
            actor_org=actor_membership.organisation,
            obj=membership,
        )


def membership_change(
    *,
    actor: User,
    actor_membership: Membership,
    membership: Membership,
    role: str,
    stores: list[Store],
) -> None:
    _require_manager(actor_membership, membership.organisation)
    _guard_self(actor, membership)
    _check_role(membership.organisation, role, stores)
    old: dict[str, Any] = {
        "role": membership.role,
        "stores": sorted(membership.stores.values_list("pk", flat=True)),
    }
    new: dict[str, Any] = {"role": role, "stores": sorted(s.pk for s in stores)}
    if old == new:
        return
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role"])
        membership.stores.set(stores)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=actor_membership.organisation,
            obj=membership,
            detail={"old": old, "new": new},
        )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def organisation_register(
    *,
    name: str,
    kind: str,
    force: Organisation,
    contact_email: str,
    manager_first_name: str,
    manager_last_name: str,
    manager_email: str,
) -> Organisation:
    """A partner asks to join. Nothing is usable until the force approves it."""
    if kind == OrgKind.FORCE or force.kind != OrgKind.FORCE:
        raise ValidationError("Choose the kind of partner organisation and a police force")
    with transaction.atomic():
        organisation = Organisation.objects.create(
            kind=kind,
            name=name.strip(),
            slug=_unique_slug(name),
            status=OrgStatus.PENDING,
            contact_email=contact_email,
        )
        approval = PartnerApproval.objects.create(force=force, partner=organisation)
        ledger_record(
            action=Action.CREATED,
            actor_label="organisation registration",
            obj=organisation,
            detail={"kind": kind, "force": force.slug, "approval": approval.pk},
        )
        invitation_create(
            actor=None,
            organisation=organisation,
            email=manager_email,
            first_name=manager_first_name,
            last_name=manager_last_name,
            role=MANAGER_ROLE_BY_KIND[kind],
        )
        transaction.on_commit(
            lambda: send_mail(
                f"Your request to join Lantern: {organisation.name}",
                render_to_string(
                    "accounts/email/registration_received.txt",
                    {"organisation": organisation, "force": force},
                ),
                None,
                [contact_email],
            )
        )
    return organisation


def _require_deciding_admin(actor_membership: Membership, approval: PartnerApproval) -> None:
    if (
        actor_membership.role != Role.FORCE_ADMIN
        or approval.force_id != actor_membership.organisation_id
    ):
        raise PermissionDenied("Only the force's administrators can decide on partners")


def _decide(
    actor: User, actor_membership: Membership, approval: PartnerApproval, status: str, reason: str
) -> None:
    _require_deciding_admin(actor_membership, approval)
    approval.status = status
    approval.decided_at = timezone.now()
    approval.decided_by = actor
    approval.reason = reason
    approval.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    ledger_record(
        action=Action.APPROVED if status == PartnerApproval.Status.APPROVED else Action.REFUSED,
        actor=actor,
        actor_org=actor_membership.organisation,
        obj=approval,
        reason=reason,
        detail={"partner": approval.partner.slug},
    )


def partner_approve(
    *, actor: User, actor_membership: Membership, approval: PartnerApproval
) -> None:
    """Approve a partner: it becomes active and its first manager's invitation is sent."""
    with transaction.atomic():
        _decide(actor, actor_membership, approval, PartnerApproval.Status.APPROVED, "")
        partner = approval.partner
        if partner.status != OrgStatus.ACTIVE:
            partner.status = OrgStatus.ACTIVE
            partner.save(update_fields=["status"])
        for invitation in partner.invitations.filter(sent_at__isnull=True, revoked_at__isnull=True):
            # The original token was never sent: issue a fresh one.
            token, invitation.token_hash = new_token()
            invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
            invitation.save(update_fields=["token_hash", "expires_at"])
            _send_invitation(invitation, token)


def partner_refuse(
    *, actor: User, actor_membership: Membership, approval: PartnerApproval, reason: str
) -> None:
    with transaction.atomic():
        _decide(actor, actor_membership, approval, PartnerApproval.Status.REFUSED, reason)
        partner = approval.partner
        if not partner.approvals.filter(status=PartnerApproval.Status.APPROVED).exists():
            partner.status = OrgStatus.REFUSED
            partner.save(update_fields=["status"])
            User.objects.filter(memberships__organisation=partner).update(
                session_generation=F("session_generation") + 1
            )
        if partner.contact_email:
            body = render_to_string(
                "accounts/email/registration_refused.txt",
                {"organisation": partner, "force": approval.force, "reason": reason},
            )
            subject = f"Your request to join Lantern: {partner.name}"
            transaction.on_commit(lambda: send_mail(subject, body, None, [partner.contact_email]))


def partner_suspend(
    *, actor: User, actor_membership: Membership, approval: PartnerApproval, reason: str
) -> None:
    """Suspend an approved partner at once (e.g. when it is compromised): the organisation is
    suspended for every force and every session of its members ends now."""
    _require_deciding_admin(actor_membership, approval)
    if approval.status != PartnerApproval.Status.APPROVED:
        raise ValidationError("Only an approved organisation can be suspended")
    with transaction.atomic():
        approval.status = PartnerApproval.Status.SUSPENDED
        approval.decided_at = timezone.now()
        approval.decided_by = actor
        approval.reason = reason
        approval.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        partner = approval.partner
        partner.status = OrgStatus.SUSPENDED
        partner.save(update_fields=["status"])
        User.objects.filter(memberships__organisation=partner).update(
            session_generation=F("session_generation") + 1
        )
        ledger_record(
            action=Action.DISABLED,
            actor=actor,
            actor_org=actor_membership.organisation,
            obj=approval,
            reason=reason,
            detail={"partner": partner.slug, "organisation_status": partner.status},
        )


def partner_reinstate(
    *, actor: User, actor_membership: Membership, approval: PartnerApproval
) -> None:
    """Lift this force's suspension; the organisation is active again once no force still
    suspends it. Members sign in again (their sessions ended when it was suspended)."""
    _require_deciding_admin(actor_membership, approval)
    if approval.status != PartnerApproval.Status.SUSPENDED:
        raise ValidationError("Only a suspended organisation can be reinstated")
    with transaction.atomic():
        approval.status = PartnerApproval.Status.APPROVED
        approval.decided_at = timezone.now()
        approval.decided_by = actor
        approval.reason = ""
        approval.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        partner = approval.partner
        if not partner.approvals.filter(status=PartnerApproval.Status.SUSPENDED).exists():
            partner.status = OrgStatus.ACTIVE
            partner.save(update_fields=["status"])
        ledger_record(
            action=Action.ENABLED,
            actor=actor,
            actor_org=actor_membership.organisation,
            obj=approval,
            detail={"partner": partner.slug, "organisation_status": partner.status},
        )


def mfa_confirm(*, user: User, device: TOTPDevice) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        ledger_record(action=Action.MFA_ENROLLED, actor=user, obj=user)
