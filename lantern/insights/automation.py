"""Routine clerical work done by rule: markers, proposed closures, the schedule of unused
material, and retention review. Each change is ledgered like any other."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lantern.accounts.choices import Role
from lantern.accounts.models import Membership, Organisation, User
from lantern.casework.models import Case
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import services
from .models import (
    CaseEvent,
    ClosureProposal,
    Communication,
    DisclosureReview,
    EventKind,
    Marker,
    MarkerRule,
    Purpose,
    RetentionDecision,
    Victim,
)
from .services import DISCLOSURE_ROLES

SUPERVISORS = frozenset({Role.SUPERVISOR, Role.FORCE_ADMIN})
REVIEWERS = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR, Role.FORCE_ADMIN})
RETAIN_YEARS_DAYS = 365 * 2


def _require(membership: Membership, force_id: int, roles: frozenset[str]) -> None:
    if membership.role not in roles or membership.organisation_id != force_id:
        raise PermissionDenied


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


# --- Markers ------------------------------------------------------------------------------


def _same_person(victim: Victim) -> Any:
    """Victim records that are the same person: same name and a shared contact detail."""
    others = Victim.objects.filter(
        force=victim.force_id, full_name__iexact=victim.full_name, disposed_at__isnull=True
    )
    contacts = [(f, getattr(victim, f)) for f in ("email", "phone") if getattr(victim, f)]
    if not contacts:
        return others.filter(pk=victim.pk)
    from django.db.models import Q

    match = Q()
    for f, v in contacts:
        match |= Q(**{f"{f}__iexact": v})
    return others.filter(match)


def suspect_profiles(case: Case) -> Any:
    """The offender profiles (intelligence) the police linked to this case: a confirmed
    incident that is one of the case's retail reports, or names the case's reference."""
    from django.db.models import Q

    from lantern.intelligence.choices import LinkStatus
    from lantern.intelligence.models import IncidentLink, Profile

    references = [case.reference]
    crime = getattr(case, "crime", None)
    match = Q(event_reference__in=references)
    if crime is not None:
        references.append(crime.crime_reference)
        match = Q(event_reference__in=references) | Q(report__in=crime.retail_reports.all())
    links = IncidentLink.objects.filter(match, status=LinkStatus.CONFIRMED).values("profile")
    return Profile.objects.filter(force=case.force_id, pk__in=links).order_by("pk")


def _suspect_markers(
    rule: MarkerRule, trigger: str, actor: User | None, case: Case, victims: list[Victim]
) -> list[Marker]:
    """Place the rule's warning marker on each suspect's offender profile (once), ledgered
    on the profile as a police officer adding it would be."""
    from lantern.intelligence.choices import LinkStatus
    from lantern.intelligence.models import WarningMarker

    if actor is None:  # A warning marker is always added by someone: the step's officer.
        return []
    if rule.requires_domestic_abuse and not any(v.domestic_abuse for v in victims):
        return []
    placed = []
    since = timezone.now() - timedelta(days=rule.within_days)
    for profile in suspect_profiles(case):
        recent = profile.links.filter(status=LinkStatus.CONFIRMED, occurred_at__gte=since)
        if recent.count() < rule.min_cases:
            continue
        note = f"Placed by the rule '{rule}' ({case.reference})"
        _, created = WarningMarker.objects.get_or_create(
            profile=profile, marker=rule.marker, defaults={"note": note[:300], "added_by": actor}
        )
        if not created:
            continue
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=case.force,
            obj=profile,
            detail={"marker_added": rule.marker, "rule": rule.pk, "trigger": trigger},
        )
        marker, _ = Marker.objects.get_or_create(
            force_id=case.force_id,
            label=rule.marker,
            target=rule.target,
            subject=profile.reference,
            defaults={"rule": rule, "case": case},
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=case.force,
            obj=marker,
            detail={"rule": rule.pk, "trigger": trigger, "profile": profile.reference},
        )
        placed.append(marker)
    return placed


def markers_apply(
    *, trigger: str, actor: User | None, victim: Victim | None = None, case: Case | None = None
) -> list[Marker]:
    """Runs in the caller's transaction, after the step that triggers it."""
    force_id = victim.force_id if victim else case.force_id  # type: ignore[union-attr]
    rules = list(MarkerRule.objects.filter(force=force_id, trigger=trigger, active=True))
    if not rules:
        return []
    victims = (
        [victim] if victim else list(Victim.objects.filter(case=case, disposed_at__isnull=True))
    )
    placed = []
    for rule in rules:
        if rule.target == MarkerRule.Target.SUSPECT:
            the_case = case if case is not None else victim.case  # type: ignore[union-attr]
            placed += _suspect_markers(rule, trigger, actor, the_case, victims)
            continue
        for v in victims:
            if rule.requires_domestic_abuse and not v.domestic_abuse:
                continue
            since = timezone.now() - timedelta(days=rule.within_days)
            cases = _same_person(v).filter(case__created_at__gte=since).values("case").distinct()
            if cases.count() < rule.min_cases:
                continue
            if rule.target == MarkerRule.Target.LOCATION:
                if not v.address.strip():
                    continue
                subject = _norm(v.address)
            else:
                subject = _norm(v.full_name)
            marker, created = Marker.objects.get_or_create(
                force_id=force_id,
                label=rule.marker,
                target=rule.target,
                subject=subject,
                defaults={"rule": rule, "victim": v, "case": v.case},
            )
            if created:
                ledger_record(
                    action=Action.CREATED,
                    actor=actor,
                    actor_label="" if actor else "lantern",
                    actor_org=v.force,
                    obj=marker,
                    detail={"rule": rule.pk, "trigger": trigger, "victim": v.pk},
                )
                placed.append(marker)
    return placed


def marker_rule_save(
    *, actor: User, membership: Membership, rule: MarkerRule | None, data: dict[str, Any]
) -> MarkerRule:
    _require(membership, membership.organisation_id, frozenset({Role.FORCE_ADMIN}))
    if not str(data.get("marker", "")).strip():
        raise ValidationError({"marker": "Enter the marker to place"})
    if data.get("target") == MarkerRule.Target.SUSPECT:
        data = {**data, "marker": _warning_marker(str(data["marker"]))}
    with transaction.atomic():
        rule = rule or MarkerRule(force=membership.organisation)
        for key in ("marker", "trigger", "target", "min_cases", "within_days"):
            setattr(rule, key, data[key])
        rule.requires_domestic_abuse = bool(data.get("requires_domestic_abuse"))
        rule.active = bool(data.get("active", True))
        rule.save()
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=rule,
            detail={k: str(v) for k, v in data.items()},
        )
    return rule


def _warning_marker(text: str) -> str:
    """A suspect's profile takes only intelligence's warning markers: the value, given by
    its value or its label in any case."""
    from lantern.intelligence.choices import Marker as WarningChoice

    wanted = _norm(text)
    for value, label in WarningChoice.choices:
        if wanted in (_norm(value), _norm(label)):
            return str(value)
    names = ", ".join(str(label) for _, label in WarningChoice.choices)
    raise ValidationError({"marker": f"On a suspect's profile, use a warning marker: {names}"})


# --- Proposed closures --------------------------------------------------------------------

ENQUIRY_EVENTS = [EventKind.ARREST, EventKind.INTERVIEW, EventKind.BAIL, EventKind.BAIL_CHANGE]


def lines_of_enquiry(case: Case) -> list[str]:
    """What keeps a case open: the force's checks, in plain words (empty: none left)."""
    found = []
    if case.evidence_requests.filter(status="open").exists():  # type: ignore[attr-defined]
        found.append("Footage has been requested and not yet received")
    if case.evidence_items.filter(erased_at__isnull=True).exists():  # type: ignore[attr-defined]
        found.append("There is evidence to review")
    if case.statements.filter(status__in=["draft", "sent", "corrections"]).exists():  # type: ignore[attr-defined]
        found.append("A witness statement is in progress")
    if CaseEvent.objects.filter(case=case, kind__in=ENQUIRY_EVENTS).exists():
        found.append("A suspect has been arrested, interviewed or bailed")
    return found


CHECKS = [
    "No footage request waiting",
    "No evidence to review",
    "No witness statement in progress",
    "No suspect arrested, interviewed or bailed",
    "No outcome recorded yet",
]


def closures_propose(force: Organisation) -> list[ClosureProposal]:
    """Put every old enough case with no line of enquiry to a supervisor (once)."""
    cutoff = timezone.now() - timedelta(days=services.settings_for(force).closure_after_days)
    done = CaseEvent.objects.filter(
        force=force, kind__in=[EventKind.OUTCOME, EventKind.NO_INVESTIGATION]
    ).values("case")
    candidates = (
        Case.objects.filter(force=force, created_at__lte=cutoff)
        .exclude(pk__in=done)
        .exclude(closure_proposals__status__in=["proposed", "confirmed"])
    )
    proposals = []
    with transaction.atomic():
        for case in candidates:
            if lines_of_enquiry(case):
                continue
            proposal = ClosureProposal.objects.create(force=force, case=case, checks=CHECKS)
            ledger_record(
                action=Action.CREATED, actor_label="lantern", actor_org=force, obj=proposal,
                detail={"case": case.reference, "checks": CHECKS},
            )  # fmt: skip
            proposals.append(proposal)
    return proposals


def closures_decide(
    *, actor: User, membership: Membership, proposals: list[ClosureProposal], confirm: bool
) -> int:
    """A supervisor confirms (or keeps open) in bulk; each closed case's victims get the
    closure letter through the Victims' Code engine (the outcome obligation)."""
    count = 0
    with transaction.atomic():
        for proposal in proposals:
            _require(membership, proposal.force_id, SUPERVISORS)
            if proposal.status != ClosureProposal.Status.PROPOSED:
                continue
            if confirm and lines_of_enquiry(proposal.case):
                continue  # Something changed since it was proposed: leave it to be seen.
            proposal.status = (
                ClosureProposal.Status.CONFIRMED if confirm else ClosureProposal.Status.REJECTED
            )
            proposal.decided_by = actor
            proposal.decided_at = timezone.now()
            proposal.save(update_fields=["status", "decided_by", "decided_at"])
            ledger_record(
                action=Action.APPROVED if confirm else Action.REFUSED,
                actor=actor,
                actor_org=membership.organisation,
                obj=proposal,
                detail={"case": proposal.case.reference},
            )
            if confirm:
                services.event_record(
                    actor=actor,
                    membership=membership,
                    case=proposal.case,
                    kind=EventKind.OUTCOME,
                    occurred_at=timezone.now(),
                    note="Closed: there are no further lines of enquiry.",
                    letter_purpose=Purpose.CLOSURE,
                    roles=SUPERVISORS,
                )
                markers_apply(trigger="closure", case=proposal.case, actor=actor)
            count += 1
    return count


# --- Disclosure: schedule of unused material (MG6C style) ---------------------------------


@dataclass
class ScheduleRow:
    number: int
    description: str
    location: str
    source: str


def disclosure_schedule(case: Case) -> list[ScheduleRow]:
    """Non-sensitive unused material: exhibits not produced (no exhibit reference),
    statements not signed, and letters and messages to victims."""
    rows: list[ScheduleRow] = []
    for item in case.evidence_items.filter(exhibit_ref="").order_by("created_at", "pk"):  # type: ignore[attr-defined]
        state = "erased" if item.erased_at else item.get_state_display().lower()
        rows.append(
            ScheduleRow(
                0,
                f"File {item.original_name} ({item.size} bytes, SHA-256 {item.sha256[:16]}…), "
                f"uploaded by {item.uploaded_by} on {item.created_at:%d/%m/%Y}; {state}. "
                f"{item.description}".strip(),
                "Lantern evidence store",
                f"evidence item {item.pk}",
            )
        )
    for st in case.statements.exclude(status="signed").order_by("created_at", "pk"):  # type: ignore[attr-defined]
        rows.append(
            ScheduleRow(
                0,
                f"Statement of {st.witness_name}, {st.get_status_display().lower()}, started "
                f"{st.created_at:%d/%m/%Y}",
                "Lantern statements",
                f"statement {st.pk}",
            )
        )
    for c in Communication.objects.filter(victim__case=case, status="sent").order_by("sent_at"):
        rows.append(
            ScheduleRow(
                0,
                f"{c.get_channel_display()} to a victim: {c.subject}, sent {c.sent_at:%d/%m/%Y}"
                if c.sent_at
                else c.subject,
                "Lantern victims' letters",
                f"letter {c.pk}",
            )
        )
    for i, row in enumerate(rows, start=1):
        row.number = i
    return rows


def schedule_sha256(rows: list[ScheduleRow]) -> str:
    text = json.dumps([[r.number, r.description, r.location] for r in rows], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def disclosure_review(*, actor: User, membership: Membership, case: Case) -> DisclosureReview:
    _require(membership, case.force_id, DISCLOSURE_ROLES)
    rows = disclosure_schedule(case)
    with transaction.atomic():
        review = DisclosureReview.objects.create(
            force=case.force,
            case=case,
            reviewed_by=actor,
            schedule_sha256=schedule_sha256(rows),
            rows=len(rows),
        )
        ledger_record(
            action=Action.APPROVED,
            actor=actor,
            actor_org=membership.organisation,
            obj=review,
            object_sha256=review.schedule_sha256,
            detail={"case": case.reference, "rows": len(rows)},
        )
    return review


# --- Retention review ---------------------------------------------------------------------


@dataclass
class DueRecord:
    kind: str
    pk: int
    label: str
    case: Case
    review_date: date


def _retained(force_id: int, today: date) -> set[tuple[str, str]]:
    return set(
        RetentionDecision.objects.filter(
            force=force_id, decision="retain", next_review__gt=today
        ).values_list("object_type", "object_id")
    )


def retention_due(force_id: int, today: date) -> list[DueRecord]:
    from lantern.evidence.models import EvidenceItem

    retained = _retained(force_id, today)
    due: list[DueRecord] = []
    for v in Victim.objects.filter(
        force=force_id, review_date__lte=today, disposed_at__isnull=True
    ).select_related("case"):
        if ("victim", str(v.pk)) not in retained:
            assert v.review_date is not None
            due.append(
                DueRecord("victim", v.pk, f"Victim record: {v.full_name}", v.case, v.review_date)
            )
    for item in EvidenceItem.objects.filter(
        case__force=force_id, review_date__lte=today, erased_at__isnull=True
    ).select_related("case"):
        if ("evidence_item", str(item.pk)) not in retained and not item.deletions.filter(
            decided_at__isnull=True
        ).exists():
            assert item.review_date is not None
            due.append(
                DueRecord(
                    "evidence_item", item.pk, f"Evidence: {item.original_name}", item.case,
                    item.review_date,
                )
            )  # fmt: skip
    return sorted(due, key=lambda d: (d.review_date, d.kind, d.pk))


def retention_decide(
    *, actor: User, membership: Membership, kind: str, pk: int, decision: str, reason: str
) -> RetentionDecision:
    """Retain with a reason (reviewed again in two years), or dispose: a victim record's
    personal details and letters are erased at once; an evidence item goes to the evidence
    app's two-person deletion (a different person approves before the bytes go)."""
    from lantern.evidence.casefile import deletion_request
    from lantern.evidence.models import EvidenceItem

    _require(membership, membership.organisation_id, REVIEWERS)
    if decision not in RetentionDecision.Decision.values:
        raise ValidationError("Choose retain or dispose")
    if not reason.strip():
        raise ValidationError("Enter the reason for the decision")
    force_id = membership.organisation_id
    with transaction.atomic():
        if kind == "victim":
            victim = Victim.objects.get(pk=pk, force=force_id, disposed_at__isnull=True)
            if decision == "dispose":
                _victim_dispose(actor, membership, victim, reason)
        elif kind == "evidence_item":
            item = EvidenceItem.objects.get(pk=pk, case__force=force_id, erased_at__isnull=True)
            if decision == "dispose":
                deletion_request(actor=actor, membership=membership, item=item, reason=reason)
        else:
            raise ValidationError("Unknown record")
        record = RetentionDecision.objects.create(
            force_id=force_id,
            object_type=kind,
            object_id=str(pk),
            decision=decision,
            reason=reason.strip(),
            next_review=(
                timezone.localdate() + timedelta(days=RETAIN_YEARS_DAYS)
                if decision == "retain"
                else None
            ),
            decided_by=actor,
        )
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=record,
            reason=reason.strip(),
            detail={"record": f"{kind}:{pk}", "decision": decision},
        )
    return record


def _victim_dispose(actor: User, membership: Membership, victim: Victim, reason: str) -> None:
    """The content goes; the row (so the counts and ledger references still resolve) and
    every ledger entry about it stay."""
    for c in victim.communications.all():
        c.to = ""
        c.subject = "(disposed of)"
        c.body = ""
        c.save(update_fields=["to", "subject", "body"])
    victim.full_name = "(disposed of)"
    victim.email = victim.phone = victim.address = ""
    victim.disposed_at = timezone.now()
    victim.save()
    victim.obligations.filter(met_at__isnull=True).update(
        met_at=timezone.now(), met_note="Record disposed of at retention review"
    )
    ledger_record(
        action=Action.ERASED,
        actor=actor,
        actor_org=membership.organisation,
        obj=victim,
        reason=reason.strip(),
        detail={"letters": victim.communications.count()},
    )
