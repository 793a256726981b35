"""Expectation builders and shared objects for the URL × role sweep.

Each app lists its own URLs in `lantern/<app>/tests/sweep.py` (a dict `EXPECTED`, built with
these helpers); `tests/test_url_sweep.py` lists the older apps' URLs and merges the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lantern.accounts.choices import MANAGER_ROLES, POLICE_ROLES, Role
from lantern.accounts.tests.factories import World
from lantern.evidence.services import REQUESTER_ROLES
from lantern.reports.services import RETAIL_ROLES as REPORT_RETAIL_ROLES

ROLES = [r.value for r in Role]
ACTORS = ["anon"] + ROLES + [f"{r}_b" for r in ROLES]


def _role(actor: str) -> str:
    return actor.removesuffix("_b")


def _outsider(actor: str) -> bool:
    return actor.endswith("_b")


def everyone(outcome: Any, anon: Any = "login") -> Callable[[str], Any]:
    return lambda actor: anon if actor == "anon" else outcome


def managers(ok: Any = 200, own_org_only: bool = False) -> Callable[[str], Any]:
    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if _role(actor) not in MANAGER_ROLES:
            return 403
        if own_org_only and (actor != "force_admin"):
            return 404
        return ok

    return expect


def force_admin(ok: Any = 200, object_of_force_a: bool = False) -> Callable[[str], Any]:
    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if _role(actor) != Role.FORCE_ADMIN:
            return 403
        if object_of_force_a and _outsider(actor):
            return 404
        return ok

    return expect


def roles(allowed: set[str], ok: Any = 200) -> Callable[[str], Any]:
    return lambda actor: "login" if actor == "anon" else (ok if _role(actor) in allowed else 403)


def evidence_request(w: World) -> dict[str, Any]:
    """A request from force A to council A's control room (made once per world)."""
    from datetime import date, timedelta

    from django.utils import timezone

    from lantern.casework.models import Case
    from lantern.evidence.models import EvidenceRequest

    existing = EvidenceRequest.objects.first()
    if existing is None:
        case = Case.objects.create(force=w.orgs["force"], reference="NP1", title="Theft")
        existing = EvidenceRequest.objects.create(
            force=w.orgs["force"],
            case=case,
            created_by=w.user("officer"),
            recipient_kind="control_room",
            control_room=w.orgs["council"].control_rooms.get(),
            location="High St",
            window_start=timezone.now() - timedelta(days=1),
            window_end=timezone.now(),
            reason="Theft",
            deadline=date.today() + timedelta(days=3),
        )
    return {"reference": existing.reference}


def case_a(w: World) -> dict[str, Any]:
    from lantern.evidence.models import EvidenceRequest

    evidence_request(w)
    return {"pk": EvidenceRequest.objects.get().case_id}


def item_a(w: World) -> dict[str, Any]:
    """A checked exhibit that council A sent for force A's request (other apps' sweep rows
    may add items with no request, such as an officer's scene photos: not this one)."""
    from django.core.files.base import ContentFile

    from lantern.evidence.models import EvidenceItem, EvidenceRequest

    evidence_request(w)
    request = EvidenceRequest.objects.get()
    item = EvidenceItem.objects.filter(request=request).first()
    if item is None:
        item = EvidenceItem(
            request=request,
            case=request.case,
            original_name="cam.mp4",
            size=4,
            sha256="0" * 64,
            state="ready",
            uploaded_by="evidence-link:1",
        )
        item.original.save("cam.mp4", ContentFile(b"data"), save=False)
        item.save()
    return {"pk": item.pk}


def police_of_force_a(allowed: frozenset[str] | set[str] = POLICE_ROLES) -> Callable[[str], Any]:
    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if _role(actor) not in POLICE_ROLES:
            return 403
        if actor.endswith("_b"):
            return 404
        return 200 if _role(actor) in allowed else 403

    return expect


def statement_a(w: World) -> dict[str, Any]:
    from datetime import date

    from lantern.casework.models import Case
    from lantern.statements.models import Statement

    existing = Statement.objects.first()
    if existing is None:
        case, _ = Case.objects.get_or_create(
            force=w.orgs["force"], reference="NP2", defaults={"title": "Assault"}
        )
        existing = Statement.objects.create(
            force=w.orgs["force"],
            case=case,
            officer=w.user("officer"),
            witness_name="W",
            witness_dob=date(1980, 1, 1),
            eligible=True,
        )
    return {"pk": existing.pk}


def retail_report_a(w: World) -> dict[str, Any]:
    """A report submitted by store A's staff to force A (made once per world)."""
    from django.utils import timezone

    from lantern.reports.models import RetailReport

    existing = RetailReport.objects.first()
    if existing is None:
        store = w.stores["store"]
        existing = RetailReport.objects.create(
            store=store,
            company=store.company,
            force=store.area.force,
            reported_by=w.user("store_staff"),
            reference="RC-2026-000001",
            occurred_at=timezone.now(),
            kind="theft",
            description="Theft",
            status="received",
            submitted_at=timezone.now(),
        )
    return {"pk": existing.pk}


def seen_by_force_a_and_store_a(actor: str) -> Any:
    if actor == "anon":
        return "login"
    if actor.endswith("_b"):
        return 404
    return 200 if _role(actor) in POLICE_ROLES | REPORT_RETAIL_ROLES else 404


def retail_of_store_a(ok: Any) -> Callable[[str], Any]:
    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if _role(actor) not in REPORT_RETAIL_ROLES:
            return 403
        return 404 if actor.endswith("_b") else ok

    return expect


def seen_by_force_a_and_council_a(actor: str) -> Any:
    if actor == "anon":
        return "login"
    if actor.endswith("_b"):
        return 404
    return 200 if _role(actor) in POLICE_ROLES | {Role.CCTV_OPERATOR, Role.CCTV_MANAGER} else 404


def requesters_of_force_a(actor: str) -> Any:
    if actor == "anon":
        return "login"
    if _role(actor) not in REQUESTER_ROLES:
        return 403
    return 404 if actor.endswith("_b") else 200


def item_for(police: Any, council: Any) -> Callable[[str], Any]:
    """An item of force A's request to council A: its page for both, its files for police."""

    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if actor.endswith("_b"):
            return 404
        if _role(actor) in POLICE_ROLES:
            return police
        return council if _role(actor) in {Role.CCTV_OPERATOR, Role.CCTV_MANAGER} else 404

    return expect


def mfa_users(with_mfa: Any, without_mfa: Any) -> Callable[[str], Any]:
    optional = {Role.STORE_STAFF, Role.CCTV_OPERATOR}
    return lambda actor: (
        "login" if actor == "anon" else (without_mfa if _role(actor) in optional else with_mfa)
    )


Expectations = dict[str, tuple[Callable[[World], dict[str, Any]], Callable[[str], Any]]]
