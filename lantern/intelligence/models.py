"""Offender profiles in the POLE shape: Person (the profile), Object (vehicles, items),
Location (stores, places), Event (linked incidents), and what partners may see of them."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES, OrgKind, Role
from lantern.accounts.models import Area, Membership, Organisation, PartnerApproval, Store

from .choices import LinkStatus, Marker, ObjectKind

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_profile_reference() -> str:
    return "IP-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


class Policy(models.Model):
    """A force's sharing rules; forces without a row use the settings' defaults."""

    force = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="intelligence_policy",
        limit_choices_to={"kind": OrgKind.FORCE},
    )
    threshold_incidents = models.PositiveSmallIntegerField(
        "Linked incidents needed before partners see a profile"
    )
    threshold_months = models.PositiveSmallIntegerField("Within how many months")
    expiry_months = models.PositiveSmallIntegerField(
        "Months without a new incident before a profile is hidden and reviewed"
    )

    def __str__(self) -> str:
        return f"Sharing rules of {self.force}"

    @classmethod
    def for_force(cls, force_id: int) -> Policy:
        found = cls.objects.filter(force=force_id).first()
        if found is not None:
            return found
        return cls(
            force_id=force_id,
            threshold_incidents=settings.LANTERN_INTEL_THRESHOLD_INCIDENTS,
            threshold_months=settings.LANTERN_INTEL_THRESHOLD_MONTHS,
            expiry_months=settings.LANTERN_INTEL_EXPIRY_MONTHS,
        )

    @staticmethod
    def months(n: int) -> timedelta:
        return timedelta(days=round(n * 30.44))


def partner_scope(membership: Membership) -> tuple[Any, Any, Any]:
    """(store ids, partnership ids, force ids that approved the organisation) of a partner."""
    org = membership.organisation
    stores: Any
    if membership.role == Role.STORE_STAFF:
        stores = membership.stores.filter(company=org.pk).values("pk")
    elif membership.role == Role.LP_MANAGER:
        stores = Store.objects.filter(company=org.pk).values("pk")
    elif membership.role == Role.PARTNERSHIP_MANAGER:
        stores = org.stores.values("pk")
    else:
        stores = Store.objects.none().values("pk")
    if membership.role == Role.PARTNERSHIP_MANAGER:
        partnerships = Organisation.objects.filter(pk=org.pk).values("pk")
    else:
        partnerships = Organisation.objects.filter(
            kind=OrgKind.PARTNERSHIP, stores__in=stores
        ).values("pk")
    forces = PartnerApproval.objects.filter(
        partner=org.pk, status=PartnerApproval.Status.APPROVED
    ).values("force")
    return stores, partnerships, forces


# `partner_scope()` in one round trip, for the gallery and searches that run on every page
# a partner opens: Django builds this statement in microseconds, where the same scope as
# querysets costs milliseconds of CPU per page (bench/search.py). test_rules checks that
# both give the same ids for every partner role.
_SCOPE_SQL = """
WITH s AS (
  SELECT st.id, st.area_id FROM accounts_store st
  WHERE (%(role)s = 'store_staff' AND st.company_id = %(org)s AND st.id IN (
           SELECT ms.store_id FROM accounts_membership_stores ms
           WHERE ms.membership_id = %(membership)s))
     OR (%(role)s = 'lp_manager' AND st.company_id = %(org)s)
     OR (%(role)s = 'partnership_manager' AND st.id IN (
           SELECT os.store_id FROM accounts_organisation_stores os
           WHERE os.organisation_id = %(org)s))
)
SELECT 'area', s.area_id FROM s
UNION ALL
SELECT 'partnership', o.id FROM accounts_organisation o
WHERE (%(role)s = 'partnership_manager' AND o.id = %(org)s)
   OR (%(role)s <> 'partnership_manager' AND o.kind = 'partnership' AND EXISTS (
         SELECT 1 FROM accounts_organisation_stores os JOIN s ON s.id = os.store_id
         WHERE os.organisation_id = o.id))
UNION ALL
SELECT 'force', pa.force_id FROM accounts_partnerapproval pa
WHERE pa.partner_id = %(org)s AND pa.status = 'approved'
"""


def partner_scope_ids(membership: Membership) -> tuple[list[int], list[int], list[int]]:
    """(area ids of the partner's stores, its partnership ids, ids of the forces that
    approved it): `partner_scope()` read in one query."""
    from django.db import connection

    found: dict[str, set[int]] = {"area": set(), "partnership": set(), "force": set()}
    params: dict[str, str | int] = {
        "role": membership.role,
        "org": membership.organisation_id,
        "membership": membership.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SCOPE_SQL, params)
        for kind, pk in cursor.fetchall():
            if pk is not None:
                found[kind].add(pk)
    return sorted(found["area"]), sorted(found["partnership"]), sorted(found["force"])


class ProfileQuerySet(models.QuerySet["Profile"]):
    def for_user(self, user: Any) -> ProfileQuerySet:
        """Police see every profile of their force. Partners see a profile only when the
        police approved it, the evidence threshold is met and it has not expired
        (`partner_visible_until`), the force approved the partner, and the person is
        active in an area of one of the partner's stores or in its partnership."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        memberships = Membership.objects.filter(
            user=user, is_active=True, organisation__status="active"
        ).select_related("organisation")
        q = Q(pk__in=[])
        for m in memberships:
            if m.role in POLICE_ROLES:
                q |= Q(force=m.organisation_id)
            else:
                q |= self.partner_q(m)
        return self.filter(q)

    def for_membership(self, membership: Membership) -> ProfileQuerySet:
        """Only what the current membership may see (a user with two roles sees one at a
        time)."""
        if membership.role in POLICE_ROLES:
            return self.filter(force=membership.organisation_id)
        return self.filter(self.partner_q(membership))

    @staticmethod
    def partner_q(membership: Membership) -> Q:
        """The profiles active in the areas of the partner's stores or in its partnerships,
        shared by a force that approved the partner. The partner's scope (a handful of area,
        partnership and force ids) is read first, in one small query, and put in the
        condition as plain lists (`area_id IN (...)`, no nested subqueries): Django builds
        it in a fraction of the time, and PostgreSQL plans it from its statistics
        (bench/search.py)."""
        from .choices import PARTNER_ROLES

        if membership.role not in PARTNER_ROLES:
            return Q(pk__in=[])
        areas, partnerships, forces = partner_scope_ids(membership)
        if not forces or not (areas or partnerships):
            return Q(pk__in=[])
        # As a UNION (its partnership half may be empty: no id is 0), which PostgreSQL
        # collects and de-duplicates first: it then reads only those profiles and sorts
        # them. A plain `IN` list lets it walk every profile of the force newest first
        # instead, far slower for a store's gallery (bench/search.py).
        active = (
            ProfileArea.objects.filter(area__in=areas or [0])
            .values("profile")
            .union(
                ProfilePartnership.objects.filter(partnership__in=partnerships or [0]).values(
                    "profile"
                )
            )
        )
        return (
            Q(force__in=forces)
            & Q(approved_at__isnull=False)
            & Q(partner_visible_until__gt=timezone.now())
            & Q(pk__in=active)
        )

    def due_for_review(self, force_id: int) -> ProfileQuerySet:
        """Profiles with no new incident within the force's expiry period."""
        policy = Policy.for_force(force_id)
        cutoff = timezone.now() - Policy.months(policy.expiry_months)
        return self.filter(force=force_id).filter(
            Q(last_incident_at__lt=cutoff) | Q(last_incident_at__isnull=True, created_at__lt=cutoff)
        )


class Profile(models.Model):
    """A person believed to be offending against stores (POLE: Person)."""

    force = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="intelligence_profiles",
        limit_choices_to={"kind": OrgKind.FORCE},
    )
    reference = models.CharField(max_length=12, unique=True, default=new_profile_reference)
    # Named personal data: police only, unless the force allows it for this profile.
    name = models.CharField("Name, if known", max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    description = models.TextField(
        "Description", help_text="Height, build, hair, distinguishing features, usual clothing"
    )
    modus_operandi = models.TextField("How they operate (modus operandi)", blank=True)
    names_shared = models.BooleanField(
        "Partners may see the name (for example an exclusion notice has been served)",
        default=False,
    )
    names_shared_reason = models.CharField(max_length=300, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept by services.profile_refresh(): when the newest confirmed incident happened, and
    # until when partners may see the profile (threshold and expiry both met).
    last_incident_at = models.DateTimeField(null=True, blank=True)
    partner_visible_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    areas: models.ManyToManyField[Area, Any] = models.ManyToManyField(
        Area, through="ProfileArea", related_name="+", blank=True
    )
    partnerships: models.ManyToManyField[Organisation, Any] = models.ManyToManyField(
        Organisation, through="ProfilePartnership", related_name="+", blank=True
    )

    objects = ProfileQuerySet.as_manager()

    if TYPE_CHECKING:
        aliases: RelatedManager[Alias]
        markers: RelatedManager[WarningMarker]
        images: RelatedManager[ProfileImage]
        links: RelatedManager[IncidentLink]
        locations: RelatedManager[ProfileLocation]
        objects_held: RelatedManager[ProfileObject]
        exclusions: RelatedManager[ExclusionNotice]

    class Meta:
        ordering = [models.F("last_incident_at").desc(nulls_last=True), "-pk"]
        # PostgreSQL also has (force, last_incident_at DESC NULLS LAST, id DESC): see
        # migration 0002 (SQLite cannot create an index with NULLS LAST).
        indexes = [
            models.Index(fields=["partner_visible_until"], name="intel_profile_visible"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def partner_visible(self) -> bool:
        return bool(
            self.approved_at
            and self.partner_visible_until
            and self.partner_visible_until > timezone.now()
        )

    def marker_values(self) -> list[str]:
        return [m.marker for m in self.markers.all()]


class ProfileArea(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "area"], name="intel_profile_area_once")
        ]
        indexes = [models.Index(fields=["area", "profile"], name="intel_area_profile")]

    def __str__(self) -> str:
        return f"{self.profile_id} in area {self.area_id}"


class ProfilePartnership(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": OrgKind.PARTNERSHIP},
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "partnership"], name="intel_profile_partnership_once"
            )
        ]
        indexes = [models.Index(fields=["partnership", "profile"], name="intel_pship_profile")]

    def __str__(self) -> str:
        return f"{self.profile_id} in partnership {self.partnership_id}"


class Alias(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WarningMarker(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="markers")
    marker = models.CharField(max_length=20, choices=Marker.choices)
    note = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["marker"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "marker"], name="intel_marker_once")
        ]
        indexes = [models.Index(fields=["marker", "profile"], name="intel_marker_profile")]

    def __str__(self) -> str:
        return self.get_marker_display()


class ProfileImage(models.Model):
    """A picture of the person: a copy of a still from an exhibit (its source recorded, the
    exhibit itself never touched) or a picture uploaded by the police."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="intelligence/images/%Y/%m/", max_length=300)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    source_item = models.ForeignKey(
        "evidence.EvidenceItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_derived = models.ForeignKey(
        "evidence.DerivedFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "NP1 exhibit OA/1, still at 12.0 s" or "Uploaded by the police": kept if the exhibit goes.
    source_label = models.CharField(max_length=300)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"Image of {self.profile}"


class IncidentLinkQuerySet(models.QuerySet["IncidentLink"]):
    def confirmed(self) -> IncidentLinkQuerySet:
        return self.filter(status=LinkStatus.CONFIRMED)


class IncidentLink(models.Model):
    """An incident the profile is linked to (POLE: Event): a retail report, or another
    police record given by its reference. Stores suggest; the police confirm or reject."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="links")
    report = models.ForeignKey(
        "reports.RetailReport",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="offender_links",
    )
    event_reference = models.CharField("Police record reference", max_length=60, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField()
    store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    value_pence = models.PositiveIntegerField(default=0)
    violent = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=LinkStatus.choices, default=LinkStatus.SUGGESTED
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = IncidentLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "report"],
                condition=Q(report__isnull=False),
                name="intel_report_linked_once",
            )
        ]
        indexes = [
            models.Index(fields=["profile", "status", "-occurred_at"], name="intel_link_recent"),
            models.Index(fields=["area", "status", "occurred_at"], name="intel_link_area"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} – {self.report or self.event_reference}"


class ProfileLocation(models.Model):
    """A store or place the person uses (POLE: Location)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="locations")
    store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return str(self.store) if self.store_id else self.place


class ProfileObject(models.Model):
    """A vehicle or item associated with the person (POLE: Object)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="objects_held")
    kind = models.CharField(max_length=20, choices=ObjectKind.choices)
    description = models.CharField(max_length=300)
    registration = models.CharField("Registration (vehicles)", max_length=12, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class ExclusionNotice(models.Model):
    """A ban from stores served on the person by a retailer or a partnership."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="exclusions")
    issued_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    stores = models.ManyToManyField(Store, blank=True, related_name="+")
    served_on = models.DateField()
    expires_on = models.DateField()
    conditions = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Withdrawn by the organisation that served it, or by the police: kept, not in force.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-served_on", "-pk"]

    def __str__(self) -> str:
        return f"Exclusion of {self.profile} by {self.issued_by}"

    @property
    def in_force(self) -> bool:
        today = timezone.localdate()
        return self.withdrawn_at is None and self.served_on <= today <= self.expires_on


class NotSameDecision(models.Model):
    """A person decided that two profiles are different people: no longer suggested."""

    first = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="intel_not_same_once")
        ]

    def __str__(self) -> str:
        return f"{self.first_id} is not {self.second_id}"


class AlertQuerySet(models.QuerySet["Alert"]):
    def for_user(self, user: Any) -> AlertQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class Alert(models.Model):
    """An in-app alert: a profile with a warning marker was linked to an incident nearby."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intel_alerts"
    )
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text


class AlertSetting(models.Model):
    """A person's choice of alert channels (in-app alerts are always kept)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intel_alert_setting"
    )
    email = models.BooleanField("Email me when a flagged person is linked nearby", default=True)

    def __str__(self) -> str:
        return f"Alert settings of {self.user}"
