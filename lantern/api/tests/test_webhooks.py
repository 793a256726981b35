"""Webhooks against a real HTTP server on 127.0.0.1: signatures, retries, final failure."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World, sign_in
from lantern.api import webhooks
from lantern.api.models import Event, WebhookDelivery
from lantern.api.services import webhook_create
from lantern.api.tasks import webhook_deliver
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from lantern.reports.models import RetailReport
from lantern.reports.services import report_record_crime

from .objects import exhibit, footage_request, submitted_report


class Receiver:
    """Answers with the scripted statuses (then 200), keeping every request it got."""

    def __init__(self, statuses: list[int], tls: ssl.SSLContext | None = None) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.location = ""  # sent with 3xx answers
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                if outer.location:
                    self.send_header("Location", outer.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST  # a followed redirect may arrive as a GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Any]:
    made: list[Receiver] = []

    def start(statuses: list[int] | None = None, tls: ssl.SSLContext | None = None) -> Receiver:
        made.append(Receiver(statuses or [], tls))
        return made[-1]

    yield start
    for r in made:
        r.close()


def _hook(world: World, manager: str, url: str, events: list[str]) -> str:
    _hook_made, secret = webhook_create(
        actor=world.user(manager), membership=world.membership(manager), url=url, events=events
    )
    return secret


def _record_crime(world: World, report: RetailReport, on_commit: Any) -> None:
    with on_commit():
        report_record_crime(
            actor=world.user("call_handler"),
            membership=world.membership("call_handler"),
            report=report,
            crime_reference="CR1",
        )


@pytest.mark.django_db(transaction=True)
def test_signed_delivery_after_retries(world: World, receiver: Any, on_commit: Any) -> None:
    server = receiver([500, 503])
    secret = _hook(world, "lp_manager", server.url, [Event.REPORT_STATUS])
    other = receiver()
    _hook(world, "lp_manager_b", other.url, [Event.REPORT_STATUS])
    report = submitted_report(world)
    _record_crime(world, report, on_commit)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)
    assert len(server.received) == 3 and other.received == []
    headers, body = server.received[-1]
    assert webhooks.verify(secret, headers["Lantern-Signature"], body)
    assert not webhooks.verify(secret, headers["Lantern-Signature"], body + b" ")
    assert not webhooks.verify("whsec_wrong", headers["Lantern-Signature"], body)
    payload = json.loads(body)
    assert payload["type"] == "report.status_changed"
    assert payload["data"] == {
        "report_id": report.pk,
        "reference": report.reference,
        "status": "crime_recorded",
    }
    assert headers["Lantern-Delivery"] == payload["id"] == delivery.event_id


@pytest.mark.django_db(transaction=True)
def test_gives_up_and_shows_the_failure(world: World, receiver: Any, on_commit: Any) -> None:
    server = receiver([500] * 10)
    _hook(world, "force_admin", server.url, [Event.REPORT_STATUS])
    _record_crime(world, submitted_report(world), on_commit)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS == len(server.received)
    assert delivery.last_error == "HTTP 500"
    admin = sign_in(Client(), world.user("force_admin"))
    page = admin.get(reverse("api:webhook-list"))
    assert b"1 delivery failed" in page.content
    detail = admin.get(reverse("api:webhook-detail", args=[delivery.webhook_id]))
    assert b"Failed" in detail.content and b"HTTP 500" in detail.content
    other = sign_in(Client(), world.user("force_admin_b"))
    assert other.get(reverse("api:webhook-detail", args=[delivery.webhook_id])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_redirect_is_not_followed(world: World, receiver: Any, on_commit: Any) -> None:
    """The address check covers the URL the manager gave, not where it redirects to (it
    could point at the server itself), so a receiver's redirect is a failed delivery."""
    target = receiver()
    hop = receiver([302] * 10)
    hop.location = target.url
    _hook(world, "force_admin", hop.url, [Event.REPORT_STATUS])
    _record_crime(world, submitted_report(world), on_commit)
    delivery = WebhookDelivery.objects.get()
    assert target.received == []
    assert len(hop.received) == delivery.attempts == webhooks.MAX_ATTEMPTS
    assert (delivery.state, delivery.last_status) == (WebhookDelivery.State.FAILED, 302)
    assert delivery.last_error == "HTTP 302"


@pytest.mark.django_db
def test_unreachable_receiver_is_retried_later_with_backoff(world: World, settings: Any) -> None:
    """With a worker that can defer (here the dummy backend), a failure queues the next try
    at the backoff time instead of at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    _hook(world, "force_admin", "http://127.0.0.1:9/closed", [Event.REPORT_STATUS])
    with transaction.atomic():
        ledger_record(
            action=Action.CHANGED,
            actor=world.user("officer"),
            obj=submitted_report(world),
            detail={"status": "allocated"},
        )
    delivery = WebhookDelivery.objects.get()
    before = timezone.now()
    assert webhook_deliver.call(delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_error
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - before
    assert timedelta(seconds=29) < wait <= timedelta(seconds=31)
    queued = webhook_deliver.get_backend().results  # type: ignore[attr-defined]
    assert queued[-1].task.run_after == delivery.next_attempt_at
    assert webhooks.backoff(3) == timedelta(seconds=120)


@pytest.mark.django_db
def test_evidence_received_reaches_only_its_force(world: World) -> None:
    _hook(world, "force_admin", "https://example.org/a", [Event.EVIDENCE_RECEIVED])
    _hook(world, "force_admin_b", "https://example.org/b", list(Event.values))
    _hook(world, "force_admin", "https://example.org/c", [Event.REPORT_STATUS])
    item = exhibit(footage_request(world), b"a")
    with transaction.atomic():
        ledger_record(action=Action.SIGNED, actor_label="evidence-link:1", obj=item)
        # Not an event: a plain view of the item.
        ledger_record(action=Action.VIEWED, actor=world.user("officer"), obj=item)
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook.url == "https://example.org/a"
    assert delivery.payload["data"]["sha256"] == item.sha256


@pytest.mark.django_db
def test_production_refuses_private_addresses(world: World, settings: Any) -> None:
    """SSRF: in production a webhook can reach neither the server nor its private network,
    at registration or at delivery (a public name may later resolve to a private address)."""
    from lantern.api.forms import WebhookForm

    settings.PRODUCTION = True
    for url in ("https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/"):
        form = WebhookForm({"url": url, "events": [Event.REPORT_STATUS]})
        assert not form.is_valid()
        assert form.errors["url"] == ["This address is not on the public internet"]
    plain = WebhookForm({"url": "http://example.org/hook", "events": [Event.REPORT_STATUS]})
    assert plain.errors["url"] == ["The address must start with https://"]
    _hook(world, "force_admin", "https://127.0.0.1:9/hook", [Event.REPORT_STATUS])
    with transaction.atomic():
        ledger_record(
            action=Action.CHANGED,
            actor=world.user("officer"),
            obj=submitted_report(world),
            detail={"status": "allocated"},
        )
    delivery = WebhookDelivery.objects.get()
    assert webhooks.deliver_once(delivery) is False
    assert delivery.last_error == "This address is not on the public internet"
    assert delivery.last_status is None


REBOUND = "hook.example"


@pytest.fixture
def rebinding_dns(monkeypatch: Any, settings: Any) -> list[str]:
    """Production, with a name whose DNS answers 127.0.0.1 once and 127.0.0.2 ever after,
    as a rebinding attacker's server does. Only loopback is reachable here, so 127.0.0.1
    stands for a public address and 127.0.0.2 (where nothing listens) for a private one.
    Returns the lookups made of the name."""
    settings.PRODUCTION = True
    real = socket.getaddrinfo
    asked: list[str] = []

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (REBOUND, "other.example"):
            return real(host, *args, **kwargs)
        asked.append(host)
        first = asked.count(host) == 1
        address = "127.0.0.1" if first or host == "other.example" else "127.0.0.2"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(webhooks, "_is_public", lambda address: str(address) == "127.0.0.1")
    return asked


@pytest.mark.django_db(transaction=True)
def test_delivery_connects_to_the_address_it_checked(
    world: World, receiver: Any, on_commit: Any, rebinding_dns: list[str]
) -> None:
    """DNS rebinding: the name is looked up once, for the check, and the connection goes to
    that address; the next answer (private) is never used. The receiver still sees the
    name in Host. Without the pin, the connection's own lookup would get 127.0.0.2."""
    server = receiver()
    port = server.server.server_port
    _hook(world, "force_admin", f"http://{REBOUND}:{port}/hook", [Event.REPORT_STATUS])
    _record_crime(world, submitted_report(world), on_commit)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
    assert rebinding_dns == [REBOUND]
    assert server.received[0][0]["Host"] == f"{REBOUND}:{port}"
    # The next try looks again: now private, refused before any connection.
    assert webhooks.checked_address(f"http://{REBOUND}/") == (
        None,
        "This address is not on the public internet",
    )


def _certificate_for(name: str, folder: Any) -> tuple[str, str]:
    """A self-signed certificate (its own CA) for `name`: (certificate file, key file)."""
    from datetime import UTC, datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@pytest.mark.django_db(transaction=True)
def test_pinned_https_still_checks_the_certificate_against_the_name(
    world: World,
    receiver: Any,
    on_commit: Any,
    rebinding_dns: list[str],
    monkeypatch: Any,
    tmp_path: Any,
) -> None:
    """Connecting to the checked address does not weaken TLS: SNI and the certificate check
    use the URL's name, so a certificate for another name is refused."""
    cert_file, key_file = _certificate_for(REBOUND, tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server = receiver(tls=tls)
    port = server.server.server_port
    monkeypatch.setattr(
        ssl, "_create_default_https_context", lambda: ssl.create_default_context(cafile=cert_file)
    )
    _hook(world, "force_admin", f"https://{REBOUND}:{port}/hook", [Event.REPORT_STATUS])
    _hook(world, "force_admin", f"https://other.example:{port}/hook", [Event.REPORT_STATUS])
    _record_crime(world, submitted_report(world), on_commit)
    good = WebhookDelivery.objects.get(webhook__url__contains=REBOUND)
    assert (good.state, good.attempts, good.last_status) == ("delivered", 1, 200)
    assert server.received[0][0]["Host"] == f"{REBOUND}:{port}"
    wrong = WebhookDelivery.objects.get(webhook__url__contains="other.example")
    assert wrong.state == WebhookDelivery.State.FAILED and wrong.last_status is None
    assert "CERTIFICATE_VERIFY_FAILED" in wrong.last_error
    assert len(server.received) == 1
