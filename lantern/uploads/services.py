"""Every write to an upload: create, append, terminate, expire.

Invariants, relied on by HEAD and by a resume after a crash or a restart:

- `Upload.offset` is written only after the bytes below it are fsync'd, so it never claims
  more than is durably stored. Bytes past it (from a request that failed or is still
  streaming) are ignored and cut off by the next append.
- Only the holder of the row's lease (locks.py) writes to the file, and no database
  transaction stays open while a body streams.
- A failed append (checksum mismatch, too many bytes) leaves the offset and the file as
  they were; an interrupted one without a checksum keeps what arrived.
- Data files are named from the upload's UUID only, never from client-supplied metadata.
- The request thread only receives: a sink thread writes and hashes what it hands over, and
  a syncer thread fsyncs in the background (see _Sink). Neither touches the database.
- With S3 storage (s3.py) the local file is a buffer of at most one part; the parts and the
  staged tail recorded on the row are the upload's state, so any process can resume it.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
import queue
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from django.db import transaction
from django.utils import timezone

from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import conf, s3
from .locks import Lease, LeaseError
from .models import Upload
from .protocol import Checksum
from .signals import upload_completed

if TYPE_CHECKING:
    from lantern.accounts.models import User

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024  # bytes read from the request at a time: memory stays flat
# A long body is fsync'd (in the background) and its offset committed this often.
CHECKPOINT_BYTES = 16 * 1024 * 1024
QUEUE_CHUNKS = 8  # chunks received but not yet written, at most: memory stays flat
FILE_MODE = 0o600  # while receiving
COMPLETE_MODE = 0o440  # write-once once complete
STATUS_CHECKSUM_MISMATCH = 460
PRINCIPAL_MAX_LENGTH = 200  # Upload.principal's max_length


class UploadError(Exception):
    """A refused request: the view answers with `status` and `message`."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class BodyReader(Protocol):
    def read(self, size: int, /) -> bytes: ...


@dataclass
class AppendResult:
    upload: Upload
    received: int
    # The body ended before its Content-Length (client gone): the received bytes were kept.
    interrupted: bool = False
    # The body failed its checksum: nothing was kept.
    checksum_failed: bool = False


# -- files -------------------------------------------------------------------------------


def storage_path_for(upload_id: uuid.UUID) -> str:
    """Relative path from the UUID alone: hex digits only, so no traversal is possible."""
    return f"{upload_id.hex[:2]}/{upload_id.hex}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pwrite_all(fd: int, data: bytes | memoryview, position: int) -> None:
    """Unbuffered positional writes: nothing is left in a buffer to be flushed later, after
    this request might have lost its lease."""
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, position)
        view = view[written:]
        position += written


def _hash_file(path: Path, lease: Lease | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
            if lease is not None:
                lease.keep()
    return digest.hexdigest()


V = TypeVar("V")


class _PerUpload(Generic[V]):
    """A small bounded map, upload id -> (offset, value), shared by this process's threads:
    what this process knows about an upload as of one offset."""

    def __init__(self, size: int = 256) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[uuid.UUID, tuple[int, V]] = OrderedDict()
        self._size = size

    def _get(self, upload_id: uuid.UUID, offset: int) -> V | None:
        with self._lock:
            item = self._items.get(upload_id)
        return item[1] if item is not None and item[0] == offset else None

    def _set(self, upload_id: uuid.UUID, offset: int, value: V) -> None:
        with self._lock:
            self._items[upload_id] = (offset, value)
            self._items.move_to_end(upload_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop(self, upload_id: uuid.UUID) -> None:
        with self._lock:
            self._items.pop(upload_id, None)


class _RunningHashes(_PerUpload["hashlib._Hash"]):
    """SHA-256 of each upload's stored bytes so far, for uploads this process has received
    since their first byte: completion then needs no second read of a large file. Keyed by
    offset, so a chunk another process received (or a restart) means a re-hash instead."""

    def take(self, upload_id: uuid.UUID, offset: int) -> hashlib._Hash | None:
        """A copy to continue from `offset` (the cached one stays valid if this append
        fails), or None when this process has not seen every byte before `offset`."""
        if offset == 0:
            return hashlib.sha256()
        item = self._get(upload_id, offset)
        return item.copy() if item is not None else None

    def put(self, upload_id: uuid.UUID, offset: int, digest: hashlib._Hash | None) -> None:
        if digest is not None:
            self._set(upload_id, offset, digest)


_running = _RunningHashes()


class _KnownTails(_PerUpload[bool]):
    """For uploads to S3: the offset at which this process's buffer file is known to hold
    the committed tail (as the staging object does), so that it need not fetch it."""

    def known(self, upload_id: uuid.UUID, offset: int) -> bool:
        return bool(self._get(upload_id, offset))

    def put(self, upload_id: uuid.UUID, offset: int) -> None:
        self._set(upload_id, offset, True)


_tails = _KnownTails()


def _actor_label(upload: Upload, actor: User | None) -> str:
    """The ledger names a user by username (from `actor`), anyone else by principal."""
    return "" if actor is not None else upload.principal


# -- create ------------------------------------------------------------------------------


def upload_create(
    *,
    principal: str,
    length: int,
    metadata: dict[str, str | None] | None = None,
    actor: User | None = None,
) -> Upload:
    """Create an empty upload of `length` bytes owned by `principal`.

    The empty file is created (and its directory entry fsync'd) before the row, so a row
    never points at a missing file; a crash in between leaves only an empty orphan file,
    which `uploads_expire` removes.
    """
    if not principal or len(principal) > PRINCIPAL_MAX_LENGTH:
        raise ValueError(f"A principal must be 1 to {PRINCIPAL_MAX_LENGTH} characters")
    if length < 0:
        raise UploadError("Upload-Length must not be negative")
    limit = conf.max_bytes()
    if length > limit:
        raise UploadError(f"Upload-Length exceeds the maximum of {limit} bytes", status=413)
    upload_id = uuid.uuid4()
    relative = storage_path_for(upload_id)
    path = conf.upload_dir() / relative
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)
    s3_name = s3_upload_id = ""
    if conf.uses_s3():
        # A multipart upload without a row (a crash just after) is left for the bucket's
        # AbortIncompleteMultipartUpload lifecycle rule (.env.example).
        s3_name = s3.object_name(relative)
        if length > 0:
            try:
                s3_upload_id = s3.Bucket().create(s3_name)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
    now = timezone.now()
    try:
        upload: Upload = Upload.objects.create(
            id=upload_id,
            principal=principal,
            length=length,
            metadata=metadata or {},
            storage_path=relative,
            s3_name=s3_name,
            s3_upload_id=s3_upload_id,
            created_at=now,
            updated_at=now,
            expires_at=now + conf.expiry(),
        )
    except BaseException:
        path.unlink(missing_ok=True)
        if s3_upload_id:
            s3.Bucket().abort(s3_name, s3_upload_id)
        raise
    logger.info("Upload %s created by %s: %d bytes", upload.pk, principal, length)
    if length == 0:
        lease = Lease(upload.pk)
        lease.acquire()
        try:
            if upload.in_s3:
                s3.Bucket().put(upload.s3_name, io.BytesIO(b""), 0)
                path.unlink(missing_ok=True)
                _record_completion(upload, lease, hashlib.sha256().hexdigest(), actor)
            else:
                _complete(upload, lease, hashlib.sha256(), actor)
        finally:
            lease.release()
        _announce(upload)
    return upload


# -- append ------------------------------------------------------------------------------


def upload_append(
    *,
    upload: Upload,
    offset: int,
    body: BodyReader,
    content_length: int | None,
    checksum: Checksum | None = None,
    actor: User | None = None,
) -> AppendResult:
    """Append a request body at `offset`, which must equal the stored offset.

    `content_length` None means a body of unknown length (chunked), read to its end.
    Raises UploadError: 409 wrong offset, 423 another request is writing, 413 more bytes
    than the upload's length, 410 expired, 404 terminated. A checksum mismatch is reported
    in the result (the view answers 460), with nothing kept.
    """
    lease = Lease(upload.pk)
    try:
        lease.acquire()
    except LeaseError as exc:
        raise UploadError(f"{exc}: try again when it has finished", status=423) from exc
    try:
        upload.refresh_from_db()
        if upload.is_terminated:
            raise UploadError("Upload not found", status=404)
        if upload.is_expired():
            raise UploadError("This upload has expired", status=410)
        if offset != upload.offset:
            raise UploadError(
                f"Upload-Offset {offset} does not match the stored offset {upload.offset}",
                status=409,
            )
        result = _append_locked(upload, lease, body, content_length, checksum, actor)
    except LeaseError as exc:
        raise UploadError(f"{exc}: check the offset with HEAD and retry", status=423) from exc
    finally:
        lease.release()
    if result.upload.is_complete and result.received:
        _announce(result.upload)
    return result


class _Syncer(threading.Thread):
    """fsyncs the data file in the background whenever the sink asks, so that the disk
    writes back while the body is still arriving and the fsync at the end has little left
    to do. Only the latest request counts: one fsync covers every byte written before it.
    """

    def __init__(self, fd: int) -> None:
        super().__init__(name="upload-syncer", daemon=True)
        self.fd = fd
        self.ready = threading.Condition()
        self.wanted: tuple[int, hashlib._Hash | None] | None = None
        self.durable: tuple[int, hashlib._Hash | None] | None = None
        self.closed = False
        self.error: BaseException | None = None

    def request(self, checkpoint: tuple[int, hashlib._Hash | None]) -> None:
        with self.ready:
            self.wanted = checkpoint
            self.ready.notify()

    def run(self) -> None:
        while True:
            with self.ready:
                while self.wanted is None and not self.closed:
                    self.ready.wait()
                if self.wanted is None:
                    return
                checkpoint, self.wanted = self.wanted, None
            try:
                os.fsync(self.fd)
            except BaseException as exc:  # handed to the request thread
                self.error = exc
                return
            with self.ready:
                self.durable = checkpoint

    def take(self) -> tuple[int, hashlib._Hash | None] | None:
        """The latest fsync'd checkpoint not taken yet."""
        with self.ready:
            checkpoint, self.durable = self.durable, None
        return checkpoint

    def close(self, abandon: bool) -> None:
        with self.ready:
            self.closed = True
            if abandon:
                self.wanted = None
            self.ready.notify()
        self.join()


class _Sink(threading.Thread):
    """Writes and hashes, in a thread of its own, the chunks the request thread receives:
    the receive loop then only reads the socket (hashing and writing release the GIL, so
    both cores work). A bounded queue keeps memory flat: at most QUEUE_CHUNKS chunks wait,
    and the request thread blocks while the disk catches up. Every CHECKPOINT_BYTES it asks
    the syncer for an fsync.

    Neither thread touches the database (a thread has a connection of its own): the request
    thread renews the lease and commits the checkpoints. The sink writes only while the
    lease is fresh (`Lease.fresh`), so a stalled request stops writing before it lapses.
    """

    def __init__(
        self,
        fd: int,
        position: int,
        lease: Lease,
        running: hashlib._Hash | None,
        digest: hashlib._Hash | None,
    ) -> None:
        super().__init__(name="upload-sink", daemon=True)
        self.fd, self.position, self.lease = fd, position, lease
        self.running, self.digest = running, digest
        self.chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.syncer = _Syncer(fd)
        # Only a body without its own checksum is committed as it goes: a body that fails
        # its checksum keeps nothing.
        self.checkpoints = digest is None
        self.synced = position
        self.error: BaseException | None = None
        self.abandoned = False

    def start(self) -> None:
        self.syncer.start()
        super().start()

    def run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is not None or self.abandoned:
                continue  # keep draining, so that the request thread never blocks on put()
            try:
                self._write(chunk)
            except BaseException as exc:  # handed to the request thread
                self.error = exc

    def _write(self, chunk: bytes) -> None:
        if not self.lease.fresh():
            raise LeaseError("This request lost its lock on the upload")
        _pwrite_all(self.fd, chunk, self.position)
        self.position += len(chunk)
        if self.digest is not None:
            self.digest.update(chunk)
        if self.running is not None:
            self.running.update(chunk)
        if self.position - self.synced >= CHECKPOINT_BYTES:
            self.synced = self.position
            running = self.running.copy() if self.running is not None else None
            self.syncer.request((self.position, running))

    def put(self, chunk: bytes) -> None:
        self.raise_error()
        self.chunks.put(chunk)

    def raise_error(self) -> None:
        for error in (self.error, self.syncer.error):
            if error is not None:
                raise error

    def take_checkpoint(self) -> tuple[int, hashlib._Hash | None] | None:
        """The latest fsync'd (end, running hash) to commit, if the body may keep it."""
        checkpoint = self.syncer.take()
        return checkpoint if self.checkpoints else None

    def close(self, abandon: bool = False) -> None:
        """Wait until every chunk queued has been written (or, abandoning, dropped) and
        the last fsync asked for has run (or, abandoning, been dropped)."""
        self.abandoned = abandon
        self.chunks.put(None)
        self.join()
        self.syncer.close(abandon)


def _append_locked(
    upload: Upload,
    lease: Lease,
    body: BodyReader,
    content_length: int | None,
    checksum: Checksum | None,
    actor: User | None,
) -> AppendResult:
    start = upload.offset
    room = upload.length - start
    if content_length is not None and content_length > room:
        raise UploadError(
            f"The body ({content_length} bytes) goes past Upload-Length ({room} bytes left)",
            status=413,
        )
    if upload.is_complete:  # only an empty body can be appended, to a read-only file
        if content_length is None and body.read(1):
            raise UploadError("The body goes past Upload-Length", status=413)
        if checksum is not None and checksum.new().digest() != checksum.digest:
            return AppendResult(upload, 0, checksum_failed=True)
        return AppendResult(upload, 0)
    if upload.in_s3:
        return _append_s3_locked(upload, lease, body, content_length, checksum, actor)
    running = _running.take(upload.pk, start)
    digest = checksum.new() if checksum is not None else None
    path = upload.path
    try:
        os.chmod(path, FILE_MODE)  # in case a completion failed after making it read-only
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        logger.error("Upload %s: data file %s is missing", upload.pk, path)
        raise UploadError("The data stored for this upload is missing", status=410) from exc
    received = 0
    interrupted = False
    try:
        # Bytes past the stored offset were never acknowledged: drop them.
        os.ftruncate(fd, start)
        sink = _Sink(fd, start, lease, running, digest)
        sink.start()
        try:
            interrupted, received = _receive(upload, lease, body, content_length, room, sink)
        except BaseException as exc:
            # Without the lease nothing more may be written; otherwise (e.g. a worker
            # timeout) the queued chunks are written and the last checkpoint kept.
            sink.close(abandon=isinstance(exc, LeaseError) or isinstance(sink.error, LeaseError))
            _commit_checkpoint(upload, lease, sink)
            raise
        sink.close()
        sink.raise_error()
        position = start + received
        if (
            digest is not None
            and checksum is not None
            and (interrupted or digest.digest() != checksum.digest)
        ):
            # A body that cannot be verified is not kept at all.
            os.ftruncate(fd, start)
            logger.warning(
                "Upload %s: %s, %d bytes discarded",
                upload.pk,
                "body ended early" if interrupted else "checksum mismatch",
                received,
            )
            return AppendResult(upload, 0, interrupted=interrupted, checksum_failed=True)
        os.fsync(fd)  # durable before the offset says so
    except LeaseError:
        raise  # another request owns the file now: leave it alone
    except BaseException as exc:
        try:
            os.ftruncate(fd, upload.offset)  # back to the last committed offset
        except OSError:
            logger.exception("Upload %s: could not truncate to %d", upload.pk, upload.offset)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UploadError("The server has no room for this upload", status=507) from exc
        raise
    finally:
        os.close(fd)

    if interrupted:
        logger.warning("Upload %s: body ended early, kept %d bytes", upload.pk, received)
    if position == upload.length:
        _complete(upload, lease, running, actor)
    elif position != upload.offset:
        _commit_offset(upload, lease, position, running)
    return AppendResult(upload, received, interrupted=interrupted)


def _receive(
    upload: Upload,
    lease: Lease,
    body: BodyReader,
    content_length: int | None,
    room: int,
    sink: _Sink,
) -> tuple[bool, int]:
    """The receive loop: read the body and hand it to the sink, committing the checkpoints
    the sink has made durable. Returns (interrupted, bytes received)."""
    received = 0
    while True:
        if content_length is not None:
            want = min(CHUNK_SIZE, content_length - received)
            if want == 0:
                return False, received
        else:
            want = min(CHUNK_SIZE, room - received + 1)
        try:
            chunk = body.read(want)
        except OSError:  # includes Django's UnreadablePostError: the client went away
            return True, received
        if not chunk:
            return content_length is not None and received < content_length, received
        if received + len(chunk) > room:
            raise UploadError("The body goes past Upload-Length", status=413)
        lease.keep()  # confirmed before the sink may write it
        sink.put(chunk)
        received += len(chunk)
        checkpoint = sink.take_checkpoint()
        if checkpoint is not None:
            # A long body without a checksum is committed as it goes, so that a worker
            # killed mid-request (a server timeout) loses at most this much.
            _commit_offset(upload, lease, *checkpoint)


def _commit_checkpoint(upload: Upload, lease: Lease, sink: _Sink) -> None:
    """After a failed receive loop: commit the sink's last fsync'd checkpoint, if any, when
    the lease still allows it (it refuses otherwise, and the failure stands)."""
    checkpoint = sink.take_checkpoint()
    if checkpoint is None or checkpoint[0] <= upload.offset:
        return
    try:
        _commit_offset(upload, lease, *checkpoint)
    except Exception:
        logger.warning("Upload %s: could not commit checkpoint %d", upload.pk, checkpoint[0])


# -- append to S3 (s3.py) ----------------------------------------------------------------


def _append_s3_locked(
    upload: Upload,
    lease: Lease,
    body: BodyReader,
    content_length: int | None,
    checksum: Checksum | None,
    actor: User | None,
) -> AppendResult:
    """Append to an upload going to S3: the buffer file holds the current part only.

    Full parts are sent as they fill; without a per-request checksum each is committed with
    the offset as soon as it is sent. With one, parts sent by this request are committed
    only once the checksum matches; a mismatch leaves them unlisted (a later part with the
    same number replaces them, and CompleteMultipartUpload names only listed parts).
    """
    start = upload.offset
    room = upload.length - start
    part_bytes = conf.s3_part_bytes()
    bucket = s3.Bucket()
    running = _running.take(upload.pk, start)
    digest = checksum.new() if checksum is not None else None
    parts: list[dict[str, object]] = list(upload.s3_parts)
    pending: list[dict[str, object]] = []  # sent by this request, not committed yet
    path = upload.path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    received = 0
    interrupted = False
    try:
        buffered = _load_tail(upload, bucket, fd)
        _tails.drop(upload.pk)  # the buffer changes from here on

        def send_part(commit: bool = True) -> None:
            nonlocal buffered
            number = len(parts) + len(pending) + 1
            lease.keep()  # confirmed before sending
            with open(fd, "rb", buffering=0, closefd=False) as handle:
                handle.seek(0)
                etag = bucket.upload_part(
                    upload.s3_name, upload.s3_upload_id, number, handle, buffered
                )
            pending.append({"n": number, "etag": etag, "size": buffered})
            os.ftruncate(fd, 0)
            buffered = 0
            if commit and digest is None:
                # Committed as it goes: a killed worker loses at most the buffer.
                parts.extend(pending)
                pending.clear()
                _commit_s3(upload, lease, start + received, parts, 0, "", running)

        while True:
            if content_length is not None:
                want = min(CHUNK_SIZE, content_length - received)
                if want == 0:
                    break
            else:
                want = min(CHUNK_SIZE, room - received + 1)
            try:
                chunk = body.read(want)
            except OSError:  # the client went away
                interrupted = True
                break
            if not chunk:
                interrupted = content_length is not None and received < content_length
                break
            if received + len(chunk) > room:
                raise UploadError("The body goes past Upload-Length", status=413)
            lease.keep()
            view = memoryview(chunk)
            while view:
                piece = view[: part_bytes - buffered]
                _pwrite_all(fd, piece, buffered)
                buffered += len(piece)
                received += len(piece)
                if digest is not None:
                    digest.update(piece)
                if running is not None:
                    running.update(piece)
                view = view[len(piece) :]
                if buffered == part_bytes:
                    send_part()
        if digest is not None and checksum is not None:
            if interrupted or digest.digest() != checksum.digest:
                logger.warning(
                    "Upload %s: %s, %d bytes discarded",
                    upload.pk,
                    "body ended early" if interrupted else "checksum mismatch",
                    received,
                )
                return AppendResult(upload, 0, interrupted=interrupted, checksum_failed=True)
            parts.extend(pending)
            pending.clear()
        position = start + received
        if position == upload.length:
            try:
                if buffered or not parts:
                    send_part(commit=False)
                    parts.extend(pending)
                lease.keep()
                bucket.complete(upload.s3_name, upload.s3_upload_id, parts)
            except s3.S3Gone:
                # Completed by a request that died before recording it: the object is
                # there, with the bytes the client sent then (and has now sent again).
                if bucket.size(upload.s3_name) != upload.length:
                    raise
                running = None
            _complete_s3(upload, lease, bucket, parts, running, actor)
        elif position != upload.offset or buffered != upload.s3_tail:
            tail = ""
            if buffered:
                # The tail goes where any process can fetch it, before the offset counts it.
                tail = s3.tail_name(upload.s3_name, lease.token)
                lease.keep()
                with open(fd, "rb", buffering=0, closefd=False) as handle:
                    handle.seek(0)
                    bucket.put(tail, handle, buffered)
            old_tail = upload.s3_tail_name
            _commit_s3(upload, lease, position, parts, buffered, tail, running)
            _tails.put(upload.pk, position)
            if old_tail and old_tail != tail:
                bucket.delete(old_tail)
    except s3.S3Gone as exc:
        logger.error("Upload %s: the multipart upload has gone: %s", upload.pk, exc)
        raise UploadError("The data stored for this upload is missing", status=410) from exc
    except (UploadError, LeaseError):
        raise
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UploadError("The server has no room for this upload", status=507) from exc
        raise
    except Exception as exc:
        if type(exc).__module__.startswith(("botocore", "boto3", "urllib3")):
            logger.exception("Upload %s: object storage failed", upload.pk)
            raise UploadError(
                "The file store is not answering: check the offset with HEAD and retry",
                status=503,
            ) from exc
        raise
    finally:
        os.close(fd)
    if interrupted:
        logger.warning("Upload %s: body ended early, kept %d bytes", upload.pk, received)
    return AppendResult(upload, received, interrupted=interrupted)


def _load_tail(upload: Upload, bucket: s3.Bucket, fd: int) -> int:
    """Make the buffer file hold exactly the committed tail: this process's own copy if it
    is known to be current, else fetched from the staging object (a ranged GET)."""
    if _tails.known(upload.pk, upload.offset) and os.fstat(fd).st_size == upload.s3_tail:
        return upload.s3_tail
    os.ftruncate(fd, 0)
    if upload.s3_tail:
        position = 0
        for piece in bucket.read(upload.s3_tail_name, upload.s3_tail):
            _pwrite_all(fd, piece, position)
            position += len(piece)
        if position != upload.s3_tail:
            raise RuntimeError(f"Upload {upload.pk}: staging object holds {position} bytes")
    return upload.s3_tail


def _commit_s3(
    upload: Upload,
    lease: Lease,
    position: int,
    parts: list[dict[str, object]],
    tail: int,
    tail_name: str,
    running: hashlib._Hash | None,
) -> None:
    """Record the parts sent and the staged tail with the offset they add up to, only if
    this request still holds the lease and the offset is the one it started from."""
    now = timezone.now()
    expires_at = now + conf.expiry()
    committed = Upload.objects.filter(
        pk=upload.pk, lock_token=lease.token, offset=upload.offset
    ).update(
        offset=position,
        s3_parts=parts,
        s3_tail=tail,
        s3_tail_name=tail_name,
        updated_at=now,
        expires_at=expires_at,
    )
    if committed != 1:
        raise LeaseError("This request lost its lock on the upload")
    upload.offset, upload.updated_at, upload.expires_at = position, now, expires_at
    upload.s3_parts, upload.s3_tail, upload.s3_tail_name = list(parts), tail, tail_name
    if running is not None:
        _running.put(upload.pk, position, running.copy())


def _complete_s3(
    upload: Upload,
    lease: Lease,
    bucket: s3.Bucket,
    parts: list[dict[str, object]],
    running: hashlib._Hash | None,
    actor: User | None,
) -> None:
    """Record the completed object. If this process did not see every byte, the object is
    read back once for its SHA-256 (see s3.py)."""
    if running is None:
        digest = hashlib.sha256()
        for piece in bucket.read(upload.s3_name):
            digest.update(piece)
            lease.keep()
        sha256 = digest.hexdigest()
    else:
        sha256 = running.hexdigest()
    _record_completion(upload, lease, sha256, actor, s3_parts=parts, s3_tail=0, s3_tail_name="")
    upload.path.unlink(missing_ok=True)
    bucket.delete_prefix(s3.tail_prefix(upload.s3_name))


def _commit_offset(
    upload: Upload, lease: Lease, position: int, running: hashlib._Hash | None
) -> None:
    """Record `position` (already fsync'd) as the offset, only if this request still holds
    the lease and the offset is still the one it started from."""
    now = timezone.now()
    expires_at = now + conf.expiry()
    committed = Upload.objects.filter(
        pk=upload.pk, lock_token=lease.token, offset=upload.offset
    ).update(offset=position, updated_at=now, expires_at=expires_at)
    if committed != 1:
        raise LeaseError("This request lost its lock on the upload")
    upload.offset, upload.updated_at, upload.expires_at = position, now, expires_at
    if running is not None:
        _running.put(upload.pk, position, running.copy())


def _complete(
    upload: Upload, lease: Lease, running: hashlib._Hash | None, actor: User | None
) -> None:
    """Record the SHA-256 and completion, make the file read-only, write the ledger entry.

    The running hash is used when this process saw every byte; otherwise the file is read
    again (correctness first).
    """
    path = upload.path
    size = path.stat().st_size
    if size != upload.length:
        raise RuntimeError(f"Upload {upload.pk}: file has {size} bytes, expected {upload.length}")
    sha256 = running.hexdigest() if running is not None else _hash_file(path, lease)
    os.chmod(path, COMPLETE_MODE)
    _record_completion(upload, lease, sha256, actor)


def _record_completion(
    upload: Upload, lease: Lease, sha256: str, actor: User | None, **fields: object
) -> None:
    """Mark the upload complete with its SHA-256 (and `fields`), with its ledger entry."""
    now = timezone.now()
    with transaction.atomic():
        committed = Upload.objects.filter(pk=upload.pk, lock_token=lease.token).update(
            offset=upload.length,
            sha256=sha256,
            completed_at=now,
            updated_at=now,
            expires_at=None,
            **fields,
        )
        if committed != 1:
            raise LeaseError("This request lost its lock on the upload")
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_label=_actor_label(upload, actor),
            obj=upload,
            object_sha256=sha256,
            detail={
                "event": "upload completed",
                "principal": upload.principal,
                "length": upload.length,
                "filename": upload.filename,
            },
        )
    _running.drop(upload.pk)
    _tails.drop(upload.pk)
    upload.offset, upload.sha256 = upload.length, sha256
    upload.completed_at, upload.updated_at, upload.expires_at = now, now, None
    for name, value in fields.items():
        setattr(upload, name, value)
    logger.info("Upload %s complete: sha256 %s", upload.pk, sha256)


def upload_announce(upload: Upload) -> None:
    """Send `upload_completed` again for a completed upload, e.g. after a receiver failed
    (`manage.py uploads_announce`). Receivers must be idempotent."""
    if not upload.is_complete or upload.is_terminated:
        raise ValueError("Only a completed upload can be announced")
    _announce(upload)


def _announce(upload: Upload) -> None:
    for receiver, response in upload_completed.send_robust(sender=Upload, upload=upload):
        if isinstance(response, Exception):
            logger.error(
                "upload_completed receiver %r failed for upload %s",
                receiver,
                upload.pk,
                exc_info=response,
            )


# -- terminate and expire ----------------------------------------------------------------


def upload_terminate(*, upload: Upload, actor: User | None = None) -> None:
    """tus termination: delete the data of an unfinished upload and mark it terminated.

    A completed upload is refused (403): it may already be evidence, which the receiving
    app, not the uploader, decides to keep or delete.
    """
    if upload.is_complete:
        raise UploadError(
            "This upload is complete and has been received; it can no longer be deleted",
            status=403,
        )
    lease = Lease(upload.pk)
    try:
        lease.acquire()
    except LeaseError as exc:
        raise UploadError(f"{exc}: try again when it has finished", status=423) from exc
    try:
        upload.refresh_from_db()
        if upload.is_terminated:
            raise UploadError("Upload not found", status=404)
        if upload.is_complete:
            raise UploadError("This upload is complete and can no longer be deleted", 403)
        _discard(
            upload,
            lease,
            actor,
            _actor_label(upload, actor),
            event="upload terminated by the uploader",
        )
    finally:
        lease.release()


def _discard(
    upload: Upload, lease: Lease, actor: User | None, actor_label: str, event: str
) -> None:
    """Mark terminated, then delete the file: a crash in between leaves an orphan file
    (removed by `uploads_expire`), never a live row without its data."""
    now = timezone.now()
    with transaction.atomic():
        marked = Upload.objects.filter(pk=upload.pk, lock_token=lease.token).update(
            terminated_at=now, updated_at=now
        )
        if marked != 1:
            raise LeaseError("This request lost its lock on the upload")
        ledger_record(
            action=Action.ERASED,
            actor=actor,
            actor_label=actor_label,
            obj=upload,
            detail={"event": event, "principal": upload.principal, "offset": upload.offset},
        )
    upload.terminated_at = upload.updated_at = now
    _running.drop(upload.pk)
    _tails.drop(upload.pk)
    upload.path.unlink(missing_ok=True)
    if upload.in_s3:
        bucket = s3.Bucket()
        if upload.s3_upload_id:
            bucket.abort(upload.s3_name, upload.s3_upload_id)
        bucket.delete_prefix(s3.tail_prefix(upload.s3_name))
    logger.info("Upload %s: %s", upload.pk, event)


def upload_expire_all(now: datetime | None = None) -> int:
    """Discard incomplete uploads past their expiry; returns how many. An upload being
    written right now is skipped (its expiry moves on when that request commits)."""
    now = now or timezone.now()
    count = 0
    for upload in Upload.objects.expired(now).iterator():
        lease = Lease(upload.pk)
        try:
            lease.acquire()
        except LeaseError:
            continue
        try:
            upload.refresh_from_db()
            if upload.is_terminated or not upload.is_expired(now):
                continue
            _discard(upload, lease, None, "system", event="incomplete upload expired")
            count += 1
        finally:
            lease.release()
    return count


def upload_remove_orphans(now: datetime | None = None) -> int:
    """Delete data files older than the expiry period that no live upload owns (left by a
    crash between creating a file and its row, or between terminating and deleting)."""
    root = conf.upload_dir()
    if not root.is_dir():
        return 0
    cutoff = (now or timezone.now()) - conf.expiry()
    removed = 0
    for path in root.glob("??/*"):
        try:
            upload_id = uuid.UUID(hex=path.name)
        except ValueError:
            continue
        if path.name != upload_id.hex or path.parent.name != upload_id.hex[:2]:
            continue
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            continue
        if mtime > cutoff.timestamp():
            continue
        if Upload.objects.live().filter(pk=upload_id).exists():
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed
