"""The tus 1.0.0 core protocol and the creation, creation-with-upload, expiration, checksum
and termination extensions, through Django's test client."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import uuid
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from lantern.uploads.models import Upload
from lantern.uploads.protocol import parse_metadata
from lantern.uploads.signals import upload_completed

from .conftest import OCTETS, TUS, Tus, b64, checksum_header, stored, upload_of

pytestmark = pytest.mark.django_db


# -- discovery and versions ----------------------------------------------------------------


@override_settings(LANTERN_UPLOAD_MAX_BYTES=12345)
def test_options_advertises_the_server(tus: Tus) -> None:
    response = tus.client.options(tus.collection)  # no Tus-Resumable needed
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == (
        "creation,creation-with-upload,expiration,checksum,termination"
    )
    assert response["Tus-Checksum-Algorithm"] == "sha1,sha256,md5"
    assert response["Tus-Max-Size"] == "12345"
    assert not response.has_header("Access-Control-Allow-Origin")


def test_default_max_size_is_20_gib(tus: Tus, settings) -> None:
    del settings.LANTERN_UPLOAD_MAX_BYTES
    assert tus.client.options(tus.collection)["Tus-Max-Size"] == str(20 * 1024**3)


@pytest.mark.parametrize("version", [None, "0.2.2", "1.0", ""])
def test_missing_or_unsupported_version_is_412(tus: Tus, version: str | None) -> None:
    url = tus.new(10)
    headers = {} if version is None else {"Tus-Resumable": version}
    responses = [
        tus.client.post(tus.collection, headers={**headers, "Upload-Length": "5"}),
        tus.client.head(url, headers=headers),
        tus.client.generic(
            "PATCH", url, b"abc", content_type=OCTETS, headers={**headers, "Upload-Offset": "0"}
        ),
        tus.client.delete(url, headers=headers),
    ]
    for response in responses:
        assert response.status_code == 412
        assert response["Tus-Version"] == "1.0.0"
        assert response["Tus-Resumable"] == "1.0.0"
    assert Upload.objects.count() == 1
    assert upload_of(url).offset == 0 and stored(url) == b""


def test_every_answer_carries_tus_resumable(tus: Tus) -> None:
    missing = f"{tus.collection}{uuid.uuid4()}/"
    for response in (
        tus.head(missing),
        tus.client.get(tus.collection),
        tus.create(None),
        tus.client.options(missing),
    ):
        assert response["Tus-Resumable"] == "1.0.0", response.status_code


def test_get_is_not_allowed(tus: Tus) -> None:
    response = tus.client.get(tus.collection, headers=TUS)
    assert response.status_code == 405
    assert response["Allow"] == "OPTIONS, POST"
    url = tus.new(3)
    assert tus.client.get(url, headers=TUS).status_code == 405


# -- creation ------------------------------------------------------------------------------


def test_create(tus: Tus, upload_dir) -> None:
    before = timezone.now()
    response = tus.create(1000, metadata=f"filename {b64('cam 1.mp4')},is_confidential")
    assert response.status_code == 201
    location = response["Location"]
    assert location.startswith("http://testserver/uploads/")
    upload = upload_of(location)
    assert location == f"http://testserver/uploads/{upload.pk}/"
    assert upload.length == 1000 and upload.offset == 0
    assert upload.principal == "request-link:1"
    assert upload.metadata == {"filename": "cam 1.mp4", "is_confidential": None}
    assert upload.path == upload_dir / upload.pk.hex[:2] / upload.pk.hex
    assert upload.path.read_bytes() == b""
    assert response["Upload-Offset"] == "0"
    expires = parsedate_to_datetime(response["Upload-Expires"])
    assert response["Upload-Expires"].endswith(" GMT")
    assert (
        before + timedelta(hours=24) - timedelta(seconds=2)
        <= expires
        <= timezone.now() + timedelta(hours=24)
    )


@override_settings(LANTERN_UPLOAD_EXPIRY_HOURS=2)
def test_expiry_period_is_a_setting(tus: Tus) -> None:
    expires = parsedate_to_datetime(tus.create(5)["Upload-Expires"])
    assert abs(expires - (timezone.now() + timedelta(hours=2))) < timedelta(seconds=5)


@pytest.mark.parametrize("length", [None, "-1", "abc", "1e3", "+5", " "])
def test_create_needs_a_valid_length(tus: Tus, length: str | None) -> None:
    headers = {} if length is None else {"Upload-Length": length}
    response = tus.client.post(tus.collection, headers={**TUS, **headers})
    assert response.status_code == 400
    assert not Upload.objects.exists()


def test_deferred_length_is_refused(tus: Tus) -> None:
    response = tus.create(None, **{"Upload-Defer-Length": "1"})
    assert response.status_code == 400
    assert b"Upload-Defer-Length" in response.content


@override_settings(LANTERN_UPLOAD_MAX_BYTES=1000)
def test_create_over_max_size_is_413(tus: Tus) -> None:
    assert tus.create(1001).status_code == 413
    assert tus.create(1000).status_code == 201
    assert Upload.objects.count() == 1


@pytest.mark.parametrize(
    "header, expected",
    [
        ("", {}),
        ("   ", {}),
        ("filename " + b64("a.mp4"), {"filename": "a.mp4"}),
        (
            f"filename {b64('a b.mp4')}, filetype {b64('video/mp4')},flag",
            {"filename": "a b.mp4", "filetype": "video/mp4", "flag": None},
        ),
        (f"name {b64('Café ☕')}", {"name": "Café ☕"}),
        ("empty ", {"empty": None}),
    ],
)
def test_metadata_is_parsed(tus: Tus, header: str, expected: dict[str, str | None]) -> None:
    url = tus.new(4, metadata=header)
    assert upload_of(url).metadata == expected
    head = tus.head(url)
    if expected:
        assert parse_metadata(head["Upload-Metadata"]) == expected
    else:
        assert not head.has_header("Upload-Metadata")


@pytest.mark.parametrize(
    "header",
    [
        "filename not*base64",
        "filename YQ",  # missing padding
        "filename " + b64(b"\xff\xfe"),  # not UTF-8
        "a " + b64("1") + ",a " + b64("2"),  # repeated key
        "a " + b64("1") + " extra",
        ",a " + b64("1"),  # empty key
        "a " + b64("nul\x00"),
    ],
)
def test_malformed_metadata_is_400(tus: Tus, header: str) -> None:
    response = tus.create(4, metadata=header)
    assert response.status_code == 400
    assert not Upload.objects.exists()


def test_file_name_never_reaches_the_path(tus: Tus, upload_dir) -> None:
    url = tus.new(3, metadata=f"filename {b64('../../../etc/passwd')}")
    upload = upload_of(url)
    assert upload.path.parent.parent == upload_dir
    assert upload.path.name == upload.pk.hex
    assert upload.filename == "../../../etc/passwd"


@pytest.mark.parametrize(
    "proto, host, expected",
    [
        ("https", "lantern.example.org", "https://lantern.example.org/uploads/"),
        ("http", "lantern.example.org", "http://lantern.example.org/uploads/"),
    ],
)
def test_location_honours_the_tls_proxy(tus: Tus, proto: str, host: str, expected: str) -> None:
    with override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        USE_X_FORWARDED_HOST=True,
        ALLOWED_HOSTS=["lantern.example.org"],
    ):
        response = tus.create(
            5, **{"X-Forwarded-Proto": proto, "X-Forwarded-Host": host, "Host": "10.0.0.5"}
        )
    assert response.status_code == 201
    assert response["Location"].startswith(expected)


def test_forwarded_headers_ignored_unless_configured(tus: Tus) -> None:
    response = tus.create(5, **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.test"})
    assert response["Location"].startswith("http://testserver/uploads/")


# -- creation-with-upload ------------------------------------------------------------------


def test_creation_with_upload(tus: Tus) -> None:
    response = tus.create_with(10, b"hello")
    assert response.status_code == 201
    assert response["Upload-Offset"] == "5"
    url = response["Location"]
    assert stored(url) == b"hello"
    assert tus.patch(url, 5, b"world").status_code == 204
    assert upload_of(url).sha256 == hashlib.sha256(b"helloworld").hexdigest()


def test_creation_with_whole_upload_completes(tus: Tus) -> None:
    response = tus.create_with(3, b"abc", **{"Upload-Checksum": checksum_header("md5", b"abc")})
    upload = upload_of(response["Location"])
    assert upload.is_complete and upload.sha256 == hashlib.sha256(b"abc").hexdigest()
    assert not response.has_header("Upload-Expires")


def test_creation_with_bad_checksum_keeps_the_upload_at_zero(tus: Tus) -> None:
    response = tus.create_with(10, b"hello", **{"Upload-Checksum": checksum_header("sha1", b"x")})
    assert response.status_code == 201
    assert response["Upload-Offset"] == "0"
    assert stored(response["Location"]) == b""


def test_creation_body_without_the_offset_content_type_is_ignored(tus: Tus) -> None:
    response = tus.client.post(
        tus.collection, b"hello", content_type="text/plain", headers={**TUS, "Upload-Length": "5"}
    )
    assert response.status_code == 201
    assert response["Upload-Offset"] == "0"
    assert stored(response["Location"]) == b""


def test_creation_body_longer_than_length_is_413(tus: Tus) -> None:
    assert tus.create_with(3, b"hello").status_code == 413
    assert not Upload.objects.exists()


def test_zero_length_upload_is_complete_at_once(tus: Tus) -> None:
    url = tus.new(0)
    upload = upload_of(url)
    assert upload.is_complete and upload.sha256 == hashlib.sha256(b"").hexdigest()
    assert tus.head(url)["Upload-Offset"] == "0"


# -- HEAD ----------------------------------------------------------------------------------


def test_head(tus: Tus) -> None:
    url = tus.new(10, metadata=f"filename {b64('x.mp4')}")
    tus.patch(url, 0, b"1234")
    response = tus.head(url)
    assert response.status_code == 200
    assert response["Upload-Offset"] == "4"
    assert response["Upload-Length"] == "10"
    assert response["Upload-Metadata"] == f"filename {b64('x.mp4')}"
    assert response["Cache-Control"] == "no-store"
    assert response.has_header("Upload-Expires")
    assert response.content == b""


def test_head_unknown_is_404(tus: Tus) -> None:
    response = tus.head(f"{tus.collection}{uuid.uuid4()}/")
    assert response.status_code == 404
    assert response.content == b""


# -- PATCH ---------------------------------------------------------------------------------


def test_patch_appends_in_order(tus: Tus) -> None:
    url = tus.new(11)
    response = tus.patch(url, 0, b"hello ")
    assert response.status_code == 204
    assert response["Upload-Offset"] == "6"
    assert response.has_header("Upload-Expires")
    response = tus.patch(url, 6, b"world")
    assert response["Upload-Offset"] == "11"
    assert not response.has_header("Upload-Expires")
    assert stored(url) == b"hello world"


def test_patch_streams_bodies_bigger_than_the_memory_limit(tus: Tus, settings) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    assert len(data) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    url = tus.new(len(data))
    assert tus.patch(url, 0, data).status_code == 204
    assert upload_of(url).sha256 == hashlib.sha256(data).hexdigest()
    created = tus.create_with(len(data), data)  # creation-with-upload streams too
    assert created.status_code == 201 and created["Upload-Offset"] == str(len(data))


@pytest.mark.parametrize("offset", [0, 3, 6, 100])
def test_patch_with_wrong_offset_is_409_and_changes_nothing(tus: Tus, offset: int) -> None:
    url = tus.new(10)
    tus.patch(url, 0, b"abcde")
    response = tus.patch(url, offset, b"XYZ")
    assert response.status_code == 409
    assert stored(url) == b"abcde"
    assert upload_of(url).offset == 5


@pytest.mark.parametrize("content_type", ["application/octet-stream", "text/plain", ""])
def test_patch_needs_offset_content_type(tus: Tus, content_type: str) -> None:
    url = tus.new(10)
    response = tus.patch(url, 0, b"abc", content_type=content_type)
    assert response.status_code == 415
    assert stored(url) == b""


@pytest.mark.parametrize("offset", [None, "-1", "x", "1.5"])
def test_patch_needs_a_valid_offset(tus: Tus, offset: str | None) -> None:
    url = tus.new(10)
    headers = {**TUS} if offset is None else {**TUS, "Upload-Offset": offset}
    response = tus.client.generic("PATCH", url, b"abc", content_type=OCTETS, headers=headers)
    assert response.status_code == 400
    assert stored(url) == b""


def test_patch_past_the_length_is_413(tus: Tus) -> None:
    url = tus.new(5)
    tus.patch(url, 0, b"ab")
    assert tus.patch(url, 2, b"cdefg").status_code == 413
    assert stored(url) == b"ab" and upload_of(url).offset == 2


def test_patch_on_a_complete_upload(tus: Tus) -> None:
    url = tus.new(3)
    tus.patch(url, 0, b"abc")
    assert tus.patch(url, 3, b"").status_code == 204
    assert tus.patch(url, 3, b"d").status_code == 413
    assert tus.patch(url, 0, b"xyz").status_code == 409
    assert stored(url) == b"abc"


def test_empty_patch_changes_nothing(tus: Tus) -> None:
    url = tus.new(3)
    response = tus.patch(url, 0, b"")
    assert response.status_code == 204 and response["Upload-Offset"] == "0"


def test_method_override(tus: Tus) -> None:
    url = tus.new(3)
    response = tus.client.post(
        url,
        b"abc",
        content_type=OCTETS,
        headers={**TUS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
    )
    assert response.status_code == 204
    assert stored(url) == b"abc"


def test_chunked_body_is_read_to_its_end_when_the_server_ends_it(tus: Tus) -> None:
    url = tus.new(8)
    chunked: dict[str, Any] = {
        "CONTENT_LENGTH": "",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_TYPE": OCTETS,
        "wsgi.input_terminated": True,
    }
    response = tus.client.generic(
        "PATCH",
        url,
        b"",
        content_type=OCTETS,
        headers={**TUS, "Upload-Offset": "0"},
        **{**chunked, "wsgi.input": io.BytesIO(b"12345")},
    )
    assert response.status_code == 204 and response["Upload-Offset"] == "5"
    response = tus.client.generic(
        "PATCH",
        url,
        b"",
        content_type=OCTETS,
        headers={**TUS, "Upload-Offset": "5"},
        **{**chunked, "wsgi.input": io.BytesIO(b"6789")},
    )
    assert response.status_code == 413
    assert stored(url) == b"12345"


def test_chunked_body_without_a_terminated_input_is_411(tus: Tus) -> None:
    url = tus.new(8)
    response = tus.client.generic(
        "PATCH",
        url,
        b"",
        content_type=OCTETS,
        headers={**TUS, "Upload-Offset": "0"},
        CONTENT_LENGTH="",
        CONTENT_TYPE=OCTETS,
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411


# -- completion ----------------------------------------------------------------------------


def test_completion_hashes_locks_and_signals(tus: Tus) -> None:
    received: list[Upload] = []

    def receiver(sender: type[Upload], upload: Upload, **kwargs: object) -> None:
        assert sender is Upload
        received.append(upload)

    upload_completed.connect(receiver)
    try:
        url = tus.new(6)
        tus.patch(url, 0, b"abc")
        assert received == []
        tus.patch(url, 3, b"def")
        tus.patch(url, 6, b"")
    finally:
        upload_completed.disconnect(receiver)
    upload = upload_of(url)
    assert [u.pk for u in received] == [upload.pk]
    assert received[0].sha256 == upload.sha256 == hashlib.sha256(b"abcdef").hexdigest()
    assert upload.completed_at is not None and upload.expires_at is None
    assert stat.S_IMODE(upload.path.stat().st_mode) == 0o440
    with upload.open() as f:
        assert f.read() == b"abcdef"


def test_a_failing_receiver_does_not_fail_the_upload(tus: Tus, caplog) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("receiver bug")

    upload_completed.connect(broken)
    try:
        url = tus.new(2)
        response = tus.patch(url, 0, b"ok")
    finally:
        upload_completed.disconnect(broken)
    assert response.status_code == 204
    assert upload_of(url).is_complete
    assert "receiver" in caplog.text


# -- checksum ------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "md5"])
def test_good_checksum_is_accepted(tus: Tus, algorithm: str) -> None:
    url = tus.new(10)
    response = tus.patch(url, 0, b"12345", checksum=checksum_header(algorithm, b"12345"))
    assert response.status_code == 204
    assert response["Upload-Offset"] == "5"
    assert stored(url) == b"12345"


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "md5"])
def test_bad_checksum_is_460_and_changes_nothing(tus: Tus, algorithm: str) -> None:
    url = tus.new(10)
    tus.patch(url, 0, b"123")
    response = tus.patch(url, 3, b"45678", checksum=checksum_header(algorithm, b"45679"))
    assert response.status_code == 460
    assert response.reason_phrase == "Checksum Mismatch"
    assert response["Upload-Offset"] == "3"
    assert stored(url) == b"123"
    assert upload_of(url).offset == 3
    assert tus.head(url)["Upload-Offset"] == "3"
    # The client resends the same chunk and carries on.
    response = tus.patch(url, 3, b"45678", checksum=checksum_header(algorithm, b"45678"))
    assert response.status_code == 204 and stored(url) == b"12345678"


@pytest.mark.parametrize(
    "header",
    [
        "crc32 AAAAAA==",
        "sha512 " + b64(hashlib.sha512(b"abc").digest()),
        "sha1",
        "sha1 not-base64!",
        "sha1 " + b64(b"short"),
    ],
)
def test_unsupported_or_malformed_checksum_is_400(tus: Tus, header: str) -> None:
    url = tus.new(10)
    response = tus.patch(url, 0, b"abc", checksum=header)
    assert response.status_code == 400
    assert stored(url) == b""


# -- termination ---------------------------------------------------------------------------


def test_terminate(tus: Tus) -> None:
    url = tus.new(10)
    tus.patch(url, 0, b"abc")
    path = upload_of(url).path
    response = tus.delete(url)
    assert response.status_code == 204
    assert not path.exists()
    assert upload_of(url).terminated_at is not None
    assert tus.head(url).status_code == 404
    assert tus.patch(url, 3, b"d").status_code == 404
    assert tus.delete(url).status_code == 404


def test_completed_upload_cannot_be_terminated(tus: Tus) -> None:
    url = tus.new(3)
    tus.patch(url, 0, b"abc")
    response = tus.delete(url)
    assert response.status_code == 403
    assert stored(url) == b"abc"


# -- expiration ----------------------------------------------------------------------------


def test_expired_upload_is_410(tus: Tus) -> None:
    url = tus.new(10)
    tus.patch(url, 0, b"abc")
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tus.head(url).status_code == 410
    assert tus.patch(url, 3, b"d").status_code == 410
    assert stored(url) == b"abc"


def test_patch_moves_the_expiry_on(tus: Tus) -> None:
    url = tus.new(10)
    Upload.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    response = tus.patch(url, 0, b"abc")
    expires = parsedate_to_datetime(response["Upload-Expires"])
    assert expires > timezone.now() + timedelta(hours=23)
    assert upload_of(url).expires_at > timezone.now() + timedelta(hours=23)  # type: ignore[operator]
