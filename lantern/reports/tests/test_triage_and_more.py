"""Issue 6, second slice: pages, repeat reports, withdraw, police notes, force rules, CCTV,
links, reopen, digests, figures, query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.evidence.models import EvidenceRequest
from lantern.ledger.models import Action, Entry
from lantern.reports.models import (
    DigestEntry,
    ForceReportRules,
    ReportEvent,
    ReportItem,
    ReportLink,
    RetailReport,
    Status,
)
from lantern.reports.services import digests_send
from lantern.reports.tasks import report_digests_task

from .test_reports import _bulk, _fill, _form, _sent

pytestmark = pytest.mark.django_db


def _entries(report: RetailReport) -> list[Entry]:
    return list(Entry.objects.filter(object_type="reports.retailreport", object_id=str(report.pk)))


# --- One thing per page, nothing lost, save and come back --------------------------------------


def test_a_bad_item_loses_nothing_and_save_comes_back(client_for, world: World) -> None:
    client = client_for("store_staff")
    client.post(reverse("reports:new"), _form(world))
    report = RetailReport.objects.get()
    goods = reverse("reports:step", args=[report.pk, "goods"])
    r = client.post(goods, _form(world, **{"items-1-quantity": "0"}))
    body = r.content.decode()
    assert r.status_code == 200 and "The quantity must be 1 or more" in body
    assert 'value="Razor blades"' in body and 'value="12.50"' in body
    assert not report.items.exists()
    # Save and come back later: the draft keeps what was valid, the detail page offers it.
    r = client.post(goods, _form(world, action="save_draft"))
    assert r.status_code == 302 and r["Location"] == reverse("reports:detail", args=[report.pk])
    assert report.items.count() == 2
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Continue your report" in page
    # Pages not yet answered keep the answers of earlier pages.
    report.refresh_from_db()
    assert report.description.startswith("Two men") and report.kind == "theft"


def test_change_from_check_your_answers_returns_there(client_for, world: World) -> None:
    client = client_for("store_staff")
    report = _fill(client, world)
    check = client.get(reverse("reports:check", args=[report.pk])).content.decode()
    staff = reverse("reports:step", args=[report.pk, "staff"]) + "?next=check"
    assert staff.replace("&", "&amp;") in check or staff in check
    r = client.post(staff, _form(world, staff_witnesses="Pat Lee", next="check"))
    assert r["Location"] == reverse("reports:check", args=[report.pk])
    report.refresh_from_db()
    assert report.staff_witnesses == ["Pat Lee"]
    assert report.items.count() == 2  # other pages' answers untouched


def test_unknown_step_is_not_found(client_for, world: World) -> None:
    client = client_for("store_staff")
    client.post(reverse("reports:new"), _form(world))
    report = RetailReport.objects.get()
    assert client.get(reverse("reports:step", args=[report.pk, "nope"])).status_code == 404


# --- Report the same offender again ----------------------------------------------------------


def test_report_again_with_the_same_offender_in_a_few_steps(
    client_for, world: World, on_commit
) -> None:
    first = _sent(client_for, world, on_commit)
    client = client_for("store_staff")
    r = client.post(reverse("reports:again", args=[first.pk]))
    again = RetailReport.objects.latest("pk")
    assert r["Location"] == reverse("reports:step", args=[again.pk, "incident"])
    assert again.repeat_offender and again.repeat_of == first
    assert again.offenders == first.offenders and again.kind == first.kind
    assert again.status == Status.DRAFT and again.occurred_at is None
    # When, and a line of text; then straight to check your answers and send: 3 requests.
    when = (timezone.localtime() - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("reports:step", args=[again.pk, "incident"]),
        {
            "store": first.store_id,
            "occurred_at": when,
            "kind": "theft",
            "description": "Same man, took razors",
            "action": "continue",
            "next": "check",
        },
    )
    assert r["Location"] == reverse("reports:check", args=[again.pk])
    with on_commit():
        r = client.post(reverse("reports:check", args=[again.pk]))
    again.refresh_from_db()
    assert again.status == Status.RECEIVED and again.reference in r.content.decode()
    # The officer sees it marked and offered as a link to the first report.
    page = client_for("officer").get(reverse("reports:detail", args=[again.pk])).content.decode()
    assert "Known offender" in page and first.reference in page
    queue = client_for("officer").get(reverse("reports:list")).content.decode()
    assert "Repeat offender" in queue
    # Other people may not report again for a store they do not work at.
    assert (
        client_for("store_staff_b").post(reverse("reports:again", args=[first.pk])).status_code
        == 404
    )
    assert client_for("officer").post(reverse("reports:again", args=[first.pk])).status_code == 403


# --- Add information, withdraw ---------------------------------------------------------------


def test_store_withdraws_with_a_reason(client_for, world: World, on_commit, mailoutbox) -> None:
    report = _sent(client_for, world, on_commit)
    url = reverse("reports:withdraw", args=[report.pk])
    store = client_for("store_staff")
    r = store.post(url, {"reason": ""})
    assert r.status_code == 400 and "Enter why you are withdrawing the report" in r.content.decode()
    assert client_for("officer").post(url, {"reason": "x"}).status_code == 403
    assert client_for("store_staff_b").post(url, {"reason": "x"}).status_code == 404
    with on_commit():
        r = store.post(url, {"reason": "The goods were found in the stock room"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.WITHDRAWN
    assert "withdrawn" in mailoutbox[-1].subject
    page = client_for("officer").get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "The goods were found in the stock room" in page
    assert (
        report.reference not in client_for("officer").get(reverse("reports:list")).content.decode()
    )
    # Not twice.
    assert store.post(url, {"reason": "again"}).status_code == 400


# --- Police-only notes -----------------------------------------------------------------------


def test_police_notes_never_reach_the_store(
    client_for, world: World, on_commit, mailoutbox
) -> None:
    report = _sent(client_for, world, on_commit)
    secret = "Suspect is known to us as a CHIS contact"
    officer = client_for("officer")
    with on_commit():
        r = officer.post(reverse("reports:note", args=[report.pk]), {"text": secret})
    assert r.status_code == 302
    assert ReportEvent.objects.get(kind=ReportEvent.Kind.NOTE).visible_to_store is False
    # The police see it ...
    assert secret in officer.get(reverse("reports:detail", args=[report.pk])).content.decode()
    # ... the store never: not on the page or its timeline, not by email, not in the figures CSV.
    for name in ("store_staff", "lp_manager"):
        client = client_for(name)
        assert (
            secret not in client.get(reverse("reports:detail", args=[report.pk])).content.decode()
        )
        assert secret not in client.get(reverse("reports:list")).content.decode()
        assert secret not in client.get(reverse("reports:figures-csv")).content.decode()
    with on_commit():
        officer.post(reverse("reports:ask", args=[report.pk]), {"message": "Which till?"})
    assert mailoutbox and all(secret not in m.body and secret not in m.subject for m in mailoutbox)
    # Notes are the police's own: the store cannot add one, another force cannot either.
    assert (
        client_for("store_staff")
        .post(reverse("reports:note", args=[report.pk]), {"text": "x"})
        .status_code
        == 403
    )
    assert (
        client_for("officer_b")
        .post(reverse("reports:note", args=[report.pk]), {"text": "x"})
        .status_code
        == 404
    )
    r = officer.post(reverse("reports:note", args=[report.pk]), {"text": ""})
    assert r.status_code == 400 and "Enter the note" in r.content.decode()


# --- Minimum data per force ------------------------------------------------------------------


def test_force_rules_return_a_report_with_the_missing_items_named(
    client_for, world: World, on_commit, mailoutbox
) -> None:
    admin = client_for("force_admin")
    assert reverse("reports:rules") in admin.get(reverse("reports:list")).content.decode()
    assert client_for("officer").get(reverse("reports:rules")).status_code == 403
    r = admin.post(
        reverse("reports:rules"), {"required": ["staff_witnesses", "items"], "high_value": "150"}
    )
    assert r.status_code == 302
    rules = ForceReportRules.objects.get(force=world.orgs["force"])
    assert rules.required == ["items", "staff_witnesses"] and rules.high_value_pence == 15000
    r = admin.post(reverse("reports:rules"), {"required": ["nonsense"], "high_value": "x"})
    assert r.status_code == 400
    # Force B's rules are its own.
    assert not ForceReportRules.objects.filter(force=world.orgs["force_b"]).exists()

    client = client_for("store_staff")
    report = _fill(client, world, staff_witnesses="")
    check = client.get(reverse("reports:check", args=[report.pk])).content.decode()
    assert "The name of a member of staff who saw it" in check  # warned before sending
    with on_commit():
        r = client.post(reverse("reports:check", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == Status.RETURNED and report.reference
    assert "needs more details" in r.content.decode()
    assert "details missing" in mailoutbox[-1].subject
    assert "The name of a member of staff who saw it" in mailoutbox[-1].body
    assert "At least one item" not in mailoutbox[-1].body
    # Not in the police queue while it is back with the store.
    assert (
        report.reference not in client_for("officer").get(reverse("reports:list")).content.decode()
    )
    # The store adds the name and sends it again: same reference, now received.
    staff_page = reverse("reports:step", args=[report.pk, "staff"])
    client.post(staff_page, _form(world, staff_witnesses="Sam Jones", next="check"))
    with on_commit():
        client.post(reverse("reports:check", args=[report.pk]))
    reference = report.reference
    report.refresh_from_db()
    assert report.status == Status.RECEIVED and report.reference == reference
    assert report.reference in client_for("officer").get(reverse("reports:list")).content.decode()


# --- Police triage extras --------------------------------------------------------------------


def test_request_cctv_from_a_report(client_for, world: World, on_commit, mailoutbox) -> None:
    report = _sent(client_for, world, on_commit)
    url = reverse("reports:request-cctv", args=[report.pk])
    deadline = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert client_for("call_handler").post(url, {"deadline": deadline}).status_code == 403
    assert client_for("officer_b").post(url, {"deadline": deadline}).status_code == 404
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert client_for("officer").post(url, {"deadline": past}).status_code == 400
    with on_commit():
        r = client_for("officer").post(url, {"deadline": deadline})
    assert r.status_code == 302
    report.refresh_from_db()
    request = EvidenceRequest.objects.get()
    assert report.cctv_request == request and request.store == report.store
    assert report.reference and report.occurred_at
    assert request.recipient_kind == "store" and report.reference in request.reason
    assert request.case.reference == report.reference
    assert request.window_start < report.occurred_at < request.window_end
    assert list(request.retail_reports.all()) == [report]  # linked both ways
    assert any(request.reference in m.subject for m in mailoutbox)
    store_page = client_for("store_staff").get(reverse("reports:detail", args=[report.pk]))
    assert request.reference in store_page.content.decode()
    assert client_for("officer").post(url, {"deadline": deadline}).status_code == 400  # once
    assert any(e.action == Action.LINKED for e in _entries(report))


def test_link_reports_suggested_and_by_reference(client_for, world: World, on_commit) -> None:
    first = _sent(client_for, world, on_commit)
    second = _sent(client_for, world, on_commit, description="The same two men came back")
    officer = client_for("officer")
    page = officer.get(reverse("reports:detail", args=[second.pk])).content.decode()
    assert "Reports that may be connected" in page and first.reference in page
    url = reverse("reports:link", args=[second.pk])
    r = officer.post(url, {"reference": str(first.reference).lower(), "reason": "same_offender"})
    assert r.status_code == 302
    link = ReportLink.objects.get()
    assert (link.first, link.second) == (first, second)
    first.refresh_from_db()
    assert first.repeat_offender
    assert (
        first.reference in officer.get(reverse("reports:detail", args=[second.pk])).content.decode()
    )
    assert (
        second.reference in officer.get(reverse("reports:detail", args=[first.pk])).content.decode()
    )
    assert (
        officer.post(url, {"reference": first.reference, "reason": "same_store"}).status_code == 400
    )
    assert (
        officer.post(url, {"reference": second.reference, "reason": "same_store"}).status_code
        == 400
    )
    # A report of another force cannot be found by reference.
    store_b = world.stores["store_b"]
    other = RetailReport.objects.create(
        store=store_b,
        company=store_b.company,
        force=store_b.area.force,
        reported_by=world.user("store_staff_b"),
        reference="RC-2026-777777",
        status=Status.RECEIVED,
        submitted_at=timezone.now(),
    )
    r = officer.post(url, {"reference": other.reference, "reason": "same_time"})
    assert r.status_code == 400 and "no report of your force" in r.content.decode()
    assert (
        client_for("store_staff")
        .post(url, {"reference": first.reference, "reason": "same_time"})
        .status_code
        == 403
    )
    # Links are for the police only.
    assert (
        first.reference
        not in client_for("store_staff")
        .get(reverse("reports:detail", args=[second.pk]))
        .content.decode()
        .split("Timeline")[0]
        .split("Crime report")[-1]
    )
    assert [e.action for e in _entries(first)].count(Action.LINKED) == 1


def test_information_after_the_outcome_and_reopen(
    client_for, world: World, on_commit, mailoutbox
) -> None:
    report = _sent(client_for, world, on_commit)
    officer = client_for("officer")
    officer.post(
        reverse("reports:finalise", args=[report.pk]),
        {"outcome_code": "18", "reason": "No suspect"},
    )
    assert (
        client_for("officer")
        .post(reverse("reports:reopen", args=[report.pk]), {"reason": ""})
        .status_code
        == 400
    )
    with on_commit():
        client_for("store_staff").post(
            reverse("reports:reply", args=[report.pk]), {"text": "We know his name now: J Smith"}
        )
    report.refresh_from_db()
    assert report.status == Status.FINALISED and report.new_information
    queue = officer.get(reverse("reports:list")).content.decode()
    assert report.reference in queue and "New information" in queue
    assert (
        client_for("store_staff")
        .post(reverse("reports:reopen", args=[report.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    assert (
        client_for("officer_b")
        .post(reverse("reports:reopen", args=[report.pk]), {"reason": "x"})
        .status_code
        == 404
    )
    with on_commit():
        r = officer.post(
            reverse("reports:reopen", args=[report.pk]), {"reason": "A name to follow up"}
        )
    assert r.status_code == 302
    report.refresh_from_db()
    assert (
        report.status == Status.RECEIVED and not report.outcome_code and not report.new_information
    )
    assert report.finalised_at is None
    assert "reopened" in mailoutbox[-1].body
    # Only a finalised report is reopened.
    assert (
        officer.post(reverse("reports:reopen", args=[report.pk]), {"reason": "again"}).status_code
        == 400
    )


def test_queue_filters_by_area_and_orders_by_risk(client_for, world: World) -> None:
    reports = _bulk(world, 6)
    ForceReportRules.objects.create(force=world.orgs["force"], high_value_pence=100)
    page = client_for("officer").get(reverse("reports:list")).content.decode()
    # Every report here is worth £1 or more: all high value under this force's rule.
    assert page.count("High value") == 6
    area2 = world.areas["area2"]
    page = client_for("officer").get(reverse("reports:list"), {"area": area2.pk}).content.decode()
    assert reports[1].reference in page and reports[0].reference not in page


# --- Digest for managers ---------------------------------------------------------------------


def test_manager_chooses_a_daily_digest(client_for, world: World, on_commit, mailoutbox) -> None:
    manager = client_for("lp_manager")
    assert client_for("store_staff").get(reverse("reports:email-settings")).status_code == 403
    assert manager.post(reverse("reports:email-settings"), {"choice": "weekly"}).status_code == 400
    assert manager.post(reverse("reports:email-settings"), {"choice": "digest"}).status_code == 302
    report = _sent(client_for, world, on_commit)
    with on_commit():
        client_for("officer").post(
            reverse("reports:ask", args=[report.pk]), {"message": "Which till?"}
        )
    lp_email = world.user("lp_manager").email
    assert mailoutbox and all(lp_email not in m.to for m in mailoutbox)
    assert world.user("store_staff").email in mailoutbox[-1].to  # the store still at once
    assert DigestEntry.objects.filter(user=world.user("lp_manager"), sent_at=None).count() == 2
    sent_before = len(mailoutbox)
    # The daily task (as the worker runs it): one email for the manager's two changes.
    with on_commit():
        assert report_digests_task.call() == 1
    digest = mailoutbox[sent_before:]
    assert len(digest) == 1 and digest[0].to == [lp_email]
    assert report.reference in digest[0].body and "2 changes" in digest[0].subject
    assert not DigestEntry.objects.filter(sent_at=None).exists()
    with on_commit():
        assert digests_send() == 0  # nothing sent twice
    assert len(mailoutbox) == sent_before + 1


# --- Figures ---------------------------------------------------------------------------------


def _figures_csv(client) -> dict[tuple[str, str], list[str]]:
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("reports:figures-csv")).content.decode()))
    )
    return {(r[0], r[1]): r[2:] for r in rows[1:]}


def test_figures_per_scope(client_for, world: World, on_commit) -> None:
    report = _sent(client_for, world, on_commit, staff_harmed="on", harm_details="Pushed")
    officer = client_for("officer")
    officer.post(reverse("reports:record-crime", args=[report.pk]), {"crime_reference": "C1"})
    store2 = world.stores["store2"]
    RetailReport.objects.create(
        store=store2,
        company=store2.company,
        force=store2.area.force,
        reported_by=world.user("lp_manager"),
        reference="RC-2026-888888",
        status=Status.RECEIVED,
        submitted_at=timezone.now(),
        occurred_at=timezone.now() - timedelta(days=1),
        goods_recovered=True,
    )
    police = _figures_csv(officer)
    assert police[("total", "Force A")] == ["2", "37.70", "1", "1"]
    assert police[("store", "Store A1")] == ["1", "37.70", "0", "1"]
    assert police[("company", "Retailer A")][0] == "2"
    assert police[("median_hours_to_crime_reference", "")][0] == "1"
    assert _figures_csv(client_for("lp_manager"))[("total", "Retailer A")][0] == "2"
    assert _figures_csv(client_for("store_staff"))[("total", "Your stores")] == [
        "1",
        "37.70",
        "0",
        "1",
    ]
    assert _figures_csv(client_for("officer_b"))[("total", "Force B")][0] == "0"
    assert _figures_csv(client_for("lp_manager_b"))[("total", "Retailer B")][0] == "0"
    hour = timezone.localtime(report.occurred_at).hour
    assert police[("hour", f"{hour:02d}:00")][0] == "1"
    page = officer.get(reverse("reports:figures")).content.decode()
    assert "<svg" in page and "Reports by hour of the day" in page and "£37.70" in page
    r = officer.get(reverse("reports:figures"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert (
        r.status_code == 400 and "The end date must be the same as or after" in r.content.decode()
    )
    assert client_for("cctv_operator").get(reverse("reports:figures")).status_code == 403
    assert Entry.objects.filter(action=Action.EXPORTED, object_type="reports.figures").exists()


# --- Query counts ----------------------------------------------------------------------------


def test_queue_with_ten_thousand_reports_has_constant_queries(
    client_for, world: World, django_assert_max_num_queries
) -> None:
    reports = _bulk(world, 10_000)
    RetailReport.objects.filter(pk__in=[r.pk for r in reports[::7]]).update(repeat_offender=True)
    client = client_for("officer")
    client.get(reverse("reports:list"))
    with django_assert_max_num_queries(16) as captured:
        r = client.get(reverse("reports:list"))
    assert r.status_code == 200
    assert "(10000)" in r.content.decode()
    assert r.content.decode().count('href="/reports/') >= 50
    area2 = world.areas["area2"]
    with django_assert_max_num_queries(16):
        r = client.get(reverse("reports:list"), {"area": area2.pk, "page": "3"})
    assert "(5000)" in r.content.decode()
    print(f"queue page with 10,000 reports: {len(captured.captured_queries)} queries")
    assert ReportItem.objects.count() == 10_000
