"""Every change to a retail crime report: in one transaction, ledgered, the store told."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import Membership, Store, User
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .models import OPEN_STATUSES, ReportEvent, ReportItem, RetailReport, Status

RETAIL_ROLES = frozenset({Role.STORE_STAFF, Role.LP_MANAGER})
# Police who triage and act on reports (analysts and force admins may only read them).
TRIAGE_ROLES = frozenset({Role.CALL_HANDLER, Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})
# Who a report may be allocated to.
ALLOCATABLE_ROLES = frozenset({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})


def stores_for(membership: Membership) -> Any:
    """The stores a retail member may report for."""
    if membership.role == Role.STORE_STAFF:
        return membership.stores.filter(company=membership.organisation_id)
    if membership.role == Role.LP_MANAGER:
        return Store.objects.filter(company=membership.organisation_id)
    return Store.objects.none()


def allocatable_officers(force_id: int) -> Any:
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation=force_id,
            memberships__is_active=True,
            memberships__role__in=ALLOCATABLE_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@dataclass
class ItemInput:
    description: str
    quantity: int
    unit_value_pence: int


@dataclass
class ReportInput:
    store: Store
    occurred_at: datetime | None = None
    kind: str = ""
    description: str = ""
    goods_recovered: bool = False
    how_offender_left: str = ""
    offenders: list[dict[str, str]] = field(default_factory=list)
    staff_witnesses: list[str] = field(default_factory=list)
    staff_harmed: bool = False
    harm_details: str = ""
    cctv_available: bool = False
    cctv_kept_days: int | None = None
    items: list[ItemInput] = field(default_factory=list)


def _require_retail(membership: Membership, store: Store) -> None:
    if membership.role not in RETAIL_ROLES:
        raise PermissionDenied("Only store staff and loss-prevention managers report crimes")
    if not stores_for(membership).filter(pk=store.pk).exists():
        raise PermissionDenied("You cannot report for this store")


def _require_triage(membership: Membership, report: RetailReport) -> None:
    if membership.role not in TRIAGE_ROLES:
        raise PermissionDenied("Only call handlers, officers, investigators and supervisors")
    if report.force_id != membership.organisation_id:
        raise PermissionDenied("This report belongs to another force")
    if report.status not in OPEN_STATUSES:
        raise ValidationError("This report is not open")


def _store_emails(report: RetailReport) -> list[str]:
    """The reporter and the staff of the store."""
    emails = {report.reported_by.email} if report.reported_by.email else set()
    staff = Membership.objects.filter(
        organisation=report.company_id,
        role=Role.STORE_STAFF,
        stores=report.store_id,
        is_active=True,
        user__is_active=True,
    ).select_related("user")
    emails |= {m.user.email for m in staff if m.user.email}
    return sorted(emails)


def report_url(report: RetailReport) -> str:
    return str(settings.LANTERN_BASE_URL) + reverse("reports:detail", args=[report.pk])


def _notify_store(report: RetailReport, headline: str, message: str = "") -> None:
    subject = f"Crime report {report.reference}: {headline}"
    body = render_to_string(
        "reports/email/status.txt",
        {"report": report, "headline": headline, "message": message, "url": report_url(report)},
    )
    emails = _store_emails(report)

    def send() -> None:
        if emails:
            send_mail(subject, body, None, emails)

    transaction.on_commit(send)


def _apply_input(report: RetailReport, data: ReportInput) -> None:
    report.store = data.store
    report.company_id = data.store.company_id
    report.force_id = data.store.area.force_id
    for name in (
        "occurred_at",
        "kind",
        "description",
        "goods_recovered",
        "how_offender_left",
        "offenders",
        "staff_witnesses",
        "staff_harmed",
        "harm_details",
        "cctv_available",
        "cctv_kept_days",
    ):
        setattr(report, name, getattr(data, name))


def report_save_draft(
    *, actor: User, membership: Membership, data: ReportInput, report: RetailReport | None = None
) -> RetailReport:
    """Create or update a draft with its line items (replaced as a whole)."""
    _require_retail(membership, data.store)
    if report is not None and report.status != Status.DRAFT:
        raise ValidationError("A submitted report cannot be changed")
    with transaction.atomic():
        created = report is None
        if report is None:
            report = RetailReport(reported_by=actor)
        before = _snapshot(report) if not created else {}
        _apply_input(report, data)
        report.save()
        report.items.all().delete()
        ReportItem.objects.bulk_create(
            ReportItem(
                report=report,
                description=i.description,
                quantity=i.quantity,
                unit_value_pence=i.unit_value_pence,
            )
            for i in data.items
        )
        after = _snapshot(report)
        ledger_record(
            action=Action.CREATED if created else Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"new": after} if created else {"old": before, "new": after},
        )
    return report


def _snapshot(report: RetailReport) -> dict[str, Any]:
    return {
        "store": report.store_id,
        "occurred_at": report.occurred_at.isoformat() if report.occurred_at else None,
        "kind": report.kind,
        "description": report.description,
        "items": [[i.description, i.quantity, i.unit_value_pence] for i in report.items.all()]
        if report.pk
        else [],
    }


def submit_problems(report: RetailReport) -> list[str]:
    """What a draft still needs before it can be sent."""
    problems = []
    if report.occurred_at is None:
        problems.append("Enter when it happened")
    elif report.occurred_at > timezone.now():
        problems.append("When it happened must be in the past")
    if not report.kind:
        problems.append("Choose what happened")
    if not report.description.strip():
        problems.append("Enter a description of what happened")
    return problems


def report_submit(*, actor: User, membership: Membership, report: RetailReport) -> RetailReport:
    _require_retail(membership, report.store)
    if report.status != Status.DRAFT:
        raise ValidationError("This report has already been sent")
    problems = submit_problems(report)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        report = RetailReport.objects.select_for_update().get(pk=report.pk)
        now = timezone.now()
        report.status = Status.RECEIVED
        report.submitted_at = now
        report.reference = f"RC-{timezone.localtime(now).year}-{report.pk:06d}"
        report.save(update_fields=["status", "submitted_at", "reference"])
        _event(report, actor, status=Status.RECEIVED, text="Report sent to the police")
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"status": Status.RECEIVED, "reference": report.reference},
        )
        _notify_store(report, "received", "Thank you: your report has been sent to the police.")
    return report


def _event(
    report: RetailReport,
    actor: User,
    *,
    status: str = "",
    text: str = "",
    from_police: bool = False,
    visible_to_store: bool = True,
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.STATUS if status else ReportEvent.Kind.MESSAGE,
        author=actor,
        from_police=from_police,
        status=status,
        text=text,
        visible_to_store=visible_to_store,
    )


def _change_status(
    *,
    actor: User,
    membership: Membership,
    report: RetailReport,
    status: str,
    fields: dict[str, Any],
    text: str,
    email_message: str,
) -> RetailReport:
    _require_triage(membership, report)
    with transaction.atomic():
        report = RetailReport.objects.select_for_update().get(pk=report.pk)
        old = {"status": report.status, **{k: _plain(getattr(report, k)) for k in fields}}
        report.status = status
        for key, value in fields.items():
            setattr(report, key, value)
        report.save(update_fields=["status", *fields])
        _event(report, actor, status=status, text=text, from_police=True)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"old": old, "new": {"status": status, **_plain_dict(fields)}},
        )
        _notify_store(report, Status(status).label.lower(), email_message)
    return report


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def _plain_dict(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in fields.items()}


def report_record_crime(
    *, actor: User, membership: Membership, report: RetailReport, crime_reference: str
) -> RetailReport:
    crime_reference = crime_reference.strip().upper()
    if not crime_reference:
        raise ValidationError("Enter the crime reference")
    return _change_status(
        actor=actor,
        membership=membership,
        report=report,
        status=Status.CRIME_RECORDED,
        fields={"crime_reference": crime_reference},
        text=f"Crime recorded: {crime_reference}",
        email_message=(
            f"The police have recorded a crime. The crime reference is {crime_reference}."
        ),
    )


def report_request_info(
    *, actor: User, membership: Membership, report: RetailReport, message: str
) -> RetailReport:
    if not message.strip():
        raise ValidationError("Enter what you need to know")
    return _change_status(
        actor=actor,
        membership=membership,
        report=report,
        status=Status.MORE_INFO_REQUESTED,
        fields={},
        text=message.strip(),
        email_message="The police need more information:\n\n" + message.strip(),
    )


def report_allocate(
    *, actor: User, membership: Membership, report: RetailReport, officer: User
) -> RetailReport:
    if not allocatable_officers(membership.organisation_id).filter(pk=officer.pk).exists():
        raise PermissionDenied("Allocate only to an officer of your force")
    return _change_status(
        actor=actor,
        membership=membership,
        report=report,
        status=Status.ALLOCATED,
        fields={"allocated_to": officer},
        text=f"Allocated to {officer.get_full_name() or officer.get_username()}",
        email_message="An officer has been given your report to investigate.",
    )


def report_finalise(
    *, actor: User, membership: Membership, report: RetailReport, outcome_code: str, reason: str
) -> RetailReport:
    if not reason.strip():
        raise ValidationError("Explain the outcome to the store")
    return _change_status(
        actor=actor,
        membership=membership,
        report=report,
        status=Status.FINALISED,
        fields={"outcome_code": outcome_code, "outcome_reason": reason.strip()},
        text=reason.strip(),
        email_message="The police have finished with your report:\n\n" + reason.strip(),
    )


def report_reply(
    *, actor: User, membership: Membership, report: RetailReport, text: str
) -> RetailReport:
    """The store answers in the report's thread; a question answered reopens the report."""
    if membership.role not in RETAIL_ROLES or membership.role in POLICE_ROLES:
        raise PermissionDenied("Only the store replies here")
    if not stores_for(membership).filter(pk=report.store_id).exists():
        raise PermissionDenied("You cannot reply for this store")
    if report.status not in OPEN_STATUSES:
        raise ValidationError("This report is not open")
    if not text.strip():
        raise ValidationError("Enter your reply")
    with transaction.atomic():
        report = RetailReport.objects.select_for_update().get(pk=report.pk)
        _event(report, actor, text=text.strip())
        detail: dict[str, Any] = {"message": text.strip()}
        if report.status == Status.MORE_INFO_REQUESTED:
            report.status = report.status_after_reply()
            report.save(update_fields=["status"])
            _event(report, actor, status=report.status, text="The store replied")
            detail["status"] = report.status
            _notify_store(report, "reply sent", "Your reply has been sent to the police.")
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail=detail,
        )
    return report
