"""Every change to a public report: in one transaction, ledgered, the reporter told safely."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.choices import OrgKind
from lantern.accounts.models import Area, Membership, Organisation, User
from lantern.core.tokens import hash_secret, new_token
from lantern.evidence.models import RecipientKind, RequestLink
from lantern.evidence.services import RequestInput, evidence_request_offer
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from lantern.notifications.sms import send_sms
from lantern.reports.services import TRIAGE_ROLES
from lantern.reports.services import allocatable_officers as allocatable_officers

from . import conf, flow
from .models import (
    REFERENCE_PREFIX,
    Channel,
    Kind,
    PublicReport,
    PublicReportNote,
    ReferenceCounter,
    Status,
)

# Police who act on public reports, as on retail ones (analysts and force admins may only
# read them); reports are allocated to the same officers.
ACT_ROLES = TRIAGE_ROLES
# The account that opens cases and footage requests for reports nobody has picked up yet.
SERVICE_USERNAME = "online-reporting"


def reporting_force() -> Organisation:
    """The force public reports go to: PUBLIC_REPORT_FORCE (a slug), else the force named
    LANTERN_FORCE_NAME, else the first force."""
    forces = Organisation.objects.filter(kind=OrgKind.FORCE).order_by("pk")
    slug = conf.force_slug()
    found = (
        forces.filter(slug=slug).first()
        if slug
        else forces.filter(name=settings.LANTERN_FORCE_NAME).first() or forces.first()
    )
    if found is None:
        raise ValidationError("Online reporting is not set up yet")
    return found


def reporting_areas() -> list[Area]:
    try:
        force = reporting_force()
    except ValidationError:
        return []
    return list(Area.objects.filter(force=force, parent__isnull=True).order_by("name"))


def next_reference(kind: str, year: int) -> str:
    """ "RTC-2026-000123": numbered per prefix and year, under the counter row's lock, so two
    reports sent at once never share a number. Runs in the caller's transaction."""
    prefix = REFERENCE_PREFIX[Kind(kind)]
    for _ in range(3):
        updated = ReferenceCounter.objects.filter(prefix=prefix, year=year).update(
            last=F("last") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(prefix=prefix, year=year, last=1)
            except IntegrityError:
                continue  # created by a concurrent report: increment it instead
        number = ReferenceCounter.objects.get(prefix=prefix, year=year).last
        return f"{prefix}-{year}-{number:06d}"
    raise RuntimeError("Could not allocate a reference")


def link_url(token: str) -> str:
    return str(settings.LANTERN_BASE_URL) + reverse("collisions:link", args=[token])


def confirmation_channel(report: PublicReport) -> str:
    """The first way of writing to the reporter that they gave and did not call unsafe."""
    unsafe = set(report.unsafe_channels)
    if report.reporter_email and Channel.EMAIL not in unsafe:
        return Channel.EMAIL
    if report.reporter_phone and Channel.SMS not in unsafe:
        return Channel.SMS
    if report.reporter_address and Channel.POST not in unsafe:
        return Channel.POST
    return ""


def _confirm(report: PublicReport, token: str) -> None:
    """Victims' Code Right 3: written confirmation with the reference and a contact, sent
    only by a channel the reporter did not call unsafe. A letter is left for the force to
    post (shown on the report)."""
    channel = confirmation_channel(report)
    report.confirmation_channel = channel
    if channel in {Channel.EMAIL, Channel.SMS}:
        report.confirmation_sent_at = timezone.now()
    report.save(update_fields=["confirmation_channel", "confirmation_sent_at"])
    context = {
        "report": report,
        "link": link_url(token),
        "force_name": settings.LANTERN_FORCE_NAME,
        "days": conf.link_days(),
    }
    if channel == Channel.EMAIL:
        subject = f"Your report {report.reference} to {settings.LANTERN_FORCE_NAME}"
        body = render_to_string("collisions/email/confirmation.txt", context)
        email = report.reporter_email
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    elif channel == Channel.SMS:
        text = (
            f"{settings.LANTERN_FORCE_NAME} has your report {report.reference}. Add to it or "
            f"send photos: {context['link']} If you need us, call 101 and give the reference."
        )
        phone = report.reporter_phone
        transaction.on_commit(lambda: send_sms(phone, text))


@dataclass
class Submitted:
    report: PublicReport
    token: str


def _when_where(state: flow.State) -> dict[str, Any]:
    return dict(state.get("answers", {}).get("when-where", {}))


def public_report_submit(*, kind: str, state: flow.State, actor_label: str) -> Submitted:
    """Turn the session's answers into a report with a reference, record which advice was
    shown, and confirm it to the reporter."""
    problems = flow.missing(kind, state)
    if problems:
        raise ValidationError([message for message, _ in problems])
    answers = state.get("answers", {})
    where = _when_where(state)
    you = answers.get("you", {})
    occurred = flow.occurred_at(state)
    assert occurred is not None
    force = reporting_force()
    area = (
        Area.objects.filter(force=force, pk=int(where["area"])).first()
        if str(where.get("area") or "").isdigit()
        else None
    )
    shown_at = state.get("advice_shown", {})
    now = timezone.now()
    advice = [
        {"code": a.code, "title": a.title, "shown_at": shown_at.get(a.code) or now.isoformat()}
        for a in flow.advice(kind, state)
    ]
    token, token_hash = new_token()
    with transaction.atomic():
        details = answers.get("details", {})
        happened = answers.get("what-happened", {})
        report = PublicReport.objects.create(
            kind=kind,
            reference=next_reference(kind, timezone.localtime(now).year),
            force=force,
            area=area,
            occurred_at=occurred,
            location=str(where.get("location", "")),
            postcode=str(where.get("postcode") or ""),
            latitude=Decimal(where["latitude"]) if where.get("latitude") else None,
            longitude=Decimal(where["longitude"]) if where.get("longitude") else None,
            description=str(happened.get("description") or details.get("description") or ""),
            injury=answers.get("injury", {}).get("injured") == "yes",
            dangerous_driving=happened.get("dangerous_driving") == "yes",
            details_exchanged=str(answers.get("details-exchanged", {}).get("exchanged") or ""),
            has_footage=(happened.get("has_footage") or details.get("has_footage")) == "yes",
            crime_kind=str(answers.get("what", {}).get("crime_kind") or ""),
            answers={"answers": answers, "items": state.get("items", {})},
            advice_shown=advice,
            reporter_name=str(you.get("name", "")),
            reporter_email=str(you.get("email") or ""),
            reporter_phone=str(you.get("phone") or ""),
            reporter_address=str(you.get("address") or ""),
            unsafe_channels=list(you.get("unsafe") or []),
            token_hash=token_hash,
            token_expires_at=now + timedelta(days=conf.link_days()),
            submitted_at=now,
        )
        ledger_record(
            action=Action.CREATED,
            actor_label=actor_label,
            obj=report,
            detail={
                "reference": report.reference,
                "kind": kind,
                "advice_shown": [a["code"] for a in advice],
            },
        )
        _confirm(report, token)
    return Submitted(report, token)


def report_for_token(token: str) -> PublicReport | None:
    found = PublicReport.objects.filter(token_hash=hash_secret(token)).first()
    if found is None or not found.link_usable:
        return None
    return found


def public_report_add_information(*, report: PublicReport, text: str) -> PublicReportNote:
    if not report.link_usable:
        raise ValidationError("This report is closed")
    text = text.strip()
    if not text:
        raise ValidationError("Enter what you want to add")
    with transaction.atomic():
        note = PublicReportNote.objects.create(report=report, text=text, from_reporter=True)
        ledger_record(
            action=Action.CHANGED,
            actor_label=f"reporter of {report.reference}",
            obj=report,
            reason="More information from the reporter",
            detail={"note": note.pk},
        )
    return note


def _service_user() -> User:
    """An account that cannot sign in, recorded as the opener of cases and footage requests
    made for public reports before any officer has seen them."""
    user, created = User.objects.get_or_create(
        username=SERVICE_USERNAME,
        defaults={"first_name": "Online", "last_name": "reporting", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def public_report_evidence_link(*, report: PublicReport) -> RequestLink:
    """The footage request of this report, opened the first time the reporter uploads: the
    evidence machinery (tus, checks, working copies, exhibits) then takes the files."""
    if not report.link_usable:
        raise ValidationError("This report is closed")
    with transaction.atomic():
        report = PublicReport.objects.select_for_update().get(pk=report.pk)
        if report.evidence_request_id:
            request = report.evidence_request
            assert request is not None
            link = request.links.filter(revoked_at__isnull=True).order_by("-created_at").first()
            if link is not None and link.is_usable:
                return link
        else:
            # The reporter's own link opens it; the request link's token is never used.
            link = evidence_request_offer(
                actor=_service_user(),
                membership=None,
                force=report.force,
                data=RequestInput(
                    case_reference=report.reference,
                    case_title=f"{report.get_kind_display()} reported online",
                    recipient_kind=RecipientKind.PERSON,
                    control_room=None,
                    store=None,
                    company=None,
                    recipient_name=report.reporter_name,
                    recipient_email=report.reporter_email,
                    recipient_phone=report.reporter_phone,
                    location=report.location,
                    window_start=report.occurred_at - timedelta(minutes=30),
                    window_end=report.occurred_at + timedelta(minutes=30),
                    reason=f"Photos and video sent with online report {report.reference}",
                    deadline=date.today() + timedelta(days=conf.link_days()),
                ),
                link_expires_at=report.token_expires_at,
                ledger_detail={"public_report": report.reference},
            )
            report.evidence_request = link.request
            report.save(update_fields=["evidence_request"])
            return link
        _, token_hash = new_token()  # the reporter's own link opens it; this token is unused
        return RequestLink.objects.create(
            request=request,
            token_hash=token_hash,
            expires_at=report.token_expires_at,
        )


# --- Police --------------------------------------------------------------------------------


def public_report_viewed(*, actor: User, membership: Membership, report: PublicReport) -> None:
    """Opening a report shows a member of the public's personal data: recorded (DPA 2018
    s.62, consultation)."""
    with transaction.atomic():
        ledger_record(
            action=Action.VIEWED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
        )


def _require_act(membership: Membership, report: PublicReport) -> None:
    if membership.role not in ACT_ROLES:
        raise PermissionDenied("Only call handlers, officers, investigators and supervisors")
    if report.force_id != membership.organisation_id:
        raise PermissionDenied("This report belongs to another force")
    if report.status == Status.CLOSED:
        raise ValidationError("This report is closed")


def public_report_allocate(
    *, actor: User, membership: Membership, report: PublicReport, officer: User
) -> PublicReport:
    _require_act(membership, report)
    if not allocatable_officers(membership.organisation_id).filter(pk=officer.pk).exists():
        raise PermissionDenied("Allocate only to an officer of your force")
    with transaction.atomic():
        report = PublicReport.objects.select_for_update().get(pk=report.pk)
        old = report.allocated_to_id
        report.allocated_to = officer
        report.status = Status.ALLOCATED
        report.save(update_fields=["allocated_to", "status"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"old": {"allocated_to": old}, "new": {"allocated_to": officer.pk}},
        )
    return report


def public_report_close(
    *, actor: User, membership: Membership, report: PublicReport, outcome: str, note: str
) -> PublicReport:
    _require_act(membership, report)
    if not note.strip():
        raise ValidationError("Enter a note explaining the outcome")
    with transaction.atomic():
        report = PublicReport.objects.select_for_update().get(pk=report.pk)
        report.status = Status.CLOSED
        report.outcome = outcome
        report.outcome_note = note.strip()
        report.save(update_fields=["status", "outcome", "outcome_note"])
        PublicReportNote.objects.create(
            report=report, text=note.strip(), from_reporter=False, author=actor
        )
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=report,
            detail={"new": {"status": Status.CLOSED, "outcome": outcome}},
        )
    return report


def occurred_label(value: datetime) -> str:
    return timezone.localtime(value).strftime("%-d %B %Y at %H:%M")
