"""Redacted copies of pictures and video: the region really is obscured, the original is
untouched, hashes are linked, and every step is in the ledger."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from lantern.accounts.tests.factories import World
from lantern.ledger.models import Entry
from lantern.redaction import engine, testmedia
from lantern.redaction.models import Redaction
from lantern.redaction.services import (
    REDACTED_KIND,
    redaction_create,
    redaction_produce,
    redaction_save,
)

from .helpers import item_with, picture_bytes, region, stored, video_item

pytestmark = pytest.mark.django_db


def _produce(world: World, redaction: Redaction, on_commit: Any, who: str = "officer") -> Redaction:
    with on_commit():
        redaction_produce(
            actor=world.user(who), membership=world.membership(who), redaction=redaction
        )
    redaction.refresh_from_db()
    return redaction


def test_picture_redaction_obscures_boxes_and_leaves_the_original(
    world: World, on_commit: Any
) -> None:
    data = picture_bytes()
    item = item_with(world, "shop.png", data, "image/png")
    officer, membership = world.user("officer"), world.membership("officer")
    redaction = redaction_create(
        actor=officer, membership=membership, item=item, purpose="Public appeal"
    )
    redaction_save(
        actor=officer,
        membership=membership,
        redaction=redaction,
        boxes=[
            {"kind": "fill", "x": 50, "y": 60, "w": 64, "h": 64},
            {"kind": "blur", "x": 250, "y": 150, "w": 64, "h": 64},
        ],
    )
    redaction = _produce(world, redaction, on_commit)
    assert redaction.status == Redaction.Status.PRODUCED, redaction.status_reason
    output = redaction.output
    assert output is not None and output.kind == REDACTED_KIND
    made = stored(output.file)
    assert hashlib.sha256(made).hexdigest() == output.sha256 != item.sha256
    assert output.parent_sha256 == item.sha256
    # The original is untouched.
    item.refresh_from_db()
    assert hashlib.sha256(stored(item.original)).hexdigest() == item.sha256
    before = np.array(Image.open(io.BytesIO(data)).convert("RGB"))
    after = np.array(Image.open(io.BytesIO(made)).convert("RGB"))
    assert region(after, 50, 60).max() == 0  # filled black
    blurred, original = region(after, 250, 150), region(before, 250, 150)
    # Each colour's spread inside the box: the checker's detail is gone.
    spread, was = blurred.std(axis=(0, 1)).max(), original.std(axis=(0, 1)).max()
    assert was > 100 and spread < was / 10
    # Outside the boxes the picture is as it was (PNG, lossless).
    assert np.array_equal(after[:, 330:], before[:, 330:])
    assert output.recipe["boxes"][0]["kind"] == "fill"
    reasons = list(
        Entry.objects.filter(object_type="redaction.redaction", object_id=str(redaction.pk))
        .order_by("pk")
        .values_list("reason", flat=True)
    )
    assert reasons == [
        "Redaction started: Public appeal",
        "Redaction boxes saved",
        "Redacted copy asked for",
        "Redacted copy made",
    ]


def test_a_tracked_box_follows_the_moving_square_and_sound_is_muted(
    world: World, on_commit: Any, tmp_path: Path
) -> None:
    item = video_item(world, tmp_path)
    officer, membership = world.user("officer"), world.membership("officer")
    redaction = redaction_create(actor=officer, membership=membership, item=item, purpose="CPS")
    x, y = testmedia.square_at(0, 320, 240)
    redaction_save(
        actor=officer,
        membership=membership,
        redaction=redaction,
        boxes=[{"kind": "fill", "x": x, "y": y, "w": 64, "h": 64, "start": 0, "track": True}],
        audio_segments=[{"kind": "mute", "start": 1.0, "end": 2.0}],
    )
    redaction = _produce(world, redaction, on_commit)
    assert redaction.status == Redaction.Status.PRODUCED, redaction.status_reason
    assert redaction.output is not None
    working = item.derived.get(kind="working_copy")
    assert redaction.output.parent_sha256 == working.sha256
    assert redaction.output.recipe["original_sha256"] == item.sha256
    out = tmp_path / "out.mp4"
    out.write_bytes(stored(redaction.output.file))
    checked = 0
    with av.open(str(out)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            pixels = frame.to_ndarray(format="rgb24")
            sx, sy = testmedia.square_at(i, 320, 240)
            assert region(pixels, sx, sy).mean() < 25, f"square visible at frame {i}"
            # The background away from the square is not blacked out.
            far_x = 240 if sx < 160 else 10
            assert pixels[200:230, far_x : far_x + 30].mean() > 80
            checked += 1
    assert checked == 75
    with av.open(str(out)) as container:
        sound = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
        rate = container.streams.audio[0].sample_rate

    def rms(a: float, b: float) -> float:
        return float(np.sqrt((sound[int(a * rate) : int(b * rate)] ** 2).mean()))

    assert rms(1.1, 1.9) < 0.01 < 0.2 < rms(0.2, 0.8)
    assert rms(2.2, 2.8) > 0.2


def test_only_police_of_the_force_in_editing_roles_redact(world: World) -> None:
    item = item_with(world, "shop.png", picture_bytes(), "image/png")
    for name in ("officer_b", "call_handler", "force_admin", "cctv_operator", "store_staff"):
        with pytest.raises(PermissionDenied):
            redaction_create(
                actor=world.user(name), membership=world.membership(name), item=item, purpose="x"
            )
    with pytest.raises(ValidationError):
        redaction_create(
            actor=world.user("officer"),
            membership=world.membership("officer"),
            item=item,
            purpose=" ",
        )


def test_bad_boxes_are_refused_in_plain_english(world: World) -> None:
    item = item_with(world, "shop.png", picture_bytes(), "image/png")
    officer, membership = world.user("officer"), world.membership("officer")
    redaction = redaction_create(actor=officer, membership=membership, item=item, purpose="x")
    with pytest.raises(ValidationError, match="Box 1: width"):
        redaction_save(
            actor=officer,
            membership=membership,
            redaction=redaction,
            boxes=[{"kind": "blur", "x": 1, "y": 1, "w": 0, "h": 5}],
        )
    with pytest.raises(ValidationError, match="blur or solid fill"):
        redaction_save(
            actor=officer,
            membership=membership,
            redaction=redaction,
            boxes=[{"kind": "paint", "x": 1, "y": 1, "w": 4, "h": 5}],
        )


def test_keyframes_put_a_drifting_box_back_and_untracked_boxes_interpolate() -> None:
    box = {"id": "b", "x": 0, "y": 0, "w": 10, "h": 10, "start": 0, "end": 20,
           "keyframes": [[10, 100, 50, 10, 10]]}  # fmt: skip
    track = engine.BoxTrack(box, 320, 240)
    assert track.position(0, None) == (0, 0, 10, 10)
    assert track.position(5, None) == (50, 25, 10, 10)
    assert track.position(10, None) == (100, 50, 10, 10)
    assert track.position(15, None) == (100, 50, 10, 10)
    assert not track.covers(21)
