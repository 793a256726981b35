"""Demo profiles: one shared with stores (linked to the demo retail report, flagged for
violence, with a picture), one for the police only, and a likely duplicate of the first.
Idempotent: nothing is added once the demo force has a profile."""

from __future__ import annotations

import io
from datetime import timedelta

from django.utils import timezone
from PIL import Image, ImageDraw

from lantern.accounts.models import Membership, Organisation, User
from lantern.reports.models import RetailReport

from . import services
from .models import Profile


def silhouette_png(shade: int = 110) -> bytes:
    """A plain head-and-shoulders silhouette: demo data never holds a real face."""
    picture = Image.new("RGB", (240, 300), (232, 232, 232))
    draw = ImageDraw.Draw(picture)
    grey = (shade, shade, shade)
    draw.ellipse((80, 40, 160, 130), fill=grey)
    draw.pieslice((30, 140, 210, 380), 180, 360, fill=grey)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def demo_load() -> None:
    force = Organisation.objects.filter(slug="northshire-police").first()
    if force is None or Profile.objects.filter(force=force).exists():
        return
    supervisor = User.objects.get(username="supervisor")
    membership = Membership.objects.get(user=supervisor, organisation=force)
    report = RetailReport.objects.filter(force=force).exclude(status="draft").first()
    area = report.store.area if report else force.areas.order_by("name").first()  # type: ignore[attr-defined]
    now = timezone.now()

    shared = services.profile_create(
        actor=supervisor,
        membership=membership,
        data=services.ProfileInput(
            name="Darren Pike",
            aliases=["Daz"],
            description="White man, about 35, tall and slim, shaved head, tattoo on the "
            "left hand; usually a red jacket with a grey hood",
            modus_operandi="Fills a foil-lined bag with razor blades; pushes past staff at "
            "the door",
            areas=[area] if area else [],
            items=["Foil-lined sports bag"],
        ),
    )
    for days, ref in ((20, "NS-CAD-2026-1101"), (45, "NS-CAD-2026-0870")):
        services.link_add(
            actor=supervisor,
            membership=membership,
            profile=shared,
            event_reference=ref,
            occurred_at=now - timedelta(days=days),
            summary="Theft of razor blades",
            violent=days == 20,
        )
    services.marker_add(
        actor=supervisor,
        membership=membership,
        profile=shared,
        marker="violence",
        note="Pushed and threatened staff",
    )
    services.image_upload(
        actor=supervisor, membership=membership, profile=shared, data=silhouette_png()
    )
    services.profile_approve(
        actor=supervisor,
        membership=membership,
        profile=shared,
        approve=True,
        reason="Prolific in Northtown centre; staff need to recognise him",
    )
    if report is not None:
        services.link_add(actor=supervisor, membership=membership, profile=shared, report=report)

    police_only = services.profile_create(
        actor=supervisor,
        membership=membership,
        data=services.ProfileInput(
            name="Kelly Marsh",
            description="Woman, 20s, long dark hair, often with a pushchair",
            modus_operandi="Hides cosmetics under the pushchair blanket",
            areas=[area] if area else [],
        ),
    )
    services.link_add(
        actor=supervisor,
        membership=membership,
        profile=police_only,
        event_reference="NS-CAD-2026-1207",
        occurred_at=now - timedelta(days=6),
        summary="Theft of cosmetics",
    )
    services.profile_create(
        actor=supervisor,
        membership=membership,
        data=services.ProfileInput(
            name="Daren Pyke",
            description="Tall slim man, shaved head, tattoo on left hand, red jacket",
            areas=[area] if area else [],
        ),
    )
