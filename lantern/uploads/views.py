"""tus 1.0.0 endpoints: `/uploads/` (OPTIONS, POST) and `/uploads/<uuid>/` (OPTIONS, HEAD,
PATCH, DELETE). Parsing and answers only; every write is in services.py.

Why these views are CSRF-exempt and open to people without an account, and why that is safe:

- Public and partner recipients of an upload link have no account, so the views are exempt
  from LoginRequiredMiddleware. Authorization is by principal instead (principals.py): a
  request without one cannot create uploads (403) and sees none (404), and an upload is
  visible only to the principal that created it.
- tus clients send no CSRF token, so the views are csrf_exempt. Because the principal may
  come from the session cookie, a hostile page could otherwise make a visitor's browser
  upload cross-site. It cannot: every tus request except OPTIONS must carry the
  `Tus-Resumable` header or is refused with 412, and a browser sends a custom header
  cross-origin only after a CORS preflight, which this app never approves (no
  Access-Control-Allow-* headers anywhere). A plain HTML form cannot set headers at all.
  The session cookie is also SameSite=Lax, which keeps it off cross-site fetches.
- OPTIONS changes nothing and reveals only the server's capabilities.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from . import conf, services
from .models import Upload
from .protocol import ProtocolError, format_metadata, parse_checksum, parse_metadata, parse_uint
from .services import AppendResult, BodyReader, UploadError

if TYPE_CHECKING:
    from lantern.accounts.models import User

logger = logging.getLogger(__name__)

OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
REASONS = {460: "Checksum Mismatch"}
COLLECTION_METHODS = ("OPTIONS", "POST")
RESOURCE_METHODS = ("OPTIONS", "HEAD", "PATCH", "DELETE")


def _answer(status: int, message: str = "", headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        message + ("\n" if message else ""),
        status=status,
        content_type="text/plain; charset=utf-8",
        reason=REASONS.get(status),
    )
    response["Tus-Resumable"] = conf.TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 423:
        response["Retry-After"] = "1"
    return response


def _method(request: HttpRequest) -> str:
    """tus lets clients behind restrictive proxies send X-HTTP-Method-Override."""
    override = request.headers.get("X-HTTP-Method-Override", "").strip().upper()
    return override or (request.method or "").upper()


def _options() -> HttpResponse:
    return _answer(
        204,
        headers={
            "Tus-Version": conf.TUS_VERSION,
            "Tus-Extension": conf.TUS_EXTENSIONS,
            "Tus-Checksum-Algorithm": ",".join(conf.CHECKSUM_ALGORITHMS),
            "Tus-Max-Size": str(conf.max_bytes()),
        },
    )


def _precheck(request: HttpRequest, method: str, allowed: tuple[str, ...]) -> HttpResponse | None:
    if method not in allowed:
        return _answer(405, "Method not allowed", {"Allow": ", ".join(allowed)})
    if request.headers.get("Tus-Resumable") != conf.TUS_VERSION:
        return _answer(412, "Tus-Resumable: 1.0.0 is required", {"Tus-Version": conf.TUS_VERSION})
    return None


def _principal(request: HttpRequest) -> str | None:
    return conf.principal_func()(request)


def _actor(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]


def _expires(upload: Upload) -> dict[str, str]:
    if upload.expires_at is None or upload.is_complete:
        return {}
    return {"Upload-Expires": http_date(upload.expires_at.timestamp())}


def _body(request: HttpRequest) -> tuple[BodyReader, int | None] | HttpResponse:
    """The request body as a stream, never `request.body` (whole file in memory, refused by
    DATA_UPLOAD_MAX_MEMORY_SIZE), with its length, or None when chunked."""
    raw_length = request.META.get("CONTENT_LENGTH") or ""
    if raw_length:
        try:
            return request, parse_uint(raw_length, "Content-Length")
        except ProtocolError as exc:
            return _answer(400, str(exc))
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # Django reads no body without Content-Length; a WSGI server that de-chunks and ends
        # the input stream (gunicorn) says so with wsgi.input_terminated.
        stream = request.META.get("wsgi.input")
        if request.META.get("wsgi.input_terminated") and stream is not None:
            return stream, None
        return _answer(411, "Send Content-Length with the body")
    return request, 0


def _append_answer(result: AppendResult, status: int, extra: dict[str, str]) -> HttpResponse:
    upload = result.upload
    headers = {"Upload-Offset": str(upload.offset), **_expires(upload), **extra}
    if result.interrupted:
        kept = "none were kept" if result.checksum_failed else "the bytes received were kept"
        return _answer(400, f"The body ended before Content-Length: {kept}", headers)
    if result.checksum_failed and status == 204:
        return _answer(
            services.STATUS_CHECKSUM_MISMATCH,
            "Upload-Checksum does not match the body: it was discarded",
            headers,
        )
    return _answer(status, "", headers)


def _tus_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open to link recipients without an account, CSRF-exempt (see the module docstring);
    every UploadError becomes its answer."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except ProtocolError as exc:
            response = _answer(400, str(exc))
        except UploadError as exc:
            response = _answer(exc.status, exc.message)
        if request.method == "HEAD":
            response.content = b""
        return response

    return csrf_exempt(login_not_required(wrapped))


@_tus_view
def collection(request: HttpRequest) -> HttpResponse:
    """OPTIONS: capabilities. POST: create an upload (with its first bytes, if sent)."""
    method = _method(request)
    if method == "OPTIONS":
        return _options()
    refused = _precheck(request, method, COLLECTION_METHODS)
    if refused is not None:
        return refused
    principal = _principal(request)
    if principal is None:
        return _answer(403, "You are not allowed to upload here")
    if request.headers.get("Upload-Defer-Length") is not None:
        return _answer(400, "Upload-Defer-Length is not supported: send Upload-Length")
    length = parse_uint(request.headers.get("Upload-Length"), "Upload-Length")
    metadata = parse_metadata(request.headers.get("Upload-Metadata"))
    if length > conf.max_bytes():
        return _answer(413, f"Upload-Length exceeds the maximum of {conf.max_bytes()} bytes")
    refusal = conf.create_policy()(request, principal, length, metadata)
    if refusal:
        return _answer(403, refusal)

    body = _body(request)
    if isinstance(body, HttpResponse):
        return body
    stream, content_length = body
    # Like tusd, a body counts only with the tus content type (clients send none otherwise).
    with_data = content_length != 0 and request.content_type == OFFSET_CONTENT_TYPE
    checksum = parse_checksum(request.headers.get("Upload-Checksum")) if with_data else None
    if with_data and content_length is not None and content_length > length:
        return _answer(413, "The body is longer than Upload-Length")

    actor = _actor(request)
    upload = services.upload_create(
        principal=principal, length=length, metadata=metadata, actor=actor
    )
    location = request.build_absolute_uri(reverse("uploads:upload", args=[upload.pk]))
    result = AppendResult(upload, 0)
    if with_data:
        result = services.upload_append(
            upload=upload,
            offset=0,
            body=stream,
            content_length=content_length,
            checksum=checksum,
            actor=actor,
        )
    # Created even if the first bytes failed their checksum: Upload-Offset says what to
    # send next, so the client carries on with PATCH.
    return _append_answer(result, 201, {"Location": location})


def _find(request: HttpRequest, upload_id: uuid.UUID) -> Upload | HttpResponse:
    """The upload if this request's principal created it and it is live, else 404 (never
    403: another party's upload is indistinguishable from none). Expired: 410."""
    principal = _principal(request)
    if principal is None:
        return _answer(404, "Upload not found")
    upload = Upload.objects.for_principal(principal).live().filter(pk=upload_id).first()
    if upload is None:
        return _answer(404, "Upload not found")
    if upload.is_expired():
        return _answer(410, "This upload has expired")
    return upload


@_tus_view
def upload(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    """HEAD: the durable offset. PATCH: append. DELETE: terminate."""
    method = _method(request)
    if method == "OPTIONS":
        return _options()
    refused = _precheck(request, method, RESOURCE_METHODS)
    if refused is not None:
        return refused
    found = _find(request, upload_id)
    if isinstance(found, HttpResponse):
        return found
    if method == "HEAD":
        return _head(found)
    if method == "DELETE":
        services.upload_terminate(upload=found, actor=_actor(request))
        return _answer(204)
    return _patch(request, found)


def _head(upload: Upload) -> HttpResponse:
    """The stored offset is only ever written after fsync, so it is what a client can
    resume from, even while another request is streaming bytes past it."""
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        **_expires(upload),
    }
    if upload.metadata:
        headers["Upload-Metadata"] = format_metadata(upload.metadata)
    return _answer(200, "", headers)


def _patch(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != OFFSET_CONTENT_TYPE:
        return _answer(415, f"PATCH needs Content-Type: {OFFSET_CONTENT_TYPE}")
    offset = parse_uint(request.headers.get("Upload-Offset"), "Upload-Offset")
    checksum = parse_checksum(request.headers.get("Upload-Checksum"))
    body = _body(request)
    if isinstance(body, HttpResponse):
        return body
    stream, content_length = body
    result = services.upload_append(
        upload=upload,
        offset=offset,
        body=stream,
        content_length=content_length,
        checksum=checksum,
        actor=_actor(request),
    )
    return _append_answer(result, 204, {})
