"""Working copies, stills and metadata made from an evidence original (which is only read).

After an item passes its checks, `process_item()` (run by the `evidence_item_process` task):

1. copies the original out of storage into a temporary directory (or reads it in place on
   local storage), re-hashing it: nothing is derived from bytes that do not match the
   recorded SHA-256;
2. reads its metadata and takes stills in a child process (`python -m
   lantern.evidence.media analyse ...`), so that a file crafted to crash the FFmpeg or
   image libraries ends only that child, never the worker;
3. for video, makes a browser-playable H.264/AAC MP4 working copy with the ffmpeg binary
   shipped in imageio-ffmpeg; for pictures, a web-sized JPEG;
4. stores each derived file through Django's storage (local disk or S3) with its own SHA-256,
   its parent's, and the exact recipe that made it, and writes each to the ledger.

Files that cannot be decoded (proprietary CCTV formats, random bytes named .mp4) end as
ORIGINAL_ONLY with a plain-English reason; they are never rejected. Running it again does
nothing once derived files exist.

The analysis half (everything above `process_item`) needs no Django, so the child process
can import this module without setting Django up.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import imageio_ffmpeg  # type: ignore[import-untyped]
import PIL
from PIL import Image, ImageOps

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    from .models import EvidenceItem

logger = logging.getLogger(__name__)

ACTOR = "lantern media processing"
STILLS = 6
STILL_WIDTH = 320
WEB_IMAGE_MAX = 1600
JPEG_QUALITY = 85
CHUNK = 1 << 20
# The child that reads untrusted files may use this much memory, and this long.
CHILD_MEMORY_BYTES = 4 * 1024**3
CHILD_SECONDS = 600
# Transcoding: generous, but a file that makes ffmpeg spin forever must not hold a worker.
TRANSCODE_BASE_SECONDS = 600
TRANSCODE_SECONDS_PER_SECOND = 20

# Types worth trying to decode. Anything else (documents, archives) is kept as it is.
# application/octet-stream is included: proprietary CCTV exports often sniff as that, and
# FFmpeg reads some of them (Dahua .dav, for one).
TRY_PREFIXES = ("video/", "image/", "audio/", "application/octet-stream")
TRY_TYPES = frozenset(
    {"application/vnd.ms-asf", "application/mxf", "application/x-matroska", "application/ogg"}
)
# Text playlists make FFmpeg open other files they name (a known way to read a server's
# files into a "video"): never given to FFmpeg.
PLAYLIST_STARTS = (b"#EXTM3U", b"#EXT-X-", b"ffconcat", b"<?xml", b"<MPD", b"file ")

UNREADABLE = (
    "Kept as the original: it could not be read as video or as a picture. It may be in a "
    "CCTV system's own format: play it with that system's player."
)
NO_PICTURES = "Kept as the original: no video pictures could be read from it."
NOT_CONVERTED = (
    "Kept as the original: the video could be read but a copy that plays in a browser "
    "could not be made."
)
PLAYLIST = (
    "Kept as the original: it is a playlist that refers to other files, not a video, so it "
    "is not opened."
)
CHANGED_SINCE = "original does not match its recorded SHA-256"


# --- Tools and their versions (recorded in every recipe) ---------------------------------


def ffmpeg_exe() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


@cache
def ffmpeg_version() -> str:
    """The build's version from `ffmpeg -version`, e.g. "n9.0.2-17-g2a571b6068-20260930"."""
    result = subprocess.run(  # noqa: S603 (our own binary, fixed arguments)
        [ffmpeg_exe(), "-hide_banner", "-version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    first = result.stdout.splitlines()[0] if result.stdout else ""
    words = first.split()
    return words[2] if len(words) > 2 and words[:2] == ["ffmpeg", "version"] else "unknown"


def pyav_versions() -> dict[str, str]:
    return {"tool": "PyAV", "tool_version": str(av.__version__), "ffmpeg": av.ffmpeg_version_info}


# The working copy: H.264 (yuv420p, even dimensions by padding, never scaling) and AAC in an
# MP4 whose index is at the front (plays while it downloads). `-fps_mode passthrough` keeps
# every frame with its own timestamp: no frames are dropped or duplicated, so variable frame
# rate CCTV keeps its timing. "{format}", "{input}" and "{output}" are filled in per file.
WORKING_COPY_ARGUMENTS = (
    "-hide_banner", "-nostdin", "-loglevel", "error", "-n",
    "-protocol_whitelist", "file", "-f", "{format}", "-i", "file:{input}",
    "-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "0", "-sn", "-dn",
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
    "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-fps_mode", "passthrough",
    "-c:a", "aac", "-b:a", "160k",
    "-movflags", "+faststart", "-f", "mp4", "file:{output}",
)  # fmt: skip


def working_copy_arguments(source_format: str, source: Path, output: Path) -> list[str]:
    values = {"{format}": source_format, "{input}": str(source), "{output}": str(output)}
    args = []
    for arg in WORKING_COPY_ARGUMENTS:
        for placeholder, value in values.items():
            arg = arg.replace(placeholder, value)
        args.append(arg)
    return args


# --- Analysis: runs in a child process, no Django ----------------------------------------


@dataclass
class Product:
    """A file made in the temporary directory, before it is stored."""

    kind: str
    file: str
    content_type: str
    recipe: dict[str, Any]
    position_seconds: float | None = None


@dataclass
class Analysis:
    info: dict[str, Any] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)
    problem: str = ""


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def _rate(value: Fraction | None) -> float | None:
    return None if not value else round(float(value), 3)


def _refuse_playlists(source: Path) -> bool:
    with source.open("rb") as handle:
        head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(PLAYLIST_STARTS)


def _video_info(container: av.container.InputContainer) -> dict[str, Any]:
    duration = _seconds(container.duration / av.time_base) if container.duration else None
    info: dict[str, Any] = {
        "kind": "video",
        "container": container.format.name,
        "container_name": container.format.long_name,
        "duration_seconds": duration,
        "start_seconds": _seconds(container.start_time / av.time_base)
        if container.start_time is not None
        else None,
        "bit_rate": container.bit_rate or None,
        "video": None,
        "audio": None,
        "creation_time": None,
        "read_with": f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info})",
    }
    metadata = dict(container.metadata)
    if container.streams.video:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        info["video"] = {
            "codec": ctx.name,
            "codec_name": ctx.codec.long_name,
            "width": ctx.width,
            "height": ctx.height,
            "frame_rate": _rate(stream.average_rate) or _rate(stream.guessed_rate),
            "frames": stream.frames or None,
            "pixel_format": ctx.pix_fmt,
        }
        if info["duration_seconds"] is None and stream.duration and stream.time_base:
            info["duration_seconds"] = _seconds(stream.duration * stream.time_base)
        metadata = {**dict(stream.metadata), **metadata}
    if container.streams.audio:
        audio = container.streams.audio[0].codec_context
        info["audio"] = {
            "codec": audio.name,
            "codec_name": audio.codec.long_name,
            "sample_rate": audio.sample_rate,
            "channels": audio.layout.nb_channels,
        }
    info["creation_time"] = metadata.get("creation_time") or metadata.get("date") or None
    return info


class _CannotSeek(Exception):
    pass


def _open(source: Path) -> av.container.InputContainer:
    return av.open(
        str(source),
        mode="r",
        container_options={"protocol_whitelist": "file"},
        metadata_errors="replace",
    )


def _frames_by_seeking(
    container: av.container.InputContainer, stream: av.VideoStream, targets: list[float]
) -> Iterator[tuple[float, av.VideoFrame]]:
    """For each target, the first frame at or after it. Seeking lands on the keyframe
    before the target, so decode forward from there."""
    assert stream.time_base is not None
    for target in targets:
        try:
            container.seek(int(target / stream.time_base), stream=stream, backward=True)
        except av.FFmpegError as exc:
            raise _CannotSeek from exc
        last = None
        for frame in container.decode(stream):
            if frame.time is None or frame.time >= target:
                last = frame  # a frame without a timestamp (raw streams) cannot be placed
                break
            last = frame
        if last is not None:
            yield target, last


def _frames_in_one_pass(source: Path, targets: list[float]) -> Iterator[tuple[float, Any]]:
    """The same frames, decoding from the start: for files that cannot seek (a failed seek
    leaves the demuxer unable to read on)."""
    with _open(source) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        remaining = list(targets)
        for frame in container.decode(stream):
            if not remaining:
                break
            if frame.time is None or frame.time >= remaining[0]:
                yield remaining.pop(0), frame
                while remaining and frame.time is not None and frame.time >= remaining[0]:
                    remaining.pop(0)


def _stills(
    container: av.container.InputContainer, info: dict[str, Any], source: Path, outdir: Path
) -> list[Product]:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    start = info.get("start_seconds") or 0.0
    duration = info.get("duration_seconds") or 0.0
    targets = [start + duration * (i + 0.5) / STILLS for i in range(STILLS)] if duration else [0.0]
    method = "seek to the keyframe before the target, decode forward"
    try:
        frames = list(_frames_by_seeking(container, stream, targets))
    except _CannotSeek:
        method = "decode from the start (the file cannot seek)"
        frames = []
    products: list[Product] = []
    seen: set[int | None] = set()
    for target, frame in frames or _frames_in_one_pass(source, targets):
        if frame.pts is not None and frame.pts in seen:
            continue
        seen.add(frame.pts)
        picture: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
        width = min(STILL_WIDTH, picture.width)
        height = max(1, round(picture.height * width / picture.width))
        if (width, height) != picture.size:
            picture = picture.resize((width, height), Image.Resampling.LANCZOS)
        name = f"still-{len(products) + 1}.jpg"
        picture.save(outdir / name, "JPEG", quality=JPEG_QUALITY)
        position = max(0.0, float(frame.time or 0.0) - start)
        products.append(
            Product(
                kind="still",
                file=name,
                content_type="image/jpeg",
                position_seconds=round(position, 3),
                recipe={
                    **pyav_versions(),
                    "pillow": PIL.__version__,
                    "steps": [
                        f"first video stream: {method} to the first frame at or after the target",
                        "convert to RGB, resize with Lanczos to the width (aspect kept)",
                        "save as JPEG",
                    ],
                    "stream_index": stream.index,
                    "target_seconds": round(target, 6),
                    "frame_pts": frame.pts,
                    "frame_seconds": None if frame.time is None else round(float(frame.time), 6),
                    "width": width,
                    "height": height,
                    "jpeg_quality": JPEG_QUALITY,
                },
            )
        )
    return products


def analyse_video(source: Path, outdir: Path) -> Analysis:
    if _refuse_playlists(source):
        return Analysis(problem=PLAYLIST)
    try:
        container = _open(source)
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return Analysis(problem=UNREADABLE)
    with container:
        if container.format.name.split(",")[0] in {"hls", "concat", "dash", "tee"}:
            return Analysis(problem=PLAYLIST)
        try:
            info = _video_info(container)
        except (av.FFmpegError, ValueError, AttributeError):
            return Analysis(problem=UNREADABLE)
        if not container.streams.video:
            return Analysis(info=info, problem=NO_PICTURES)
        try:
            stills = _stills(container, info, source, outdir)
        except (av.FFmpegError, ValueError, OSError):
            logger.info("Stills failed for %s", source, exc_info=True)
            stills = []
    # No stills (a raw stream without timestamps, say) need not stop a working copy.
    return Analysis(info=info, products=stills)


def _exif_time(picture: Image.Image) -> str | None:
    exif = picture.getexif()
    taken = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, DateTime
    return str(taken) if taken else None


def analyse_image(source: Path, outdir: Path) -> Analysis:
    try:
        with Image.open(source) as picture:
            info: dict[str, Any] = {
                "kind": "image",
                "container": (picture.format or "").lower(),
                "container_name": picture.format_description or picture.format,
                "width": picture.width,
                "height": picture.height,
                "mode": picture.mode,
                "frames": getattr(picture, "n_frames", 1),
                "creation_time": _exif_time(picture),
                "read_with": f"Pillow {PIL.__version__}",
            }
            exif = picture.getexif()
            camera = " ".join(str(exif.get(tag, "")).strip() for tag in (0x010F, 0x0110))
            info["camera"] = camera.strip() or None
            web = ImageOps.exif_transpose(picture).convert("RGB")
            web.thumbnail((WEB_IMAGE_MAX, WEB_IMAGE_MAX), Image.Resampling.LANCZOS)
            web.save(outdir / "web.jpg", "JPEG", quality=JPEG_QUALITY)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, MemoryError):
        return Analysis(problem=UNREADABLE)
    recipe = {
        "tool": "Pillow",
        "tool_version": PIL.__version__,
        "steps": [
            "open the first frame",
            "turn upright by its EXIF orientation (ImageOps.exif_transpose)",
            "convert to RGB",
            f"fit within {WEB_IMAGE_MAX}x{WEB_IMAGE_MAX} with Lanczos (aspect kept, not enlarged)",
            "save as JPEG without metadata",
        ],
        "max_size": WEB_IMAGE_MAX,
        "width": web.width,
        "height": web.height,
        "jpeg_quality": JPEG_QUALITY,
    }
    product = Product(kind="web_image", file="web.jpg", content_type="image/jpeg", recipe=recipe)
    return Analysis(info=info, products=[product])


def probe(path: Path) -> dict[str, Any]:
    """Container and codecs of a file we made (the working copy), for checking it."""
    with av.open(str(path), mode="r") as container:
        return _video_info(container)


def _limit_child() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass


def main(argv: list[str]) -> int:
    """`python -m lantern.evidence.media analyse video|image SOURCE OUTDIR`: prints JSON."""
    if len(argv) != 4 or argv[0] != "analyse" or argv[1] not in {"video", "image"}:
        print("usage: python -m lantern.evidence.media analyse video|image SOURCE OUTDIR")  # noqa: T201
        return 2
    _limit_child()
    # FFmpeg's messages stay out of Python: a PyAV log level installs a callback that can
    # deadlock with frame-threaded decoders.
    source, outdir = Path(argv[2]), Path(argv[3])
    analysis = (analyse_video if argv[1] == "video" else analyse_image)(source, outdir)
    sys.stdout.write(json.dumps(asdict(analysis)))
    return 0


# --- Processing an evidence item (Django) ------------------------------------------------


def _run_analysis(kind: str, source: Path, outdir: Path) -> Analysis:
    project_root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(project_root)}
    try:
        result = subprocess.run(  # noqa: S603 (our own interpreter and module, no shell)
            [sys.executable, "-m", "lantern.evidence.media", "analyse", kind, source, outdir],
            capture_output=True,
            check=False,
            timeout=CHILD_SECONDS,
            env=env,
            cwd=outdir,
        )
    except subprocess.TimeoutExpired:
        logger.warning("Reading %s took longer than %s s; stopped", source, CHILD_SECONDS)
        return Analysis(problem=UNREADABLE)
    if result.returncode != 0:
        logger.warning(
            "Reading %s ended with code %s: %s",
            source,
            result.returncode,
            result.stderr[-2000:].decode(errors="replace"),
        )
        return Analysis(problem=UNREADABLE)
    try:
        data = json.loads(result.stdout)
    except ValueError:
        return Analysis(problem=UNREADABLE)
    products = [Product(**p) for p in data["products"]]
    return Analysis(info=data["info"], products=products, problem=data["problem"])


def _transcode(source: Path, info: dict[str, Any], outdir: Path) -> Product | None:
    output = outdir / "working-copy.mp4"
    source_format = str(info["container"]).split(",")[0]
    args = working_copy_arguments(source_format, source, output)
    # The original is only ever an input: ffmpeg writes nowhere but the new file.
    assert output.resolve() != source.resolve() and args[-1] == f"file:{output}"
    duration = float(info.get("duration_seconds") or 0)
    try:
        result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [ffmpeg_exe(), *args],
            capture_output=True,
            check=False,
            timeout=TRANSCODE_BASE_SECONDS + TRANSCODE_SECONDS_PER_SECOND * duration,
        )
    except subprocess.TimeoutExpired:
        logger.warning("Transcoding %s took too long; stopped", source)
        return None
    if result.returncode != 0 or not output.exists():
        logger.warning(
            "ffmpeg could not make a working copy of %s: %s",
            source,
            result.stderr[-2000:].decode(errors="replace"),
        )
        return None
    try:
        made = probe(output)
    except (av.FFmpegError, OSError, ValueError):
        return None
    if not made.get("video") or made["video"]["codec"] != "h264":
        return None
    template = list(WORKING_COPY_ARGUMENTS)
    return Product(
        kind="working_copy",
        file=output.name,
        content_type="video/mp4",
        recipe={
            "tool": "ffmpeg",
            "tool_version": ffmpeg_version(),
            "package": f"imageio-ffmpeg {imageio_ffmpeg.__version__}",
            "arguments": template,
            "placeholders": {
                "{format}": source_format,
                "{input}": "the original (a local copy of it)",
                "{output}": "the working copy",
            },
            "command": "ffmpeg " + shlex.join(template),
            "note": "The same FFmpeg build gives the same bytes from the same original.",
            "result": {
                "container": made["container"],
                "video": made["video"],
                "audio": made["audio"],
                "duration_seconds": made["duration_seconds"],
            },
        },
    )


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def stored_chunks(storage: Storage, name: str) -> Iterator[bytes]:
    """A stored file in 1 MiB pieces, through the storage's own `open()`.

    django-storages' S3File copies the whole object into a SpooledTemporaryFile on the first
    read (in memory unless AWS_S3_MAX_MEMORY_SIZE/max_memory_size is set); for S3 the object
    it opened is read as a stream instead, so a 20 GB original needs 1 MiB of memory.
    """
    with storage.open(name, "rb") as handle:
        s3_object = getattr(handle, "obj", None)
        if s3_object is not None and type(handle).__name__ == "S3File":
            body = s3_object.get()["Body"]
            try:
                while chunk := body.read(CHUNK):
                    yield chunk
            finally:
                body.close()
            return
        while chunk := handle.read(CHUNK):
            yield chunk


def _readable_original(item: EvidenceItem, workdir: Path) -> Path | None:
    """A local path to the original's bytes, checked against the recorded SHA-256: the
    stored file itself on local storage (only ever opened for reading), or a copy streamed
    out of object storage or decrypted (encryption at rest). None if the bytes no longer
    match."""
    from .encryption import EncryptedFileCorrupt, is_encrypted

    storage = item.original.storage
    try:
        local = Path(storage.path(item.original.name))
    except NotImplementedError:
        local = None
    if local is not None and is_encrypted(storage, item.original.name):
        local = None  # ciphertext on disk: decrypt a copy into the working directory
    if local is not None:
        digest, _ = _sha256_file(local)
        path = local
    else:
        path = workdir / "original"
        hasher = hashlib.sha256()
        try:
            with path.open("xb") as target:
                for chunk in stored_chunks(item.original.storage, item.original.name):
                    hasher.update(chunk)
                    target.write(chunk)
            digest = hasher.hexdigest()
        except EncryptedFileCorrupt:
            digest = "fails authentication"
    if digest != item.sha256:
        logger.error("Not processing evidence item %s: %s", item.pk, CHANGED_SINCE)
        return None
    return path


def worth_trying(content_type: str) -> bool:
    return content_type.startswith(TRY_PREFIXES) or content_type in TRY_TYPES


def analyse_item(item: EvidenceItem, workdir: Path) -> Analysis | None:
    """Metadata and derived files for an item, made under `workdir`. None: its bytes do not
    match the recorded SHA-256, so nothing may be derived."""
    source = _readable_original(item, workdir)
    if source is None:
        return None
    outdir = workdir / "out"
    outdir.mkdir()
    if item.content_type.startswith("image/"):
        return _run_analysis("image", source, outdir)
    analysis = _run_analysis("video", source, outdir)
    if analysis.problem:
        return analysis
    working = _transcode(source, analysis.info, outdir)
    if working is None:
        analysis.problem = NOT_CONVERTED
    else:
        analysis.products.append(working)
    return analysis


def process_item(item_id: int) -> str:
    """Make the item's working copy, stills or web image and read its metadata. Idempotent;
    never raises for a file that cannot be decoded."""
    from .models import EvidenceItem

    item = EvidenceItem.objects.get(pk=item_id)
    if not item.servable:
        return "skipped: not checked, or erased"
    if not worth_trying(item.content_type):
        return "skipped: not video or a picture"
    if item.derived.exists():
        return "already processed"
    workdir = Path(tempfile.mkdtemp(prefix="lantern-media-"))
    try:
        analysis = analyse_item(item, workdir)
        if analysis is None:
            return f"skipped: {CHANGED_SINCE}"
        return _store(item.pk, analysis, workdir / "out")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _store(item_id: int, analysis: Analysis, outdir: Path) -> str:
    """Save the derived files and the outcome in one transaction, each in the ledger."""
    from django.core.files import File
    from django.db import transaction

    from lantern.ledger.models import Action
    from lantern.ledger.services import ledger_record

    from .models import DerivedFile, EvidenceItem

    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(pk=item_id)
        if item.derived.exists():
            return "already processed"
        if not item.servable:
            return "skipped: not checked, or erased"
        for product in analysis.products:
            path = outdir / product.file
            digest, size = _sha256_file(path)
            derived = DerivedFile(
                item=item,
                kind=product.kind,
                content_type=product.content_type,
                size=size,
                sha256=digest,
                parent_sha256=item.sha256,
                recipe=product.recipe,
                position_seconds=product.position_seconds,
            )
            with path.open("rb") as handle:
                derived.file.save(
                    f"item{item.pk}-{product.kind}-{digest[:16]}{path.suffix}",
                    File(handle),
                    save=False,
                )
            derived.save()
            detail: dict[str, Any] = {
                "kind": product.kind,
                "derived_id": derived.pk,
                "parent_sha256": item.sha256,
                "size": size,
                "content_type": product.content_type,
                "tool": f"{product.recipe.get('tool')} {product.recipe.get('tool_version')}",
            }
            if product.position_seconds is not None:
                detail["position_ms"] = round(product.position_seconds * 1000)
            ledger_record(
                action=Action.CREATED,
                actor_label=ACTOR,
                obj=item,
                object_sha256=digest,
                reason=f"{derived.get_kind_display()} made from the original",
                detail=detail,
            )
        state = EvidenceItem.State.ORIGINAL_ONLY if analysis.problem else EvidenceItem.State.READY
        changed = (item.state, item.state_reason) != (state, analysis.problem)
        item.state = state
        item.state_reason = analysis.problem
        if analysis.info:
            item.media_info = analysis.info
        item.save(update_fields=["state", "state_reason", "media_info"])
        if changed:
            ledger_record(
                action=Action.CHANGED,
                actor_label=ACTOR,
                obj=item,
                object_sha256=item.sha256,
                reason=analysis.problem or "Working copies made",
                detail={"new": {"state": state}},
            )
    return str(state)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
