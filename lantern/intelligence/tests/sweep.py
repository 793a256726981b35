"""URL × role expectations for this app (merged into tests/test_url_sweep.py).

The profile used is force A's, approved, over the evidence threshold, active in area A1
(store A1's area): visible to force A's police and to retail A and partnership A; every
"_b" user is in force B's world and must not find it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.tests.factories import World
from lantern.intelligence.choices import (
    ANALYST_ROLES,
    APPROVER_ROLES,
    EDITOR_ROLES,
    PARTNER_ROLES,
    REPORTING_ROLES,
    RIGHTS_ROLES,
)
from lantern.intelligence.services import EXPORT_ROLES
from tests.sweep_rules import Expectations, everyone, retail_report_a, roles

SEES_PROFILE_A = frozenset(POLICE_ROLES) | PARTNER_ROLES


def profile_a(w: World) -> dict[str, Any]:
    from lantern.intelligence.models import Profile

    from .factories import make_profile

    existing = Profile.objects.filter(name="Sweep Person").first()
    if existing is None:
        existing = make_profile(w, name="Sweep Person", image=True)
    return {"pk": existing.pk}


def two_profiles_a(w: World) -> dict[str, Any]:
    from lantern.intelligence.models import Profile

    from .factories import make_profile

    first = profile_a(w)["pk"]
    other = Profile.objects.filter(name="Sweep Other").first()
    if other is None:
        other = make_profile(w, name="Sweep Other", approved=False, incidents=0)
    return {"pk": first, "other_pk": other.pk}


def image_a(w: World) -> dict[str, Any]:
    from lantern.intelligence.models import ProfileImage

    profile_a(w)
    return {"pk": ProfileImage.objects.filter(profile__name="Sweep Person").get().pk}


def marker_a(w: World) -> dict[str, Any]:
    """A real marker on the swept profile, so that a refusal is not just "no such marker"."""
    from lantern.intelligence.choices import Marker
    from lantern.intelligence.models import WarningMarker

    kwargs = profile_a(w)
    marker, _ = WarningMarker.objects.get_or_create(
        profile_id=kwargs["pk"], marker=Marker.VIOLENCE, defaults={"added_by": w.user("officer")}
    )
    return {**kwargs, "marker_pk": marker.pk}


def link_a(w: World) -> dict[str, Any]:
    from lantern.intelligence.models import IncidentLink

    profile_a(w)
    return {"pk": IncidentLink.objects.filter(profile__name="Sweep Person").first().pk}  # type: ignore[union-attr]


def exclusion_a(w: World) -> dict[str, Any]:
    """An exclusion notice retail A served (by its store staff) on the swept profile."""
    from datetime import timedelta

    from django.utils import timezone

    from lantern.intelligence.models import ExclusionNotice
    from lantern.intelligence.services import exclusion_record

    kwargs = profile_a(w)
    existing = ExclusionNotice.objects.filter(profile_id=kwargs["pk"]).first()
    if existing is None:
        from lantern.intelligence.models import Profile

        today = timezone.localdate()
        existing = exclusion_record(
            actor=w.user("store_staff"), membership=w.membership("store_staff"),
            profile=Profile.objects.get(pk=kwargs["pk"]), stores=[w.stores["store"]],
            served_on=today, expires_on=today + timedelta(days=365), conditions="Not to enter",
        )  # fmt: skip
    return {"pk": existing.pk}


def notice_changers(actor: str) -> Any:
    """Retail A (which served the notice) and force A's profile editors; any other partner
    or force does not find it (404); other roles are refused (403)."""
    if actor == "anon":
        return "login"
    role = actor.removesuffix("_b")
    if role not in PARTNER_ROLES | EDITOR_ROLES:
        return 403
    if actor.endswith("_b") or role == Role.PARTNERSHIP_MANAGER:
        return 404
    return 200


def report_pick(w: World) -> dict[str, Any]:
    return {"report_pk": retail_report_a(w)["pk"]}


def of_force_a(allowed: frozenset[str], ok: Any = 200) -> Callable[[str], Any]:
    """Allowed roles of force A's world get `ok`; the same roles in world B do not find the
    object (404); every other role is refused (403)."""

    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if actor.removesuffix("_b") not in allowed:
            return 403
        return 404 if actor.endswith("_b") else ok

    return expect


EXPECTED: Expectations = {
    "intelligence:profile-list": (lambda w: {}, roles(set(POLICE_ROLES))),
    "intelligence:gallery": (lambda w: {}, roles(set(PARTNER_ROLES))),
    "intelligence:profile-new": (lambda w: {}, roles(set(EDITOR_ROLES))),
    "intelligence:analysis": (lambda w: {}, roles(set(ANALYST_ROLES))),
    "intelligence:export": (lambda w: {}, roles(set(EXPORT_ROLES))),
    "intelligence:policy": (lambda w: {}, roles({Role.FORCE_ADMIN})),
    "intelligence:alerts": (lambda w: {}, roles(set(SEES_PROFILE_A))),
    "intelligence:report-pick": (report_pick, of_force_a(REPORTING_ROLES)),
    "intelligence:image": (image_a, of_force_a(SEES_PROFILE_A)),
    "intelligence:image-remove": (image_a, everyone(405)),
    "intelligence:link-decide": (link_a, everyone(405)),
    "intelligence:profile-detail": (profile_a, of_force_a(SEES_PROFILE_A)),
    "intelligence:profile-edit": (profile_a, of_force_a(EDITOR_ROLES)),
    "intelligence:profile-approve": (profile_a, everyone(405)),
    "intelligence:profile-names": (profile_a, everyone(405)),
    "intelligence:marker-add": (profile_a, everyone(405)),
    "intelligence:marker-remove": (marker_a, everyone(405)),
    "intelligence:image-add": (profile_a, of_force_a(EDITOR_ROLES)),
    "intelligence:link-add": (profile_a, of_force_a(EDITOR_ROLES)),
    "intelligence:exclusion-new": (profile_a, of_force_a(PARTNER_ROLES)),
    "intelligence:duplicates": (profile_a, of_force_a(EDITOR_ROLES)),
    "intelligence:merge": (two_profiles_a, of_force_a(APPROVER_ROLES)),
    "intelligence:not-same": (two_profiles_a, everyone(405)),
    "intelligence:subject-access": (profile_a, of_force_a(RIGHTS_ROLES)),
    "intelligence:erase": (profile_a, of_force_a(RIGHTS_ROLES)),
    "intelligence:deletion-review": (lambda w: {}, roles(set(RIGHTS_ROLES))),
    "intelligence:exclusion-edit": (exclusion_a, notice_changers),
    "intelligence:exclusion-withdraw": (exclusion_a, everyone(405)),
}

# Who may POST to the URLs above that answer GET with 405: the view's `require_role`, then
# `Profile.objects.for_membership` (force B's police do not find force A's profile: 404).
WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    "intelligence:image-remove": of_force_a(EDITOR_ROLES),
    "intelligence:link-decide": of_force_a(EDITOR_ROLES),
    "intelligence:marker-add": of_force_a(EDITOR_ROLES),
    "intelligence:marker-remove": of_force_a(EDITOR_ROLES),
    "intelligence:not-same": of_force_a(EDITOR_ROLES),
    # Sharing a profile, or its names, with partners is a supervisor's or admin's decision.
    "intelligence:profile-approve": of_force_a(APPROVER_ROLES),
    "intelligence:profile-names": of_force_a(APPROVER_ROLES),
    # The organisation that served the notice, or force A's profile editors.
    "intelligence:exclusion-withdraw": notice_changers,
}
