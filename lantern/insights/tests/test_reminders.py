"""Agreed regular updates (when nothing has happened) and the daily task that finds them,
the closures and the retention reviews."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.casework.models import Case
from lantern.core.management.commands.scheduler import schedule
from lantern.insights import reminders, services, tasks
from lantern.insights.models import (
    ClosureProposal,
    ForceSettings,
    Obligation,
    ObligationKind,
    Victim,
)
from lantern.ledger.models import Action, Entry

LONDON = ZoneInfo("Europe/London")
# Thursday before Easter 2026: Good Friday 3 April and Easter Monday 6 April are bank
# holidays in England and Wales; Scotland has Good Friday but not Easter Monday.
BEFORE_EASTER = datetime(2026, 4, 2, 15, 0, tzinfo=LONDON)


@pytest.fixture
def case(world) -> Case:
    return Case.objects.create(
        force=world.orgs["force"],
        reference="NP/26/9",
        title="Repeated thefts",
        officer_in_charge=world.user("officer"),
    )


def _victim(world, case, frequency: str = "weekly", **kw: Any) -> Victim:
    # By letter: the confirmation waits for an officer, so nothing has been sent yet.
    victim = services.victim_create(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        case=case,
        data=services.VictimInput(
            full_name="Pat Regular", address="2 Low St\nNorthtown", preferred_channel="letter",
            update_frequency=frequency, **kw,
        ),
    )  # fmt: skip
    Victim.objects.filter(pk=victim.pk).update(created_at=BEFORE_EASTER)
    victim.refresh_from_db()
    return victim


def _reminders(victim: Victim) -> Any:
    return Obligation.objects.filter(victim=victim, kind=ObligationKind.UPDATE, event=None)


def test_weekly_update_falls_due_after_five_working_days_skipping_easter(world, case) -> None:
    victim = _victim(world, case)
    force = world.orgs["force"]
    # Tue 7, Wed 8, Thu 9, Fri 10, Mon 13 April: the fifth working day.
    assert reminders.reminder_due_date(victim) == date(2026, 4, 13)
    assert reminders.reminders_create(force, date(2026, 4, 10)) == []
    opened = reminders.reminders_create(force, date(2026, 4, 13))
    assert [o.victim_id for o in opened] == [victim.pk]
    assert opened[0].due_date == date(2026, 4, 13) and opened[0].officer == world.user("officer")
    assert opened[0].state(date(2026, 4, 13)) == "due"
    assert opened[0].state(date(2026, 4, 14)) == "overdue"
    assert Entry.objects.filter(
        action=Action.CREATED, object_type="insights.obligation", object_id=str(opened[0].pk)
    ).exists()
    # Still open: the next run does not open a second one.
    assert reminders.reminders_create(force, date(2026, 4, 20)) == []
    assert _reminders(victim).count() == 1


def test_meeting_the_update_starts_the_next_period(world, case) -> None:
    victim = _victim(world, case)
    force = world.orgs["force"]
    (opened,) = reminders.reminders_create(force, date(2026, 4, 13))
    Obligation.objects.filter(pk=opened.pk).update(
        met_at=datetime(2026, 4, 14, 10, 0, tzinfo=LONDON), met_note="Phoned"
    )
    # Contact on Tue 14 April: the next update is due Tue 21 April.
    assert reminders.reminder_due_date(victim) == date(2026, 4, 21)
    assert reminders.reminders_create(force, date(2026, 4, 20)) == []
    assert len(reminders.reminders_create(force, date(2026, 4, 21))) == 1


def test_scotland_counts_easter_monday_as_a_working_day(world, case) -> None:
    ForceSettings.objects.create(force=world.orgs["force"], division="scotland")
    victim = _victim(world, case)
    assert reminders.reminder_due_date(victim) == date(2026, 4, 10)


def test_fortnightly_and_monthly_periods(world, case) -> None:
    fortnightly = _victim(world, case, "fortnightly")
    monthly = _victim(world, case, "monthly")
    # Ten and twenty working days after Thu 2 April, Good Friday and Easter Monday skipped;
    # the May Day bank holiday (4 May) is skipped too.
    assert reminders.reminder_due_date(fortnightly) == date(2026, 4, 20)
    assert reminders.reminder_due_date(monthly) == date(2026, 5, 5)


def test_no_reminder_when_only_events_bring_updates_or_after_the_outcome(world, case) -> None:
    force = world.orgs["force"]
    only_events = _victim(world, case, "events")
    assert reminders.reminder_due_date(only_events) is None
    assert reminders.reminders_create(force, date(2026, 6, 1)) == []
    weekly = _victim(world, case)
    services.event_record(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        case=case,
        kind="outcome",
        occurred_at=timezone.now() - timedelta(hours=1),
        note="Charged",
    )
    assert reminders.reminders_create(force, date(2026, 6, 1)) == []
    assert not _reminders(weekly).exists()


def test_a_letter_sent_counts_as_contact(world, case) -> None:
    victim = _victim(world, case)
    letter = victim.communications.get()
    services.communication_approve(
        actor=world.user("officer"), membership=world.membership("officer"),
        communication=letter, subject=letter.subject, body=letter.body,
    )  # fmt: skip
    # Sent today: the next update is five working days from today, not from Easter.
    due = reminders.reminder_due_date(victim)
    assert due is not None and due > timezone.localdate()
    assert reminders.reminders_create(world.orgs["force"], date(2026, 4, 13)) == []


def test_the_dashboard_shows_the_update_to_police_and_refuses_partners(
    world, case, client_for
) -> None:
    _victim(world, case)
    reminders.reminders_create(world.orgs["force"], date(2026, 4, 13))
    page = client_for("officer").get(reverse("insights:victims-code"))
    assert page.status_code == 200
    assert "Agreed regular update (every week)" in page.content.decode()
    assert client_for("store_staff").get(reverse("insights:victims-code")).status_code == 403


def test_daily_task_opens_updates_proposes_closures_and_tells_reviewers(
    world, case, mailoutbox
) -> None:
    victim = _victim(world, case)
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=60))
    Victim.objects.filter(pk=victim.pk).update(review_date=timezone.localdate())
    result = tasks.victims_code_daily(today=timezone.localdate())
    assert result.reminders == 1 and _reminders(victim).count() == 1
    assert result.closures == 1
    assert ClosureProposal.objects.get().case == case
    assert result.retention_due == 1
    closure_to = [t for m in mailoutbox if "closure" in m.subject for t in m.to]
    review_to = [t for m in mailoutbox if "retention review" in m.subject for t in m.to]
    assert world.user("supervisor").email in closure_to
    assert world.user("officer").email not in closure_to
    assert world.user("investigator").email in review_to
    # Run again: nothing new to propose or open (idempotent), the review still waits.
    mailoutbox.clear()
    again = tasks.victims_code_daily(today=timezone.localdate())
    assert (again.reminders, again.closures, again.retention_due) == (0, 0, 1)
    assert {m.subject for m in mailoutbox} == {"Lantern: 1 record due for retention review"}
    # Later days: reviewers are not told again about the same record every day, only on
    # Mondays while it waits.
    later = [timezone.localdate() + timedelta(days=n) for n in range(1, 8)]
    for day in later:
        mailoutbox.clear()
        assert tasks.victims_code_daily(today=day).retention_due == 1
        told = [m for m in mailoutbox if "retention review" in m.subject]
        assert bool(told) == (day.weekday() == 0), day


def test_daily_task_is_scheduled_and_runs_through_the_task_backend(world, case) -> None:
    assert ("lantern.insights.tasks.victims_code_daily_task", 86400) in schedule()
    _victim(world, case)
    result = tasks.victims_code_daily_task.enqueue()
    assert result.return_value is not None and result.return_value["reminders"] == 1
