"""Evidence items with real files, for the redaction tests."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
from django.core.files.base import ContentFile
from PIL import Image

from lantern.accounts.tests.factories import World
from lantern.casework.models import Case
from lantern.evidence.models import DerivedFile, EvidenceItem
from lantern.redaction import testmedia


def item_with(world: World, name: str, data: bytes, content_type: str) -> EvidenceItem:
    """A checked exhibit of force A (an officer's own file, no request)."""
    case, _ = Case.objects.get_or_create(
        force=world.orgs["force"], reference="RD1", defaults={"title": "Assault"}
    )
    item = EvidenceItem(
        case=case,
        original_name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        state=EvidenceItem.State.READY,
        uploaded_by=f"user:{world.user('officer').pk}",
    )
    item.original.save(name, ContentFile(data), save=False)
    item.save()
    return item


def picture_bytes() -> bytes:
    """400×300 textured picture with a checkered square at (50, 60) and another at
    (250, 150), 64 pixels each."""
    pixels = testmedia.background(400, 300)
    pixels[60:124, 50:114] = testmedia.checker()
    pixels[150:214, 250:314] = testmedia.checker()
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def video_item(
    world: World, tmp: Path, seconds: float = 3.0, clip: Path | None = None
) -> EvidenceItem:
    """A video exhibit whose working copy is a generated clip with a moving square (or the
    given clip)."""
    path = clip or tmp / "square.mp4"
    if clip is None:
        testmedia.moving_squares_video(path, seconds=seconds)
    data = path.read_bytes()
    item = item_with(world, "cam.mp4", data, "video/mp4")
    working = DerivedFile(
        item=item,
        kind=DerivedFile.Kind.WORKING_COPY,
        content_type="video/mp4",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        parent_sha256=item.sha256,
    )
    working.file.save("working.mp4", ContentFile(data), save=False)
    working.save()
    item.media_info = {"kind": "video", "video": {"width": 320, "height": 240, "frame_rate": 25}}
    item.save(update_fields=["media_info"])
    return item


def stored(field_file) -> bytes:  # type: ignore[no-untyped-def]
    with field_file.storage.open(field_file.name, "rb") as handle:
        return bytes(handle.read())


def region(pixels: np.ndarray, x: int, y: int, size: int = 64, inset: int = 6) -> np.ndarray:
    return pixels[y + inset : y + size - inset, x + inset : x + size - inset].astype(float)
