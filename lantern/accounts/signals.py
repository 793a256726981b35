"""Sign-in events go to the ledger."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from lantern.core.addresses import client_address
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .decorators import mark_recent_auth


def _ip(request: HttpRequest | None) -> str:
    return client_address(request) if request is not None else ""


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        mark_recent_auth(request)
    ledger_record(
        action=Action.LOGIN,
        actor=user,
        obj=user,
        detail={"ip": _ip(request)},
        require_transaction=False,
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    ledger_record(
        action=Action.LOGOUT,
        actor=user,
        obj=user,
        detail={"ip": _ip(request)},
        require_transaction=False,
    )


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The username typed is recorded as given: it may not be an account.
    ledger_record(
        action=Action.LOGIN_FAILED,
        actor_label=str(credentials.get("username", ""))[:150] or "anonymous",
        detail={"ip": _ip(request)},
        require_transaction=False,
    )
