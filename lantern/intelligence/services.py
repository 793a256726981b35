"""Every change to offender profiles, and every look at them: in one transaction, ledgered.

DPA 2018 s.62 asks for a log of collection, alteration, consultation, disclosure, combination
and erasure: searches and views are ledgered here as consultations, exports as disclosures,
merges as combinations, erasure as erasure.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from lantern.accounts.choices import POLICE_ROLES, OrgKind, Role
from lantern.accounts.models import Area, Membership, Organisation, Store, User
from lantern.evidence.models import DerivedFile, EvidenceItem
from lantern.ledger.models import Action, Entry
from lantern.ledger.services import ledger_record
from lantern.reports.models import RetailReport

from .choices import (
    APPROVER_ROLES,
    EDITOR_ROLES,
    PARTNER_ROLES,
    REPORTING_ROLES,
    RIGHTS_ROLES,
    LinkStatus,
    Marker,
)
from .models import (
    Alert,
    AlertSetting,
    Alias,
    ExclusionNotice,
    IncidentLink,
    NotSameDecision,
    Policy,
    Profile,
    ProfileArea,
    ProfileImage,
    ProfileLocation,
    ProfileObject,
    ProfilePartnership,
    WarningMarker,
    partner_scope,
)

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
IMAGE_MAX_BYTES = 10 * 1024 * 1024
EXPORT_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.FORCE_ADMIN})


def _require(membership: Membership, roles: frozenset[str], what: str) -> None:
    if membership.role not in roles:
        raise PermissionDenied(what)


def _require_own_force(membership: Membership, profile: Profile, roles: frozenset[str]) -> None:
    _require(membership, roles, "Your role cannot change offender profiles")
    if profile.force_id != membership.organisation_id:
        raise PermissionDenied("This profile belongs to another force")


# --- Visibility kept up to date ---------------------------------------------------------------


def profile_refresh(profile: Profile) -> Profile:
    """Recompute when the newest confirmed incident happened and until when partners may see
    the profile: while the threshold (N confirmed incidents within M months) holds, and no
    longer than the expiry period after the last incident. Called after every change that
    could move either date; reading it is then one indexed comparison."""
    policy = Policy.for_force(profile.force_id)
    dates = list(
        IncidentLink.objects.confirmed()
        .filter(profile=profile)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)[: max(policy.threshold_incidents, 1)]
    )
    last = dates[0] if dates else None
    until: datetime | None = None
    if last is not None and len(dates) >= policy.threshold_incidents:
        threshold_until = dates[-1] + Policy.months(policy.threshold_months)
        expiry_until = last + Policy.months(policy.expiry_months)
        until = min(threshold_until, expiry_until)
    Profile.objects.filter(pk=profile.pk).update(last_incident_at=last, partner_visible_until=until)
    profile.last_incident_at, profile.partner_visible_until = last, until
    return profile


def policy_save(
    *, actor: User, membership: Membership, threshold_incidents: int, threshold_months: int,
    expiry_months: int,
) -> Policy:  # fmt: skip
    _require(membership, RIGHTS_ROLES, "Only force administrators set sharing rules")
    with transaction.atomic():
        policy, _ = Policy.objects.update_or_create(
            force_id=membership.organisation_id,
            defaults={
                "threshold_incidents": threshold_incidents,
                "threshold_months": threshold_months,
                "expiry_months": expiry_months,
            },
        )
        for profile in Profile.objects.filter(force=membership.organisation_id).iterator():
            profile_refresh(profile)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=policy,
            detail={
                "threshold_incidents": threshold_incidents,
                "threshold_months": threshold_months,
                "expiry_months": expiry_months,
            },
        )
    return policy


# --- Profiles ---------------------------------------------------------------------------------


@dataclass
class ProfileInput:
    description: str
    name: str = ""
    date_of_birth: date | None = None
    modus_operandi: str = ""
    aliases: list[str] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    partnerships: list[Organisation] = field(default_factory=list)
    stores: list[Store] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    vehicles: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def _snapshot(profile: Profile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else None,
        "description": profile.description,
        "modus_operandi": profile.modus_operandi,
        "aliases": sorted(a.name for a in profile.aliases.all()),
        "areas": sorted(a.pk for a in profile.areas.all()),
        "partnerships": sorted(p.pk for p in profile.partnerships.all()),
        "locations": sorted(str(loc) for loc in profile.locations.all()),
        "objects": sorted(str(o) for o in profile.objects_held.all()),
    }


def _apply(profile: Profile, data: ProfileInput) -> None:
    for area in data.areas:
        if area.force_id != profile.force_id:
            raise ValidationError("Choose areas of your own force")
    for partnership in data.partnerships:
        if partnership.kind != OrgKind.PARTNERSHIP:
            raise ValidationError("Choose a partnership")
    profile.name = data.name.strip()
    profile.date_of_birth = data.date_of_birth
    profile.description = data.description.strip()
    profile.modus_operandi = data.modus_operandi.strip()
    profile.save()
    profile.aliases.all().delete()
    Alias.objects.bulk_create(
        Alias(profile=profile, name=n.strip()) for n in dict.fromkeys(data.aliases) if n.strip()
    )
    ProfileArea.objects.filter(profile=profile).delete()
    ProfileArea.objects.bulk_create(ProfileArea(profile=profile, area=a) for a in data.areas)
    ProfilePartnership.objects.filter(profile=profile).delete()
    ProfilePartnership.objects.bulk_create(
        ProfilePartnership(profile=profile, partnership=p) for p in data.partnerships
    )
    profile.locations.all().delete()
    ProfileLocation.objects.bulk_create(
        [ProfileLocation(profile=profile, store=s) for s in data.stores]
        + [ProfileLocation(profile=profile, place=p) for p in data.places if p.strip()]
    )
    profile.objects_held.all().delete()
    ProfileObject.objects.bulk_create(
        [ProfileObject(profile=profile, kind="vehicle", description=v) for v in data.vehicles]
        + [ProfileObject(profile=profile, kind="item", description=i) for i in data.items]
    )


def profile_create(*, actor: User, membership: Membership, data: ProfileInput) -> Profile:
    _require(membership, EDITOR_ROLES, "Your role cannot create offender profiles")
    with transaction.atomic():
        profile = Profile(force_id=membership.organisation_id, created_by=actor)
        _apply(profile, data)
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            detail={"new": _snapshot(profile)},
        )
    return profile


def profile_update(
    *, actor: User, membership: Membership, profile: Profile, data: ProfileInput
) -> Profile:
    _require_own_force(membership, profile, EDITOR_ROLES)
    with transaction.atomic():
        before = _snapshot(profile)
        _apply(profile, data)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            detail={"old": before, "new": _snapshot(profile)},
        )
    return profile


def profile_approve(
    *, actor: User, membership: Membership, profile: Profile, approve: bool, reason: str
) -> Profile:
    """Police approval for partners to see the profile (still subject to the threshold)."""
    _require_own_force(membership, profile, APPROVER_ROLES)
    if approve and not profile.images.exists() and not profile.description:
        raise ValidationError("Add a description or an image before sharing the profile")
    return _profile_set(
        actor=actor, membership=membership, profile=profile,
        fields={"approved_at": timezone.now() if approve else None,
                "approved_by": actor if approve else None},
        action=Action.APPROVED if approve else Action.REFUSED, reason=reason,
        detail={"shared_with_partners": approve},
    )  # fmt: skip


def profile_set_names_shared(
    *, actor: User, membership: Membership, profile: Profile, shared: bool, reason: str
) -> Profile:
    _require_own_force(membership, profile, APPROVER_ROLES)
    if shared and not reason.strip():
        raise ValidationError("Enter why partners may see this person's name")
    return _profile_set(
        actor=actor, membership=membership, profile=profile,
        fields={"names_shared": shared, "names_shared_reason": reason.strip() if shared else ""},
        action=Action.CHANGED, reason=reason, detail={"names_shared": shared},
    )  # fmt: skip


def _profile_set(
    *, actor: User, membership: Membership, profile: Profile, fields: dict[str, Any],
    action: Action, reason: str, detail: dict[str, Any],
) -> Profile:  # fmt: skip
    """Change these fields of the profile and ledger it, in one transaction."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save(update_fields=list(fields))
        ledger_record(
            action=action,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            reason=reason,
            detail=detail,
        )
    return profile


def marker_add(
    *, actor: User, membership: Membership, profile: Profile, marker: str, note: str = ""
) -> WarningMarker:
    _require_own_force(membership, profile, EDITOR_ROLES)
    if marker not in Marker.values:
        raise ValidationError("Choose a warning marker")
    with transaction.atomic():
        found, created = WarningMarker.objects.get_or_create(
            profile=profile, marker=marker, defaults={"note": note.strip(), "added_by": actor}
        )
        if not created:
            raise ValidationError("This profile already has that warning marker")
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            detail={"marker_added": marker, "note": note.strip()},
        )
    return found


def marker_remove(
    *, actor: User, membership: Membership, profile: Profile, marker: WarningMarker
) -> None:
    _require_own_force(membership, profile, EDITOR_ROLES)
    with transaction.atomic():
        value = marker.marker
        marker.delete()
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            detail={"marker_removed": value},
        )


# --- Images -----------------------------------------------------------------------------------


def _checked_image(data: bytes) -> str:
    """The content type of a picture Pillow can read, or a plain-English refusal."""
    if len(data) > IMAGE_MAX_BYTES:
        raise ValidationError("The picture must be smaller than 10 MB")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.verify()
            kind = picture.format or ""
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValidationError("The file must be a JPEG, PNG or WebP picture") from error
    if kind not in IMAGE_TYPES:
        raise ValidationError("The file must be a JPEG, PNG or WebP picture")
    return IMAGE_TYPES[kind]


def _store_image(
    actor: User, membership: Membership, profile: Profile, data: bytes, **source: Any
) -> ProfileImage:
    content_type = _checked_image(data)
    digest = hashlib.sha256(data).hexdigest()
    extension = content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    image = ProfileImage(
        profile=profile, content_type=content_type, sha256=digest, added_by=actor, **source
    )
    image.file.save(f"{profile.reference}.{extension}", ContentFile(data), save=False)
    image.save()
    ledger_record(
        action=Action.LINKED,
        actor=actor,
        actor_org=membership.organisation,
        obj=image,
        object_sha256=digest,
        detail={"profile": profile.reference, "source": image.source_label},
    )
    return image


def image_upload(
    *, actor: User, membership: Membership, profile: Profile, data: bytes
) -> ProfileImage:
    _require_own_force(membership, profile, EDITOR_ROLES)
    with transaction.atomic():
        return _store_image(actor, membership, profile, data, source_label="Uploaded by the police")


def evidence_images_for(user: User, membership: Membership) -> list[tuple[str, str]]:
    """Pictures the police user may take from exhibits: choices "item:ID" or "derived:ID"."""
    items = (
        EvidenceItem.objects.for_user(user)
        .filter(case__force=membership.organisation_id, erased_at__isnull=True)
        .select_related("case")
    )
    choices: list[tuple[str, str]] = []
    for item in items.filter(content_type__startswith="image/")[:200]:
        choices.append((f"item:{item.pk}", f"{_exhibit(item)}: {item.original_name}"))
    stills = DerivedFile.objects.filter(
        item__in=items, kind__in=["still", "web_image", "thumbnail"]
    ).select_related("item__case")
    for d in stills[:400]:
        at = f" at {d.position_seconds:.1f} s" if d.position_seconds is not None else ""
        choices.append((f"derived:{d.pk}", f"{_exhibit(d.item)}: {d.get_kind_display()}{at}"))
    return choices


def _exhibit(item: EvidenceItem) -> str:
    return f"{item.case.reference} exhibit {item.exhibit_ref or item.original_name}"


def image_from_evidence(
    *, actor: User, membership: Membership, profile: Profile, choice: str
) -> ProfileImage:
    """Copy a picture out of an exhibit (never move it: the master stays as it was)."""
    _require_own_force(membership, profile, EDITOR_ROLES)
    allowed = dict(evidence_images_for(actor, membership))
    if choice not in allowed:
        raise ValidationError("Choose a picture from an exhibit you can see")
    kind, _, pk = choice.partition(":")
    if kind == "item":
        item = EvidenceItem.objects.get(pk=pk)
        if not item.servable:
            raise ValidationError("That exhibit cannot be used")
        with item.original.open("rb") as handle:
            data = handle.read(IMAGE_MAX_BYTES + 1)
        source: dict[str, Any] = {"source_item": item}
    else:
        derived = DerivedFile.objects.select_related("item").get(pk=pk)
        item = derived.item
        with derived.file.open("rb") as handle:
            data = handle.read(IMAGE_MAX_BYTES + 1)
        source = {"source_item": item, "source_derived": derived}
    with transaction.atomic():
        return _store_image(
            actor, membership, profile, data, source_label=allowed[choice], **source
        )


def _delete_image_bytes(image: ProfileImage) -> None:
    name, storage = image.file.name, image.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def image_remove(*, actor: User, membership: Membership, image: ProfileImage) -> None:
    _require_own_force(membership, image.profile, EDITOR_ROLES)
    with transaction.atomic():
        ledger_record(
            action=Action.ERASED,
            actor=actor,
            actor_org=membership.organisation,
            obj=image,
            object_sha256=image.sha256,
            detail={"profile": image.profile.reference},
        )
        _delete_image_bytes(image)
        image.delete()


# --- Incidents --------------------------------------------------------------------------------


def _report_facts(report: RetailReport) -> dict[str, Any]:
    totals = RetailReport.objects.filter(pk=report.pk).with_totals().get()
    return {
        "occurred_at": report.occurred_at or report.submitted_at or report.created_at,
        "store": report.store,
        "area": report.store.area,
        "value_pence": int(totals.value_pence),  # type: ignore[attr-defined]
        "violent": bool(totals.harm),  # type: ignore[attr-defined]
        "summary": f"{report.get_kind_display()} at {report.store}",
    }


def link_suggest(
    *, actor: User, membership: Membership, profile: Profile, report: RetailReport
) -> IncidentLink:
    """Store staff say a gallery profile is the offender on their report: the police decide."""
    _require(membership, REPORTING_ROLES, "Only store staff link their reports")
    if not RetailReport.objects.for_user(actor).filter(pk=report.pk).exists():
        raise PermissionDenied("You cannot see this report")
    if not Profile.objects.for_membership(membership).filter(pk=profile.pk).exists():
        raise PermissionDenied("You cannot see this profile")
    if report.status == "draft":
        raise ValidationError("Send the report before linking an offender to it")
    if profile.force_id != report.force_id:
        raise ValidationError("This profile belongs to another force")
    if IncidentLink.objects.filter(profile=profile, report=report).exists():
        raise ValidationError("You have already linked this person to the report")
    with transaction.atomic():
        link = IncidentLink.objects.create(
            profile=profile, report=report, suggested_by=actor, **_report_facts(report)
        )
        ledger_record(
            action=Action.LINKED,
            actor=actor,
            actor_org=membership.organisation,
            obj=link,
            detail={"profile": profile.reference, "report": str(report), "status": link.status},
        )
    return link


def link_add(
    *,
    actor: User,
    membership: Membership,
    profile: Profile,
    report: RetailReport | None = None,
    event_reference: str = "",
    occurred_at: datetime | None = None,
    summary: str = "",
    violent: bool = False,
) -> IncidentLink:
    """The police link an incident directly: confirmed at once."""
    _require_own_force(membership, profile, EDITOR_ROLES)
    if report is not None:
        if report.force_id != profile.force_id:
            raise ValidationError("That report belongs to another force")
        if IncidentLink.objects.filter(profile=profile, report=report).exists():
            raise ValidationError("That report is already linked to this profile")
        facts = _report_facts(report)
    else:
        if not event_reference.strip() or occurred_at is None:
            raise ValidationError("Enter a report reference, or a police record and its date")
        facts = {"occurred_at": occurred_at, "summary": summary.strip(), "violent": violent}
    with transaction.atomic():
        link = IncidentLink.objects.create(
            profile=profile,
            report=report,
            event_reference=event_reference.strip(),
            suggested_by=actor,
            status=LinkStatus.CONFIRMED,
            decided_by=actor,
            decided_at=timezone.now(),
            **facts,
        )
        ledger_record(
            action=Action.LINKED,
            actor=actor,
            actor_org=membership.organisation,
            obj=link,
            detail={"profile": profile.reference, "incident": str(report or event_reference)},
        )
        profile_refresh(profile)
        _alert_if_flagged(link)
    return link


def link_decide(
    *, actor: User, membership: Membership, link: IncidentLink, confirm: bool, note: str = ""
) -> IncidentLink:
    _require_own_force(membership, link.profile, EDITOR_ROLES)
    if link.status != LinkStatus.SUGGESTED:
        raise ValidationError("This link has already been decided")
    with transaction.atomic():
        link.status = LinkStatus.CONFIRMED if confirm else LinkStatus.REJECTED
        link.decided_by, link.decided_at = actor, timezone.now()
        link.decision_note = note.strip()
        link.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        ledger_record(
            action=Action.APPROVED if confirm else Action.REFUSED,
            actor=actor,
            actor_org=membership.organisation,
            obj=link,
            reason=note.strip(),
            detail={"profile": link.profile.reference, "status": link.status},
        )
        profile_refresh(link.profile)
        if confirm:
            _alert_if_flagged(link)
    return link


# --- Alerts -----------------------------------------------------------------------------------


def _alert_if_flagged(link: IncidentLink) -> int:
    """A profile with a warning marker was linked to an incident: tell store users in the
    incident's area and the person's areas, if they may see the profile. Returns how many."""
    profile = link.profile
    markers = list(profile.markers.all())
    if not markers:
        return 0
    areas = {a.pk for a in profile.areas.all()}
    if link.area_id:
        areas.add(link.area_id)
    members = Membership.objects.filter(
        is_active=True,
        user__is_active=True,
        organisation__status="active",
        role__in=REPORTING_ROLES,
    ).select_related("user", "organisation")
    members = members.filter(
        Q(role=Role.STORE_STAFF, stores__area__in=areas)
        | Q(role=Role.LP_MANAGER, organisation__company_stores__area__in=areas)
    ).distinct()
    labels = ", ".join(str(m) for m in markers)
    text = f"A person flagged for {labels.lower()} has been linked to an incident in your area"
    emails: list[str] = []
    count = 0
    for m in members:
        if not Profile.objects.for_membership(m).filter(pk=profile.pk).exists():
            continue
        Alert.objects.create(user=m.user, profile=profile, text=text)
        count += 1
        setting = AlertSetting.objects.filter(user=m.user).first()
        if m.user.email and (setting is None or setting.email):
            emails.append(m.user.email)
    if emails:
        url = str(settings.LANTERN_BASE_URL) + reverse("intelligence:alerts")
        body = render_to_string("intelligence/email/alert.txt", {"text": text, "url": url})
        recipients = sorted(set(emails))

        def send() -> None:
            for email in recipients:
                send_mail("Lantern: a flagged person is active near you", body, None, [email])

        transaction.on_commit(send)
    return count


def alert_setting_save(*, actor: User, email: bool) -> AlertSetting:
    with transaction.atomic():
        setting, _ = AlertSetting.objects.update_or_create(user=actor, defaults={"email": email})
        ledger_record(action=Action.CHANGED, actor=actor, obj=setting, detail={"email": email})
    return setting


def alerts_mark_read(*, actor: User) -> int:
    return Alert.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- Exclusion notices ------------------------------------------------------------------------


def exclusion_stores(membership: Membership, notice: ExclusionNotice | None) -> set[int]:
    """Stores the notice may name: a partner's own; for the police, the issuer's stores."""
    if membership.role in PARTNER_ROLES:
        own_stores, _, _ = partner_scope(membership)
        return set(Store.objects.filter(pk__in=own_stores).values_list("pk", flat=True))
    assert notice is not None
    issuer = notice.issued_by
    return set(
        Store.objects.filter(Q(company=issuer) | Q(pk__in=issuer.stores.values("pk"))).values_list(
            "pk", flat=True
        )
    )


def _exclusion_check(
    membership: Membership, notice: ExclusionNotice | None, stores: list[Store],
    served_on: date, expires_on: date,
) -> None:  # fmt: skip
    allowed = exclusion_stores(membership, notice)
    if not stores or any(s.pk not in allowed for s in stores):
        raise ValidationError("Choose the stores the person is banned from")
    if expires_on <= served_on:
        raise ValidationError("The expiry date must be after the date it was served")


def _exclusion_snapshot(notice: ExclusionNotice) -> dict[str, Any]:
    return {
        "stores": sorted(s.pk for s in notice.stores.all()),
        "served_on": notice.served_on.isoformat(),
        "expires_on": notice.expires_on.isoformat(),
        "conditions_sha256": hashlib.sha256(notice.conditions.encode()).hexdigest(),
    }


def exclusion_record(
    *,
    actor: User,
    membership: Membership,
    profile: Profile,
    stores: list[Store],
    served_on: date,
    expires_on: date,
    conditions: str,
) -> ExclusionNotice:
    """A store or partnership bans the person: recorded against the profile."""
    _require(membership, PARTNER_ROLES, "Only stores and partnerships record exclusion notices")
    if not Profile.objects.for_membership(membership).filter(pk=profile.pk).exists():
        raise PermissionDenied("You cannot see this profile")
    _exclusion_check(membership, None, stores, served_on, expires_on)
    with transaction.atomic():
        notice = ExclusionNotice.objects.create(
            profile=profile,
            issued_by=membership.organisation,
            served_on=served_on,
            expires_on=expires_on,
            conditions=conditions.strip(),
            recorded_by=actor,
        )
        notice.stores.set(stores)
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=membership.organisation,
            obj=notice,
            detail={
                "profile": profile.reference,
                "stores": [s.pk for s in stores],
                "served_on": served_on.isoformat(),
                "expires_on": expires_on.isoformat(),
            },
        )
    return notice


def exclusion_may_change(membership: Membership, notice: ExclusionNotice) -> bool:
    """The organisation that served the notice, or the police of the profile's force
    (those who edit profiles), may change or withdraw it."""
    if membership.role in PARTNER_ROLES:
        return notice.issued_by_id == membership.organisation_id
    return membership.role in EDITOR_ROLES and notice.profile.force_id == membership.organisation_id


def exclusion_update(
    *, actor: User, membership: Membership, notice: ExclusionNotice, stores: list[Store],
    served_on: date, expires_on: date, conditions: str,
) -> ExclusionNotice:  # fmt: skip
    if not exclusion_may_change(membership, notice):
        raise PermissionDenied("Only the organisation that served it, or the police")
    if notice.withdrawn_at is not None:
        raise ValidationError("This exclusion notice has been withdrawn")
    _exclusion_check(membership, notice, stores, served_on, expires_on)
    with transaction.atomic():
        before = _exclusion_snapshot(notice)
        notice.served_on, notice.expires_on = served_on, expires_on
        notice.conditions = conditions.strip()
        notice.save(update_fields=["served_on", "expires_on", "conditions"])
        notice.stores.set(stores)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=notice,
            detail={"old": before, "new": _exclusion_snapshot(notice)},
        )
    return notice


def exclusion_withdraw(
    *, actor: User, membership: Membership, notice: ExclusionNotice, reason: str
) -> ExclusionNotice:
    """The ban is lifted: kept for the record, no longer in force, shown as withdrawn."""
    if not exclusion_may_change(membership, notice):
        raise PermissionDenied("Only the organisation that served it, or the police")
    if notice.withdrawn_at is not None:
        raise ValidationError("This exclusion notice has already been withdrawn")
    if not reason.strip():
        raise ValidationError("Enter why the exclusion notice is withdrawn")
    with transaction.atomic():
        notice.withdrawn_at = timezone.now()
        notice.withdrawn_by = actor
        notice.withdrawn_reason = reason.strip()[:300]
        notice.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=notice,
            reason=reason.strip(),
            detail={"withdrawn": True, "profile": notice.profile.reference},
        )
    return notice


# --- Consultation: searches and views ---------------------------------------------------------


def search_record(
    *, actor: User, membership: Membership, terms: dict[str, Any], reason: str, results: int
) -> None:
    """Every search is a consultation; the police give a reason for theirs."""
    police = membership.role in POLICE_ROLES
    searching = any(terms.get(k) for k in ("text", "name", "markers"))
    if police and searching and not reason.strip():
        raise ValidationError("Enter why you are searching")
    with transaction.atomic():
        ledger_record(
            action=Action.VIEWED,
            actor=actor,
            actor_org=membership.organisation,
            object_type="intelligence.search",
            reason=reason.strip(),
            detail={"terms": terms, "results": results},
        )


def view_record(*, actor: User, membership: Membership, profile: Profile, reduced: bool) -> None:
    with transaction.atomic():
        ledger_record(
            action=Action.VIEWED,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            detail={"view": "partner" if reduced else "police"},
        )


# --- Disclosure: bulk export and subject access -----------------------------------------------

EXPORT_COLUMNS = [
    "reference", "name", "aliases", "date_of_birth", "description", "modus_operandi",
    "markers", "areas", "confirmed_incidents", "last_incident_at", "approved",
    "partner_visible_until",
]  # fmt: skip


def profiles_export_csv(*, actor: User, membership: Membership, reason: str) -> str:
    _require(membership, EXPORT_ROLES, "Only analysts, supervisors and force administrators")
    if not reason.strip():
        raise ValidationError("Enter why you are exporting the profiles")
    profiles = Profile.objects.for_membership(membership).prefetch_related(
        "aliases", "markers", "areas", "links"
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for p in profiles.iterator(chunk_size=500):
        confirmed = [lk for lk in p.links.all() if lk.status == LinkStatus.CONFIRMED]
        writer.writerow(
            [
                p.reference,
                p.name,
                "; ".join(a.name for a in p.aliases.all()),
                p.date_of_birth.isoformat() if p.date_of_birth else "",
                p.description,
                p.modus_operandi,
                "; ".join(m.marker for m in p.markers.all()),
                "; ".join(a.name for a in p.areas.all()),
                len(confirmed),
                p.last_incident_at.isoformat() if p.last_incident_at else "",
                "yes" if p.approved_at else "no",
                p.partner_visible_until.isoformat() if p.partner_visible_until else "",
            ]
        )
        count += 1
    data = out.getvalue()
    with transaction.atomic():
        ledger_record(
            action=Action.EXPORTED,
            actor=actor,
            actor_org=membership.organisation,
            object_type="intelligence.profile_export",
            object_sha256=hashlib.sha256(data.encode()).hexdigest(),
            reason=reason.strip(),
            detail={"profiles": count, "format": "csv"},
        )
    return data


def _ledger_about(profile: Profile) -> list[dict[str, Any]]:
    ids = {
        ("intelligence.profile", str(profile.pk)),
        *{("intelligence.profileimage", str(i.pk)) for i in profile.images.all()},
        *{("intelligence.incidentlink", str(lk.pk)) for lk in profile.links.all()},
        *{("intelligence.exclusionnotice", str(e.pk)) for e in profile.exclusions.all()},
    }
    q = Q(pk__in=[])
    for object_type, object_id in ids:
        q |= Q(object_type=object_type, object_id=object_id)
    return [
        {
            "time": e.created_at.isoformat(),
            "action": e.action,
            "by": e.actor_label,
            "organisation": e.actor_org_label,
            "reason": e.reason,
        }
        for e in Entry.objects.filter(q).order_by("created_at", "pk")
    ]


def subject_access_export(*, actor: User, membership: Membership, profile: Profile) -> bytes:
    """Everything held about the person, with its pictures, as a ZIP (UK GDPR art. 15 /
    DPA 2018 s.45): what is held, where it came from, who it was disclosed to."""
    _require_own_force(membership, profile, RIGHTS_ROLES)
    data: dict[str, Any] = {
        "profile": {
            "reference": profile.reference,
            **_snapshot(profile),
            "areas": [a.name for a in profile.areas.all()],
            "partnerships": [p.name for p in profile.partnerships.all()],
            "markers": [
                {"marker": m.get_marker_display(), "note": m.note} for m in profile.markers.all()
            ],
            "created_at": profile.created_at.isoformat(),
            "shared_with_partners": profile.partner_visible,
            "names_shared": profile.names_shared,
        },
        "incidents": [
            {
                "reference": str(lk.report) if lk.report_id else lk.event_reference,
                "occurred_at": lk.occurred_at.isoformat(),
                "summary": lk.summary,
                "status": lk.get_status_display(),
            }
            for lk in profile.links.select_related("report")
        ],
        "exclusion_notices": [
            {
                "issued_by": e.issued_by.name,
                "served_on": e.served_on.isoformat(),
                "expires_on": e.expires_on.isoformat(),
                "conditions": e.conditions,
                "stores": [str(s) for s in e.stores.all()],
            }
            for e in profile.exclusions.select_related("issued_by")
        ],
        "images": [
            {"file": f"images/{i.pk}-{i.sha256[:12]}", "source": i.source_label, "sha256": i.sha256}
            for i in profile.images.all()
        ],
        "access_log": _ledger_about(profile),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject-access.json", json.dumps(data, indent=2, ensure_ascii=False))
        for image in profile.images.all():
            with image.file.open("rb") as handle:
                extension = image.content_type.rsplit("/", 1)[-1]
                archive.writestr(
                    f"images/{image.pk}-{image.sha256[:12]}.{extension}", handle.read()
                )
    payload = buffer.getvalue()
    with transaction.atomic():
        ledger_record(
            action=Action.EXPORTED,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            object_sha256=hashlib.sha256(payload).hexdigest(),
            reason="Subject access request",
            detail={"format": "zip", "images": len(data["images"])},
        )
    return payload


def profile_erase(*, actor: User, membership: Membership, profile: Profile, reason: str) -> str:
    """Erase the profile and its pictures' bytes. The ledger keeps that it existed, who
    looked at it and that it was erased, but none of its content."""
    _require_own_force(membership, profile, RIGHTS_ROLES)
    if not reason.strip():
        raise ValidationError("Enter why the profile is being erased")
    reference = profile.reference
    with transaction.atomic():
        images = list(profile.images.all())
        for image in images:
            ledger_record(
                action=Action.ERASED,
                actor=actor,
                actor_org=membership.organisation,
                obj=image,
                object_sha256=image.sha256,
                reason=reason.strip(),
            )
            _delete_image_bytes(image)
        ledger_record(
            action=Action.ERASED,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            reason=reason.strip(),
            detail={"reference": reference, "images": len(images)},
        )
        Alert.objects.filter(profile=profile).delete()
        NotSameDecision.objects.filter(Q(first=profile) | Q(second=profile)).delete()
        profile.delete()
    return reference


# --- Duplicates: suggested, merged only on a person's confirmation ----------------------------


def profiles_not_same(
    *, actor: User, membership: Membership, profile: Profile, other: Profile
) -> None:
    _require_own_force(membership, profile, EDITOR_ROLES)
    _require_own_force(membership, other, EDITOR_ROLES)
    first, second = sorted([profile, other], key=lambda p: p.pk)
    with transaction.atomic():
        NotSameDecision.objects.get_or_create(
            first=first, second=second, defaults={"decided_by": actor}
        )
        ledger_record(
            action=Action.REFUSED,
            actor=actor,
            actor_org=membership.organisation,
            obj=profile,
            detail={"not_the_same_as": other.reference},
        )


def profiles_merge(
    *, actor: User, membership: Membership, keep: Profile, other: Profile, reason: str
) -> Profile:
    """Move everything of `other` onto `keep` and remove `other`. Only ever called after a
    person has confirmed the two are the same."""
    _require_own_force(membership, keep, APPROVER_ROLES)
    _require_own_force(membership, other, APPROVER_ROLES)
    if keep.pk == other.pk:
        raise ValidationError("Choose two different profiles")
    with transaction.atomic():
        names = {a.name for a in keep.aliases.all()} | {keep.name}
        for name in [other.name, *(a.name for a in other.aliases.all())]:
            if name and name not in names:
                Alias.objects.create(profile=keep, name=name)
                names.add(name)
        for area_id in ProfileArea.objects.filter(profile=other).values_list("area", flat=True):
            ProfileArea.objects.get_or_create(profile=keep, area_id=area_id)
        for p_id in ProfilePartnership.objects.filter(profile=other).values_list(
            "partnership", flat=True
        ):
            ProfilePartnership.objects.get_or_create(profile=keep, partnership_id=p_id)
        own_markers = set(keep.markers.values_list("marker", flat=True))
        other.markers.exclude(marker__in=own_markers).update(profile=keep)
        linked = set(keep.links.exclude(report=None).values_list("report", flat=True))
        other.links.exclude(report__in=linked).update(profile=keep)
        for model in (ProfileImage, ProfileLocation, ProfileObject, ExclusionNotice, Alert):
            model.objects.filter(profile=other).update(profile=keep)  # type: ignore[attr-defined]
        if not keep.modus_operandi and other.modus_operandi:
            keep.modus_operandi = other.modus_operandi
            keep.save(update_fields=["modus_operandi"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=keep,
            reason=reason.strip(),
            detail={"merged_from": other.reference},
        )
        ledger_record(
            action=Action.ERASED,
            actor=actor,
            actor_org=membership.organisation,
            obj=other,
            reason=reason.strip(),
            detail={"merged_into": keep.reference},
        )
        NotSameDecision.objects.filter(Q(first=other) | Q(second=other)).delete()
        other.delete()
        profile_refresh(keep)
    return keep
