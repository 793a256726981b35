"""The v1 API object: token authentication, scopes, RFC 9457 problem details, paging."""

from __future__ import annotations

import logging
import re
import threading
from datetime import date, datetime, time
from typing import Annotated, Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle
from pydantic import BaseModel, BeforeValidator, Strict

from lantern.api.models import ApiToken
from lantern.api.services import IdempotencyConflict, token_for_secret
from lantern.core import ratelimit
from lantern.core.addresses import client_address
from lantern.core.ratelimit import parse_rate

logger = logging.getLogger(__name__)
PROBLEM_TYPE = "application/problem+json"
DOCS_BASE = "/api/v1/docs/#problem-"
T = TypeVar("T")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
)


def _iso(pattern: re.Pattern[str], kind: type) -> Any:
    def check(value: Any) -> Any:
        """Only ISO 8601 text: pydantic would otherwise take 0 as 1 January 1970."""
        if isinstance(value, kind) or (isinstance(value, str) and pattern.fullmatch(value)):
            return value
        raise ValueError("Give an ISO 8601 date" + (" and time" if kind is datetime else ""))

    return BeforeValidator(check)


IsoDate = Annotated[date, _iso(_ISO_DATE, date)]
IsoDateTime = Annotated[datetime, _iso(_ISO_DATETIME, datetime)]
StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[dict[str, Any]] | None = None


class ScopeMissing(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class TokenAuth(HttpBearer):
    """`Authorization: Bearer lnt_...`: a usable token of an active organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_for_secret(token)
        if found is not None:
            request.api_token = found  # type: ignore[attr-defined]
        return found


class TokenRate(BaseThrottle):
    """`API_RATE` requests per token (default 600 a minute), or per client address for the
    operations that need no token: one integration's loop cannot starve the others or the
    web pages. Over it: 429 with Retry-After. Counted after authentication, so a bad token
    is a 401, not a count against the token it tried to be."""

    _wait = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        token: ApiToken | None = getattr(request, "api_token", None)
        if token is not None:
            ident = f"token:{token.token_hash}"
        else:
            ident = f"address:{client_address(request)}"
        limit, seconds = parse_rate(str(settings.API_RATE))
        allowed, self._wait.seconds = ratelimit.hit("api", ident, limit, seconds)
        return allowed

    def wait(self) -> float | None:
        return float(getattr(self._wait, "seconds", 1))


class LanternAPI(NinjaAPI):
    def get_root_path(self, path_params: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("api:v1:openapi-json").removesuffix("openapi.json")

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Error bodies are problem details: say so in the document, so clients and
        schemathesis check them against the right media type."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_TYPE] = content.pop("application/json")
                    elif len(content) > 1:
                        # A file download: its own media type replaces the default JSON.
                        content.pop("application/json", None)
        return schema


api = LanternAPI(
    title="Lantern API",
    version="1",
    description=(
        "Exchange retail crime reports, footage requests, evidence metadata, statements and "
        "ledger proofs with Lantern; police read reports from the public, incidents, tasks "
        "and offender profiles (partners their reduced view). Authenticate with "
        "`Authorization: Bearer <token>`; an organisation's administrator issues tokens under "
        "API access. Errors are RFC 9457 problem details."
    ),
    urls_namespace="v1",
    docs_url=None,
    auth=TokenAuth(),
    throttle=TokenRate(),
)

ERRORS: dict[int, type[Problem]] = {
    401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem
}  # fmt: skip
# A body that is not JSON at all is a 400.
BODY_ERRORS: dict[int, type[Problem]] = {**ERRORS, 400: Problem}
# Creates also answer 409 when an Idempotency-Key is reused with another body.
CREATE_ERRORS: dict[int, type[Problem]] = {**BODY_ERRORS, 409: Problem}


def file_download(media_type: str, description: str) -> dict[str, Any]:
    """`openapi_extra` for an endpoint that answers 200 with a file, not JSON."""
    schema = {"type": "string", "format": "binary"}
    return {
        "responses": {
            200: {"description": description, "content": {media_type: {"schema": schema}}}
        }
    }


def problem(
    request: HttpRequest,
    status: int,
    title: str,
    detail: str = "",
    *,
    slug: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body = Problem(
        type=DOCS_BASE + (slug or str(status)),
        title=title,
        status=status,
        detail=detail,
        instance=request.path,
        errors=errors,
    )
    response = HttpResponse(
        body.model_dump_json(exclude_none=True), status=status, content_type=PROBLEM_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        request,
        401,
        "Authentication needed",
        "Send a valid, unexpired API token as 'Authorization: Bearer <token>'.",
        slug="unauthenticated",
        headers={"WWW-Authenticate": 'Bearer realm="lantern"'},
    )


@api.exception_handler(ScopeMissing)
def _scope(request: HttpRequest, exc: ScopeMissing) -> HttpResponse:
    return problem(
        request,
        403,
        "Permission missing",
        f"This token does not have the '{exc.scope}' permission.",
        slug="scope",
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        request, 403, "Not allowed", str(exc) or "This token may not do this.", slug="forbidden"
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 404, "Not found", "Nothing here that this token may see.")


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", ""))}
        for e in exc.errors
    ]
    return problem(
        request,
        422,
        "The request is not valid",
        "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors),
        slug="invalid",
        errors=errors,
    )


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem(request, 422, "The request was refused", " ".join(exc.messages), slug="refused")


@api.exception_handler(IdempotencyConflict)
def _conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        request,
        409,
        "Idempotency key reused",
        "This Idempotency-Key was used before with a different request body.",
        slug="idempotency",
    )


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # Ninja adds Retry-After (whole seconds) to this answer.
    return problem(
        request,
        429,
        "Too many requests",
        f"More than {settings.API_RATE} requests from this token (or, for calls that need no "
        "token, this address); wait for the seconds in Retry-After and try again.",
        slug="rate",
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    title = "The request body is not valid JSON" if exc.status_code == 400 else exc.message
    return problem(request, exc.status_code, title, exc.message)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s", request.path)
    return problem(request, 500, "Server error", "Something went wrong; it has been logged.")


def token_of(request: HttpRequest, scope: str) -> ApiToken:
    """The calling token, if it holds `scope`."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is None:
        raise AuthenticationError
    if not token.has_scope(scope):
        raise ScopeMissing(scope)
    return token


def token_in_roles(request: HttpRequest, scope: str, roles: Any, refusal: str) -> ApiToken:
    """The calling token, if it holds `scope` and acts as one of `roles` (the roles the web
    page of the same records requires: 403 otherwise, as there)."""
    token = token_of(request, scope)
    if token.membership.role not in roles:
        raise PermissionDenied(refusal)
    return token


def act_as(request: HttpRequest, token: ApiToken) -> None:
    """Make the request look like the token's service account, for web views reused as is."""
    request.user = token.service_user
    request.membership = token.membership  # type: ignore[attr-defined]


class Page(Schema, Generic[T]):
    count: int
    page: int
    pages: int
    items: list[T]


class Input(BaseModel):
    """Request bodies: plain pydantic models (ninja's Schema would read a list as an object)."""


class PageParams(Schema):
    page: int = Field(default=1, ge=1, le=100000)
    page_size: int = Field(default=50, ge=1, le=200)


def paginate(queryset: QuerySet[Any], page: int, page_size: int) -> tuple[int, int, list[Any]]:
    """(count, pages, items of the page); asking past the end gives an empty page."""
    count = queryset.count()
    pages = max(1, -(-count // page_size))
    start = (page - 1) * page_size
    return count, pages, list(queryset[start : start + page_size])


def filtered_page(
    queryset: QuerySet[Any],
    *,
    status: str | None,
    field: str,
    start: date | None,
    end: date | None,
    params: PageParams,
    serialise: Any,
) -> dict[str, Any]:
    """A list endpoint's answer: filtered by status and by a date field's day range, newest
    first, one page of it."""
    if status:
        queryset = queryset.filter(status=status)
    if start:
        queryset = queryset.filter(**{f"{field}__gte": day_start(start)})
    if end:
        queryset = queryset.filter(**{f"{field}__lte": day_end(end)})
    count, pages, rows = paginate(
        queryset.order_by(f"-{field}", "-pk"), params.page, params.page_size
    )
    return {
        "count": count,
        "page": params.page,
        "pages": pages,
        "items": [serialise(row) for row in rows],
    }


def day_start(day: date | None) -> datetime | None:
    return None if day is None else timezone.make_aware(datetime.combine(day, time.min))


def day_end(day: date | None) -> datetime | None:
    return None if day is None else timezone.make_aware(datetime.combine(day, time.max))
