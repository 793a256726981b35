"""Demo data (idempotent, demo mode only), `make code`, and the breached-password check."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings

from lantern.accounts import mfa
from lantern.accounts.choices import Role
from lantern.accounts.demo import DEMO_USERS
from lantern.accounts.models import Membership, Organisation, Store, User
from lantern.accounts.validators import BreachedPasswordValidator

pytestmark = pytest.mark.django_db


@override_settings(
    DEMO_MODE=True, EMAIL_BACKEND="lantern.notifications.backends.OutboxEmailBackend"
)
def test_demo_data_is_idempotent_and_covers_every_role(django_capture_on_commit_callbacks) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_data", stdout=out)
    counts = (
        User.objects.count(),
        Organisation.objects.count(),
        Store.objects.count(),
        Membership.objects.count(),
    )
    call_command("demo_data", stdout=StringIO())
    assert counts == (
        User.objects.count(),
        Organisation.objects.count(),
        Store.objects.count(),
        Membership.objects.count(),
    )
    # The demo has something to try on each side: a footage request whose link is in the
    # outbox, and a retail report in the police triage queue.
    from lantern.evidence.models import EvidenceRequest
    from lantern.notifications.models import OutboxMessage
    from lantern.reports.models import RetailReport

    # (Each app's own demo test checks its records; here: the base ones, loaded once.)
    assert EvidenceRequest.objects.filter(reference__isnull=False).exists()
    assert RetailReport.objects.filter(status="received").exists()
    requests, reports = EvidenceRequest.objects.count(), RetailReport.objects.count()
    call_command("demo_data", stdout=StringIO())
    assert (requests, reports) == (EvidenceRequest.objects.count(), RetailReport.objects.count())
    assert OutboxMessage.objects.filter(body__contains="/evidence/link/").exists()
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    text = out.getvalue()
    for demo in DEMO_USERS:
        assert demo.username in text
    officer = User.objects.get(username="officer")
    device = mfa.TOTPDevice.objects.get(user=officer)
    assert mfa.totp_secret_base32(device) in text
    code = StringIO()
    call_command("demo_code", "officer", stdout=code)
    assert code.getvalue().strip() == mfa.totp_code_now(officer)
    assert len(code.getvalue().strip()) == 6


@override_settings(DEMO_MODE=False, DEBUG=False)
def test_demo_commands_refuse_outside_demo_mode() -> None:
    with pytest.raises(CommandError, match="LANTERN_DEMO"):
        call_command("demo_data", stdout=StringIO())
    with pytest.raises(CommandError, match="demo mode"):
        call_command("demo_code", "officer", stdout=StringIO())
    assert not User.objects.exists()


class _RangeHandler(BaseHTTPRequestHandler):
    breached = hashlib.sha1(b"Summer2024!!x", usedforsecurity=False).hexdigest().upper()

    def do_GET(self) -> None:
        prefix = self.path.rsplit("/", 1)[-1]
        lines = ["0000000000000000000000000000000000A:0"]
        if self.breached.startswith(prefix):
            lines.append(f"{self.breached[5:]}:42")
        body = "\r\n".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_breached_password_refused_via_range_api(settings) -> None:
    server = HTTPServer(("127.0.0.1", 0), _RangeHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.PWNED_PASSWORDS_URL = f"http://127.0.0.1:{server.server_port}/range"
        validator = BreachedPasswordValidator()
        with pytest.raises(ValidationError, match="data breach"):
            validator.validate("Summer2024!!x")
        validator.validate("a-password-nobody-has-leaked-9")
    finally:
        server.shutdown()


def test_breached_check_unreachable_accepts(settings) -> None:
    settings.PWNED_PASSWORDS_URL = "http://127.0.0.1:9/range"
    BreachedPasswordValidator(timeout=0.5).validate("whatever-password-123")
