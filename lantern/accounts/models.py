"""Organisations, the places beneath them, the people in them and their roles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .choices import MANAGER_ROLES, MFA_REQUIRED_ROLES, POLICE_ROLES, OrgKind, OrgStatus, Role

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


class User(AbstractUser):
    """A person who signs in. Members of the public never get one: they use links."""

    # Bumped to end every session of this user at once (disable, password reset, sign out
    # everywhere): it is part of the session hash Django checks on every request.
    session_generation = models.PositiveIntegerField(default=0)

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    if TYPE_CHECKING:
        memberships: RelatedManager[Membership]

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: Any = None) -> str:
        key_salt = "lantern.accounts.User.session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def active_memberships(self) -> models.QuerySet[Membership]:
        return self.memberships.filter(  # type: ignore[no-any-return]
            is_active=True, organisation__status=OrgStatus.ACTIVE
        ).select_related("organisation")

    @property
    def mfa_required(self) -> bool:
        return self.active_memberships().filter(role__in=MFA_REQUIRED_ROLES).exists()


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def for_user(self, user: User) -> OrganisationQuerySet:
        """Organisations a user may see: their own, and for a force the partners it approved."""
        if not user.is_authenticated:
            return self.none()
        own = Membership.objects.filter(user=user, is_active=True).values("organisation")  # type: ignore[misc]
        forces = Membership.objects.filter(
            user=user, is_active=True, organisation__kind=OrgKind.FORCE
        ).values("organisation")
        return self.filter(Q(pk__in=own) | Q(approvals__force__in=forces)).distinct()


class Organisation(models.Model):
    kind = models.CharField(max_length=20, choices=OrgKind.choices)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    status = models.CharField(max_length=20, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Partnerships group stores in an area (e.g. a business crime reduction partnership).
    stores: models.ManyToManyField[Store, Any] = models.ManyToManyField(
        "Store", blank=True, related_name="partnerships"
    )

    objects = OrganisationQuerySet.as_manager()

    if TYPE_CHECKING:
        approvals: RelatedManager[PartnerApproval]
        areas: RelatedManager[Area]
        company_stores: RelatedManager[Store]
        control_rooms: RelatedManager[ControlRoom]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_force(self) -> bool:
        return self.kind == OrgKind.FORCE


class PartnerApprovalQuerySet(models.QuerySet["PartnerApproval"]):
    def for_user(self, user: User) -> PartnerApprovalQuerySet:
        """Decisions a force administrator may see and take: their own force's."""
        if not user.is_authenticated:
            return self.none()
        forces = Membership.objects.filter(user=user, is_active=True, role=Role.FORCE_ADMIN).values(
            "organisation"
        )
        return self.filter(force__in=forces)


class PartnerApproval(models.Model):
    """A force's decision to work with a partner organisation (a chain may span forces)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        SUSPENDED = "suspended", "Suspended"

    force = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partner_decisions",
        limit_choices_to={"kind": OrgKind.FORCE},
    )
    partner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="approvals")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)

    objects = PartnerApprovalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "partner"], name="one_approval_per_force")
        ]
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.partner} with {self.force}: {self.get_status_display()}"


class Area(models.Model):
    """A policing area, or a neighbourhood within one (parent set)."""

    force = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="areas",
        limit_choices_to={"kind": OrgKind.FORCE},
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="neighbourhoods"
    )
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=20)

    class Meta:
        ordering = ["force__name", "name"]
        constraints = [models.UniqueConstraint(fields=["force", "code"], name="area_code_unique")]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    line_1 = models.CharField("Address line 1", max_length=200)
    line_2 = models.CharField("Address line 2", max_length=200, blank=True)
    town = models.CharField("Town or city", max_length=100)
    postcode = models.CharField(max_length=10)

    class Meta:
        abstract = True

    @property
    def address(self) -> str:
        parts = [self.line_1, self.line_2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


class Store(Address):
    company = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="company_stores",
        limit_choices_to={"kind": OrgKind.RETAIL},
    )
    name = models.CharField(max_length=200)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="stores")
    # How long this store's CCTV keeps footage before overwriting it: requests warn when
    # the footage wanted is close to being lost.
    cctv_retention_days = models.PositiveSmallIntegerField("CCTV kept for (days)", default=14)

    class Meta:
        ordering = ["company__name", "name"]

    def __str__(self) -> str:
        return f"{self.company.name} {self.name}"


class ControlRoom(Address):
    authority = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="control_rooms",
        limit_choices_to={"kind": OrgKind.COUNCIL},
    )
    name = models.CharField(max_length=200)
    areas = models.ManyToManyField(Area, blank=True, related_name="control_rooms")
    # Council CCTV is typically kept 7 to 31 days before being overwritten.
    cctv_retention_days = models.PositiveSmallIntegerField("CCTV kept for (days)", default=28)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_user(self, user: User) -> MembershipQuerySet:
        """People a user may manage: everyone in the organisations they manage, nobody else."""
        if not user.is_authenticated:
            return self.none()
        managed = Membership.objects.filter(
            user=user, is_active=True, role__in=MANAGER_ROLES, organisation__status="active"
        ).values("organisation")
        return self.filter(organisation__in=managed)


class Membership(models.Model):
    """A user's role in one organisation. A user may belong to several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    # Store staff work at particular stores; loss-prevention managers see all the company's.
    stores = models.ManyToManyField(Store, blank=True, related_name="staff")
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="officers"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]
        ordering = ["organisation__name", "user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.organisation}"

    @property
    def is_police(self) -> bool:
        return self.role in POLICE_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def for_user(self, user: User) -> InvitationQuerySet:
        if not user.is_authenticated:
            return self.none()
        managed = Membership.objects.filter(
            user=user, is_active=True, role__in=MANAGER_ROLES
        ).values("organisation")
        return self.filter(organisation__in=managed)


class Invitation(models.Model):
    """An emailed link that lets a person create their account and join an organisation.

    Only the SHA-256 of the token is stored, so a database leak does not leak usable links.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    role = models.CharField(max_length=30, choices=Role.choices)
    stores = models.ManyToManyField(Store, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Sent only when the organisation is active (a new partner waits for force approval).
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organisation}"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.organisation.status == OrgStatus.ACTIVE
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
