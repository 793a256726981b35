"""Updates at the frequency agreed with the victim, when nothing has happened.

A victim who agreed to hear every week, fortnight or month is owed an update when that
period has passed with no contact: no letter, email or text sent to them and no duty met
(told in person, by phone). The period is counted in working days on the force's
bank-holiday calendar, from the last contact (or from when the victim was recorded). The
daily task (`tasks.victims_code_daily_task`) opens an "update" obligation with no event,
due on the day the period ran out; it shows on the dashboard and the case page like any
other duty, and is met the same way. Once met, the next period starts.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Max

from lantern.accounts.models import Organisation
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .models import (
    CaseEvent,
    Communication,
    EventKind,
    Obligation,
    ObligationKind,
    UpdateFrequency,
    Victim,
)
from .services import _local_date, settings_for
from .workdays import add_working_days

# Working days in each agreed period (a month is taken as four working weeks).
PERIOD_WORKING_DAYS = {
    UpdateFrequency.WEEKLY: 5,
    UpdateFrequency.FORTNIGHTLY: 10,
    UpdateFrequency.MONTHLY: 20,
}
# After these the investigation is over: no more regular updates are owed.
FINISHED = [EventKind.OUTCOME, EventKind.NO_INVESTIGATION]


def last_contact(victim: Victim) -> date:
    """The day of the last contact with the victim, or the day they were recorded."""
    moments: list[datetime] = [victim.created_at]
    sent = Communication.objects.filter(victim=victim, status=Communication.Status.SENT).aggregate(
        last=Max("sent_at")
    )["last"]
    met = Obligation.objects.filter(victim=victim).aggregate(last=Max("met_at"))["last"]
    moments += [m for m in (sent, met) if m is not None]
    return _local_date(max(moments))


def reminder_due_date(victim: Victim) -> date | None:
    """When the next agreed update falls due, or None if only events bring updates."""
    days = PERIOD_WORKING_DAYS.get(UpdateFrequency(victim.update_frequency))
    if days is None:
        return None
    return add_working_days(last_contact(victim), days, settings_for(victim.force).division)


def reminders_create(force: Organisation, today: date) -> list[Obligation]:
    """Open an update obligation for each of the force's victims whose agreed period has run
    out with no contact. Idempotent: a victim with one still open gets no second one."""
    finished = CaseEvent.objects.filter(force=force, kind__in=FINISHED).values("case")
    waiting = Obligation.objects.filter(
        force=force, kind=ObligationKind.UPDATE, event__isnull=True, met_at__isnull=True
    ).values("victim")
    victims = (
        Victim.objects.filter(force=force, disposed_at__isnull=True)
        .exclude(update_frequency=UpdateFrequency.EVENTS)
        .exclude(case__in=finished)
        .exclude(pk__in=waiting)
        .select_related("force", "case")
    )
    opened = []
    for victim in victims:
        due = reminder_due_date(victim)
        if due is None or due > today:
            continue
        with transaction.atomic():
            obligation = Obligation.objects.create(
                force=force,
                victim=victim,
                kind=ObligationKind.UPDATE,
                due_date=due,
                officer=victim.officer,
            )
            ledger_record(
                action=Action.CREATED,
                actor_label="lantern",
                actor_org=force,
                obj=obligation,
                detail={
                    "victim": victim.pk,
                    "agreed": victim.update_frequency,
                    "last_contact": last_contact(victim).isoformat(),
                },
            )
        opened.append(obligation)
    return opened
