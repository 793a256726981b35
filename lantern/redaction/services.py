"""Redactions: create, edit, suggestions, producing the redacted copy, and releases.

Every change is written to the ledger with who did it. Producing runs in the background
(`redaction_produce_task`); the original is only read, and the copy is stored as an evidence
DerivedFile of kind "redacted" with its own SHA-256 and the SHA-256 of what it was made from.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import Membership, Organisation, User
from lantern.evidence.media import stored_chunks
from lantern.evidence.models import DerivedFile, EvidenceItem
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .models import Redaction, RedactionSettings, Release, new_public_token

REDACTED_KIND = DerivedFile.Kind.REDACTED.value  # DerivedFile.kind of a redacted copy
EDITOR_ROLES = frozenset({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR, Role.ANALYST})
APPROVER_ROLES = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
ACTOR = "lantern redaction"
BOX_KINDS = ("blur", "fill")
AUDIO_KINDS = ("mute", "bleep")
MAX_BOXES = 200
CHUNK = 1 << 20


def _require(membership: Membership, roles: frozenset[str], item: EvidenceItem) -> None:
    if membership.role not in roles:
        raise PermissionDenied("Your role cannot redact evidence")
    if item.case.force_id != membership.organisation_id:
        raise PermissionDenied("This item belongs to another force")


def media_of(item: EvidenceItem) -> str | None:
    if item.content_type == "application/pdf":
        return Redaction.Media.PDF
    if item.content_type.startswith("image/"):
        return Redaction.Media.IMAGE
    if item.derived.filter(kind=DerivedFile.Kind.WORKING_COPY).exists():
        return Redaction.Media.VIDEO
    return None


def redaction_create(
    *, actor: User, membership: Membership, item: EvidenceItem, purpose: str
) -> Redaction:
    _require(membership, EDITOR_ROLES, item)
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError({"purpose": "Say what the redacted copy is for"})
    if not item.servable:
        raise ValidationError("This item has not passed its checks, or was erased")
    media = media_of(item)
    if media is None:
        raise ValidationError("Only pictures, PDFs and videos with a working copy can be redacted")
    source = None
    sha = item.sha256
    if media == Redaction.Media.VIDEO:
        source = item.derived.get(kind=DerivedFile.Kind.WORKING_COPY)
        sha = source.sha256
    with transaction.atomic():
        redaction = Redaction.objects.create(
            item=item,
            force=item.case.force,
            media=media,
            purpose=purpose[:200],
            source_derived=source,
            source_sha256=sha,
            created_by=actor,
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=membership.organisation,
            obj=redaction,
            object_sha256=sha,
            reason=f"Redaction started: {redaction.purpose}",
            detail={"item_id": item.pk, "media": media, "source_sha256": sha},
        )
    return redaction


# --- Boxes ---------------------------------------------------------------------------------


def _number(value: Any, label: str, minimum: float = 0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label} must be a number") from None
    if number != number or number < minimum or number > 1e6:
        raise ValidationError(f"{label} must be a number from {minimum:g} up")
    return number


def clean_box(raw: dict[str, Any], media: str, position: int) -> dict[str, Any]:
    """A box as stored: numbers checked, kind one of blur/fill, frames in order."""
    label = f"Box {position}"
    kind = str(raw.get("kind") or "blur")
    if kind not in BOX_KINDS:
        raise ValidationError(f"{label}: choose blur or solid fill")
    if media == Redaction.Media.PDF:
        kind = "fill"  # text is removed, not blurred
    box: dict[str, Any] = {
        "id": str(raw.get("id") or f"b{position}")[:20],
        "kind": kind,
        "x": round(_number(raw.get("x"), f"{label}: left")),
        "y": round(_number(raw.get("y"), f"{label}: top")),
        "w": round(_number(raw.get("w"), f"{label}: width", 1)),
        "h": round(_number(raw.get("h"), f"{label}: height", 1)),
        "origin": str(raw.get("origin") or "person")[:20],
    }
    if media == Redaction.Media.PDF:
        box["page"] = int(_number(raw.get("page") or 1, f"{label}: page", 1))
    if media == Redaction.Media.VIDEO:
        start = int(_number(raw.get("start") or 0, f"{label}: first frame"))
        end_raw = raw.get("end")
        end = None if end_raw in (None, "") else int(_number(end_raw, f"{label}: last frame"))
        if end is not None and end < start:
            raise ValidationError(f"{label}: the last frame is before the first")
        box.update(start=start, end=end, track=bool(raw.get("track")))
        keyframes = []
        for k in raw.get("keyframes") or []:
            if len(k) != 5:
                raise ValidationError(
                    f"{label}: a correction needs frame, left, top, width, height"
                )
            keyframes.append(
                [int(_number(k[0], f"{label}: correction frame"))]
                + [round(_number(v, f"{label}: correction")) for v in k[1:]]
            )
        box["keyframes"] = sorted(keyframes)
    return box


def clean_segment(raw: dict[str, Any], position: int) -> dict[str, Any]:
    label = f"Sound segment {position}"
    kind = str(raw.get("kind") or "mute")
    if kind not in AUDIO_KINDS:
        raise ValidationError(f"{label}: choose mute or bleep")
    start = _number(raw.get("start"), f"{label}: start")
    end = _number(raw.get("end"), f"{label}: end")
    if end <= start:
        raise ValidationError(f"{label}: the end must be after the start")
    return {"kind": kind, "start": round(start, 3), "end": round(end, 3)}


def canonical(value: Any) -> Any:
    """Ledger details hold no floats (they are not canonical): seconds become strings."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def _record(
    actor: User,
    membership: Membership,
    redaction: Redaction,
    reason: str,
    detail: dict[str, Any],
    action: Action = Action.CHANGED,
) -> None:
    """A person's change to a redaction, in the ledger (details made canonical)."""
    ledger_record(
        action=action,
        actor=actor,
        actor_org=membership.organisation,
        obj=redaction,
        object_sha256=redaction.source_sha256,
        reason=reason,
        detail=canonical(detail),
    )


def redaction_save(
    *,
    actor: User,
    membership: Membership,
    redaction: Redaction,
    boxes: list[dict[str, Any]],
    audio_segments: list[dict[str, Any]] | None = None,
) -> Redaction:
    _require(membership, EDITOR_ROLES, redaction.item)
    if not redaction.editable:
        raise ValidationError("This redaction has been produced: start a new one to change it")
    if len(boxes) > MAX_BOXES:
        raise ValidationError(f"At most {MAX_BOXES} boxes")
    cleaned = [clean_box(b, redaction.media, i) for i, b in enumerate(boxes, start=1)]
    segments = (
        [clean_segment(s, i) for i, s in enumerate(audio_segments or [], start=1)]
        if redaction.media == Redaction.Media.VIDEO
        else []
    )
    with transaction.atomic():
        redaction.boxes = cleaned
        redaction.audio_segments = segments
        redaction.save(update_fields=["boxes", "audio_segments"])
        _record(
            actor,
            membership,
            redaction,
            "Redaction boxes saved",
            {"boxes": cleaned, "audio_segments": segments},
            action=Action.CHANGED,
        )
    return redaction


# --- Reading the source --------------------------------------------------------------------


def local_source(redaction: Redaction, workdir: Path) -> Path:
    """A local copy of what the redaction is made from, checked against its SHA-256 (the
    original or working copy is only read; encrypted or remote storage is streamed)."""
    field = redaction.source_derived.file if redaction.source_derived else redaction.item.original
    suffix = Path(field.name or "").suffix[:10]
    path = workdir / f"source{suffix}"
    digest = hashlib.sha256()
    with path.open("xb") as target:
        for chunk in stored_chunks(field.storage, field.name or ""):
            digest.update(chunk)
            target.write(chunk)
    if digest.hexdigest() != redaction.source_sha256:
        raise ValueError("The source no longer matches its recorded SHA-256")
    return path


# --- Suggestions ---------------------------------------------------------------------------


# A search older than this is taken to have died with its worker and may be asked again.
SUGGEST_STALE = timedelta(hours=1)


def redaction_suggest(*, actor: User, membership: Membership, redaction: Redaction) -> int | None:
    """Look for faces and number plates and offer them as suggestions (never applied until
    a person accepts each). A picture is searched at once and the count returned; a video,
    which can take minutes, in the background (returns None; the page shows the result)."""
    _require(membership, EDITOR_ROLES, redaction.item)
    if redaction.media == Redaction.Media.PDF or not redaction.editable:
        raise ValidationError("Suggestions are for pictures and videos being prepared")
    if redaction.media == Redaction.Media.IMAGE:
        return _suggestions_store(redaction.pk, actor, membership, _suggestions_find(redaction))
    from .tasks import redaction_suggest_task

    with transaction.atomic():
        locked = Redaction.objects.select_for_update().get(pk=redaction.pk)
        since = locked.suggesting_since
        if since is not None and timezone.now() - since < SUGGEST_STALE:
            raise ValidationError(
                "Lantern is already looking for faces in this video. Refresh the page in a "
                "minute or two to see what it found."
            )
        locked.suggesting_since = timezone.now()
        locked.suggest_note = ""
        locked.save(update_fields=["suggesting_since", "suggest_note"])
        _record(actor, membership, locked, "Asked to look for faces and number plates", {})
        transaction.on_commit(
            partial(redaction_suggest_task.enqueue, redaction.pk, actor.pk, membership.pk)
        )
    return None


def suggest_in_background(redaction_id: int, actor_id: int, membership_id: int) -> int:
    """The background search of a video (the task). Run again after a crash, it searches
    again only if no result was stored."""
    redaction = Redaction.objects.get(pk=redaction_id)
    if redaction.suggesting_since is None:
        return 0
    actor = User.objects.get(pk=actor_id)
    membership = Membership.objects.get(pk=membership_id)
    try:
        found = _suggestions_find(redaction)
    except Exception as error:  # an unreadable video: say so on the page, do not retry
        with transaction.atomic():
            Redaction.objects.filter(pk=redaction_id).update(
                suggesting_since=None,
                suggest_note=f"Lantern could not look for faces in this video: {error}"[:300],
            )
        return 0
    return _suggestions_store(redaction_id, actor, membership, found)


def _suggestions_find(redaction: Redaction) -> list[dict[str, Any]]:
    import numpy as np
    from PIL import Image, ImageOps

    from . import engine

    workdir = Path(tempfile.mkdtemp(prefix="lantern-redaction-"))
    try:
        source = local_source(redaction, workdir)
        if redaction.media == Redaction.Media.IMAGE:
            with Image.open(source) as picture:
                rgb = np.array(ImageOps.exif_transpose(picture).convert("RGB"))
            return list(engine.suggest(rgb))
        return list(engine.suggest_in_video(source))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _suggestions_store(
    redaction_id: int, actor: User, membership: Membership, found: list[dict[str, Any]]
) -> int:
    """Keep what was found as pending suggestions, replacing undecided ones; ledgered."""
    with transaction.atomic():
        redaction = Redaction.objects.select_for_update().get(pk=redaction_id)
        kept = [s for s in redaction.suggestions if s.get("status") != "pending"]
        base = len(redaction.suggestions)
        new = [
            {**hit, "id": f"s{base + i}", "status": "pending", "kind": "blur"}
            for i, hit in enumerate(found, start=1)
        ]
        redaction.suggestions = kept + new
        redaction.suggesting_since = None
        redaction.suggest_note = (
            f"Lantern looked for faces and number plates at {timezone.localtime():%H:%M}: "
            + (
                f"{len(new)} found. Accept or reject each."
                if new
                else "none found. Check it yourself."
            )
        )
        redaction.save(update_fields=["suggestions", "suggesting_since", "suggest_note"])
        _record(
            actor,
            membership,
            redaction,
            f"Looked for faces and number plates: {len(new)} suggested",
            {"suggestions": new, "detector": "OpenCV Haar cascades"},
            action=Action.CHANGED,
        )
    return len(new)


def redaction_decide(
    *, actor: User, membership: Membership, redaction: Redaction, suggestion: str, accept: bool
) -> None:
    _require(membership, EDITOR_ROLES, redaction.item)
    if not redaction.editable:
        raise ValidationError("This redaction has been produced")
    with transaction.atomic():
        redaction = Redaction.objects.select_for_update().get(pk=redaction.pk)
        chosen = next(
            (
                s
                for s in redaction.suggestions
                if s["id"] == suggestion and s["status"] == "pending"
            ),
            None,
        )
        if chosen is None:
            raise ValidationError("That suggestion has already been decided")
        chosen["status"] = "accepted" if accept else "rejected"
        chosen["decided_by"] = actor.get_username()
        if accept:
            box = {k: v for k, v in chosen.items() if k not in ("status", "decided_by")}
            box["id"] = chosen["id"]
            redaction.boxes = [
                *redaction.boxes,
                clean_box(box, redaction.media, len(redaction.boxes) + 1),
            ]
        redaction.save(update_fields=["suggestions", "boxes"])
        _record(
            actor,
            membership,
            redaction,
            f"Suggested {chosen.get('origin', 'box')} " + ("accepted" if accept else "rejected"),
            {"suggestion": chosen},
            action=Action.APPROVED if accept else Action.REFUSED,
        )


# --- Producing the redacted copy -----------------------------------------------------------


def redaction_produce(*, actor: User, membership: Membership, redaction: Redaction) -> None:
    """Queue the redacted copy (made by a background worker)."""
    from .tasks import redaction_produce_task

    _require(membership, EDITOR_ROLES, redaction.item)
    if not redaction.editable:
        raise ValidationError("The redacted copy has already been made or is being made")
    if not redaction.boxes and not redaction.audio_segments:
        raise ValidationError("Add at least one box (or sound segment) before making the copy")
    with transaction.atomic():
        redaction.status = Redaction.Status.QUEUED
        redaction.status_reason = ""
        redaction.produced_by = actor
        redaction.save(update_fields=["status", "status_reason", "produced_by"])
        _record(
            actor,
            membership,
            redaction,
            "Redacted copy asked for",
            {"boxes": redaction.boxes, "audio_segments": redaction.audio_segments},
            action=Action.CHANGED,
        )
        transaction.on_commit(partial(redaction_produce_task.enqueue, redaction.pk))


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def produce(redaction_id: int) -> str:
    """Make the redacted copy (the background task's work). Idempotent."""
    from . import engine

    redaction = Redaction.objects.select_related("item", "source_derived").get(pk=redaction_id)
    if redaction.status != Redaction.Status.QUEUED:
        return str(redaction.status)
    workdir = Path(tempfile.mkdtemp(prefix="lantern-redaction-"))
    try:
        try:
            source = local_source(redaction, workdir)
            recipe: dict[str, Any]
            if redaction.media == Redaction.Media.IMAGE:
                output = workdir / "redacted.png"
                done = engine.redact_image(source, output, redaction.boxes)
                content_type = "image/png"
                recipe = {"tool": "OpenCV + Pillow", "result": done}
            elif redaction.media == Redaction.Media.VIDEO:
                output = workdir / "redacted.mp4"
                result = engine.redact_video(
                    source, output, redaction.boxes, redaction.audio_segments
                )
                content_type = "video/mp4"
                recipe = {
                    "tool": "PyAV + OpenCV",
                    "encoder": f"libx264 preset {engine.VIDEO_PRESET} crf {engine.VIDEO_CRF}",
                    "frames": result.frames,
                    "seconds": round(result.seconds, 3),
                    "frames_covered": result.covered,
                }
            else:
                output = workdir / "redacted.pdf"
                done = engine.redact_pdf(source, output, redaction.boxes)
                content_type = "application/pdf"
                recipe = {"tool": "pypdfium2 + fpdf2 + pypdf", "result": done}
        except (ValueError, OSError, RuntimeError) as exc:
            _failed(redaction.pk, str(exc))
            return "failed"
        digest, size = _sha256(output)
        return _store(redaction.pk, output, digest, size, content_type, recipe)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _failed(redaction_id: int, reason: str) -> None:
    with transaction.atomic():
        redaction = Redaction.objects.select_for_update().get(pk=redaction_id)
        redaction.status = Redaction.Status.FAILED
        redaction.status_reason = reason[:300]
        redaction.save(update_fields=["status", "status_reason"])
        ledger_record(
            action=Action.CHANGED,
            actor_label=ACTOR,
            obj=redaction,
            object_sha256=redaction.source_sha256,
            reason=f"Redacted copy could not be made: {reason[:200]}",
        )


def _store(
    redaction_id: int,
    output: Path,
    digest: str,
    size: int,
    content_type: str,
    recipe: dict[str, Any],
) -> str:
    with transaction.atomic():
        redaction = Redaction.objects.select_for_update().get(pk=redaction_id)
        if redaction.status != Redaction.Status.QUEUED:
            return str(redaction.status)
        item = redaction.item
        recipe = {
            **recipe,
            "redaction_id": redaction.pk,
            "original_sha256": item.sha256,
            "boxes": redaction.boxes,
            "audio_segments": redaction.audio_segments,
            "made_for": redaction.produced_by.get_username() if redaction.produced_by else "",
        }
        derived = DerivedFile(
            item=item,
            kind=REDACTED_KIND,
            content_type=content_type,
            size=size,
            sha256=digest,
            parent_sha256=redaction.source_sha256,
            recipe=recipe,
        )
        with output.open("rb") as handle:
            derived.file.save(
                f"item{item.pk}-redacted-{digest[:16]}{output.suffix}", File(handle), save=False
            )
        derived.save()
        redaction.output = derived
        redaction.status = Redaction.Status.PRODUCED
        redaction.produced_at = timezone.now()
        redaction.save(update_fields=["output", "status", "produced_at"])
        ledger_record(
            action=Action.CREATED,
            actor_label=ACTOR,
            obj=redaction,
            object_sha256=digest,
            reason="Redacted copy made",
            detail={
                "derived_id": derived.pk,
                "item_id": item.pk,
                "parent_sha256": redaction.source_sha256,
                "original_sha256": item.sha256,
                "size": size,
                "boxes": len(redaction.boxes),
            },
        )
    return str(Redaction.Status.PRODUCED)


# --- Releases ------------------------------------------------------------------------------


def needs_second_person(force: Organisation) -> bool:
    setting = RedactionSettings.objects.filter(force=force).first()
    return True if setting is None else setting.release_needs_second_person


def redaction_settings_save(
    *, actor: User, membership: Membership, needs_second_person: bool
) -> RedactionSettings:
    if membership.role != Role.FORCE_ADMIN:
        raise PermissionDenied("Only a force administrator changes this")
    with transaction.atomic():
        setting, _ = RedactionSettings.objects.get_or_create(force=membership.organisation)
        setting.release_needs_second_person = needs_second_person
        setting.save()
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=setting,
            reason="Release approval rule changed",
            detail={"release_needs_second_person": needs_second_person},
        )
    return setting


def partners_of(force: Organisation) -> list[Organisation]:
    """Active partner organisations the force has approved."""
    return list(
        Organisation.objects.filter(
            approvals__force=force, approvals__status="approved", status="active"
        )
        .exclude(kind="force")
        .distinct()
    )


def release_request(
    *,
    actor: User,
    membership: Membership,
    redaction: Redaction,
    audience: str,
    partner: Organisation | None,
    reason: str,
    available_until: date | None = None,
) -> Release:
    """Ask for a release (or release at once where the force needs no second person). A
    partner or public release may have a last day, after which it ends by itself."""
    _require(membership, EDITOR_ROLES, redaction.item)
    if redaction.status != Redaction.Status.PRODUCED or redaction.output is None:
        raise ValidationError("Make the redacted copy before releasing it")
    if audience not in Release.Audience.values:
        raise ValidationError({"audience": "Choose who it is for"})
    if audience == Release.Audience.PARTNER:
        if partner is None or partner not in partners_of(redaction.force):
            raise ValidationError({"partner": "Choose a partner organisation of the force"})
    else:
        partner = None
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is being released"})
    if audience == Release.Audience.COURT:
        available_until = None  # recorded only: the court's copy is not served from here
    if available_until is not None and available_until < timezone.localdate():
        raise ValidationError({"available_until": "The last day must be today or later"})
    second = needs_second_person(redaction.force)
    with transaction.atomic():
        release = Release.objects.create(
            redaction=redaction,
            audience=audience,
            partner=partner,
            reason=reason.strip(),
            requested_by=actor,
            available_until=available_until,
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=membership.organisation,
            obj=release,
            object_sha256=redaction.output.sha256,
            reason=f"Release asked for: {release.get_audience_display()}",
            detail={
                "redaction_id": redaction.pk,
                "partner": partner.name if partner else "",
                "needs_second_person": second,
                "available_until": available_until.isoformat() if available_until else None,
            },
        )
        if not second:
            _release(release, actor, membership)
    return release


def _release(release: Release, actor: User, membership: Membership) -> None:
    release.status = Release.Status.RELEASED
    release.decided_by = actor
    release.decided_at = timezone.now()
    if release.audience == Release.Audience.PUBLIC:
        release.public_token = new_public_token()
    release.save(update_fields=["status", "decided_by", "decided_at", "public_token"])
    output = release.redaction.output
    assert output is not None
    ledger_record(
        action=Action.SHARED,
        actor=actor,
        actor_org=membership.organisation,
        obj=release,
        object_sha256=output.sha256,
        reason=f"Redacted copy released: {release.get_audience_display()}",
        detail={
            "redaction_id": release.redaction_id,
            "derived_id": output.pk,
            "partner": release.partner.name if release.partner else "",
        },
    )


def _require_release_approver(membership: Membership, release: Release, verb: str) -> None:
    if membership.role not in APPROVER_ROLES:
        raise PermissionDenied(f"Only investigators and supervisors {verb} releases")
    if release.redaction.force_id != membership.organisation_id:
        raise PermissionDenied("This release belongs to another force")


def release_decide(
    *, actor: User, membership: Membership, release: Release, approve: bool
) -> Release:
    """A second person approves (or refuses) a release: never the one who asked for it."""
    _require_release_approver(membership, release, "approve")
    if release.status != Release.Status.PENDING:
        raise ValidationError("This release has already been decided")
    if release.requested_by_id == actor.pk:
        raise ValidationError("A second person must approve: you asked for this release")
    with transaction.atomic():
        if approve:
            ledger_record(
                action=Action.APPROVED,
                actor=actor,
                actor_org=membership.organisation,
                obj=release,
                reason="Release approved by a second person",
                detail={"requested_by": release.requested_by.get_username()},
            )
            _release(release, actor, membership)
        else:
            release.status = Release.Status.REFUSED
            release.decided_by = actor
            release.decided_at = timezone.now()
            release.save(update_fields=["status", "decided_by", "decided_at"])
            ledger_record(
                action=Action.REFUSED,
                actor=actor,
                actor_org=membership.organisation,
                obj=release,
                reason="Release refused",
            )
    return release


def release_withdraw(
    *, actor: User, membership: Membership, release: Release, reason: str
) -> Release:
    """Stop a release at once: the partner no longer sees the copy and the public link
    answers 404. One person may stop what two agreed to start. Copies already downloaded
    cannot be recalled; the ledger says when it stopped and why."""
    _require_release_approver(membership, release, "withdraw")
    if release.status != Release.Status.RELEASED:
        raise ValidationError("Only a released copy can be withdrawn")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Enter why the release is withdrawn")
    with transaction.atomic():
        release.status = Release.Status.WITHDRAWN
        release.save(update_fields=["status"])
        ledger_record(
            action=Action.DISABLED,
            actor=actor,
            actor_org=membership.organisation,
            obj=release,
            reason=reason[:300],
            detail={
                "audience": release.audience,
                "partner": release.partner.name if release.partner else "",
            },
        )
    return release


def is_police(membership: Membership) -> bool:
    return membership.role in POLICE_ROLES
