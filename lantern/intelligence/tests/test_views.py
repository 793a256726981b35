"""Pages: each for a user it serves and a user it refuses; every search and view ledgered."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.decorators import SESSION_AUTH_AT
from lantern.accounts.tests.factories import World
from lantern.intelligence.models import (
    Alert,
    AlertSetting,
    ExclusionNotice,
    IncidentLink,
    Profile,
    ProfileImage,
)
from lantern.ledger.models import Entry
from lantern.reports.models import RetailReport

from .factories import make_profile, png_bytes

pytestmark = pytest.mark.django_db
Clients = Callable[[str], Client]


def _report(world: World, reference: str = "RC-2026-000077") -> RetailReport:
    store = world.stores["store"]
    return RetailReport.objects.create(
        store=store, company=store.company, force=store.area.force,
        reported_by=world.user("store_staff"), reference=reference,
        occurred_at=timezone.now(), kind="theft_with_violence_or_threats", status="received",
        submitted_at=timezone.now(), description="Took razors, threatened staff",
    )  # fmt: skip


def _stale_auth(client: Client) -> Client:
    session = client.session
    session[SESSION_AUTH_AT] = 0
    session.save()
    return client


def test_gallery_shows_area_profiles_and_is_ledgered(world: World, client_for: Clients) -> None:
    shared = make_profile(world, image=True, markers=("weapons",))
    hidden = make_profile(world, name="Other", approved=False)
    response = client_for("store_staff").get(reverse("intelligence:gallery"))
    page = response.content.decode()
    assert response.status_code == 200
    assert shared.reference in page and hidden.reference not in page
    assert "Weapons" in page
    assert Entry.objects.filter(
        object_type="intelligence.search", actor=world.user("store_staff")
    ).exists()
    assert client_for("cctv_operator").get(reverse("intelligence:gallery")).status_code == 403
    assert client_for("officer").get(reverse("intelligence:gallery")).status_code == 403


def test_gallery_search_by_description_and_marker(world: World, client_for: Clients) -> None:
    make_profile(world, name="A", description="Tall man in a red cap", markers=("violence",))
    make_profile(world, name="B", description="Short woman, green coat")
    client = client_for("store_staff")
    page = client.get(reverse("intelligence:gallery"), {"text": "red cap"}).content.decode()
    assert "red cap" in page and "green coat" not in page
    page = client.get(reverse("intelligence:gallery"), {"markers": "violence"}).content.decode()
    assert "red cap" in page and "green coat" not in page
    entry = Entry.objects.filter(object_type="intelligence.search").last()
    assert entry is not None and entry.detail["terms"]["markers"] == ["violence"]


def test_police_search_needs_a_reason(world: World, client_for: Clients) -> None:
    make_profile(world, name="Jon Smith")
    client = client_for("officer")
    url = reverse("intelligence:profile-list")
    refused = client.get(url, {"name": "Jon"})
    assert refused.status_code == 400 and "Enter why you are searching" in refused.content.decode()
    assert not Entry.objects.filter(object_type="intelligence.search", reason__gt="").exists()
    found = client.get(url, {"name": "Jon", "reason": "Crime 42/1234"})
    assert found.status_code == 200 and "Jon Smith" in found.content.decode()
    entry = Entry.objects.filter(object_type="intelligence.search").last()
    assert entry is not None and entry.reason == "Crime 42/1234"
    assert client_for("store_staff").get(url).status_code == 403


def test_every_profile_view_is_ledgered(world: World, client_for: Clients) -> None:
    profile = make_profile(world)
    url = reverse("intelligence:profile-detail", args=[profile.pk])
    for name in ("store_staff", "officer", "partnership_manager"):
        assert client_for(name).get(url).status_code == 200
        assert Entry.objects.filter(
            action="viewed", object_id=str(profile.pk), actor=world.user(name)
        ).exists()
    assert client_for("store_staff_b").get(url).status_code == 404
    assert Entry.objects.filter(
        action="authz_failed", object_id=str(profile.pk), actor=world.user("store_staff_b")
    ).exists()


def test_police_create_and_edit_a_profile(world: World, client_for: Clients) -> None:
    client = client_for("officer")
    data = {
        "description": "Man, 30s, beard",
        "name": "Dan Evans",
        "aliases": "Danny\nDE",
        "areas": [world.areas["area"].pk],
        "vehicles": "Blue Ford Fiesta AB12 CDE",
    }
    response = client.post(reverse("intelligence:profile-new"), data)
    profile = Profile.objects.get(name="Dan Evans")
    assert response.status_code == 302
    assert sorted(a.name for a in profile.aliases.all()) == ["DE", "Danny"]
    assert profile.objects_held.get().description == "Blue Ford Fiesta AB12 CDE"
    assert Entry.objects.filter(action="created", object_id=str(profile.pk)).exists()
    bad = client.post(reverse("intelligence:profile-new"), {"name": "X"})
    assert bad.status_code == 400 and "Enter a description" in bad.content.decode()
    assert client_for("call_handler").get(reverse("intelligence:profile-new")).status_code == 403
    edit = reverse("intelligence:profile-edit", args=[profile.pk])
    assert client_for("officer_b").get(edit).status_code == 404
    client.post(edit, {**data, "description": "Man, 30s, beard, limp"})
    profile.refresh_from_db()
    assert profile.description.endswith("limp")


def test_picture_upload_and_serving(world: World, client_for: Clients) -> None:
    profile = make_profile(world)
    client = client_for("officer")
    url = reverse("intelligence:image-add", args=[profile.pk])
    not_image = client.post(url, {"picture": SimpleUploadedFile("x.png", b"not a picture")})
    assert not_image.status_code == 400
    assert "JPEG, PNG or WebP" in not_image.content.decode()
    ok = client.post(url, {"picture": SimpleUploadedFile("x.png", png_bytes("blue"))})
    assert ok.status_code == 302
    image = ProfileImage.objects.get(profile=profile)
    assert image.source_label == "Uploaded by the police"
    served = client_for("store_staff").get(reverse("intelligence:image", args=[image.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png_bytes("blue")  # type: ignore[attr-defined]
    assert (
        client_for("store_staff_b").get(reverse("intelligence:image", args=[image.pk])).status_code
        == 404
    )
    assert client_for("store_staff").get(url).status_code == 403


def test_picture_from_an_exhibit_keeps_its_source(world: World, client_for: Clients) -> None:
    from django.core.files.base import ContentFile

    from lantern.evidence.models import EvidenceItem, EvidenceRequest
    from tests.sweep_rules import evidence_request

    evidence_request(world)
    request = EvidenceRequest.objects.get()
    item = EvidenceItem(
        request=request, case=request.case, original_name="still.png", size=10,
        sha256="0" * 64, state="ready", uploaded_by="x", content_type="image/png",
        exhibit_ref="OA/1",
    )  # fmt: skip
    item.original.save("still.png", ContentFile(png_bytes("green")), save=False)
    item.save()
    profile = make_profile(world)
    response = client_for("investigator").post(
        reverse("intelligence:image-add", args=[profile.pk]), {"evidence": f"item:{item.pk}"}
    )
    assert response.status_code == 302
    image = ProfileImage.objects.get(profile=profile)
    assert image.source_item_id == item.pk and "OA/1" in image.source_label
    assert image.file.name != item.original.name
    refused = client_for("investigator_b").post(
        reverse("intelligence:image-add", args=[profile.pk]), {"evidence": f"item:{item.pk}"}
    )
    assert refused.status_code == 404


def test_store_picks_offender_and_police_confirm(
    world: World, client_for: Clients, on_commit: Callable[[], Any]
) -> None:
    profile = make_profile(world, markers=("violence",))
    report = _report(world)
    store = client_for("store_staff")
    pick = reverse("intelligence:report-pick", args=[report.pk])
    page = store.get(pick)
    assert page.status_code == 200 and profile.reference in page.content.decode()
    assert store.post(pick, {"profile": profile.pk}).status_code == 302
    link = IncidentLink.objects.get(report=report)
    assert link.status == "suggested" and link.violent
    assert client_for("store_staff_b").get(pick).status_code == 404
    assert client_for("officer").get(pick).status_code == 403
    # The police see the suggestion in their queue, and decide.
    queue = client_for("officer").get(reverse("intelligence:profile-list")).content.decode()
    assert str(report.reference) in queue
    decide = reverse("intelligence:link-decide", args=[link.pk])
    assert client_for("officer_b").post(decide, {"decision": "confirm"}).status_code == 404
    with on_commit() as callbacks:
        assert client_for("officer").post(decide, {"decision": "confirm"}).status_code == 302
    link.refresh_from_db()
    assert link.status == "confirmed" and link.decided_by == world.user("officer")
    # A flagged profile linked to an incident: store users in the area are alerted.
    assert Alert.objects.filter(user=world.user("store_staff"), profile=profile).exists()
    assert Alert.objects.filter(user=world.user("lp_manager"), profile=profile).exists()
    assert not Alert.objects.filter(user=world.user("store_staff_b")).exists()
    assert callbacks
    assert any("store_staff@example.test" in m.to for m in mail.outbox)


def test_alert_email_respects_the_user_setting(
    world: World, client_for: Clients, on_commit: Callable[[], Any]
) -> None:
    profile = make_profile(world, markers=("weapons",))
    client = client_for("store_staff")
    assert client.post(reverse("intelligence:alerts"), {}).status_code == 302
    assert AlertSetting.objects.get(user=world.user("store_staff")).email is False
    from .factories import link_event

    with on_commit():
        link_event(world, profile, days_ago=1)
    assert Alert.objects.filter(user=world.user("store_staff")).exists()
    recipients = [to for m in mail.outbox for to in m.to]
    assert "store_staff@example.test" not in recipients
    assert "lp_manager@example.test" in recipients
    page = client.get(reverse("intelligence:alerts")).content.decode()
    assert "flagged for weapons" in page
    assert client_for("cctv_operator").get(reverse("intelligence:alerts")).status_code == 403


def test_no_alert_for_a_profile_partners_cannot_see(world: World) -> None:
    from .factories import link_event

    hidden = make_profile(world, name="Hidden", markers=("violence",), approved=False)
    link_event(world, hidden, days_ago=1)
    assert not Alert.objects.exists()
    shared = make_profile(world, name="Shared", markers=("violence",))
    link_event(world, shared, days_ago=1)
    assert Alert.objects.filter(profile=shared).exists()


def test_exclusion_notice_by_a_store(world: World, client_for: Clients) -> None:
    profile = make_profile(world)
    url = reverse("intelligence:exclusion-new", args=[profile.pk])
    client = client_for("lp_manager")
    bad = client.post(
        url,
        {"stores": [world.stores["store"].pk], "served_on": "2026-05-01",
         "expires_on": "2026-04-01", "conditions": "Not to enter"},
    )  # fmt: skip
    assert bad.status_code == 400 and "must be after" in bad.content.decode()
    other_company = client.post(
        url,
        {"stores": [world.stores["store_b"].pk], "served_on": "2026-05-01",
         "expires_on": "2027-05-01", "conditions": "Not to enter"},
    )  # fmt: skip
    assert other_company.status_code == 400
    ok = client.post(
        url,
        {"stores": [world.stores["store"].pk], "served_on": "2026-05-01",
         "expires_on": "2027-05-01", "conditions": "Not to enter any store"},
    )  # fmt: skip
    assert ok.status_code == 302
    notice = ExclusionNotice.objects.get(profile=profile)
    assert notice.issued_by == world.orgs["retail"]
    assert (
        "Not to enter any store"
        in client_for("officer")
        .get(reverse("intelligence:profile-detail", args=[profile.pk]))
        .content.decode()
    )
    assert client_for("officer").get(url).status_code == 403
    assert client_for("lp_manager_b").get(url).status_code == 404


def test_bulk_export_police_only_step_up_and_recorded(world: World, client_for: Clients) -> None:
    make_profile(world, name="Jon Smith")
    url = reverse("intelligence:export")
    analyst = client_for("analyst")
    assert analyst.post(url, {"reason": ""}).status_code == 400
    response = analyst.post(url, {"reason": "Problem profile for the area"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "reference" and rows[1][1] == "Jon Smith"
    entry = Entry.objects.get(action="exported", object_type="intelligence.profile_export")
    assert entry.reason == "Problem profile for the area" and entry.detail["profiles"] == 1
    stale = _stale_auth(client_for("supervisor"))
    again = stale.post(url, {"reason": "x"})
    assert again.status_code == 302
    assert again["Location"].startswith(reverse("accounts:reauth"))
    assert client_for("officer").post(url, {"reason": "x"}).status_code == 403
    assert client_for("store_staff").get(url).status_code == 403


def test_subject_access_export(world: World, client_for: Clients) -> None:
    profile = make_profile(world, name="Jon Smith", image=True)
    client_for("store_staff").get(reverse("intelligence:profile-detail", args=[profile.pk]))
    url = reverse("intelligence:subject-access", args=[profile.pk])
    response = client_for("force_admin").post(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("subject-access.json"))
    assert data["profile"]["name"] == "Jon Smith"
    assert len(data["incidents"]) == 2
    assert any(e["action"] == "viewed" and e["by"] == "store_staff" for e in data["access_log"])
    images = [n for n in archive.namelist() if n.startswith("images/")]
    assert len(images) == 1 and archive.read(images[0]) == png_bytes()
    assert Entry.objects.filter(action="exported", object_id=str(profile.pk)).exists()
    assert client_for("supervisor").post(url).status_code == 403
    assert client_for("force_admin_b").post(url).status_code == 404


def test_erasure_deletes_bytes_and_keeps_the_ledger(
    world: World, client_for: Clients, on_commit: Callable[[], Any]
) -> None:
    profile = make_profile(world, image=True)
    image = ProfileImage.objects.get(profile=profile)
    name, pk = image.file.name, profile.pk
    assert default_storage.exists(name)
    url = reverse("intelligence:erase", args=[pk])
    assert client_for("supervisor").post(url, {"reason": "x"}).status_code == 403
    assert client_for("force_admin").post(url, {"reason": ""}).status_code == 400
    with on_commit():
        response = client_for("force_admin").post(url, {"reason": "Subject erasure request"})
    assert response.status_code == 302
    assert not Profile.objects.filter(pk=pk).exists()
    assert not ProfileImage.objects.exists()
    assert not default_storage.exists(name)
    assert Entry.objects.filter(action="erased", object_id=str(pk)).exists()
    assert Entry.objects.filter(action="created", object_id=str(pk)).exists()


def test_duplicates_suggested_and_merged_on_confirmation(world: World, client_for: Clients) -> None:
    keep = make_profile(world, name="Jonathan Smith")
    other = make_profile(world, name="Jonathon Smyth", description="Tall man, shaved head")
    unrelated = make_profile(world, name="Mary Jones", description="Short woman, red coat")
    page = client_for("officer").get(reverse("intelligence:duplicates", args=[keep.pk]))
    text = page.content.decode()
    assert other.reference in text and unrelated.reference not in text
    assert "similar name" in text
    assert Profile.objects.filter(pk=other.pk).exists()  # never merged automatically
    merge = reverse("intelligence:merge", args=[keep.pk, other.pk])
    assert client_for("officer").post(merge, {"reason": "Same"}).status_code == 403
    assert client_for("supervisor").post(merge, {"reason": "Same person"}).status_code == 302
    assert not Profile.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert "Jonathon Smyth" in [a.name for a in keep.aliases.all()]
    assert keep.links.count() == 4
    assert Entry.objects.filter(action="erased", object_id=str(other.pk)).exists()


def test_not_the_same_stops_the_suggestion(world: World, client_for: Clients) -> None:
    keep = make_profile(world, name="Jonathan Smith")
    other = make_profile(world, name="Jonathon Smith")
    url = reverse("intelligence:not-same", args=[keep.pk, other.pk])
    assert client_for("officer").post(url).status_code == 302
    page = client_for("officer").get(reverse("intelligence:duplicates", args=[keep.pk]))
    assert other.reference not in page.content.decode()
    assert client_for("officer_b").post(url).status_code == 404


def test_analysis_ranking_and_series(world: World, client_for: Clients) -> None:
    from datetime import timedelta

    busy = make_profile(world, name="Busy", incidents=4)
    make_profile(world, name="Quiet", incidents=1)
    store_a, store_b = world.stores["store"], world.stores["store2"]
    third = type(store_a).objects.create(
        company=store_a.company, area=store_a.area, name="Store A3", line_1="3 St",
        town="T", postcode="NT1 1AA",
    )  # fmt: skip
    for i, store in enumerate([store_a, store_b, third]):
        RetailReport.objects.create(
            store=store, company=store.company, force=store.area.force,
            reported_by=world.user("store_staff"), reference=f"RC-2026-00010{i}",
            occurred_at=timezone.now() - timedelta(days=i * 2), kind="theft",
            status="received", submitted_at=timezone.now(),
            description="Used a foil-lined bag to take razors",
        )  # fmt: skip
    response = client_for("analyst").get(reverse("intelligence:analysis"))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index(busy.reference) < text.index("Quiet")
    assert "Lined bag: 3 reports at 3 stores" in text
    assert client_for("officer").get(reverse("intelligence:analysis")).status_code == 403


def test_approve_and_markers_through_the_page(world: World, client_for: Clients) -> None:
    profile = make_profile(world, approved=False)
    approve = reverse("intelligence:profile-approve", args=[profile.pk])
    assert client_for("officer").post(approve, {"approve": "yes", "reason": "x"}).status_code == 403
    missing = client_for("supervisor").post(approve, {"approve": "yes"})
    assert missing.status_code == 400 and "Enter a reason" in missing.content.decode()
    assert (
        client_for("supervisor").post(approve, {"approve": "yes", "reason": "Prolific"}).status_code
        == 302
    )
    profile.refresh_from_db()
    assert profile.is_approved
    marker = reverse("intelligence:marker-add", args=[profile.pk])
    assert client_for("officer").post(marker, {"marker": "drugs"}).status_code == 302
    assert client_for("officer").post(marker, {"marker": "drugs"}).status_code == 400
    assert client_for("store_staff").post(marker, {"marker": "drugs"}).status_code == 403
    assert profile.markers.get().marker == "drugs"


def test_policy_page(world: World, client_for: Clients) -> None:
    url = reverse("intelligence:policy")
    data = {"threshold_incidents": 3, "threshold_months": 6, "expiry_months": 12}
    assert client_for("supervisor").post(url, data).status_code == 403
    assert client_for("force_admin").post(url, data).status_code == 302
    from lantern.intelligence.models import Policy

    assert Policy.objects.get(force=world.orgs["force"]).threshold_incidents == 3


def test_report_page_offers_the_gallery(world: World, client_for: Clients) -> None:
    """The report page lists linked offenders; store staff pick one from there."""
    report = _report(world)
    profile = make_profile(world)
    url = reverse("reports:detail", args=[report.pk])
    page = client_for("store_staff").get(url).content.decode()
    assert "Pick the offender from the gallery" in page
    pick = reverse("intelligence:report-pick", args=[report.pk])
    client_for("store_staff").post(pick, {"profile": profile.pk})
    assert IncidentLink.objects.filter(report=report).exists()
    assert profile.reference in client_for("store_staff").get(url).content.decode()
    police = client_for("officer").get(url).content.decode()
    assert profile.reference in police and "Pick the offender" not in police
