"""Profiles for tests: built through the services, so rules and ledger apply as in use."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from django.utils import timezone
from PIL import Image

from lantern.accounts.models import Area, Organisation, User
from lantern.accounts.tests.factories import World
from lantern.intelligence import services
from lantern.intelligence.models import IncidentLink, Profile


def png_bytes(colour: str = "red", size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def make_profile(
    w: World,
    *,
    suffix: str = "",
    name: str = "Jon Smith",
    description: str = "Tall man, shaved head, grey tracksuit, tattoo on left hand",
    areas: list[Area] | None = None,
    partnerships: list[Organisation] | None = None,
    incidents: int = 2,
    days_ago: int = 3,
    approved: bool = True,
    markers: tuple[str, ...] = (),
    image: bool = False,
    author: str = "supervisor",
) -> Profile:
    """A profile of force A (or B with suffix "_b") active in area 1, with `incidents`
    confirmed police-record links, the newest `days_ago` days ago, one day apart."""
    actor: User = w.user(f"{author}{suffix}")
    membership = w.membership(f"{author}{suffix}")
    profile = services.profile_create(
        actor=actor,
        membership=membership,
        data=services.ProfileInput(
            description=description,
            name=name,
            aliases=[_alias(name)] if name else [],
            modus_operandi="Fills a foil-lined bag with razors",
            areas=areas if areas is not None else [w.areas[f"area{suffix}"]],
            partnerships=partnerships or [],
        ),
    )
    for i in range(incidents):
        link_event(w, profile, days_ago + i, suffix=suffix, author=author)
    for marker in markers:
        services.marker_add(actor=actor, membership=membership, profile=profile, marker=marker)
    if image:
        services.image_upload(actor=actor, membership=membership, profile=profile, data=png_bytes())
    if approved:
        services.profile_approve(
            actor=actor, membership=membership, profile=profile, approve=True, reason="Prolific"
        )
    profile.refresh_from_db()
    return profile


def _alias(name: str) -> str:
    """An alias in the usual shape: Jon Smith is also known as Jonny S."""
    first, _, last = name.partition(" ")
    return f"{first}ny {last[:1]}".strip()


def link_event(
    w: World, profile: Profile, days_ago: int, suffix: str = "", author: str = "supervisor"
) -> IncidentLink:
    when: datetime = timezone.now() - timedelta(days=days_ago)
    return services.link_add(
        actor=w.user(f"{author}{suffix}"),
        membership=w.membership(f"{author}{suffix}"),
        profile=profile,
        event_reference=f"CAD-{profile.pk}-{days_ago}",
        occurred_at=when,
        summary="Theft of razors",
    )
