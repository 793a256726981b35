"""The deletion-review page, and exclusion notices changed or withdrawn by the organisation
that served them or by the police: each for allowed and refused users, and ledgered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.intelligence import selectors, services
from lantern.intelligence.models import ExclusionNotice, Profile
from lantern.ledger.models import Entry

from .factories import make_profile

pytestmark = pytest.mark.django_db
Clients = Callable[[str], Client]


def test_deletion_review_lists_quiet_profiles_for_force_admins(
    world: World, client_for: Clients
) -> None:
    quiet = make_profile(world, name="Quiet One", days_ago=400)
    quieter = make_profile(world, name="Quieter One", days_ago=500)
    make_profile(world, name="Active One", days_ago=3)
    make_profile(world, suffix="_b", name="Force B Quiet", days_ago=400)
    url = reverse("intelligence:deletion-review")
    response = client_for("force_admin").get(url)
    assert response.status_code == 200
    assert [p.pk for p in response.context["profiles"]] == [quieter.pk, quiet.pk]
    assert response.context["profiles"][0].confirmed == 2
    page = response.content.decode()
    assert "Quiet One" in page and "Active One" not in page and "Force B Quiet" not in page
    assert reverse("intelligence:erase", args=[quiet.pk]) in page
    entry = Entry.objects.get(action="viewed", object_type="intelligence.deletion_review")
    assert entry.detail["profiles"] == 2
    for refused in ("supervisor", "analyst", "store_staff"):
        assert client_for(refused).get(url).status_code == 403
    assert not Entry.objects.filter(
        object_type="intelligence.deletion_review", actor_label="supervisor"
    ).exists()
    # The list page links it for force administrators only.
    listing = reverse("intelligence:profile-list")
    assert url in client_for("force_admin").get(listing).content.decode()
    assert url not in client_for("supervisor").get(listing).content.decode()


def test_deletion_review_pages(world: World) -> None:
    for i in range(selectors.GALLERY_PAGE + 1):
        make_profile(world, name=f"P{i}", days_ago=400 + i, incidents=1, approved=False)
    force = world.orgs["force"].pk
    assert len(selectors.deletion_review_page(force, 1)) == selectors.GALLERY_PAGE + 1
    assert len(selectors.deletion_review_page(force, 2)) == 1


def _notice(world: World, profile: Profile) -> ExclusionNotice:
    today = timezone.localdate()
    return services.exclusion_record(
        actor=world.user("store_staff"), membership=world.membership("store_staff"),
        profile=profile, stores=[world.stores["store"]], served_on=today,
        expires_on=today + timedelta(days=365), conditions="Not to enter",
    )  # fmt: skip


def _form(world: World, **kw: object) -> dict[str, object]:
    return {
        "stores": [world.stores["store"].pk],
        "served_on": "2026-05-01",
        "expires_on": "2027-11-01",
        "conditions": "Not to enter, nor the car park",
        **kw,
    }


def test_the_store_that_served_it_changes_the_notice(world: World, client_for: Clients) -> None:
    profile = make_profile(world)
    notice = _notice(world, profile)
    url = reverse("intelligence:exclusion-edit", args=[notice.pk])
    lp = client_for("lp_manager")  # same retailer as the store staff who recorded it
    page = lp.get(url)
    assert page.status_code == 200 and "Not to enter" in page.content.decode()
    bad = lp.post(url, _form(world, expires_on="2026-04-01"))
    assert bad.status_code == 400 and "must be after" in bad.content.decode()
    other_store = lp.post(url, _form(world, stores=[world.stores["store_b"].pk]))
    assert other_store.status_code == 400
    assert lp.post(url, _form(world)).status_code == 302
    notice.refresh_from_db()
    assert notice.expires_on == date(2027, 11, 1)
    assert notice.conditions == "Not to enter, nor the car park"
    entry = Entry.objects.get(
        action="changed", object_type="intelligence.exclusionnotice", object_id=str(notice.pk)
    )
    assert entry.detail["new"]["expires_on"] == "2027-11-01"
    assert entry.detail["old"]["expires_on"] != "2027-11-01"
    # Another partner (even one that sees the profile) and other forces do not find it.
    assert client_for("partnership_manager").get(url).status_code == 404
    assert client_for("lp_manager_b").post(url, _form(world)).status_code == 404
    assert client_for("officer_b").get(url).status_code == 404
    assert client_for("call_handler").get(url).status_code == 403


def test_police_change_and_withdraw_a_notice(world: World, client_for: Clients) -> None:
    profile = make_profile(world)
    notice = _notice(world, profile)
    officer = client_for("officer")
    detail = officer.get(reverse("intelligence:profile-detail", args=[profile.pk]))
    edit = reverse("intelligence:exclusion-edit", args=[notice.pk])
    assert edit in detail.content.decode()
    assert officer.post(edit, _form(world, conditions="Police amended")).status_code == 302
    withdraw = reverse("intelligence:exclusion-withdraw", args=[notice.pk])
    assert officer.get(withdraw).status_code == 405
    no_reason = officer.post(withdraw, {"reason": " "})
    assert no_reason.status_code == 302 and no_reason["Location"] == edit
    notice.refresh_from_db()
    assert notice.withdrawn_at is None and notice.in_force
    assert client_for("lp_manager_b").post(withdraw, {"reason": "x"}).status_code == 404
    assert client_for("call_handler").post(withdraw, {"reason": "x"}).status_code == 403
    assert officer.post(withdraw, {"reason": "Served on the wrong person"}).status_code == 302
    notice.refresh_from_db()
    assert notice.withdrawn_at and notice.withdrawn_by == world.user("officer")
    assert not notice.in_force
    entry = Entry.objects.get(
        action="changed", object_id=str(notice.pk), reason="Served on the wrong person"
    )
    assert entry.detail["withdrawn"] is True
    # Kept and shown as withdrawn to the police; gone from the store's list; no more changes.
    page = officer.get(reverse("intelligence:profile-detail", args=[profile.pk])).content
    assert b"Withdrawn" in page and edit.encode() not in page
    partner = client_for("store_staff").get(
        reverse("intelligence:profile-detail", args=[profile.pk])
    )
    assert partner.context["view"].exclusions == []
    assert officer.get(edit).status_code == 302
    assert officer.post(withdraw, {"reason": "again"}).status_code == 302
    assert Entry.objects.filter(object_id=str(notice.pk), action="changed").count() == 2


def test_the_serving_store_withdraws_its_own_notice(world: World, client_for: Clients) -> None:
    profile = make_profile(world)
    notice = _notice(world, profile)
    view = client_for("store_staff").get(reverse("intelligence:profile-detail", args=[profile.pk]))
    assert reverse("intelligence:exclusion-edit", args=[notice.pk]) in view.content.decode()
    withdraw = reverse("intelligence:exclusion-withdraw", args=[notice.pk])
    assert client_for("partnership_manager").post(withdraw, {"reason": "x"}).status_code == 404
    response = client_for("store_staff").post(withdraw, {"reason": "Apology accepted"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.withdrawn_reason == "Apology accepted"
