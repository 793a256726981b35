"""Reads for the Victims' Code dashboard: obligations due, overdue and met, by team and
officer (a team is the officer's area in the force)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lantern.accounts.models import Membership

from .models import Obligation

STATES = ("due", "overdue", "met", "met_late")


@dataclass
class Row:
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Dashboard:
    totals: Row
    by_team: list[Row]
    by_officer: list[Row]
    attention: list[Obligation]


def obligation_dashboard(
    *, obligations: Any, force_id: int, today: date, area_id: int | None = None
) -> Dashboard:
    areas = {
        m.user_id: m.area
        for m in Membership.objects.filter(organisation=force_id).select_related("area")
    }
    rows = list(obligations.select_related("victim__case", "officer", "event"))
    if area_id is not None:
        rows = [o for o in rows if (a := areas.get(o.officer_id)) is not None and a.pk == area_id]
    totals = Row("All")
    teams: dict[str, Row] = defaultdict(lambda: Row(""))
    officers: dict[str, Row] = defaultdict(lambda: Row(""))
    for o in rows:
        state = o.state(today)
        area = areas.get(o.officer_id)
        team = area.name if area is not None else "No team"
        officer = str(o.officer) if o.officer else "No officer"
        for bucket, label in ((totals, "All"), (teams[team], team), (officers[officer], officer)):
            bucket.label = label
            bucket.counts[state] += 1
    attention = sorted((o for o in rows if o.met_at is None), key=lambda o: (o.due_date, o.pk))
    return Dashboard(
        totals=totals,
        by_team=[teams[k] for k in sorted(teams)],
        by_officer=[officers[k] for k in sorted(officers)],
        attention=attention,
    )
