"""Demo records for the Victims' Code and benefits pages: a shop theft with threats where the
suspect was arrested (an update letter waits for approval), a domestic abuse victim whose
email is not safe, and two cases with an outcome for the report-to-outcome figures.
Idempotent: nothing is added once the demo case exists."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lantern.accounts.models import Organisation, User
from lantern.casework.models import Case

from . import services
from .models import EventKind

FORCE = "northshire-police"
REFERENCE = "NP/26/004211"


def _case(force: Organisation, reference: str, title: str, officer: User, days_ago: int) -> Case:
    case, _ = Case.objects.get_or_create(
        force=force,
        reference=reference,
        defaults={"title": title, "officer_in_charge": officer},
    )
    case.created_at = timezone.now() - timedelta(days=days_ago)
    case.save(update_fields=["created_at"])
    return case


def demo_load() -> None:
    force = Organisation.objects.filter(slug=FORCE).first()
    if force is None or Case.objects.filter(force=force, reference=REFERENCE).exists():
        return
    officer = User.objects.get(username="officer")
    membership = officer.memberships.get(organisation=force)
    retailer = Organisation.objects.filter(slug="brightmart").first()
    now = timezone.now()
    theft = _case(force, REFERENCE, "Theft with threats, Brightmart High Street", officer, 6)
    services.victim_create(
        actor=officer,
        membership=membership,
        case=theft,
        data=services.VictimInput(
            full_name="Priya Shah",
            email="priya.shah@example.com",
            staff_of=retailer,
            intimidated=True,
            preferred_channel="email",
        ),
    )
    services.victim_create(
        actor=officer,
        membership=membership,
        case=theft,
        data=services.VictimInput(
            full_name="Tom Reed",
            address="3 Mill Lane\nNorthtown\nNT2 4PQ",
            staff_of=retailer,
            preferred_channel="letter",
            update_frequency="fortnightly",
        ),
    )
    services.event_record(
        actor=officer,
        membership=membership,
        case=theft,
        kind=EventKind.ARREST,
        occurred_at=now - timedelta(days=1),
        note="A man has been arrested and is in custody.",
    )
    assault = _case(force, "NP/26/004388", "Assault at home", officer, 2)
    services.victim_create(
        actor=officer,
        membership=membership,
        case=assault,
        data=services.VictimInput(
            full_name="Jo Lane",
            email="jo.lane@example.com",
            phone="07700 900123",
            vulnerable=True,
            domestic_abuse=True,
            unsafe_email=True,
            preferred_channel="email",
        ),
    )
    for reference, title, days in (
        ("NP/26/003901", "Theft of a bicycle", 40),
        ("NP/26/003950", "Criminal damage to a car", 50),
    ):
        case = _case(force, reference, title, officer, days)
        services.event_record(
            actor=officer,
            membership=membership,
            case=case,
            kind=EventKind.OUTCOME,
            occurred_at=now - timedelta(days=days // 5),
            note="No suspect could be identified.",
        )
