"""The ledger: signed checkpoints for anyone, inclusion proofs for entries a token may see,
and a case export for a records management system."""

from __future__ import annotations

import base64
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from lantern.api.models import Scope
from lantern.casework.models import Case
from lantern.core.permissions import get_for_user_or_404
from lantern.evidence.models import EvidenceItem
from lantern.ledger import keys, store
from lantern.ledger.models import Action, Checkpoint
from lantern.ledger.services import ledger_record
from lantern.ledger.views import entries_for

from .core import ERRORS, Page, PageParams, paginate, token_of

router = Router(tags=["Ledger"])
exports = Router(tags=["Exports"])


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str
    timestamp: str
    signature: str


class LatestOut(Schema):
    format: str
    public_key: str
    checkpoint: CheckpointOut | None


class ProofOut(Schema):
    index: int
    entry: dict[str, Any]
    tree_size: int
    proof: list[str]
    checkpoint: CheckpointOut
    public_key: str


@router.get("/ledger/checkpoint", response={200: LatestOut}, auth=None, summary="Latest checkpoint")
def latest_checkpoint(request: HttpRequest) -> dict[str, Any]:
    """Public: the latest signed tree head and the key that signed it."""
    latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
    return {
        "format": "lantern-checkpoint-v1",
        "public_key": keys.public_key_b64(),
        "checkpoint": store.checkpoint_dict(latest) if latest else None,
    }


@router.get(
    "/ledger/checkpoints",
    response={200: Page[CheckpointOut], 422: ERRORS[422]},
    auth=None,
    summary="All checkpoints",
)
def list_checkpoints(
    request: HttpRequest,
    params: Query[PageParams],
) -> dict[str, Any]:
    """Public: every signed checkpoint, largest first, to check the log only ever grew."""
    count, pages, rows = paginate(
        Checkpoint.objects.order_by("-tree_size", "-id"), params.page, params.page_size
    )
    return {
        "count": count,
        "page": params.page,
        "pages": pages,
        "items": [store.checkpoint_dict(c) for c in rows],
    }


@router.get(
    "/ledger/entries/{index}/proof",
    response={200: ProofOut, **ERRORS},
    summary="Inclusion proof of an entry",
)
def entry_proof(request: HttpRequest, index: int) -> dict[str, Any]:
    """The entry at this index and its RFC 9162 inclusion proof in a signed checkpoint, for an
    entry made by this token's organisation (or a force's approved partners). `ledger:read`."""
    token = token_of(request, Scope.LEDGER_READ)
    entry = entries_for(token.service_user).filter(seq=index).first()
    if entry is None or entry.seq is None:
        raise Http404
    checkpoint = Checkpoint.objects.order_by("-tree_size", "-id").first()
    if checkpoint is None or checkpoint.tree_size <= entry.seq:
        checkpoint = store.checkpoint_publish()
    return {
        "index": entry.seq,
        "entry": entry.as_ledger_dict(),
        "tree_size": checkpoint.tree_size,
        "proof": [
            base64.b64encode(h).decode()
            for h in store.inclusion_proof(entry.seq, checkpoint.tree_size)
        ],
        "checkpoint": store.checkpoint_dict(checkpoint),
        "public_key": checkpoint.public_key,
    }


class CaseExport(Schema):
    format: str
    case: dict[str, Any]
    people: list[dict[str, Any]]
    objects: list[dict[str, Any]]
    locations: list[dict[str, Any]]
    events: list[dict[str, Any]]


@exports.get(
    "/cases/{reference}/export", response={200: CaseExport, **ERRORS}, summary="Export a case"
)
def export_case(request: HttpRequest, reference: str) -> dict[str, Any]:
    """Police only: a case as POLE entities (people, objects, locations, events) with
    statements and every exhibit's SHA-256, for a records management system. The export is
    recorded in the ledger against the case. `cases:export`."""
    token = token_of(request, Scope.CASES_EXPORT)
    case = get_for_user_or_404(Case, token.service_user, reference=reference)
    people: list[dict[str, Any]] = []
    if case.officer_in_charge:
        people.append({"role": "officer_in_charge", "name": str(case.officer_in_charge)})
    events: list[dict[str, Any]] = [{"type": "case_opened", "at": case.created_at.isoformat()}]
    for statement in case.statements.order_by("created_at"):
        people.append(
            {
                "role": "witness",
                "name": statement.witness_name,
                "statement": {
                    "id": statement.pk,
                    "status": statement.status,
                    "signed_at": statement.signed_at.isoformat() if statement.signed_at else None,
                    "signed_pdf_sha256": statement.signed_sha256,
                },
            }
        )
        if statement.signed_at:
            events.append(
                {
                    "type": "statement_signed",
                    "at": statement.signed_at.isoformat(),
                    "statement": statement.pk,
                }
            )
    objects: list[dict[str, Any]] = []
    items = case.evidence_items.exclude(state=EvidenceItem.State.DRAFT).prefetch_related("derived")
    for item in items.select_related("request"):
        objects.append(
            {
                "type": "exhibit",
                "exhibit_ref": item.exhibit_ref,
                "original_name": item.original_name,
                "size": item.size,
                "sha256": item.sha256,
                "content_type": item.content_type,
                "description": item.description,
                "state": item.state,
                "request_reference": item.request.reference if item.request else None,
                "derived": [
                    {"kind": d.kind, "sha256": d.sha256, "parent_sha256": d.parent_sha256}
                    for d in item.derived.all()
                ],
            }
        )
    locations: list[dict[str, Any]] = []
    for evidence_request in case.evidence_requests.order_by("created_at"):
        locations.append(
            {
                "type": "footage_location",
                "description": evidence_request.location,
                "request_reference": evidence_request.reference,
            }
        )
        events.append(
            {
                "type": "footage_requested",
                "at": evidence_request.created_at.isoformat(),
                "request": evidence_request.reference,
                "window": [
                    evidence_request.window_start.isoformat(),
                    evidence_request.window_end.isoformat(),
                ],
            }
        )
    with transaction.atomic():
        ledger_record(
            action=Action.EXPORTED,
            actor=token.service_user,
            actor_label=token.label,
            actor_org=token.organisation,
            obj=case,
            reason="Case exported through the API",
        )
    return {
        "format": "lantern-case-export-v1",
        "case": {
            "reference": case.reference,
            "title": case.title,
            "force": case.force.name,
            "created_at": case.created_at.isoformat(),
        },
        "people": people,
        "objects": objects,
        "locations": locations,
        "events": sorted(events, key=lambda e: str(e["at"])),
    }
