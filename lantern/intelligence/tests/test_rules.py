"""The sharing rules: each one for a user it lets through and a user it refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.accounts.models import PartnerApproval
from lantern.accounts.tests.factories import World
from lantern.intelligence import services
from lantern.intelligence.models import IncidentLink, Policy, Profile

from .factories import link_event, make_profile

pytestmark = pytest.mark.django_db


def visible(world: World, name: str, profile: Profile) -> bool:
    return Profile.objects.for_membership(world.membership(name)).filter(pk=profile.pk).exists()


def test_police_see_their_force_profiles_whatever_the_sharing(world: World) -> None:
    profile = make_profile(world, approved=False, incidents=0)
    assert visible(world, "call_handler", profile)
    assert visible(world, "analyst", profile)
    assert not visible(world, "officer_b", profile)
    assert Profile.objects.for_user(world.user("officer")).filter(pk=profile.pk).exists()
    assert not Profile.objects.for_user(world.user("officer_b")).filter(pk=profile.pk).exists()


def test_partners_see_nothing_before_police_approval(world: World) -> None:
    profile = make_profile(world, approved=False)
    assert not visible(world, "store_staff", profile)
    services.profile_approve(
        actor=world.user("supervisor"),
        membership=world.membership("supervisor"),
        profile=profile,
        approve=True,
        reason="Prolific",
    )
    assert visible(world, "store_staff", profile)


def test_approval_can_be_withdrawn(world: World) -> None:
    profile = make_profile(world)
    services.profile_approve(
        actor=world.user("force_admin"),
        membership=world.membership("force_admin"),
        profile=profile,
        approve=False,
        reason="No longer needed",
    )
    assert not visible(world, "store_staff", profile)


def test_only_approvers_approve(world: World) -> None:
    profile = make_profile(world, approved=False)
    with pytest.raises(PermissionDenied):
        services.profile_approve(
            actor=world.user("officer"),
            membership=world.membership("officer"),
            profile=profile,
            approve=True,
            reason="x",
        )


def test_threshold_needs_enough_confirmed_incidents(world: World) -> None:
    profile = make_profile(world, incidents=1)
    assert not visible(world, "store_staff", profile)
    link_event(world, profile, days_ago=10)
    assert visible(world, "store_staff", profile)


def test_threshold_counts_only_recent_incidents(world: World) -> None:
    """Two incidents, but the older one is outside the 6-month window: not shared."""
    profile = make_profile(world, incidents=1, days_ago=5)
    link_event(world, profile, days_ago=400)
    profile.refresh_from_db()
    assert profile.last_incident_at is not None
    assert not visible(world, "store_staff", profile)


def test_suggested_links_do_not_count_until_confirmed(world: World) -> None:
    from lantern.reports.models import RetailReport

    profile = make_profile(world, incidents=1)
    store = world.stores["store"]
    report = RetailReport.objects.create(
        store=store, company=store.company, force=store.area.force,
        reported_by=world.user("store_staff"), reference="RC-2026-000009",
        occurred_at=timezone.now(), kind="theft", status="received",
        submitted_at=timezone.now(),
    )  # fmt: skip
    # One confirmed incident: not yet shared, so the store cannot pick it.
    with pytest.raises(PermissionDenied):
        services.link_suggest(
            actor=world.user("store_staff"),
            membership=world.membership("store_staff"),
            profile=profile,
            report=report,
        )
    link_event(world, profile, days_ago=20)
    link = services.link_suggest(
        actor=world.user("store_staff"),
        membership=world.membership("store_staff"),
        profile=profile,
        report=report,
    )
    before = Profile.objects.get(pk=profile.pk).partner_visible_until
    assert link.status == "suggested"
    services.link_decide(
        actor=world.user("officer"), membership=world.membership("officer"), link=link,
        confirm=True,
    )  # fmt: skip
    after = Profile.objects.get(pk=profile.pk)
    assert after.partner_visible_until is not None and before is not None
    assert after.partner_visible_until > before
    assert after.last_incident_at is not None


def test_partners_outside_the_area_do_not_see_it(world: World) -> None:
    profile = make_profile(world, areas=[world.areas["area2"]])
    # store_staff works at store A1 (area A1); the profile is active in area A2 only.
    assert not visible(world, "store_staff", profile)
    # The loss-prevention manager has store A2 in area A2.
    assert visible(world, "lp_manager", profile)
    # Partnership A has only store A1.
    assert not visible(world, "partnership_manager", profile)


def test_partnership_scope(world: World) -> None:
    profile = make_profile(
        world, areas=[world.areas["area2"]], partnerships=[world.orgs["partnership"]]
    )
    assert visible(world, "partnership_manager", profile)
    assert visible(world, "store_staff", profile)  # store A1 is in partnership A
    assert not visible(world, "partnership_manager_b", profile)


def test_partner_must_be_approved_by_the_force(world: World) -> None:
    profile = make_profile(world)
    assert visible(world, "store_staff", profile)
    PartnerApproval.objects.filter(force=world.orgs["force"], partner=world.orgs["retail"]).update(
        status=PartnerApproval.Status.REFUSED
    )
    assert not visible(world, "store_staff", profile)


def test_councils_and_other_forces_partners_never_see_profiles(world: World) -> None:
    profile = make_profile(world)
    for name in ("cctv_operator", "cctv_manager", "store_staff_b", "lp_manager_b"):
        assert not visible(world, name, profile), name


def test_expiry_hides_from_partners_and_lists_for_review(world: World) -> None:
    profile = make_profile(world, incidents=2, days_ago=3)
    assert visible(world, "store_staff", profile)
    assert not Profile.objects.due_for_review(world.orgs["force"].pk).filter(pk=profile.pk)
    # Move the incidents back 13 months, as if no new incident had come since.
    IncidentLink.objects.filter(profile=profile).update(
        occurred_at=timezone.now() - timedelta(days=400)
    )
    services.profile_refresh(profile)
    assert not visible(world, "store_staff", profile)
    assert visible(world, "officer", profile)
    assert Profile.objects.due_for_review(world.orgs["force"].pk).filter(pk=profile.pk).exists()


def test_force_policy_overrides_the_defaults(world: World) -> None:
    profile = make_profile(world, incidents=2)
    assert visible(world, "store_staff", profile)
    services.policy_save(
        actor=world.user("force_admin"),
        membership=world.membership("force_admin"),
        threshold_incidents=3,
        threshold_months=6,
        expiry_months=12,
    )
    assert Policy.for_force(world.orgs["force"].pk).threshold_incidents == 3
    assert not visible(world, "store_staff", profile)
    with pytest.raises(PermissionDenied):
        services.policy_save(
            actor=world.user("supervisor"),
            membership=world.membership("supervisor"),
            threshold_incidents=1,
            threshold_months=6,
            expiry_months=12,
        )


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ages=st.lists(st.integers(min_value=0, max_value=500), min_size=0, max_size=5),
    need=st.integers(min_value=1, max_value=4),
    months=st.integers(min_value=1, max_value=12),
    expiry=st.integers(min_value=1, max_value=14),
)
def test_visible_until_matches_the_rules(
    world: World, ages: list[int], need: int, months: int, expiry: int
) -> None:
    """For any incident history, partners see the profile exactly when at least `need`
    confirmed incidents fall within `months` and the last is within `expiry` months."""
    with transaction.atomic():
        Policy.objects.update_or_create(
            force=world.orgs["force"],
            defaults={
                "threshold_incidents": need,
                "threshold_months": months,
                "expiry_months": expiry,
            },
        )
        profile = make_profile(world, incidents=0)
        for age in ages:
            link_event(world, profile, days_ago=age)
        recent = [a for a in ages if timedelta(days=a) < Policy.months(months)]
        fresh = bool(ages) and timedelta(days=min(ages)) < Policy.months(expiry)
        expected = len(recent) >= need and fresh
        assert visible(world, "store_staff", profile) == expected
        transaction.set_rollback(True)


def test_partner_view_has_no_name_unless_the_force_allows(
    world: World, client_for: Callable[[str], Client]
) -> None:
    profile = make_profile(world, name="Jon Smith", image=True, markers=("violence",))
    url = reverse("intelligence:profile-detail", args=[profile.pk])
    page = client_for("store_staff").get(url).content.decode()
    assert "Jon Smith" not in page and "Jonny S" not in page
    assert "Tall man" in page and "Violence" in page
    assert "modus" not in page.lower() and "foil-lined" not in page
    police = client_for("officer").get(url).content.decode()
    assert "Jon Smith" in police and "foil-lined" in police
    with pytest.raises(Exception, match="Enter why"):
        services.profile_set_names_shared(
            actor=world.user("supervisor"), membership=world.membership("supervisor"),
            profile=profile, shared=True, reason=" ",
        )  # fmt: skip
    services.profile_set_names_shared(
        actor=world.user("supervisor"),
        membership=world.membership("supervisor"),
        profile=profile,
        shared=True,
        reason="Exclusion notice served",
    )
    page = client_for("store_staff").get(url).content.decode()
    assert "Jon Smith" in page and "Jonny S" in page


def test_partner_search_by_name_is_ignored(
    world: World, client_for: Callable[[str], Client]
) -> None:
    """Partners cannot find people by name (the field is not there, and a crafted query
    parameter is dropped)."""
    make_profile(world, name="Jon Smith")
    make_profile(world, name="Ann Other", description="Short woman, red coat")
    page = client_for("store_staff").get(reverse("intelligence:gallery"), {"name": "Jon"})
    assert page.status_code == 200
    assert page.content.decode().count("intelligence/images/") == 0
    assert page.content.decode().count('class="govuk-heading-s') == 2


def test_scope_ids_in_one_query_match_the_querysets(world: World) -> None:
    """`partner_scope_ids` (one SQL statement) gives what `partner_scope` (querysets) gives,
    for every partner role of both worlds, and nothing for police or councils."""
    from lantern.accounts.models import Membership, Store
    from lantern.intelligence.choices import PARTNER_ROLES
    from lantern.intelligence.models import ProfileQuerySet, partner_scope, partner_scope_ids

    partners = Membership.objects.filter(role__in=PARTNER_ROLES).select_related("organisation")
    assert partners.count() >= 6
    for m in partners:
        stores, partnerships, forces = partner_scope(m)
        expected = (
            sorted(set(Store.objects.filter(pk__in=stores).values_list("area", flat=True))),
            sorted(set(partnerships.values_list("pk", flat=True))),
            sorted(set(forces.values_list("force", flat=True))),
        )
        assert partner_scope_ids(m) == expected, m.role
        assert expected[0] and expected[2], m.role
    for name in ("officer", "cctv_operator"):
        m = world.membership(name)
        areas, partnerships, _ = partner_scope_ids(m)
        assert (areas, partnerships) == ([], [])
        assert not Profile.objects.filter(ProfileQuerySet.partner_q(m)).exists()
