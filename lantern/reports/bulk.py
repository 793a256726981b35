"""Bulk entry: a loss-prevention manager's CSV of low-value incidents, checked row by row.

The agreed format (the template at /reports/upload/template.csv) has one incident per row:

    store, date, time, what_happened, description, item, quantity, unit_value, goods_recovered

- store: the store's name exactly as Lantern shows it (case does not matter)
- date: 2026-03-31 or 31/03/2026; time: 14:05 (24-hour clock)
- what_happened: theft, criminal_damage or fraud (violence, threats or abuse of staff, and
  burglary, are reported one at a time online, never in bulk)
- description: what happened, in words
- item, quantity, unit_value: what was taken; unit_value in pounds, like 12.50
- goods_recovered: yes or no (blank means no)

Rows worth more than £200 in total are refused: bulk entry is for low-value incidents
(the "low-value shoplifting" line), anything higher is reported online on its own.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from .models import Kind

COLUMNS = [
    "store",
    "date",
    "time",
    "what_happened",
    "description",
    "item",
    "quantity",
    "unit_value",
    "goods_recovered",
]
BULK_KINDS = {Kind.THEFT.value, Kind.CRIMINAL_DAMAGE.value, Kind.FRAUD.value}
MAX_ROWS = 1000
MAX_BYTES = 1_000_000
MAX_VALUE_PENCE = 20000
MAX_DESCRIPTION = 2000


@dataclass
class Row:
    line: int
    store: Any
    occurred_at: datetime
    kind: str
    description: str
    item: str
    quantity: int
    unit_value_pence: int
    goods_recovered: bool


@dataclass
class Rejected:
    line: int
    reasons: list[str]
    text: str


def _date(value: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _time(value: str) -> time | None:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        return None


def _pence(value: str) -> int | None:
    text = value.strip().removeprefix("£")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > 1_000_000:
        return None
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return None  # more than pence
    return int(amount * 100)


def check_row(
    values: dict[str, str], stores: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], list[str]]:
    """The row's cleaned values and what is wrong with it, in plain English."""
    problems: list[str] = []
    out: dict[str, Any] = {}
    v = {k: (values.get(k) or "").strip() for k in COLUMNS}
    store = stores.get(v["store"].casefold())
    if not v["store"]:
        problems.append("Enter the store")
    elif store is None:
        problems.append(f"“{v['store'][:100]}” is not one of your company's stores")
    out["store"] = store
    day, at = _date(v["date"]), _time(v["time"])
    if not v["date"]:
        problems.append("Enter the date")
    elif day is None:
        problems.append("Enter the date like 2026-03-31 or 31/03/2026")
    if not v["time"]:
        problems.append("Enter the time")
    elif at is None:
        problems.append("Enter the time like 14:05")
    if day and at:
        when = timezone.make_aware(datetime.combine(day, at))
        if when > now:
            problems.append("The date and time must be in the past")
        out["occurred_at"] = when
    kind = v["what_happened"].lower().replace(" ", "_")
    if not kind:
        problems.append("Enter what happened")
    elif kind not in BULK_KINDS:
        problems.append(
            "What happened must be theft, criminal_damage or fraud: "
            "report violence, threats, abuse of staff and burglary online, one at a time"
        )
    out["kind"] = kind
    if not v["description"]:
        problems.append("Enter a description of what happened")
    elif len(v["description"]) > MAX_DESCRIPTION:
        problems.append(f"The description must be {MAX_DESCRIPTION} characters or fewer")
    out["description"] = v["description"]
    if not v["item"]:
        problems.append("Enter the item taken or damaged")
    elif len(v["item"]) > 200:
        problems.append("The item must be 200 characters or fewer")
    out["item"] = v["item"]
    # ASCII digits only: str.isdigit() also accepts "¹", which int() refuses.
    quantity = int(v["quantity"]) if re.fullmatch(r"[0-9]{1,7}", v["quantity"]) else None
    if not v["quantity"]:
        problems.append("Enter the quantity")
    elif quantity is None or not 1 <= quantity <= 1000:
        problems.append("The quantity must be a whole number from 1 to 1,000")
    out["quantity"] = quantity
    pence = _pence(v["unit_value"]) if v["unit_value"] else None
    if not v["unit_value"]:
        problems.append("Enter the value of each item")
    elif pence is None:
        problems.append("Enter the value of each item in pounds, like 12.50")
    out["unit_value_pence"] = pence
    if quantity and pence is not None and quantity * pence > MAX_VALUE_PENCE:
        problems.append(
            "The total is more than £200: report higher-value incidents online, one at a time"
        )
    recovered = v["goods_recovered"].lower()
    if recovered not in {"", "yes", "no", "y", "n"}:
        problems.append("Goods recovered must be yes or no")
    out["goods_recovered"] = recovered in {"yes", "y"}
    return out, problems


def parse(data: bytes, stores: dict[str, Any]) -> tuple[list[Row], list[Rejected], list[str]]:
    """(accepted rows, rejected rows with reasons, problems with the whole file)."""
    if len(data) > MAX_BYTES:
        return [], [], ["The file must be smaller than 1 MB"]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [], ["The file must be a CSV saved as UTF-8"]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return [], [], ["The file is empty"]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [], ["The first row must name the columns: missing " + ", ".join(missing)]
    accepted: list[Row] = []
    rejected: list[Rejected] = []
    now = timezone.now()
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(accepted) + len(rejected) >= MAX_ROWS:
                return [], [], [f"The file must have {MAX_ROWS:,} rows or fewer"]
            values = dict(zip(header, cells, strict=False))
            out, problems = check_row(values, stores, now)
            if problems:
                rejected.append(Rejected(number, problems, ",".join(cells)[:200]))
            else:
                accepted.append(Row(line=number, **out))
    except csv.Error:
        return [], [], ["The file is not a CSV file that can be read"]
    return accepted, rejected, []


def template_rows(store_name: str) -> list[list[str]]:
    return [
        COLUMNS,
        [
            store_name,
            "2026-03-31",
            "14:05",
            "theft",
            "A man put two bottles of shampoo in his coat and left without paying",
            "Shampoo",
            "2",
            "4.50",
            "no",
        ],
    ]
