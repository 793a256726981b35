"""`ingest.mbps_encrypted`: the `ingest` upload (curl, one streaming PATCH, to Lantern under
gunicorn) followed by the hand-over into storage with encryption at rest on, as the
evidence receiver does it for a completed upload: the upload file copied through
EncryptedFileSystemStorage (AES-256-GCM in 64 KiB chunks) and the plaintext removed.

mbps_encrypted = size / (upload seconds + encrypting hand-over seconds). Beside it, in the
same run on the same file: the same hand-over with encryption off (`handover_plain_mbps`),
the encrypting hand-over alone (`handover_encrypted_mbps`), and
`encrypted_ratio_vs_plain` = end-to-end with encryption / end-to-end without. The stored
file is checked: ciphertext on disk, and its decrypted SHA-256 is the uploaded file's.

    .venv/bin/python -m bench.ingest_encrypted [--mib 100] [--dir /tmp]

Run by `python -m bench --only ingest` (bench/tus_node.py) after the other ingest runs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.tus_ingest import make_source
from bench.tus_node import Lantern, MiB, curl_upload, stop

ROOT = Path(__file__).resolve().parent.parent

# Runs in a child with the benchmark server's settings: one hand-over, timed, then checked.
HANDOVER = r"""
import hashlib, json, sys, time
import django
django.setup()
from django.core.files import File
from django.core.files.storage import default_storage
from lantern.evidence.encryption import MAGIC, is_encrypted
from lantern.uploads.models import Upload

upload = Upload.objects.get(pk=sys.argv[1])
start = time.perf_counter()
with upload.open() as handle:
    name = default_storage.save("evidence/originals/bench.bin", File(handle))
seconds = time.perf_counter() - start
digest = hashlib.sha256()
with default_storage.open(name, "rb") as handle:
    while block := handle.read(8 << 20):
        digest.update(block)
with open(default_storage.path(name), "rb") as raw:
    head = raw.read(len(MAGIC))
print(json.dumps({
    "seconds": seconds,
    "sha256": digest.hexdigest(),
    "encrypted": is_encrypted(default_storage, name) and head == MAGIC,
}))
default_storage.delete(name)
"""


def handover(server: Lantern, upload_id: str, media: Path, keys: str) -> dict[str, Any]:
    env = {**server.env, "MEDIA_ROOT": str(media), "EVIDENCE_MASTER_KEYS": keys}
    done = subprocess.run(
        [sys.executable, "-c", HANDOVER, upload_id],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def measure_encrypted(
    server: Lantern, source: Path, size: int, expected: str, media: Path
) -> dict[str, Any]:
    """One curl upload to a fresh server, then the hand-over with and without encryption."""
    proc = server.start()
    try:
        start = time.perf_counter()
        path = curl_upload(server.port, server.collection, source, size)
        upload_seconds = time.perf_counter() - start
    finally:
        stop(proc)
    upload_id = path.rstrip("/").rsplit("/", 1)[1]
    key = "bench:" + base64.b64encode(os.urandom(32)).decode()
    plain = handover(server, upload_id, media / "plain", "")
    encrypted = handover(server, upload_id, media / "encrypted", key)
    if plain["sha256"] != expected or encrypted["sha256"] != expected:
        raise RuntimeError("The stored file does not read back as the uploaded one")
    if not encrypted["encrypted"] or plain["encrypted"]:
        raise RuntimeError("Encryption at rest was not (or wrongly) applied")
    with_encryption = size / (upload_seconds + encrypted["seconds"]) / 1e6
    without = size / (upload_seconds + plain["seconds"]) / 1e6
    return {
        "mbps_encrypted": round(with_encryption, 1),
        "handover_encrypted_mbps": round(size / encrypted["seconds"] / 1e6, 1),
        "handover_plain_mbps": round(size / plain["seconds"] / 1e6, 1),
        "encrypted_ratio_vs_plain": round(with_encryption / without, 3),
    }


def measure(mib: int = 100, directory: str | None = None) -> dict[str, Any]:
    size = mib * MiB
    work = Path(tempfile.mkdtemp(prefix="ingest-encrypted-bench-", dir=directory))
    try:
        source = work / "source.bin"
        expected = make_source(source, size)
        metrics = measure_encrypted(Lantern(work), source, size, expected, work / "media")
        return {"metrics": {**metrics, "file_mib": mib}}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=100, help="file size in MiB")
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    args = parser.parse_args()
    print(json.dumps(measure(args.mib, args.dir), indent=2))


if __name__ == "__main__":
    main()
