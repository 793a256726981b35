"""The installable app: manifest and service worker served for the whole site, under CSP."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_service_worker_may_control_the_site_and_is_never_cached() -> None:
    response = Client().get(reverse("casework:service-worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" in response
    assert b"X-Lantern-Wipe" in response.content  # it wipes the queue on the server's word


def test_manifest_starts_at_the_task_list() -> None:
    response = Client().get(reverse("casework:manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["start_url"] == reverse("casework:task-list")
    assert data["scope"] == "/" and data["display"] == "standalone"
