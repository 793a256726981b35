"""Encryption at rest for evidence files, signed statements and profile pictures.

Opt-in: set EVIDENCE_MASTER_KEYS (env: comma-separated `id:base64key`, 32-byte keys, the
first is the current one). The default storage is then EncryptedFileSystemStorage or
EncryptedS3Storage (encrypted_s3.py), which encrypt every file saved under
EVIDENCE_ENCRYPTED_PREFIXES (evidence/, statements/, intelligence/) and decrypt it again on
`open()`, so that every reader (`.open()`, `storage.open()`) sees the plaintext unchanged.

File format: a 16-byte header (MAGIC and an 8-byte random nonce prefix), then the plaintext
in 64 KiB chunks, each sealed with AES-256-GCM under the file's own random data key: nonce
= prefix || chunk index (32 bits), additional data = header || chunk index (64 bits) ||
final flag. A chunk moved, swapped, cut off or altered fails its tag; a file cut at a chunk
boundary fails because the new last chunk was not sealed as final (and its length no
longer matches the recorded size). Only the chunks a read touches are fetched and
decrypted, so Range requests and seeking stay cheap (on S3 by ranged GETs).

The data key is wrapped (AES-256-GCM, the storage name as additional data) by the current
master key and kept in the database (EncryptedFile, keyed by storage name) with the key id
and the plaintext size. `manage.py evidence_keys_rotate` rewraps the data keys with the
current master key without touching the files; then the old key can be removed.

The SHA-256 recorded for evidence stays the hash of the plaintext (the evidential hash).
Files saved before encryption was turned on (no EncryptedFile row) are read as they are.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage
from django.utils import timezone

MAGIC = b"LNTNENC1"
PREFIX_BYTES = 8
HEADER_BYTES = len(MAGIC) + PREFIX_BYTES
CHUNK = 64 * 1024
TAG = 16
SEALED_CHUNK = CHUNK + TAG
# Ciphertext fetched per request from object storage when reading on (16 chunks).
S3_WINDOW = 16 * SEALED_CHUNK
# Evidence files (originals, derived and redacted copies, call recordings), signed statements
# with their restricted rear pages, and offender profile pictures.
DEFAULT_PREFIXES = ("evidence/", "statements/", "intelligence/")


class EncryptedFileCorrupt(Exception):
    """The stored bytes fail authentication: altered, truncated, extended or swapped."""


class KeyUnavailable(Exception):
    """The master key that wrapped a file's data key is not configured."""


@dataclass(frozen=True)
class MasterKey:
    id: str
    key: bytes


def master_keys() -> list[MasterKey]:
    """EVIDENCE_MASTER_KEYS, parsed: the first is the current key. Empty: encryption off."""
    configured: Any = getattr(settings, "EVIDENCE_MASTER_KEYS", None) or []
    if isinstance(configured, str):
        configured = [part for part in configured.split(",") if part.strip()]
    keys: list[MasterKey] = []
    for entry in configured:
        key_id, sep, encoded = str(entry).strip().partition(":")
        if not sep or not key_id:
            raise ImproperlyConfigured("EVIDENCE_MASTER_KEYS entries are id:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"EVIDENCE_MASTER_KEYS: key {key_id} is not base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"EVIDENCE_MASTER_KEYS: key {key_id} must be 32 bytes")
        if any(k.id == key_id for k in keys):
            raise ImproperlyConfigured(f"EVIDENCE_MASTER_KEYS: key id {key_id} is repeated")
        keys.append(MasterKey(key_id, key))
    return keys


@checks.register(checks.Tags.security)
def check_master_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """At start-up rather than at the first file: a malformed key, or keys set while the
    default storage does not encrypt (STORAGES set by hand)."""
    try:
        keys = master_keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="evidence.E001")]
    configured: dict[str, Any] = settings.STORAGES
    backend = str(configured.get("default", {}).get("BACKEND", ""))
    if keys and not backend.startswith("lantern.evidence.encrypt"):
        return [
            checks.Error(
                "EVIDENCE_MASTER_KEYS is set but the default storage does not encrypt",
                hint="Use lantern.evidence.encryption.EncryptedFileSystemStorage or "
                "lantern.evidence.encrypted_s3.EncryptedS3Storage",
                id="evidence.E002",
            )
        ]
    return []


def enabled() -> bool:
    return bool(master_keys())


def current_key() -> MasterKey:
    keys = master_keys()
    if not keys:
        raise ImproperlyConfigured("Encryption at rest needs EVIDENCE_MASTER_KEYS")
    return keys[0]


def new_master_key() -> str:
    """A fresh key, base64, for EVIDENCE_MASTER_KEYS."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def encrypted_prefixes() -> tuple[str, ...]:
    return tuple(getattr(settings, "EVIDENCE_ENCRYPTED_PREFIXES", DEFAULT_PREFIXES))


def _wrap_aad(key_id: str, name: str) -> bytes:
    return f"lantern-file-key|{key_id}|{name}".encode()


def wrap_key(master: MasterKey, data_key: bytes, name: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(master.key).encrypt(nonce, data_key, _wrap_aad(master.id, name))


def unwrap_key(key_id: str, wrapped: bytes | memoryview, name: str) -> bytes:
    master = next((k for k in master_keys() if k.id == key_id), None)
    if master is None:
        raise KeyUnavailable(f"Master key {key_id!r} is not in EVIDENCE_MASTER_KEYS")
    sealed = bytes(wrapped)
    try:
        return AESGCM(master.key).decrypt(sealed[:12], sealed[12:], _wrap_aad(key_id, name))
    except InvalidTag as exc:
        raise EncryptedFileCorrupt(f"The data key of {name} fails authentication") from exc


def ciphertext_size(plaintext_size: int) -> int:
    return HEADER_BYTES + plaintext_size + TAG * chunk_count(plaintext_size)


def chunk_count(plaintext_size: int) -> int:
    return max(1, -(-plaintext_size // CHUNK))


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + index.to_bytes(4, "big")


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


class EncryptingReader(io.RawIOBase):
    """Reads as the encrypted form of `source` (read sequentially, one chunk ahead), so a
    storage backend can stream it to disk or S3 in constant memory."""

    def __init__(self, source: IO[bytes], data_key: bytes, prefix: bytes) -> None:
        super().__init__()
        self._source = source
        self._aead = AESGCM(data_key)
        self._prefix = prefix
        self._header = MAGIC + prefix
        self._pending = memoryview(self._header)
        self._next = self._read_chunk()
        self._index = 0
        self._done = False
        self.plaintext_size = 0

    def readable(self) -> bool:
        return True

    def _read_chunk(self) -> bytes:
        parts: list[bytes] = []
        wanted = CHUNK
        while wanted:
            piece = self._source.read(wanted)
            if not piece:
                break
            parts.append(piece)
            wanted -= len(piece)
        return b"".join(parts)

    def _seal_next(self) -> bool:
        if self._done:
            return False
        current = self._next
        following = self._read_chunk() if len(current) == CHUNK else b""
        final = not following
        if self._index >= 1 << 32:
            raise ValueError("File too large to encrypt")
        sealed = self._aead.encrypt(
            _nonce(self._prefix, self._index),
            current,
            _aad(self._header, self._index, final),
        )
        self.plaintext_size += len(current)
        self._pending = memoryview(sealed)
        self._next = following
        self._index += 1
        self._done = final
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        written = 0
        while written < len(target):
            if not self._pending and not self._seal_next():
                break
            n = min(len(target) - written, len(self._pending))
            target[written : written + n] = self._pending[:n]
            self._pending = self._pending[n:]
            written += n
        return written


class _Ciphertext:
    """Random access to stored ciphertext through the inner backend's own file."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        try:
            self.length = os.fstat(handle.fileno()).st_size
        except (AttributeError, OSError, io.UnsupportedOperation):
            handle.seek(0, os.SEEK_END)
            self.length = handle.tell()

    def read_at(self, offset: int, length: int) -> bytes:
        self.handle.seek(offset)
        data: bytes = self.handle.read(length)
        return data

    def close(self) -> None:
        self.handle.close()


class _S3Ciphertext(_Ciphertext):
    """Ranged GETs on the object (django-storages' S3File would download it all first),
    a window of chunks at a time so that reading on needs few requests."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.obj = handle.obj
        self.length = int(self.obj.content_length)
        self._window_start = 0
        self._window = b""

    def read_at(self, offset: int, length: int) -> bytes:
        end = offset + length
        if not (self._window_start <= offset and end <= self._window_start + len(self._window)):
            fetch_end = min(max(end, offset + S3_WINDOW), self.length) - 1
            body = self.obj.get(Range=f"bytes={offset}-{fetch_end}")["Body"]
            try:
                self._window = body.read()
            finally:
                body.close()
            self._window_start = offset
        start = offset - self._window_start
        return self._window[start : start + length]


class DecryptingFile(io.RawIOBase):
    """A seekable, read-only view of the plaintext: decrypts only the chunks read."""

    def __init__(self, source: _Ciphertext, data_key: bytes, size: int, name: str) -> None:
        super().__init__()
        self.name = name
        self.size = size
        self.mode = "rb"
        self._source = source
        self._aead = AESGCM(data_key)
        self._chunks = chunk_count(size)
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        if source.length != ciphertext_size(size):
            raise EncryptedFileCorrupt(
                f"{name}: {source.length} bytes stored, {ciphertext_size(size)} expected "
                "(truncated or extended)"
            )
        self._header = source.read_at(0, HEADER_BYTES)
        if self._header[: len(MAGIC)] != MAGIC:
            raise EncryptedFileCorrupt(f"{name}: not an encrypted file")
        self._prefix = self._header[len(MAGIC) :]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            position = offset
        elif whence == os.SEEK_CUR:
            position = self._position + offset
        elif whence == os.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"Invalid whence {whence}")
        if position < 0:
            raise ValueError("Negative seek position")
        self._position = position
        return position

    def chunk(self, index: int) -> bytes:
        """The plaintext of one chunk, after checking its tag."""
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        final = index == self._chunks - 1
        expected = self.size - index * CHUNK if final else CHUNK
        sealed = self._source.read_at(HEADER_BYTES + index * SEALED_CHUNK, expected + TAG)
        try:
            plain = self._aead.decrypt(
                _nonce(self._prefix, index), sealed, _aad(self._header, index, final)
            )
        except InvalidTag as exc:
            raise EncryptedFileCorrupt(
                f"{self.name}: chunk {index} fails authentication (altered or truncated)"
            ) from exc
        if len(plain) != expected:
            raise EncryptedFileCorrupt(f"{self.name}: chunk {index} has the wrong length")
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        written = 0
        while written < len(target) and self._position < self.size:
            index, offset = divmod(self._position, CHUNK)
            plain = self.chunk(index)
            n = min(len(target) - written, len(plain) - offset)
            target[written : written + n] = plain[offset : offset + n]
            written += n
            self._position += n
        return written

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


def chunks_verified(handle: DecryptingFile) -> Iterator[bytes]:
    """Every chunk of an opened file in order, each authenticated."""
    for index in range(handle._chunks):
        yield handle.chunk(index)


def _is_s3_file(handle: Any) -> bool:
    return getattr(handle, "obj", None) is not None and type(handle).__name__ == "S3File"


class EncryptedStorageMixin(Storage):
    """Mixed into a storage backend: encrypts files under the encrypted prefixes on save
    and decrypts them on open. Everything else is the backend's own behaviour."""

    def _encrypts(self, name: str) -> bool:
        return enabled() and name.replace("\\", "/").startswith(encrypted_prefixes())

    def _save(self, name: str, content: Any) -> str:
        if not self._encrypts(name):
            saved: str = cast(Any, super())._save(name, content)
            return saved
        from .models import EncryptedFile

        master = current_key()
        data_key = AESGCM.generate_key(bit_length=256)
        if getattr(content, "seekable", lambda: False)():
            content.seek(0)
        reader = EncryptingReader(content, data_key, os.urandom(PREFIX_BYTES))
        saved = cast(Any, super())._save(name, File(cast(Any, reader), name))
        EncryptedFile.objects.update_or_create(
            name=saved,
            defaults={
                "key_id": master.id,
                "wrapped_key": wrap_key(master, data_key, saved),
                "size": reader.plaintext_size,
                "created_at": timezone.now(),
                "rewrapped_at": None,
            },
        )
        return saved

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        from .models import EncryptedFile

        row = EncryptedFile.objects.filter(name=name).first()
        if row is None:
            opened: File[Any] = cast(Any, super())._open(name, mode)
            return opened
        if any(flag in mode for flag in "wa+x"):
            raise ValueError(f"{name} is encrypted at rest: it can only be opened for reading")
        data_key = unwrap_key(row.key_id, row.wrapped_key, row.name)
        handle: Any = cast(Any, super())._open(name, "rb")
        source = _S3Ciphertext(handle) if _is_s3_file(handle) else _Ciphertext(handle)
        try:
            raw = DecryptingFile(source, data_key, row.size, name)
        except Exception:
            source.close()
            raise
        return File(cast(IO[bytes], raw), name)

    def open_stored(self, name: str) -> File[Any]:
        """The bytes exactly as stored (ciphertext for an encrypted file): what a backup
        copies, so that a backup holds no more plaintext than the storage does."""
        opened: File[Any] = cast(Any, super())._open(name, "rb")
        return opened

    def save_stored(self, name: str, content: Any) -> str:
        """Put back bytes copied by `open_stored`, unchanged: a restore, whose database
        brings the files' wrapped data keys (EncryptedFile) with it."""
        saved: str = cast(Any, super())._save(name, content)
        return saved

    def size(self, name: str) -> int:
        from .models import EncryptedFile

        row = EncryptedFile.objects.filter(name=name).only("size").first()
        if row is not None:
            return int(row.size)
        found: int = super().size(name)
        return found

    def delete(self, name: str) -> None:
        from .models import EncryptedFile

        super().delete(name)
        EncryptedFile.objects.filter(name=name).delete()


def is_encrypted(storage: Storage, name: str) -> bool:
    """Whether the stored bytes of `name` are ciphertext (so `storage.path()` is no use)."""
    from .models import EncryptedFile

    return (
        isinstance(storage, EncryptedStorageMixin)
        and EncryptedFile.objects.filter(name=name).exists()
    )


class EncryptedFileSystemStorage(EncryptedStorageMixin, FileSystemStorage):
    """FileSystemStorage with evidence files encrypted at rest."""
