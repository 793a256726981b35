"""Incidents and their tasks (police only): the force's incident logs and task lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import User
from lantern.api.models import ApiToken, Scope
from lantern.casework.models import Incident, IncidentEntry, Task
from lantern.core.permissions import get_for_user_or_404

from .core import ERRORS, IsoDate, Page, PageParams, filtered_page, token_in_roles

router = Router(tags=["Incidents and tasks"])

IncidentStatus = Literal["open", "closed"]
TaskStatus = Literal["open", "done", "cancelled"]
assert set(IncidentStatus.__args__) == set(Incident.Status.values)  # type: ignore[attr-defined]
assert set(TaskStatus.__args__) == set(Task.Status.values)  # type: ignore[attr-defined]


class IncidentOut(Schema):
    reference: str
    grade: int
    graded_at: datetime
    status: str
    route: str
    location: str
    area: str
    summary: str
    attended_at: datetime | None
    breached: bool
    case_reference: str
    created_at: datetime
    closed_at: datetime | None


class EntryOut(Schema):
    kind: str
    text: str
    grade: int | None
    author: str
    created_at: datetime
    evidence_item_id: int | None


class TaskOut(Schema):
    id: int
    incident_reference: str
    kind: str
    details: str
    status: str
    assignee: str
    team: str
    resources: str
    due_at: datetime
    created_at: datetime
    completed_at: datetime | None


class IncidentDetailOut(IncidentOut):
    entries: list[EntryOut]
    tasks: list[TaskOut]


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def incident_out(incident: Incident) -> dict[str, Any]:
    return {
        "reference": incident.reference,
        "grade": incident.grade,
        "graded_at": incident.graded_at,
        "status": incident.status,
        "route": incident.route,
        "location": incident.location,
        "area": incident.area.name if incident.area else "",
        "summary": incident.summary,
        "attended_at": incident.attended_at,
        "breached": incident.breached,
        "case_reference": incident.case.reference if incident.case else "",
        "created_at": incident.created_at,
        "closed_at": incident.closed_at,
    }


def entry_out(entry: IncidentEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "text": entry.text,
        "grade": entry.grade,
        "author": _name(entry.author),
        "created_at": entry.created_at,
        "evidence_item_id": entry.evidence_item_id,
    }


def task_out(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "incident_reference": task.incident.reference,
        "kind": task.kind,
        "details": task.details,
        "status": task.status,
        "assignee": _name(task.assignee),
        "team": task.team.name if task.team else "",
        "resources": task.resources,
        "due_at": task.due_at,
        "created_at": task.created_at,
        "completed_at": task.completed_at,
    }


def _police(request: HttpRequest) -> ApiToken:
    return token_in_roles(
        request,
        Scope.CASEWORK_READ,
        POLICE_ROLES,
        "Only a police token can read incidents and tasks",
    )


class IncidentFilters(PageParams):
    status: IncidentStatus | None = None
    grade: int | None = Field(default=None, ge=1, le=4)
    created_from: IsoDate | None = None
    created_to: IsoDate | None = None


@router.get("/incidents", response={200: Page[IncidentOut], **ERRORS}, summary="List incidents")
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters]) -> dict[str, Any]:
    """The force's incidents, newest first. `casework:read`, police tokens only."""
    token = _police(request)
    found = Incident.objects.for_user(token.service_user).select_related("area", "case")
    if filters.grade is not None:
        found = found.filter(grade=filters.grade)
    return filtered_page(
        found,
        status=filters.status,
        field="created_at",
        start=filters.created_from,
        end=filters.created_to,
        params=filters,
        serialise=incident_out,
    )


@router.get("/incidents/{reference}", response={200: IncidentDetailOut, **ERRORS}, summary="Read")
def read_incident(request: HttpRequest, reference: str) -> dict[str, Any]:
    """With its log and its tasks. `casework:read`, police tokens only."""
    token = _police(request)
    incident = get_for_user_or_404(Incident, token.service_user, reference=reference)
    entries = incident.entries.select_related("author").order_by("created_at", "pk")
    tasks = incident.tasks.select_related("incident", "assignee", "team")
    return {
        **incident_out(incident),
        "entries": [entry_out(e) for e in entries],
        "tasks": [task_out(t) for t in tasks],
    }


class TaskFilters(PageParams):
    status: TaskStatus | None = None
    due_from: IsoDate | None = None
    due_to: IsoDate | None = None


@router.get("/tasks", response={200: Page[TaskOut], **ERRORS}, summary="List tasks")
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]) -> dict[str, Any]:
    """The force's tasks, latest due first. `casework:read`, police tokens only."""
    token = _police(request)
    found = Task.objects.for_user(token.service_user).select_related("incident", "assignee", "team")
    return filtered_page(
        found,
        status=filters.status,
        field="due_at",
        start=filters.due_from,
        end=filters.due_to,
        params=filters,
        serialise=task_out,
    )


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="Read a task")
def read_task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    """`casework:read`, police tokens only."""
    token = _police(request)
    task = get_for_user_or_404(Task, token.service_user, pk=task_id)
    return task_out(task)
