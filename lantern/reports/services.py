"""Every change to a retail crime report: in one transaction, ledgered, the store told."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
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

from .models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    DigestEntry,
    EmailChoice,
    ForceReportRules,
    ReportEmailPreference,
    ReportEvent,
    ReportItem,
    ReportLink,
    Requirement,
    RetailReport,
    Status,
)

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
    # None keeps the report's items as they are (a page that does not show them).
    items: list[ItemInput] | None = field(default_factory=list)


def input_from_report(report: RetailReport) -> ReportInput:
    """The report's current answers, for a page that changes only some of them."""
    return ReportInput(
        store=report.store,
        occurred_at=report.occurred_at,
        kind=report.kind,
        description=report.description,
        goods_recovered=report.goods_recovered,
        how_offender_left=report.how_offender_left,
        offenders=list(report.offenders),
        staff_witnesses=list(report.staff_witnesses),
        staff_harmed=report.staff_harmed,
        harm_details=report.harm_details,
        cctv_available=report.cctv_available,
        cctv_kept_days=report.cctv_kept_days,
        items=None,
    )


def _require_retail(membership: Membership, store: Store) -> None:
    if membership.role not in RETAIL_ROLES:
        raise PermissionDenied("Only store staff and loss-prevention managers report crimes")
    if not stores_for(membership).filter(pk=store.pk).exists():
        raise PermissionDenied("You cannot report for this store")


def _require_triage(
    membership: Membership, report: RetailReport, statuses: list[str] | None = None
) -> None:
    if membership.role not in TRIAGE_ROLES:
        raise PermissionDenied("Only call handlers, officers, investigators and supervisors")
    if report.force_id != membership.organisation_id:
        raise PermissionDenied("This report belongs to another force")
    if report.status not in (OPEN_STATUSES if statuses is None else statuses):
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


def _managers(report: RetailReport) -> tuple[list[str], list[User]]:
    """The company's loss-prevention managers: (emails for each change, users on a digest)."""
    managers = Membership.objects.filter(
        organisation=report.company_id,
        role=Role.LP_MANAGER,
        is_active=True,
        user__is_active=True,
    ).select_related("user__report_email")
    each: set[str] = set()
    digest: dict[int, User] = {}
    for m in managers:
        preference = getattr(m.user, "report_email", None)
        if preference is not None and preference.choice == EmailChoice.DIGEST:
            digest[m.user.pk] = m.user
        elif m.user.email:
            each.add(m.user.email)
    return sorted(each), list(digest.values())


def _notify_store(report: RetailReport, headline: str, message: str = "") -> None:
    """Email the store (and the company's managers, or queue their digest) about a change.
    Police notes never pass through here."""
    subject = f"Crime report {report.reference}: {headline}"
    body = render_to_string(
        "reports/email/status.txt",
        {"report": report, "headline": headline, "message": message, "url": report_url(report)},
    )
    each, digest_users = _managers(report)
    emails = sorted(set(_store_emails(report)) | set(each))
    for user in digest_users:
        if user.email not in emails:
            DigestEntry.objects.create(user=user, report=report, headline=headline[:200])

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
    """Create or update a draft (or a returned report) with its line items, replaced as a
    whole unless `data.items` is None."""
    _require_retail(membership, data.store)
    if report is not None and report.status not in EDITABLE_STATUSES:
        raise ValidationError("A submitted report cannot be changed")
    if report is not None:
        _require_retail(membership, report.store)
    with transaction.atomic():
        created = report is None
        if report is None:
            report = RetailReport(reported_by=actor)
        before = _snapshot(report) if not created else {}
        _apply_input(report, data)
        report.save()
        if data.items is not None:
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


def rules_for(force_id: int) -> ForceReportRules:
    """The force's rules, or the defaults (nothing extra required) if it has set none."""
    rules = ForceReportRules.objects.filter(force=force_id).first()
    return rules or ForceReportRules(force_id=force_id)


def missing_for_force(report: RetailReport, rules: ForceReportRules | None = None) -> list[str]:
    """What the force requires that the report lacks, named as the force's rules name it."""
    rules = rules or rules_for(report.force_id)
    has = {
        Requirement.ITEMS: report.items.exists(),
        Requirement.OFFENDER: bool(report.offenders) or report.repeat_offender,
        Requirement.HOW_LEFT: bool(report.how_offender_left.strip()),
        Requirement.WITNESS: bool(report.staff_witnesses),
        Requirement.CCTV_DAYS: not report.cctv_available or bool(report.cctv_kept_days),
    }
    return [Requirement(r).label for r in Requirement if r in rules.required and not has[r]]


def report_submit(
    *, actor: User, membership: Membership, report: RetailReport, notify: bool = True
) -> RetailReport:
    """Send a draft, or send again a returned one. A report that lacks what the force needs
    is returned at once with the missing items named, and the store told (a bulk upload
    tells its uploader once instead: `notify=False`)."""
    _require_retail(membership, report.store)
    if report.status not in EDITABLE_STATUSES:
        raise ValidationError("This report has already been sent")
    problems = submit_problems(report)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        report = RetailReport.objects.select_for_update().get(pk=report.pk)
        now = timezone.now()
        first = report.reference is None
        missing = missing_for_force(report)
        report.status = Status.RETURNED if missing else Status.RECEIVED
        report.submitted_at = now
        if first:
            report.reference = f"RC-{timezone.localtime(now).year}-{report.pk:06d}"
        report.save(update_fields=["status", "submitted_at", "reference"])
        _event(
            report,
            actor,
            status=Status.RECEIVED,
            text="Report sent to the police" if first else "Report sent again with the details",
        )
        detail: dict[str, Any] = {"status": report.status, "reference": report.reference}
        if missing:
            text = "Your force needs these details before it can deal with the report:\n" + (
                "\n".join(f"- {m}" for m in missing)
            )
            _event(report, actor, status=Status.RETURNED, text=text)
            detail["missing"] = missing
            if notify:
                _notify_store(report, "details missing", text)
        elif notify:
            _notify_store(report, "received", "Thank you: your report has been sent to the police.")
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail=detail,
        )
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
    statuses: list[str] | None = None,
) -> RetailReport:
    _require_triage(membership, report, statuses)
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
    if isinstance(value, datetime):
        return value.isoformat()
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
        fields={"crime_reference": crime_reference, "crime_recorded_at": timezone.now()},
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


def allocatable_teams(force_id: int) -> Any:
    from lantern.casework.models import Team

    return Team.objects.filter(force=force_id).order_by("name")


def report_allocate(
    *,
    actor: User,
    membership: Membership,
    report: RetailReport,
    officer: User | None = None,
    team: Any = None,
) -> RetailReport:
    """Give the report to an officer, a team, or both; what is not chosen is cleared."""
    if officer is None and team is None:
        raise ValidationError("Choose an officer or a team")
    force = membership.organisation_id
    if officer is not None and not allocatable_officers(force).filter(pk=officer.pk).exists():
        raise PermissionDenied("Allocate only to an officer of your force")
    if team is not None and not allocatable_teams(force).filter(pk=team.pk).exists():
        raise PermissionDenied("Allocate only to a team of your force")
    names = [
        *([officer.get_full_name() or officer.get_username()] if officer else []),
        *([f"team {team.name}"] if team else []),
    ]
    return _change_status(
        actor=actor,
        membership=membership,
        report=report,
        status=Status.ALLOCATED,
        fields={"allocated_to": officer, "allocated_team": team},
        text="Allocated to " + " and ".join(names),
        email_message=(
            "An officer has been given your report to investigate."
            if officer
            else "A police team has been given your report to investigate."
        ),
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
        fields={
            "outcome_code": outcome_code,
            "outcome_reason": reason.strip(),
            "finalised_at": timezone.now(),
            "new_information": False,
        },
        text=reason.strip(),
        email_message="The police have finished with your report:\n\n" + reason.strip(),
    )


def _require_store(membership: Membership, report: RetailReport) -> None:
    if membership.role not in RETAIL_ROLES or membership.role in POLICE_ROLES:
        raise PermissionDenied("Only the store replies here")
    if not stores_for(membership).filter(pk=report.store_id).exists():
        raise PermissionDenied("You cannot reply for this store")


# The store may add information to a sent report until it withdraws it.
REPLY_STATUSES = [*OPEN_STATUSES, Status.FINALISED]


def report_reply(
    *, actor: User, membership: Membership, report: RetailReport, text: str
) -> RetailReport:
    """The store answers in the report's thread or adds information. A question answered
    puts the report back in the queue; information added after the outcome flags the report
    so the police can reopen it."""
    _require_store(membership, report)
    if report.status not in REPLY_STATUSES:
        raise ValidationError("This report is not open")
    if not text.strip():
        raise ValidationError("Enter your reply")
    with transaction.atomic():
        report = RetailReport.objects.select_for_update().get(pk=report.pk)
        _event(report, actor, text=text.strip())
        detail: dict[str, Any] = {"message": text.strip()}
        if report.status == Status.FINALISED:
            report.new_information = True
            report.save(update_fields=["new_information"])
            detail["new_information"] = True
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


def report_again(*, actor: User, membership: Membership, report: RetailReport) -> RetailReport:
    """A new draft for the same store, kind and offender: a known offender is reported again
    in under a minute (only when it happened, what was taken and a line of text remain)."""
    _require_retail(membership, report.store)
    if report.status == Status.DRAFT:
        raise ValidationError("Send this report before reporting the offender again")
    with transaction.atomic():
        again = RetailReport.objects.create(
            store=report.store,
            company_id=report.company_id,
            force_id=report.force_id,
            reported_by=actor,
            kind=report.kind,
            how_offender_left=report.how_offender_left,
            offenders=list(report.offenders),
            repeat_offender=True,
            repeat_of=report,
            cctv_available=report.cctv_available,
            cctv_kept_days=report.cctv_kept_days,
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=membership.organisation,
            obj=again,
            detail={"repeat_of": report.reference, "new": _snapshot(again)},
        )
    return again


def report_withdraw(
    *, actor: User, membership: Membership, report: RetailReport, reason: str
) -> RetailReport:
    """The store takes a sent report back, saying why; the police see the reason."""
    _require_store(membership, report)
    if report.status not in [*OPEN_STATUSES, Status.RETURNED]:
        raise ValidationError("This report can no longer be withdrawn")
    if not reason.strip():
        raise ValidationError("Enter why you are withdrawing the report")
    with transaction.atomic():
        report = RetailReport.objects.select_for_update().get(pk=report.pk)
        old = report.status
        report.status = Status.WITHDRAWN
        report.withdrawn_reason = reason.strip()
        report.save(update_fields=["status", "withdrawn_reason"])
        _event(report, actor, status=Status.WITHDRAWN, text=reason.strip())
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"old": {"status": old}, "new": {"status": report.status}, "reason": reason},
        )
        _notify_store(report, "withdrawn", "The report was withdrawn:\n\n" + reason.strip())
    return report


def report_note(
    *, actor: User, membership: Membership, report: RetailReport, text: str
) -> ReportEvent:
    """A police-only note: never shown, emailed or exported to the store."""
    if membership.role not in TRIAGE_ROLES | {Role.ANALYST}:
        raise PermissionDenied("Only the police add notes")
    if report.force_id != membership.organisation_id:
        raise PermissionDenied("This report belongs to another force")
    if not text.strip():
        raise ValidationError("Enter the note")
    with transaction.atomic():
        note = ReportEvent.objects.create(
            report=report,
            kind=ReportEvent.Kind.NOTE,
            author=actor,
            from_police=True,
            text=text.strip(),
            visible_to_store=False,
        )
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"police_note": note.pk},
        )
    return note


def report_reopen(
    *, actor: User, membership: Membership, report: RetailReport, reason: str
) -> RetailReport:
    """Back into the queue after the outcome, usually because the store added information."""
    if not reason.strip():
        raise ValidationError("Enter why the report is reopened")
    return _change_status(
        actor=actor,
        membership=membership,
        report=report,
        status=report.status_after_reply(),
        fields={
            "outcome_code": "",
            "outcome_reason": "",
            "finalised_at": None,
            "new_information": False,
        },
        text="Reopened: " + reason.strip(),
        email_message="The police have reopened your report:\n\n" + reason.strip(),
        statuses=[Status.FINALISED],
    )


SAME_TIME = timedelta(hours=2)
SAME_STORE_DAYS = 30


def link_candidates(report: RetailReport, limit: int = 10) -> list[tuple[RetailReport, str]]:
    """Reports of the same force worth linking: the one this repeats (same offender), the same
    store within 30 days, or any store of the same area within two hours."""
    if report.occurred_at is None:
        return []
    linked = linked_reports(report)
    seen = {report.pk, *(r.pk for r, _ in linked)}
    base = RetailReport.objects.filter(force=report.force_id).exclude(status=Status.DRAFT)
    found: list[tuple[RetailReport, str]] = []

    def add(qs: Any, reason: str) -> None:
        for other in qs.select_related("store")[:limit]:
            if other.pk not in seen and len(found) < limit:
                seen.add(other.pk)
                found.append((other, reason))

    if report.repeat_of_id:
        add(base.filter(pk=report.repeat_of_id), ReportLink.Reason.SAME_OFFENDER)
    add(base.filter(repeat_of=report.pk), ReportLink.Reason.SAME_OFFENDER)
    when = report.occurred_at
    add(
        base.filter(
            store__area=report.store.area_id,
            occurred_at__range=(when - SAME_TIME, when + SAME_TIME),
        ).order_by("-occurred_at"),
        ReportLink.Reason.SAME_TIME,
    )
    add(
        base.filter(
            store=report.store_id,
            occurred_at__range=(
                when - timedelta(days=SAME_STORE_DAYS),
                when + timedelta(days=SAME_STORE_DAYS),
            ),
        ).order_by("-occurred_at"),
        ReportLink.Reason.SAME_STORE,
    )
    return found


def linked_reports(report: RetailReport) -> list[tuple[RetailReport, str]]:
    links = ReportLink.objects.filter(first=report.pk) | ReportLink.objects.filter(second=report.pk)
    out = []
    for link in links.select_related("first__store", "second__store").order_by("created_at"):
        other = link.second if link.first_id == report.pk else link.first
        out.append((other, link.get_reason_display()))
    return out


def report_link(
    *,
    actor: User,
    membership: Membership,
    report: RetailReport,
    other_reference: str,
    reason: str,
) -> ReportLink:
    """Link two reports of the same force; a same-offender link marks both repeat offences."""
    _require_triage(membership, report, [*OPEN_STATUSES, *CLOSED_FOR_LINKS])
    other = (
        RetailReport.objects.filter(
            force=membership.organisation_id, reference=other_reference.strip().upper()
        )
        .exclude(status=Status.DRAFT)
        .first()
    )
    if other is None:
        raise ValidationError("There is no report of your force with that reference")
    if other.pk == report.pk:
        raise ValidationError("A report cannot be linked to itself")
    if reason not in ReportLink.Reason.values:
        raise ValidationError("Choose why the reports are linked")
    first, second = sorted([report, other], key=lambda r: r.pk)
    with transaction.atomic():
        link, created = ReportLink.objects.get_or_create(
            first=first, second=second, defaults={"reason": reason, "created_by": actor}
        )
        if not created:
            raise ValidationError("These reports are already linked")
        if reason == ReportLink.Reason.SAME_OFFENDER:
            RetailReport.objects.filter(pk__in=[first.pk, second.pk]).update(repeat_offender=True)
        for r, o in ((report, other), (other, report)):
            ledger_record(
                action=Action.LINKED,
                actor=actor,
                actor_org=membership.organisation,
                obj=r,
                detail={"linked_to": o.reference, "reason": reason},
            )
    return link


CLOSED_FOR_LINKS = [Status.FINALISED, Status.WITHDRAWN, Status.RETURNED]


def report_request_cctv(
    *,
    actor: User,
    membership: Membership,
    report: RetailReport,
    deadline: date,
    minutes_either_side: int = 30,
) -> RetailReport:
    """Ask the store for its footage: an evidence request addressed to the store, on the case
    of the crime reference (or the report's reference), linked from the report."""
    from lantern.evidence import services as evidence

    _require_triage(membership, report)
    if report.cctv_request_id:
        raise ValidationError("CCTV has already been requested for this report")
    if report.occurred_at is None:
        raise ValidationError("The report does not say when it happened")
    with transaction.atomic():
        request, _token = evidence.evidence_request_create(
            actor=actor,
            membership=membership,
            data=_cctv_request_input(report, deadline, minutes_either_side),
        )
        report = RetailReport.objects.select_for_update().get(pk=report.pk)
        report.cctv_request = request
        report.save(update_fields=["cctv_request"])
        _event(
            report,
            actor,
            text=f"The police asked for your CCTV (request {request.reference}).",
            from_police=True,
        )
        ledger_record(
            action=Action.LINKED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"evidence_request": request.reference},
        )
    return report


def _cctv_request_input(report: RetailReport, deadline: date, minutes_either_side: int) -> Any:
    """The footage request of a report: to its store, on the case of the crime reference."""
    from lantern.evidence import services as evidence

    assert report.occurred_at is not None
    window = timedelta(minutes=minutes_either_side)
    return evidence.RequestInput(
        case_reference=report.crime_reference or str(report.reference),
        case_title=f"{report.get_kind_display()} at {report.store}",
        recipient_kind="store",
        control_room=None,
        store=report.store,
        company=None,
        recipient_name="",
        recipient_email="",
        recipient_phone="",
        location=f"{report.store}, {report.store.address}",
        window_start=report.occurred_at - window,
        window_end=report.occurred_at + window,
        reason=f"Crime report {report.reference}: {report.get_kind_display()}",
        deadline=deadline,
    )


def report_attach_cctv(*, actor: User, membership: Membership, report: RetailReport) -> Any:
    """The store attaches CCTV or photos itself: the report's footage request (the police's,
    or one opened now, addressed to the store) gives the request link the evidence upload
    pages use, so files arrive hashed and ledgered on the report's case."""
    from lantern.evidence import services as evidence

    _require_store(membership, report)
    if report.status not in REPLY_STATUSES or report.occurred_at is None:
        raise ValidationError("Files can be attached only to a report that has been sent")
    with transaction.atomic():
        report = RetailReport.objects.select_for_update().get(pk=report.pk)
        if report.cctv_request_id:
            assert report.cctv_request is not None
            link = (
                report.cctv_request.links.filter(revoked_at__isnull=True)
                .order_by("-created_at")
                .first()
            )
            if link is None or not link.is_usable:
                raise ValidationError(
                    "The CCTV request for this report is closed. Reply to the police to send more."
                )
            return link
        link = evidence.evidence_request_offer(
            actor=actor,
            membership=membership,
            force=report.force,
            data=_cctv_request_input(
                report,
                timezone.localdate() + timedelta(days=settings.LANTERN_REQUEST_LINK_DAYS),
                30,
            ),
        )
        report.cctv_request = link.request
        report.save(update_fields=["cctv_request"])
        _event(
            report, actor, text=f"The store is attaching CCTV or photos ({link.request.reference})."
        )
        ledger_record(
            action=Action.LINKED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"evidence_request": link.request.reference},
        )
    return link


def rules_update(
    *,
    actor: User,
    membership: Membership,
    required: list[str],
    high_value_pence: int,
) -> ForceReportRules:
    if membership.role != Role.FORCE_ADMIN:
        raise PermissionDenied("Only a force administrator sets the report rules")
    unknown = set(required) - set(Requirement.values)
    if unknown:
        raise ValidationError("Choose only from the listed details")
    with transaction.atomic():
        rules, created = ForceReportRules.objects.select_for_update().get_or_create(
            force=membership.organisation
        )
        old = {"required": rules.required, "high_value_pence": rules.high_value_pence}
        rules.required = [r for r in Requirement.values if r in required]
        rules.high_value_pence = high_value_pence
        rules.updated_by = actor
        rules.updated_at = timezone.now()
        rules.save()
        ledger_record(
            action=Action.CREATED if created else Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=rules,
            detail={
                "old": old,
                "new": {"required": rules.required, "high_value_pence": high_value_pence},
            },
        )
    return rules


def email_preference_set(*, actor: User, membership: Membership, choice: str) -> None:
    if membership.role != Role.LP_MANAGER:
        raise PermissionDenied("Only loss-prevention managers choose a digest")
    if choice not in EmailChoice.values:
        raise ValidationError("Choose how you want to be emailed")
    with transaction.atomic():
        ReportEmailPreference.objects.update_or_create(user=actor, defaults={"choice": choice})
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            object_type="reports.reportemailpreference",
            object_id=str(actor.pk),
            detail={"choice": choice},
        )


def digests_send() -> int:
    """One email per manager with every change waiting since their last digest."""
    sent = 0
    users = User.objects.filter(
        pk__in=DigestEntry.objects.filter(sent_at=None).values("user")
    ).order_by("pk")
    for user in users:
        with transaction.atomic():
            entries = list(
                DigestEntry.objects.select_for_update()
                .filter(user=user, sent_at=None)
                .select_related("report__store")
            )
            if not entries or not user.email:
                continue
            body = render_to_string(
                "reports/email/digest.txt",
                {
                    "user": user,
                    "entries": entries,
                    "base": settings.LANTERN_BASE_URL,
                },
            )
            DigestEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
                sent_at=timezone.now()
            )
            subject = f"Crime reports: {len(entries)} change{'s' if len(entries) != 1 else ''}"
            transaction.on_commit(partial(send_mail, subject, body, None, [user.email]))
            sent += 1
    return sent


def reports_bulk_create(
    *, actor: User, membership: Membership, rows: list[Any]
) -> tuple[list[RetailReport], list[tuple[int, str]]]:
    """Accepted CSV rows become sent reports, one transaction for the file. A row that
    repeats a report already made (same store, time and description) is refused."""
    from .models import Source

    if membership.role != Role.LP_MANAGER:
        raise PermissionDenied("Only loss-prevention managers upload reports in bulk")
    made: list[RetailReport] = []
    repeats: list[tuple[int, str]] = []
    with transaction.atomic():
        for row in rows:
            existing = (
                RetailReport.objects.filter(
                    store=row.store, occurred_at=row.occurred_at, description=row.description
                )
                .exclude(status=Status.WITHDRAWN)
                .first()
            )
            if existing is not None:
                repeats.append((row.line, f"This row repeats report {existing}"))
                continue
            report = report_save_draft(
                actor=actor,
                membership=membership,
                data=ReportInput(
                    store=row.store,
                    occurred_at=row.occurred_at,
                    kind=row.kind,
                    description=row.description,
                    goods_recovered=row.goods_recovered,
                    items=[ItemInput(row.item, row.quantity, row.unit_value_pence)],
                ),
            )
            RetailReport.objects.filter(pk=report.pk).update(source=Source.BULK)
            made.append(
                report_submit(actor=actor, membership=membership, report=report, notify=False)
            )
        if made and actor.email:
            body = render_to_string(
                "reports/email/bulk.txt",
                {"reports": made, "repeats": repeats, "base": settings.LANTERN_BASE_URL},
            )
            subject = f"Crime reports: {len(made)} sent from your upload"
            email = actor.email

            def send() -> None:
                send_mail(subject, body, None, [email])

            transaction.on_commit(send)
    return made, repeats
