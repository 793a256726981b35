"""Working copies, stills and metadata from real files, and serving them: HTTP Range,
ledger entries, and who may see, play and download."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
from pathlib import Path

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from lantern.accounts.tests.factories import World
from lantern.evidence import media
from lantern.evidence.item_views import Unsatisfiable, parse_range, safe_filename
from lantern.evidence.models import DerivedFile, EvidenceItem
from lantern.evidence.tasks import evidence_item_process
from lantern.evidence.tests.test_requests import MP4, _create
from lantern.ledger.models import Action, Entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_storage(settings, tmp_path) -> None:
    """Files for these tests go to a temporary directory, not var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> bytes:
    """2 s of 160x120 test pattern with a tone, MPEG-4 Part 2 and PCM in AVI: a browser
    plays neither, so a working copy has to be made."""
    path = tmp_path_factory.mktemp("video") / "cam.avi"
    subprocess.run(
        [
            media.ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-nostdin"),
            *("-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=25"),
            *("-f", "lavfi", "-i", "sine=frequency=440:duration=2"),
            *("-c:v", "mpeg4", "-q:v", "5", "-c:a", "pcm_s16le", "-shortest", str(path)),
        ],
        check=True,
        timeout=60,
    )
    data: bytes = path.read_bytes()
    return data


@pytest.fixture(scope="module")
def picture() -> bytes:
    image = Image.new("RGB", (2000, 1000), "navy")
    image.paste(Image.new("RGB", (500, 500), "yellow"), (100, 100))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def submit(world: World, client_for, mailoutbox, on_commit, *files: tuple[str, bytes]):
    """Request footage, upload through the link with the plain form, submit: the real flow
    (checks, then processing, run at once in tests)."""
    _, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    assert (
        operator.post(reverse("evidence:respond-upload"), {"footage": uploads}).status_code == 302
    )
    with on_commit():
        operator.post(reverse("evidence:respond-submit"), {})
    return list(EvidenceItem.objects.order_by("pk"))


def stored(field_file) -> bytes:
    with field_file.storage.open(field_file.name, "rb") as handle:
        return bytes(handle.read())


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_video_gets_metadata_working_copy_and_stills(
    world: World, client_for, mailoutbox, on_commit, video: bytes, tmp_path: Path
):
    (item,) = submit(world, client_for, mailoutbox, on_commit, ("cam3.avi", video))
    assert item.state == EvidenceItem.State.READY and item.state_reason == ""
    info = item.media_info
    assert info["container"] == "avi" and abs(info["duration_seconds"] - 2.0) < 0.1
    assert info["video"]["codec"] == "mpeg4"
    assert (info["video"]["width"], info["video"]["height"]) == (160, 120)
    assert info["video"]["frame_rate"] == 25 and info["audio"]["codec"] == "pcm_s16le"

    working = item.derived.get(kind=DerivedFile.Kind.WORKING_COPY)
    data = stored(working.file)
    assert working.sha256 == sha(data) and working.size == len(data)
    assert working.parent_sha256 == item.sha256 and working.content_type == "video/mp4"
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(data)
    with av.open(str(copy)) as container:
        assert "mp4" in container.format.name
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.duration is not None
        assert abs(container.duration / av.time_base - 2.0) < 0.1
        assert stream.frames == 50  # every frame kept, none added
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: plays while loading

    # The recipe repeats: the same command on the original gives the same bytes.
    original = tmp_path / "original"
    original.write_bytes(video)
    again = tmp_path / "again.mp4"
    recipe = working.recipe
    assert (
        recipe["tool"] == "ffmpeg" and recipe["tool_version"] == media.ffmpeg_version() != "unknown"
    )
    args = media.working_copy_arguments(recipe["placeholders"]["{format}"], original, again)
    assert [a for a in args if "{" not in a] == args
    subprocess.run([media.ffmpeg_exe(), *args], check=True, timeout=60)
    assert sha(again.read_bytes()) == working.sha256

    stills = list(item.derived.filter(kind=DerivedFile.Kind.STILL).order_by("position_seconds"))
    assert len(stills) == media.STILLS
    positions = [s.position_seconds for s in stills]
    assert positions == sorted(set(positions)) and positions[0] >= 0 and positions[-1] < 2
    for still in stills:
        picture = stored(still.file)
        assert still.sha256 == sha(picture) and still.parent_sha256 == item.sha256
        with Image.open(io.BytesIO(picture)) as opened:
            assert opened.format == "JPEG" and opened.size == (160, 120)
        assert still.recipe["tool"] == "PyAV" and still.recipe["frame_seconds"] >= 0

    # The original is untouched.
    assert stored(item.original) == video and sha(video) == item.sha256

    # Each derived file is in the ledger, against the item, with its own hash.
    created = Entry.objects.filter(
        action=Action.CREATED, object_type="evidence.evidenceitem", object_id=str(item.pk)
    ).exclude(object_sha256=item.sha256)
    assert {e.object_sha256 for e in created} == {d.sha256 for d in item.derived.all()}
    assert all(e.detail["parent_sha256"] == item.sha256 for e in created)

    # Running again (the task or the function) adds nothing.
    entries = Entry.objects.count()
    assert evidence_item_process.call(item.pk) == "already processed"
    assert media.process_item(item.pk) == "already processed"
    assert item.derived.count() == media.STILLS + 1 and Entry.objects.count() == entries


def test_picture_gets_a_web_sized_copy(
    world: World, client_for, mailoutbox, on_commit, picture: bytes
):
    (item,) = submit(world, client_for, mailoutbox, on_commit, ("shop.png", picture))
    assert item.state == EvidenceItem.State.READY
    assert item.media_info["width"] == 2000 and item.media_info["container"] == "png"
    web = item.derived.get()
    assert web.kind == DerivedFile.Kind.WEB_IMAGE and web.parent_sha256 == item.sha256
    data = stored(web.file)
    assert web.sha256 == sha(data)
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.format == "JPEG" and opened.size == (1600, 800)
    assert stored(item.original) == picture
    page = client_for("officer").get(reverse("evidence:item-detail", args=[item.pk]))
    still_url = reverse("evidence:item-still", args=[item.pk, web.pk])
    assert still_url in page.content.decode()
    served = client_for("officer").get(still_url)
    assert served["Content-Type"] == "image/jpeg" and body(served) == data
    assert served["Cache-Control"] == "no-store"


def test_undecodable_files_are_kept_as_originals(world: World, client_for, mailoutbox, on_commit):
    junk = os.urandom(40_000)
    fake = MP4 + os.urandom(20_000)  # looks like MP4 to the checks, is not
    items = submit(world, client_for, mailoutbox, on_commit, ("cam1.mp4", junk), ("cam2.mp4", fake))
    for item, data in zip(items, (junk, fake), strict=True):
        assert item.state == EvidenceItem.State.ORIGINAL_ONLY, item.state_reason
        assert "Kept as the original" in item.state_reason
        assert not item.derived.exists()
        assert stored(item.original) == data
        officer = client_for("officer")
        assert officer.get(reverse("evidence:item-play", args=[item.pk])).status_code == 404
        download = officer.get(reverse("evidence:item-download", args=[item.pk]))
        assert download.status_code == 200 and body(download) == data
        page = officer.get(reverse("evidence:item-detail", args=[item.pk])).content.decode()
        assert "Kept as the original" in page and "<video" not in page
    # Running again changes nothing and records nothing.
    entries = Entry.objects.count()
    media.process_item(items[1].pk)
    assert Entry.objects.count() == entries


def test_raw_stream_without_timestamps_gets_a_working_copy(
    world: World, client_for, mailoutbox, on_commit, tmp_path: Path
):
    """A raw H.264 stream (as some DVRs export) cannot seek and has no timestamps: it still
    gets a working copy and a still from its first frame."""
    raw = tmp_path / "export.264"
    subprocess.run(
        [
            media.ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-nostdin"),
            *("-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=25"),
            *("-c:v", "libx264", "-f", "h264", str(raw)),
        ],
        check=True,
        timeout=60,
    )
    (item,) = submit(world, client_for, mailoutbox, on_commit, ("export.264", raw.read_bytes()))
    assert item.state == EvidenceItem.State.READY, item.state_reason
    assert item.media_info["container"] == "h264"
    kinds = sorted(item.derived.values_list("kind", flat=True))
    assert kinds == [DerivedFile.Kind.STILL, DerivedFile.Kind.WORKING_COPY]


def test_playlists_are_never_opened(tmp_path: Path):
    playlist = tmp_path / "cam.avi"
    playlist.write_bytes(b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    assert media.analyse_video(playlist, tmp_path).problem == media.PLAYLIST


def test_range_requests_and_the_ledger(
    world: World, client_for, mailoutbox, on_commit, video: bytes
):
    (item,) = submit(world, client_for, mailoutbox, on_commit, ("cam3.avi", video))
    working = item.derived.get(kind=DerivedFile.Kind.WORKING_COPY)
    data = stored(working.file)
    size = len(data)
    officer = client_for("officer")
    url = reverse("evidence:item-play", args=[item.pk])

    def played() -> int:
        return Entry.objects.filter(action=Action.PLAYED, object_id=str(item.pk)).count()

    full = officer.get(url)
    assert full.status_code == 200 and body(full) == data
    assert full["Content-Length"] == str(size) and full["Accept-Ranges"] == "bytes"
    assert full["Content-Type"] == "video/mp4" and full["Cache-Control"] == "no-store"
    assert full["X-Content-Type-Options"] == "nosniff" and full["ETag"] == f'"{working.sha256}"'
    assert played() == 1
    entry = Entry.objects.filter(action=Action.PLAYED).latest("id")
    assert entry.object_sha256 == working.sha256 and entry.actor_label == "officer"

    first = officer.get(url, HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206 and body(first) == data[:100]
    assert first["Content-Range"] == f"bytes 0-99/{size}" and first["Content-Length"] == "100"
    assert played() == 2  # a new playback starts at byte 0

    rest = officer.get(url, HTTP_RANGE="bytes=100-")
    assert rest.status_code == 206 and body(rest) == data[100:]
    assert rest["Content-Range"] == f"bytes 100-{size - 1}/{size}"
    tail = officer.get(url, HTTP_RANGE="bytes=-50")
    assert tail.status_code == 206 and body(tail) == data[-50:]
    past_end = officer.get(url, HTTP_RANGE="bytes=5-999999999")
    assert past_end.status_code == 206 and body(past_end) == data[5:]
    assert played() == 2  # seeking within a playback is not another entry

    refused = officer.get(url, HTTP_RANGE=f"bytes={size}-")
    assert refused.status_code == 416 and refused["Content-Range"] == f"bytes */{size}"
    # Several ranges, or a stale If-Range: the whole file.
    assert officer.get(url, HTTP_RANGE="bytes=0-1,5-6").status_code == 200
    stale = officer.get(url, HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE='"other"')
    assert stale.status_code == 200 and body(stale) == data
    fresh = officer.get(url, HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=f'"{working.sha256}"')
    assert fresh.status_code == 206 and body(fresh) == data[10:20]

    # The page and the original download are recorded with the hashes of what was shown.
    page = officer.get(reverse("evidence:item-detail", args=[item.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "<video" in html and "playsinline" in html
    assert item.sha256 in html and url in html
    viewed = Entry.objects.filter(action=Action.VIEWED, object_id=str(item.pk)).latest("id")
    assert viewed.object_sha256 == item.sha256
    shown = {p["sha256"] for p in viewed.detail["pictures_shown"]}
    assert shown == set(
        item.derived.filter(kind=DerivedFile.Kind.STILL).values_list("sha256", flat=True)
    )
    download = officer.get(reverse("evidence:item-download", args=[item.pk]))
    assert download.status_code == 200 and body(download) == video
    assert download["Content-Disposition"] == 'attachment; filename="cam3.avi"'
    assert download["Cache-Control"] == "no-store"
    downloaded = Entry.objects.filter(action=Action.DOWNLOADED).latest("id")
    assert downloaded.object_sha256 == item.sha256 and downloaded.object_id == str(item.pk)
    copy = officer.get(url + "?download=1")
    assert "attachment" in copy["Content-Disposition"] and body(copy) == data
    assert Entry.objects.filter(action=Action.DOWNLOADED).latest("id").object_sha256 == (
        working.sha256
    )


def test_who_may_see_play_and_download(
    world: World, client_for, mailoutbox, on_commit, video: bytes
):
    (item,) = submit(world, client_for, mailoutbox, on_commit, ("cam3.avi", video))
    still = item.derived.filter(kind=DerivedFile.Kind.STILL).first()
    assert still is not None
    detail = reverse("evidence:item-detail", args=[item.pk])
    files = [
        reverse("evidence:item-play", args=[item.pk]),
        reverse("evidence:item-download", args=[item.pk]),
        reverse("evidence:item-still", args=[item.pk, still.pk]),
    ]
    for name in ("investigator", "call_handler"):
        client = client_for(name)
        assert client.get(detail).status_code == 200
        assert [client.get(u).status_code for u in files] == [200, 200, 200], name
    for name in ("officer_b", "store_staff", "lp_manager", "cctv_operator_b"):
        client = client_for(name)
        assert client.get(detail).status_code == 404, name
        assert [client.get(u).status_code for u in files] == [404, 404, 404], name
    refusals = Entry.objects.filter(action=Action.AUTHZ_FAILED, object_id=str(item.pk)).count()
    assert refusals >= 4

    # The council that uploaded it sees the record, but may not replay or download it.
    operator = client_for("cctv_operator")
    page = operator.get(detail).content.decode()
    assert item.sha256 in page and "Only police" in page
    assert "<video" not in page and files[1] not in page
    assert [operator.get(u).status_code for u in files] == [403, 403, 403]
    # Partners' and the police's request pages link to the item.
    request_page = reverse("evidence:request-detail", args=[item.request.reference])
    assert detail in operator.get(request_page).content.decode()


def test_nothing_served_until_checked_or_after_erasure(
    world: World, client_for, mailoutbox, on_commit, video: bytes
):
    (item,) = submit(world, client_for, mailoutbox, on_commit, ("cam3.avi", video))
    still = item.derived.filter(kind=DerivedFile.Kind.STILL).first()
    assert still is not None
    officer = client_for("officer")
    files = [
        reverse("evidence:item-play", args=[item.pk]),
        reverse("evidence:item-download", args=[item.pk]),
        reverse("evidence:item-still", args=[item.pk, still.pk]),
    ]
    detail = reverse("evidence:item-detail", args=[item.pk])
    EvidenceItem.objects.filter(pk=item.pk).update(state=EvidenceItem.State.SUBMITTED)
    assert [officer.get(u).status_code for u in files] == [404, 404, 404]
    page = officer.get(detail)
    assert page.status_code == 200 and "<video" not in page.content.decode()
    assert "still being checked" in page.content.decode()
    request_page = reverse("evidence:request-detail", args=[item.request.reference])
    assert detail not in officer.get(request_page).content.decode()
    EvidenceItem.objects.filter(pk=item.pk).update(
        state=EvidenceItem.State.READY, erased_at=timezone.now()
    )
    assert [officer.get(u).status_code for u in files] == [404, 404, 404]
    assert "was erased" in officer.get(detail).content.decode()
    EvidenceItem.objects.filter(pk=item.pk).update(state=EvidenceItem.State.DRAFT, erased_at=None)
    assert officer.get(detail).status_code == 404
    # An erased or unchecked item is not processed either.
    assert media.process_item(item.pk).startswith("skipped")


def test_processing_and_ranges_on_object_storage(
    world: World, client_for, mailoutbox, on_commit, video: bytes, s3_storage
):
    """With S3 the original is streamed out to a temporary copy, derived files go into the
    bucket, and ranges are asked of S3 rather than read whole."""
    (item,) = submit(world, client_for, mailoutbox, on_commit, ("cam3.avi", video))
    assert item.state == EvidenceItem.State.READY, item.state_reason
    working = item.derived.get(kind=DerivedFile.Kind.WORKING_COPY)
    client = s3_storage.client()
    key = s3_storage.key(working.file.name)
    data = client.get_object(Bucket=s3_storage.bucket, Key=key)["Body"].read()
    assert sha(data) == working.sha256 and working.parent_sha256 == item.sha256
    assert item.derived.filter(kind=DerivedFile.Kind.STILL).count() == media.STILLS
    officer = client_for("officer")
    url = reverse("evidence:item-play", args=[item.pk])
    part = officer.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and body(part) == data[100:200]
    tail = officer.get(url, HTTP_RANGE="bytes=-50")
    assert body(tail) == data[-50:]
    original = officer.get(reverse("evidence:item-download", args=[item.pk]))
    assert body(original) == video


def test_range_parsing_and_file_names():
    assert parse_range("bytes=0-99", 1000) == (0, 99)
    assert parse_range("bytes=990-", 1000) == (990, 999)
    assert parse_range("bytes=-10", 1000) == (990, 999)
    assert parse_range("bytes=-5000", 1000) == (0, 999)
    assert parse_range("bytes=10-5", 1000) is None  # invalid: ignored
    assert parse_range("items=0-5", 1000) is None
    assert parse_range("bytes=-", 1000) is None
    for header in ("bytes=1000-", "bytes=-0", "bytes=2000-3000"):
        with pytest.raises(Unsatisfiable):
            parse_range(header, 1000)
    assert safe_filename('../../etc/pa"ss\r\nwd.mp4') == "pa_ss__wd.mp4"
    assert safe_filename("C:\\exports\\cam 3.dav") == "cam 3.dav"
    assert safe_filename("...") == "evidence"
