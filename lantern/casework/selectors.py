"""Reads for officers' task lists and the supervisor board."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lantern.accounts.models import Organisation, User

from .clock import ClockState, Grading, response_clock
from .models import Incident, IncidentEntry, Task


def tasks_for_officer(user: User) -> QuerySet[Task]:
    """An officer's open tasks (their own and their teams'): most urgent first (due soonest),
    then the newest."""
    visible: QuerySet[Task] = Task.objects.for_user(user)
    return (
        visible.filter(Q(assignee=user) | Q(team__members=user), status=Task.Status.OPEN)
        .select_related("incident", "team", "assignee")
        .distinct()
        .order_by("due_at", "-created_at")
    )


def clocks_for(
    incidents: list[Incident], targets: dict[int, timedelta | None], now: datetime
) -> dict[int, ClockState]:
    """Each incident's clock, with one query for all their gradings."""
    gradings: dict[int, list[Grading]] = defaultdict(list)
    rows = IncidentEntry.objects.filter(
        incident__in=[i.pk for i in incidents],
        kind__in=[IncidentEntry.Kind.OPENED, IncidentEntry.Kind.GRADE],
        grade__isnull=False,
    ).values_list("incident_id", "created_at", "grade")
    for incident_id, at, grade in rows:
        if grade is None:
            continue
        gradings[incident_id].append(Grading(at=at, grade=grade))
    return {
        i.pk: response_clock(gradings[i.pk], targets=targets, attended_at=i.attended_at, now=now)
        for i in incidents
        if gradings[i.pk]
    }


@dataclass
class Figure:
    week: str
    grade: int
    area: str
    incidents: int = 0
    met: int = 0
    breached: int = 0
    waiting: int = 0

    @property
    def percent_met(self) -> int | None:
        decided = self.met + self.breached
        return round(100 * self.met / decided) if decided else None


@dataclass
class Board:
    open_by_grade: dict[int, list[tuple[Incident, ClockState, timedelta | None]]] = field(
        default_factory=dict
    )
    breaches: int = 0
    unallocated: list[Task] = field(default_factory=list)
    workload: list[dict[str, Any]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    # The same figures for all areas together: what the chart shows.
    totals: list[Figure] = field(default_factory=list)


def board_for(
    force: Organisation, targets: dict[int, timedelta | None], *, weeks: int = 8
) -> Board:
    now = timezone.now()
    board = Board()
    open_incidents = list(
        Incident.objects.filter(force=force, status=Incident.Status.OPEN).select_related("area")
    )
    clocks = clocks_for(open_incidents, targets, now)
    for grade in (1, 2, 3, 4):
        rows = [
            (i, clocks[i.pk], clocks[i.pk].remaining(now))
            for i in open_incidents
            if i.grade == grade and i.pk in clocks
        ]
        rows.sort(key=lambda r: r[1].deadline or now + timedelta(days=3650))
        board.open_by_grade[grade] = rows
    board.breaches = sum(1 for c in clocks.values() if c.breached)
    board.unallocated = list(
        Task.objects.filter(
            force=force, status=Task.Status.OPEN, assignee__isnull=True, team__isnull=True
        )
        .select_related("incident")
        .order_by("due_at")
    )
    board.workload = list(
        Task.objects.filter(force=force, status=Task.Status.OPEN, assignee__isnull=False)
        .values("assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .order_by("-open")
    )
    since = now - timedelta(weeks=weeks)
    recent = list(
        Incident.objects.filter(force=force, graded_at__gte=since, grade__lte=3).select_related(
            "area"
        )
    )
    recent_clocks = clocks_for(recent, targets, now)
    figures: dict[tuple[str, int, str], Figure] = {}
    for incident in recent:
        state = recent_clocks.get(incident.pk)
        if state is None:
            continue
        week = timezone.localtime(incident.created_at).strftime("%G-W%V")
        area = incident.area.name if incident.area else "No area"
        key = (week, incident.grade, area)
        figure = figures.setdefault(key, Figure(week=week, grade=incident.grade, area=area))
        figure.incidents += 1
        if state.breached:
            figure.breached += 1
        elif state.attended_at is not None:
            figure.met += 1
        else:
            figure.waiting += 1
    board.figures = sorted(figures.values(), key=lambda f: (f.week, f.grade, f.area))
    totals: dict[tuple[str, int], Figure] = {}
    for f in board.figures:
        total = totals.setdefault((f.week, f.grade), Figure(week=f.week, grade=f.grade, area=""))
        total.incidents += f.incidents
        total.met += f.met
        total.breached += f.breached
        total.waiting += f.waiting
    board.totals = list(totals.values())
    return board
