"""Webhooks: which ledger entries are events, signing, and one delivery attempt.

Events are taken from the ledger as entries are written (a post_save receiver), so no other
app needs a hook: the ledger already records every status change, submission and signature.
Deliveries are created in the same transaction as the change and sent after it commits.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from lantern.accounts.models import Organisation
from lantern.ledger.models import Action, Entry

from .models import Event, Webhook, WebhookDelivery

SIGNATURE_HEADER = "Lantern-Signature"
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 30  # 30 s, 1, 2, 4, 8 minutes between the six attempts
TIMEOUT_SECONDS = 10
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """What a receiver does (documented on the API docs page): recompute, compare in constant
    time, and refuse old timestamps so a captured delivery cannot be replayed later."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def public_address_problem(url: str) -> str:
    """In production a webhook may only reach public addresses: never the server itself, its
    private network or cloud metadata (SSRF). Checked when registered and before each try
    (the name could resolve differently later). Empty when allowed."""
    return checked_address(url)[1]


def checked_address(url: str) -> tuple[str | None, str]:
    """(the address to connect to, the problem). In production the name is resolved once,
    every address it gives must be public, and the delivery connects to the first of them:
    a name that resolves again to a private address between the check and the connection
    (DNS rebinding) is never asked twice. Outside production: (None, "") and no check."""
    from django.conf import settings

    if not settings.PRODUCTION:
        return None, ""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None, "This address cannot be found"
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        return None, "This address cannot be found"
    for address in addresses:
        if not _is_public(ipaddress.ip_address(address)):
            return None, "This address is not on the public internet"
    return addresses[0], ""


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS * 2 ** max(0, attempts - 1))


def _event_for(entry: Entry) -> tuple[str, list[int], dict[str, Any]] | None:
    """(event, organisations told, data) for a ledger entry that is an event, else None."""
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    if entry.object_type == "reports.retailreport" and entry.action == Action.CHANGED:
        new = detail.get("new") if isinstance(detail.get("new"), dict) else {}
        status = detail.get("status") or (new or {}).get("status")
        if not status:
            return None
        from lantern.reports.models import RetailReport

        report = RetailReport.objects.filter(pk=entry.object_id).first()
        if report is None:
            return None
        data = {"report_id": report.pk, "reference": report.reference, "status": status}
        return Event.REPORT_STATUS, [report.company_id, report.force_id], data
    if entry.object_type == "evidence.evidenceitem" and entry.action == Action.SIGNED:
        from lantern.evidence.models import EvidenceItem

        item = EvidenceItem.objects.select_related("request").filter(pk=entry.object_id).first()
        if item is None or item.request is None:
            return None
        data = {
            "item_id": item.pk,
            "request_reference": item.request.reference,
            "sha256": item.sha256,
            "size": item.size,
        }
        return Event.EVIDENCE_RECEIVED, [item.request.force_id], data
    if entry.object_type == "statements.statement" and entry.action == Action.SIGNED:
        from lantern.statements.models import Statement

        statement = Statement.objects.filter(pk=entry.object_id).first()
        if statement is None:
            return None
        data = {
            "statement_id": statement.pk,
            "case_reference": statement.case.reference,
            "signed_sha256": entry.object_sha256,
        }
        return Event.STATEMENT_SIGNED, [statement.force_id], data
    return None


def webhooks_for_entry(entry: Entry) -> list[WebhookDelivery]:
    """Queue a delivery to every active webhook of the organisations the event concerns."""
    found = _event_for(entry)
    if found is None:
        return []
    event, org_ids, data = found
    hooks = Webhook.objects.filter(
        organisation__in=Organisation.objects.filter(pk__in=org_ids, status="active"),
        is_active=True,
    )
    deliveries = []
    for hook in hooks:
        if event not in hook.events:
            continue
        event_id = "evt_" + secrets.token_hex(12)
        payload = {
            "id": event_id,
            "type": event,
            "created_at": entry.created_at.isoformat(),
            "ledger_entry": entry.pk,
            "data": data,
        }
        delivery = WebhookDelivery.objects.create(
            webhook=hook, event=event, event_id=event_id, payload=payload
        )
        deliveries.append(delivery)
        transaction.on_commit(partial(_enqueue, delivery.pk))
    return deliveries


def _enqueue(delivery_id: int, run_after: Any = None) -> None:
    from .tasks import webhook_deliver

    task = webhook_deliver
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    task.enqueue(delivery_id)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver's redirect is not followed: the address check covered the webhook's own
    URL, not where it points next (which could be the server itself)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _pin(connection_class: Any, address: str) -> Any:
    """A connection class for `do_open` that connects to `address` whatever the URL's name
    resolves to now. The name still goes in the Host header and, for https, in SNI and the
    certificate check (HTTPSConnection wraps the socket with `server_hostname=self.host`)."""

    def make(host: str, **kwargs: Any) -> Any:
        connection = connection_class(host, **kwargs)

        def connect_pinned(
            where: tuple[str, int], timeout: Any = None, source_address: Any = None
        ) -> socket.socket:
            return socket.create_connection((address, where[1]), timeout, source_address)

        connection._create_connection = connect_pinned
        return connection

    return make


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: Any) -> Any:
        return self.do_open(_pin(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def https_open(self, req: Any) -> Any:
        pinned = _pin(http.client.HTTPSConnection, self.address)
        return self.do_open(pinned, req, context=self._context)  # type: ignore[attr-defined]


def _opener(address: str | None) -> urllib.request.OpenerDirector:
    """No proxy when pinned: a proxy would resolve the name itself, after the check."""
    if address is None:
        return _OPENER
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _NoRedirects,
        _PinnedHTTPHandler(address),
        _PinnedHTTPSHandler(address),
    )


def deliver_once(delivery: WebhookDelivery) -> bool:
    """One POST; True when the receiver answered 2xx."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    if urlsplit(delivery.webhook.url).scheme not in ("http", "https"):
        raise ValueError("A webhook URL must be http(s)")
    address, refused = checked_address(delivery.webhook.url)
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Lantern-Webhooks/1",
            "Lantern-Event": delivery.event,
            "Lantern-Delivery": delivery.event_id,
            SIGNATURE_HEADER: sign(delivery.webhook.secret, int(time.time()), body),
        },
    )
    status: int | None = None
    error = ""
    try:
        if refused:
            raise ValueError(refused)
        # Reviewed (bandit B310): only http(s) reaches here, checked above.
        opener = _opener(address)
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:  # nosec B310
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:300]
    ok = status is not None and 200 <= status < 300
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = "" if ok else (error or f"HTTP {status}")
    if ok:
        delivery.state = WebhookDelivery.State.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = WebhookDelivery.State.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.state = WebhookDelivery.State.RETRYING
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts", "last_status", "last_error", "state", "delivered_at", "next_attempt_at"
        ]
    )  # fmt: skip
    return ok
