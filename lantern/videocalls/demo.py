"""Demo: a video call arranged on the incident in the video-response queue, through the real
service, so the person's link is waiting in the outbox for anyone trying the public side."""

from __future__ import annotations

from lantern.accounts.models import Membership, Organisation, User
from lantern.casework.models import Incident

from .models import VideoCall
from .services import CallInput, call_schedule


def demo_load() -> None:
    force = Organisation.objects.filter(slug="northshire-police").first()
    if force is None or VideoCall.objects.filter(force=force).exists():
        return
    incident = Incident.objects.filter(force=force, route=Incident.Route.VIDEO).first()
    officer = User.objects.filter(username="officer").first()
    if incident is None or officer is None:
        return
    call_schedule(
        actor=officer,
        membership=Membership.objects.get(user=officer, organisation=force),
        data=CallInput(
            reference=incident.reference,
            person_name="Jo Demo",
            person_phone="07700 900123",
            person_email="jo.demo@example.test",
        ),
    )
