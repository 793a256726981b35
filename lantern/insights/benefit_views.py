"""The benefits dashboard, its CSV and PDF exports, and the force's assumptions."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import User
from lantern.core.permissions import require_role
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import benefits, pdf, services

MONTH_CHOICES = (6, 12, 24)


def _figures(request: HttpRequest) -> dict[str, Any]:
    membership = require_role(request, POLICE_ROLES)
    try:
        n = int(request.GET.get("months", "12"))
    except ValueError:
        n = 12
    n = n if n in MONTH_CHOICES else 12
    months = benefits.months_back(timezone.localdate(), n)
    series = benefits.counts(membership.organisation_id, months)
    settings = services.settings_for(membership.organisation)
    assumptions = benefits.assumptions_for(settings)
    with_lantern, without = benefits.report_to_outcome(membership.organisation_id)
    labels = [f"{m:%b %Y}" for m in months]
    return {
        "months": months,
        "month_count": n,
        "month_choices": MONTH_CHOICES,
        "labels": labels,
        "series": series,
        "charts": [
            {"series": s, "bars": benefits.bars(s.by_month, labels)} for s in series if s.available
        ],
        "missing": [s for s in series if not s.available],
        "assumptions": assumptions,
        "cost_sources": benefits.COST_SOURCES,
        "savings": benefits.savings(series, assumptions),
        "groups": (with_lantern, without),
        "chart_w": benefits.CHART_W,
        "chart_h": benefits.CHART_H,
    }


def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/benefits.html", _figures(request))


def _rows(f: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = [["Count", *f["labels"], "Total"]]
    for s in f["series"]:
        rows.append([s.label, *map(str, s.by_month), str(s.total)] if s.available else [s.label])
    return rows


def _savings_rows(f: dict[str, Any]) -> list[list[str]]:
    a, s = f["assumptions"], f["savings"]
    rows = [
        ["Avoided activity", "Number", "Minutes each", "Miles each", "Hours", "Miles", "Source"]
    ]
    for r in s.rows:
        rows.append(
            [
                r.activity.label, str(r.avoided), str(r.activity.minutes), str(r.activity.miles),
                str(r.hours), str(r.miles), r.activity.source,
            ]
        )  # fmt: skip
    rows += [
        ["Hours saved", str(s.hours)],
        [f"Officer-days ({a.shift_hours} hours)", str(s.officer_days)],
        [
            f"Officer time at £{Decimal(a.officer_hour_pence) / 100:.2f} an hour",
            f"£{s.pounds_time}",
        ],
        [f"Travel at {a.pence_per_mile}p a mile", f"£{s.pounds_travel}"],
        ["Total saved", f"£{s.pounds}"],
        ["Miles not driven", str(s.miles)],
        [f"Fuel not used (litres, at {a.miles_per_gallon} mpg)", str(s.litres)],
    ]
    return rows


def _outcome_rows(f: dict[str, Any]) -> list[list[str]]:
    rows = [["Group", "Cases", "Mean days", "Median days"]]
    for g in f["groups"]:
        rows.append([g.label, str(g.n), str(g.mean or "–"), str(g.median or "–")])
    return rows


def _record_export(request: HttpRequest, kind: str) -> None:
    ledger_record(
        action=Action.EXPORTED,
        actor=request.user,  # type: ignore[arg-type]
        actor_org=request.membership.organisation,  # type: ignore[attr-defined]
        object_type="insights.benefits",
        object_id=str(request.membership.organisation_id),  # type: ignore[attr-defined]
        detail={"format": kind, "months": request.GET.get("months", "12")},
        require_transaction=False,
    )


def export_csv(request: HttpRequest) -> HttpResponse:
    f = _figures(request)
    out = io.StringIO()
    writer = csv.writer(out)
    for block in (_rows(f), _savings_rows(f), _outcome_rows(f)):
        writer.writerows(block)
        writer.writerow([])
    writer.writerow(["Case", "Opened", "Outcome", "Days", "Used Lantern"])
    for g in f["groups"]:
        for c in g.cases:
            writer.writerow(
                [c.reference, c.reported.isoformat(), c.outcome.isoformat(), c.days, c.used_lantern]
            )
    _record_export(request, "csv")
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lantern-benefits.csv"'
    return response


def export_pdf(request: HttpRequest) -> HttpResponse:
    f = _figures(request)
    membership = request.membership  # type: ignore[attr-defined]
    counts = _rows(f)
    # Landscape A4 holds the label plus the total for each count; months are in the CSV.
    rows = [[r[0], r[-1] if len(r) > 1 else "not available"] for r in counts[1:]]
    rows += [[r[0], " ".join(r[1:])] for r in _savings_rows(f)[len(f["savings"].rows) + 1 :]]
    rows += [[f"{r[0]}: cases, mean, median days", " / ".join(r[1:])] for r in _outcome_rows(f)[1:]]
    rows += [
        [f"Assumption: {r[0]}", f"{r[2]} min, {r[3]} miles. {r[6]}"]
        for r in _savings_rows(f)[1 : len(f["savings"].rows) + 1]
    ]
    content = pdf.table_pdf(
        title=f"{membership.organisation.name}: benefits of Lantern",
        intro=[
            f"Last {f['month_count']} months, {f['labels'][0]} to {f['labels'][-1]}. "
            "Counted from Lantern's records; savings use the assumptions listed."
        ],
        headers=["Measure", "Figure"],
        rows=rows,
        widths=(120, 140),
        when=timezone.now(),
    )
    _record_export(request, "pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="lantern-benefits.pdf"'
    return response


class AssumptionsForm(forms.Form):
    officer_hour_pence = forms.IntegerField(label="Cost of an officer hour, in pence", min_value=0)
    pence_per_mile = forms.IntegerField(label="Travel cost per mile, in pence", min_value=0)
    miles_per_gallon = forms.DecimalField(
        label="Fleet miles per gallon", min_value=Decimal("1"), max_digits=5, decimal_places=1
    )
    shift_hours = forms.IntegerField(label="Hours in an officer-day", min_value=1, max_value=24)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, a in benefits.ACTIVITIES.items():
            self.fields[f"{key}_minutes"] = forms.IntegerField(
                label=f"{a.label}: minutes", min_value=0, max_value=10000
            )
            self.fields[f"{key}_miles"] = forms.DecimalField(
                label=f"{a.label}: miles", min_value=Decimal(0), max_digits=6, decimal_places=1
            )
            self.fields[f"{key}_source"] = forms.CharField(
                label=f"{a.label}: where the figures come from", max_length=300, required=False
            )

    def activity_fields(self) -> list[list[Any]]:
        return [
            [self[f"{k}_minutes"], self[f"{k}_miles"], self[f"{k}_source"]]
            for k in benefits.ACTIVITIES
        ]


def assumptions(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, frozenset({Role.FORCE_ADMIN}))
    current = benefits.assumptions_for(services.settings_for(membership.organisation))
    initial: dict[str, Any] = {
        "officer_hour_pence": current.officer_hour_pence,
        "pence_per_mile": current.pence_per_mile,
        "miles_per_gallon": current.miles_per_gallon,
        "shift_hours": current.shift_hours,
    }
    for key, a in current.activities.items():
        initial.update(
            {f"{key}_minutes": a.minutes, f"{key}_miles": a.miles, f"{key}_source": a.source}
        )
    form = AssumptionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        assert isinstance(request.user, User)
        try:
            services.benefit_assumptions_save(
                actor=request.user,
                membership=membership,
                activities={
                    k: (d[f"{k}_minutes"], d[f"{k}_miles"], d[f"{k}_source"])
                    for k in benefits.ACTIVITIES
                },
                officer_hour_pence=d["officer_hour_pence"],
                pence_per_mile=d["pence_per_mile"],
                miles_per_gallon=d["miles_per_gallon"],
                shift_hours=d["shift_hours"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Saved: the benefits dashboard now uses these figures")
            return redirect("insights:benefits")
    return render(
        request,
        "insights/assumptions.html",
        {"form": form, "cost_sources": benefits.COST_SOURCES},
    )
