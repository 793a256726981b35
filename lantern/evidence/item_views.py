"""Evidence items: the item page, playback of the working copy, stills and the original.

Who may do what:
- The item page (metadata, hashes, state) is for anyone who can see the item's request:
  police of the force that asked, and the organisation asked (the people who uploaded it).
  Everyone else gets a 404, recorded as a refused access.
- Playing the working copy, seeing stills and downloading the original or working copy are
  for police of that force only (partners get a recorded 403), and only while the item is
  servable (checked and not erased).

Every view of the page, every playback (its first request: no Range, or a Range starting at
byte 0) and every download is written to the ledger with the SHA-256 of what was served.
Files stream from storage in 1 MiB pieces with HTTP Range support, so a 20 GB original or
an hour of video needs no more memory than a short clip.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Membership, User
from lantern.core.permissions import current_membership, get_for_user_or_404, require_role
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .encryption import EncryptedFileCorrupt
from .models import DerivedFile, EvidenceItem

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
MEDIA_ROLES = POLICE_ROLES
PICTURE_KINDS = (DerivedFile.Kind.STILL, DerivedFile.Kind.THUMBNAIL, DerivedFile.Kind.WEB_IMAGE)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _item(request: HttpRequest, pk: int) -> EvidenceItem:
    item = get_for_user_or_404(EvidenceItem, _user(request), pk=pk)
    if item.state == EvidenceItem.State.DRAFT:
        raise Http404("Not submitted yet")
    return item


def _servable(request: HttpRequest, pk: int) -> tuple[EvidenceItem, Membership]:
    """The item, for police of its force, if anything may be served from it."""
    item = _item(request, pk)
    membership = require_role(request, MEDIA_ROLES)
    if not item.servable:
        raise Http404("Nothing can be served from this item")
    return item, membership


# --- Streaming with HTTP Range (RFC 9110 section 14) -------------------------------------


class Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive byte range asked for, or None to send the whole file (no header, or
    one we ignore: another unit, several ranges, bad syntax). Unsatisfiable if it starts
    past the end or asks for an empty suffix."""
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


class RangeFile:
    """Iterates `length` bytes from `start` of an open storage file, then closes it (also
    when the response is closed before it was read)."""

    def __init__(self, handle: IO[bytes], start: int, length: int) -> None:
        self.handle = handle
        self.start = start
        self.length = length

    def __iter__(self) -> Iterator[bytes]:
        if self.length <= 0:
            return
        s3_object = getattr(self.handle, "obj", None)
        if s3_object is not None and type(self.handle).__name__ == "S3File":
            # django-storages' S3File would copy the whole object on the first read: ask S3
            # for just the range and stream it.
            end = self.start + self.length - 1
            body = s3_object.get(Range=f"bytes={self.start}-{end}")["Body"]
            try:
                while chunk := body.read(CHUNK):
                    yield chunk
            finally:
                body.close()
            return
        self.handle.seek(self.start)
        remaining = self.length
        while remaining > 0:
            chunk = self.handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.handle.close()


def stream_file(
    request: HttpRequest,
    field_file: FieldFile,
    *,
    sha256: str,
    content_type: str,
    download_name: str = "",
) -> tuple[HttpResponse | StreamingHttpResponse, bool]:
    """A 200, 206 or 416 response streaming the stored file, and whether it is the start of
    a playback or download (served from byte 0), which is what the ledger records."""
    storage, name = field_file.storage, field_file.name
    if not name:
        raise Http404("No stored file")
    try:
        size = storage.size(name)
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The stored file is missing") from exc
    etag = f'"{sha256}"'
    header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() != etag:
        header = ""  # the client's copy is of other bytes: send them all
    try:
        byte_range = parse_range(header, size) if header else None
    except Unsatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        _common_headers(refused, etag)
        return refused, False
    start, end = byte_range if byte_range is not None else (0, size - 1)
    length = end - start + 1 if size else 0
    try:
        handle = storage.open(name, "rb")
        if length and type(handle).__name__ != "S3File":
            # An encrypted file authenticates the chunk served first before any header is
            # sent, so a damaged file gets a page that says so rather than a cut-off stream.
            handle.seek(start)
            handle.read(1)
    except EncryptedFileCorrupt:
        logger.error("Stored file %s failed authentication when served", name)
        return render(request, "evidence/integrity_failed.html", status=500), False
    response = StreamingHttpResponse(
        RangeFile(handle, start, length),
        status=206 if byte_range is not None else 200,
        content_type=content_type,
    )
    response["Content-Length"] = str(length)
    if byte_range is not None:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if download_name:
        disposition = content_disposition_header(True, download_name)
        response["Content-Disposition"] = disposition or "attachment"
    _common_headers(response, etag)
    return response, start == 0


def _common_headers(response: HttpResponse | StreamingHttpResponse, etag: str) -> None:
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"


def safe_filename(name: str, fallback: str = "evidence") -> str:
    """A file name safe to offer for download: no folders, control characters or quotes."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if unicodedata.category(c).startswith("C") or c in '"<>:|?*;' else c for c in name
    )
    name = name.strip(" .")[:150]
    return name or fallback


# --- Pages and files ----------------------------------------------------------------------


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "Not known"
    whole = timedelta(seconds=round(float(seconds), 1))
    hours, rest = divmod(whole.total_seconds(), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours)}:{int(minutes):02d}:{secs:04.1f}"


def media_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    """The metadata read from the file, as (label, value) rows for a summary list."""
    if not info:
        return []
    rows: list[tuple[str, str]] = []
    if info.get("kind") == "image":
        rows.append(("Picture", f"{info.get('width')} × {info.get('height')} pixels"))
        rows.append(("Format", str(info.get("container_name") or info.get("container"))))
        if info.get("camera"):
            rows.append(("Camera", str(info["camera"])))
    else:
        rows.append(("Duration", _duration(info.get("duration_seconds"))))
        rows.append(("Container", str(info.get("container_name") or info.get("container"))))
        video = info.get("video")
        if video:
            rate = f", {video['frame_rate']:g} frames a second" if video.get("frame_rate") else ""
            rows.append(
                (
                    "Video",
                    f"{video.get('codec_name') or video.get('codec')}, "
                    f"{video.get('width')} × {video.get('height')} pixels{rate}",
                )
            )
        audio = info.get("audio")
        rows.append(
            (
                "Sound",
                f"{audio.get('codec_name') or audio.get('codec')}, "
                f"{audio.get('sample_rate')} Hz, {audio.get('channels')} channel(s)"
                if audio
                else "None",
            )
        )
    if info.get("creation_time"):
        rows.append(("Recorded (from the file)", str(info["creation_time"])))
    if info.get("read_with"):
        rows.append(("Read with", str(info["read_with"])))
    return rows


def _clock_offset(seconds: int | None) -> str:
    if seconds is None:
        return "Not given"
    if seconds == 0:
        return "Correct"
    way = "ahead of" if seconds > 0 else "behind"
    return f"{abs(seconds)} seconds {way} the real time"


def _uploaded_by(item: EvidenceItem) -> str:
    if item.uploaded_by.startswith("evidence-link:") and item.request is not None:
        return f"{item.request.recipient_label}, through the request link"
    return item.uploaded_by


@require_safe
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    membership = current_membership(request)
    may_play = membership.role in MEDIA_ROLES and item.servable
    derived = list(item.derived.all()) if may_play else []
    working = next((d for d in derived if d.kind == DerivedFile.Kind.WORKING_COPY), None)
    web_image = next((d for d in derived if d.kind == DerivedFile.Kind.WEB_IMAGE), None)
    stills = sorted(
        (d for d in derived if d.kind in (DerivedFile.Kind.STILL, DerivedFile.Kind.THUMBNAIL)),
        key=lambda d: d.position_seconds or 0,
    )
    shown = [d for d in (web_image, *stills) if d is not None]
    with transaction.atomic():
        ledger_record(
            action=Action.VIEWED,
            actor=_user(request),
            actor_org=membership.organisation,
            obj=item,
            object_sha256=item.sha256,
            reason="Evidence item page viewed",
            detail={
                "pictures_shown": [
                    {"derived_id": d.pk, "kind": d.kind, "sha256": d.sha256} for d in shown
                ]
            },
        )
    context = {
        "item": item,
        "req": item.request,
        "police": membership.role in POLICE_ROLES,
        "may_play": may_play,
        "working": working,
        "web_image": web_image,
        "stills": [(d, _duration(d.position_seconds)) for d in stills],
        "media_rows": media_rows(item.media_info),
        "clock_offset": _clock_offset(item.clock_offset_seconds),
        "uploaded_by": _uploaded_by(item),
        "duration": _duration(item.media_info.get("duration_seconds")),
        "being_prepared": may_play
        and item.state == EvidenceItem.State.READY
        and not derived
        and item.content_type.startswith(("video/", "image/")),
    }
    return render(request, "evidence/item_detail.html", context)


def _record(
    request: HttpRequest,
    membership: Membership,
    item: EvidenceItem,
    action: Action,
    sha256: str,
    reason: str,
    detail: dict[str, Any],
) -> None:
    with transaction.atomic():
        ledger_record(
            action=action,
            actor=_user(request),
            actor_org=membership.organisation,
            obj=item,
            object_sha256=sha256,
            reason=reason,
            detail={**detail, "range": request.headers.get("Range", "")[:100]},
        )


@require_safe
def item_play(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """The working copy, for the <video> element (Range requests) or, with ?download=1,
    as a file to save."""
    item, membership = _servable(request, pk)
    working = item.derived.filter(kind=DerivedFile.Kind.WORKING_COPY).first()
    if working is None:
        raise Http404("No working copy")
    download = request.GET.get("download") == "1"
    name = ""
    if download:
        stem = safe_filename(item.exhibit_ref or item.original_name).rsplit(".", 1)[0]
        name = f"{stem}-working-copy.mp4"
    response, first = stream_file(
        request, working.file, sha256=working.sha256, content_type="video/mp4", download_name=name
    )
    if first and request.method == "GET":
        _record(
            request,
            membership,
            item,
            Action.DOWNLOADED if download else Action.PLAYED,
            working.sha256,
            "Working copy downloaded" if download else "Working copy played",
            {"derived_id": working.pk, "kind": working.kind, "parent_sha256": item.sha256},
        )
    return response


@require_safe
def item_download(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """The original, exactly as received."""
    item, membership = _servable(request, pk)
    response, first = stream_file(
        request,
        item.original,
        sha256=item.sha256,
        content_type="application/octet-stream",
        download_name=safe_filename(item.original_name),
    )
    if first and request.method == "GET":
        _record(
            request, membership, item, Action.DOWNLOADED, item.sha256, "Original downloaded", {}
        )
    return response


@require_safe
def item_still(
    request: HttpRequest, pk: int, derived_pk: int
) -> HttpResponse | StreamingHttpResponse:
    """A still, thumbnail or web-sized picture (recorded with the page that shows it)."""
    item, _ = _servable(request, pk)
    picture = item.derived.filter(pk=derived_pk, kind__in=PICTURE_KINDS).first()
    if picture is None:
        raise Http404("No such picture")
    response, _ = stream_file(
        request, picture.file, sha256=picture.sha256, content_type=picture.content_type
    )
    return response
