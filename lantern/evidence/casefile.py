"""Exhibits, links, retention, two-person deletion and the case bundle for the CPS."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lantern.accounts.choices import Role
from lantern.accounts.models import Membership, User
from lantern.casework.models import Case
from lantern.ledger import store
from lantern.ledger.models import Action, Entry
from lantern.ledger.services import ledger_record

from .models import (
    RETENTION_REVIEW_DAYS,
    DeletionRequest,
    DerivedFile,
    EvidenceItem,
    EvidenceLink,
    RetentionClass,
)

EDITORS = frozenset({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})
DELETERS = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR, Role.FORCE_ADMIN})
APPROVERS = frozenset({Role.SUPERVISOR, Role.FORCE_ADMIN})
_EXHIBIT = re.compile(r"^[A-Z]{1,4}/\d{1,4}$")


def _require(membership: Membership, roles: frozenset[str], case: Case) -> None:
    if membership.role not in roles or membership.organisation_id != case.force_id:
        raise PermissionDenied


def suggest_exhibit_ref(user: User, case: Case) -> str:
    initials = (user.first_name[:1] + user.last_name[:1]).upper() or "EX"
    taken = set(case.evidence_items.values_list("exhibit_ref", flat=True))
    n = 1
    while f"{initials}/{n}" in taken:
        n += 1
    return f"{initials}/{n}"


def item_set_exhibit(*, actor: User, membership: Membership, item: EvidenceItem, ref: str) -> None:
    _require(membership, EDITORS, item.case)
    ref = ref.strip().upper()
    if not _EXHIBIT.match(ref):
        raise ValidationError("Enter an exhibit reference like OA/1: initials, a slash, a number")
    if item.case.evidence_items.exclude(pk=item.pk).filter(exhibit_ref=ref).exists():
        raise ValidationError(f"{ref} is already used in this case")
    with transaction.atomic():
        old = item.exhibit_ref
        item.exhibit_ref = ref
        item.save(update_fields=["exhibit_ref"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=item,
            object_sha256=item.sha256,
            detail={"old": {"exhibit_ref": old}, "new": {"exhibit_ref": ref}},
        )


def item_link(
    *,
    actor: User,
    membership: Membership,
    item: EvidenceItem,
    kind: str,
    label: str,
    other: EvidenceItem | None,
) -> EvidenceLink:
    _require(membership, EDITORS, item.case)
    if kind == EvidenceLink.Kind.ITEM:
        if other is None or other.case_id != item.case_id or other.pk == item.pk:
            raise ValidationError("Choose another exhibit in the same case")
    elif not label.strip():
        raise ValidationError("Enter who or where this links to")
    with transaction.atomic():
        link = EvidenceLink.objects.create(
            item=item, kind=kind, label=label.strip(), other_item=other, created_by=actor
        )
        ledger_record(
            action=Action.LINKED,
            actor=actor,
            actor_org=membership.organisation,
            obj=item,
            object_sha256=item.sha256,
            detail={"kind": kind, "label": link.label, "other_item": other.pk if other else None},
        )
    return link


def item_set_retention(
    *, actor: User, membership: Membership, item: EvidenceItem, retention_class: str
) -> None:
    _require(membership, DELETERS | EDITORS, item.case)
    if retention_class not in RetentionClass.values:
        raise ValidationError("Choose a retention group")
    with transaction.atomic():
        old = (item.retention_class, item.review_date.isoformat() if item.review_date else "")
        item.retention_class = retention_class
        item.review_date = (
            item.created_at + timedelta(days=RETENTION_REVIEW_DAYS[RetentionClass(retention_class)])
        ).date()
        item.save(update_fields=["retention_class", "review_date"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=item,
            detail={
                "old": {"retention_class": old[0], "review_date": old[1]},
                "new": {
                    "retention_class": retention_class,
                    "review_date": item.review_date.isoformat(),
                },
            },
        )


def deletion_request(
    *, actor: User, membership: Membership, item: EvidenceItem, reason: str
) -> DeletionRequest:
    _require(membership, DELETERS, item.case)
    if item.erased_at is not None:
        raise ValidationError("This exhibit has already been erased")
    if item.deletions.filter(decided_at__isnull=True).exists():
        raise ValidationError("A deletion of this exhibit is already waiting for approval")
    with transaction.atomic():
        request = DeletionRequest.objects.create(item=item, reason=reason, requested_by=actor)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=item,
            object_sha256=item.sha256,
            reason=reason,
            detail={"deletion_requested": request.pk},
        )
    return request


def deletion_decide(
    *, actor: User, membership: Membership, request: DeletionRequest, approve: bool
) -> None:
    """A second, different authorised person approves; only then are the bytes removed.
    The item's row and every ledger entry about it stay."""
    item = request.item
    _require(membership, APPROVERS, item.case)
    if request.requested_by_id == actor.pk:
        raise ValidationError("A different person must approve a deletion you asked for")
    if request.decided_at is not None:
        raise ValidationError("This deletion has already been decided")
    with transaction.atomic():
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.approved = approve
        request.save(update_fields=["decided_by", "decided_at", "approved"])
        if not approve:
            ledger_record(
                action=Action.REFUSED,
                actor=actor,
                actor_org=membership.organisation,
                obj=item,
                reason="Deletion refused",
                detail={"deletion_request": request.pk},
            )
            return
        names = [item.original.name] + [d.file.name for d in item.derived.all()]
        for derived in item.derived.all():
            ledger_record(
                action=Action.ERASED,
                actor=actor,
                actor_org=membership.organisation,
                obj=item,
                object_sha256=derived.sha256,
                reason=request.reason,
                detail={"derived": derived.kind, "approved_deletion": request.pk},
            )
        ledger_record(
            action=Action.ERASED,
            actor=actor,
            actor_org=membership.organisation,
            obj=item,
            object_sha256=item.sha256,
            reason=request.reason,
            detail={
                "requested_by": request.requested_by.get_username(),
                "approved_deletion": request.pk,
            },
        )
        item.erased_at = timezone.now()
        item.save(update_fields=["erased_at"])
        storage = item.original.storage

        def remove_bytes() -> None:
            for name in names:
                if name:
                    storage.delete(name)

        transaction.on_commit(remove_bytes)


# --- The case bundle ------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """A write-only stream that hands out what was written: lets zipfile stream a ZIP."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks = []
        return out


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or "file"


def _exhibit_name(item: EvidenceItem) -> str:
    return (item.exhibit_ref or f"ITEM-{item.pk}").replace("/", "-")


def _signed_statements(case: Case) -> Any:
    from lantern.statements.models import Statement

    return Statement.objects.filter(case=case, status=Statement.Status.SIGNED)


def bundle_items(case: Case) -> list[EvidenceItem]:
    return list(
        case.evidence_items.filter(erased_at__isnull=True)
        .filter(Q(state=EvidenceItem.State.READY) | Q(state=EvidenceItem.State.ORIGINAL_ONLY))
        .prefetch_related("derived", "links")
        .order_by("exhibit_ref", "pk")
    )


README = """Case bundle for {case} ({title}), exported from Lantern for {force}.

Contents
- files/          the exhibits: {what}
- manifest.json   every file with its SHA-256, size, exhibit reference and, for working
                  copies, the SHA-256 of the original it was made from and how it was made
- exhibits.csv    the exhibit list
- SHA256SUMS      check the files with: sha256sum -c SHA256SUMS
- custody.json    the custody history of each exhibit from the ledger, with the signed
                  checkpoint and an inclusion proof of every entry

Checking the custody history
1. Get {force}'s ledger public key from a source you trust (not only this bundle).
2. Run: python -m lantern.ledger.verify --public-key <key> custody.json
   (Lantern's verifier needs only Python and the 'cryptography' package; the format is
   documented in docs/ledger-format.md so you can write your own.)
3. Every file's SHA-256 in SHA256SUMS should appear in custody.json as the object_sha256
   of the entry that recorded it.
"""


def bundle_stream(
    *, actor: User, membership: Membership, case: Case, working_copies: bool
) -> Iterator[bytes]:
    """The ZIP, produced as it is sent: files are read in 1 MiB pieces, never held whole."""
    _require(membership, EDITORS | APPROVERS, case)
    items = bundle_items(case)
    if not items and not _signed_statements(case).exists():
        raise ValidationError("There are no checked exhibits or signed statements to export")
    with transaction.atomic():
        ledger_record(
            action=Action.EXPORTED,
            actor=actor,
            actor_org=membership.organisation,
            obj=case,
            reason="Case bundle for the CPS",
            detail={"items": [i.pk for i in items], "working_copies": working_copies},
        )
    checkpoint = store.checkpoint_publish()
    object_ids = [str(i.pk) for i in items]
    statement_ids = [str(pk) for pk in _signed_statements(case).values_list("pk", flat=True)]
    entries = Entry.objects.filter(
        Q(object_type="evidence.evidenceitem", object_id__in=object_ids)
        | Q(object_type="casework.case", object_id=str(case.pk))
        | Q(object_type="statements.statement", object_id__in=statement_ids)
    ).order_by("seq")
    custody = store.bundle_for(entries, checkpoint)
    # Signed MG11s only: the restricted rear page is never disclosed, so never exported.
    statements = list(_signed_statements(case).exclude(signed_pdf=""))

    files: list[tuple[str, EvidenceItem, IO[bytes] | None, DerivedFile | None]] = []
    for item in items:
        working = next(
            (d for d in item.derived.all() if d.kind == DerivedFile.Kind.WORKING_COPY), None
        )
        chosen = working if working_copies and working is not None else None
        name = f"files/{_exhibit_name(item)}-{_safe(item.original_name)}"
        if chosen is not None:
            name = f"files/{_exhibit_name(item)}-working-copy.mp4"
        files.append((name, item, None, chosen))

    def generate() -> Iterator[bytes]:
        sink = _Sink()
        manifest = []
        sums = []
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, item, _, derived in files:
                source = derived.file if derived is not None else item.original
                digest = hashlib.sha256()
                size = 0
                with source.open("rb") as handle, zf.open(name, "w", force_zip64=True) as out:
                    while chunk := handle.read(1 << 20):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                        yield sink.take()
                expected = derived.sha256 if derived is not None else item.sha256
                if digest.hexdigest() != expected:
                    raise RuntimeError(f"{name} does not match its recorded SHA-256")
                sums.append(f"{expected}  {name}")
                manifest.append(
                    {
                        "file": name,
                        "sha256": expected,
                        "size": size,
                        "exhibit_ref": item.exhibit_ref,
                        "original_name": item.original_name,
                        "description": item.description,
                        "kind": "working copy" if derived else "original",
                        "original_sha256": item.sha256,
                        "recipe": derived.recipe if derived is not None else None,
                        "clock_offset_seconds": item.clock_offset_seconds,
                    }
                )
            exhibits = io.StringIO()
            writer = csv.writer(exhibits)
            writer.writerow(
                ["Exhibit", "File", "Description", "Original SHA-256", "Received", "From"]
            )
            for _, item, _, _ in files:
                writer.writerow(
                    [
                        item.exhibit_ref,
                        item.original_name,
                        item.description,
                        item.sha256,
                        item.created_at.isoformat(),
                        item.request.recipient_label if item.request else "",
                    ]
                )
            for statement in statements:
                name = f"statements/MG11-{_safe(statement.witness_name)}-{statement.pk}.pdf"
                with statement.signed_pdf.open("rb") as handle:
                    data = handle.read()
                if hashlib.sha256(data).hexdigest() != statement.signed_sha256:
                    raise RuntimeError(f"{name} does not match its recorded SHA-256")
                zf.writestr(name, data)
                sums.append(f"{statement.signed_sha256}  {name}")
                manifest.append(
                    {
                        "file": name,
                        "sha256": statement.signed_sha256,
                        "size": len(data),
                        "kind": "signed MG11 witness statement",
                        "witness": statement.witness_name,
                    }
                )
                yield sink.take()
            zf.writestr(
                "manifest.json", json.dumps({"case": case.reference, "files": manifest}, indent=1)
            )
            zf.writestr("exhibits.csv", exhibits.getvalue())
            zf.writestr("SHA256SUMS", "\n".join(sums) + "\n")
            zf.writestr("custody.json", json.dumps(custody, indent=1, ensure_ascii=False))
            zf.writestr(
                "README.txt",
                README.format(
                    case=case.reference,
                    title=case.title,
                    force=case.force.name,
                    what="working copies where chosen, otherwise the originals"
                    if working_copies
                    else "the originals, exactly as received",
                ),
            )
        yield sink.take()

    return generate()
