"""Video calls end to end through the Django views: scheduling from an incident, the
person's link, signalling, consent before recording, the recording and files as evidence
items, the call log; refused users, expired links and third parties."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.casework.models import Incident, IncidentEntry
from lantern.casework.services import IncidentInput, incident_create
from lantern.evidence.models import EvidenceItem
from lantern.ledger.models import Action, Entry
from lantern.notifications.models import OutboxMessage
from lantern.videocalls import services
from lantern.videocalls.models import CallLink, VideoCall

pytestmark = pytest.mark.django_db

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 3000
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def _incident(world: World) -> Incident:
    return incident_create(
        actor=world.user("call_handler"),
        membership=world.membership("call_handler"),
        data=IncidentInput(grade=3, location="12 High St", summary="Shed broken into overnight"),
    )


def _schedule(client_for: Any, world: World, on_commit: Any, **changes: str) -> tuple[str, str]:
    """The officer arranges a call on a new incident; returns (call reference, join path)."""
    incident = _incident(world)
    data = {
        "reference": incident.reference,
        "person_name": "Sam Caller",
        "person_phone": "07700 900982",
        "person_email": "",
        "scheduled_for": "",
    }
    data.update(changes)
    with on_commit():
        response = client_for("officer").post(reverse("videocalls:new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    call = VideoCall.objects.latest("pk")
    sms = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS).latest("pk")
    match = re.search(r"http://127\.0\.0\.1:8000(/video-calls/join/[^/\s]+/)", sms.body)
    assert match, sms.body
    return call.reference, match.group(1)


def _join(path: str) -> Client:
    person = Client()
    response = person.get(path)
    assert response.status_code == 302 and response["Location"] == reverse("videocalls:public")
    return person


def _post_signal(client: Client, url: str, kind: str, data: dict[str, Any]) -> Any:
    return client.post(
        url, json.dumps({"kind": kind, "data": data}), content_type="application/json"
    )


def test_officer_arranges_a_call_from_an_incident_and_the_link_is_sent(
    world: World, client_for: Any, on_commit: Any
) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    call = VideoCall.objects.get(reference=reference)
    assert call.incident is not None and call.case == call.incident.case
    assert call.officer == world.user("officer") and call.status == VideoCall.Status.SCHEDULED
    # Only the hash of the token is stored; the link works once opened.
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert not CallLink.objects.filter(token_hash=token).exists()
    assert services.link_for_token(token) == call.links.get()
    entry = IncidentEntry.objects.filter(incident=call.incident, text__contains=reference).get()
    assert "scheduled with Sam Caller" in entry.text
    assert Entry.objects.filter(
        object_type="videocalls.videocall", object_id=str(call.pk), action=Action.CREATED
    ).exists()
    # The detail page and the queue list it; the live controls are for its officer only.
    detail = client_for("officer").get(reverse("videocalls:detail", args=[reference]))
    assert detail.status_code == 200 and b'data-side="officer"' in detail.content
    colleague = client_for("supervisor").get(reverse("videocalls:detail", args=[reference]))
    assert colleague.status_code == 200 and b'data-side="officer"' not in colleague.content
    # Refused: a partner, and police who do not run calls.
    assert client_for("store_staff").get(reverse("videocalls:new")).status_code == 403
    assert client_for("analyst").get(reverse("videocalls:new")).status_code == 403
    assert (
        client_for("officer_b").get(reverse("videocalls:detail", args=[reference])).status_code
        == 404
    )


def test_schedule_form_keeps_what_was_entered_and_says_what_is_wrong(
    world: World, client_for: Any
) -> None:
    response = client_for("officer").post(
        reverse("videocalls:new"),
        {"reference": "INC-NOPE", "person_name": "Sam Caller", "person_phone": "07700 900982"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is no incident or case with this reference" in body and "INC-NOPE" in body
    response = client_for("officer").post(
        reverse("videocalls:new"), {"reference": "X", "person_name": "Sam"}
    )
    assert "Enter a mobile number or an email address" in response.content.decode()
    assert not VideoCall.objects.exists()


def test_person_joins_with_the_link_and_both_sides_signal(
    world: World, client_for: Any, on_commit: Any
) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    officer = client_for("officer")
    person = _join(path)
    page = person.get(reverse("videocalls:public"))
    assert page.status_code == 200 and b'data-side="public"' in page.content
    assert VideoCall.objects.get(reference=reference).joined_at is not None
    officer_url = reverse("videocalls:signal", args=[reference])
    public_url = reverse("videocalls:public-signal")
    assert _post_signal(person, public_url, "hello", {}).status_code == 201
    got = officer.get(officer_url, {"after": 0}).json()
    assert [m["kind"] for m in got["messages"]] == ["hello"]
    offer = {"type": "offer", "sdp": "v=0..."}
    assert _post_signal(officer, officer_url, "offer", offer).status_code == 201
    got = person.get(public_url, {"after": 0}).json()
    # Each side receives only the other side's messages.
    assert [(m["kind"], m["data"]) for m in got["messages"]] == [("offer", offer)]
    assert (
        _post_signal(person, public_url, "answer", {"type": "answer", "sdp": "v=0"}).status_code
        == 201
    )
    call = VideoCall.objects.get(reference=reference)
    assert call.status == VideoCall.Status.LIVE and call.started_at is not None
    again = officer.get(officer_url, {"after": got["cursor"]}).json()
    assert [m["kind"] for m in again["messages"]] == ["answer"]
    assert again["call"] == {"status": "live", "consent": False, "recording": False}
    # Nothing new: a long poll waits, then answers with no messages and the same cursor.
    idle = officer.get(officer_url, {"after": again["cursor"], "wait": "0.3"}).json()
    assert idle["messages"] == [] and idle["cursor"] == again["cursor"]
    # Bad messages are refused with a reason.
    assert _post_signal(officer, officer_url, "shell", {}).status_code == 400
    bad = officer.post(officer_url, "[1]", content_type="application/json")
    assert bad.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_one_link_cannot_hold_many_waiting_requests(
    world: World, client_for: Any, on_commit: Any, settings: Any
) -> None:
    """Each waiting poll holds a web thread: a link opened in many tabs gets its share
    (here 1) and a 429 for more, while polls that do not wait still answer; the share comes
    back when the waiting poll ends."""
    settings.LANTERN_VIDEO_POLLS_PER_SIDE = 1
    _reference, path = _schedule(client_for, world, on_commit)
    person = _join(path)
    other_tab = Client()
    other_tab.cookies = person.cookies
    url = reverse("videocalls:public-signal")
    waiting = {"after": "999999999", "wait": "5"}
    first: dict[str, int] = {}

    def hold() -> None:
        try:
            first["status"] = person.get(url, waiting).status_code
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(1.5)
    refused = other_tab.get(url, waiting)
    assert refused.status_code == 429 and refused["Retry-After"] == "2"
    assert other_tab.get(url, {"after": "0", "wait": "0"}).status_code == 200
    thread.join()
    assert first["status"] == 200
    assert other_tab.get(url, {"after": "999999999", "wait": "0.3"}).status_code == 200


def test_expired_link_cannot_join(world: World, client_for: Any, on_commit: Any) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    person = _join(path)
    CallLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    refused = Client().get(path)
    assert refused.status_code == 404 and b"This call link does not work" in refused.content
    # A browser that joined before the link expired is out too.
    assert person.get(reverse("videocalls:public")).status_code == 404
    assert person.get(reverse("videocalls:public-signal")).status_code == 404
    assert _post_signal(person, reverse("videocalls:public-signal"), "hello", {}).status_code == 404
    assert not VideoCall.objects.get(reference=reference).signals.exists()


def test_a_new_link_replaces_the_old_one(world: World, client_for: Any, on_commit: Any) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    with on_commit():
        response = client_for("officer").post(reverse("videocalls:resend", args=[reference]))
    assert response.status_code == 302
    assert Client().get(path).status_code == 404
    sms = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS).latest("pk")
    new_path = re.search(r"(/video-calls/join/[^/\s]+/)", sms.body)
    assert new_path and Client().get(new_path.group(1)).status_code == 302
    assert (
        client_for("officer_b").post(reverse("videocalls:resend", args=[reference])).status_code
        == 404
    )
    assert (
        client_for("analyst").post(reverse("videocalls:resend", args=[reference])).status_code
        == 403
    )


def test_third_party_cannot_join_a_call(world: World, client_for: Any, on_commit: Any) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    _other_reference, other_path = _schedule(client_for, world, on_commit, person_name="Alex Other")
    person = _join(path)
    stranger = _join(other_path)  # holds a real link, to another call
    officer_url = reverse("videocalls:signal", args=[reference])
    _post_signal(client_for("officer"), officer_url, "offer", {"type": "offer", "sdp": "secret"})
    public_url = reverse("videocalls:public-signal")
    assert [m["kind"] for m in person.get(public_url).json()["messages"]] == ["offer"]
    assert stranger.get(public_url).json()["messages"] == []
    # No link at all: nothing is found.
    nobody = Client()
    assert nobody.get(reverse("videocalls:public")).status_code == 404
    assert nobody.get(public_url).status_code == 404
    # Other users: another officer of the same force, and an officer of another force.
    for name in ("investigator", "supervisor", "officer_b"):
        assert client_for(name).get(officer_url).status_code == 404, name
        assert _post_signal(client_for(name), officer_url, "offer", {}).status_code == 404, name
    assert client_for("analyst").get(officer_url).status_code == 403


def test_consent_is_recorded_before_recording_can_start(
    world: World, client_for: Any, on_commit: Any
) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    officer = client_for("officer")
    recording_url = reverse("videocalls:recording", args=[reference])
    refused = officer.post(recording_url, {"action": "start"})
    assert refused.status_code == 409 and "not consented" in refused.json()["error"]
    person = _join(path)
    page = person.get(reverse("videocalls:public")).content.decode()
    assert 'id="recording-banner" hidden>' in page
    response = person.post(reverse("videocalls:public-consent"))
    assert response.status_code == 302
    call = VideoCall.objects.get(reference=reference)
    assert call.consent_at is not None
    link = call.links.get()
    consent = Entry.objects.get(
        object_type="videocalls.videocall", object_id=str(call.pk), action=Action.APPROVED
    )
    assert consent.actor_label == link.principal and "consented" in consent.reason
    assert IncidentEntry.objects.filter(incident=call.incident, text__contains="consented").exists()
    # Only the officer running the call may start recording.
    assert client_for("supervisor").post(recording_url, {"action": "start"}).status_code == 404
    started = officer.post(recording_url, {"action": "start"})
    assert started.status_code == 200 and started.json()["call"]["recording"] is True
    # The person's page and poll say that recording is on.
    state = person.get(reverse("videocalls:public-signal")).json()["call"]
    assert state == {"status": "scheduled", "consent": True, "recording": True}
    page = person.get(reverse("videocalls:public")).content.decode()
    banner = page[page.index('id="recording-banner"') :][:40]
    assert "hidden" not in banner and "Recording is on" in page
    stopped = officer.post(recording_url, {"action": "stop"})
    assert stopped.json()["call"]["recording"] is False


def test_person_withdraws_consent_and_recording_stops_at_once(
    world: World, client_for: Any, on_commit: Any
) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    officer = client_for("officer")
    recording_url = reverse("videocalls:recording", args=[reference])
    header = {"HTTP_X_LANTERN_VIDEO_CALL": reference}
    person = _join(path)
    # Nothing to withdraw yet: the answer changes nothing and writes nothing.
    assert person.post(reverse("videocalls:public-consent-withdraw")).status_code == 302
    assert VideoCall.objects.get(reference=reference).consent_withdrawn_at is None
    person.post(reverse("videocalls:public-consent"))
    assert officer.post(recording_url, {"action": "start"}).json()["call"]["recording"] is True
    page = person.get(reverse("videocalls:public")).content.decode()
    assert "Stop recording and withdraw my agreement" in page

    # A browser without JavaScript posts the form and comes back to the call page.
    response = person.post(reverse("videocalls:public-consent-withdraw"))
    assert response.status_code == 302 and response["Location"] == reverse("videocalls:public")
    call = VideoCall.objects.get(reference=reference)
    assert call.consent_withdrawn_at is not None and not call.has_consent
    assert call.recording is False and call.recording_stopped_at == call.consent_withdrawn_at
    withdrawn = Entry.objects.get(
        object_type="videocalls.videocall", object_id=str(call.pk), action=Action.REFUSED
    )
    assert withdrawn.actor_label == call.links.get().principal
    assert withdrawn.detail["recording_stopped"] is True and "withdrew" in withdrawn.reason
    assert IncidentEntry.objects.filter(
        incident=call.incident, text__contains="withdrew consent to recording; recording stopped"
    ).exists()
    # Both pages say so; the person's poll says consent is off and nothing is recording.
    state = person.get(reverse("videocalls:public-signal")).json()["call"]
    assert state == {"status": "scheduled", "consent": False, "recording": False}
    page = person.get(reverse("videocalls:public")).content.decode()
    assert "You withdrew your agreement" in page and 'id="consent-ask">' in page
    detail = officer.get(reverse("videocalls:detail", args=[reference])).content.decode()
    assert "Sam Caller withdrew their agreement" in detail
    assert 'data-action="record-start" disabled' in detail

    # The officer cannot record again until the person agrees again...
    refused = officer.post(recording_url, {"action": "start"})
    assert refused.status_code == 409 and "withdrawn" in refused.json()["error"]
    # ...but what was recorded while they agreed is still saved as evidence.
    assert _tus_upload(officer, WEBM, f"{reference}.webm", on_commit, **header) == 204
    assert EvidenceItem.objects.filter(case=call.case).count() == 1

    # Agreeing again lets the officer record again; the JSON answer is for the page's script.
    again = person.post(reverse("videocalls:public-consent"), HTTP_ACCEPT="application/json")
    assert again.json()["call"]["consent"] is True
    assert VideoCall.objects.get(reference=reference).consent_withdrawn_at is None
    assert officer.post(recording_url, {"action": "start"}).status_code == 200


def test_only_the_link_holder_can_withdraw_consent(
    world: World, client_for: Any, on_commit: Any
) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    person = _join(path)
    person.post(reverse("videocalls:public-consent"))
    for name in ("officer", "supervisor"):
        response = client_for(name).post(reverse("videocalls:public-consent-withdraw"))
        assert response.status_code == 404, name
    assert Client().post(reverse("videocalls:public-consent-withdraw")).status_code == 404
    assert VideoCall.objects.get(reference=reference).has_consent
    # Once the call has ended the link no longer answers.
    call = VideoCall.objects.get(reference=reference)
    services.call_end(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        call=call,
        outcome=VideoCall.Outcome.COMPLETED,
    )
    assert person.post(reverse("videocalls:public-consent-withdraw")).status_code == 404


def _tus_upload(client: Client, data: bytes, name: str, on_commit: Any, **extra: str) -> int:
    meta = "filename " + base64.b64encode(name.encode()).decode()
    headers: dict[str, Any] = {**TUS, **extra}
    created = client.post(
        reverse("uploads:collection"),
        b"",
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_UPLOAD_METADATA=meta,
        **headers,
    )
    if created.status_code != 201:
        return int(created.status_code)
    location = created["Location"].split("testserver", 1)[-1]
    with on_commit():
        patched = client.patch(
            location,
            data,
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET="0",
            **headers,
        )
    return int(patched.status_code)


def test_recording_is_uploaded_as_an_evidence_item_with_its_hash(
    world: World, client_for: Any, on_commit: Any
) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    officer = client_for("officer")
    header = {"HTTP_X_LANTERN_VIDEO_CALL": reference}
    # Before consent and recording, the recording upload cannot even start.
    assert _tus_upload(officer, WEBM, "call.webm", on_commit, **header) == 403
    person = _join(path)
    person.post(reverse("videocalls:public-consent"))
    officer.post(reverse("videocalls:recording", args=[reference]), {"action": "start"})
    # Another officer cannot upload into this call's recording.
    assert _tus_upload(client_for("investigator"), WEBM, "x.webm", on_commit, **header) == 403
    # Without the call header an officer's upload is still refused (evidence rules).
    assert _tus_upload(officer, WEBM, "x.webm", on_commit) == 403
    assert _tus_upload(officer, WEBM, f"{reference}.webm", on_commit, **header) == 204
    call = VideoCall.objects.get(reference=reference)
    item = EvidenceItem.objects.get()
    assert item.case == call.case and item.request is None
    assert item.sha256 == hashlib.sha256(WEBM).hexdigest() and item.size == len(WEBM)
    assert item.uploaded_by == f"user:{world.user('officer').pk}"
    assert item.state != EvidenceItem.State.DRAFT
    created = Entry.objects.get(
        object_type="evidence.evidenceitem", object_id=str(item.pk), reason__startswith="Recording"
    )
    assert created.object_sha256 == item.sha256 and created.actor == world.user("officer")
    log = IncidentEntry.objects.get(incident=call.incident, text__contains="recording saved")
    assert item.sha256 in log.text
    # Seen by the force's police on the call page and by the case's item rules.
    detail = client_for("supervisor").get(reverse("videocalls:detail", args=[reference]))
    assert item.sha256 in detail.content.decode()
    assert EvidenceItem.objects.for_user(world.user("officer_b")).count() == 0


def test_person_sends_a_file_during_the_call(world: World, client_for: Any, on_commit: Any) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    person = _join(path)
    photo = b"\xff\xd8\xff\xe0" + b"\x01" * 500
    assert _tus_upload(person, photo, "broken-window.jpg", on_commit) == 204
    item = EvidenceItem.objects.get()
    call = VideoCall.objects.get(reference=reference)
    assert item.case == call.case and item.uploaded_by == call.links.get().principal
    assert "Sent by Sam Caller during video call" in item.description
    assert "broken-window.jpg" in person.get(reverse("videocalls:public")).content.decode()
    # After the call, the link cannot start another upload.
    client_for("officer").post(
        reverse("videocalls:end", args=[reference]), {"outcome": "completed"}
    )
    assert _tus_upload(person, photo, "late.jpg", on_commit) == 403


def test_person_sends_files_without_javascript(
    world: World, client_for: Any, on_commit: Any
) -> None:
    """The page's plain form: each file becomes an evidence item on the case with its hash,
    listed on both pages; nothing chosen is a plain message; no link, or an ended call,
    sends nothing."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    reference, path = _schedule(client_for, world, on_commit)
    person = _join(path)
    url = reverse("videocalls:public-files")
    page = person.get(reverse("videocalls:public")).content.decode()
    assert f'action="{url}"' in page and 'enctype="multipart/form-data"' in page
    empty = person.post(url, {}, follow=True)
    assert "Choose at least one photo or file to send" in empty.content.decode()
    photos = [b"\xff\xd8\xff\xe0 damage to the door", b"\xff\xd8\xff\xe0 the broken lock"]
    with on_commit():
        sent = person.post(
            url,
            {"call_files": [SimpleUploadedFile(f"photo{i}.jpg", d) for i, d in enumerate(photos)]},
            follow=True,
        )
    assert "Sent: photo0.jpg, photo1.jpg" in sent.content.decode()
    call = VideoCall.objects.get(reference=reference)
    items = list(services.call_items(call).order_by("pk"))
    assert [i.sha256 for i in items] == [hashlib.sha256(d).hexdigest() for d in photos]
    assert all(i.upload is None and i.case_id == call.case_id for i in items)
    with items[0].original.open("rb") as handle:
        assert handle.read() == photos[0]
    assert (
        Entry.objects.filter(object_type="evidence.evidenceitem", action=Action.CREATED).count()
        == 2
    )
    assert "photo1.jpg: received" in sent.content.decode()
    officer_page = client_for("officer").get(reverse("videocalls:detail", args=[reference]))
    assert "photo1.jpg" in officer_page.content.decode()
    assert Client().post(url, {"call_files": SimpleUploadedFile("x.jpg", b"x")}).status_code == 404
    services.call_end(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        call=call,
        outcome=VideoCall.Outcome.COMPLETED,
    )
    late = person.post(url, {"call_files": SimpleUploadedFile("late.jpg", b"late")})
    assert late.status_code == 404
    assert services.call_items(call).count() == 2


def test_ending_the_call_writes_the_call_log(world: World, client_for: Any, on_commit: Any) -> None:
    reference, path = _schedule(client_for, world, on_commit)
    person = _join(path)
    _post_signal(person, reverse("videocalls:public-signal"), "answer", {"type": "answer"})
    VideoCall.objects.filter(reference=reference).update(
        started_at=timezone.now() - timedelta(minutes=4, seconds=5)
    )
    end_url = reverse("videocalls:end", args=[reference])
    assert client_for("analyst").post(end_url, {"outcome": "completed"}).status_code == 403
    assert client_for("officer_b").post(end_url, {"outcome": "completed"}).status_code == 404
    response = client_for("officer").post(
        end_url, {"outcome": "completed", "note": "Statement to follow"}
    )
    assert response.status_code == 302
    call = VideoCall.objects.get(reference=reference)
    assert call.status == VideoCall.Status.ENDED and call.outcome == "completed"
    assert call.duration_seconds is not None and 244 <= call.duration_seconds < 300
    log = IncidentEntry.objects.get(incident=call.incident, text__contains="call log")
    assert "Sam Caller" in log.text and "Duration: 4 min" in log.text
    assert "Outcome: Spoke to the person" in log.text and "Statement to follow" in log.text
    ended = Entry.objects.get(
        object_type="videocalls.videocall",
        object_id=str(call.pk),
        reason__startswith="Video call ended",
    )
    assert ended.detail["duration_seconds"] == call.duration_seconds
    assert ended.detail["officer"] == "officer" and ended.detail["person"] == "Sam Caller"
    # The link and the person's session stop working; signalling is gone.
    assert Client().get(path).status_code == 404
    assert person.get(reverse("videocalls:public")).status_code == 404
    assert not call.signals.exists()
    # The call log lists it, and it cannot be ended twice.
    listing = client_for("supervisor").get(reverse("videocalls:list")).content.decode()
    assert reference in listing and "spoke to the person" in listing
    client_for("officer").post(end_url, {"outcome": "dropped"})
    assert VideoCall.objects.get(reference=reference).outcome == "completed"


def test_statement_is_opened_from_the_call_and_sent_for_signature(
    world: World, client_for: Any, on_commit: Any
) -> None:
    from lantern.statements.models import Statement

    reference, _path = _schedule(client_for, world, on_commit, person_email="sam@example.test")
    url = reverse("videocalls:statement", args=[reference])
    officer = client_for("officer")
    page = officer.get(url).content.decode()
    assert 'value="Sam Caller"' in page and 'value="sam@example.test"' in page
    assert client_for("call_handler").get(url).status_code == 403  # does not take statements
    assert client_for("officer_b").get(url).status_code == 404
    call = VideoCall.objects.get(reference=reference)
    response = officer.post(
        url,
        {
            "case_reference": call.case.reference,
            "case_title": call.case.title,
            "witness_name": "Sam Caller",
            "witness_dob": "1980-04-01",
            "witness_email": "sam@example.test",
            "witness_phone": "07700 900982",
            "occupation": "Teacher",
            "vulnerable": "no",
            "serious_offence": "none",
        },
    )
    statement = Statement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("statements:detail", args=[statement.pk])
    assert statement.case == call.case and statement.witness_name == "Sam Caller"
    assert IncidentEntry.objects.filter(
        incident=call.incident, text__contains="statement draft opened"
    ).exists()
    # At the end of the call the officer writes it and sends it for signature.
    with on_commit():
        sent = officer.post(
            reverse("statements:detail", args=[statement.pk]),
            {"text": "I saw the shed door forced open at 6am.", "action": "send"},
        )
    assert sent.status_code == 302
    assert Statement.objects.get().status == Statement.Status.SENT
    assert OutboxMessage.objects.filter(body__contains="/statements/s/").exists()


def test_ice_servers_come_from_settings(settings: Any) -> None:
    settings.LANTERN_VIDEO_STUN_URLS = []
    settings.LANTERN_VIDEO_TURN_URLS = []
    assert services.ice_servers() == []
    settings.LANTERN_VIDEO_STUN_URLS = ["stun:turn.example.test:3478"]
    settings.LANTERN_VIDEO_TURN_URLS = ["turn:turn.example.test:3478?transport=udp"]
    settings.LANTERN_VIDEO_TURN_SECRET = "s3cret"
    settings.LANTERN_VIDEO_TURN_TTL_SECONDS = 600
    stun, turn = services.ice_servers("VC-TEST")
    assert stun == {"urls": ["stun:turn.example.test:3478"]}
    expiry, label = turn["username"].split(":")
    assert label == "VC-TEST" and int(expiry) > timezone.now().timestamp()
    expected = base64.b64encode(
        hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()
    ).decode()
    assert turn["credential"] == expected


def test_incident_page_and_video_queue_lead_to_a_call(world: World, client_for: Any) -> None:
    incident = _incident(world)
    Incident.objects.filter(pk=incident.pk).update(route=Incident.Route.VIDEO)
    new_url = f"{reverse('videocalls:new')}?reference={incident.reference}"
    officer = client_for("officer")
    detail = officer.get(reverse("casework:incident-detail", args=[incident.reference]))
    assert new_url in detail.content.decode()
    queue = officer.get(reverse("casework:video-queue")).content.decode()
    assert new_url in queue and "Call by video" in queue
    listing = officer.get(reverse("videocalls:list")).content.decode()
    assert new_url in listing
    form = officer.get(new_url).content.decode()
    assert f'value="{incident.reference}"' in form
    # An analyst sees the incident but cannot arrange calls.
    analyst = client_for("analyst").get(
        reverse("casework:incident-detail", args=[incident.reference])
    )
    assert new_url not in analyst.content.decode()


def test_video_calls_are_in_the_police_menu_only(client_for: Any) -> None:
    menu_link = f'href="{reverse("videocalls:list")}"'
    officer_home = client_for("officer").get(reverse("core:home")).content.decode()
    assert menu_link in officer_home and "Video calls" in officer_home
    store_home = client_for("store_staff").get(reverse("core:home")).content.decode()
    assert menu_link not in store_home
