"""Routine automation: marker rules, proposed closures, the unused-material schedule and
retention review (disposal removes content, never ledger entries)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from lantern.casework.models import Case
from lantern.evidence.models import DeletionRequest, EvidenceItem
from lantern.insights import automation, services
from lantern.insights.models import (
    ClosureProposal,
    Communication,
    Marker,
    MarkerRule,
    Obligation,
    RetentionDecision,
    Victim,
)
from lantern.ledger.models import Action, Entry
from lantern.statements.models import Statement


def _case(world, ref: str, days_old: int = 0) -> Case:
    case = Case.objects.create(
        force=world.orgs["force"],
        reference=ref,
        title="Theft",
        officer_in_charge=world.user("officer"),
    )
    case.created_at = timezone.now() - timedelta(days=days_old)
    case.save()
    return case


def _victim(world, case, **kw) -> Any:
    data = services.VictimInput(
        full_name=kw.pop("full_name", "Sam Shop"), email=kw.pop("email", "sam@example.test"),
        preferred_channel=kw.pop("preferred_channel", "email"), **kw,
    )  # fmt: skip
    return services.victim_create(
        actor=world.user("officer"), membership=world.membership("officer"), case=case, data=data
    )


def _rule(world, **kw) -> MarkerRule:
    return MarkerRule.objects.create(force=world.orgs["force"], **kw)


def test_repeat_victim_marker_on_the_second_case_only(world) -> None:
    _rule(world, marker="Repeat victim", trigger="victim_recorded", min_cases=2)
    _victim(world, _case(world, "C1"))
    assert not Marker.objects.exists()
    _victim(world, _case(world, "C2"), full_name="Other Person", email="o@example.test")
    assert not Marker.objects.exists()
    second = _victim(world, _case(world, "C3"))  # same name and email as C1's victim
    marker = Marker.objects.get()
    assert (marker.label, marker.subject, marker.victim) == ("Repeat victim", "sam shop", second)
    assert Entry.objects.filter(action=Action.CREATED, object_type="insights.marker").count() == 1
    _victim(world, _case(world, "C4"))
    assert Marker.objects.count() == 1  # once per person


def test_domestic_abuse_location_marker_on_arrest(world) -> None:
    _rule(world, marker="Domestic abuse address", trigger="arrest", target="location",
          requires_domestic_abuse=True)  # fmt: skip
    case = _case(world, "DA1")
    _victim(world, case, full_name="A", address="2 Elm Rd\nNorthtown", domestic_abuse=True)
    _victim(world, case, full_name="B", address="9 Oak Rd")
    assert not Marker.objects.exists()  # the trigger is the arrest, not recording the victim
    services.event_record(
        actor=world.user("officer"), membership=world.membership("officer"), case=case,
        kind="arrest", occurred_at=timezone.now(),
    )  # fmt: skip
    assert list(Marker.objects.values_list("target", "subject")) == [
        ("location", "2 elm rd northtown")
    ]


def test_marker_rules_page_is_for_force_admins(world, client_for) -> None:
    form = {"marker": "Repeat victim", "trigger": "victim_recorded", "target": "person",
            "min_cases": "2", "within_days": "365"}  # fmt: skip
    assert client_for("supervisor").post(reverse("insights:markers"), form).status_code == 403
    assert client_for("force_admin").post(reverse("insights:markers"), form).status_code == 302
    assert MarkerRule.objects.get().force == world.orgs["force"]


def test_closures_proposed_only_without_lines_of_enquiry_and_confirmed_in_bulk(
    world, client_for, mailoutbox, on_commit
) -> None:
    quiet, quiet2 = _case(world, "Q1", 40), _case(world, "Q2", 40)
    young = _case(world, "Y1", 3)
    busy = _case(world, "B1", 40)
    Statement.objects.create(
        force=busy.force, case=busy, officer=world.user("officer"), witness_name="W",
        witness_dob=date(1980, 1, 1), status="sent",
    )  # fmt: skip
    victim = _victim(world, quiet)
    supervisor = client_for("supervisor")
    assert client_for("officer").get(reverse("insights:closures")).status_code == 403
    supervisor.post(reverse("insights:closures"), {"action": "find"})
    proposed = ClosureProposal.objects.filter(status="proposed")
    assert sorted(p.case.reference for p in proposed) == ["Q1", "Q2"]
    assert young.pk not in [p.case_id for p in proposed]
    supervisor.post(reverse("insights:closures"), {"action": "find"})
    assert ClosureProposal.objects.count() == 2  # proposed once
    ids = [str(p.pk) for p in proposed]
    with on_commit():
        supervisor.post(reverse("insights:closures"), {"action": "close", "proposal": ids})
    assert set(ClosureProposal.objects.values_list("status", flat=True)) == {"confirmed"}
    letter = Communication.objects.get(victim=victim, purpose="closure")
    assert letter.status == "sent" and letter.automatic and "no further lines" in letter.body
    assert Obligation.objects.get(victim=victim, kind="outcome").met_at is not None
    assert any("has been closed" in m.subject for m in mailoutbox)
    approved = Entry.objects.filter(action=Action.APPROVED, object_type="insights.closureproposal")
    assert approved.count() == 2
    assert set(ClosureProposal.objects.values_list("case_id", flat=True)) == {quiet.pk, quiet2.pk}


def _item(case, n: int, exhibit: str = "") -> EvidenceItem:
    item = EvidenceItem(
        case=case, original_name=f"cam{n}.mp4", size=4, sha256=f"{n}" * 64, state="ready",
        uploaded_by="link", exhibit_ref=exhibit, submitted_at=timezone.now(),
    )  # fmt: skip
    item.original.save(f"cam{n}.mp4", ContentFile(b"data"), save=False)
    item.save()
    return item


def test_disclosure_schedule_lists_unused_material_and_exports(world, client_for) -> None:
    case = _case(world, "D1")
    _item(case, 1)
    _item(case, 2, exhibit="OA/1")  # produced as an exhibit: not unused
    Statement.objects.create(
        force=case.force, case=case, officer=world.user("officer"), witness_name="Wes Witness",
        witness_dob=date(1980, 1, 1), status="withdrawn",
    )  # fmt: skip
    _victim(world, case)
    rows = automation.disclosure_schedule(case)
    assert [r.source.split()[0] for r in rows] == ["evidence", "statement", "letter"]
    assert "cam1.mp4" in rows[0].description and "Wes Witness" in rows[1].description
    officer = client_for("officer")
    page = officer.get(reverse("insights:disclosure", args=[case.pk]))
    assert page.status_code == 200 and not page.context["current"]
    officer.post(reverse("insights:disclosure", args=[case.pk]))
    assert officer.get(reverse("insights:disclosure", args=[case.pk])).context["current"]
    exported = officer.get(reverse("insights:disclosure-csv", args=[case.pk]))
    table = list(csv.reader(io.StringIO(exported.content.decode())))
    assert len(table) == 1 + 3 and table[1][0] == "1"
    pdf = officer.get(reverse("insights:disclosure-pdf", args=[case.pk]))
    assert pdf.content.startswith(b"%PDF")
    assert Entry.objects.filter(action=Action.EXPORTED, object_id=str(case.pk)).count() == 2
    assert (
        client_for("analyst").get(reverse("insights:disclosure", args=[case.pk])).status_code == 403
    )
    assert (
        client_for("officer_b").get(reverse("insights:disclosure", args=[case.pk])).status_code
        == 404
    )


def test_retention_disposal_removes_content_and_keeps_ledger(world, client_for, on_commit) -> None:
    case = _case(world, "R1")
    victim = _victim(world, case, full_name="Remy Private", phone="+447700900111")
    item = _item(case, 7)
    Victim.objects.filter(pk=victim.pk).update(review_date=date.today() - timedelta(days=1))
    EvidenceItem.objects.filter(pk=item.pk).update(review_date=date.today())
    before = Entry.objects.filter(object_type="insights.victim", object_id=str(victim.pk)).count()
    supervisor = client_for("supervisor")
    due = supervisor.get(reverse("insights:retention")).context["due"]
    assert [(d.kind, d.pk) for d in due] == [("victim", victim.pk), ("evidence_item", item.pk)]
    url = reverse("insights:retention-decide")
    assert (
        client_for("officer")
        .post(url, {"kind": "victim", "pk": victim.pk, "decision": "dispose", "reason": "x"})
        .status_code
        == 403
    )
    supervisor.post(url, {"kind": "victim", "pk": victim.pk, "decision": "dispose", "reason": ""})
    assert not RetentionDecision.objects.exists()
    supervisor.post(
        url,
        {
            "kind": "victim",
            "pk": victim.pk,
            "decision": "dispose",
            "reason": "Review: no further need",
        },
    )
    victim.refresh_from_db()
    assert victim.disposed_at and victim.full_name == "(disposed of)" and not victim.phone
    assert Communication.objects.get(victim=victim).body == ""
    assert not Communication.objects.filter(body__contains="Remy").exists()
    after = Entry.objects.filter(object_type="insights.victim", object_id=str(victim.pk))
    assert after.count() == before + 1 and after.filter(action=Action.ERASED).exists()
    # Evidence: retain with a reason takes it off the list; a new item goes to two-person deletion.
    supervisor.post(
        url,
        {"kind": "evidence_item", "pk": item.pk, "decision": "retain", "reason": "Appeal pending"},
    )
    assert supervisor.get(reverse("insights:retention")).context["due"] == []
    other = _item(case, 8)
    EvidenceItem.objects.filter(pk=other.pk).update(review_date=date.today())
    supervisor.post(
        url,
        {"kind": "evidence_item", "pk": other.pk, "decision": "dispose", "reason": "Past review"},
    )
    request = DeletionRequest.objects.get(item=other)
    assert request.decided_at is None and request.requested_by == world.user("supervisor")
    assert EvidenceItem.objects.get(pk=other.pk).erased_at is None  # waits for a second person
    # Another force cannot decide on this force's records.
    client_for("supervisor_b").post(
        url, {"kind": "evidence_item", "pk": item.pk, "decision": "dispose", "reason": "x"}
    )
    assert RetentionDecision.objects.filter(decided_by=world.user("supervisor_b")).count() == 0


# --- Markers on the suspect's offender profile (intelligence) ------------------------------


def _suspect(world, case: Case, incidents: int = 1) -> Any:
    """A force A offender profile the police linked to this case (by its reference)."""
    from lantern.intelligence import services as intel
    from lantern.intelligence.tests.factories import make_profile

    profile = make_profile(world, incidents=0, approved=False)
    for i in range(incidents):
        intel.link_add(
            actor=world.user("supervisor"), membership=world.membership("supervisor"),
            profile=profile, event_reference=case.reference if i == 0 else f"X{i}",
            occurred_at=timezone.now() - timedelta(days=i + 1), summary="Theft",
        )  # fmt: skip
    return profile


def _markers_on(profile) -> list[str]:
    return list(profile.markers.values_list("marker", flat=True))


def _arrest(world, case: Case) -> None:
    services.event_record(
        actor=world.user("officer"), membership=world.membership("officer"), case=case,
        kind="arrest", occurred_at=timezone.now(),
    )  # fmt: skip


def test_suspect_rule_places_a_warning_marker_on_the_profile_on_arrest(world) -> None:
    _rule(world, marker="violence", trigger="arrest", target="suspect")
    case = _case(world, "S1")
    suspect = _suspect(world, case)
    unrelated = _suspect(world, _case(world, "S2"))
    _victim(world, case)
    assert _markers_on(suspect) == []  # recording the victim is not the trigger
    _arrest(world, case)
    assert _markers_on(suspect) == ["violence"] and _markers_on(unrelated) == []
    warning = suspect.markers.get()
    assert warning.added_by == world.user("officer") and "S1" in warning.note
    assert Entry.objects.filter(
        action=Action.CHANGED, object_type="intelligence.profile", object_id=str(suspect.pk),
        detail__marker_added="violence",
    ).exists()  # fmt: skip
    assert Marker.objects.get().subject == suspect.reference
    _arrest(world, case)  # placed once
    assert suspect.markers.count() == 1 and Marker.objects.count() == 1


def test_suspect_rule_through_the_crimes_retail_report(world) -> None:
    from lantern.casework.models import Crime
    from lantern.intelligence import services as intel
    from lantern.intelligence.tests.factories import make_profile
    from lantern.reports.models import RetailReport

    _rule(world, marker="threats", trigger="victim_recorded", target="suspect")
    case = _case(world, "S3")
    store = world.stores["store"]
    report = RetailReport.objects.create(
        store=store, company=store.company, force=store.area.force,
        reported_by=world.user("store_staff"), reference="RC-2026-000501",
        occurred_at=timezone.now(), kind="theft_with_violence_or_threats", status="received",
        submitted_at=timezone.now(), description="Threatened staff",
    )  # fmt: skip
    crime = Crime.objects.create(
        force=case.force, crime_reference="CR/1", classification="other", case=case,
        created_by=world.user("officer"),
    )  # fmt: skip
    crime.retail_reports.add(report)
    profile = make_profile(world, incidents=0, approved=False)
    intel.link_add(
        actor=world.user("supervisor"), membership=world.membership("supervisor"),
        profile=profile, report=report,
    )  # fmt: skip
    _victim(world, case)
    assert _markers_on(profile) == ["threats"]


def test_suspect_rule_conditions_incidents_and_domestic_abuse(world) -> None:
    _rule(world, marker="violence", trigger="arrest", target="suspect", min_cases=3)
    _rule(world, marker="weapons", trigger="arrest", target="suspect",
          requires_domestic_abuse=True)  # fmt: skip
    case = _case(world, "S4")
    few = _suspect(world, case, incidents=2)
    many = _suspect(world, case, incidents=3)
    _victim(world, case)  # no domestic abuse recorded
    _arrest(world, case)
    assert _markers_on(few) == [] and _markers_on(many) == ["violence"]
    da_case = _case(world, "S5")
    da_suspect = _suspect(world, da_case)
    _victim(world, da_case, full_name="Dee", email="dee@example.test", domestic_abuse=True)
    _arrest(world, da_case)
    assert _markers_on(da_suspect) == ["weapons"]


def test_suspect_rule_on_closure_and_only_warning_markers_accepted(world, client_for) -> None:
    admin = client_for("force_admin")
    form = {"marker": "Repeat victim", "trigger": "closure", "target": "suspect",
            "min_cases": "1", "within_days": "365"}  # fmt: skip
    refused = admin.post(reverse("insights:markers"), form)
    assert refused.status_code == 200 and "use a warning marker" in refused.content.decode()
    assert not MarkerRule.objects.exists()
    assert admin.post(reverse("insights:markers"), {**form, "marker": "Drugs"}).status_code == 302
    assert MarkerRule.objects.get().marker == "drugs"
    case = _case(world, "S6", 40)
    suspect = _suspect(world, case)
    automation.closures_propose(world.orgs["force"])
    proposal = ClosureProposal.objects.get(case=case)
    automation.closures_decide(
        actor=world.user("supervisor"), membership=world.membership("supervisor"),
        proposals=[proposal], confirm=True,
    )  # fmt: skip
    assert _markers_on(suspect) == ["drugs"]
