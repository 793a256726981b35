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
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.db import transaction
from django.utils import timezone

from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import conf
from .locks import Lease, LeaseError
from .models import Upload
from .protocol import Checksum
from .signals import upload_completed

if TYPE_CHECKING:
    from lantern.accounts.models import User

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024  # bytes read from the request at a time: memory stays flat
CHECKPOINT_BYTES = 64 * 1024 * 1024  # offset committed this often within a long body
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


def _pwrite_all(fd: int, data: bytes, position: int) -> None:
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


class _RunningHashes:
    """SHA-256 of each upload's stored bytes so far, for uploads this process has received
    since their first byte: completion then needs no second read of a large file. Keyed by
    offset, so a chunk another process received (or a restart) means a re-hash instead."""

    def __init__(self, size: int = 256) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[uuid.UUID, tuple[int, hashlib._Hash]] = OrderedDict()
        self._size = size

    def take(self, upload_id: uuid.UUID, offset: int) -> hashlib._Hash | None:
        """A copy to continue from `offset` (the cached one stays valid if this append
        fails), or None when this process has not seen every byte before `offset`."""
        if offset == 0:
            return hashlib.sha256()
        with self._lock:
            item = self._items.get(upload_id)
        if item is None or item[0] != offset:
            return None
        return item[1].copy()

    def put(self, upload_id: uuid.UUID, offset: int, digest: hashlib._Hash | None) -> None:
        if digest is None:
            return
        with self._lock:
            self._items[upload_id] = (offset, digest)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop(self, upload_id: uuid.UUID) -> None:
        with self._lock:
            self._items.pop(upload_id, None)


_running = _RunningHashes()


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
    now = timezone.now()
    try:
        upload: Upload = Upload.objects.create(
            id=upload_id,
            principal=principal,
            length=length,
            metadata=metadata or {},
            storage_path=relative,
            created_at=now,
            updated_at=now,
            expires_at=now + conf.expiry(),
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    logger.info("Upload %s created by %s: %d bytes", upload.pk, principal, length)
    if length == 0:
        lease = Lease(upload.pk)
        lease.acquire()
        try:
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
    running = _running.take(upload.pk, start)
    digest = checksum.new() if checksum is not None else None
    path = upload.path
    try:
        os.chmod(path, FILE_MODE)  # in case a completion failed after making it read-only
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        logger.error("Upload %s: data file %s is missing", upload.pk, path)
        raise UploadError("The data stored for this upload is missing", status=410) from exc
    position = start  # end of the bytes written so far
    interrupted = False
    try:
        # Bytes past the stored offset were never acknowledged: drop them.
        os.ftruncate(fd, start)
        while True:
            received = position - start
            if content_length is not None:
                want = min(CHUNK_SIZE, content_length - received)
                if want == 0:
                    break
            else:
                want = min(CHUNK_SIZE, room - received + 1)
            try:
                chunk = body.read(want)
            except OSError:  # includes Django's UnreadablePostError: the client went away
                interrupted = True
                break
            if not chunk:
                interrupted = content_length is not None and received < content_length
                break
            if received + len(chunk) > room:
                raise UploadError("The body goes past Upload-Length", status=413)
            lease.keep()  # before writing: never write without a current lease
            _pwrite_all(fd, chunk, position)
            position += len(chunk)
            if digest is not None:
                digest.update(chunk)
            if running is not None:
                running.update(chunk)
            if digest is None and position - upload.offset >= CHECKPOINT_BYTES:
                # A long body without a checksum is committed as it goes, so that a worker
                # killed mid-request (a server timeout) loses at most this much.
                os.fsync(fd)
                _commit_offset(upload, lease, position, running)
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
                position - start,
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

    received = position - start
    if interrupted:
        logger.warning("Upload %s: body ended early, kept %d bytes", upload.pk, received)
    if position == upload.length:
        _complete(upload, lease, running, actor)
    elif position != upload.offset:
        _commit_offset(upload, lease, position, running)
    return AppendResult(upload, received, interrupted=interrupted)


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
    now = timezone.now()
    with transaction.atomic():
        committed = Upload.objects.filter(pk=upload.pk, lock_token=lease.token).update(
            offset=upload.length,
            sha256=sha256,
            completed_at=now,
            updated_at=now,
            expires_at=None,
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
    upload.offset, upload.sha256 = upload.length, sha256
    upload.completed_at, upload.updated_at, upload.expires_at = now, now, None
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
    upload.path.unlink(missing_ok=True)
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
