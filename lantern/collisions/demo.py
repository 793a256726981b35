"""Demo records: a collision with injury and a theft reported online, in the force's queues.
Idempotent: nothing is added once any public report exists."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import PublicReport
from .services import public_report_submit, reporting_areas

YOU = {
    "name": "Jordan Public",
    "address": "14 Elm Road, Northtown",
    "email": "jordan@example.com",
    "phone": "",
    "unsafe": [],
}


def demo_load() -> None:
    if PublicReport.objects.exists():
        return
    areas = reporting_areas()
    when = timezone.localtime(timezone.now() - timedelta(hours=5))
    where = {
        "date": when.date().isoformat(),
        "time": when.strftime("%H:%M"),
        "location": "Roundabout at the end of Station Road",
        "postcode": "",
        "latitude": None,
        "longitude": None,
        "area": str(areas[0].pk) if areas else "",
    }
    collision = {
        "answers": {
            "when-where": where,
            "injury": {"injured": "yes", "injury_details": "My passenger hurt her neck"},
            "what-happened": {
                "description": "A van pulled out of the roundabout into the side of my car.",
                "dangerous_driving": "yes",
                "has_footage": "yes",
            },
            "details-exchanged": {"exchanged": "some"},
            "witnesses": {"any_witnesses": "no"},
            "you": YOU,
        },
        "items": {
            "vehicle": [
                {
                    "registration": "NT21 ABC",
                    "make": "Vauxhall",
                    "model": "Corsa",
                    "colour": "Red",
                    "damage": "Driver's door pushed in",
                    "driver_name": "Jordan Public",
                    "add_another": "yes",
                },
                {
                    "registration": "WX68 VAN",
                    "make": "Ford",
                    "model": "Transit",
                    "colour": "White",
                    "damage": "Not known",
                    "add_another": "no",
                },
            ]
        },
        "advice_shown": {},
    }
    public_report_submit(kind="collision", state=collision, actor_label="demo data")
    crime = {
        "answers": {
            "what": {"crime_kind": "theft"},
            "when-where": {**where, "location": "Bike racks outside Northtown library"},
            "details": {
                "description": "My bicycle was taken while I was in the library.",
                "taken_or_damaged": "Green Raleigh bicycle",
                "value": "320",
                "suspect": "",
                "has_footage": "no",
            },
            "you": {**YOU, "unsafe": ["email"], "phone": "07700 900456"},
        },
        "items": {},
        "advice_shown": {},
    }
    public_report_submit(kind="crime", state=crime, actor_label="demo data")
