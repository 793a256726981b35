"""The benefits the force can prove: counts from the real tables, savings from stated
assumptions, and time from report to outcome with and without Lantern.

Every figure is counted from other apps' tables at request time. An app whose table does not
exist yet (not installed or not migrated) counts as nothing rather than failing the page.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.utils import timezone

from .models import BenefitAssumption, CaseEvent, Communication, EventKind, ForceSettings

LITRES_PER_GALLON = Decimal("4.54609")


@dataclass(frozen=True)
class Activity:
    key: str
    label: str
    minutes: int
    miles: Decimal
    source: str


# Lantern's starting figures. Each is an estimate to be replaced by the force's own
# time-and-motion figure on the assumptions page; the page always shows what was used.
ACTIVITIES: dict[str, Activity] = {
    a.key: a
    for a in (
        Activity(
            "cctv_trip",
            "Trip to collect CCTV footage on disc",
            120,
            Decimal("10"),
            "Lantern starting estimate: drive to a control room or shop, view, copy, return.",
        ),
        Activity(
            "statement_visit",
            "Visit to take a witness statement",
            90,
            Decimal("8"),
            "Lantern starting estimate: travel to the witness and write the MG11 by hand.",
        ),
        Activity(
            "front_counter",
            "Report taken in person (front counter or attended)",
            45,
            Decimal("0"),
            "Lantern starting estimate: a minor report taken face to face.",
        ),
        Activity(
            "letter_typed",
            "Victim letter typed and sent by hand",
            10,
            Decimal("0"),
            "Lantern starting estimate: look up details, type, print or email, file a copy.",
        ),
    )
}

COST_SOURCES = {
    "officer_hour_pence": "Placeholder: set your force's fully loaded hourly cost of an officer.",
    "pence_per_mile": "HMRC approved mileage allowance payment for cars, 45p a mile "
    "(first 10,000 miles).",
    "miles_per_gallon": "Assumed fleet average; set your fleet's own figure.",
    "shift_hours": "An 8-hour shift counts as one officer-day.",
}


def _table_exists(model: type[models.Model]) -> bool:
    return model._meta.db_table in connection.introspection.table_names()


def _model(label: str) -> type[models.Model] | None:
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    return model if _table_exists(model) else None


# Placeholder in the filters below, replaced by the force's id when counting.
FORCE: object = object()


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    model: str
    when: str
    filters: Callable[[], dict[str, Any]] = dict
    distinct: str = ""


SERIES: tuple[Source, ...] = (
    Source(
        "cctv_files",
        "CCTV and evidence files transferred",
        "evidence.EvidenceItem",
        "submitted_at",
        lambda: {"case__force": FORCE},
    ),
    Source(
        "footage_requests",
        "Footage requests answered online",
        "evidence.EvidenceItem",
        "submitted_at",
        lambda: {"case__force": FORCE},
        distinct="request_id",
    ),
    Source(
        "statements",
        "Statements signed remotely",
        "statements.Statement",
        "signed_at",
        lambda: {"force": FORCE, "status": "signed", "own_statement": False},
    ),
    Source(
        "retail_reports",
        "Retail crimes reported online",
        "reports.RetailReport",
        "submitted_at",
        lambda: {"force": FORCE},
    ),
    Source(
        "collisions",
        "Collisions reported online",
        "collisions.PublicReport",
        "submitted_at",
        lambda: {"force": FORCE, "kind": "collision"},
    ),
    Source(
        "public_crimes",
        "Crimes reported online by the public",
        "collisions.PublicReport",
        "submitted_at",
        lambda: {"force": FORCE, "kind": "crime"},
    ),
    Source(
        "first_contact",
        "Retail reports finalised at first contact (no officer allocated)",
        "reports.RetailReport",
        "submitted_at",
        lambda: {"force": FORCE, "status": "finalised", "allocated_to__isnull": True},
    ),
    Source(
        "letters_sent",
        "Victim letters and messages sent by Lantern",
        "insights.Communication",
        "sent_at",
        lambda: {"force": FORCE, "status": Communication.Status.SENT},
    ),
    Source(
        "letters_automatic",
        "… of which sent automatically",
        "insights.Communication",
        "sent_at",
        lambda: {"force": FORCE, "status": Communication.Status.SENT, "automatic": True},
    ),
)

# Which count stands for how many of each avoided activity.
AVOIDED = {
    "cctv_trip": ("footage_requests",),
    "statement_visit": ("statements",),
    "front_counter": ("retail_reports", "collisions", "public_crimes"),
    "letter_typed": ("letters_sent",),
}


def months_back(today: date, count: int) -> list[date]:
    """The first day of each of the last `count` months, oldest first, ending this month."""
    y, m = today.year, today.month
    out = []
    for _ in range(count):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


@dataclass
class Series:
    key: str
    label: str
    available: bool
    by_month: list[int]

    @property
    def total(self) -> int:
        return sum(self.by_month)


def _count(source: Source, force_id: int, start: datetime) -> tuple[bool, list[datetime]]:
    model = _model(source.model)
    if model is None:
        return False, []
    filters = {k: (force_id if v is FORCE else v) for k, v in source.filters().items()}
    rows = model._default_manager.filter(
        **filters, **{f"{source.when}__gte": start, f"{source.when}__isnull": False}
    )
    if source.distinct:
        # The first file of each request dates the request's answer.
        firsts = rows.values(source.distinct).annotate(first=models.Min(source.when))
        return True, [r["first"] for r in firsts]
    return True, list(rows.values_list(source.when, flat=True))


def counts(force_id: int, months: list[date]) -> list[Series]:
    start = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    index = {(d.year, d.month): i for i, d in enumerate(months)}
    result = []
    for source in SERIES:
        available, moments = _count(source, force_id, start)
        by_month = [0] * len(months)
        for moment in moments:
            local = timezone.localtime(moment)
            i = index.get((local.year, local.month))
            if i is not None:
                by_month[i] += 1
        result.append(Series(source.key, source.label, available, by_month))
    return result


# --- Savings -----------------------------------------------------------------------------


@dataclass
class Assumptions:
    activities: dict[str, Activity]
    officer_hour_pence: int
    pence_per_mile: int
    miles_per_gallon: Decimal
    shift_hours: int


def assumptions_for(settings: ForceSettings) -> Assumptions:
    activities = dict(ACTIVITIES)
    for row in BenefitAssumption.objects.filter(force=settings.force_id):
        base = ACTIVITIES.get(row.activity)
        if base is not None:
            activities[row.activity] = Activity(
                base.key, base.label, row.minutes, row.miles, row.source or base.source
            )
    return Assumptions(
        activities=activities,
        officer_hour_pence=settings.officer_hour_pence,
        pence_per_mile=settings.pence_per_mile,
        miles_per_gallon=settings.miles_per_gallon,
        shift_hours=settings.shift_hours,
    )


def _round(value: Decimal, places: str = "0.1") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass
class SavingRow:
    activity: Activity
    avoided: int
    hours: Decimal
    miles: Decimal


@dataclass
class Savings:
    rows: list[SavingRow] = field(default_factory=list)
    hours: Decimal = Decimal(0)
    miles: Decimal = Decimal(0)
    officer_days: Decimal = Decimal(0)
    pounds_time: Decimal = Decimal(0)
    pounds_travel: Decimal = Decimal(0)
    litres: Decimal = Decimal(0)

    @property
    def pounds(self) -> Decimal:
        return self.pounds_time + self.pounds_travel


def savings(series: list[Series], assumptions: Assumptions) -> Savings:
    totals = {s.key: s.total for s in series}
    result = Savings()
    for key, sources in AVOIDED.items():
        activity = assumptions.activities[key]
        avoided = sum(totals.get(s, 0) for s in sources)
        hours = Decimal(avoided * activity.minutes) / 60
        miles = activity.miles * avoided
        result.rows.append(SavingRow(activity, avoided, _round(hours), _round(miles)))
        result.hours += hours
        result.miles += miles
    result.officer_days = _round(result.hours / assumptions.shift_hours)
    result.pounds_time = _round(result.hours * assumptions.officer_hour_pence / 100, "0.01")
    result.pounds_travel = _round(result.miles * assumptions.pence_per_mile / 100, "0.01")
    if assumptions.miles_per_gallon:
        result.litres = _round(result.miles / assumptions.miles_per_gallon * LITRES_PER_GALLON)
    result.hours = _round(result.hours)
    result.miles = _round(result.miles)
    return result


# --- Report to outcome -------------------------------------------------------------------


@dataclass
class CaseTime:
    reference: str
    reported: datetime
    outcome: datetime
    used_lantern: bool

    @property
    def days(self) -> Decimal:
        return _round(Decimal((self.outcome - self.reported).total_seconds()) / 86400)


@dataclass
class Group:
    label: str
    cases: list[CaseTime]

    @property
    def n(self) -> int:
        return len(self.cases)

    @property
    def mean(self) -> Decimal | None:
        return _round(Decimal(statistics.fmean(c.days for c in self.cases))) if self.cases else None

    @property
    def median(self) -> Decimal | None:
        return (
            _round(Decimal(statistics.median(c.days for c in self.cases))) if self.cases else None
        )


def report_to_outcome(force_id: int) -> tuple[Group, Group]:
    """Cases with an outcome, from when the case was opened to its first outcome (an
    outcome or a decision not to investigate recorded here, or the crime's finalisation).
    A case "used Lantern" when footage was handed over or a statement signed through it."""
    from lantern.casework.models import Case

    outcomes: dict[int, datetime] = {}
    for case_id, when in CaseEvent.objects.filter(
        force=force_id, kind__in=[EventKind.OUTCOME, EventKind.NO_INVESTIGATION]
    ).values_list("case_id", "occurred_at"):
        outcomes[case_id] = min(when, outcomes.get(case_id, when))
    crime = _model("casework.Crime")
    if crime is not None:
        for case_id, when in crime._default_manager.filter(
            force=force_id, finalised_at__isnull=False
        ).values_list("case_id", "finalised_at"):
            outcomes[case_id] = min(when, outcomes.get(case_id, when))
    used: set[int] = set()
    item = _model("evidence.EvidenceItem")
    if item is not None:
        used |= set(
            item._default_manager.filter(
                case__force=force_id, submitted_at__isnull=False
            ).values_list("case_id", flat=True)
        )
    statement = _model("statements.Statement")
    if statement is not None:
        used |= set(
            statement._default_manager.filter(
                force=force_id, status="signed", own_statement=False
            ).values_list("case_id", flat=True)
        )
    with_lantern = Group("Used Lantern", [])
    without = Group("Did not use Lantern", [])
    for case in Case.objects.filter(force=force_id, pk__in=outcomes).order_by("reference"):
        row = CaseTime(case.reference, case.created_at, outcomes[case.pk], case.pk in used)
        (with_lantern if row.used_lantern else without).cases.append(row)
    return with_lantern, without


# --- Charts ------------------------------------------------------------------------------


@dataclass
class Bar:
    x: int
    y: int
    width: int
    height: int
    value: int
    label: str


CHART_W, CHART_H, BAR_GAP = 600, 160, 6


def bars(values: list[int], labels: list[str]) -> list[Bar]:
    """Geometry for a server-rendered SVG bar chart (no inline styles, so CSP allows it)."""
    top = max(values, default=0) or 1
    width = CHART_W // max(len(values), 1)
    out = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        h = round(v / top * (CHART_H - 20))
        out.append(Bar(i * width, CHART_H - h, width - BAR_GAP, h, v, label))
    return out
