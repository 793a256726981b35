"""URL × role expectations for this app (merged into tests/test_url_sweep.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.tests.factories import World
from lantern.insights.automation import REVIEWERS
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


def obligation_a(w: World) -> dict[str, Any]:
    """The victim's confirmation duty (made with the victim)."""
    from lantern.insights.models import Obligation

    victim = victim_a(w)["pk"]
    return {"pk": Obligation.objects.filter(victim=victim).earliest("pk").pk}


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
    "insights:obligation-contact": (obligation_a, everyone(405)),
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

# Who may POST to the URLs above that answer GET with 405.
WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    # Police first (403), then force A's obligation (404 for force B), then the role (403).
    "insights:obligation-contact": police_of_force_a(CASE_ROLES),
    # The force's own settings: no object in the URL.
    "insights:settings": force_admin(),
    # The record is named in the form and looked up within the reviewer's own force.
    "insights:retention-decide": roles(set(REVIEWERS)),
}
