"""Bulk entry: the CSV template, row-level checks (with Hypothesis), rejected rows reported."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.accounts.tests.factories import World
from lantern.reports import bulk
from lantern.reports.models import RetailReport, Source, Status

STORES = {"store a1": SimpleNamespace(name="Store A1")}
NOW = timezone.now()


def _row(**changes: str) -> dict[str, str]:
    row = {
        "store": "Store A1",
        "date": "2026-01-05",
        "time": "09:30",
        "what_happened": "theft",
        "description": "Took two bottles of shampoo",
        "item": "Shampoo",
        "quantity": "2",
        "unit_value": "4.50",
        "goods_recovered": "no",
    }
    row.update(changes)
    return row


def test_a_good_row_is_accepted_and_values_are_exact() -> None:
    out, problems = bulk.check_row(_row(goods_recovered="YES"), STORES, NOW)
    assert problems == []
    assert out["unit_value_pence"] == 450 and out["quantity"] == 2 and out["goods_recovered"]
    assert out["store"] is STORES["store a1"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"store": ""}, "Enter the store"),
        ({"store": "Store Z9"}, "“Store Z9” is not one of your company's stores"),
        ({"date": ""}, "Enter the date"),
        ({"date": "5th Jan"}, "Enter the date like 2026-03-31 or 31/03/2026"),
        ({"date": "2026-02-30"}, "Enter the date like 2026-03-31 or 31/03/2026"),
        ({"time": "9.30am"}, "Enter the time like 14:05"),
        ({"what_happened": "burglary"}, "What happened must be theft, criminal_damage or fraud"),
        ({"what_happened": ""}, "Enter what happened"),
        ({"description": ""}, "Enter a description of what happened"),
        ({"description": "x" * 2001}, "The description must be 2000 characters or fewer"),
        ({"item": ""}, "Enter the item taken or damaged"),
        ({"quantity": "0"}, "The quantity must be a whole number from 1 to 1,000"),
        ({"quantity": "1.5"}, "The quantity must be a whole number from 1 to 1,000"),
        ({"quantity": "¹"}, "The quantity must be a whole number from 1 to 1,000"),
        ({"unit_value": "4.505"}, "Enter the value of each item in pounds, like 12.50"),
        ({"unit_value": "-1"}, "Enter the value of each item in pounds, like 12.50"),
        ({"unit_value": "NaN"}, "Enter the value of each item in pounds, like 12.50"),
        ({"quantity": "3", "unit_value": "70.00"}, "The total is more than £200"),
        ({"goods_recovered": "maybe"}, "Goods recovered must be yes or no"),
    ],
)
def test_each_field_is_checked(changes: dict[str, str], reason: str) -> None:
    _out, problems = bulk.check_row(_row(**changes), STORES, NOW)
    assert any(p.startswith(reason) for p in problems), problems


def test_future_date_is_refused() -> None:
    later = timezone.localtime() + timedelta(days=1)
    _out, problems = bulk.check_row(
        _row(date=later.strftime("%d/%m/%Y"), time=later.strftime("%H:%M")), STORES, NOW
    )
    assert problems == ["The date and time must be in the past"]


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
# Each cell: a plausible value or anything at all, so both branches are explored.
CELLS = {
    "store": st.sampled_from(["Store A1", "STORE A1", "Store Z9", ""]),
    "date": st.sampled_from(["2026-01-05", "05/01/2026", "2026-13-01", "2999-01-01", ""]),
    "time": st.sampled_from(["09:30", "23:59", "24:00", "9", ""]),
    "what_happened": st.sampled_from(["theft", "Criminal Damage", "fraud", "burglary", ""]),
    "description": st.sampled_from(["Took shampoo", " ", ""]),
    "item": st.sampled_from(["Shampoo", ""]),
    "quantity": st.integers(min_value=-5, max_value=2000).map(str),
    "unit_value": st.decimals(min_value=-1, max_value=300, places=3).map(str),
    "goods_recovered": st.sampled_from(["yes", "no", "Y", "", "maybe"]),
}
ROWS = st.fixed_dictionaries({k: st.one_of(v, TEXT) for k, v in CELLS.items()})


@settings(max_examples=300, deadline=None)
@given(ROWS)
def test_any_row_is_accepted_or_refused_with_reasons(values: dict[str, str]) -> None:
    """Whatever a row holds, the check neither crashes nor accepts it without every value."""
    out, problems = bulk.check_row(values, STORES, NOW)
    assert all(isinstance(p, str) and p for p in problems)
    if not problems:
        assert out["store"] is not None and out["occurred_at"] < NOW
        assert out["kind"] in bulk.BULK_KINDS and out["description"] and out["item"]
        assert 1 <= out["quantity"] <= 1000
        assert 0 <= out["quantity"] * out["unit_value_pence"] <= bulk.MAX_VALUE_PENCE


@settings(max_examples=200, deadline=None)
@given(
    quantity=st.integers(min_value=1, max_value=1000),
    value=st.decimals(min_value=0, max_value=Decimal("200.00"), places=2),
)
def test_money_is_exact_pence_and_the_low_value_line_holds(quantity: int, value: Decimal) -> None:
    out, problems = bulk.check_row(_row(quantity=str(quantity), unit_value=str(value)), STORES, NOW)
    assert out["unit_value_pence"] == int(value * 100)
    over = quantity * int(value * 100) > bulk.MAX_VALUE_PENCE
    assert (problems != []) == over


@settings(max_examples=100, deadline=None)
@given(st.lists(ROWS, max_size=20))
def test_every_row_of_a_file_is_accepted_or_rejected_once(rows: list[dict[str, str]]) -> None:
    accepted, rejected, problems = bulk.parse(_csv(rows), STORES)
    assert problems == []
    lines = sorted([a.line for a in accepted] + [r.line for r in rejected])
    filled = [i + 2 for i, row in enumerate(rows) if any(v.strip() for v in row.values())]
    assert lines == filled
    assert all(r.reasons for r in rejected)


def test_whole_file_problems() -> None:
    assert bulk.parse(b"", STORES)[2] == ["The file is empty"]
    assert bulk.parse(b"\xff\xfe\x00", STORES)[2] == ["The file must be a CSV saved as UTF-8"]
    assert bulk.parse(b"store,date\n", STORES)[2][0].startswith("The first row must name")
    too_many = (
        ",".join(bulk.COLUMNS)
        + "\n"
        + "\n".join(",".join(_row().values()) for _ in range(bulk.MAX_ROWS + 1))
    )
    assert bulk.parse(too_many.encode(), STORES)[2] == ["The file must have 1,000 rows or fewer"]


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=bulk.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()  # with the BOM spreadsheets add


@pytest.mark.django_db
def test_upload_makes_reports_and_lists_rejected_rows(
    client_for, world: World, on_commit, mailoutbox
) -> None:
    manager = client_for("lp_manager")
    template = manager.get(reverse("reports:bulk-template"))
    header = template.content.decode().splitlines()[0]
    assert header == ",".join(bulk.COLUMNS)
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    rows = [
        _row(date=day),
        _row(date=day, store="store a2", time="10:00", what_happened="criminal damage"),
        _row(date=day, store="Store B1"),  # another company's store
        _row(date=day, quantity="100", unit_value="9.99"),
    ]
    upload = SimpleUploadedFile("incidents.csv", _csv(rows), content_type="text/csv")
    with on_commit():
        r = manager.post(reverse("reports:bulk"), {"file": upload})
    body = r.content.decode()
    assert r.status_code == 200
    made = RetailReport.objects.filter(source=Source.BULK).order_by("pk")
    assert [m.store.name for m in made] == ["Store A1", "Store A2"]
    assert all(m.status == Status.RECEIVED and m.reference for m in made)
    assert made[0].total_pence == 900 and made[1].kind == "criminal_damage"
    assert "2 reports sent, 2 rows rejected" in body
    assert "“Store B1” is not one of your company&#x27;s stores" in body
    assert "The total is more than £200" in body
    assert len(mailoutbox) == 1 and "2 sent" in mailoutbox[0].subject  # one email, not two
    # Uploading the same file again makes nothing twice.
    upload = SimpleUploadedFile("incidents.csv", _csv(rows[:2]), content_type="text/csv")
    r = manager.post(reverse("reports:bulk"), {"file": upload})
    assert "This row repeats report" in r.content.decode()
    assert RetailReport.objects.filter(source=Source.BULK).count() == 2
    # The police see them in the queue; other roles cannot upload.
    queue = client_for("officer").get(reverse("reports:list")).content.decode()
    assert str(made[0].reference) in queue
    for name in ("store_staff", "officer"):
        assert client_for(name).get(reverse("reports:bulk")).status_code == 403
        assert client_for(name).get(reverse("reports:bulk-template")).status_code == 403
    r = manager.post(reverse("reports:bulk"), {})
    assert r.status_code == 400 and "Choose a CSV file to upload" in r.content.decode()
