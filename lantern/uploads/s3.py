"""Uploads straight into S3-compatible storage by multipart upload (no full local copy).

Used when Django's default storage is django-storages' S3Storage (conf.uses_s3). The bytes
of a PATCH go to a local buffer file of at most one part (LANTERN_UPLOAD_S3_PART_BYTES);
each full part is sent with UploadPart, and its number, ETag and size are recorded on the
Upload row with the offset. What is left after the last full part when a PATCH ends (the
tail) is put in a staging object of its own, named after the request's lease, before the
offset that counts it is committed: any web process on any host can then resume (it fetches
the tail with a ranged GET), and no local disk holds state another process needs. Staging
objects are never overwritten, so a request that lost its lease cannot spoil the tail the
row points at. Completion sends the last part, CompleteMultipartUpload, and the evidence
item then refers to that object; termination and expiry abort the multipart upload.

The SHA-256 of the whole file is kept running in the process that received every byte (as
for local files). Python's hashlib cannot save a hash's state, so when another process (or
a restart) took part of the upload, the object is read back once after
CompleteMultipartUpload to hash it: parts of an unfinished multipart upload cannot be read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from django.core.files.storage import storages
from storages.utils import clean_name

READ_BYTES = 1024 * 1024


class S3Gone(Exception):
    """The multipart upload no longer exists (completed, aborted or expired by the bucket)."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class Bucket:
    """The default storage's bucket, through its boto3 client (the same credentials,
    endpoint and key prefix as django-storages uses)."""

    def __init__(self) -> None:
        storage: Any = storages["default"]
        self.storage = storage
        self.client = storage.connection.meta.client
        self.bucket = storage.bucket_name

    def key(self, name: str) -> str:
        key: str = self.storage._normalize_name(clean_name(name))
        return key

    def create(self, name: str) -> str:
        answer = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key(name))
        return str(answer["UploadId"])

    def upload_part(
        self, name: str, upload_id: str, number: int, body: IO[bytes], size: int
    ) -> str:
        try:
            answer = self.client.upload_part(
                Bucket=self.bucket,
                Key=self.key(name),
                UploadId=upload_id,
                PartNumber=number,
                Body=body,
                ContentLength=size,
            )
        except ClientError as exc:
            if _code(exc) == "NoSuchUpload":
                raise S3Gone(str(exc)) from exc
            raise
        return str(answer["ETag"])

    def complete(self, name: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key(name),
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": p["n"], "ETag": p["etag"]} for p in parts]
                },
            )
        except ClientError as exc:
            if _code(exc) == "NoSuchUpload":
                raise S3Gone(str(exc)) from exc
            raise

    def abort(self, name: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self.key(name), UploadId=upload_id
            )
        except ClientError as exc:
            if _code(exc) not in ("NoSuchUpload", "404"):
                raise

    def put(self, name: str, body: IO[bytes], size: int) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self.key(name), Body=body, ContentLength=size
        )

    def size(self, name: str) -> int | None:
        """The object's size, or None if there is none."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def read(self, name: str, length: int | None = None) -> Iterator[bytes]:
        """The object's bytes (the first `length` only, by a ranged GET), a piece at a time."""
        extra = {"Range": f"bytes=0-{length - 1}"} if length else {}
        answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name), **extra)
        body = answer["Body"]
        try:
            yield from body.iter_chunks(READ_BYTES)
        finally:
            body.close()

    def delete_prefix(self, name: str) -> int:
        """Delete every object whose name starts with `name` (the staging tails of one
        upload); returns how many."""
        prefix = self.key(name)
        deleted = 0
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                deleted += 1
        return deleted

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))


def object_name(storage_path: str) -> str:
    """The completed object's name in the default storage (derived from the upload's id)."""
    from . import conf

    return f"{conf.S3_NAME_PREFIX}{storage_path}"


def tail_prefix(name: str) -> str:
    return f"{name}.tail-"


def tail_name(name: str, token: str) -> str:
    """A staging object for one request's tail: never overwritten by another request."""
    return f"{tail_prefix(name)}{token}"
