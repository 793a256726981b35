"""Issue 6: the store attaches CCTV or photos to its own report through the evidence upload
(the plain-form fallback here; tus is tested in the evidence and uploads apps)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.evidence.models import EvidenceItem, EvidenceRequest
from lantern.evidence.tests.test_requests import MP4
from lantern.ledger.models import Action, Entry
from lantern.reports.models import RetailReport

from .test_reports import _sent

pytestmark = pytest.mark.django_db


def _attach(client, report: RetailReport, on_commit, name: str = "till3.mp4") -> None:
    r = client.post(reverse("reports:attach", args=[report.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("evidence:respond")
    assert client.get(r["Location"]).status_code == 200
    client.post(reverse("evidence:respond-upload"), {"footage": [SimpleUploadedFile(name, MP4)]})
    [draft] = EvidenceItem.objects.filter(state=EvidenceItem.State.DRAFT, original_name=name)
    with on_commit():
        r = client.post(reverse("evidence:respond-submit"), {f"description-{draft.pk}": "Till 3"})
    assert r.status_code == 200


def test_store_attaches_footage_and_the_officer_sees_it(
    client_for, world: World, on_commit, mailoutbox
) -> None:
    report = _sent(client_for, world, on_commit)
    sent = len(mailoutbox)
    store = client_for("store_staff")
    page = store.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Attach CCTV or photos" in page
    _attach(store, report, on_commit)

    report.refresh_from_db()
    request = report.cctv_request
    assert request is not None and request.store == report.store
    assert request.case.reference == report.reference and request.force == report.force
    [item] = EvidenceItem.objects.filter(request=request)
    assert item.case == request.case and item.description == "Till 3"
    assert item.sha256 == hashlib.sha256(MP4).hexdigest() and item.size == len(MP4)
    assert item.state != EvidenceItem.State.DRAFT
    # Ledgered: the request opened by the store member, the report linked, the file signed.
    assert Entry.objects.filter(
        object_type="evidence.evidencerequest",
        object_id=str(request.pk),
        action=Action.CREATED,
        actor=world.user("store_staff"),
    ).exists()
    assert Entry.objects.filter(
        object_type="reports.retailreport", object_id=str(report.pk), action=Action.LINKED
    ).exists()
    assert Entry.objects.filter(
        object_type="evidence.evidenceitem", object_id=str(item.pk), action=Action.SIGNED
    ).exists()
    # The store is not emailed a link: it is already uploading (the officer is told by the
    # evidence app when files are submitted).
    assert not any("secure link" in m.body for m in mailoutbox[sent:])
    # Nor told that "footage was received" from themselves.
    assert not any(m.subject.startswith("Footage received") for m in mailoutbox[sent:])

    # The triage officer follows the report page to the request and sees the file.
    officer = client_for("officer")
    page = officer.get(reverse("reports:detail", args=[report.pk])).content.decode()
    detail = reverse("evidence:request-detail", args=[request.reference])
    assert detail in page
    assert "till3.mp4" in officer.get(detail).content.decode()
    # The police cannot then ask for CCTV a second time; the store can add more later.
    assert "Request CCTV</button>" not in page
    _attach(store, report, on_commit, name="photo.jpg")
    assert EvidenceRequest.objects.count() == 1
    assert EvidenceItem.objects.filter(request=request).count() == 2


def test_other_stores_and_police_cannot_attach_or_see(client_for, world: World, on_commit) -> None:
    report = _sent(client_for, world, on_commit)
    url = reverse("reports:attach", args=[report.pk])
    assert client_for("store_staff_b").post(url).status_code == 404
    assert client_for("lp_manager_b").post(url).status_code == 404
    assert client_for("officer").post(url).status_code == 403
    assert client_for("cctv_operator").post(url).status_code == 403
    assert not EvidenceRequest.objects.exists()

    _attach(client_for("store_staff"), report, on_commit)
    report.refresh_from_db()
    assert report.cctv_request is not None
    detail = reverse("evidence:request-detail", args=[report.cctv_request.reference])
    other_store = client_for("store_staff_b")
    assert other_store.get(detail).status_code == 404
    # Another store's session has no link: the upload pages refuse it.
    assert other_store.get(reverse("evidence:respond")).status_code == 403
    assert client_for("officer_b").get(detail).status_code == 404
    item = EvidenceItem.objects.get()
    assert (
        client_for("officer_b").get(reverse("evidence:item-detail", args=[item.pk])).status_code
        == 404
    )


def test_a_draft_cannot_have_files_attached(client_for, world: World) -> None:
    from .test_reports import _fill

    client = client_for("store_staff")
    report = _fill(client, world)
    # The CCTV page says when files can be attached.
    cctv_step = client.get(reverse("reports:step", args=[report.pk, "cctv"]))
    assert "attach CCTV or photos straight away" in cctv_step.content.decode()
    r = client.post(reverse("reports:attach", args=[report.pk]), follow=True)
    assert "only to a report that has been sent" in r.content.decode()
    assert not EvidenceRequest.objects.exists()
