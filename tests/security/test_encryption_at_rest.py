"""Encryption at rest (issue 13 item 11): evidence originals and derived files are stored
encrypted (AES-256-GCM in 64 KiB chunks, a data key per file wrapped by a master key from
EVIDENCE_MASTER_KEYS), every reader sees the plaintext, Range reads decrypt only what they
touch, tampering and truncation are refused, and key rotation rewraps the data keys
without rewriting a file. Run locally and against S3 (SeaweedFS)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lantern.accounts.tests.factories import World
from lantern.evidence import encryption
from lantern.evidence.encryption import (
    CHUNK,
    HEADER_BYTES,
    MAGIC,
    SEALED_CHUNK,
    EncryptedFileCorrupt,
    KeyUnavailable,
    ciphertext_size,
)
from lantern.evidence.fixity import FIXITY_REASON, UNAUTHENTIC, fixity_check
from lantern.evidence.models import EncryptedFile, EvidenceItem
from lantern.evidence.tests.test_requests import MP4, _create
from lantern.ledger.models import Entry
from tests.security.figures import report

pytestmark = pytest.mark.django_db
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
KEY_A = f"a:{base64.b64encode(os.urandom(32)).decode()}"
KEY_B = f"b:{base64.b64encode(os.urandom(32)).decode()}"
# A recognisable random pattern: 300 KiB (five chunks and a part) after an MP4 header.
DATA = MP4 + os.urandom(300 * 1024 + 123)


def samples(data: bytes, count: int = 64, width: int = 24) -> list[bytes]:
    """Slices of the plaintext spread over it: none may appear in a stored file."""
    step = max(1, (len(data) - width) // count)
    return [data[i : i + width] for i in range(0, len(data) - width, step)]


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def encrypted(settings: Any, tmp_path: Path) -> Path:
    """Encryption on, local storage in a temporary directory."""
    settings.EVIDENCE_MASTER_KEYS = [KEY_A]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "lantern.evidence.encryption.EncryptedFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.LANTERN_UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path


def tus_upload_and_submit(world: World, client_for, mailoutbox, on_commit, data: bytes):
    """Request footage, upload it through the link by tus, submit: the real flow."""
    _, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    meta = "filename " + base64.b64encode(b"cam3.mp4").decode()
    created = operator.post(
        reverse("uploads:collection"),
        b"",
        content_type=OCTETS,
        headers={**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
    )
    assert created.status_code == 201, created.content
    location = created["Location"].split("testserver", 1)[-1]
    with on_commit():
        patched = operator.generic(
            "PATCH",
            location,
            data,
            content_type=OCTETS,
            headers={**TUS, "Upload-Offset": "0"},
        )
    assert patched.status_code == 204, patched.content
    with on_commit():
        operator.post(reverse("evidence:respond-submit"), {})
    item = EvidenceItem.objects.latest("pk")
    assert item.servable, item.state_reason
    assert item.sha256 == hashlib.sha256(data).hexdigest()  # the plaintext's hash
    return item


def raw_bytes(item_name: str) -> bytes:
    """The bytes as stored, read past the decrypting layer."""
    storage: Any = default_storage
    return Path(storage.path(item_name)).read_bytes()


def download(client, item: EvidenceItem, byte_range: str = "") -> Any:
    headers = {"Range": byte_range} if byte_range else {}
    return client.get(reverse("evidence:item-download", args=[item.pk]), headers=headers)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- Local storage -----------------------------------------------------------------------


def test_tus_upload_stored_without_plaintext_and_served_decrypted(
    world: World, client_for, mailoutbox, on_commit, encrypted: Path, capsys
):
    item = tus_upload_and_submit(world, client_for, mailoutbox, on_commit, DATA)
    stored = raw_bytes(item.original.name)
    assert stored.startswith(MAGIC) and len(stored) == ciphertext_size(len(DATA))
    row = EncryptedFile.objects.get(name=item.original.name)
    assert row.key_id == "a" and row.size == len(DATA) == item.size
    assert default_storage.size(item.original.name) == len(DATA)

    # No file anywhere Lantern keeps bytes (storage and the tus upload directory) holds any
    # of the plaintext: the upload file was removed once its bytes were stored encrypted.
    pieces = samples(DATA)
    scanned = files_under(encrypted / "media") + files_under(encrypted / "uploads")
    assert any(p.read_bytes() == stored for p in scanned)
    leaks = [str(p) for p in scanned for s in pieces if s in p.read_bytes()]
    assert leaks == []
    assert files_under(encrypted / "uploads") == []
    report(
        capsys,
        "encryption at rest (local, tus)",
        stored_files_scanned=len(scanned),
        plaintext_samples=len(pieces),
        plaintext_found=len(leaks),
    )

    officer = client_for("officer")
    whole = download(officer, item)
    assert whole.status_code == 200 and body(whole) == DATA
    part = download(officer, item, f"bytes={CHUNK - 10}-{CHUNK * 2 + 5}")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes {CHUNK - 10}-{CHUNK * 2 + 5}/{len(DATA)}"
    assert body(part) == DATA[CHUNK - 10 : CHUNK * 2 + 6]
    tail = download(officer, item, "bytes=-100")
    assert body(tail) == DATA[-100:]
    # Fixity re-hashes the plaintext (authenticating every chunk) and finds it intact.
    assert fixity_check()["failed"] == 0


def test_video_call_recordings_are_encrypted_too(
    world: World, client_for, on_commit, encrypted: Path, capsys
):
    """The officer's recording of a video call (and a file the person sends) becomes
    evidence through the same hand-over, so it is stored encrypted and its upload removed."""
    from django.urls import reverse as url

    from lantern.videocalls.tests.test_calls import _join, _schedule, _tus_upload

    reference, path = _schedule(client_for, world, on_commit)
    officer = client_for("officer")
    person = _join(path)
    person.post(url("videocalls:public-consent"))
    officer.post(url("videocalls:recording", args=[reference]), {"action": "start"})
    header = {"HTTP_X_LANTERN_VIDEO_CALL": reference}
    assert _tus_upload(officer, DATA, f"{reference}.webm", on_commit, **header) == 204
    assert _tus_upload(person, DATA[::-1], "photo.jpg", on_commit) == 204
    items = list(EvidenceItem.objects.order_by("pk"))
    assert len(items) == 2
    for item, plain in zip(items, (DATA, DATA[::-1]), strict=True):
        stored = raw_bytes(item.original.name)
        assert stored.startswith(MAGIC) and len(stored) == ciphertext_size(len(plain))
        assert item.sha256 == hashlib.sha256(plain).hexdigest()
        with item.original.open("rb") as handle:
            assert handle.read() == plain
    pieces = samples(DATA) + samples(DATA[::-1])
    scanned = files_under(encrypted / "media") + files_under(encrypted / "uploads")
    leaks = [str(p) for p in scanned for piece in pieces if piece in p.read_bytes()]
    assert leaks == [] and files_under(encrypted / "uploads") == []
    report(
        capsys,
        "encryption at rest (video call recording and file)",
        items=len(items),
        stored_files_scanned=len(scanned),
        plaintext_found=len(leaks),
    )


def test_derived_files_are_encrypted_too(
    world: World, client_for, mailoutbox, on_commit, encrypted: Path
):
    from PIL import Image

    picture = io.BytesIO()
    Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3)).save(picture, "PNG")
    item = tus_upload_and_submit(world, client_for, mailoutbox, on_commit, picture.getvalue())
    derived = list(item.derived.all())
    assert derived, item.state_reason
    for copy in derived:
        stored = raw_bytes(copy.file.name)
        assert stored.startswith(MAGIC)
        with copy.file.open("rb") as handle:
            plain = handle.read()
        assert hashlib.sha256(plain).hexdigest() == copy.sha256 and len(plain) == copy.size
        assert not any(s in stored for s in samples(plain, 16, 16))
    still = client_for("officer").get(reverse("evidence:item-still", args=[item.pk, derived[0].pk]))
    assert still.status_code == 200
    assert hashlib.sha256(body(still)).hexdigest() == derived[0].sha256


def test_statements_and_profile_pictures_are_encrypted_too(
    world: World, client_for, mailoutbox, on_commit, encrypted: Path, capsys
):
    """A witness's signed MG11, its restricted rear page (the witness's address) and an
    offender's profile picture are stored encrypted; the pages that serve them give the
    plaintext back, with the hash recorded at signing."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from lantern.intelligence.models import ProfileImage
    from lantern.intelligence.tests.factories import make_profile, png_bytes
    from lantern.statements.models import Statement
    from lantern.statements.tests.test_flow import ADULT_DOB, REAR, _new, _send

    statement = _new(client_for)
    path = _send(client_for, statement, mailoutbox, on_commit)
    witness = Client()
    witness.post(path, {"check": "dob", "dob": ADULT_DOB.isoformat()})
    witness.post(reverse("statements:witness-details"), REAR)
    with on_commit():
        witness.post(
            reverse("statements:witness-sign"),
            {"signed_name": "Sam Ellis", "declaration": "on", "typed_only": "on"},
        )
    statement.refresh_from_db()
    assert statement.status == Statement.Status.SIGNED and statement.signed_pdf
    stored_files = [statement.signed_pdf, statement.restricted.rear_pdf]
    leaks = []
    for field in stored_files:
        stored = raw_bytes(field.name)
        with field.open("rb") as handle:
            plain = handle.read()
        assert plain.startswith(b"%PDF") and stored.startswith(MAGIC)
        assert len(stored) == ciphertext_size(len(plain))
        leaks += [piece for piece in samples(plain) if piece in stored]
    served = client_for("officer").get(reverse("statements:pdf", args=[statement.pk]))
    assert hashlib.sha256(body(served)).hexdigest() == statement.signed_sha256

    profile = make_profile(world)
    picture = png_bytes("blue", (64, 64))
    officer = client_for("officer")
    added = officer.post(
        reverse("intelligence:image-add", args=[profile.pk]),
        {"picture": SimpleUploadedFile("x.png", picture)},
    )
    assert added.status_code == 302
    image = ProfileImage.objects.get(profile=profile)
    stored = raw_bytes(image.file.name)
    assert stored.startswith(MAGIC)
    leaks += [piece for piece in samples(picture, 16, 16) if piece in stored]
    shown = officer.get(reverse("intelligence:image", args=[image.pk]))
    assert body(shown) == picture
    report(
        capsys,
        "encryption at rest (statement, rear page, profile picture)",
        files=len(stored_files) + 1,
        plaintext_found=len(leaks),
    )
    assert leaks == []


@pytest.fixture
def stored_file(encrypted: Path) -> tuple[str, bytes]:
    data = os.urandom(CHUNK * 3 + 999)
    name = default_storage.save("evidence/originals/test.bin", ContentFile(data))
    return name, data


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=st.integers(min_value=0), length=st.integers(min_value=0, max_value=3 * CHUNK))
def test_random_ranges_read_the_right_bytes(stored_file: tuple[str, bytes], start, length):
    name, data = stored_file
    start %= len(data) + 10
    with default_storage.open(name, "rb") as handle:
        handle.seek(start)
        assert handle.read(length) == data[start : start + length]
        assert handle.tell() == min(start + length, max(start, len(data)))


@pytest.fixture
def stored_item(world: World, stored_file: tuple[str, bytes]) -> tuple[EvidenceItem, bytes]:
    """An officer's own exhibit (no request) whose original is the stored file."""
    from lantern.casework.models import Case

    name, data = stored_file
    case = Case.objects.create(force=world.orgs["force"], reference="NP/1", title="Theft")
    item = EvidenceItem.objects.create(
        case=case,
        original=name,
        original_name="test.bin",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        state=EvidenceItem.State.ORIGINAL_ONLY,
        uploaded_by="officer",
    )
    return item, data


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.integers(min_value=0, max_value=CHUNK * 3 + 998), span=st.integers(0, 200_000))
def test_random_http_ranges(
    client_for, stored_item: tuple[EvidenceItem, bytes], first: int, span: int
):
    item, data = stored_item
    last = min(first + span, len(data) - 1)
    response = download(client_for("officer"), item, f"bytes={first}-{last}")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(data)}"
    assert body(response) == data[first : last + 1]


def flip(path: Path, position: int) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= 0x01
    path.write_bytes(bytes(data))


def test_tampered_ciphertext_is_refused_and_fixity_records_it(
    world: World, client_for, mailoutbox, on_commit, encrypted: Path
):
    item = tus_upload_and_submit(world, client_for, mailoutbox, on_commit, DATA)
    path = Path(default_storage.path(item.original.name))
    flip(path, HEADER_BYTES + 2 * SEALED_CHUNK + 77)  # a byte in the third chunk
    with item.original.open("rb") as handle:
        assert handle.read(CHUNK) == DATA[:CHUNK]  # chunks not touched still read
        with pytest.raises(EncryptedFileCorrupt):
            handle.read()
    response = download(client_for("officer"), item)
    with pytest.raises(EncryptedFileCorrupt):
        body(response)  # the stream stops before any unauthenticated byte is sent
    counts = fixity_check()
    assert counts["failed"] == 1
    entry = Entry.objects.get(reason=FIXITY_REASON, object_id=str(item.pk))
    assert entry.detail["actual"] == UNAUTHENTIC


@pytest.mark.parametrize("where", ["header", "tag", "last"])
def test_every_part_of_the_file_is_authenticated(stored_file: tuple[str, bytes], where: str):
    name, _data = stored_file
    path = Path(default_storage.path(name))
    position = {
        "header": 9,
        "tag": HEADER_BYTES + SEALED_CHUNK - 1,
        "last": path.stat().st_size - 1,
    }
    flip(path, position[where])
    with pytest.raises(EncryptedFileCorrupt), default_storage.open(name, "rb") as handle:
        handle.read()


def test_truncation_and_reordering_are_detected(stored_file: tuple[str, bytes]):
    name, data = stored_file
    path = Path(default_storage.path(name))
    sealed = path.read_bytes()
    row = EncryptedFile.objects.get(name=name)

    # Cut at a chunk boundary: the length no longer matches the recorded size...
    path.write_bytes(sealed[: HEADER_BYTES + 2 * SEALED_CHUNK])
    with pytest.raises(EncryptedFileCorrupt):
        default_storage.open(name, "rb")
    # ...and even with the recorded size changed to match, the new last chunk was not
    # sealed as the final one.
    EncryptedFile.objects.filter(pk=row.pk).update(size=2 * CHUNK)
    with pytest.raises(EncryptedFileCorrupt), default_storage.open(name, "rb") as handle:
        handle.seek(CHUNK + 5)
        handle.read(10)
    EncryptedFile.objects.filter(pk=row.pk).update(size=row.size)

    # Two chunks swapped.
    chunks = [
        sealed[HEADER_BYTES + i * SEALED_CHUNK : HEADER_BYTES + (i + 1) * SEALED_CHUNK]
        for i in range(3)
    ]
    swapped = (
        sealed[:HEADER_BYTES] + chunks[1] + chunks[0] + sealed[HEADER_BYTES + 2 * SEALED_CHUNK :]
    )
    path.write_bytes(swapped)
    with pytest.raises(EncryptedFileCorrupt), default_storage.open(name, "rb") as handle:
        handle.read(10)

    path.write_bytes(sealed)  # restored: reads again
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == data


def test_a_data_key_cannot_be_moved_to_another_file(stored_file: tuple[str, bytes]):
    name, _ = stored_file
    other = default_storage.save("evidence/originals/other.bin", ContentFile(b"other"))
    wrapped = EncryptedFile.objects.get(name=name).wrapped_key
    EncryptedFile.objects.filter(name=other).update(wrapped_key=wrapped)
    with pytest.raises(EncryptedFileCorrupt):
        default_storage.open(other, "rb")


def test_rotation_rewraps_keys_without_rewriting_files(
    stored_file: tuple[str, bytes], settings: Any
):
    name, data = stored_file
    path = Path(default_storage.path(name))
    before = path.read_bytes()
    assert EncryptedFile.objects.get(name=name).key_id == "a"

    settings.EVIDENCE_MASTER_KEYS = [KEY_B, KEY_A]  # new key first, old one kept
    newer = default_storage.save("evidence/originals/new.bin", ContentFile(b"new file"))
    assert EncryptedFile.objects.get(name=newer).key_id == "b"
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == data  # still read with the old key until rotation
    with pytest.raises(CommandError):
        call_command("evidence_keys_rotate", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("evidence_keys_rotate", stdout=out)
    assert "Rewrapped 1 data keys with master key b" in out.getvalue()
    assert set(EncryptedFile.objects.values_list("key_id", flat=True)) == {"b"}
    assert path.read_bytes() == before  # the file itself is untouched
    assert Entry.objects.filter(object_type="evidence.encryptedfile").count() == 1
    call_command("evidence_keys_rotate", "--check", stdout=io.StringIO())

    settings.EVIDENCE_MASTER_KEYS = [KEY_B]  # the old key removed
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == data
    with default_storage.open(newer, "rb") as handle:
        assert handle.read() == b"new file"


def test_without_the_key_nothing_reads(stored_file: tuple[str, bytes], settings: Any):
    name, _ = stored_file
    settings.EVIDENCE_MASTER_KEYS = [KEY_B]  # rotated away before rotation ran
    with pytest.raises(KeyUnavailable):
        default_storage.open(name, "rb")
    with pytest.raises(CommandError, match="not configured"):
        call_command("evidence_keys_rotate", stdout=io.StringIO())


def test_files_from_before_encryption_still_read(settings: Any, encrypted: Path):
    settings.EVIDENCE_MASTER_KEYS = []
    name = default_storage.save("evidence/originals/old.bin", ContentFile(b"plain old"))
    assert not EncryptedFile.objects.filter(name=name).exists()
    settings.EVIDENCE_MASTER_KEYS = [KEY_A]
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == b"plain old"
    # Only the listed prefixes are encrypted; other files in the storage are as before.
    other = default_storage.save("exports/x.csv", ContentFile(b"a,b"))
    assert Path(default_storage.path(other)).read_bytes() == b"a,b"


def test_bad_master_key_configuration_is_refused(settings: Any):
    from django.core.exceptions import ImproperlyConfigured

    for bad in (
        ["a"],
        ["a:notbase64!"],
        ["a:" + base64.b64encode(b"short").decode()],
        [KEY_A, KEY_A],
    ):
        settings.EVIDENCE_MASTER_KEYS = bad
        with pytest.raises(ImproperlyConfigured):
            encryption.master_keys()


# --- S3 (SeaweedFS) ----------------------------------------------------------------------


@pytest.fixture
def encrypted_s3(s3_storage: Any, settings: Any, tmp_path: Path) -> Any:
    """Encryption on, the default storage on the test S3 server, tus by multipart upload."""
    from storages.backends.s3 import S3Storage

    settings.EVIDENCE_MASTER_KEYS = [KEY_A]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "BACKEND": "lantern.evidence.encrypted_s3.EncryptedS3Storage",
        },
    }
    settings.LANTERN_UPLOAD_DIR = str(tmp_path / "uploads")
    settings.LANTERN_UPLOAD_S3_PART_BYTES = 5 * 1024 * 1024
    assert isinstance(default_storage, S3Storage)  # tus still uploads by multipart
    return s3_storage


def test_s3_tus_upload_stored_encrypted_and_read_by_range(
    world: World, client_for, mailoutbox, on_commit, encrypted_s3: Any, capsys
):
    data = MP4 + os.urandom(6 * 1024 * 1024 + 4321)  # more than one part and one window
    item = tus_upload_and_submit(world, client_for, mailoutbox, on_commit, data)
    assert item.original.name.startswith("evidence/originals/")
    client = encrypted_s3.client()

    def stored(name: str) -> bytes:
        answer = client.get_object(Bucket=encrypted_s3.bucket, Key=name)
        content: bytes = answer["Body"].read()
        return content

    listed = client.list_objects_v2(Bucket=encrypted_s3.bucket, Prefix=encrypted_s3.key(""))
    keys = [entry["Key"] for entry in listed.get("Contents", [])]
    original = stored(encrypted_s3.key(item.original.name))
    assert original.startswith(MAGIC) and len(original) == ciphertext_size(len(data))
    pieces = samples(data)
    leaks = [key for key in keys for s in pieces if s in stored(key)]
    assert leaks == []  # the plaintext multipart object was deleted after the copy
    report(
        capsys,
        "encryption at rest (S3, tus)",
        stored_objects_scanned=len(keys),
        plaintext_samples=len(pieces),
        plaintext_found=len(leaks),
    )
    assert default_storage.size(item.original.name) == len(data)

    officer = client_for("officer")
    for first, last in [
        (0, 99),
        (CHUNK - 1, CHUNK),
        (5 * 1024 * 1024 - 7, 5 * 1024 * 1024 + 70_000),
    ]:
        part = download(officer, item, f"bytes={first}-{last}")
        assert part.status_code == 206 and body(part) == data[first : last + 1]
    assert hashlib.sha256(body(download(officer, item))).hexdigest() == item.sha256
    assert fixity_check()["failed"] == 0

    # One bit flipped in the object: fixity records it, nothing unauthenticated is served.
    tampered = bytearray(original)
    tampered[HEADER_BYTES + 40 * SEALED_CHUNK + 5] ^= 0x80
    client.put_object(
        Bucket=encrypted_s3.bucket, Key=encrypted_s3.key(item.original.name), Body=bytes(tampered)
    )
    assert fixity_check()["failed"] == 1
    entry = Entry.objects.get(reason=FIXITY_REASON, object_id=str(item.pk))
    assert entry.detail["actual"] == UNAUTHENTIC
    # The damaged chunk is the first one served: a page says so before any byte is sent.
    damaged = download(officer, item, f"bytes={40 * CHUNK}-{40 * CHUNK + 10}")
    assert damaged.status_code == 500
    assert "failed its integrity check" in damaged.content.decode()


def test_plain_form_upload_is_encrypted_too(
    world: World, client_for, mailoutbox, on_commit, encrypted: Path
):
    from lantern.evidence.tests.test_fixity import upload_and_submit

    item = upload_and_submit(world, client_for, mailoutbox, on_commit, data=DATA)
    stored = raw_bytes(item.original.name)
    assert stored.startswith(MAGIC) and not any(s in stored for s in samples(DATA))
    with item.original.open("rb") as handle:
        assert handle.read() == DATA


def test_file_response_readers_get_the_plaintext(stored_item: tuple[EvidenceItem, bytes]):
    """Views that hand `.open()` to FileResponse (the incident-log photo) get the right
    length and bytes."""
    from django.http import FileResponse

    item, data = stored_item
    response = FileResponse(item.original.open("rb"), content_type="application/octet-stream")
    assert int(response["Content-Length"]) == len(data)
    assert b"".join(response.streaming_content) == data  # type: ignore[arg-type]
    response.close()


def test_start_up_check_refuses_bad_keys_and_unencrypting_storage(settings: Any):
    settings.EVIDENCE_MASTER_KEYS = ["a:short"]
    assert [m.id for m in encryption.check_master_keys()] == ["evidence.E001"]
    settings.EVIDENCE_MASTER_KEYS = [KEY_A]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    assert [m.id for m in encryption.check_master_keys()] == ["evidence.E002"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "lantern.evidence.encryption.EncryptedFileSystemStorage"},
    }
    assert encryption.check_master_keys() == []
    settings.EVIDENCE_MASTER_KEYS = []
    assert encryption.check_master_keys() == []


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK])
def test_chunk_boundaries_round_trip_and_the_last_chunk_is_needed(encrypted: Path, size: int):
    data = os.urandom(size)
    name = default_storage.save("evidence/derived/edge.bin", ContentFile(data))
    path = Path(default_storage.path(name))
    assert path.stat().st_size == ciphertext_size(size)
    assert default_storage.size(name) == size
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == data
        assert handle.read() == b""
    # Without its last sealed chunk (recorded size changed to match), the file is refused.
    if size > CHUNK:
        sealed = path.read_bytes()
        path.write_bytes(sealed[: HEADER_BYTES + SEALED_CHUNK])
        EncryptedFile.objects.filter(name=name).update(size=CHUNK)
        with pytest.raises(EncryptedFileCorrupt), default_storage.open(name, "rb") as handle:
            handle.read()


def test_case_bundle_carries_the_plaintext(client_for, stored_item: tuple[EvidenceItem, bytes]):
    import zipfile

    item, data = stored_item
    response = client_for("officer").post(
        reverse("evidence:case-bundle", args=[item.case_id]), {"copies": "original"}
    )
    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    sums = dict(
        line.split("  ", 1)[::-1] for line in archive.read("SHA256SUMS").decode().splitlines()
    )
    (member,) = [name for name, digest in sums.items() if digest == item.sha256]
    assert archive.read(member) == data


def test_a_damaged_first_chunk_gets_a_page_that_says_so(
    client_for, stored_item: tuple[EvidenceItem, bytes]
):
    """The chunk served first is authenticated before the response starts: a damaged file
    answers with a plain-English page, not a server error or a cut-off download."""
    item, _data = stored_item
    flip(Path(default_storage.path(item.original.name)), HEADER_BYTES + 100)
    response = download(client_for("officer"), item)
    assert response.status_code == 500
    assert "failed its integrity check" in response.content.decode()
