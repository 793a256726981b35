"""Demo records: incidents of each grade (one breached, one in the video-response queue),
tasks for `officer`, a team, video-response questions and a crime.
Idempotent: nothing is added once the demo force has an incident."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lantern.accounts.models import Membership, Organisation, User

from .models import Incident, IncidentEntry, Task, Team, VideoQuestion
from .services import (
    CrimeInput,
    IncidentInput,
    TaskInput,
    crime_create,
    incident_attend,
    incident_create,
    incident_triage,
    task_assign,
)

QUESTIONS = [
    ("Is the caller safe, with no one injured and no offender present?", True),
    ("Can the caller make a video call on a phone or computer?", True),
    ("Is there forensic evidence that an officer needs to see in person?", False),
]

INCIDENTS = [
    (1, 25, "Market Square", "Fight outside the Crown pub, one man on the ground"),
    (1, 5, "Station Road", "Woman reports her ex-partner is trying to break in"),
    (2, 40, "Northtown Retail Park", "Shoplifter detained by security, becoming aggressive"),
    (2, 10, "14 Elm Road", "Car broken into overnight, suspect seen on doorbell camera"),
    (3, 300, "9 Mill Lane", "Shed broken into, bicycle taken, caller at home"),
    (3, 120, "2 Church Street", "Criminal damage to front door, happened last night"),
    (4, 60, "Northtown Library", "Lost property: wallet handed in"),
]


def demo_load() -> None:
    force = Organisation.objects.filter(slug="northshire-police").first()
    if force is None or Incident.objects.filter(force=force).exists():
        return
    handler = User.objects.get(username="callhandler")
    supervisor = User.objects.get(username="supervisor")
    officer = User.objects.get(username="officer")
    handler_m = Membership.objects.get(user=handler, organisation=force)
    supervisor_m = Membership.objects.get(user=supervisor, organisation=force)
    officer_m = Membership.objects.get(user=officer, organisation=force)
    for order, (text, answer) in enumerate(QUESTIONS, start=1):
        VideoQuestion.objects.get_or_create(
            force=force, text=text, defaults={"eligible_answer": answer, "order": order}
        )
    team, _ = Team.objects.get_or_create(force=force, name="Response team 1")
    team.members.add(officer)
    area = force.areas.order_by("name").first()  # type: ignore[attr-defined]
    now = timezone.now()
    made = []
    for grade, minutes_ago, location, summary in INCIDENTS:
        incident = incident_create(
            actor=handler,
            membership=handler_m,
            data=IncidentInput(grade=grade, location=location, summary=summary, area=area),
        )
        # Back-date the grading so the clocks show a realistic mix of time left and breaches.
        at = now - timedelta(minutes=minutes_ago)
        IncidentEntry.objects.filter(incident=incident).update(created_at=at)
        Incident.objects.filter(pk=incident.pk).update(graded_at=at, created_at=at)
        incident.refresh_from_db()
        made.append(incident)
    incident_attend(actor=officer, membership=officer_m, incident=made[1])
    video = made[4]
    answers = {q.pk: q.eligible_answer for q in VideoQuestion.objects.filter(force=force)}
    incident_triage(actor=handler, membership=handler_m, incident=video, answers=answers)
    for incident, kind, minutes, who in (
        (made[0], Task.Kind.ATTEND, 5, officer),
        (made[2], Task.Kind.STATEMENT, 45, officer),
        (made[3], Task.Kind.FOOTAGE, 180, officer),
        (made[5], Task.Kind.UPDATE_VICTIM, 24 * 60, None),
    ):
        task_assign(
            actor=supervisor,
            membership=supervisor_m,
            incident=incident,
            data=TaskInput(
                kind=kind,
                due_at=now + timedelta(minutes=minutes),
                assignee=who,
                team=team if kind == Task.Kind.FOOTAGE else None,
                resources="Car NS12, body-worn video" if who else "",
            ),
        )
    crime_create(
        actor=officer,
        membership=officer_m,
        data=CrimeInput(
            classification="vehicle",
            summary="Theft from a motor vehicle: sat-nav and coins taken",
            victim_name="Sam Driver",
            victim_email="sam.driver@example.com",
            incident=made[3],
        ),
    )
