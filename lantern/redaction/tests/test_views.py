"""The redaction pages: the plain form (boxes as numbers), previews, suggestions, releases
with a second person's approval, and what partners and the public can reach."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from lantern.accounts.tests.factories import World
from lantern.ledger.models import Entry
from lantern.redaction.models import Redaction, Release
from lantern.redaction.services import redaction_create

from .helpers import item_with, picture_bytes, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def picture_redaction(world: World) -> Redaction:
    item = item_with(world, "shop.png", picture_bytes(), "image/png")
    return redaction_create(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        item=item,
        purpose="Public appeal",
    )


def _boxes_post(*boxes: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"box-count": len(boxes) + 1}
    for n, box in enumerate(boxes):
        for key, value in box.items():
            data[f"box-{n}-{key}"] = value
    data[f"box-{len(boxes)}-kind"] = "blur"  # the empty row for a new box
    return data


def test_item_page_links_to_redaction_and_lists_copies(
    world: World, client_for: Any, picture_redaction: Redaction
) -> None:
    item = picture_redaction.item
    page = client_for("investigator").get(reverse("evidence:item-detail", args=[item.pk]))
    html = page.content.decode()
    assert "Redacted copies" in html and reverse("redaction:item", args=[item.pk]) in html
    assert "Public appeal" in html
    # A partner's view of an item never lists or links redactions.
    url = reverse("redaction:item", args=[item.pk])
    assert client_for("investigator").get(url).status_code == 200
    assert client_for("cctv_operator").get(url).status_code == 403
    assert client_for("officer_b").get(url).status_code == 404


def test_start_a_redaction_from_the_item(world: World, client_for: Any) -> None:
    item = item_with(world, "shop.png", picture_bytes(), "image/png")
    url = reverse("redaction:item", args=[item.pk])
    refused = client_for("call_handler").post(url, {"purpose": "Appeal"})
    assert refused.status_code == 403 and not Redaction.objects.exists()
    empty = client_for("officer").post(url, {"purpose": "  "})
    assert (
        empty.status_code == 400 and "Say what the redacted copy is for" in empty.content.decode()
    )
    made = client_for("officer").post(url, {"purpose": "Appeal"})
    redaction = Redaction.objects.get()
    assert made["Location"] == reverse("redaction:detail", args=[redaction.pk])


def test_plain_form_saves_boxes_and_keeps_bad_input(
    world: World, client_for: Any, picture_redaction: Redaction
) -> None:
    url = reverse("redaction:detail", args=[picture_redaction.pk])
    officer = client_for("officer")
    assert officer.get(url).status_code == 200
    bad = officer.post(
        url, _boxes_post({"kind": "fill", "x": "50", "y": "sixty", "w": 64, "h": 64})
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Box 1: top must be a number" in html and 'value="sixty"' in html
    good = officer.post(url, _boxes_post({"kind": "fill", "x": 50, "y": 60, "w": 64, "h": 64}))
    assert good.status_code == 302
    picture_redaction.refresh_from_db()
    assert picture_redaction.boxes[0] | {"id": "b1"} == {
        "id": "b1", "kind": "fill", "x": 50, "y": 60, "w": 64, "h": 64, "origin": "person"
    }  # fmt: skip
    # The preview shows the box filled; the picture to draw on does not.
    preview = officer.get(reverse("redaction:preview", args=[picture_redaction.pk]))
    shown = np.array(Image.open(io.BytesIO(preview.content)).convert("RGB"))
    assert region(shown, 50, 60).mean() < 10
    plain = officer.get(reverse("redaction:picture", args=[picture_redaction.pk]))
    assert (
        region(np.array(Image.open(io.BytesIO(plain.content)).convert("RGB")), 50, 60).mean() > 60
    )
    # Roles that may look but not edit.
    assert client_for("call_handler").get(url).status_code == 200
    assert client_for("call_handler").post(url, _boxes_post()).status_code == 403
    assert client_for("cctv_operator").get(url).status_code == 403
    assert client_for("investigator_b").get(url).status_code == 404


def test_produce_then_release_needs_a_second_person(
    world: World, client_for: Any, picture_redaction: Redaction, on_commit: Any
) -> None:
    pk = picture_redaction.pk
    officer = client_for("officer")
    officer.post(
        reverse("redaction:detail", args=[pk]),
        _boxes_post({"kind": "blur", "x": 250, "y": 150, "w": 64, "h": 64}),
    )
    with on_commit():
        assert officer.post(reverse("redaction:produce", args=[pk])).status_code == 302
    picture_redaction.refresh_from_db()
    assert picture_redaction.status == Redaction.Status.PRODUCED
    page = officer.get(reverse("redaction:detail", args=[pk])).content.decode()
    assert picture_redaction.output is not None
    assert picture_redaction.output.sha256 in page and picture_redaction.item.sha256 in page
    council = world.orgs["council"]
    officer.post(
        reverse("redaction:release", args=[pk]),
        {"audience": "partner", "partner": council.pk, "reason": "Identify the man"},
    )
    release = Release.objects.get()
    assert release.status == Release.Status.PENDING
    shared = reverse("redaction:shared-file", args=[release.pk])
    assert client_for("cctv_operator").get(shared).status_code == 404  # not yet released
    decide = reverse("redaction:release-decide", args=[release.pk])
    # Not the person who asked; not a role that approves.
    client_for("officer").post(decide, {"decision": "approve"})
    assert client_for("call_handler").post(decide, {"decision": "approve"}).status_code == 403
    release.refresh_from_db()
    assert release.status == Release.Status.PENDING
    client_for("supervisor").post(decide, {"decision": "approve"})
    release.refresh_from_db()
    assert release.status == Release.Status.RELEASED and release.decided_by == world.user(
        "supervisor"
    )
    # The council sees the redacted copy, never the original.
    listing = client_for("cctv_operator").get(reverse("redaction:shared")).content.decode()
    assert shared in listing
    got = client_for("cctv_operator").get(shared)
    assert got.status_code == 200
    body = b"".join(got.streaming_content)  # type: ignore[attr-defined]
    with picture_redaction.output.file.open("rb") as handle:
        assert body == handle.read()
    item = picture_redaction.item
    assert client_for("cctv_operator").get(
        reverse("evidence:item-download", args=[item.pk])
    ).status_code in (403, 404)
    assert client_for("cctv_operator_b").get(shared).status_code == 404
    assert client_for("lp_manager").get(shared).status_code == 404
    actions = list(
        Entry.objects.filter(object_type="redaction.release")
        .exclude(action="authz_failed")
        .values_list("action", flat=True)
    )
    assert actions == ["created", "approved", "shared"]


def _produced(client_for: Any, pk: int, on_commit: Any) -> Any:
    """The officer boxes a square at (50, 60) and makes the redacted copy; returns the client."""
    officer = client_for("officer")
    officer.post(
        reverse("redaction:detail", args=[pk]),
        _boxes_post({"kind": "fill", "x": 50, "y": 60, "w": 64, "h": 64}),
    )
    with on_commit():
        officer.post(reverse("redaction:produce", args=[pk]))
    return officer


def test_force_can_let_the_asker_release_to_the_public(
    world: World, client_for: Any, picture_redaction: Redaction, on_commit: Any
) -> None:
    assert client_for("officer").get(reverse("redaction:settings")).status_code == 403
    admin = client_for("force_admin")
    assert admin.post(reverse("redaction:settings"), {}).status_code == 400
    admin.post(reverse("redaction:settings"), {"second_person": "no"})
    pk = picture_redaction.pk
    officer = _produced(client_for, pk, on_commit)
    officer.post(
        reverse("redaction:release", args=[pk]), {"audience": "public", "reason": "Appeal"}
    )
    release = Release.objects.get()
    assert release.status == Release.Status.RELEASED and release.public_token
    public = reverse("redaction:public", args=[release.public_token])
    from django.test import Client

    got = Client().get(public)
    assert got.status_code == 200
    body = b"".join(got.streaming_content)  # type: ignore[attr-defined]
    pixels = np.array(Image.open(io.BytesIO(body)).convert("RGB"))
    assert region(pixels, 50, 60).max() == 0
    assert Client().get(reverse("redaction:public", args=["guess"])).status_code == 404

    # The appeal is over: the release is withdrawn, with a reason, and the link stops.
    withdraw = reverse("redaction:release-withdraw", args=[release.pk])
    page = reverse("redaction:detail", args=[pk])
    assert client_for("call_handler").post(withdraw, {"reason": "Found"}).status_code == 403
    assert client_for("officer_b").post(withdraw, {"reason": "Found"}).status_code == 404
    refused = client_for("supervisor").post(withdraw, {"reason": "  "}, follow=True)
    assert "Enter why the release is withdrawn" in refused.content.decode()
    assert Client().get(public).status_code == 200  # still released
    assert withdraw in client_for("supervisor").get(page).content.decode()
    done = client_for("supervisor").post(withdraw, {"reason": "Man identified"}, follow=True)
    assert "Release withdrawn" in done.content.decode()
    release.refresh_from_db()
    assert release.status == Release.Status.WITHDRAWN
    assert Client().get(public).status_code == 404
    entry = Entry.objects.get(object_type="redaction.release", action="disabled")
    assert entry.reason == "Man identified" and entry.actor == world.user("supervisor")
    again = client_for("supervisor").post(withdraw, {"reason": "Twice"}, follow=True)
    assert "Only a released copy can be withdrawn" in again.content.decode()


def test_a_release_can_have_a_last_day_and_a_refused_form_keeps_its_input(
    world: World, client_for: Any, picture_redaction: Redaction, on_commit: Any
) -> None:
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    client_for("force_admin").post(reverse("redaction:settings"), {"second_person": "no"})
    pk = picture_redaction.pk
    officer = _produced(client_for, pk, on_commit)
    release_url = reverse("redaction:release", args=[pk])
    council = world.orgs["council"]
    today = timezone.localdate()

    # Refused: a date that is not a date, then a day already past. The page says why and
    # keeps what was entered.
    for value, message in (
        ("31/12/2026", "Enter the last day as a real date, like 2026-12-31"),
        ((today - timedelta(days=1)).isoformat(), "The last day must be today or later"),
    ):
        data = {
            "audience": "partner",
            "partner": council.pk,
            "reason": "Identify the man in the red coat",
            "available_until": value,
        }
        refused = officer.post(release_url, data)
        html = refused.content.decode()
        assert refused.status_code == 400 and message in html
        assert "Identify the man in the red coat</textarea>" in html
        assert f'value="{value}"' in html
        assert f'<option value="{council.pk}" selected>' in html
        assert '<option value="partner" selected>' in html
    assert not Release.objects.exists()

    # Released to the council and to the public until today: both can open it today...
    for audience in ("partner", "public"):
        done = officer.post(
            release_url,
            {
                "audience": audience,
                "partner": council.pk,
                "reason": "Appeal",
                "available_until": today.isoformat(),
            },
        )
        assert done.status_code == 302
    partner_release = Release.objects.get(audience="partner")
    public_release = Release.objects.get(audience="public")
    assert partner_release.available_until == today and partner_release.status == "released"
    created = Entry.objects.get(object_id=str(public_release.pk), action="created")
    assert created.detail["available_until"] == today.isoformat()
    shared = reverse("redaction:shared-file", args=[partner_release.pk])
    public = reverse("redaction:public", args=[public_release.public_token])
    listing = client_for("cctv_operator").get(reverse("redaction:shared")).content.decode()
    assert shared in listing and "Until the end of" in listing
    assert client_for("cctv_operator").get(shared).status_code == 200
    assert Client().get(public).status_code == 200

    # ...and after that day neither can: the release has ended by itself.
    Release.objects.update(available_until=today - timedelta(days=1))
    assert client_for("cctv_operator").get(shared).status_code == 404
    listing = client_for("cctv_operator").get(reverse("redaction:shared")).content.decode()
    assert shared not in listing
    assert Client().get(public).status_code == 404
    page = officer.get(reverse("redaction:detail", args=[pk])).content.decode()
    assert "Ended " in page and public not in page


def test_partners_find_shared_copies_and_force_admins_the_settings_in_the_menu(
    client_for: Any,
) -> None:
    shared = f'href="{reverse("redaction:shared")}"'
    settings_link = f'href="{reverse("redaction:settings")}"'
    for partner in ("cctv_operator", "store_staff", "lp_manager"):
        home = client_for(partner).get(reverse("core:home")).content.decode()
        assert shared in home and "Shared with you" in home, partner
        assert client_for(partner).get(reverse("redaction:shared")).status_code == 200
    officer = client_for("officer").get(reverse("core:home")).content.decode()
    assert shared not in officer and settings_link not in officer
    admin = client_for("force_admin").get(reverse("core:home")).content.decode()
    assert settings_link in admin and shared not in admin


def test_saving_the_form_as_the_page_renders_it_keeps_the_boxes(
    client_for: Any, picture_redaction: Redaction
) -> None:
    """The page always adds an empty row for a new box, with its hidden defaults (kind,
    origin): posted untouched next to an existing box, it is not a box."""
    url = reverse("redaction:detail", args=[picture_redaction.pk])
    officer = client_for("officer")
    first = _boxes_post({"kind": "fill", "x": 50, "y": 60, "w": 64, "h": 64})
    assert officer.post(url, first).status_code == 302
    page = officer.get(url).content.decode()
    assert 'name="box-1-origin" value="person"' in page  # the empty row, as rendered
    again = {
        "box-count": 2,
        "box-0-id": "b1", "box-0-origin": "person", "box-0-kind": "fill",
        "box-0-x": 52, "box-0-y": 60, "box-0-w": 64, "box-0-h": 64,
        "box-1-id": "", "box-1-origin": "person", "box-1-kind": "blur",
        "box-1-x": "", "box-1-y": "", "box-1-w": "", "box-1-h": "",
    }  # fmt: skip
    response = officer.post(url, again)
    assert response.status_code == 302, response.content.decode()[:3000]
    picture_redaction.refresh_from_db()
    assert [(b["x"], b["kind"]) for b in picture_redaction.boxes] == [(52, "fill")]
