"""The benefits dashboard's figures are the underlying records, counted."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from lantern.casework.models import Case
from lantern.evidence.models import EvidenceItem, EvidenceRequest
from lantern.insights import benefits, services
from lantern.insights.models import CaseEvent
from lantern.ledger.models import Action, Entry
from lantern.reports.models import RetailReport
from lantern.statements.models import Statement


def _request(world, case) -> EvidenceRequest:
    return EvidenceRequest.objects.create(
        force=case.force,
        case=case,
        created_by=world.user("officer"),
        recipient_kind="control_room",
        control_room=world.orgs["council"].control_rooms.get(),
        location="High St",
        window_start=timezone.now() - timedelta(days=2),
        window_end=timezone.now() - timedelta(days=1),
        reason="Theft",
        deadline=date.today() + timedelta(days=3),
    )


def _item(request, n) -> None:
    item = EvidenceItem(
        request=request, case=request.case, original_name=f"cam{n}.mp4", size=4,
        sha256=f"{n}" * 64, state="ready", uploaded_by="link", submitted_at=timezone.now(),
    )  # fmt: skip
    item.original.save(f"cam{n}.mp4", ContentFile(b"data"), save=False)
    item.save()


@pytest.fixture
def seeded(world):
    force = world.orgs["force"]
    now = timezone.now()
    used = Case.objects.create(force=force, reference="NP/1", title="Theft")
    used.created_at = now - timedelta(days=3)
    used.save()
    plain = Case.objects.create(force=force, reference="NP/2", title="Damage")
    plain.created_at = now - timedelta(days=13)
    plain.save()
    first, second = _request(world, used), _request(world, used)
    for n, req in enumerate((first, first, second), start=1):
        _item(req, n)
    for own in (False, True):
        Statement.objects.create(
            force=force, case=used, officer=world.user("officer"), witness_name="W",
            witness_dob=date(1980, 1, 1), eligible=True, status="signed", signed_at=now,
            own_statement=own,
        )  # fmt: skip
    store = world.stores["store"]
    for status, officer in (("received", world.user("officer")), ("finalised", None)):
        RetailReport.objects.create(
            store=store, company=store.company, force=force, reported_by=world.user("store_staff"),
            status=status, submitted_at=now, allocated_to=officer,
        )  # fmt: skip
    for case in (used, plain):
        CaseEvent.objects.create(
            force=force, case=case, kind="outcome", occurred_at=now,
            recorded_by=world.user("officer"),
        )  # fmt: skip
    services.victim_create(
        actor=world.user("officer"), membership=world.membership("officer"), case=plain,
        data=services.VictimInput(full_name="V", email="v@example.test", preferred_channel="email"),
    )  # fmt: skip
    # Another force's records never count.
    other = Case.objects.create(force=world.orgs["force_b"], reference="NP/1", title="Theft")
    CaseEvent.objects.create(
        force=other.force, case=other, kind="outcome", occurred_at=now,
        recorded_by=world.user("officer_b"),
    )  # fmt: skip
    return force


def test_counts_match_the_records(seeded) -> None:
    months = benefits.months_back(timezone.localdate(), 12)
    got = {s.key: s.total for s in benefits.counts(seeded.pk, months)}
    assert got["cctv_files"] == EvidenceItem.objects.count() == 3
    assert got["footage_requests"] == 2
    assert got["statements"] == 1
    assert got["retail_reports"] == 2 and got["first_contact"] == 1
    assert got["letters_sent"] == got["letters_automatic"] == 1
    assert got["collisions"] == got["public_crimes"] == 0
    series = benefits.counts(seeded.pk, months)
    assert all(s.by_month[:-1] == [0] * 11 for s in series)  # all made this month


def test_savings_follow_the_assumptions(seeded, client_for) -> None:
    admin = client_for("force_admin")
    page = admin.get(reverse("insights:benefits"))
    s = page.context["savings"]
    minutes = 2 * 120 + 1 * 90 + 2 * 45 + 1 * 10
    assert s.hours == Decimal(minutes / 60).quantize(Decimal("0.1"))
    assert s.miles == Decimal(2 * 10 + 1 * 8)
    assert s.pounds_travel == Decimal("12.60")  # 28 miles at 45p
    assert s.pounds_time == (Decimal(minutes) / 60 * 40).quantize(Decimal("0.01"))
    assert b"HMRC approved mileage allowance" in page.content
    form = {
        "officer_hour_pence": "5000", "pence_per_mile": "50", "miles_per_gallon": "40",
        "shift_hours": "10",
    }  # fmt: skip
    for key in benefits.ACTIVITIES:
        form |= {f"{key}_minutes": "60", f"{key}_miles": "1", f"{key}_source": "Our 2026 study"}
    assert (
        client_for("supervisor").post(reverse("insights:benefits-assumptions"), form).status_code
        == 403
    )
    assert admin.post(reverse("insights:benefits-assumptions"), form).status_code == 302
    s = admin.get(reverse("insights:benefits")).context["savings"]
    avoided = 2 + 1 + 2 + 1
    assert s.hours == avoided and s.officer_days == Decimal("0.6")
    assert s.pounds == avoided * 50 + avoided * Decimal("0.50")
    assert s.litres == (avoided / Decimal(40) * Decimal("4.54609")).quantize(Decimal("0.1"))
    assert Entry.objects.filter(
        action=Action.CHANGED, object_type="insights.forcesettings"
    ).exists()
    # Force B still uses Lantern's defaults.
    other = client_for("supervisor_b").get(reverse("insights:benefits")).context
    assert other["assumptions"].officer_hour_pence == 4000 and other["savings"].hours == 0


def test_report_to_outcome_with_and_without_lantern(seeded) -> None:
    with_lantern, without = benefits.report_to_outcome(seeded.pk)
    assert [c.reference for c in with_lantern.cases] == ["NP/1"]
    assert [c.reference for c in without.cases] == ["NP/2"]
    assert with_lantern.mean == Decimal("3.0") and without.median == Decimal("13.0")


def test_exports_and_refusals(seeded, client_for) -> None:
    c = client_for("analyst")
    response = c.get(reverse("insights:benefits-csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["Used Lantern", "1", "3.0", "3.0"] in rows
    cctv = next(r for r in rows if r and r[0].startswith("CCTV"))
    assert cctv[-1] == "3"
    pdf = c.get(reverse("insights:benefits-pdf") + "?months=6")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        Entry.objects.filter(action=Action.EXPORTED, object_type="insights.benefits").count() == 2
    )
    assert client_for("lp_manager").get(reverse("insights:benefits")).status_code == 403


def test_a_missing_table_counts_as_not_available(seeded, client_for, monkeypatch) -> None:
    fake = benefits.Source("fake", "Something not built", "nosuchapp.Thing", "created_at")
    monkeypatch.setattr(benefits, "SERIES", (*benefits.SERIES, fake))
    page = client_for("officer").get(reverse("insights:benefits"))
    assert page.status_code == 200
    assert [s.key for s in page.context["missing"]] == ["fake"]
    assert b"Something not built" in page.content
    chart = page.context["charts"][0]
    assert [b.value for b in chart["bars"]][-1] == chart["series"].total
