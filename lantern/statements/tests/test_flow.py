"""Remote MG11 statements end to end: eligibility, send, identity check, correction, sign."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.ledger.models import Action, Entry
from lantern.statements.models import Statement, StatementLink
from lantern.statements.pdf import count_pages

pytestmark = pytest.mark.django_db
ADULT_DOB = date(1980, 5, 17)


def _new(client_for, **changes: object) -> Statement:
    data: dict[str, object] = {
        "case_reference": "NP/2026/77",
        "case_title": "Assault on the bus",
        "witness_name": "Sam Ellis",
        "witness_dob": ADULT_DOB.isoformat(),
        "occupation": "Bus driver",
        "witness_email": "sam@example.test",
        "witness_phone": "07700 900123",
        "vulnerable": "no",
        "serious_offence": "none",
    }
    data.update(changes)
    response = client_for("officer").post(reverse("statements:new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Statement.objects.latest("id")


TEXT = (
    "I am the driver of the number 7 bus.\n\nAt about 14:20 a man in a red jacket pushed "
    "a passenger and took her bag. I have looked at exhibit OA/1 and it shows him."
)


def _send(client_for, statement: Statement, mailoutbox, on_commit) -> str:
    officer = client_for("officer")
    with on_commit():
        response = officer.post(
            reverse("statements:detail", args=[statement.pk]), {"text": TEXT, "action": "send"}
        )
    assert response.status_code == 302
    match = re.search(r"http://127\.0\.0\.1:8000(/statements/s/[^/\s]+/)", mailoutbox[-1].body)
    assert match, mailoutbox[-1].body
    return match.group(1)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"witness_dob": (date.today() - timedelta(days=17 * 365)).isoformat()}, "under 18"),
        ({"vulnerable": "yes"}, "vulnerable or intimidated"),
        ({"serious_offence": "sexual"}, "victim of a sexual offence"),
        ({"serious_offence": "domestic"}, "victim of domestic abuse"),
    ],
)
def test_each_blocking_reason_stops_the_remote_route(
    world: World, client_for, changes, reason, mailoutbox, on_commit
):
    statement = _new(client_for, **changes)
    assert statement.status == Statement.Status.BLOCKED and not statement.eligible
    assert any(reason in r for r in statement.eligibility_reasons)
    page = client_for("officer").get(reverse("statements:detail", args=[statement.pk]))
    assert "must be taken face to face" in page.content.decode()
    entry = Entry.objects.get(action=Action.CREATED, object_type="statements.statement")
    assert entry.detail["eligible"] is False and entry.actor == world.user("officer")
    # Sending is refused, whatever is posted.
    client_for("officer").post(
        reverse("statements:detail", args=[statement.pk]), {"text": TEXT, "action": "send"}
    )
    assert not StatementLink.objects.exists()


def test_supervisor_override_needs_a_reason_and_is_recorded(world: World, client_for):
    statement = _new(client_for, vulnerable="yes")
    url = reverse("statements:override", args=[statement.pk])
    assert client_for("officer").post(url, {"reason": "x"}).status_code == 403
    client_for("supervisor").post(url, {"reason": ""})
    statement.refresh_from_db()
    assert statement.status == Statement.Status.BLOCKED
    client_for("supervisor").post(url, {"reason": "Witness abroad; intermediary present on video"})
    statement.refresh_from_db()
    assert statement.eligible and statement.override_by == world.user("supervisor")
    assert Entry.objects.filter(
        action=Action.CHANGED, reason__startswith="Eligibility overridden"
    ).exists()


def test_autosave_keeps_the_draft(world: World, client_for):
    statement = _new(client_for)
    response = client_for("officer").post(
        reverse("statements:autosave", args=[statement.pk]), {"text": "Half a sentence"}
    )
    assert response.json()["saved"] is True
    statement.refresh_from_db()
    assert statement.draft_text == "Half a sentence"
    assert (
        client_for("officer_b")
        .post(reverse("statements:autosave", args=[statement.pk]), {"text": "x"})
        .status_code
        == 404
    )


def test_witness_checks_identity_reads_and_asks_for_a_correction(
    world: World, client_for, mailoutbox, on_commit
):
    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    witness = Client()
    assert witness.get(reverse("statements:witness")).status_code == 403
    wrong = witness.post(path, {"check": "dob", "dob": "1980-05-18"})
    assert "does not match" in wrong.content.decode()
    assert "4 tries left" in wrong.content.decode()
    assert witness.post(path, {"check": "dob", "dob": ADULT_DOB.isoformat()}).status_code == 302
    page = witness.get(reverse("statements:witness"))
    assert "number 7 bus" in page.content.decode()
    with on_commit():
        witness.post(reverse("statements:witness"), {"text": "It was the number 17 bus."})
    statement.refresh_from_db()
    assert statement.status == Statement.Status.CORRECTIONS
    assert "number 17 bus" in mailoutbox[-1].body
    # The officer revises and re-sends: a new version and a new link; the old link dies.
    officer = client_for("officer")
    with on_commit():
        officer.post(
            reverse("statements:detail", args=[statement.pk]),
            {"text": TEXT.replace("number 7", "number 17"), "action": "send"},
        )
    assert statement.versions.count() == 2
    assert Client().get(path).status_code == 404


def test_link_locks_after_five_wrong_answers(world: World, client_for, mailoutbox, on_commit):
    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    witness = Client()
    for _ in range(5):
        witness.post(path, {"check": "dob", "dob": "2000-01-01"})
    locked = witness.post(path, {"check": "dob", "dob": ADULT_DOB.isoformat()})
    assert locked.status_code == 404 or "locked" in locked.content.decode()
    assert witness.get(reverse("statements:witness")).status_code == 403


def test_code_to_the_phone(world: World, client_for, mailoutbox, on_commit, settings):
    settings.SMS_BACKEND = "lantern.notifications.sms.OutboxSmsBackend"
    from lantern.notifications.models import OutboxMessage

    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    witness = Client()
    with on_commit():
        sent = witness.post(path, {"check": "send-code"})
    assert "your mobile phone" in sent.content.decode()
    code = re.search(r"is (\d{6})", OutboxMessage.objects.filter(channel="sms").latest("id").body)
    assert code
    assert witness.post(path, {"check": "code", "code": code.group(1)}).status_code == 302
    assert witness.get(reverse("statements:witness")).status_code == 200


REAR = {
    "address": "1 Station Road, Northtown NT1 1AA",
    "phone_numbers": "07700 900123",
    "email": "sam@example.test",
    "preferred_contact": "email",
    "dates_to_avoid": "1 March 2027",
    "willing_to_attend_court": "yes",
    "special_measures": "",
    "vps_offered": "on",
    "medical_records_consent": "na",
    "leaflet_given": "on",
}


def test_witness_signs_and_the_pdf_verifies(world: World, client_for, mailoutbox, on_commit):
    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    witness = Client()
    witness.post(path, {"check": "dob", "dob": ADULT_DOB.isoformat()})
    missing = witness.post(reverse("statements:witness-details"), {**REAR, "address": ""})
    assert "Enter your home address" in missing.content.decode()
    assert witness.post(reverse("statements:witness-details"), REAR).status_code == 302
    wrong_name = witness.post(
        reverse("statements:witness-sign"),
        {"signed_name": "Someone Else", "declaration": "on", "typed_only": "on"},
    )
    assert "Type your full name exactly" in wrong_name.content.decode()
    assert (
        witness.post(
            reverse("statements:witness-sign"),
            {"signed_name": "sam  ellis", "declaration": "on", "typed_only": "on"},
        ).status_code
        == 302
    )
    statement.refresh_from_db()
    assert statement.status == Statement.Status.SIGNED and statement.signed_sha256
    done = witness.get(reverse("statements:witness"))
    assert "Your statement is signed" in done.content.decode()
    pdf_bytes = b"".join(witness.get(reverse("statements:witness-pdf")).streaming_content)  # type: ignore[attr-defined]
    assert pdf_bytes.startswith(b"%PDF")
    # The declaration's page count is the real one.
    pages = count_pages(pdf_bytes)
    import io

    from pypdf import PdfReader

    first_page = PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()
    assert f"consisting of {pages} page" in " ".join(first_page.split())
    # The restricted page is kept apart, and not in the MG11.
    assert "Station Road" not in " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes)).pages
    )
    assert statement.restricted.rear_pdf
    entry = Entry.objects.get(action=Action.SIGNED, object_type="statements.statement")
    assert entry.object_sha256 == statement.signed_sha256

    # Anyone can check it; a changed byte fails.
    verdict = Client().post(
        reverse("statements:verify"), {"pdf": SimpleUploadedFile("mg11.pdf", pdf_bytes)}
    )
    body = verdict.content.decode()
    assert "Genuine and unaltered" in body and "this exact file was issued" in body
    tampered = bytearray(pdf_bytes)
    position = pdf_bytes.index(b"stream") + 20
    tampered[position] ^= 0x01
    bad = Client().post(
        reverse("statements:verify"), {"pdf": SimpleUploadedFile("mg11.pdf", bytes(tampered))}
    )
    assert "Do not rely on this file" in bad.content.decode()
    # The officer can download the sealed PDF; another force cannot.
    assert (
        client_for("officer").get(reverse("statements:pdf", args=[statement.pk])).status_code == 200
    )
    assert (
        client_for("officer_b").get(reverse("statements:pdf", args=[statement.pk])).status_code
        == 404
    )


def test_officer_signs_own_statement(world: World, client_for):
    statement = _new(
        client_for,
        own_statement="on",
        witness_name="Olu Person",
        witness_email="",
        witness_phone="",
    )
    assert statement.eligible and statement.own_statement
    officer = client_for("officer")
    officer.post(
        reverse("statements:detail", args=[statement.pk]),
        {"text": "I am a police officer. I arrested the man at 15:02.", "action": "save"},
    )
    officer.post(
        reverse("statements:sign-own", args=[statement.pk]),
        {"signed_name": "Olu Person", "declaration": "on"},
    )
    statement.refresh_from_db()
    assert statement.status == Statement.Status.SIGNED


def test_who_may_take_and_see_statements(world: World, client_for):
    for name in ("call_handler", "analyst", "cctv_operator", "store_staff"):
        assert client_for(name).get(reverse("statements:new")).status_code == 403
    statement = _new(client_for)
    url = reverse("statements:detail", args=[statement.pk])
    assert client_for("investigator").get(url).status_code == 200
    assert client_for("officer_b").get(url).status_code == 404
    assert client_for("lp_manager").get(url).status_code == 403


def test_expired_link(world: World, client_for, mailoutbox, on_commit):
    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    StatementLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(path).status_code == 404


def test_signed_statement_goes_in_the_case_bundle_without_the_rear_page(
    world: World, client_for, mailoutbox, on_commit
):
    import io
    import zipfile

    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    witness = Client()
    witness.post(path, {"check": "dob", "dob": ADULT_DOB.isoformat()})
    witness.post(reverse("statements:witness-details"), REAR)
    witness.post(
        reverse("statements:witness-sign"),
        {"signed_name": "Sam Ellis", "declaration": "on", "typed_only": "on"},
    )
    statement.refresh_from_db()
    assert statement.status == Statement.Status.SIGNED
    response = client_for("officer").post(
        reverse("evidence:case-bundle", args=[statement.case_id]), {"copies": "original"}
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    names = [n for n in archive.namelist() if n.startswith("statements/")]
    assert len(names) == 1
    assert archive.read(names[0]) == statement.signed_pdf.open("rb").read()
    everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"Station Road" not in everything  # the restricted address appears nowhere
    rear = statement.restricted.rear_pdf.open("rb").read()
    assert all(archive.read(n) != rear for n in archive.namelist())
    custody = __import__("json").loads(archive.read("custody.json"))
    assert any(e["entry"]["action"] == "signed" for e in custody["entries"])


def test_exhibit_references_are_listed(world: World) -> None:
    from lantern.statements.services import exhibit_refs

    assert exhibit_refs("I produce OA/1 and OA/2. OA/1 shows him; see also JS/14.") == [
        "OA/1",
        "OA/2",
        "JS/14",
    ]


def test_officer_withdraws_the_link(world: World, client_for, mailoutbox, on_commit):
    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    url = reverse("statements:withdraw", args=[statement.pk])
    assert client_for("officer_b").post(url).status_code == 404
    assert client_for("analyst").post(url).status_code == 403
    client_for("officer").post(url)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.DRAFT
    assert Client().get(path).status_code == 404
    assert Entry.objects.filter(reason="Signing link withdrawn").exists()
