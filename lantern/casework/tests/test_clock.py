"""Response clock rules, over random sequences of regrades (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lantern.casework.clock import DEFAULT_TARGETS, Grading, response_clock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
grades = st.integers(min_value=1, max_value=4)
minutes = st.integers(min_value=0, max_value=4 * 24 * 60)


@st.composite
def histories(draw: st.DrawFn) -> list[Grading]:
    first = Grading(at=T0, grade=draw(grades))
    offsets = sorted(draw(st.lists(minutes, max_size=8)))
    return [first] + [Grading(at=T0 + timedelta(minutes=m), grade=draw(grades)) for m in offsets]


def _now(history: list[Grading], extra: int) -> datetime:
    return history[-1].at + timedelta(minutes=extra)


def test_grade_1_runs_20_minutes_from_grading() -> None:
    state = response_clock([Grading(T0, 1)], now=T0)
    assert state.deadline == T0 + timedelta(minutes=20)
    assert not response_clock([Grading(T0, 1)], now=T0 + timedelta(minutes=20)).breached
    assert response_clock([Grading(T0, 1)], now=T0 + timedelta(minutes=21)).breached


def test_upgrade_restarts_and_downgrade_keeps_start() -> None:
    upgraded = response_clock(
        [Grading(T0, 3), Grading(T0 + timedelta(hours=2), 1)], now=T0 + timedelta(hours=2)
    )
    assert upgraded.start == T0 + timedelta(hours=2)
    assert upgraded.deadline == T0 + timedelta(hours=2, minutes=20)
    downgraded = response_clock(
        [Grading(T0, 1), Grading(T0 + timedelta(minutes=10), 2)], now=T0 + timedelta(minutes=10)
    )
    assert downgraded.start == T0
    assert downgraded.deadline == T0 + timedelta(minutes=60)


def test_a_breach_is_not_hidden_by_upgrading_after_it() -> None:
    # Grade 2 missed at 60 minutes; upgraded to Grade 1 at 90 minutes; attended at 100.
    history = [Grading(T0, 2), Grading(T0 + timedelta(minutes=90), 1)]
    state = response_clock(history, attended_at=T0 + timedelta(minutes=100), now=T0)
    assert state.breached
    assert state.breaches[0].grade == 2


def test_a_breach_is_not_hidden_by_downgrading_after_it() -> None:
    history = [Grading(T0, 1), Grading(T0 + timedelta(minutes=30), 3)]
    state = response_clock(history, now=T0 + timedelta(minutes=31))
    assert state.breached and state.breaches[0].deadline == T0 + timedelta(minutes=20)


def test_force_targets_are_used() -> None:
    targets = {**DEFAULT_TARGETS, 1: timedelta(minutes=15)}
    state = response_clock([Grading(T0, 1)], targets=targets, now=T0 + timedelta(minutes=16))
    assert state.breached


@given(histories(), st.integers(min_value=0, max_value=6000))
def test_start_is_the_last_upgrade_and_deadline_uses_current_target(
    history: list[Grading], extra: int
) -> None:
    state = response_clock(history, now=_now(history, extra))
    start, grade = history[0].at, history[0].grade
    for g in history[1:]:
        if g.grade < grade:
            start = g.at
        grade = g.grade
    assert state.start == start
    assert state.grade == grade
    target = DEFAULT_TARGETS[grade]
    assert state.deadline == (None if target is None else start + target)


@given(histories(), st.integers(min_value=0, max_value=6000), st.integers(0, 6000))
def test_breaches_are_never_undone_later(history: list[Grading], extra: int, more: int) -> None:
    """What was breached when seen at one moment stays breached, whatever regrades and
    time come after (honest counting)."""
    for cut in range(1, len(history) + 1):
        seen_at = _now(history[:cut], 0)
        earlier = response_clock(history[:cut], now=seen_at)
        later = response_clock(history, now=_now(history, extra) + timedelta(minutes=more))
        assert set(earlier.breaches) <= set(later.breaches)


@given(histories())
def test_attending_at_once_never_breaches(history: list[Grading]) -> None:
    state = response_clock(history, attended_at=T0, now=_now(history, 10_000))
    assert not state.breached
    assert state.met is True


@given(histories(), st.integers(min_value=0, max_value=6000))
def test_breach_means_a_deadline_passed_before_attendance(
    history: list[Grading], attend_after: int
) -> None:
    attended = T0 + timedelta(minutes=attend_after)
    state = response_clock(history, attended_at=attended, now=attended + timedelta(days=30))
    for breach in state.breaches:
        assert breach.deadline < attended
        assert DEFAULT_TARGETS[breach.grade] is not None
    assert state.met is (not state.breached)


@given(st.lists(minutes, max_size=6), st.integers(0, 10_000))
def test_grade_4_only_never_breaches(offsets: list[int], extra: int) -> None:
    history = [Grading(T0, 4)] + [Grading(T0 + timedelta(minutes=m), 4) for m in sorted(offsets)]
    state = response_clock(history, now=_now(history, extra))
    assert not state.breached and state.deadline is None
