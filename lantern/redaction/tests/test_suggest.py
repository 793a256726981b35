"""Suggestions: faces found by OpenCV's bundled cascade on a drawn face-like pattern, offered
and never applied until a person accepts them."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from django.core.exceptions import ValidationError

from lantern.accounts.tests.factories import World
from lantern.redaction import engine
from lantern.redaction.services import (
    redaction_create,
    redaction_decide,
    redaction_produce,
    redaction_suggest,
)
from lantern.redaction.testfaces import face_picture
from lantern.redaction.testmedia import background

from .helpers import item_with

pytestmark = pytest.mark.django_db


def test_the_bundled_cascades_ship_in_the_wheel() -> None:
    for name in engine.DETECTORS:
        assert not engine._cascade(name).empty()


@pytest.mark.parametrize("size", [120, 200])
def test_a_face_like_pattern_is_found_and_covered(size: int) -> None:
    found = engine.suggest(np.array(face_picture(size)), ["face"])
    assert len(found) == 1
    hit = found[0]
    # The whole face (centred at 200, 150) is inside the suggested box.
    assert hit["x"] <= 200 - size * 0.375 and hit["x"] + hit["w"] >= 200 + size * 0.375
    assert hit["y"] <= 150 - size * 0.4 and hit["y"] + hit["h"] >= 150 + size * 0.4


def test_nothing_is_suggested_on_a_picture_without_faces() -> None:
    assert engine.suggest(background(400, 300)) == []


def _png(picture: Any) -> bytes:
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def test_suggestions_wait_for_a_person(world: World) -> None:
    item = item_with(world, "face.png", _png(face_picture(160)), "image/png")
    officer, membership = world.user("officer"), world.membership("officer")
    redaction = redaction_create(actor=officer, membership=membership, item=item, purpose="x")
    assert redaction_suggest(actor=officer, membership=membership, redaction=redaction) == 1
    redaction.refresh_from_db()
    assert redaction.boxes == []  # offered, not applied
    assert redaction.suggestions[0]["status"] == "pending"
    with pytest.raises(ValidationError, match="at least one box"):
        redaction_produce(actor=officer, membership=membership, redaction=redaction)
    sid = redaction.suggestions[0]["id"]
    redaction_decide(
        actor=officer, membership=membership, redaction=redaction, suggestion=sid, accept=True
    )
    redaction.refresh_from_db()
    assert redaction.boxes[0]["origin"] == "face" and redaction.boxes[0]["id"] == sid
    with pytest.raises(ValidationError, match="already been decided"):
        redaction_decide(
            actor=officer, membership=membership, redaction=redaction, suggestion=sid, accept=False
        )
    # Asking again offers it again; rejecting leaves the boxes alone.
    redaction_suggest(actor=officer, membership=membership, redaction=redaction)
    redaction.refresh_from_db()
    pending = [s for s in redaction.suggestions if s["status"] == "pending"]
    redaction_decide(
        actor=officer, membership=membership, redaction=redaction, suggestion=pending[0]["id"],
        accept=False,
    )  # fmt: skip
    redaction.refresh_from_db()
    assert len(redaction.boxes) == 1
    assert [s["status"] for s in redaction.suggestions] == ["accepted", "rejected"]


def _face_video(path: Path) -> Path:
    """Two seconds (50 frames at 25 fps) of a still face-like pattern."""
    pixels = np.array(face_picture(160))
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 400, 300, "yuv420p"
        for i in range(50):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def test_faces_in_video_are_suggested_as_tracked_boxes(tmp_path: Path) -> None:
    path = _face_video(tmp_path / "face.mp4")
    found = engine.suggest_in_video(path, every_seconds=1.0)
    assert [(s["start"], s["end"], s["track"]) for s in found] == [(0, 24, True), (25, 49, True)]


def test_a_video_is_searched_in_the_background_and_the_page_says_so(
    world: World, client_for: Any, tmp_path: Path
) -> None:
    from django.urls import reverse

    from lantern.ledger.models import Entry
    from lantern.redaction.models import Redaction
    from lantern.redaction.services import suggest_in_background

    from .helpers import video_item

    item = video_item(world, tmp_path, clip=_face_video(tmp_path / "face.mp4"))
    officer, membership = world.user("officer"), world.membership("officer")
    redaction = redaction_create(actor=officer, membership=membership, item=item, purpose="Appeal")
    page_url = reverse("redaction:detail", args=[redaction.pk])
    suggest_url = reverse("redaction:suggest", args=[redaction.pk])
    client = client_for("officer")
    # The request only queues the search (the task runs after commit, on a worker).
    asked = client.post(suggest_url, follow=True).content.decode()
    assert "It can take a few minutes" in asked and "Looking for faces" in asked
    assert suggest_url not in asked  # no second search while one runs
    redaction.refresh_from_db()
    assert redaction.suggesting_since is not None and redaction.suggestions == []
    again = client.post(suggest_url, follow=True).content.decode()
    assert "already looking for faces" in again
    # The worker's run stores the suggestions and says so on the page.
    assert suggest_in_background(redaction.pk, officer.pk, membership.pk) >= 1
    redaction.refresh_from_db()
    assert redaction.suggesting_since is None
    assert {s["status"] for s in redaction.suggestions} == {"pending"}
    assert all(s["track"] for s in redaction.suggestions)
    page = client.get(page_url).content.decode()
    assert "found. Accept or reject each." in page and suggest_url in page
    reasons = list(
        Entry.objects.filter(
            object_type="redaction.redaction", object_id=str(redaction.pk)
        ).values_list("reason", flat=True)
    )
    assert "Asked to look for faces and number plates" in reasons
    assert any(r.startswith("Looked for faces and number plates:") for r in reasons)
    # Run again (a retried task), it does not search twice.
    assert suggest_in_background(redaction.pk, officer.pk, membership.pk) == 0

    # A video that cannot be read ends the search with a message, not a retry loop.
    client.post(suggest_url)
    working = redaction.source_derived
    assert working is not None
    with working.file.open("wb") as handle:
        handle.write(b"not a video")
    assert suggest_in_background(redaction.pk, officer.pk, membership.pk) == 0
    redaction = Redaction.objects.get(pk=redaction.pk)
    assert redaction.suggesting_since is None
    assert "could not look for faces" in client.get(page_url).content.decode()
