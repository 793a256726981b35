"""Response clock rules for graded incidents (pure: no database, no wall clock).

Grade 1 emergency (attend within 20 minutes), Grade 2 priority (60 minutes), Grade 3
scheduled (engage within 48 hours), Grade 4 (no attendance needed); a force may set its own
targets. The clock runs from the grading time. An upgrade (to a more urgent grade) restarts
it from the regrade under the new target; a downgrade keeps the original start. Attendance
stops the clock.

Breaches are counted honestly: a deadline that passed while it was in force, without
attendance, stays a breach even if a later regrade moves the deadline (restarting the clock
by upgrading, or downgrading, never hides a breach already made).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_TARGETS: dict[int, timedelta | None] = {
    1: timedelta(minutes=20),
    2: timedelta(minutes=60),
    3: timedelta(hours=48),
    4: None,
}
GRADES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Grading:
    at: datetime
    grade: int


@dataclass(frozen=True)
class Breach:
    grade: int
    deadline: datetime


@dataclass(frozen=True)
class ClockState:
    grade: int
    start: datetime
    target: timedelta | None
    deadline: datetime | None
    attended_at: datetime | None
    breaches: tuple[Breach, ...]

    @property
    def breached(self) -> bool:
        return bool(self.breaches)

    @property
    def met(self) -> bool | None:
        """True when attended within target; None while the clock is still running."""
        if self.attended_at is None:
            return None
        return not self.breached

    def remaining(self, now: datetime) -> timedelta | None:
        """Time left on a running clock (negative when overdue); None when stopped or no target."""
        if self.deadline is None or self.attended_at is not None:
            return None
        return self.deadline - now


def is_upgrade(old: int, new: int) -> bool:
    return new < old


def response_clock(
    gradings: Sequence[Grading],
    *,
    targets: Mapping[int, timedelta | None] = DEFAULT_TARGETS,
    attended_at: datetime | None = None,
    now: datetime,
) -> ClockState:
    """The clock after these gradings (the first is the initial grading), as seen at `now`."""
    if not gradings:
        raise ValueError("An incident needs a first grading")
    ordered = sorted(gradings, key=lambda g: g.at)
    first = ordered[0]
    grade, start = first.grade, first.at
    target = targets[grade]
    breaches: list[Breach] = []
    stop = attended_at if attended_at is not None else now

    def check(until: datetime) -> None:
        if target is None:
            return
        deadline = start + target
        if deadline < until and not any(b.deadline == deadline for b in breaches):
            breaches.append(Breach(grade=grade, deadline=deadline))

    for regrade in ordered[1:]:
        if regrade.at > stop:
            break  # the clock had already stopped: later regrades do not change it
        if regrade.grade == grade:
            continue
        check(regrade.at)
        if is_upgrade(grade, regrade.grade):
            start = regrade.at
        grade, target = regrade.grade, targets[regrade.grade]
    check(stop)
    return ClockState(
        grade=grade,
        start=start,
        target=target,
        deadline=None if target is None else start + target,
        attended_at=attended_at,
        breaches=tuple(breaches),
    )
