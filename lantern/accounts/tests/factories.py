"""Factories and a two-of-everything world of named users, one per role per organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

import factory
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts.choices import MFA_REQUIRED_ROLES, ROLES_BY_KIND, OrgKind, OrgStatus
from lantern.accounts.models import (
    Area,
    ControlRoom,
    Membership,
    Organisation,
    PartnerApproval,
    Store,
    User,
)

PASSWORD = "correct-horse-battery-staple-42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrgKind.FORCE
    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    status = OrgStatus.ACTIVE
    contact_email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    force = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Area {n}")
    code = factory.Sequence(lambda n: f"A{n}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    company = factory.SubFactory(OrganisationFactory, kind=OrgKind.RETAIL)
    name = factory.Sequence(lambda n: f"Store {n}")
    line_1 = factory.Sequence(lambda n: f"{n} High Street")
    town = "Northtown"
    postcode = "NT1 1AA"
    area = factory.SubFactory(AreaFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password(PASSWORD)


def make_member(
    organisation: Organisation,
    role: str,
    username: str,
    stores: list[Store] | None = None,
    with_mfa: bool | None = None,
) -> User:
    user = UserFactory(username=username)
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    if stores:
        membership.stores.set(stores)
    if with_mfa if with_mfa is not None else role in MFA_REQUIRED_ROLES:
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


@dataclass
class World:
    """Two of each organisation type; `users` holds one user per role per organisation:
    "officer" in force A, "officer_b" in force B, and so on for every role."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    stores: dict[str, Store] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    approvals: dict[str, PartnerApproval] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return self.users[name]

    def membership(self, name: str) -> Membership:
        return self.users[name].memberships.get()


def build_world() -> World:
    w = World()
    for suffix in ("", "_b"):
        letter = "A" if suffix == "" else "B"
        force = OrganisationFactory(
            kind=OrgKind.FORCE, name=f"Force {letter}", slug=f"force{suffix}"
        )
        retail = OrganisationFactory(
            kind=OrgKind.RETAIL, name=f"Retailer {letter}", slug=f"retail{suffix}"
        )
        council = OrganisationFactory(
            kind=OrgKind.COUNCIL, name=f"Council {letter}", slug=f"council{suffix}"
        )
        partnership = OrganisationFactory(
            kind=OrgKind.PARTNERSHIP, name=f"Partnership {letter}", slug=f"partnership{suffix}"
        )
        w.orgs.update(
            {
                f"force{suffix}": force,
                f"retail{suffix}": retail,
                f"council{suffix}": council,
                f"partnership{suffix}": partnership,
            }
        )
        area = AreaFactory(force=force, name=f"Area {letter}1", code=f"{letter}1")
        area2 = AreaFactory(force=force, name=f"Area {letter}2", code=f"{letter}2")
        w.areas[f"area{suffix}"] = area
        w.areas[f"area2{suffix}"] = area2
        store = StoreFactory(company=retail, area=area, name=f"Store {letter}1")
        store2 = StoreFactory(company=retail, area=area2, name=f"Store {letter}2")
        w.stores[f"store{suffix}"] = store
        w.stores[f"store2{suffix}"] = store2
        partnership.stores.add(store)
        room = ControlRoom.objects.create(
            authority=council,
            name=f"Control room {letter}",
            line_1="1 Civic Way",
            town="Northtown",
            postcode="NT1 9CC",
        )
        room.areas.add(area)
        for partner in (retail, council, partnership):
            w.approvals[f"{partner.slug}"] = PartnerApproval.objects.create(
                force=force, partner=partner, status=PartnerApproval.Status.APPROVED
            )
        for org in (force, retail, council, partnership):
            for role in ROLES_BY_KIND[org.kind]:
                stores = [store] if role == "store_staff" else None
                w.users[f"{role}{suffix}"] = make_member(org, role, f"{role}{suffix}", stores)
    return w


def sign_in(client: Client, user: User) -> Client:
    """Sign in as a user who has completed two-factor authentication where they have it."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def totp_now(user: User) -> str:
    from lantern.accounts.mfa import totp_code_now

    return totp_code_now(user)
