"""Against a real HTTP server (pytest-django's live_server): the tuspy client, two
concurrent PATCHes, and a client that disconnects in the middle of a body."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from tusclient import client as tus_client

from lantern.accounts.choices import Role
from lantern.accounts.tests.factories import make_member, sign_in
from lantern.uploads.models import Upload

from .conftest import OCTETS, link_client, new_council, upload_of

pytestmark = pytest.mark.django_db(transaction=True)

MiB = 1024 * 1024


def _cookie(client: Client) -> str:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


@pytest.fixture
def server(live_server) -> Iterator[tuple[str, int, str]]:
    parts = urlsplit(live_server.url)
    assert parts.hostname is not None and parts.port is not None
    yield parts.hostname, parts.port, live_server.url


def _request(
    server: tuple[str, int, str],
    method: str,
    path: str,
    cookie: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> http.client.HTTPResponse:
    host, port, _ = server
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request(
        method,
        path,
        body=body,
        headers={"Tus-Resumable": "1.0.0", "Cookie": cookie, **(headers or {})},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _create(server: tuple[str, int, str], cookie: str, length: int) -> str:
    response = _request(server, "POST", "/uploads/", cookie, headers={"Upload-Length": str(length)})
    assert response.status == 201
    return urlsplit(response.headers["Location"]).path


def _start_patch(
    server: tuple[str, int, str], path: str, cookie: str, offset: int, length: int
) -> socket.socket:
    """Send a PATCH's headers and nothing of its body yet."""
    host, port, _ = server
    sock = socket.create_connection((host, port), timeout=30)
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\nTus-Resumable: 1.0.0\r\n"
        f"Cookie: {cookie}\r\nContent-Type: {OCTETS}\r\nUpload-Offset: {offset}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    sock.sendall(head.encode())
    return sock


def _read_status(sock: socket.socket) -> tuple[int, dict[str, str]]:
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}


def _wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_tuspy_uploads_with_a_link_session(server) -> None:
    data = os.urandom(3 * MiB + 12345)
    cookie = _cookie(link_client("request-link:42"))
    client = tus_client.TusClient(server[2] + "/uploads/", headers={"Cookie": cookie})
    uploader = client.uploader(
        file_stream=io.BytesIO(data),
        chunk_size=MiB,
        metadata={"filename": "camera 3.mp4", "filetype": "video/mp4"},
        upload_checksum=True,  # sha1 per chunk
    )
    # Stop part-way, then resume with a new uploader (as after a restart) from HEAD.
    uploader.upload(stop_at=MiB + 1)
    assert uploader.url is not None
    partial = upload_of(uploader.url)
    assert partial.offset == MiB + 1 and partial.principal == "request-link:42"
    resumed = client.uploader(file_stream=io.BytesIO(data), chunk_size=MiB, url=uploader.url)
    assert resumed.offset == MiB + 1
    resumed.upload()
    upload = upload_of(uploader.url)
    assert upload.is_complete
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert upload.metadata == {"filename": "camera 3.mp4", "filetype": "video/mp4"}
    assert upload.path.read_bytes() == data


def test_tuspy_as_a_signed_in_user_with_empty_metadata_header(server) -> None:
    user = make_member(new_council(), Role.CCTV_OPERATOR, "op")
    cookie = _cookie(sign_in(Client(), user))
    data = os.urandom(200_000)
    client = tus_client.TusClient(server[2] + "/uploads/", headers={"Cookie": cookie})
    uploader = client.uploader(file_stream=io.BytesIO(data), chunk_size=64 * 1024)
    uploader.upload()  # tuspy sends "Upload-Metadata: " without metadata
    upload = upload_of(uploader.url)
    assert upload.principal == f"user:{user.pk}"
    assert upload.metadata == {}
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    # Another party cannot even see it.
    other = _cookie(link_client("request-link:42"))
    path = urlsplit(str(uploader.url)).path
    assert _request(server, "HEAD", path, other).status == 404


def test_concurrent_patch_is_locked_out(server) -> None:
    cookie = _cookie(link_client("request-link:1"))
    data = os.urandom(2 * MiB)
    path = _create(server, cookie, len(data))
    upload_id = upload_of(path).pk
    first_half_sent = threading.Event()
    go_on = threading.Event()
    first_result: dict[str, object] = {}

    def slow_patch() -> None:
        sock = _start_patch(server, path, cookie, 0, MiB)
        sock.sendall(data[: MiB // 2])
        first_half_sent.set()
        go_on.wait(20)
        sock.sendall(data[MiB // 2 : MiB])
        first_result["status"], first_result["headers"] = _read_status(sock)
        sock.close()

    second_result: dict[str, object] = {}

    def competing_patch() -> None:
        response = _request(
            server,
            "PATCH",
            path,
            cookie,
            body=data[:MiB],
            headers={"Content-Type": OCTETS, "Upload-Offset": "0"},
        )
        second_result["status"] = response.status
        second_result["offset_seen"] = _request(server, "HEAD", path, cookie).headers[
            "Upload-Offset"
        ]

    first = threading.Thread(target=slow_patch)
    first.start()
    assert first_half_sent.wait(10)
    _wait_for(lambda: Upload.objects.get(pk=upload_id).lock_token is not None)
    second = threading.Thread(target=competing_patch)
    second.start()
    second.join(20)
    go_on.set()
    first.join(20)

    assert second_result == {"status": 423, "offset_seen": "0"}
    assert first_result["status"] == 204
    assert first_result["headers"]["upload-offset"] == str(MiB)  # type: ignore[index]
    rest = _request(
        server,
        "PATCH",
        path,
        cookie,
        body=data[MiB:],
        headers={"Content-Type": OCTETS, "Upload-Offset": str(MiB)},
    )
    assert rest.status == 204
    upload = upload_of(path)
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert upload.path.read_bytes() == data


@pytest.mark.parametrize("read_answer", [True, False])
def test_disconnect_mid_patch_keeps_received_bytes(server, read_answer: bool) -> None:
    cookie = _cookie(link_client("request-link:1"))
    data = os.urandom(3 * MiB)
    path = _create(server, cookie, len(data))
    upload_id = upload_of(path).pk
    sent = MiB + MiB // 2 + 123  # not on a chunk boundary

    sock = _start_patch(server, path, cookie, 0, len(data))
    sock.sendall(data[:sent])
    if read_answer:
        sock.shutdown(socket.SHUT_WR)  # the body ends early, the connection stays to answer
        status, headers = _read_status(sock)
        assert status == 400
        assert headers["upload-offset"] == str(sent)
    sock.close()

    def settled() -> bool:
        upload = Upload.objects.get(pk=upload_id)
        return upload.lock_token is None and upload.offset == sent

    _wait_for(settled)
    head = _request(server, "HEAD", path, cookie)
    assert head.headers["Upload-Offset"] == str(sent)
    assert upload_of(path).path.read_bytes() == data[:sent]
    rest = _request(
        server,
        "PATCH",
        path,
        cookie,
        body=data[sent:],
        headers={"Content-Type": OCTETS, "Upload-Offset": str(sent)},
    )
    assert rest.status == 204
    assert upload_of(path).sha256 == hashlib.sha256(data).hexdigest()
