"""A force administrator suspends an approved partner organisation (its members' sessions end
at once, recorded in the ledger) and reinstates it; nobody else can."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.accounts.choices import OrgStatus
from lantern.accounts.decorators import SESSION_AUTH_AT
from lantern.accounts.models import PartnerApproval
from lantern.accounts.tests.factories import World
from lantern.ledger.models import Action, Entry

pytestmark = pytest.mark.django_db


def _signed_in(client: Client) -> bool:
    response = client.get(reverse("core:home"))
    return response.status_code == 200


def test_force_admin_suspends_and_reinstates_a_partner(world: World, client_for) -> None:
    approval = world.approvals["retail"]
    staff, manager = client_for("store_staff"), client_for("lp_manager")
    other_retailer = client_for("store_staff_b")
    assert _signed_in(staff) and _signed_in(manager)
    admin = client_for("force_admin")
    url = reverse("accounts:partner-suspend", args=[approval.pk])
    page = admin.get(url)
    assert page.status_code == 200 and "signed out at once" in page.content.decode()
    missing = admin.post(url, {"reason": ""})
    assert "Enter why you are suspending" in missing.content.decode()

    done = admin.post(url, {"reason": "Account takeover reported by the retailer"})
    assert done.status_code == 302
    approval.refresh_from_db()
    assert approval.status == PartnerApproval.Status.SUSPENDED
    assert approval.partner.status == OrgStatus.SUSPENDED
    # Every member's session ends at once; other organisations are untouched.
    for client in (staff, manager):
        assert client.get(reverse("core:home"))["Location"].startswith("/accounts/sign-in/")
    assert _signed_in(other_retailer)
    entry = Entry.objects.get(action=Action.DISABLED, object_id=str(approval.pk))
    assert entry.reason == "Account takeover reported by the retailer"
    detail = admin.get(reverse("accounts:partner-detail", args=[approval.pk])).content.decode()
    assert "Reason for suspension" in detail and "Reinstate" in detail

    admin.post(reverse("accounts:partner-reinstate", args=[approval.pk]))
    approval.refresh_from_db()
    assert approval.status == PartnerApproval.Status.APPROVED
    assert approval.partner.status == OrgStatus.ACTIVE
    assert Entry.objects.filter(action=Action.ENABLED, object_id=str(approval.pk)).exists()
    world.user("store_staff").refresh_from_db()  # a new sign-in, after the session ended
    assert _signed_in(client_for("store_staff"))


def test_only_the_partners_force_admin_may_suspend(world: World, client_for) -> None:
    approval = world.approvals["retail"]
    url = reverse("accounts:partner-suspend", args=[approval.pk])
    reason = {"reason": "No"}
    assert client_for("force_admin_b").post(url, reason).status_code == 404
    for name in ("supervisor", "lp_manager", "store_staff"):
        assert client_for(name).post(url, reason).status_code == 403
    reinstate = reverse("accounts:partner-reinstate", args=[approval.pk])
    assert client_for("force_admin_b").post(reinstate).status_code == 404
    approval.refresh_from_db()
    assert approval.status == PartnerApproval.Status.APPROVED
    assert approval.partner.status == OrgStatus.ACTIVE


def test_suspending_needs_a_recent_password(world: World, client_for) -> None:
    admin = client_for("force_admin")
    session = admin.session
    session[SESSION_AUTH_AT] = 0  # signed in long ago
    session.save()
    url = reverse("accounts:partner-suspend", args=[world.approvals["retail"].pk])
    response = admin.post(url, {"reason": "Compromised"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert world.approvals["retail"].partner.status == OrgStatus.ACTIVE


def test_a_pending_partner_cannot_be_suspended(world: World, client_for) -> None:
    approval = world.approvals["retail"]
    PartnerApproval.objects.filter(pk=approval.pk).update(status=PartnerApproval.Status.PENDING)
    admin = client_for("force_admin")
    url = reverse("accounts:partner-suspend", args=[approval.pk])
    page = admin.post(url, {"reason": "Test"}, follow=True)
    assert "Only an approved organisation can be suspended" in page.content.decode()
    approval.refresh_from_db()
    assert approval.status == PartnerApproval.Status.PENDING
