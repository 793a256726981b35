"""A tus client over Django's test client, and clients for each kind of principal."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from lantern.accounts.choices import OrgKind, Role
from lantern.accounts.models import Organisation
from lantern.accounts.tests.factories import OrganisationFactory, make_member, sign_in
from lantern.uploads import conf
from lantern.uploads.models import Upload
from lantern.uploads.principals import SESSION_KEY

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def b64(value: bytes | str) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode("ascii")


def checksum_header(algorithm: str, data: bytes) -> str:
    return f"{algorithm} {b64(hashlib.new(algorithm, data).digest())}"


class Tus:
    """The tus requests a client makes, through a Django test client."""

    def __init__(self, client: Client) -> None:
        self.client = client

    @property
    def collection(self) -> str:
        return reverse("uploads:collection")

    def create(
        self, length: int | None, metadata: str | None = None, **headers: str
    ) -> HttpResponse:
        h = dict(TUS)
        if length is not None:
            h["Upload-Length"] = str(length)
        if metadata is not None:
            h["Upload-Metadata"] = metadata
        h.update(headers)
        return self.client.post(self.collection, headers=h)  # type: ignore[return-value]

    def create_with(self, length: int, data: bytes, **headers: str) -> HttpResponse:
        h = {**TUS, "Upload-Length": str(length), **headers}
        return self.client.generic(  # type: ignore[return-value]
            "POST", self.collection, data, content_type=OCTETS, headers=h
        )

    def new(self, length: int, metadata: str | None = None) -> str:
        response = self.create(length, metadata)
        assert response.status_code == 201, response.content
        return str(response["Location"])

    def head(self, url: str, **headers: str) -> HttpResponse:
        return self.client.head(url, headers={**TUS, **headers})  # type: ignore[return-value]

    def patch(
        self,
        url: str,
        offset: int,
        data: bytes,
        content_type: str = OCTETS,
        checksum: str | None = None,
        **headers: str,
    ) -> HttpResponse:
        h = {**TUS, "Upload-Offset": str(offset), **headers}
        if checksum is not None:
            h["Upload-Checksum"] = checksum
        # The test client drops Content-Type from an empty body; real clients send it.
        return self.client.generic(  # type: ignore[return-value]
            "PATCH", url, data, content_type=content_type, headers=h, CONTENT_TYPE=content_type
        )

    def delete(self, url: str, **headers: str) -> HttpResponse:
        return self.client.delete(url, headers={**TUS, **headers})  # type: ignore[return-value]


def upload_of(url: str | None) -> Upload:
    assert url is not None
    upload: Upload = Upload.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])
    return upload


def stored(url: str) -> bytes:
    return upload_of(url).path.read_bytes()


def new_council() -> Organisation:
    council: Organisation = OrganisationFactory(kind=OrgKind.COUNCIL)  # type: ignore[no-untyped-call,assignment]
    return council


@pytest.fixture(autouse=True)
def upload_dir(settings: Any, tmp_path: Path) -> Path:
    """Files in a temporary directory, and this app's own hooks whatever the project
    configures (the tests here are about the tus server, not another app's policy)."""
    settings.LANTERN_UPLOAD_DIR = str(tmp_path / "uploads")
    settings.LANTERN_UPLOAD_PRINCIPAL = conf.DEFAULT_PRINCIPAL
    settings.LANTERN_UPLOAD_CREATE_POLICY = conf.DEFAULT_CREATE_POLICY
    settings.LANTERN_UPLOAD_MAX_BYTES = conf.DEFAULT_MAX_BYTES
    settings.LANTERN_UPLOAD_EXPIRY_HOURS = conf.DEFAULT_EXPIRY_HOURS
    settings.LANTERN_UPLOAD_LOCK_SECONDS = conf.DEFAULT_LOCK_SECONDS
    return tmp_path / "uploads"


def link_client(scope: str, client: Client | None = None) -> Client:
    """A browser without an account that opened a single-purpose link for `scope`."""
    client = client or Client()
    session = client.session
    session[SESSION_KEY] = scope
    session.save()
    return client


@pytest.fixture
def link_tus(db: None) -> Callable[[str], Tus]:
    return lambda scope: Tus(link_client(scope))


@pytest.fixture
def user_tus(db: None) -> Callable[[str], Tus]:
    """user_tus("alice") is a tus client signed in as a council CCTV operator "alice"."""
    council = new_council()

    def make(username: str) -> Tus:
        user = make_member(council, Role.CCTV_OPERATOR, username)
        return Tus(sign_in(Client(), user))

    return make


@pytest.fixture
def tus(link_tus: Callable[[str], Tus]) -> Tus:
    return link_tus("request-link:1")
