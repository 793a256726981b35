"""Managing people and partner organisations: allowed and refused users for every view."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from lantern.accounts.choices import OrgStatus, Role
from lantern.accounts.models import Invitation, Membership, Organisation, PartnerApproval, User
from lantern.accounts.tests.factories import PASSWORD, World
from lantern.ledger.models import Action, Entry

pytestmark = pytest.mark.django_db


def _link(body: str) -> str:
    match = re.search(r"http://127\.0\.0\.1:8000(/accounts/invitation/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_force_admin_invites_officer_who_creates_account(
    world: World, client_for, mailoutbox, on_commit
):
    admin = client_for("force_admin")
    with on_commit():
        response = admin.post(
            reverse("accounts:person-invite"),
            {
                "first_name": "Nia",
                "last_name": "Jones",
                "email": "Nia.Jones@force.example",
                "role": Role.INVESTIGATOR,
            },
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nia.jones@force.example"]
    path = _link(mailoutbox[0].body)
    assert Entry.objects.filter(action=Action.INVITED, actor=world.user("force_admin")).exists()

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Nia Jones" in page.content.decode()
    weak = visitor.post(path, {"username": "nia", "password1": "password", "password2": "password"})
    body = weak.content.decode()
    assert "too common" in body or "too short" in body
    assert 'value="nia"' in body  # what was typed is kept
    mismatch = visitor.post(
        path, {"username": "nia", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert "The passwords do not match" in mismatch.content.decode()
    taken = visitor.post(
        path, {"username": "officer", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert "That username is taken" in taken.content.decode()
    done = visitor.post(path, {"username": "nia", "password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    user = User.objects.get(username="nia")
    assert user.memberships.get().role == Role.INVESTIGATOR
    # An investigator must set up two-factor before seeing anything.
    assert visitor.get(reverse("core:home"))["Location"].startswith(reverse("accounts:mfa-setup"))
    # The link works once.
    assert Client().get(path).status_code == 404


def test_invite_refuses_bad_input_and_keeps_it(world: World, client_for):
    admin = client_for("lp_manager")
    response = admin.post(
        reverse("accounts:person-invite"),
        {"first_name": "Al", "last_name": "", "email": "not-an-email", "role": Role.STORE_STAFF},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter their last name" in body
    assert "Enter an email address in the correct format" in body
    assert "Choose at least one store for store staff" in body
    assert 'value="Al"' in body and 'value="not-an-email"' in body
    # A role from another kind of organisation is refused.
    police_role = admin.post(
        reverse("accounts:person-invite"),
        {"first_name": "Al", "last_name": "B", "email": "al@example.test", "role": Role.OFFICER},
    )
    assert "Select a valid choice" in police_role.content.decode()
    assert not Invitation.objects.exists()


def test_non_managers_cannot_manage_people(world: World, client_for):
    for name in ("officer", "store_staff", "cctv_operator"):
        client = client_for(name)
        assert client.get(reverse("accounts:people")).status_code == 403
        assert client.post(reverse("accounts:person-invite"), {}).status_code == 403
    assert Entry.objects.filter(action=Action.AUTHZ_FAILED).count() >= 3


def test_manager_cannot_see_or_change_another_organisations_people(world: World, client_for):
    other = client_for("force_admin_b")
    target = world.membership("officer")
    assert other.get(reverse("accounts:person-detail", args=[target.pk])).status_code == 404
    assert (
        other.post(
            reverse("accounts:person-detail", args=[target.pk]), {"role": Role.ANALYST}
        ).status_code
        == 404
    )
    assert other.post(reverse("accounts:person-access", args=[target.pk])).status_code == 404
    target.refresh_from_db()
    assert target.role == Role.OFFICER and target.is_active
    listing = other.get(reverse("accounts:people")).content.decode()
    assert "officer@example.test" not in listing
    assert Entry.objects.filter(
        action=Action.AUTHZ_FAILED, actor=world.user("force_admin_b")
    ).exists()


def test_manager_changes_role_and_stores(world: World, client_for):
    manager = client_for("lp_manager")
    staff = world.membership("store_staff")
    url = reverse("accounts:person-detail", args=[staff.pk])
    store2 = world.stores["store2"]
    response = manager.post(url, {"role": Role.STORE_STAFF, "stores": [store2.pk]})
    assert response.status_code == 302
    assert list(staff.stores.all()) == [store2]
    entry = Entry.objects.filter(action=Action.CHANGED).latest("id")
    assert entry.detail["new"]["stores"] == [store2.pk]
    # A store of another company is refused.
    foreign = world.stores["store_b"]
    refused = manager.post(url, {"role": Role.STORE_STAFF, "stores": [foreign.pk]})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()


def test_manager_cannot_disable_themselves(world: World, client_for):
    admin = client_for("force_admin")
    own = world.membership("force_admin")
    response = admin.post(reverse("accounts:person-access", args=[own.pk]), follow=True)
    assert "You cannot change your own access" in response.content.decode()
    own.refresh_from_db()
    assert own.is_active


def test_invitation_withdrawn(world: World, client_for, mailoutbox, on_commit):
    admin = client_for("cctv_manager")
    with on_commit():
        admin.post(
            reverse("accounts:person-invite"),
            {
                "first_name": "Kim",
                "last_name": "Lee",
                "email": "kim@council.example",
                "role": Role.CCTV_OPERATOR,
            },
        )
    invitation = Invitation.objects.get()
    path = _link(mailoutbox[0].body)
    # Another organisation's manager cannot withdraw it.
    assert (
        client_for("cctv_manager_b")
        .post(reverse("accounts:invitation-revoke", args=[invitation.pk]))
        .status_code
        == 404
    )
    assert (
        admin.post(reverse("accounts:invitation-revoke", args=[invitation.pk])).status_code == 302
    )
    assert Client().get(path).status_code == 404


def test_existing_user_joins_second_organisation(world: World, client_for, mailoutbox, on_commit):
    analyst = world.user("analyst")
    with on_commit():
        client_for("force_admin_b").post(
            reverse("accounts:person-invite"),
            {"first_name": "Ana", "last_name": "L", "email": analyst.email, "role": Role.ANALYST},
        )
    path = _link(mailoutbox[0].body)
    assert "Sign in to accept" in Client().get(path).content.decode()
    client = client_for("analyst")
    assert client.post(path).status_code == 302
    assert analyst.memberships.filter(organisation=world.orgs["force_b"], role="analyst").exists()


def test_partner_registers_and_force_admin_approves(
    world: World, client_for, mailoutbox, on_commit
):
    force = world.orgs["force"]
    form = {
        "kind": "retail",
        "name": "Corner Shop Ltd",
        "force": force.pk,
        "contact_email": "owner@cornershop.example",
        "manager_first_name": "Raj",
        "manager_last_name": "Patel",
        "manager_email": "raj@cornershop.example",
    }
    missing = Client().post(reverse("accounts:register-organisation"), {**form, "name": ""})
    assert "Enter your organisation&#x27;s name" in missing.content.decode()
    assert 'value="raj@cornershop.example"' in missing.content.decode()
    with on_commit():
        done = Client().post(reverse("accounts:register-organisation"), form)
    assert done.status_code == 200 and "Request sent" in done.content.decode()
    org = Organisation.objects.get(name="Corner Shop Ltd")
    assert org.status == OrgStatus.PENDING
    # Only the acknowledgement goes out; no invitation until approved.
    assert [m.to for m in mailoutbox] == [["owner@cornershop.example"]]
    approval = PartnerApproval.objects.get(partner=org)

    for name in ("officer", "lp_manager", "force_admin_b"):
        assert client_for(name).post(
            reverse("accounts:partner-approve", args=[approval.pk])
        ).status_code in {403, 404}
    admin = client_for("force_admin")
    assert "Corner Shop Ltd" in admin.get(reverse("accounts:partners")).content.decode()
    with on_commit():
        approved = admin.post(reverse("accounts:partner-approve", args=[approval.pk]))
    assert approved.status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.ACTIVE
    invite = mailoutbox[-1]
    assert invite.to == ["raj@cornershop.example"]
    path = _link(invite.body)
    visitor = Client()
    visitor.post(path, {"username": "raj", "password1": PASSWORD, "password2": PASSWORD})
    membership = Membership.objects.get(user__username="raj")
    assert membership.role == Role.LP_MANAGER and membership.organisation == org
    assert Entry.objects.filter(action=Action.APPROVED).exists()


def test_force_admin_refuses_partner_with_reason(world: World, client_for, mailoutbox, on_commit):
    org = Organisation.objects.create(
        kind="retail",
        name="Dodgy Ltd",
        slug="dodgy",
        status=OrgStatus.PENDING,
        contact_email="x@dodgy.example",
    )
    approval = PartnerApproval.objects.create(force=world.orgs["force"], partner=org)
    admin = client_for("force_admin")
    url = reverse("accounts:partner-refuse", args=[approval.pk])
    empty = admin.post(url, {"reason": ""})
    assert "Enter a reason" in empty.content.decode()
    with on_commit():
        refused = admin.post(url, {"reason": "Could not verify the business"})
    assert refused.status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.REFUSED
    assert "Could not verify the business" in mailoutbox[-1].body
    assert client_for("force_admin_b").get(url).status_code == 404
