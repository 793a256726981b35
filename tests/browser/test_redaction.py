"""The redaction editor in a real browser: draw a box by dragging on the picture, move and
resize it, save, preview, accept a suggestion, make the redacted copy; each page scanned
with axe-core and checked to fit the screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.redaction.models import Redaction
from lantern.redaction.services import redaction_create, redaction_save
from lantern.redaction.tests.helpers import item_with, picture_bytes, video_item

from .test_pages import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _desk(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def _values(page: Any, n: int) -> tuple[int, ...]:
    return tuple(int(page.locator(f"#box-{n}-{k}").input_value()) for k in "xywh")


def _drag(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    page.mouse.move(*end)
    page.mouse.up()


def test_draw_move_resize_save_preview_accept_and_produce(
    browser: Any, live_server: Any, world: World
) -> None:
    item = item_with(world, "shop.png", picture_bytes(), "image/png")
    redaction = redaction_create(
        actor=world.user("officer"), membership=world.membership("officer"), item=item,
        purpose="Public appeal",
    )  # fmt: skip
    redaction.suggestions = [
        {"id": "s1", "status": "pending", "origin": "face", "kind": "blur",
         "x": 250, "y": 150, "w": 64, "h": 64}
    ]  # fmt: skip
    redaction.save(update_fields=["suggestions"])
    base = live_server.url
    context, page = _desk(browser)
    try:
        sign_in(page, base, world, "officer")
        page.goto(base + reverse("redaction:detail", args=[redaction.pk]))
        canvas = page.locator("canvas[data-testid=redaction-canvas]")
        canvas.wait_for()
        page.wait_for_function(
            "() => document.getElementById('redaction-picture').naturalWidth > 0"
        )
        assert_accessible(page, "redaction editor")
        # The whole picture in the viewport (mouse positions are viewport coordinates).
        canvas.evaluate("el => el.scrollIntoView({block: 'start'})")
        box = canvas.bounding_box()
        assert box["height"] < 900
        s = box["width"] / 400  # screen pixels per picture pixel

        def screen(x: float, y: float) -> tuple[float, float]:
            return box["x"] + x * s, box["y"] + y * s

        _drag(page, screen(50, 60), screen(114, 124))
        x, y, w, h = _values(page, 0)
        assert abs(x - 50) <= 2 and abs(y - 60) <= 2 and abs(w - 64) <= 3 and abs(h - 64) <= 3
        # Move it 20 picture pixels right and 10 down by dragging its middle.
        _drag(page, screen(x + w / 2, y + h / 2), screen(x + w / 2 + 20, y + h / 2 + 10))
        moved = _values(page, 0)
        assert abs(moved[0] - (x + 20)) <= 2 and abs(moved[1] - (y + 10)) <= 2
        assert moved[2:] == (w, h)
        # Resize from the bottom-right corner.
        corner = screen(moved[0] + moved[2], moved[1] + moved[3])
        _drag(page, corner, (corner[0] + 16 * s, corner[1] + 8 * s))
        resized = _values(page, 0)
        assert resized[:2] == moved[:2]
        assert abs(resized[2] - (w + 16)) <= 2 and abs(resized[3] - (h + 8)) <= 2
        page.locator("#box-0-kind").select_option("fill")
        with page.expect_navigation():
            page.get_by_role("button", name="Save boxes").click()
        redaction.refresh_from_db()
        saved = redaction.boxes[0]
        assert (saved["kind"], saved["x"], saved["y"]) == ("fill", resized[0], resized[1])
        # Preview swaps the picture for the server's redacted preview.
        page.get_by_role("button", name="Preview with saved boxes").click()
        assert "/preview/" in page.locator("#redaction-picture").get_attribute("src")
        page.get_by_role("button", name="Back to drawing").click()
        # Accept the suggested face: it becomes a box.
        with page.expect_navigation():
            page.get_by_role("button", name="Accept the face at 250, 150").click()
        redaction.refresh_from_db()
        assert [b["origin"] for b in redaction.boxes] == ["person", "face"]
        assert redaction.suggestions[0]["status"] == "accepted"
        with page.expect_navigation():
            page.get_by_role("button", name="Make the redacted copy").click()
        redaction.refresh_from_db()
        assert redaction.status == Redaction.Status.PRODUCED, redaction.status_reason
        page.goto(base + reverse("redaction:detail", args=[redaction.pk]))
        assert redaction.output is not None and redaction.output.sha256 in page.content()
        assert "Suggested face, accepted" in page.content()
        assert_accessible(page, "redaction with its redacted copy")
    finally:
        context.close()


def test_video_editor_corrects_a_box_by_hand_on_a_later_frame(
    browser: Any, live_server: Any, world: World, tmp_path: Any
) -> None:
    item = video_item(world, tmp_path, seconds=1.0)
    redaction = redaction_create(
        actor=world.user("investigator"), membership=world.membership("investigator"),
        item=item, purpose="CPS",
    )  # fmt: skip
    redaction_save(
        actor=world.user("investigator"), membership=world.membership("investigator"),
        redaction=redaction,
        boxes=[{"kind": "blur", "x": 40, "y": 40, "w": 64, "h": 64, "start": 0, "track": True}],
        audio_segments=[],
    )  # fmt: skip
    context, page = _desk(browser)
    try:
        sign_in(page, live_server.url, world, "investigator")
        page.goto(live_server.url + reverse("redaction:detail", args=[redaction.pk]) + "?n=10")
        page.wait_for_function(
            "() => document.getElementById('redaction-picture').naturalWidth === 320"
        )
        assert page.get_by_role("heading", name="Frame 10").is_visible()
        assert_accessible(page, "video redaction editor")
        canvas = page.locator("canvas[data-testid=redaction-canvas]")
        canvas.evaluate("el => el.scrollIntoView({block: 'start'})")
        box = canvas.bounding_box()
        s = box["width"] / 320

        def screen(x: float, y: float) -> tuple[float, float]:
            return box["x"] + x * s, box["y"] + y * s

        # On frame 10 the tracked box is drawn where it started; dragging it there puts it
        # where the person really is at frame 10, as a correction. Its start is unchanged.
        _drag(page, screen(72, 72), screen(102, 82))
        assert _values(page, 0) == (40, 40, 64, 64)
        correction = page.locator("#box-0-keyframes").input_value().split()
        assert correction[0] == "10" and abs(int(correction[1]) - 70) <= 2
        assert abs(int(correction[2]) - 50) <= 2 and correction[3:] == ["64", "64"]
        assert "corrected at frame 10" in page.get_by_role("status").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Save boxes").click()
        redaction.refresh_from_db()
        saved = redaction.boxes[0]
        assert (saved["x"], saved["y"], saved["start"]) == (40, 40, 0)
        assert len(saved["keyframes"]) == 1 and saved["keyframes"][0][0] == 10
        assert "1 correction" in page.content()
    finally:
        context.close()
