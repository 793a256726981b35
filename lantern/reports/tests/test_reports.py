"""Retail crime reports: validation, the store → police → store flow, isolation, queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.ledger.models import Entry
from lantern.reports.forms import BaseItemFormSet, ItemFormSet, ReportForm
from lantern.reports.models import ReportItem, RetailReport, Status
from lantern.reports.services import stores_for

pytestmark = pytest.mark.django_db


def _form(world: World, **changes: object) -> dict[str, object]:
    when = timezone.localtime() - timedelta(hours=3)
    data: dict[str, object] = {
        "store": world.stores["store"].pk,
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "kind": "theft",
        "description": "Two men filled a bag with razor blades and left",
        "how_offender_left": "On foot towards the station",
        "staff_witnesses": "Sam Jones\nAlex Smith",
        "cctv_available": "on",
        "cctv_kept_days": "30",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-description": "Razor blades",
        "items-0-quantity": "3",
        "items-0-unit_value": "12.50",
        "items-1-description": "Batteries",
        "items-1-quantity": "2",
        "items-1-unit_value": "0.10",
        "offenders-TOTAL_FORMS": "1",
        "offenders-INITIAL_FORMS": "0",
        "offenders-0-sex": "male",
        "offenders-0-age": "30s",
        "offenders-0-clothing": "Grey hoodie",
        "action": "continue",
    }
    data.update(changes)
    return data


STEPS = ["goods", "offenders", "staff", "cctv"]


def _fill(client, world: World, **changes: object) -> RetailReport:
    """Walk every page of the report (one group of questions a page) to check-your-answers."""
    response = client.post(reverse("reports:new"), _form(world, **changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    report = RetailReport.objects.latest("pk")
    assert response["Location"] == reverse("reports:step", args=[report.pk, "goods"])
    for step in STEPS:
        response = client.post(
            reverse("reports:step", args=[report.pk, step]), _form(world, **changes)
        )
        assert response.status_code == 302, (step, response.content.decode()[:3000])
    assert response["Location"] == reverse("reports:check", args=[report.pk])
    return report


def _sent(client_for, world, on_commit, **changes: object) -> RetailReport:
    client = client_for("store_staff")
    report = _fill(client, world, **changes)
    with on_commit():
        response = client.post(reverse("reports:check", args=[report.pk]))
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.reference and report.reference in response.content.decode()
    return RetailReport.objects.get(pk=report.pk)


# --- Validation ----------------------------------------------------------------------------


def test_future_date_is_refused(world: World) -> None:
    later = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    form = ReportForm(
        _form(world, occurred_at=later), stores=stores_for(world.membership("store_staff"))
    )
    assert not form.is_valid()
    assert form.errors["occurred_at"] == ["When it happened must be in the past"]


def test_money_totals_are_exact_pence() -> None:
    items = ItemFormSet(
        {
            "items-TOTAL_FORMS": "3",
            "items-INITIAL_FORMS": "0",
            "items-0-description": "A",
            "items-0-quantity": "3",
            "items-0-unit_value": "0.10",
            "items-1-description": "B",
            "items-1-quantity": "7",
            "items-1-unit_value": "19.99",
            "items-2-description": "C",
            "items-2-quantity": "1",
            "items-2-unit_value": "12.5",
        },
        prefix="items",
    )
    assert isinstance(items, BaseItemFormSet)
    assert items.is_valid(), items.errors
    assert [f.unit_value_pence for f in items.filled()] == [10, 1999, 1250]
    assert items.total_pence() == 30 + 13993 + 1250


@pytest.mark.parametrize(
    ("quantity", "value", "field", "message"),
    [
        ("0", "1.00", "quantity", "The quantity must be 1 or more"),
        ("1.5", "1.00", "quantity", "Enter the quantity as a whole number"),
        ("1", "-1", "unit_value", "The value must be 0 or more"),
        ("1", "1.234", "unit_value", "Enter the value in pounds and pence, like 12.50"),
        ("1", "£5", "unit_value", "Enter the value in pounds, like 12.50"),
    ],
)
def test_bad_items_are_refused(quantity: str, value: str, field: str, message: str) -> None:
    items = ItemFormSet(
        {
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-description": "A",
            "items-0-quantity": quantity,
            "items-0-unit_value": value,
        },
        prefix="items",
    )
    assert not items.is_valid()
    assert items.forms[0].errors[field] == [message]


def test_description_is_required_but_a_draft_may_be_saved_without(client_for, world: World) -> None:
    client = client_for("store_staff")
    response = client.post(reverse("reports:new"), _form(world, description=""))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a description of what happened" in body
    # Nothing lost: what was entered is still on the page.
    when = str(_form(world)["occurred_at"])
    assert f'value="{when}"' in body
    assert 'value="theft" checked' in body
    assert not RetailReport.objects.exists()
    response = client.post(
        reverse("reports:new"), _form(world, description="", action="save_draft")
    )
    assert response.status_code == 302
    report = RetailReport.objects.get()
    assert report.status == Status.DRAFT and report.description == ""
    # ...but it cannot be sent.
    response = client.post(reverse("reports:check", args=[report.pk]))
    assert "Enter a description of what happened" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.DRAFT


def test_add_item_saves_the_draft_and_adds_a_row(client_for, world: World) -> None:
    client = client_for("store_staff")
    client.post(reverse("reports:new"), _form(world))
    report = RetailReport.objects.get()
    url = reverse("reports:step", args=[report.pk, "goods"])
    response = client.post(url, _form(world, action="add_item"))
    assert response.status_code == 302 and "?add=item" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'name="items-3-description"' in page  # two saved rows + two empty
    assert "Razor blades" in page


# --- The whole flow --------------------------------------------------------------------------


def test_store_to_police_to_store(client_for, world: World, on_commit, mailoutbox) -> None:
    report = _sent(client_for, world, on_commit)
    assert report.status == Status.RECEIVED
    assert report.reference == f"RC-{timezone.localtime().year}-{report.pk:06d}"
    assert report.force == world.orgs["force"] and report.company == world.orgs["retail"]
    assert report.total_pence == 3 * 1250 + 2 * 10
    assert report.staff_witnesses == ["Sam Jones", "Alex Smith"]
    assert report.offenders[0]["clothing"] == "Grey hoodie"
    assert report.reference in mailoutbox[-1].subject
    # The store's staff, and the company's loss-prevention manager (emailed for each change
    # unless they chose the daily digest).
    assert mailoutbox[-1].to == sorted(
        [world.user("store_staff").email, world.user("lp_manager").email]
    )

    handler = client_for("call_handler")
    queue = handler.get(reverse("reports:list")).content.decode()
    assert report.reference in queue and "£37.70" in queue

    with on_commit():
        r = handler.post(reverse("reports:ask", args=[report.pk]), {"message": "Which till?"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.MORE_INFO_REQUESTED
    assert "Which till?" in mailoutbox[-1].body

    store = client_for("store_staff")
    assert "Which till?" in store.get(reverse("reports:detail", args=[report.pk])).content.decode()
    with on_commit():
        r = store.post(reverse("reports:reply", args=[report.pk]), {"text": "Till 3"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RECEIVED

    with on_commit():
        handler.post(
            reverse("reports:record-crime", args=[report.pk]), {"crime_reference": "np/123"}
        )
    report.refresh_from_db()
    assert report.status == Status.CRIME_RECORDED and report.crime_reference == "NP/123"
    assert "NP/123" in mailoutbox[-1].body

    officer = world.user("officer")
    with on_commit():
        handler.post(reverse("reports:allocate", args=[report.pk]), {"officer": officer.pk})
    report.refresh_from_db()
    assert report.status == Status.ALLOCATED and report.allocated_to == officer

    with on_commit():
        r = client_for("officer").post(
            reverse("reports:finalise", args=[report.pk]),
            {"outcome_code": "18", "reason": "We could not identify the men."},
        )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.FINALISED and report.outcome_code == "18"
    page = store.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "We could not identify the men." in page and "Till 3" in page
    # After the outcome the store can still add information (the police may reopen).
    assert "Reply or add information" in page and "Withdraw this report" not in page

    # One email per status change (received, more info, reply, crime, allocated, finalised).
    assert len(mailoutbox) == 6
    assert all(report.reference in m.subject for m in mailoutbox)
    entries = Entry.objects.filter(object_type="reports.retailreport", object_id=str(report.pk))
    # Created on the first page, changed on each of the 4 other pages, submitted, asked,
    # replied, crime recorded, allocated, finalised.
    assert entries.count() == 11


def test_police_action_errors_are_shown(client_for, world: World, on_commit) -> None:
    report = _sent(client_for, world, on_commit)
    r = client_for("officer").post(reverse("reports:finalise", args=[report.pk]), {})
    assert r.status_code == 400
    assert "Choose an outcome" in r.content.decode()
    # Cannot allocate to someone outside the force.
    r = client_for("officer").post(
        reverse("reports:allocate", args=[report.pk]), {"officer": world.user("officer_b").pk}
    )
    assert r.status_code == 400
    report.refresh_from_db()
    assert report.status == Status.RECEIVED


# --- Who sees what ---------------------------------------------------------------------------


def test_cross_organisation_isolation(client_for, world: World, on_commit) -> None:
    report = _sent(client_for, world, on_commit)
    url = reverse("reports:detail", args=[report.pk])
    for name in ("store_staff", "lp_manager", "officer", "analyst", "call_handler"):
        assert client_for(name).get(url).status_code == 200, name
    for name in ("store_staff_b", "lp_manager_b", "officer_b", "cctv_operator"):
        assert client_for(name).get(url).status_code == 404, name
    assert (
        report.reference
        not in client_for("officer_b").get(reverse("reports:list")).content.decode()
    )


def test_store_staff_see_only_their_stores(client_for, world: World, on_commit) -> None:
    store2 = world.stores["store2"]
    report = RetailReport.objects.create(
        store=store2,
        company=store2.company,
        force=store2.area.force,
        reported_by=world.user("lp_manager"),
        reference="RC-2026-999999",
        status=Status.RECEIVED,
        submitted_at=timezone.now(),
    )
    url = reverse("reports:detail", args=[report.pk])
    assert client_for("store_staff").get(url).status_code == 404
    assert client_for("lp_manager").get(url).status_code == 200
    assert client_for("officer").get(url).status_code == 200
    # Store staff cannot report for a store they do not work at.
    r = client_for("store_staff").post(reverse("reports:new"), _form(world, store=store2.pk))
    assert r.status_code == 200 and "Choose the store" in r.content.decode()


def test_police_never_see_drafts(client_for, world: World) -> None:
    client_for("store_staff").post(reverse("reports:new"), _form(world, action="save_draft"))
    report = RetailReport.objects.get()
    assert client_for("officer").get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert (
        client_for("lp_manager").get(reverse("reports:detail", args=[report.pk])).status_code == 200
    )


def test_every_view_allowed_and_refused(client_for, world: World, on_commit) -> None:
    report = _sent(client_for, world, on_commit)
    pk = [report.pk]
    assert client_for("store_staff").get(reverse("reports:list")).status_code == 200
    assert client_for("cctv_operator").get(reverse("reports:list")).status_code == 403
    assert client_for("store_staff").get(reverse("reports:new")).status_code == 200
    assert client_for("officer").get(reverse("reports:new")).status_code == 403
    # Edit / check of a sent report go back to the report; police are refused.
    assert client_for("store_staff").get(reverse("reports:edit", args=pk)).status_code == 302
    assert client_for("officer").get(reverse("reports:edit", args=pk)).status_code == 403
    assert client_for("store_staff").get(reverse("reports:check", args=pk)).status_code == 302
    assert client_for("officer").get(reverse("reports:check", args=pk)).status_code == 403
    # Police actions: retail and analysts refused, other forces not found.
    for name, data in (
        ("record-crime", {"crime_reference": "X1"}),
        ("ask", {"message": "?"}),
        ("allocate", {"officer": world.user("officer").pk}),
        ("finalise", {"outcome_code": "18", "reason": "r"}),
    ):
        url = reverse(f"reports:{name}", args=pk)
        assert client_for("store_staff").post(url, data).status_code == 403, name
        assert client_for("analyst").post(url, data).status_code == 403, name
        assert client_for("officer_b").post(url, data).status_code == 404, name
    reply = reverse("reports:reply", args=pk)
    assert client_for("officer").post(reply, {"text": "x"}).status_code == 403
    assert client_for("store_staff_b").post(reply, {"text": "x"}).status_code == 404
    with on_commit():
        assert client_for("lp_manager").post(reply, {"text": "x"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RECEIVED
    assert (
        client_for("officer")
        .post(reverse("reports:finalise", args=pk), {"outcome_code": "18", "reason": "Done"})
        .status_code
        == 302
    )


def test_new_report_form_for_lp_manager_lists_company_stores(client_for, world: World) -> None:
    page = client_for("lp_manager").get(reverse("reports:new")).content.decode()
    assert "Store A1" in page and "Store A2" in page and "Store B1" not in page


# --- The triage queue ------------------------------------------------------------------------


def _bulk(world: World, n: int) -> list[RetailReport]:
    now = timezone.now()
    stores = [world.stores["store"], world.stores["store2"]]
    reports = RetailReport.objects.bulk_create(
        RetailReport(
            store=stores[i % 2],
            company=world.orgs["retail"],
            force=world.orgs["force"],
            reported_by=world.user("store_staff"),
            reference=f"RC-2026-{i:06d}",
            status=Status.RECEIVED,
            kind="theft",
            submitted_at=now - timedelta(minutes=i),
            allocated_to=world.user("officer") if i % 3 == 0 else None,
        )
        for i in range(n)
    )
    ReportItem.objects.bulk_create(
        ReportItem(report=r, description="x", quantity=1, unit_value_pence=100 + i)
        for i, r in enumerate(reports)
    )
    return reports


def test_triage_order_and_area_filter(client_for, world: World) -> None:
    reports = _bulk(world, 5)  # reports[0] is the newest; each next one a minute older
    RetailReport.objects.filter(pk=reports[4].pk).update(staff_harmed=True)
    RetailReport.objects.filter(pk=reports[3].pk).update(repeat_offender=True)
    ReportItem.objects.filter(report=reports[2]).update(unit_value_pence=20000)
    order = list(
        RetailReport.objects.triage_order(high_value_pence=20000).values_list("pk", flat=True)
    )
    # Violence to staff, then a repeat offender, then high value, then the newest.
    assert order == [reports[4].pk, reports[3].pk, reports[2].pk, reports[0].pk, reports[1].pk]
    area2 = world.areas["area2"]
    page = client_for("officer").get(reverse("reports:list"), {"area": area2.pk}).content.decode()
    assert "RC-2026-000001" in page and "RC-2026-000000" not in page


def test_triage_queue_has_a_constant_number_of_queries(
    client_for, world: World, django_assert_max_num_queries
) -> None:
    _bulk(world, 200)
    client = client_for("officer")
    client.get(reverse("reports:list"))
    with django_assert_max_num_queries(15):
        r = client.get(reverse("reports:list"))
    assert r.status_code == 200
    assert r.content.decode().count('href="/reports/') >= 50
