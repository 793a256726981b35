"""Demo records for retail reports, after the base demo's first report (a theft with threats):
the force's minimum-data rules, the same offender reported again a day later, the two linked,
and a crime recorded on the first. Idempotent: nothing is added once the rules exist."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lantern.accounts.models import Membership, Organisation, User

from .models import ForceReportRules, ReportLink, Requirement, RetailReport
from .services import (
    ItemInput,
    input_from_report,
    report_again,
    report_link,
    report_record_crime,
    report_save_draft,
    report_submit,
    rules_update,
)


def demo_load() -> None:
    force = Organisation.objects.filter(slug="northshire-police").first()
    first = RetailReport.objects.filter(force=force).order_by("pk").first()
    if force is None or first is None or ForceReportRules.objects.filter(force=force).exists():
        return
    admin = User.objects.get(username="forceadmin")
    rules_update(
        actor=admin,
        membership=Membership.objects.get(user=admin, organisation=force),
        required=[Requirement.ITEMS, Requirement.OFFENDER],
        high_value_pence=20000,
    )
    staff = User.objects.get(username="storestaff")
    staff_m = Membership.objects.get(user=staff, organisation=first.company)
    again = report_again(actor=staff, membership=staff_m, report=first)
    data = input_from_report(again)
    data.occurred_at = timezone.now() - timedelta(hours=26)
    data.description = "The same man as last time took four packs of razor blades and ran."
    data.items = [ItemInput("Razor blades, 8 pack", 4, 1899)]
    again = report_save_draft(actor=staff, membership=staff_m, data=data, report=again)
    again = report_submit(actor=staff, membership=staff_m, report=again)
    officer = User.objects.get(username="officer")
    officer_m = Membership.objects.get(user=officer, organisation=force)
    report_record_crime(
        actor=officer, membership=officer_m, report=first, crime_reference="NS/26/4412"
    )
    report_link(
        actor=officer,
        membership=officer_m,
        report=again,
        other_reference=str(first.reference),
        reason=ReportLink.Reason.SAME_OFFENDER,
    )
