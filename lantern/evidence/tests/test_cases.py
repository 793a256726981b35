"""Case pages: exhibit references, links, retention, two-person deletion, the CPS bundle."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lantern.accounts.decorators import SESSION_AUTH_AT
from lantern.accounts.tests.factories import World
from lantern.casework.models import Case
from lantern.evidence.models import EvidenceItem, RetentionClass
from lantern.evidence.tests.test_requests import MP4, _create
from lantern.ledger.models import Action, Entry
from lantern.ledger.verify import verify_bundle

pytestmark = pytest.mark.django_db
OTHER = b"proprietary-dvr-export" * 50


@pytest.fixture
def case_with_items(world: World, client_for, mailoutbox, on_commit) -> Case:
    request, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    files = [SimpleUploadedFile("cam3.mp4", MP4), SimpleUploadedFile("export.dav", OTHER)]
    operator.post(reverse("evidence:respond-upload"), {"footage": files})
    with on_commit():
        operator.post(reverse("evidence:respond-submit"), {})
    states = set(EvidenceItem.objects.values_list("state", flat=True))
    assert states <= {"ready", "original_only"}, states
    return request.case


def _items(case: Case) -> list[EvidenceItem]:
    return list(case.evidence_items.order_by("pk"))


def test_case_page_for_police_of_the_force_only(world: World, client_for, case_with_items):
    url = reverse("evidence:case-detail", args=[case_with_items.pk])
    page = client_for("investigator").get(url)
    assert page.status_code == 200 and "cam3.mp4" in page.content.decode()
    assert client_for("officer_b").get(url).status_code == 404
    for name in ("cctv_operator", "store_staff", "lp_manager"):
        assert client_for(name).get(url).status_code == 403
    listing = client_for("officer").get(reverse("evidence:case-list")).content.decode()
    assert case_with_items.reference in listing


def test_exhibit_references_unique_in_case(world: World, client_for, case_with_items):
    first, second = _items(case_with_items)
    officer = client_for("officer")
    officer.post(reverse("evidence:item-exhibit", args=[first.pk]), {"exhibit_ref": "ta/1"})
    first.refresh_from_db()
    assert first.exhibit_ref == "TA/1"
    clash = officer.post(
        reverse("evidence:item-exhibit", args=[second.pk]), {"exhibit_ref": "TA/1"}, follow=True
    )
    assert "TA/1 is already used in this case" in clash.content.decode()
    bad = officer.post(
        reverse("evidence:item-exhibit", args=[second.pk]), {"exhibit_ref": "../x"}, follow=True
    )
    assert "Enter an exhibit reference like OA/1" in bad.content.decode()
    assert (
        client_for("officer_b")
        .post(reverse("evidence:item-exhibit", args=[second.pk]), {"exhibit_ref": "XX/1"})
        .status_code
        == 404
    )
    assert Entry.objects.filter(action=Action.CHANGED, object_id=str(first.pk)).exists()


def test_links_and_retention(world: World, client_for, case_with_items):
    first, second = _items(case_with_items)
    officer = client_for("officer")
    officer.post(
        reverse("evidence:item-link", args=[first.pk]),
        {"kind": "person", "label": "Suspect in a red jacket"},
    )
    officer.post(
        reverse("evidence:item-link", args=[first.pk]), {"kind": "item", "other_item": second.pk}
    )
    assert first.links.count() == 2
    empty = officer.post(
        reverse("evidence:item-link", args=[first.pk]),
        {"kind": "location", "label": " "},
        follow=True,
    )
    assert "Enter who or where" in empty.content.decode()
    assert Entry.objects.filter(action=Action.LINKED).count() == 2
    officer.post(
        reverse("evidence:item-retention", args=[first.pk]),
        {"retention_class": RetentionClass.GROUP_2},
    )
    first.refresh_from_db()
    assert first.review_date is not None
    assert (first.review_date - first.created_at.date()).days >= 3650


def test_deletion_needs_a_second_authorised_person(
    world: World, client_for, case_with_items, on_commit
):
    first, _ = _items(case_with_items)
    stored = first.original.name
    assert first.original.storage.exists(stored)
    url = reverse("evidence:item-delete", args=[first.pk])
    assert client_for("officer").post(url, {"reason": "x"}).status_code == 403
    investigator = client_for("investigator")
    assert "Enter why this exhibit" in investigator.post(url, {"reason": ""}).content.decode()
    investigator.post(url, {"reason": "Duplicate of another exhibit"})
    deletion = first.deletions.get()
    decide = reverse("evidence:deletion-decide", args=[deletion.pk])
    # The investigator holds no approving role; a supervisor of another force cannot see it.
    assert investigator.post(decide, {"decision": "approve"}).status_code == 403
    assert client_for("supervisor_b").post(decide, {"decision": "approve"}).status_code == 404
    with on_commit():
        client_for("supervisor").post(decide, {"decision": "approve"})
    first.refresh_from_db()
    assert first.erased_at is not None
    assert not first.original.storage.exists(stored)
    erased = Entry.objects.filter(action=Action.ERASED, object_id=str(first.pk))
    assert erased.filter(object_sha256=first.sha256).exists()
    # The record of the item and its history stay.
    assert EvidenceItem.objects.filter(pk=first.pk).exists()
    assert Entry.objects.filter(object_id=str(first.pk), action=Action.CREATED).exists()


def test_requester_cannot_approve_their_own_deletion(world: World, client_for, case_with_items):
    first, _ = _items(case_with_items)
    supervisor = client_for("supervisor")
    supervisor.post(reverse("evidence:item-delete", args=[first.pk]), {"reason": "Not relevant"})
    deletion = first.deletions.get()
    response = supervisor.post(
        reverse("evidence:deletion-decide", args=[deletion.pk]),
        {"decision": "approve"},
        follow=True,
    )
    assert "A different person must approve" in response.content.decode()
    first.refresh_from_db()
    assert first.erased_at is None


def test_bundle_streams_a_verifiable_zip(world: World, client_for, case_with_items):
    first, second = _items(case_with_items)
    client_for("officer").post(
        reverse("evidence:item-exhibit", args=[first.pk]), {"exhibit_ref": "OA/1"}
    )
    officer = client_for("officer")
    response = officer.post(
        reverse("evidence:case-bundle", args=[case_with_items.pk]), {"copies": "original"}
    )
    assert response.status_code == 200 and response.streaming
    data = b"".join(response.streaming_content)  # type: ignore[arg-type]
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert {"manifest.json", "exhibits.csv", "SHA256SUMS", "custody.json", "README.txt"} <= set(
        names
    )
    sums = dict(
        line.split("  ", 1)[::-1] for line in archive.read("SHA256SUMS").decode().splitlines()
    )
    assert len(sums) == 2
    for name, digest in sums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert sums["files/OA-1-cam3.mp4"] == first.sha256
    manifest = json.loads(archive.read("manifest.json"))
    assert {f["sha256"] for f in manifest["files"]} == {first.sha256, second.sha256}
    custody = json.loads(archive.read("custody.json"))
    report = verify_bundle(custody)
    assert report.ok, report.problems
    recorded = {e["entry"]["object_sha256"] for e in custody["entries"]}
    assert first.sha256 in recorded and second.sha256 in recorded
    assert Entry.objects.filter(action=Action.EXPORTED, object_type="casework.case").exists()


def test_bundle_refused_and_step_up(world: World, client_for, case_with_items):
    url = reverse("evidence:case-bundle", args=[case_with_items.pk])
    assert client_for("cctv_operator").post(url).status_code == 403
    assert client_for("officer_b").post(url).status_code == 404
    officer = client_for("officer")
    session = officer.session
    session[SESSION_AUTH_AT] = int(time.time()) - 3600
    session.save()
    response = officer.post(url, {"copies": "original"})
    assert response.status_code == 302 and reverse("accounts:reauth") in response["Location"]
