"""Demo records for redaction: an officer's still of a shop theft (a drawn face stands in for
a bystander) with a redaction for a public appeal, its face suggestion waiting to be
accepted or rejected. Idempotent: nothing is added once the demo case exists."""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile

from lantern.accounts.models import Organisation, User
from lantern.casework.models import Case
from lantern.evidence.models import EvidenceItem

from . import services
from .testfaces import face_picture

FORCE = "northshire-police"
REFERENCE = "NP/26/004390"


def demo_load() -> None:
    force = Organisation.objects.filter(slug=FORCE).first()
    officer = User.objects.filter(username="officer").first()
    if force is None or officer is None or Case.objects.filter(reference=REFERENCE).exists():
        return
    membership = officer.memberships.get(organisation=force)
    case = Case.objects.create(
        force=force,
        reference=REFERENCE,
        title="Theft from a shop: still for a public appeal",
        officer_in_charge=officer,
    )
    out = io.BytesIO()
    face_picture(160, 640, 400).save(out, "PNG")
    data = out.getvalue()
    item = EvidenceItem(
        case=case,
        original_name="till-camera-still.png",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type="image/png",
        state=EvidenceItem.State.READY,
        uploaded_by=f"user:{officer.pk}",
        description="Still from the till camera; the person shown is a bystander",
    )
    item.original.save("till-camera-still.png", ContentFile(data), save=False)
    item.save()
    redaction = services.redaction_create(
        actor=officer, membership=membership, item=item, purpose="Public appeal"
    )
    services.redaction_suggest(actor=officer, membership=membership, redaction=redaction)
