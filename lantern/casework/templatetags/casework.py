"""Readable response-clock times: "12 min left", "1 h 5 min overdue"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template

register = template.Library()


def _span(seconds: int) -> str:
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)


@register.filter
def time_left(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds < 0:
        return f"{_span(-seconds)} overdue"
    return f"{_span(seconds)} left"


@register.filter
def target(value: timedelta | None) -> str:
    return "No attendance needed" if value is None else _span(int(value.total_seconds()))


@register.filter
def get_target(targets: dict[int, timedelta | None], grade: int) -> timedelta | None:
    return targets.get(grade)


@register.filter
def chart_y(index: int, offset: int) -> int:
    """Top of a chart row (20 px per row)."""
    return index * 20 + offset


@register.filter
def chart_height(rows: int) -> int:
    return max(rows * 20 + 4, 24)


@register.filter
def chart_width(percent: int) -> int:
    """Bar length for a percentage on a 200 px scale."""
    return max(0, min(200, int(percent) * 2))


@register.simple_tag(takes_context=True)
def my_field_tasks(context: dict[str, Any]) -> dict[str, Any]:
    """The signed-in officer's open tasks, for their home page at the start of a shift."""
    from django.utils import timezone

    from lantern.casework.selectors import tasks_for_officer

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"tasks": [], "now": timezone.now()}
    return {"tasks": list(tasks_for_officer(user)[:20]), "now": timezone.now()}
