"""Issuing and revoking API tokens, registering webhooks, recording API calls."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lantern.accounts.choices import MANAGER_ROLES, ROLES_BY_KIND, Role
from lantern.accounts.models import Membership, User
from lantern.core.tokens import hash_secret
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .models import ApiToken, Event, IdempotencyRecord, Scope, Webhook

TOKEN_PREFIX = "lnt_"
MAX_TOKEN_DAYS = 366


def token_roles(kind: str) -> list[str]:
    """Roles a token may act as: the organisation's own, except store staff (who are tied
    to particular stores a token has no way to choose)."""
    return [r for r in ROLES_BY_KIND[kind] if r != Role.STORE_STAFF]


def _require_manager(membership: Membership) -> None:
    if membership.role not in MANAGER_ROLES or not membership.is_active:
        raise PermissionDenied("Only your organisation's administrator can manage API access")


def api_token_issue(
    *,
    actor: User,
    membership: Membership,
    name: str,
    role: str,
    scopes: list[str],
    days: int,
) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once, never stored)."""
    _require_manager(membership)
    organisation = membership.organisation
    if role not in token_roles(organisation.kind):
        raise ValidationError("Choose a role this organisation has")
    if not scopes or any(s not in Scope.values for s in scopes):
        raise ValidationError("Choose at least one permission")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(f"A token lasts between 1 and {MAX_TOKEN_DAYS} days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        handle = secrets.token_hex(6)
        user = User(
            username=f"api-{organisation.slug[:40]}-{handle}",
            first_name="API token",
            last_name=name[:150],
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        service_membership = Membership.objects.create(
            user=user, organisation=organisation, role=role
        )
        token = ApiToken.objects.create(
            organisation=organisation,
            name=name,
            role=role,
            scopes=sorted(set(scopes)),
            service_user=user,
            membership=service_membership,
            token_hash=hash_secret(secret),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=days),
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=organisation,
            obj=token,
            detail={"name": name, "role": role, "scopes": token.scopes, "days": days},
        )
    return token, secret


def api_token_revoke(*, actor: User, membership: Membership, token: ApiToken) -> None:
    _require_manager(membership)
    if token.organisation_id != membership.organisation_id:
        raise PermissionDenied("This token belongs to another organisation")
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        # The service account loses every view at once, whatever else looks at it.
        Membership.objects.filter(pk=token.membership_id).update(is_active=False)
        ledger_record(
            action=Action.DISABLED,
            actor=actor,
            actor_org=membership.organisation,
            obj=token,
            reason="API token revoked",
        )


def token_for_secret(secret: str) -> ApiToken | None:
    """The usable token with this secret, or None. Marks it used (at most once a minute,
    so a busy integration does not write the token row on every call)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("organisation", "membership", "service_user")
        .filter(token_hash=hash_secret(secret))
        .first()
    )
    if token is None or not token.is_usable:
        return None
    if not token.membership.is_active or token.organisation.status != "active":
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_call_record(
    *, token: ApiToken, method: str, path: str, status: int, query: str = ""
) -> None:
    """One ledger entry per authenticated call, naming the token (DPA 2018 s.62 logging)."""
    if status in (401, 403):
        action = Action.AUTHZ_FAILED
    elif method in ("GET", "HEAD"):
        action = Action.VIEWED
    else:
        action = Action.CHANGED
    with transaction.atomic():
        ledger_record(
            action=action,
            actor=token.service_user,
            actor_label=token.label,
            actor_org=token.organisation,
            object_type="api.call",
            object_id=str(token.pk),
            detail={"method": method, "path": path[:300], "query": query[:300], "status": status},
        )


# --- Idempotency keys -------------------------------------------------------------------


class IdempotencyConflict(Exception):
    """The key was used before with a different request body."""


def body_sha256(body: Any) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def idempotent_replay(
    *, token: ApiToken, operation: str, key: str, body: Any
) -> IdempotencyRecord | None:
    record = IdempotencyRecord.objects.filter(token=token, operation=operation, key=key).first()
    if record is None:
        return None
    if record.request_sha256 != body_sha256(body):
        raise IdempotencyConflict
    return record


def idempotent_store(
    *, token: ApiToken, operation: str, key: str, body: Any, status: int, response: Any
) -> None:
    IdempotencyRecord.objects.get_or_create(
        token=token,
        operation=operation,
        key=key,
        defaults={"request_sha256": body_sha256(body), "status": status, "body": response},
    )


# --- Webhooks ---------------------------------------------------------------------------


def webhook_create(
    *, actor: User, membership: Membership, url: str, events: list[str]
) -> tuple[Webhook, str]:
    _require_manager(membership)
    if not events or any(e not in Event.values for e in events):
        raise ValidationError("Choose at least one event")
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        webhook = Webhook.objects.create(
            organisation=membership.organisation,
            url=url,
            events=sorted(set(events)),
            secret=secret,
            created_by=actor,
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=membership.organisation,
            obj=webhook,
            detail={"url": url, "events": webhook.events},
        )
    return webhook, secret


def webhook_disable(*, actor: User, membership: Membership, webhook: Webhook) -> None:
    _require_manager(membership)
    if webhook.organisation_id != membership.organisation_id:
        raise PermissionDenied("This webhook belongs to another organisation")
    with transaction.atomic():
        webhook.is_active = False
        webhook.save(update_fields=["is_active"])
        ledger_record(
            action=Action.DISABLED,
            actor=actor,
            actor_org=membership.organisation,
            obj=webhook,
        )
