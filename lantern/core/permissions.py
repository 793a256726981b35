"""Fetch-and-authorise in one step: an object the user may not see is simply not found."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

if TYPE_CHECKING:
    from lantern.accounts.models import Membership

M = TypeVar("M", bound=models.Model)


def current_membership(request: HttpRequest) -> Membership:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise PermissionDenied
    return membership


def require_role(request: HttpRequest, allowed: frozenset[str]) -> Membership:
    """The current membership if its role is allowed; otherwise a recorded refusal (403)."""
    membership = current_membership(request)
    if membership.role not in allowed:
        ledger_record(
            action=Action.AUTHZ_FAILED,
            actor=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
            actor_org=membership.organisation,
            detail={"path": request.path},
            require_transaction=False,
        )
        raise PermissionDenied
    return membership


class _ForUser(Protocol):
    def for_user(self, user: Any) -> models.QuerySet[Any]: ...


def get_for_user_or_404(model: type[M], user: Any, **lookup: Any) -> M:
    """The object if `model.objects.for_user(user)` contains it, else 404.

    When the object exists but is hidden from this user, the refusal is written to the
    ledger (DPA s.62: attempted consultation), without telling the user it exists.
    """
    manager: _ForUser = model._default_manager  # type: ignore[assignment]
    obj = manager.for_user(user).filter(**lookup).first()
    if obj is not None:
        return obj  # type: ignore[no-any-return]
    hidden = model._default_manager.filter(**lookup).first()
    if hidden is not None:
        ledger_record(
            action=Action.AUTHZ_FAILED,
            actor=user if getattr(user, "is_authenticated", False) else None,
            obj=hidden,
            require_transaction=False,
        )
    raise Http404(f"No {model._meta.verbose_name} found")
