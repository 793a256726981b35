"""A time-stamping authority outage does not lose a witness's signature: the statement is
signed at once, sealed by the scheduled task when the authority answers again."""

from __future__ import annotations

import dataclasses
import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.ledger.models import Action, Entry
from lantern.statements import config
from lantern.statements.models import Statement
from lantern.statements.services import statement_seal_pending
from lantern.statements.tasks import statement_seal_pending_task

from .test_flow import ADULT_DOB, REAR, _new, _send

pytestmark = pytest.mark.django_db


class _Unavailable(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def unavailable_tsa_url() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()


def _refused_url() -> str:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def _tsa_down(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    real = config.signing_config()
    down = dataclasses.replace(
        real, tsa_url=url, tsa_cert_path=None, tsa_key_path=None, tsa_timeout=2.0
    )
    monkeypatch.setattr(config, "signing_config", lambda: down)


def _witness_signs(client_for: Any, mailoutbox: Any, on_commit: Any) -> tuple[Statement, Client]:
    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    witness = Client()
    witness.post(path, {"check": "dob", "dob": ADULT_DOB.isoformat()})
    assert witness.post(reverse("statements:witness-details"), REAR).status_code == 302
    signed = witness.post(
        reverse("statements:witness-sign"),
        {"signed_name": "Sam Ellis", "declaration": "on", "typed_only": "on"},
    )
    assert signed.status_code == 302, signed.content.decode()[:2000]
    statement.refresh_from_db()
    return statement, witness


@pytest.mark.parametrize("outage", ["503", "refused"])
def test_signature_kept_through_a_tsa_outage_and_sealed_later(
    outage: str,
    world: World,
    client_for: Any,
    mailoutbox: Any,
    on_commit: Any,
    monkeypatch: pytest.MonkeyPatch,
    unavailable_tsa_url: str,
) -> None:
    _tsa_down(monkeypatch, unavailable_tsa_url if outage == "503" else _refused_url())
    statement, witness = _witness_signs(client_for, mailoutbox, on_commit)

    # Signed, recorded and kept, but not sealed: nothing to download yet.
    assert statement.status == Statement.Status.SIGNED
    assert not statement.signed_pdf and statement.seal_pending_pdf
    assert statement.seal_attempts == 1 and "unavailable" in statement.seal_error
    signed_entry = Entry.objects.get(action=Action.SIGNED, object_type="statements.statement")
    assert signed_entry.detail["sealed"] is False
    done = witness.get(reverse("statements:witness")).content.decode()
    assert "Your statement is signed" in done and "still being added" in done
    assert witness.get(reverse("statements:witness-pdf")).status_code == 403
    officer = client_for("officer")
    page = officer.get(reverse("statements:detail", args=[statement.pk])).content.decode()
    assert "not sealed yet" in page
    assert officer.get(reverse("statements:pdf", args=[statement.pk])).status_code == 403
    # The rear page does not wait for the seal.
    assert statement.restricted.rear_pdf

    # Still down: the scheduled task counts the attempt and keeps waiting.
    assert statement_seal_pending() == 0
    statement.refresh_from_db()
    assert statement.seal_attempts == 2 and statement.seal_pending_pdf

    # The authority is back: the task seals it, once.
    monkeypatch.undo()
    pending_name = statement.seal_pending_pdf.name
    with on_commit():
        assert statement_seal_pending_task.call() == 1
    assert statement_seal_pending() == 0
    statement.refresh_from_db()
    assert statement.signed_pdf and statement.signed_sha256 and not statement.seal_pending_pdf
    assert not default_storage.exists(pending_name)
    sealed_entry = Entry.objects.filter(action=Action.SIGNED).order_by("-pk").first()
    assert sealed_entry is not None and sealed_entry.object_sha256 == statement.signed_sha256
    assert sealed_entry.detail["unsealed_sha256"] == signed_entry.object_sha256

    pdf_bytes = b"".join(witness.get(reverse("statements:witness-pdf")).streaming_content)  # type: ignore[attr-defined]
    verdict = Client().post(
        reverse("statements:verify"), {"pdf": SimpleUploadedFile("mg11.pdf", pdf_bytes)}
    )
    assert "Genuine and unaltered" in verdict.content.decode()


def test_a_broken_signing_configuration_still_fails_at_once(
    world: World, client_for: Any, mailoutbox: Any, on_commit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the time-stamping authority's outage waits: a missing signing key is not retried
    silently, and nothing is recorded as signed."""
    from pathlib import Path

    real = config.signing_config()
    broken = dataclasses.replace(real, key_path=Path("/nonexistent/key.pem"))
    monkeypatch.setattr(config, "signing_config", lambda: broken)
    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    witness = Client(raise_request_exception=False)
    witness.post(path, {"check": "dob", "dob": ADULT_DOB.isoformat()})
    witness.post(reverse("statements:witness-details"), REAR)
    response = witness.post(
        reverse("statements:witness-sign"),
        {"signed_name": "Sam Ellis", "declaration": "on", "typed_only": "on"},
    )
    assert response.status_code == 500
    statement.refresh_from_db()
    assert statement.status == Statement.Status.SENT and not statement.seal_pending_pdf
    assert not Entry.objects.filter(action=Action.SIGNED).exists()
