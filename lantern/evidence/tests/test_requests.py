"""Requesting footage and handing it over, end to end, for allowed and refused users."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.evidence.models import EvidenceItem, EvidenceRequest, RequestLink
from lantern.ledger.models import Action, Entry

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2000


def _form(world: World, **changes: object) -> dict[str, object]:
    start = timezone.localtime() - timedelta(days=2)
    data: dict[str, object] = {
        "case_reference": "NP/2026/0042",
        "case_title": "Theft from store",
        "recipient_kind": "control_room",
        "control_room": world.orgs["council"].control_rooms.get().pk,
        "location": "High Street, cameras 3 and 4",
        "window_start": start.strftime("%Y-%m-%dT%H:%M"),
        "window_end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "Theft of goods; suspect left towards the station",
        "deadline": (date.today() + timedelta(days=5)).isoformat(),
    }
    data.update(changes)
    return data


def _link_path(body: str) -> str:
    match = re.search(r"http://127\.0\.0\.1:8000(/evidence/link/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def _create(
    client_for, world: World, mailoutbox, on_commit, **changes: object
) -> tuple[EvidenceRequest, str]:
    with on_commit():
        response = client_for("officer").post(
            reverse("evidence:request-new"), _form(world, **changes)
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    request = EvidenceRequest.objects.latest("id")
    return request, _link_path(mailoutbox[-1].body)


def test_officer_requests_council_footage_and_operator_uploads(
    world: World, client_for, mailoutbox, on_commit
):
    request, path = _create(client_for, world, mailoutbox, on_commit)
    assert mailoutbox[-1].to == sorted(
        [world.user("cctv_operator").email, world.user("cctv_manager").email]
    )
    assert request.reference in mailoutbox[-1].subject
    assert Entry.objects.filter(action=Action.CREATED, object_id=str(request.pk)).exists()

    # Not signed in: asked to sign in as a member of the council.
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and "/accounts/sign-in/" in anonymous["Location"]
    # Members of other organisations are refused.
    for name in ("cctv_operator_b", "store_staff", "lp_manager"):
        assert client_for(name).get(path).status_code == 403

    operator = client_for("cctv_operator")
    assert operator.get(path)["Location"] == reverse("evidence:respond")
    page = operator.get(reverse("evidence:respond"))
    assert "High Street, cameras 3 and 4" in page.content.decode()

    nothing = operator.post(reverse("evidence:respond-upload"), {}, follow=True).content.decode()
    assert "Choose at least one file to upload." in nothing and "Files uploaded" not in nothing
    upload = SimpleUploadedFile("cam3.mp4", MP4, content_type="video/mp4")
    assert (
        operator.post(reverse("evidence:respond-upload"), {"footage": [upload]}).status_code == 302
    )
    item = EvidenceItem.objects.get()
    assert item.state == EvidenceItem.State.DRAFT
    assert item.sha256 == hashlib.sha256(MP4).hexdigest()
    assert item.original.read() == MP4

    bad = operator.post(
        reverse("evidence:respond-submit"), {f"offset-{item.pk}": "ten"}, follow=True
    )
    assert "as a whole number of seconds" in bad.content.decode()
    with on_commit():
        receipt = operator.post(
            reverse("evidence:respond-submit"),
            {f"description-{item.pk}": "Camera 3, entrance", f"offset-{item.pk}": "-45"},
        )
    assert item.sha256 in receipt.content.decode()
    item.refresh_from_db()
    assert item.description == "Camera 3, entrance" and item.clock_offset_seconds == -45
    # Checked straight away in tests (the worker does it in production). A header followed by
    # zeros is not playable video: kept as the original, never rejected.
    assert item.state == EvidenceItem.State.ORIGINAL_ONLY and item.content_type == "video/mp4"
    assert mailoutbox[-1].to == [world.user("officer").email]
    request.refresh_from_db()
    assert request.status == EvidenceRequest.Status.RECEIVED
    detail = client_for("officer").get(reverse("evidence:request-detail", args=[request.reference]))
    assert item.sha256 in detail.content.decode()


def test_public_recipient_proves_the_contact_with_a_code(
    world: World, client_for, mailoutbox, on_commit
):
    _, path = _create(
        client_for,
        world,
        mailoutbox,
        on_commit,
        recipient_kind="person",
        recipient_name="Sam Witness",
        recipient_email="sam@example.test",
        control_room="",
    )
    assert mailoutbox[-1].to == ["sam@example.test"]
    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200 and "sa•@example.test" in page.content.decode()
    assert visitor.get(reverse("evidence:respond")).status_code == 403  # not yet proved
    with on_commit():
        visitor.post(path, {"action": "send"})
    code = re.search(r"is (\d{6})", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]
    wrong = visitor.post(path, {"code": "000000" if code != "000000" else "111111"})
    assert "The code is not correct" in wrong.content.decode()
    assert visitor.post(path, {"code": code})["Location"] == reverse("evidence:respond")
    assert visitor.get(reverse("evidence:respond")).status_code == 200
    # The code works once: another browser cannot reuse it.
    assert "not correct" in Client().post(path, {"code": code}).content.decode()


def test_tus_upload_through_the_link_becomes_a_draft_item(
    world: World, client_for, mailoutbox, on_commit
):
    _, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    headers = {"HTTP_TUS_RESUMABLE": "1.0.0"}
    meta = "filename " + base64.b64encode(b"export.dav").decode()
    created = operator.post(
        reverse("uploads:collection"),
        b"",
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_LENGTH=str(len(MP4)),
        HTTP_UPLOAD_METADATA=meta,
        **headers,
    )
    assert created.status_code == 201, created.content
    location = created["Location"].split("testserver", 1)[-1]
    with on_commit():
        patched = operator.patch(
            location,
            MP4,
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET="0",
            **headers,
        )
    assert patched.status_code == 204
    item = EvidenceItem.objects.get()
    assert item.original_name == "export.dav" and item.sha256 == hashlib.sha256(MP4).hexdigest()
    # Another organisation's member cannot see or resume that upload.
    other = client_for("cctv_operator_b")
    assert other.head(location, **headers).status_code == 404


def test_uploads_need_an_open_link(world: World, client_for, mailoutbox, on_commit):
    url = reverse("uploads:collection")
    kind = "application/offset+octet-stream"
    for client in (client_for("cctv_operator"), Client()):
        refused = client.post(
            url, b"", content_type=kind, HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="10"
        )
        assert refused.status_code == 403


def test_chase_replaces_the_link_and_close_stops_it(
    world: World, client_for, mailoutbox, on_commit
):
    request, old_path = _create(client_for, world, mailoutbox, on_commit)
    officer = client_for("officer")
    with on_commit():
        officer.post(reverse("evidence:request-chase", args=[request.reference]))
    new_path = _link_path(mailoutbox[-1].body)
    assert mailoutbox[-1].subject.startswith("Reminder:")
    operator = client_for("cctv_operator")
    assert operator.get(old_path).status_code == 404
    assert operator.get(new_path).status_code == 302
    close = reverse("evidence:request-close", args=[request.reference])
    assert "Enter why you are closing" in officer.post(close, {"reason": ""}).content.decode()
    officer.post(close, {"reason": "Suspect charged; footage not needed"})
    assert operator.get(new_path).status_code == 404
    # The session granted earlier stops working too.
    assert operator.get(reverse("evidence:respond")).status_code == 403


def test_expired_link_refused(world: World, client_for, mailoutbox, on_commit):
    _, path = _create(client_for, world, mailoutbox, on_commit)
    RequestLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_for("cctv_operator").get(path).status_code == 404


def test_request_form_errors_keep_what_was_typed(world: World, client_for):
    officer = client_for("officer")
    data = _form(world, control_room="", window_end="2000-01-01T00:00", deadline="2000-01-01")
    body = officer.post(reverse("evidence:request-new"), data).content.decode()
    assert "Choose the CCTV control room" in body
    assert "The end must be after the start" in body
    assert "today or in the future" in body
    assert 'value="NP/2026/0042"' in body
    assert not EvidenceRequest.objects.exists()
    person = officer.post(
        reverse("evidence:request-new"),
        _form(world, recipient_kind="person", control_room="", recipient_phone="12"),
    )
    assert "Enter a valid phone number" in person.content.decode()


def test_who_may_request_and_see(world: World, client_for, mailoutbox, on_commit):
    for name in ("call_handler", "analyst", "lp_manager", "cctv_operator"):
        assert client_for(name).get(reverse("evidence:request-new")).status_code == 403
    request, _ = _create(client_for, world, mailoutbox, on_commit)
    url = reverse("evidence:request-detail", args=[request.reference])
    for name, status in (
        ("investigator", 200),
        ("cctv_manager", 200),
        ("officer_b", 404),
        ("cctv_operator_b", 404),
        ("store_staff", 404),
        ("lp_manager", 404),
    ):
        assert client_for(name).get(url).status_code == status, name
    listing = client_for("cctv_operator").get(reverse("evidence:request-list")).content.decode()
    assert request.reference in listing
    assert (
        request.reference
        not in client_for("officer_b").get(reverse("evidence:request-list")).content.decode()
    )


def test_store_staff_see_only_their_stores_requests(
    world: World, client_for, mailoutbox, on_commit
):
    own, _ = _create(
        client_for,
        world,
        mailoutbox,
        on_commit,
        recipient_kind="store",
        store=world.stores["store"].pk,
        control_room="",
    )
    other, _ = _create(
        client_for,
        world,
        mailoutbox,
        on_commit,
        recipient_kind="store",
        store=world.stores["store2"].pk,
        control_room="",
    )
    staff = client_for("store_staff")
    assert staff.get(reverse("evidence:request-detail", args=[own.reference])).status_code == 200
    assert staff.get(reverse("evidence:request-detail", args=[other.reference])).status_code == 404
    manager = client_for("lp_manager")
    assert (
        manager.get(reverse("evidence:request-detail", args=[other.reference])).status_code == 200
    )


def test_at_risk_and_overdue_lists(world: World, client_for, mailoutbox, on_commit):
    old = timezone.localtime() - timedelta(days=27)  # the council keeps 28 days
    request, _ = _create(
        client_for,
        world,
        mailoutbox,
        on_commit,
        window_start=old.strftime("%Y-%m-%dT%H:%M"),
        window_end=(old + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert request.at_risk
    page = client_for("officer").get(reverse("evidence:request-list"))
    assert page.context["at_risk"] == [request]
    detail = client_for("officer").get(reverse("evidence:request-detail", args=[request.reference]))
    assert "may be overwritten" in detail.content.decode()
    EvidenceRequest.objects.update(
        deadline=date.today() - timedelta(days=1), window_start=timezone.now() - timedelta(hours=2)
    )
    assert client_for("officer").get(reverse("evidence:request-list")).context["overdue"] == [
        EvidenceRequest.objects.get()
    ]


def test_extend(world: World, client_for, mailoutbox, on_commit):
    request, _ = _create(client_for, world, mailoutbox, on_commit)
    url = reverse("evidence:request-extend", args=[request.reference])
    new = date.today() + timedelta(days=20)
    assert client_for("officer").post(url, {"deadline": new.isoformat()}).status_code == 302
    request.refresh_from_db()
    assert request.deadline == new
    assert client_for("cctv_operator").post(url, {"deadline": new.isoformat()}).status_code == 403


def test_check_page_confirms_without_revealing(world: World, client_for, mailoutbox, on_commit):
    request, _ = _create(client_for, world, mailoutbox, on_commit)
    genuine = Client().get(reverse("evidence:check"), {"reference": request.reference.lower()})
    body = genuine.content.decode()
    assert "is a genuine request from Force A" in body
    assert "High Street" not in body and request.reason not in body
    fake = Client().get(reverse("evidence:check"), {"reference": "LR-AAAA-BBBB"})
    assert "We have no request with the reference" in fake.content.decode()


def test_blocked_file_type_rejected(world: World, client_for, mailoutbox, on_commit):
    _, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    exe = SimpleUploadedFile("video.mp4", b"MZ\x90\x00" + b"\x00" * 500)
    operator.post(reverse("evidence:respond-upload"), {"footage": [exe]})
    item = EvidenceItem.objects.get()
    with on_commit():
        operator.post(reverse("evidence:respond-submit"), {})
    item.refresh_from_db()
    assert item.state == EvidenceItem.State.REJECTED
    assert "not accepted" in item.state_reason
