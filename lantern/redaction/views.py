"""Redaction pages.

Police of the item's force see and prepare redactions (editing roles change them); the
redacted copy is what leaves police access: to a partner organisation (its members see it
under "Shared with you"), to the public (an unguessable link), or to the CPS or a court.
Originals never leave through these pages.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from PIL import Image

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import Organisation, User
from lantern.core.permissions import current_membership, get_for_user_or_404, require_role
from lantern.evidence.item_views import safe_filename, stream_file
from lantern.evidence.models import EvidenceItem
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import engine, services
from .models import Redaction, RedactionSettings, Release

MAX_PREVIEW_WIDTH = 1280


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _redaction(request: HttpRequest, pk: int) -> Redaction:
    require_role(request, POLICE_ROLES)
    redaction = get_for_user_or_404(Redaction, _user(request), pk=pk)
    if not redaction.item.servable:
        raise Http404("The item was erased")
    return redaction


def _error_text(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# --- The item's redactions -----------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def item_redactions(request: HttpRequest, item_pk: int) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    item = get_for_user_or_404(EvidenceItem, _user(request), pk=item_pk)
    if item.state == EvidenceItem.State.DRAFT:
        raise Http404("Not submitted yet")
    errors: list[str] = []
    purpose = ""
    if request.method == "POST":
        purpose = request.POST.get("purpose", "")
        try:
            redaction = services.redaction_create(
                actor=_user(request), membership=membership, item=item, purpose=purpose
            )
        except ValidationError as exc:
            errors = _error_text(exc)
        else:
            return redirect("redaction:detail", redaction.pk)
    context = {
        "item": item,
        "redactions": Redaction.objects.filter(item=item).select_related("created_by", "output"),
        "media": services.media_of(item),
        "may_edit": membership.role in services.EDITOR_ROLES and item.servable,
        "errors": errors,
        "purpose": purpose,
    }
    return render(request, "redaction/item.html", context, status=400 if errors else 200)


# --- The editor ----------------------------------------------------------------------------


def _int(value: Any, default: int = 0) -> int:
    try:
        return max(0, int(str(value)))
    except (TypeError, ValueError):
        return default


def _rows(post: Any, prefix: str) -> list[dict[str, str]]:
    """Rows of the plain form: `{prefix}-{n}-{field}` for n < `{prefix}-count`; a row with
    nothing filled in (or ticked to delete) is left out."""
    count = min(_int(post.get(f"{prefix}-count")), services.MAX_BOXES + 10)
    rows = []
    for n in range(count):
        row = {
            key.split("-", 2)[2]: value
            for key, value in post.items()
            if key.startswith(f"{prefix}-{n}-")
        }
        if row.get("delete"):
            continue
        # The page's own defaults (kind, and the hidden id and origin) do not fill a row.
        filled = {
            k: v for k, v in row.items() if k not in ("kind", "id", "origin") and str(v).strip()
        }
        if not filled:
            continue
        rows.append(row)
    return rows


def parse_keyframes(text: str) -> list[list[str]]:
    """ "frame left top width height; ..." as lists of five strings."""
    found = []
    for part in text.replace("\n", ";").split(";"):
        values = part.replace(",", " ").split()
        if values:
            found.append(values)
    return found


def boxes_from_post(post: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    boxes: list[dict[str, Any]] = []
    for row in _rows(post, "box"):
        box: dict[str, Any] = dict(row)
        box["track"] = bool(row.get("track"))
        box["keyframes"] = parse_keyframes(row.get("keyframes", ""))
        boxes.append(box)
    segments: list[dict[str, Any]] = list(_rows(post, "seg"))
    return boxes, segments


def _keyframes_text(box: dict[str, Any]) -> str:
    return "; ".join(" ".join(str(v) for v in k) for k in box.get("keyframes") or [])


@require_http_methods(["GET", "HEAD", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = current_membership(request)
    redaction = _redaction(request, pk)
    errors: list[str] = []
    boxes: list[dict[str, Any]] = list(redaction.boxes)
    segments: list[dict[str, Any]] = list(redaction.audio_segments)
    if request.method == "POST":
        boxes, segments = boxes_from_post(request.POST)
        try:
            services.redaction_save(
                actor=_user(request),
                membership=membership,
                redaction=redaction,
                boxes=boxes,
                audio_segments=segments,
            )
        except ValidationError as exc:
            errors = _error_text(exc)
        else:
            messages.success(request, "Boxes saved")
            return redirect(
                f"{reverse('redaction:detail', args=[pk])}?n={_int(request.GET.get('n'))}"
            )
    else:
        with transaction.atomic():
            ledger_record(
                action=Action.VIEWED,
                actor=_user(request),
                actor_org=membership.organisation,
                obj=redaction,
                object_sha256=redaction.source_sha256,
                reason="Redaction page viewed",
            )
    return _detail_page(
        request, redaction, membership, errors=errors, boxes=boxes, segments=segments
    )


def _detail_page(
    request: HttpRequest,
    redaction: Redaction,
    membership: Any,
    *,
    errors: list[str] | None = None,
    boxes: list[dict[str, Any]] | None = None,
    segments: list[dict[str, Any]] | None = None,
    release_errors: list[str] | None = None,
) -> HttpResponse:
    """The redaction page; after a refused release its form shows what was entered."""
    errors = errors or []
    release_errors = release_errors or []
    boxes = list(redaction.boxes) if boxes is None else boxes
    segments = list(redaction.audio_segments) if segments is None else segments
    frame = _int(request.GET.get("n"))
    info = redaction.item.media_info or {}
    video = info.get("video") or {}
    rows = [
        {**b, "keyframes_text": _keyframes_text(b) if isinstance(b.get("keyframes"), list) else ""}
        for b in boxes
    ]
    blank = {"kind": "blur" if redaction.media != Redaction.Media.PDF else "fill"}
    context = {
        "redaction": redaction,
        "item": redaction.item,
        "errors": errors,
        "rows": [*rows, blank],
        "segments": [*segments, {"kind": "mute"}],
        "frame": frame,
        "frame_rate": video.get("frame_rate") or 25,
        "pending": [s for s in redaction.suggestions if s.get("status") == "pending"],
        "decided": [s for s in redaction.suggestions if s.get("status") != "pending"],
        "may_edit": membership.role in services.EDITOR_ROLES and redaction.editable,
        "may_approve": membership.role in services.APPROVER_ROLES,
        "releases": redaction.releases.select_related("partner", "requested_by", "decided_by"),
        "audiences": Release.Audience.choices,
        "partners": services.partners_of(redaction.force),
        "second_person": services.needs_second_person(redaction.force),
        "is_video": redaction.media == Redaction.Media.VIDEO,
        "is_pdf": redaction.media == Redaction.Media.PDF,
        "user_name": _user(request).get_username(),
        "suggesting": redaction.suggesting_since is not None
        and timezone.now() - redaction.suggesting_since < services.SUGGEST_STALE,
        "release_errors": release_errors,
        "release_values": request.POST if release_errors else {},
    }
    failed = errors or release_errors
    return render(request, "redaction/detail.html", context, status=400 if failed else 200)


def _picture(redaction: Redaction, index: int, redacted: bool) -> Image.Image:
    workdir = Path(tempfile.mkdtemp(prefix="lantern-redaction-view-"))
    boxes = redaction.boxes if redacted else []
    try:
        source = services.local_source(redaction, workdir)
        if redaction.media == Redaction.Media.VIDEO:
            return engine.video_frame(source, index, boxes)
        if redaction.media == Redaction.Media.PDF:
            return engine.pdf_page(source, max(1, index), boxes)
        return engine.image_preview(source, boxes)
    except ValueError as exc:
        raise Http404("Nothing to show") from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _jpeg(picture: Image.Image) -> HttpResponse:
    out = io.BytesIO()
    picture.convert("RGB").save(out, "JPEG", quality=85)
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def source_picture(request: HttpRequest, pk: int) -> HttpResponse:
    """The picture, video frame (`?n=`) or PDF page (`?n=`) to draw boxes on."""
    redaction = _redaction(request, pk)
    return _jpeg(_picture(redaction, _int(request.GET.get("n")), redacted=False))


@require_safe
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The same with the saved boxes applied, as the redacted copy will show it."""
    redaction = _redaction(request, pk)
    return _jpeg(_picture(redaction, _int(request.GET.get("n")), redacted=True))


@require_POST
def suggest(request: HttpRequest, pk: int) -> HttpResponse:
    membership = current_membership(request)
    redaction = _redaction(request, pk)
    try:
        found = services.redaction_suggest(
            actor=_user(request), membership=membership, redaction=redaction
        )
    except ValidationError as exc:
        messages.error(request, " ".join(_error_text(exc)))
    else:
        if found is None:
            text = (
                "Lantern is looking for faces and number plates in the video. It can take a "
                "few minutes: refresh this page to see what it found."
            )
        elif found:
            text = f"{found} possible face(s) or number plate(s) found: accept or reject each"
        else:
            text = "No faces or number plates were found. Check the picture yourself."
        messages.success(request, text)
    return redirect("redaction:detail", pk)


@require_POST
def decide(request: HttpRequest, pk: int, suggestion: str) -> HttpResponse:
    membership = current_membership(request)
    redaction = _redaction(request, pk)
    try:
        services.redaction_decide(
            actor=_user(request),
            membership=membership,
            redaction=redaction,
            suggestion=suggestion,
            accept=request.POST.get("decision") == "accept",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(_error_text(exc)))
    return redirect("redaction:detail", pk)


@require_POST
def produce(request: HttpRequest, pk: int) -> HttpResponse:
    membership = current_membership(request)
    redaction = _redaction(request, pk)
    try:
        services.redaction_produce(actor=_user(request), membership=membership, redaction=redaction)
    except ValidationError as exc:
        messages.error(request, " ".join(_error_text(exc)))
    else:
        messages.success(request, "The redacted copy is being made. Refresh in a minute.")
    return redirect("redaction:detail", pk)


def _serve_output(
    request: HttpRequest, redaction: Redaction, reason: str, actor_org: Organisation | None
) -> HttpResponse | StreamingHttpResponse:
    output = redaction.output
    if output is None:
        raise Http404("No redacted copy yet")
    stem = safe_filename(redaction.item.exhibit_ref or redaction.item.original_name)
    name = f"{stem.rsplit('.', 1)[0]}-redacted{Path(output.file.name or '').suffix}"
    response, first = stream_file(
        request, output.file, sha256=output.sha256, content_type=output.content_type,
        download_name=name if request.GET.get("download") == "1" else "",
    )  # fmt: skip
    if first and request.method == "GET":
        with transaction.atomic():
            ledger_record(
                action=Action.DOWNLOADED,
                actor=_user(request) if request.user.is_authenticated else None,
                actor_label="" if request.user.is_authenticated else "public",
                actor_org=actor_org,
                obj=redaction,
                object_sha256=output.sha256,
                reason=reason,
                detail={"derived_id": output.pk, "range": request.headers.get("Range", "")[:100]},
            )
    return response


@require_safe
def output(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    membership = current_membership(request)
    redaction = _redaction(request, pk)
    return _serve_output(request, redaction, "Redacted copy opened", membership.organisation)


# --- Releases ------------------------------------------------------------------------------


@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    membership = current_membership(request)
    redaction = _redaction(request, pk)
    partner = None
    partner_id = _int(request.POST.get("partner"), -1)
    if partner_id > 0:
        partner = Organisation.objects.filter(pk=partner_id).first()
    try:
        made = services.release_request(
            actor=_user(request),
            membership=membership,
            redaction=redaction,
            audience=request.POST.get("audience", ""),
            partner=partner,
            reason=request.POST.get("reason", ""),
            available_until=_date_or_error(request.POST.get("available_until", "")),
        )
    except ValidationError as exc:
        return _detail_page(request, redaction, membership, release_errors=_error_text(exc))
    else:
        messages.success(
            request,
            "Released"
            if made.status == Release.Status.RELEASED
            else "Asked for release: another investigator or supervisor must approve it",
        )
    return redirect("redaction:detail", pk)


def _date_or_error(value: str) -> date | None:
    """An optional date from a date field (YYYY-MM-DD), or a plain-English error."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            {"available_until": "Enter the last day as a real date, like 2026-12-31"}
        ) from None


def _act_on_release(
    request: HttpRequest, pk: int, act: Callable[..., Release], done: str = "", **values: Any
) -> HttpResponse:
    """A police decision on a release: the service says what is refused and why."""
    membership = require_role(request, POLICE_ROLES)
    found = get_for_user_or_404(Release, _user(request), pk=pk)
    try:
        act(actor=_user(request), membership=membership, release=found, **values)
    except ValidationError as exc:
        messages.error(request, " ".join(_error_text(exc)))
    else:
        if done:
            messages.success(request, done)
    return redirect("redaction:detail", found.redaction_id)


@require_POST
def release_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_on_release(
        request, pk, services.release_decide, approve=request.POST.get("decision") == "approve"
    )


@require_POST
def release_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_on_release(
        request,
        pk,
        services.release_withdraw,
        done="Release withdrawn: the copy is no longer shared",
        reason=request.POST.get("reason", ""),
    )


@require_safe
def shared(request: HttpRequest) -> HttpResponse:
    """Redacted copies released to the user's organisation (partners)."""
    membership = current_membership(request)
    if membership.role in POLICE_ROLES:
        raise PermissionDenied
    releases = Release.objects.for_user(_user(request)).select_related(
        "redaction", "redaction__item", "redaction__output", "redaction__force"
    )
    return render(request, "redaction/shared.html", {"releases": releases})


@require_safe
def shared_file(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    membership = current_membership(request)
    found = get_for_user_or_404(Release, _user(request), pk=pk)
    if found.status != Release.Status.RELEASED or found.has_ended:
        raise Http404("Not released, or no longer available")
    return _serve_output(
        request, found.redaction, f"Released redacted copy opened (release {found.pk})",
        membership.organisation,
    )  # fmt: skip


@login_not_required
@require_safe
def public_file(request: HttpRequest, token: str) -> HttpResponse | StreamingHttpResponse:
    found = (
        Release.objects.open_to_public()
        .filter(public_token=token)
        .select_related("redaction")
        .first()
    )
    if found is None or not found.redaction.item.servable:
        raise Http404("No such appeal picture")
    return _serve_output(request, found.redaction, "Public appeal copy opened", None)


@require_http_methods(["GET", "HEAD", "POST"])
def force_settings(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, frozenset({Role.FORCE_ADMIN}))
    choice = request.POST.get("second_person")
    if request.method == "POST" and choice in ("yes", "no"):
        services.redaction_settings_save(
            actor=_user(request), membership=membership, needs_second_person=choice == "yes"
        )
        messages.success(request, "Saved")
        return redirect("redaction:settings")
    setting = RedactionSettings.objects.filter(force=membership.organisation).first()
    errors = ["Choose yes or no"] if request.method == "POST" else []
    context = {
        "second_person": setting.release_needs_second_person if setting else True,
        "errors": errors,
    }
    return render(request, "redaction/settings.html", context, status=400 if errors else 200)
