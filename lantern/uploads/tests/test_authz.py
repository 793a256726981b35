"""Who may create, see, resume and terminate an upload; CSRF and sign-in exemptions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import HttpRequest
from django.test import Client, override_settings

from lantern.ledger.models import Action, Entry
from lantern.uploads.models import Upload
from lantern.uploads.principals import (
    default_principal,
    grant_session_principal,
    revoke_session_principal,
)
from lantern.uploads.services import UploadError

from .conftest import TUS, Tus, link_client, stored, upload_of

pytestmark = pytest.mark.django_db


def _owner_and_others(
    link_tus: Callable[[str], Tus], user_tus: Callable[[str], Tus]
) -> tuple[Tus, list[Tus]]:
    owner = link_tus("request-link:1")
    others = [
        link_tus("request-link:2"),
        user_tus("alice"),
        Tus(Client()),  # anonymous, no principal
    ]
    return owner, others


def test_anonymous_without_principal_cannot_create(db: None) -> None:
    response = Tus(Client()).create(10)
    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_link_recipient_needs_no_account(link_tus: Callable[[str], Tus]) -> None:
    """Not redirected to sign-in by LoginRequiredMiddleware."""
    tus = link_tus("request-link:7")
    response = tus.create(3)
    assert response.status_code == 201
    assert upload_of(response["Location"]).principal == "request-link:7"


def test_signed_in_user_is_the_principal(user_tus: Callable[[str], Tus]) -> None:
    tus = user_tus("alice")
    url = tus.new(3)
    upload = upload_of(url)
    assert upload.principal.startswith("user:")
    # The same user in another session (another browser) may resume it.
    user_id = int(upload.principal.removeprefix("user:"))
    from lantern.accounts.models import User
    from lantern.accounts.tests.factories import sign_in

    other_session = Tus(sign_in(Client(), User.objects.get(pk=user_id)))
    assert other_session.patch(url, 0, b"abc").status_code == 204


def test_others_get_404_and_change_nothing(
    link_tus: Callable[[str], Tus], user_tus: Callable[[str], Tus]
) -> None:
    owner, others = _owner_and_others(link_tus, user_tus)
    url = owner.new(10)
    owner.patch(url, 0, b"owner")
    for other in others:
        assert other.head(url).status_code == 404
        assert other.patch(url, 5, b"evil!").status_code == 404
        assert other.patch(url, 0, b"evil!").status_code == 404
        assert other.delete(url).status_code == 404
    assert stored(url) == b"owner"
    upload = upload_of(url)
    assert upload.offset == 5 and upload.terminated_at is None
    assert owner.head(url)["Upload-Offset"] == "5"


def test_user_uploads_are_private_to_the_user(
    link_tus: Callable[[str], Tus], user_tus: Callable[[str], Tus]
) -> None:
    alice, bob = user_tus("alice"), user_tus("bob")
    url = alice.new(4)
    assert bob.head(url).status_code == 404
    assert bob.patch(url, 0, b"evil").status_code == 404
    assert bob.delete(url).status_code == 404
    assert link_tus(upload_of(url).principal).head(url).status_code == 404
    assert stored(url) == b""


def test_revoked_link_loses_access(link_tus: Callable[[str], Tus]) -> None:
    tus = link_tus("request-link:3")
    url = tus.new(4)
    session = tus.client.session
    del session["upload_principal"]
    session.save()
    assert tus.head(url).status_code == 404


def test_session_cannot_claim_a_user_principal(rf, db: None) -> None:
    client = link_client("user:1")
    response = Tus(client).create(3)
    assert response.status_code == 403
    request: HttpRequest = rf.get("/")
    request.session = client.session
    with pytest.raises(ValueError):
        grant_session_principal(request, "user:1")
    grant_session_principal(request, "request-link:9")
    assert default_principal(request) == "request-link:9"
    revoke_session_principal(request)
    assert default_principal(request) is None


def header_principal(request: HttpRequest) -> str | None:
    return request.headers.get("X-Test-Principal")


def small_uploads_only(
    request: HttpRequest, principal: str, length: int, metadata: dict[str, str | None]
) -> str | None:
    if metadata.get("kind") == "teapot":
        raise UploadError("No teapots", status=418)
    return "This link allows at most 10 bytes" if length > 10 else None


@override_settings(
    LANTERN_UPLOAD_PRINCIPAL="lantern.uploads.tests.test_authz.header_principal",
    LANTERN_UPLOAD_CREATE_POLICY="lantern.uploads.tests.test_authz.small_uploads_only",
)
def test_principal_and_policy_are_pluggable(db: None) -> None:
    tus = Tus(Client())
    assert tus.create(5).status_code == 403  # no header, no principal
    refused = tus.create(11, **{"X-Test-Principal": "kiosk:1"})
    assert refused.status_code == 403
    assert b"at most 10 bytes" in refused.content
    teapot = tus.create(5, metadata="kind dGVhcG90", **{"X-Test-Principal": "kiosk:1"})
    assert teapot.status_code == 418
    response = tus.create(10, **{"X-Test-Principal": "kiosk:1"})
    assert response.status_code == 201
    url = response["Location"]
    assert upload_of(url).principal == "kiosk:1"
    assert tus.head(url, **{"X-Test-Principal": "kiosk:2"}).status_code == 404
    assert tus.head(url, **{"X-Test-Principal": "kiosk:1"}).status_code == 200
    assert not Upload.objects.exclude(pk=upload_of(url).pk).exists()


def test_csrf_exempt_but_tus_header_required(link_tus: Callable[[str], Tus]) -> None:
    """A cross-site form or simple fetch cannot add Tus-Resumable (a custom header needs a
    CORS preflight, which is never approved), so without it nothing happens."""
    client = link_client("request-link:1", Client(enforce_csrf_checks=True))
    tus = Tus(client)
    url = tus.new(5)  # no CSRF token needed
    # What a hostile page's <form method=post> or no-preflight fetch can send:
    forged = client.post(tus.collection, {"Upload-Length": "5"})
    assert forged.status_code == 412
    forged_patch = client.generic(
        "POST",
        url,
        b"evil!",
        content_type="text/plain",
        headers={"X-HTTP-Method-Override": "PATCH", "Upload-Offset": "0"},
    )
    assert forged_patch.status_code == 412
    assert Upload.objects.count() == 1 and stored(url) == b""
    # A preflight gets no CORS approval.
    preflight = client.options(
        tus.collection,
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "tus-resumable,upload-length",
        },
    )
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]


def test_ledger_records_completion_and_termination(
    link_tus: Callable[[str], Tus], user_tus: Callable[[str], Tus]
) -> None:
    link = link_tus("request-link:5")
    url = link.new(3)
    link.patch(url, 0, b"abc")
    upload = upload_of(url)
    entry = Entry.objects.get(object_id=str(upload.pk), action=Action.CREATED)
    assert entry.actor is None and entry.actor_label == "request-link:5"
    assert entry.object_sha256 == upload.sha256
    assert entry.object_type == "uploads.upload"

    alice = user_tus("alice")
    url = alice.new(3)
    alice.delete(url)
    entry = Entry.objects.get(object_id=str(upload_of(url).pk), action=Action.ERASED)
    assert entry.actor is not None and entry.actor.username == "alice"


def test_tus_header_is_checked_before_anything_else(db: None) -> None:
    response = Client().post("/uploads/", headers={"Upload-Length": "5"})
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    assert TUS["Tus-Resumable"] == "1.0.0"
