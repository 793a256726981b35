"""The demo's redaction: a still for a public appeal with a face suggestion waiting."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from lantern.redaction.models import Redaction

pytestmark = pytest.mark.django_db


@override_settings(
    DEMO_MODE=True, EMAIL_BACKEND="lantern.notifications.backends.OutboxEmailBackend"
)
def test_demo_has_a_redaction_with_a_face_to_decide() -> None:
    call_command("demo_data", stdout=StringIO())
    call_command("demo_data", stdout=StringIO())
    redaction = Redaction.objects.get()
    assert redaction.purpose == "Public appeal" and redaction.boxes == []
    assert [s["status"] for s in redaction.suggestions] == ["pending"]
