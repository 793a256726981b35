"""Requests for footage, their links and codes, and evidence items: every change ledgered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import ControlRoom, Membership, Organisation, Store, User
from lantern.casework.services import case_for_reference
from lantern.core.tokens import hash_secret, new_code, new_token, same_secret
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from lantern.notifications.sms import send_sms

from .models import (
    EvidenceItem,
    EvidenceRequest,
    LinkCode,
    RecipientKind,
    RequestLink,
)

REQUESTER_ROLES = frozenset({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})
CODE_MINUTES = 15
CODE_ATTEMPTS = 5
CODES_PER_HOUR = 5


def _require_requester(membership: Membership, request: EvidenceRequest | None = None) -> None:
    if membership.role not in REQUESTER_ROLES:
        raise PermissionDenied("Only officers, investigators and supervisors request footage")
    if request is not None and request.force_id != membership.organisation_id:
        raise PermissionDenied("This request belongs to another force")


def link_url(token: str) -> str:
    return str(settings.LANTERN_BASE_URL) + reverse("evidence:link", args=[token])


def _recipient_emails(request: EvidenceRequest) -> list[str]:
    """Who at a partner organisation is told: the people who would upload the footage."""
    members = Membership.objects.filter(is_active=True, user__is_active=True)
    if request.control_room_id:
        members = members.filter(
            organisation=request.control_room.authority,  # type: ignore[union-attr]
            role__in=[Role.CCTV_OPERATOR, Role.CCTV_MANAGER],
        )
    elif request.store_id:
        store = request.store
        assert store is not None
        members = members.filter(organisation=store.company_id).filter(
            role=Role.LP_MANAGER
        ) | members.filter(organisation=store.company_id, role=Role.STORE_STAFF, stores=store)
    elif request.company_id:
        members = members.filter(organisation=request.company_id, role=Role.LP_MANAGER)
    else:
        return [request.recipient_email] if request.recipient_email else []
    return sorted({m.user.email for m in members.select_related("user") if m.user.email})


def _notify_recipient(request: EvidenceRequest, token: str, reminder: bool = False) -> None:
    context = {
        "request": request,
        "link": link_url(token),
        "check_url": settings.LANTERN_BASE_URL + reverse("evidence:check"),
        "force_name": settings.LANTERN_FORCE_NAME,
        "reminder": reminder,
    }
    body = render_to_string("evidence/email/request.txt", context)
    prefix = "Reminder: " if reminder else ""
    subject = f"{prefix}Request for CCTV footage {request.reference} from {request.force.name}"
    emails = _recipient_emails(request)
    phone = request.recipient_phone if request.recipient_kind == RecipientKind.PERSON else ""
    sms = (
        f"{request.force.name} asks you to upload video for {request.reference}: "
        f"{link_url(token)} Check it is genuine at {context['check_url']}"
    )

    def send() -> None:
        if emails:
            send_mail(subject, body, None, emails)
        if phone:
            send_sms(phone, sms)

    transaction.on_commit(send)


def _issue_link(request: EvidenceRequest, expires_at: datetime | None = None) -> str:
    token, token_hash = new_token()
    RequestLink.objects.create(
        request=request,
        token_hash=token_hash,
        expires_at=(
            expires_at
            if expires_at is not None
            else timezone.now() + timedelta(days=settings.LANTERN_REQUEST_LINK_DAYS)
        ),
    )
    return token


@dataclass
class RequestInput:
    case_reference: str
    case_title: str
    recipient_kind: str
    control_room: ControlRoom | None
    store: Store | None
    company: Organisation | None
    recipient_name: str
    recipient_email: str
    recipient_phone: str
    location: str
    window_start: datetime
    window_end: datetime
    reason: str
    deadline: date


def evidence_request_create(
    *, actor: User, membership: Membership, data: RequestInput
) -> tuple[EvidenceRequest, str]:
    _require_requester(membership)
    with transaction.atomic():
        request, token = _request_open(
            actor=actor, actor_org=membership.organisation, force=membership.organisation, data=data
        )
        _notify_recipient(request, token)
    return request, token


def evidence_request_offer(
    *,
    actor: User,
    membership: Membership | None,
    force: Organisation,
    data: RequestInput,
    link_expires_at: datetime | None = None,
    ledger_detail: dict[str, Any] | None = None,
) -> RequestLink:
    """A recipient sends footage unasked (a store attaching CCTV to its own crime report, a
    member of the public uploading with an online report): the same request an officer
    would make, but the sender is already here, so no email; the caller checks that the
    sender may offer it and opens the returned link. `membership` None: the actor is a
    service account acting for the force itself. `link_expires_at` replaces the usual link
    lifetime; `ledger_detail` replaces the case and recipient in the ledger entry."""
    with transaction.atomic():
        request, _token = _request_open(
            actor=actor,
            actor_org=membership.organisation if membership is not None else force,
            force=force,
            data=data,
            link_expires_at=link_expires_at,
            ledger_detail=ledger_detail,
        )
        return request.links.get()


def _request_open(
    *,
    actor: User,
    actor_org: Organisation,
    force: Organisation,
    data: RequestInput,
    link_expires_at: datetime | None = None,
    ledger_detail: dict[str, Any] | None = None,
) -> tuple[EvidenceRequest, str]:
    case = case_for_reference(
        force=force, reference=data.case_reference, title=data.case_title, actor=actor
    )
    request = EvidenceRequest.objects.create(
        force=force,
        case=case,
        created_by=actor,
        recipient_kind=data.recipient_kind,
        control_room=data.control_room,
        store=data.store,
        company=data.company,
        recipient_name=data.recipient_name,
        recipient_email=data.recipient_email,
        recipient_phone=data.recipient_phone,
        location=data.location,
        window_start=data.window_start,
        window_end=data.window_end,
        reason=data.reason,
        deadline=data.deadline,
    )
    token = _issue_link(request, link_expires_at)
    if ledger_detail is None:
        ledger_detail = {"case": case.reference, "recipient": request.recipient_label}
    ledger_record(
        action=Action.CREATED,
        actor=actor,
        actor_org=actor_org,
        obj=request,
        detail={**ledger_detail, "reference": request.reference},
    )
    return request, token


def evidence_request_extend(
    *, actor: User, membership: Membership, request: EvidenceRequest, deadline: date
) -> None:
    _require_requester(membership, request)
    with transaction.atomic():
        old = request.deadline
        request.deadline = deadline
        request.save(update_fields=["deadline"])
        new_expiry = timezone.make_aware(datetime.combine(deadline, datetime.min.time())) + (
            timedelta(days=1)
        )
        request.links.filter(revoked_at__isnull=True, expires_at__lt=new_expiry).update(
            expires_at=new_expiry
        )
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=request,
            detail={
                "old": {"deadline": old.isoformat()},
                "new": {"deadline": deadline.isoformat()},
            },
        )


def evidence_request_chase(
    *, actor: User, membership: Membership, request: EvidenceRequest
) -> None:
    """Send a reminder with a fresh link; earlier links stop working."""
    _require_requester(membership, request)
    if request.status == EvidenceRequest.Status.CLOSED:
        raise ValidationError("This request is closed")
    with transaction.atomic():
        request.links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        token = _issue_link(request)
        ledger_record(
            action=Action.SHARED,
            actor=actor,
            actor_org=membership.organisation,
            obj=request,
            reason="Reminder sent with a new link",
        )
        _notify_recipient(request, token, reminder=True)


def evidence_request_close(
    *, actor: User, membership: Membership, request: EvidenceRequest, reason: str
) -> None:
    _require_requester(membership, request)
    with transaction.atomic():
        request.status = EvidenceRequest.Status.CLOSED
        request.closed_at = timezone.now()
        request.close_reason = reason
        request.save(update_fields=["status", "closed_at", "close_reason"])
        request.links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=request,
            reason=reason,
            detail={"new": {"status": "closed"}},
        )


def link_for_token(token: str) -> RequestLink | None:
    return (
        RequestLink.objects.select_related("request", "request__force")
        .filter(token_hash=hash_secret(token))
        .first()
    )


def link_may_be_used_by(link: RequestLink, user: Any) -> bool:
    """Organisation recipients must be signed in as a member of that organisation."""
    request = link.request
    org = request.recipient_organisation
    if org is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return EvidenceRequest.objects.for_user(user).filter(pk=request.pk).exists() and (
        Membership.objects.filter(user=user, organisation=org, is_active=True)
        .exclude(role__in=POLICE_ROLES)
        .exists()
    )


def masked_contact(request: EvidenceRequest) -> str:
    if request.recipient_email:
        name, _, domain = request.recipient_email.partition("@")
        return f"{name[:2]}{'•' * max(1, len(name) - 2)}@{domain}"
    phone = request.recipient_phone
    return f"{'•' * max(0, len(phone) - 3)}{phone[-3:]}"


def link_send_code(link: RequestLink) -> None:
    """Send a one-time code to the contact the officer gave (public recipients)."""
    request = link.request
    recent = link.codes.filter(created_at__gte=timezone.now() - timedelta(hours=1)).count()
    if recent >= CODES_PER_HOUR:
        raise ValidationError("Too many codes have been sent. Wait an hour and try again.")
    code = new_code()
    with transaction.atomic():
        link.codes.filter(used_at__isnull=True).update(used_at=timezone.now())
        LinkCode.objects.create(
            link=link,
            code_hash=hash_secret(f"{link.pk}:{code}"),
            expires_at=timezone.now() + timedelta(minutes=CODE_MINUTES),
        )
        ledger_record(
            action=Action.SHARED,
            actor_label=link.principal,
            obj=request,
            reason="One-time code sent to the recipient",
        )
    text = f"Your code for {request.force.name} request {request.reference} is {code}"

    def send() -> None:
        if request.recipient_email:
            send_mail(
                f"Your code: {code}",
                text + f". It works for {CODE_MINUTES} minutes.",
                None,
                [request.recipient_email],
            )
        elif request.recipient_phone:
            send_sms(request.recipient_phone, text)

    transaction.on_commit(send)


def link_check_code(link: RequestLink, code: str) -> bool:
    current = link.codes.filter(used_at__isnull=True, expires_at__gt=timezone.now()).last()
    if current is None or current.attempts >= CODE_ATTEMPTS:
        return False
    with transaction.atomic():
        if same_secret(current.code_hash, f"{link.pk}:{code.strip()}"):
            current.used_at = timezone.now()
            current.save(update_fields=["used_at"])
            return True
        current.attempts += 1
        current.save(update_fields=["attempts"])
        return False


def link_opened(link: RequestLink, actor: User | None) -> None:
    with transaction.atomic():
        link.last_used_at = timezone.now()
        link.save(update_fields=["last_used_at"])
        ledger_record(
            action=Action.VIEWED,
            actor=actor,
            actor_label="" if actor else link.principal,
            obj=link.request,
            reason="Request link opened",
        )


def evidence_item_add(
    *,
    link: RequestLink,
    file: File[Any],
    name: str,
    sha256: str,
    size: int,
    uploaded_by: str,
    upload: Any = None,
    stored_name: str = "",
) -> EvidenceItem:
    """Store an original, write-once, and record it. Not served until checked.

    `stored_name`: the original is already in the default storage under that name (a tus
    upload completed into S3 by multipart upload): refer to it, without another copy."""
    request = link.request
    with transaction.atomic():
        item = EvidenceItem(
            request=request,
            case=request.case,
            upload=upload,
            original_name=name[:255],
            size=size,
            sha256=sha256,
            uploaded_by=uploaded_by,
        )
        if stored_name:
            item.original.name = stored_name
        else:
            item.original.save(f"{request.reference}-{sha256[:16]}", file, save=False)
        item.save()
        ledger_record(
            action=Action.CREATED,
            actor_label=uploaded_by,
            obj=item,
            object_sha256=sha256,
            detail={"request": request.reference, "name": item.original_name, "size": size},
        )
    return item


def evidence_items_submit(
    *, link: RequestLink, uploaded_by: str, details: dict[int, tuple[str, int | None]]
) -> list[EvidenceItem]:
    """The recipient hands the files over: descriptions fixed, officer told, checks start."""
    from .tasks import evidence_item_check

    request = link.request
    items = list(request.items.filter(state=EvidenceItem.State.DRAFT, uploaded_by=uploaded_by))
    if not items:
        raise ValidationError("Upload at least one file before submitting")
    with transaction.atomic():
        for item in items:
            description, offset = details.get(item.pk, ("", None))
            item.description = description
            item.clock_offset_seconds = offset
            item.state = EvidenceItem.State.SUBMITTED
            item.submitted_at = timezone.now()
            item.save(
                update_fields=["description", "clock_offset_seconds", "state", "submitted_at"]
            )
            ledger_record(
                action=Action.SIGNED,
                actor_label=uploaded_by,
                obj=item,
                object_sha256=item.sha256,
                reason="Submitted by the recipient",
                detail={"description": description, "clock_offset_seconds": offset},
            )
            transaction.on_commit(partial(evidence_item_check.enqueue, item.pk))
        if request.status == EvidenceRequest.Status.OPEN:
            request.status = EvidenceRequest.Status.RECEIVED
            request.save(update_fields=["status"])
        officer = request.created_by
        # Footage a store offered unasked has the sender as its "requester": the police see it
        # on the linked report, and the sender is not told about their own files.
        asked_by_police = officer.memberships.filter(
            organisation_id=request.force_id, is_active=True
        ).exists()
        body = render_to_string(
            "evidence/email/received.txt",
            {
                "request": request,
                "items": items,
                "url": settings.LANTERN_BASE_URL
                + reverse("evidence:request-detail", args=[request.reference]),
            },
        )

        def tell_officer() -> None:
            if asked_by_police and officer.email:
                send_mail(f"Footage received for {request.reference}", body, None, [officer.email])

        transaction.on_commit(tell_officer)
    return items
