"""URL × role expectations for this app (merged into tests/test_url_sweep.py)."""

from __future__ import annotations

from typing import Any

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.tests.factories import World
from lantern.insights.services import CASE_ROLES, DISCLOSURE_ROLES
from tests.sweep_rules import Expectations, case_a, everyone, force_admin, police_of_force_a, roles


def victim_a(w: World) -> dict[str, Any]:
    """A victim in force A's case, with the queued confirmation letter Lantern drafted."""
    from lantern.insights.models import Victim
    from lantern.insights.services import VictimInput, victim_create

    existing = Victim.objects.first()
    if existing is None:
        from lantern.casework.models import Case

        case = Case.objects.get(pk=case_a(w)["pk"])
        existing = victim_create(
            actor=w.user("officer"),
            membership=w.membership("officer"),
            case=case,
            data=VictimInput(
                full_name="Val Victim", address="1 Road, Northtown", preferred_channel="letter"
            ),
        )
    return {"pk": existing.pk}


def letter_a(w: World) -> dict[str, Any]:
    from lantern.insights.models import Communication

    victim_a(w)
    return {"pk": Communication.objects.get().pk}


EXPECTED: Expectations = {
    "insights:victims-code": (lambda w: {}, roles(set(POLICE_ROLES))),
    "insights:case": (case_a, police_of_force_a()),
    "insights:victim-new": (case_a, police_of_force_a(CASE_ROLES)),
    "insights:event-new": (case_a, police_of_force_a(CASE_ROLES)),
    "insights:victim-edit": (victim_a, police_of_force_a(CASE_ROLES)),
    "insights:obligation-contact": (lambda w: {"pk": 1}, everyone(405)),
    "insights:letters": (lambda w: {}, roles(set(POLICE_ROLES))),
    "insights:letter": (letter_a, police_of_force_a()),
    "insights:letter-pdf": (letter_a, police_of_force_a()),
    "insights:templates": (lambda w: {}, force_admin()),
    "insights:settings": (lambda w: {}, everyone(405)),
    "insights:template-edit": (lambda w: {"purpose": "confirmation"}, force_admin()),
    "insights:benefits": (lambda w: {}, roles(set(POLICE_ROLES))),
    "insights:benefits-csv": (lambda w: {}, roles(set(POLICE_ROLES))),
    "insights:benefits-pdf": (lambda w: {}, roles(set(POLICE_ROLES))),
    "insights:benefits-assumptions": (lambda w: {}, force_admin()),
    "insights:markers": (lambda w: {}, force_admin()),
    "insights:closures": (lambda w: {}, roles({Role.SUPERVISOR, Role.FORCE_ADMIN})),
    "insights:disclosure": (case_a, police_of_force_a(DISCLOSURE_ROLES)),
    "insights:disclosure-csv": (case_a, police_of_force_a(DISCLOSURE_ROLES)),
    "insights:disclosure-pdf": (case_a, police_of_force_a(DISCLOSURE_ROLES)),
    "insights:retention": (lambda w: {}, roles(set(POLICE_ROLES))),
    "insights:retention-decide": (lambda w: {}, everyone(405)),
}
