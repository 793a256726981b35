"""Witness statements (police): status, and the signed, sealed MG11 PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Schema

from lantern.api.models import Scope
from lantern.core.permissions import get_for_user_or_404
from lantern.statements import views as statement_views
from lantern.statements.models import Statement

from .core import ERRORS, IsoDate, Page, PageParams, act_as, file_download, filtered_page, token_of

router = Router(tags=["Statements"])


class StatementOut(Schema):
    id: int
    case_reference: str
    witness_name: str
    status: str
    own_statement: bool
    created_at: datetime
    signed_at: datetime | None
    signed_sha256: str


def statement_out(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.pk,
        "case_reference": statement.case.reference,
        "witness_name": statement.witness_name,
        "status": statement.status,
        "own_statement": statement.own_statement,
        "created_at": statement.created_at,
        "signed_at": statement.signed_at,
        "signed_sha256": statement.signed_sha256,
    }


class StatementFilters(PageParams):
    status: Literal["draft", "blocked", "sent", "corrections", "signed", "withdrawn"] | None = None
    created_from: IsoDate | None = None
    created_to: IsoDate | None = None


@router.get("/statements", response={200: Page[StatementOut], **ERRORS}, summary="List")
def list_statements(
    request: HttpRequest,
    filters: Query[StatementFilters],
) -> dict[str, Any]:
    """The force's statements (police tokens only see any). `statements:read`."""
    token = token_of(request, Scope.STATEMENTS_READ)
    found = Statement.objects.for_user(token.service_user).select_related("case")
    return filtered_page(
        found,
        status=filters.status,
        field="created_at",
        start=filters.created_from,
        end=filters.created_to,
        params=filters,
        serialise=statement_out,
    )


@router.get("/statements/{statement_id}", response={200: StatementOut, **ERRORS}, summary="Read")
def read_statement(request: HttpRequest, statement_id: int) -> dict[str, Any]:
    """`statements:read`."""
    token = token_of(request, Scope.STATEMENTS_READ)
    return statement_out(get_for_user_or_404(Statement, token.service_user, pk=statement_id))


@router.get(
    "/statements/{statement_id}/pdf",
    response={200: str, **ERRORS},
    summary="The signed MG11",
    openapi_extra=file_download("application/pdf", "The signed, sealed PDF"),
)
def statement_pdf(request: HttpRequest, statement_id: int) -> FileResponse:
    """Only once signed (403 before). `statements:read`."""
    token = token_of(request, Scope.STATEMENTS_READ)
    act_as(request, token)
    return statement_views.statement_pdf(request, statement_id)
