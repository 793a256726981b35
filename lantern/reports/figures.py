"""Figures on retail crime reports for one scope (a force, a company or a person's stores)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractHour, ExtractWeekDay
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import Membership

from .models import Kind, RetailReport, Status

HARM = Q(staff_harmed=True) | Q(kind__in=[Kind.THEFT_WITH_VIOLENCE, Kind.ABUSE_OF_STAFF])
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def scope_for(membership: Membership) -> tuple[str, QuerySet[RetailReport]]:
    """Police see their force; a loss-prevention manager their company; store staff their
    stores. Drafts and withdrawn reports are not counted."""
    reports = RetailReport.objects.exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
    org = membership.organisation
    if membership.role in POLICE_ROLES:
        return org.name, reports.filter(force=org)
    if membership.role == Role.LP_MANAGER:
        return org.name, reports.filter(company=org)
    if membership.role == Role.STORE_STAFF:
        return "Your stores", reports.filter(store__in=membership.stores.all(), company=org)
    return "", reports.none()


@dataclass
class Row:
    name: str
    reports: int
    value_pence: int
    recovered: int
    harmed: int


@dataclass
class Figures:
    total: Row
    groups: dict[str, list[Row]] = field(default_factory=dict)
    hours: list[tuple[str, int]] = field(default_factory=list)
    days: list[tuple[str, int]] = field(default_factory=list)
    to_crime_reference: tuple[int, float | None] = (0, None)
    to_outcome: tuple[int, float | None] = (0, None)


def _value(reports: QuerySet[RetailReport]) -> int:
    total = reports.aggregate(
        v=Coalesce(Sum(F("items__quantity") * F("items__unit_value_pence")), 0)
    )["v"]
    return int(total)


def _rows(reports: QuerySet[RetailReport], key: str, label: str, limit: int) -> list[Row]:
    """Per group: counts in one query, values in another (a join would repeat reports)."""
    counts = (
        reports.values(key, label)
        .annotate(
            n=Count("pk"),
            recovered=Count("pk", filter=Q(goods_recovered=True)),
            harmed=Count("pk", filter=HARM),
        )
        .order_by("-n", label)[:limit]
    )
    keys = [c[key] for c in counts]
    values = dict(
        reports.filter(**{f"{key}__in": keys})
        .values(key)
        .annotate(v=Coalesce(Sum(F("items__quantity") * F("items__unit_value_pence")), 0))
        .values_list(key, "v")
    )
    return [
        Row(c[label], c["n"], int(values.get(c[key], 0)), c["recovered"], c["harmed"])
        for c in counts
    ]


def _hours_between(
    pairs: list[tuple[datetime | None, datetime | None]],
) -> tuple[int, float | None]:
    spans = [(b - a).total_seconds() / 3600 for a, b in pairs if a and b]
    return len(spans), (round(median(spans), 1) if spans else None)


def figures_for(reports: QuerySet[RetailReport], groups: list[str], limit: int = 20) -> Figures:
    totals = reports.aggregate(
        n=Count("pk"),
        recovered=Count("pk", filter=Q(goods_recovered=True)),
        harmed=Count("pk", filter=HARM),
    )
    figures = Figures(
        total=Row("All", totals["n"], _value(reports), totals["recovered"], totals["harmed"])
    )
    keys = {
        "store": ("store", "store__name"),
        "company": ("company", "company__name"),
        "area": ("store__area", "store__area__name"),
    }
    for group in groups:
        key, label = keys[group]
        figures.groups[group] = _rows(reports, key, label, limit)
    hours = dict(
        reports.exclude(occurred_at=None)
        .annotate(h=ExtractHour("occurred_at"))
        .values("h")
        .annotate(n=Count("pk"))
        .values_list("h", "n")
    )
    figures.hours = [(f"{h:02d}:00", hours.get(h, 0)) for h in range(24)]
    days = dict(
        reports.exclude(occurred_at=None)
        .annotate(d=ExtractWeekDay("occurred_at"))
        .values("d")
        .annotate(n=Count("pk"))
        .values_list("d", "n")
    )
    # ExtractWeekDay: 1 = Sunday ... 7 = Saturday. Shown Monday first.
    figures.days = [(DAYS[d % 7], days.get(d % 7 + 1, 0)) for d in range(1, 8)]
    figures.to_crime_reference = _hours_between(
        list(
            reports.exclude(crime_recorded_at=None).values_list("submitted_at", "crime_recorded_at")
        )
    )
    figures.to_outcome = _hours_between(
        list(reports.exclude(finalised_at=None).values_list("submitted_at", "finalised_at"))
    )
    return figures


def in_period(
    reports: QuerySet[RetailReport], start: date | None, end: date | None
) -> QuerySet[RetailReport]:
    """Reports that happened between the two dates, both included (local time)."""
    tz = timezone.get_current_timezone()
    if start:
        reports = reports.filter(occurred_at__gte=datetime.combine(start, time.min, tz))
    if end:
        reports = reports.filter(
            occurred_at__lt=datetime.combine(end + timedelta(days=1), time.min, tz)
        )
    return reports


def groups_for(membership: Membership) -> list[str]:
    if membership.role in POLICE_ROLES:
        return ["area", "company", "store"]
    if membership.role == Role.LP_MANAGER:
        return ["area", "store"]
    return ["store"]


def chart(rows: list[tuple[str, int]], width: int = 280) -> dict[str, Any]:
    """Bars for a server-rendered SVG chart (no script, no inline style: CSP-safe), scaled to
    the largest value. The page shows the same numbers in a table beside it."""
    top = max((n for _, n in rows), default=0) or 1
    bars = [
        {
            "label": label,
            "n": n,
            "width": round(width * n / top),
            "y": i * 22,
            "text_y": i * 22 + 15,
            "n_x": 96 + round(width * n / top),
        }
        for i, (label, n) in enumerate(rows)
    ]
    return {"bars": bars, "height": len(rows) * 22 + 4, "width": width + 140}
