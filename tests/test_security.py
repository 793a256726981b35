"""Secure headers, cookies and production start-up checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_security_headers_on_every_page() -> None:
    response = Client().get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    # The one inline script carries the nonce from the header.
    nonce = csp.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.content.decode()


@pytest.mark.django_db
def test_hsts_and_secure_cookies_over_https() -> None:
    with override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        response = Client().get(reverse("accounts:login"), secure=True)
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")
        cookie = response.cookies["csrftoken"]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_private_pages_are_never_cached(client_for) -> None:
    for name, url in (
        ("officer", reverse("core:home")),
        ("supervisor", reverse("ledger:history")),
        ("officer", reverse("evidence:request-list")),
    ):
        assert client_for(name).get(url)["Cache-Control"] == "no-store", url
    # Request-link pages are private even without an account.
    assert Client().get(reverse("evidence:link", args=["x"]))["Cache-Control"] == "no-store"
    assert Client().get(reverse("evidence:check"))["Cache-Control"] == "no-store"
    # Public information pages may be cached.
    assert "no-store" not in Client().get(reverse("core:accessibility")).get("Cache-Control", "")


@pytest.mark.django_db
def test_every_page_needs_sign_in_unless_opened() -> None:
    response = Client().get(reverse("accounts:people"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("LANTERN", "SECRET", "DEBUG"))
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
            " 'config.settings'); django.setup()",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key(tmp_path) -> None:
    result = _start({"LANTERN_ENV": "production", "LANTERN_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug_and_demo(tmp_path) -> None:
    for flag in ("DEBUG", "LANTERN_DEMO"):
        result = _start(
            {
                "LANTERN_ENV": "production",
                "SECRET_KEY": "x" * 60,
                flag: "true",
                "LANTERN_VAR_DIR": str(tmp_path),
            }
        )
        assert result.returncode != 0 and "must be off" in result.stderr


def _production(tmp_path, *, without: tuple[str, ...] = ()) -> dict[str, str]:
    """A complete production environment (secret read from a file), less `without`."""
    secret = tmp_path / "secret"
    secret.write_text("s" * 60)
    env = {
        "LANTERN_ENV": "production",
        "SECRET_KEY_FILE": str(secret),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "LANTERN_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        "STATEMENT_SIGNING_KEY_FILE": str(tmp_path / "key.pem"),
        "STATEMENT_TSA_URL": "https://tsa.example/",
        "SMS_BACKEND": "myforce.sms.GatewayBackend",
        "LEDGER_SIGNING_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "EVIDENCE_MASTER_KEYS": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    }
    return {k: v for k, v in env.items() if k not in without}


def test_production_refuses_without_evidence_encryption_unless_turned_off(tmp_path) -> None:
    result = _start(_production(tmp_path, without=("EVIDENCE_MASTER_KEYS",)))
    assert result.returncode != 0 and "EVIDENCE_MASTER_KEYS" in result.stderr
    off = {**_production(tmp_path, without=("EVIDENCE_MASTER_KEYS",))}
    off["EVIDENCE_ENCRYPTION_OFF"] = "true"
    assert _start(off).returncode == 0


def test_production_starts_with_secret_from_file(tmp_path) -> None:
    result = _start(_production(tmp_path))
    assert result.returncode == 0, result.stderr


def test_production_refuses_the_demo_sms_outbox(tmp_path) -> None:
    result = _start(_production(tmp_path, without=("SMS_BACKEND",)))
    assert result.returncode != 0 and "SMS_BACKEND" in result.stderr


def test_production_refuses_without_statement_signing(tmp_path) -> None:
    result = _start(
        _production(tmp_path, without=("STATEMENT_SIGNING_KEY_FILE", "STATEMENT_TSA_URL"))
    )
    assert result.returncode != 0 and "STATEMENT_SIGNING_KEY_FILE" in result.stderr


def test_production_refuses_without_a_shared_ledger_signing_key(tmp_path) -> None:
    result = _start(_production(tmp_path, without=("LEDGER_SIGNING_KEY",)))
    assert result.returncode != 0 and "LEDGER_SIGNING_KEY" in result.stderr
    assert not (tmp_path / "ledger_ed25519.key").exists()  # no per-host key made instead


def test_debug_is_off_by_default(tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
            " 'config.settings'); django.setup(); from django.conf import settings;"
            " print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            k: v
            for k, v in os.environ.items()
            if k not in {"DEBUG", "LANTERN_DEMO", "SECURE_COOKIES"}
        }
        | {"LANTERN_VAR_DIR": str(tmp_path)},
    )
    assert result.stdout.strip() == "False True", result.stderr
