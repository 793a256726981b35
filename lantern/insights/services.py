"""Victims' Code: every change in one transaction, ledgered, with its working-day clock.

Recording a victim opens the Right 3 obligation; recording an event opens a Right 6
obligation for each victim of the case, due in 5 working days (1 for enhanced rights). Each
obligation gets a letter, email or text from the force's template, on a channel that is safe
for the victim: sent at once if the force chose that for the template, otherwise queued for
an officer to approve. Sending meets the obligation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from lantern.accounts.choices import Role
from lantern.accounts.models import Membership, Organisation, User
from lantern.casework.models import Case
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from lantern.notifications.sms import send_sms

from . import templating
from .models import (
    CaseEvent,
    Channel,
    Communication,
    EventKind,
    ForceSettings,
    LetterTemplate,
    Obligation,
    ObligationKind,
    Purpose,
    Victim,
)
from .workdays import add_working_days

# Police who record victims and events and approve letters (analysts and admins only read).
CASE_ROLES = frozenset({Role.CALL_HANDLER, Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})
# Who reviews and exports a case's schedule of unused material.
DISCLOSURE_ROLES = frozenset({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})
STANDARD_DAYS = 5
ENHANCED_DAYS = 1
# Victim records are reviewed (MoPI) six years after they are made, as Group 3 offences.
VICTIM_REVIEW_DAYS = 2191


def _require(membership: Membership, force_id: int, roles: frozenset[str] = CASE_ROLES) -> None:
    if membership.role not in roles or membership.organisation_id != force_id:
        raise PermissionDenied


def settings_for(force: Organisation) -> ForceSettings:
    found, _ = ForceSettings.objects.get_or_create(force=force)
    return found


def template_for(force: Organisation, purpose: str) -> LetterTemplate:
    """The force's template, made from Lantern's default wording the first time it is needed."""
    default = templating.DEFAULTS[purpose]
    found, _ = LetterTemplate.objects.get_or_create(
        force=force,
        purpose=purpose,
        defaults={
            "subject": default.subject,
            "body": default.body,
            "sms_body": default.sms,
            "send_automatically": default.automatic,
        },
    )
    return found


def due_date_for(victim: Victim, start: date) -> date:
    days = ENHANCED_DAYS if victim.enhanced else STANDARD_DAYS
    return add_working_days(start, days, settings_for(victim.force).division)


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


# --- Victims ------------------------------------------------------------------------------


@dataclass
class VictimInput:
    full_name: str
    email: str = ""
    phone: str = ""
    address: str = ""
    staff_of: Organisation | None = None
    most_serious_crime: bool = False
    persistently_targeted: bool = False
    vulnerable: bool = False
    intimidated: bool = False
    domestic_abuse: bool = False
    preferred_channel: str = Channel.EMAIL
    update_frequency: str = "events"
    unsafe_email: bool = False
    unsafe_sms: bool = False
    unsafe_letter: bool = False


_FIELDS = list(VictimInput.__dataclass_fields__)


def _validate(data: VictimInput) -> None:
    if not data.full_name.strip():
        raise ValidationError({"full_name": "Enter the victim's full name"})
    contact = {Channel.EMAIL: data.email, Channel.SMS: data.phone, Channel.LETTER: data.address}
    if not contact.get(Channel(data.preferred_channel), "").strip():
        label = Channel(data.preferred_channel).label.lower()
        raise ValidationError(
            {"preferred_channel": f"Enter the contact details for the agreed channel ({label})"}
        )


def victim_create(*, actor: User, membership: Membership, case: Case, data: VictimInput) -> Victim:
    _require(membership, case.force_id)
    _validate(data)
    with transaction.atomic():
        victim = Victim.objects.create(
            force=case.force,
            case=case,
            officer=case.officer_in_charge or actor,
            created_by=actor,
            review_date=(timezone.now() + timedelta(days=VICTIM_REVIEW_DAYS)).date(),
            **{f: getattr(data, f) for f in _FIELDS},
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=membership.organisation,
            obj=victim,
            detail={"case": case.reference, "enhanced": victim.enhanced},
        )
        obligation = Obligation.objects.create(
            force=case.force,
            victim=victim,
            kind=ObligationKind.CONFIRMATION,
            due_date=due_date_for(victim, _local_date(victim.created_at)),
            officer=victim.officer,
        )
        _compose(obligation, actor=actor, values=_values(victim))
        from .automation import markers_apply

        markers_apply(trigger="victim_recorded", victim=victim, actor=actor)
    return victim


def victim_update(
    *, actor: User, membership: Membership, victim: Victim, data: VictimInput
) -> Victim:
    _require(membership, victim.force_id)
    if victim.disposed_at is not None:
        raise ValidationError("This record has been disposed of")
    _validate(data)
    with transaction.atomic():
        old = {f: getattr(victim, f) for f in _FIELDS if f != "staff_of"}
        for f in _FIELDS:
            setattr(victim, f, getattr(data, f))
        victim.save()
        new = {f: getattr(victim, f) for f in _FIELDS if f != "staff_of"}
        changed = [f for f in new if new[f] != old[f]]
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=victim,
            detail={"changed": changed},
        )
        # A channel now marked unsafe must never carry a queued message.
        for queued in victim.communications.filter(status=Communication.Status.QUEUED):
            if queued.channel not in victim.safe_channels():
                _cancel(queued, actor, "The channel is no longer safe for this victim")
    return victim


# --- Events and obligations --------------------------------------------------------------


def event_record(
    *,
    actor: User,
    membership: Membership,
    case: Case,
    kind: str,
    occurred_at: datetime,
    note: str = "",
    letter_purpose: str | None = None,
    roles: frozenset[str] = CASE_ROLES,
) -> CaseEvent:
    _require(membership, case.force_id, roles)
    if kind not in EventKind.values:
        raise ValidationError({"kind": "Choose what happened"})
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": "The date and time must be in the past"})
    with transaction.atomic():
        event = CaseEvent.objects.create(
            force=case.force,
            case=case,
            kind=kind,
            occurred_at=occurred_at,
            note=note.strip(),
            recorded_by=actor,
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=membership.organisation,
            obj=event,
            detail={"case": case.reference, "kind": kind},
        )
        obligation_kind = (
            ObligationKind.OUTCOME if kind == EventKind.OUTCOME else ObligationKind.UPDATE
        )
        for victim in case.victims.filter(disposed_at__isnull=True):  # type: ignore[attr-defined]
            obligation = Obligation.objects.create(
                force=case.force,
                victim=victim,
                kind=obligation_kind,
                event=event,
                due_date=due_date_for(victim, _local_date(occurred_at)),
                officer=victim.officer,
            )
            _compose(obligation, actor=actor, values=_values(victim, event), purpose=letter_purpose)
        from .automation import markers_apply

        markers_apply(trigger=kind, case=case, actor=actor)
    return event


def obligation_record_contact(
    *, actor: User, membership: Membership, obligation: Obligation, note: str
) -> None:
    """The victim was told another way (in person, by phone): meets the obligation."""
    _require(membership, obligation.force_id)
    if obligation.met_at is not None:
        raise ValidationError("This has already been done")
    if not note.strip():
        raise ValidationError({"note": "Enter how and when you told the victim"})
    with transaction.atomic():
        obligation.met_at = timezone.now()
        obligation.met_note = note.strip()
        obligation.save(update_fields=["met_at", "met_note"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=obligation,
            reason=note.strip(),
            detail={"met": True, "victim": obligation.victim_id},
        )
        for queued in obligation.communications.filter(status=Communication.Status.QUEUED):  # type: ignore[attr-defined]
            _cancel(queued, actor, "The victim was told another way")


# --- Letters and emails ------------------------------------------------------------------


def _values(victim: Victim, event: CaseEvent | None = None) -> dict[str, str]:
    officer = victim.officer
    values = {
        "victim_name": victim.full_name,
        "crime_reference": victim.case.reference,
        "case_title": victim.case.title,
        "officer_name": str(officer) if officer else "the investigating officer",
        "officer_email": (officer.email if officer else "") or victim.force.contact_email,
        "force_name": victim.force.name,
        "event": "",
        "event_date": "",
        "note": "",
    }
    if event is not None:
        values["event"] = event.get_kind_display()
        values["event_date"] = f"{timezone.localtime(event.occurred_at):%A %-d %B %Y}"
        values["note"] = event.note
    return values


def _address(victim: Victim, channel: str) -> str:
    return {Channel.EMAIL: victim.email, Channel.SMS: victim.phone}.get(
        Channel(channel), victim.address
    )


def _compose(
    obligation: Obligation | None,
    *,
    actor: User | None,
    values: dict[str, str],
    victim: Victim | None = None,
    purpose: str | None = None,
) -> Communication | None:
    """Draft the message from the template; send it at once if the template says so. With
    no safe channel nothing is drafted: the officer must tell the victim another way."""
    victim = victim or (obligation.victim if obligation else None)
    assert victim is not None
    purpose = purpose or (obligation.purpose if obligation else Purpose.OUTCOME)
    channel = victim.channel()
    if channel is None:
        return None
    template = template_for(victim.force, purpose)
    body = templating.fill(template.sms_body if channel == Channel.SMS else template.body, values)
    communication = Communication.objects.create(
        force=victim.force,
        victim=victim,
        obligation=obligation,
        purpose=purpose,
        channel=channel,
        to=_address(victim, channel),
        subject=templating.fill(template.subject, values),
        body=body,
    )
    ledger_record(
        action=Action.CREATED,
        actor=actor,
        actor_label="" if actor else "lantern",
        actor_org=victim.force,
        obj=communication,
        detail={"victim": victim.pk, "channel": channel, "purpose": purpose},
    )
    # A letter has to be printed and posted: an officer always approves those.
    if template.send_automatically and channel != Channel.LETTER:
        _send(communication, actor=None, automatic=True)
    return communication


def _send(communication: Communication, *, actor: User | None, automatic: bool) -> None:
    victim = communication.victim
    if communication.channel not in victim.safe_channels():
        raise ValidationError("This channel is not safe for this victim: it cannot be used")
    if communication.status != Communication.Status.QUEUED:
        raise ValidationError("This message has already been dealt with")
    now = timezone.now()
    communication.status = Communication.Status.SENT
    communication.sent_at = now
    communication.automatic = automatic
    communication.decided_by = actor
    communication.save(update_fields=["status", "sent_at", "automatic", "decided_by"])
    ledger_record(
        action=Action.SHARED,
        actor=actor,
        actor_label="" if actor else "lantern (automatic)",
        actor_org=victim.force,
        obj=communication,
        detail={
            "victim": victim.pk,
            "channel": communication.channel,
            "purpose": communication.purpose,
            "automatic": automatic,
            "body_sha256": _sha(communication.body),
        },
    )
    obligation = communication.obligation
    if obligation is not None and obligation.met_at is None:
        obligation.met_at = now
        obligation.save(update_fields=["met_at"])
    channel, to = communication.channel, communication.to
    subject, body = communication.subject, communication.body

    def deliver() -> None:
        if channel == Channel.EMAIL:
            send_mail(subject, body, None, [to])
        elif channel == Channel.SMS:
            send_sms(to, body)
        # Letters are printed from the letter's page (PDF) and posted.

    transaction.on_commit(deliver)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _cancel(communication: Communication, actor: User | None, reason: str) -> None:
    communication.status = Communication.Status.CANCELLED
    communication.decided_by = actor
    communication.save(update_fields=["status", "decided_by"])
    ledger_record(
        action=Action.REFUSED,
        actor=actor,
        actor_label="" if actor else "lantern",
        actor_org=communication.force,
        obj=communication,
        reason=reason,
    )


def communication_approve(
    *, actor: User, membership: Membership, communication: Communication, subject: str, body: str
) -> None:
    """An officer checks (and may correct) the wording, then it is sent."""
    _require(membership, communication.force_id)
    if not body.strip():
        raise ValidationError({"body": "Enter the message"})
    with transaction.atomic():
        communication = Communication.objects.select_for_update().get(pk=communication.pk)
        if communication.status == Communication.Status.QUEUED:
            communication.subject = subject.strip() or communication.subject
            communication.body = body.strip()
            communication.save(update_fields=["subject", "body"])
        _send(communication, actor=actor, automatic=False)


def communication_cancel(
    *, actor: User, membership: Membership, communication: Communication, reason: str
) -> None:
    _require(membership, communication.force_id)
    if communication.status != Communication.Status.QUEUED:
        raise ValidationError("This message has already been dealt with")
    with transaction.atomic():
        _cancel(communication, actor, reason.strip() or "Cancelled by an officer")


def template_save(
    *,
    actor: User,
    membership: Membership,
    template: LetterTemplate,
    subject: str,
    body: str,
    sms_body: str,
    send_automatically: bool,
) -> None:
    _require(membership, template.force_id, frozenset({Role.FORCE_ADMIN}))
    for field, text in (("subject", subject), ("body", body), ("sms_body", sms_body)):
        try:
            templating.check_placeholders(text)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    with transaction.atomic():
        old = {"subject": template.subject, "body": template.body, "sms": template.sms_body}
        template.subject, template.body, template.sms_body = subject, body, sms_body
        template.send_automatically = send_automatically
        template.updated_by = actor
        template.updated_at = timezone.now()
        template.save()
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=template,
            detail={
                "purpose": template.purpose,
                "old_sha256": _sha(repr(old)),
                "send_automatically": send_automatically,
            },
        )


def force_settings_save(*, actor: User, membership: Membership, division: str) -> None:
    _require(membership, membership.organisation_id, frozenset({Role.FORCE_ADMIN}))
    with transaction.atomic():
        found = settings_for(membership.organisation)
        old = found.division
        found.division = division
        found.save(update_fields=["division"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=found,
            detail={"old": {"division": old}, "new": {"division": division}},
        )


def officers_of(force_id: int) -> Any:
    return Membership.objects.filter(
        organisation=force_id, is_active=True, role__in=CASE_ROLES
    ).select_related("user", "area")


def benefit_assumptions_save(
    *,
    actor: User,
    membership: Membership,
    activities: dict[str, tuple[int, Any, str]],
    officer_hour_pence: int,
    pence_per_mile: int,
    miles_per_gallon: Any,
    shift_hours: int,
) -> None:
    """The force's own figures replace Lantern's starting estimates; the change is ledgered
    with the old and new values so a published saving can be traced to its assumptions."""
    from .benefits import ACTIVITIES
    from .models import BenefitAssumption

    _require(membership, membership.organisation_id, frozenset({Role.FORCE_ADMIN}))
    if shift_hours < 1 or miles_per_gallon <= 0:
        raise ValidationError("An officer-day and miles per gallon must be more than zero")
    with transaction.atomic():
        found = settings_for(membership.organisation)
        old = {
            "officer_hour_pence": found.officer_hour_pence,
            "pence_per_mile": found.pence_per_mile,
            "miles_per_gallon": str(found.miles_per_gallon),
            "shift_hours": found.shift_hours,
        }
        found.officer_hour_pence = officer_hour_pence
        found.pence_per_mile = pence_per_mile
        found.miles_per_gallon = miles_per_gallon
        found.shift_hours = shift_hours
        found.save()
        for key, (minutes, miles, source) in activities.items():
            if key not in ACTIVITIES:
                raise ValidationError("Unknown activity")
            BenefitAssumption.objects.update_or_create(
                force=membership.organisation,
                activity=key,
                defaults={
                    "minutes": minutes,
                    "miles": miles,
                    "source": source.strip(),
                    "updated_by": actor,
                    "updated_at": timezone.now(),
                },
            )
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=found,
            detail={
                "old": old,
                "new": {
                    "officer_hour_pence": officer_hour_pence,
                    "pence_per_mile": pence_per_mile,
                    "miles_per_gallon": str(miles_per_gallon),
                    "shift_hours": shift_hours,
                    "activities": {k: [v[0], str(v[1])] for k, v in activities.items()},
                },
            },
        )
