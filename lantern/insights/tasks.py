"""Background work for the Victims' Code and the routine automation, run by `db_worker` and
enqueued once a day by `manage.py scheduler`: agreed regular updates that fell due, cases
with no line of enquiry left, and records that reached their retention review date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from lantern.accounts.choices import OrgKind, OrgStatus
from lantern.accounts.models import Membership, Organisation

from . import automation, reminders

MONDAY = 0


@dataclass
class DailyResult:
    reminders: int = 0
    closures: int = 0
    retention_due: int = 0
    emails: int = 0


def _tell(force: Organisation, roles: frozenset[str], subject: str, text: str, url: str) -> int:
    """One email to each active member of the force with one of these roles."""
    emails = sorted(
        set(
            Membership.objects.filter(organisation=force, is_active=True, role__in=roles)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    body = f"{text}\n\n{settings.LANTERN_BASE_URL}{url}\n"
    for email in emails:
        send_mail(f"Lantern: {subject}", body, None, [email])
    return len(emails)


def _tell_count(
    force: Organisation, roles: frozenset[str], n: int, nouns: tuple[str, str], subject: str,
    text: str, url: str,
) -> int:  # fmt: skip
    """'3 cases proposed for closure' to those roles; nothing when there are none."""
    if not n:
        return 0
    noun = nouns[n != 1]
    has = "have" if n != 1 else "has"
    return _tell(force, roles, f"{n} {noun} {subject}", f"{n} {noun} {has} {text}.", url)


def victims_code_daily(today: date | None = None) -> DailyResult:
    """For every active force: open the agreed updates that fell due, propose closures
    (supervisors are emailed when new ones are found), and tell reviewers how many records
    are waiting for retention review (when some reach their date, and on Mondays)."""
    today = today or timezone.localdate()
    result = DailyResult()
    forces = Organisation.objects.filter(kind=OrgKind.FORCE, status=OrgStatus.ACTIVE)
    for force in forces.order_by("pk"):
        result.reminders += len(reminders.reminders_create(force, today))
        proposed = automation.closures_propose(force)
        result.closures += len(proposed)
        result.emails += _tell_count(
            force, automation.SUPERVISORS, len(proposed), ("case", "cases"),
            "proposed for closure", "no line of enquiry left; a supervisor decides whether to "
            "close it or keep it open", reverse("insights:closures"),
        )  # fmt: skip
        due = automation.retention_due(force.pk, today)
        result.retention_due += len(due)
        # Reviewers hear when records reach their date, and again each Monday while any
        # wait: not every day about the same records.
        if any(d.review_date == today for d in due) or today.weekday() == MONDAY:
            result.emails += _tell_count(
                force, automation.REVIEWERS, len(due), ("record", "records"),
                "due for retention review", "reached the review date; a reviewer decides: "
                "retain with a reason, or dispose", reverse("insights:retention"),
            )  # fmt: skip
    return result


@task()
def victims_code_daily_task() -> dict[str, int]:
    """Enqueued once a day by `manage.py scheduler`."""
    result = victims_code_daily()
    return {
        "reminders": result.reminders,
        "closures": result.closures,
        "retention_due": result.retention_due,
        "emails": result.emails,
    }
