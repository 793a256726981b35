"""Road Traffic Act 1988 s.170 triage: which advice a collision reporter must be shown.

A pure function of the answers, so every branch is tested on its own, and the same codes are
recorded on the report to prove what was shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from . import conf

INJURY = "injury"
INJURY_IN_PERSON = "injury_in_person"
NOT_EXCHANGED = "not_exchanged"
DAMAGE_ONLY_EXCHANGED = "damage_only_exchanged"
NIP_14_DAYS = "nip_14_days"
FOOTAGE = "footage"


@dataclass(frozen=True)
class Advice:
    code: str
    title: str
    paragraphs: tuple[str, ...]
    important: bool = True


def _when(value: datetime | None) -> str:
    return value.strftime("%H:%M on %-d %B %Y") if value else ""


def collision_advice(
    *,
    injury: bool,
    details_exchanged: str,
    dangerous_driving: bool,
    has_footage: bool,
    occurred_at: datetime | None,
) -> list[Advice]:
    """The advice for these answers, most urgent first. `details_exchanged` is "yes", "no"
    or "some"."""
    result: list[Advice] = []
    within_24 = _when(occurred_at + timedelta(hours=24)) if occurred_at else ""
    by_24 = f" (by {within_24})" if within_24 else ""
    insurance_by = (
        f" (by {(occurred_at + timedelta(days=7)).strftime('%-d %B %Y')})" if occurred_at else ""
    )
    if injury:
        paragraphs = [
            "Because someone was injured, the driver must produce their certificate of "
            "insurance to the police. If it was not shown to a police officer at the scene, "
            f"it must be produced at a police station within 7 days{insurance_by}.",
        ]
        result.append(
            Advice(
                INJURY, "Someone was injured: the driver must produce insurance", tuple(paragraphs)
            )
        )
        if conf.injury_in_person():
            result.append(
                Advice(
                    INJURY_IN_PERSON,
                    "You must also report this collision in person",
                    (
                        "This force requires collisions where someone was injured to be "
                        "reported in person at a police station, as soon as you reasonably "
                        f"can and in any case within 24 hours{by_24}.",
                        "You can still send this online report: it gives the police the "
                        "details now, and you get a reference to take with you.",
                    ),
                )
            )
        else:
            result.append(
                Advice(
                    INJURY_IN_PERSON,
                    "Report within 24 hours",
                    (
                        "The collision must be reported to the police as soon as you "
                        f"reasonably can and in any case within 24 hours{by_24}. Sending this "
                        "online report does that.",
                    ),
                )
            )
    elif details_exchanged != "yes":
        result.append(
            Advice(
                NOT_EXCHANGED,
                "You must report this collision within 24 hours",
                (
                    "The drivers did not all give their name, address and vehicle "
                    "registration at the scene, so the collision must be reported to the "
                    f"police as soon as you reasonably can and in any case within 24 hours"
                    f"{by_24}. Sending this online report does that.",
                ),
            )
        )
    else:
        result.append(
            Advice(
                DAMAGE_ONLY_EXCHANGED,
                "You may not need to report this collision",
                (
                    "Nobody was injured and the drivers gave each other their names, "
                    "addresses and vehicle registrations, so the law may not require you to "
                    "report it to the police. Your insurer will want to know.",
                    "You can still report it if you want to, for example if you think a "
                    "driver gave false details.",
                ),
                important=False,
            )
        )
    if dangerous_driving or has_footage:
        nip_by = (
            f" (by {(occurred_at + timedelta(days=14)).strftime('%-d %B %Y')})"
            if occurred_at
            else ""
        )
        result.append(
            Advice(
                NIP_14_DAYS,
                "Report driving offences quickly: the 14-day time limit",
                (
                    "For most driving offences, such as careless or dangerous driving, the "
                    "police must send the registered keeper a notice of intended prosecution "
                    f"within 14 days of the offence{nip_by}. Reports that arrive late may "
                    "mean no action can be taken.",
                ),
            )
        )
        result.append(
            Advice(
                FOOTAGE,
                "Send your dashcam or phone footage",
                (
                    "After you send this report you can upload your footage or photos.",
                    "Keep the original file as it came off the camera, and do not post it on "
                    "social media: that can stop a prosecution.",
                ),
                important=False,
            )
        )
    return result
