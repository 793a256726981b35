"""The demo outbox stores email and SMS, and exists only in demo or DEBUG mode."""

from __future__ import annotations

import pytest
from django.core.mail import send_mail
from django.test import Client, override_settings
from django.urls import reverse

from lantern.notifications.models import OutboxMessage
from lantern.notifications.sms import normalise_uk_mobile, send_sms

pytestmark = pytest.mark.django_db
OUTBOX = "lantern.notifications.backends.OutboxEmailBackend"


@override_settings(EMAIL_BACKEND=OUTBOX, LANTERN_DEMO=True, DEMO_MODE=True)
def test_outbox_lists_email_and_sms_without_signing_in() -> None:
    send_mail(
        "Please upload CCTV", "Open http://127.0.0.1:8000/u/abc/", None, ["cctv@council.example"]
    )
    send_sms("07700 900982", "Your statement is ready to sign")
    page = Client().get(reverse("notifications:outbox"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Please upload CCTV" in body and "+447700900982" in body
    email = OutboxMessage.objects.get(channel="email")
    detail = Client().get(reverse("notifications:outbox-message", args=[email.pk]))
    assert 'href="http://127.0.0.1:8000/u/abc/"' in detail.content.decode()


@override_settings(EMAIL_BACKEND=OUTBOX, DEMO_MODE=False, DEBUG=False)
def test_outbox_hidden_outside_demo_mode() -> None:
    send_mail("Secret", "Body", None, ["a@example.test"])
    assert Client().get(reverse("notifications:outbox")).status_code == 404
    assert OutboxMessage.objects.count() == 1


def test_outbox_link_in_footer_only_in_demo_mode() -> None:
    url = reverse("notifications:outbox")
    with override_settings(DEMO_MODE=True):
        assert url in Client().get(reverse("accounts:login")).content.decode()
    with override_settings(DEMO_MODE=False, DEBUG=False):
        assert url not in Client().get(reverse("accounts:login")).content.decode()


def test_phone_numbers_checked() -> None:
    assert normalise_uk_mobile("+44 7700 900982") == "+447700900982"
    with pytest.raises(ValueError, match="valid phone number"):
        normalise_uk_mobile("12345")
