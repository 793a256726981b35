"""Fault tests for tus uploads against the real server (gunicorn, one sync worker, SQLite):
the server SIGKILLed at random moments (worker, master, or both; restarted on the same port
after a master kill) and connections cut mid-chunk by the client, which resumes from HEAD.

Every upload must end complete, with stored bytes identical to those sent (so no zero-filled
or duplicated ranges) and the SHA-256 recorded on its Upload row equal to the client's; and
no HEAD may ever report an offset past the bytes in the file at that moment.

Reproducible choices (sizes, contents, chunking, cuts, kill modes and delays) come from one
seed, printed with the figures: LANTERN_FAULT_SEED=<seed> repeats a run (the timing of kills
against requests still varies). LANTERN_FAULT_UPLOADS sets the number of uploads (default 8,
1-24 MiB each); `make soak` runs many more.
"""

from __future__ import annotations

import hashlib
import os
import random
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import FaultyClient, Killer, LiveServer, MiB, Stats

UPLOADS = int(os.environ.get("LANTERN_FAULT_UPLOADS", "8"))
SEED = int(os.environ.get("LANTERN_FAULT_SEED") or secrets.randbelow(2**32))
MIN_SIZE, MAX_SIZE = 1 * MiB, 24 * MiB
KILL_PAUSE = (0.0, 0.3)  # seconds between a server answering again and the next kill


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path)
    live.prepare()
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_uploads_survive_kills_and_cuts(server: LiveServer, capsys: pytest.CaptureFixture[str]):
    rng = random.Random(SEED)
    stats = Stats()
    client = FaultyClient(server, random.Random(rng.random()), stats)
    killer = Killer(server, random.Random(rng.random()), stats, KILL_PAUSE)
    sent: dict[str, tuple[int, str]] = {}
    started = time.monotonic()
    killer.start()
    try:
        for n in range(UPLOADS):
            data = rng.randbytes(rng.randint(MIN_SIZE, MAX_SIZE))
            upload_id = client.upload(data, f"camera {n}.mp4")
            sent[upload_id.hex] = (len(data), hashlib.sha256(data).hexdigest())
    finally:
        try:
            killer.stop()
        finally:
            summary = stats.summary(SEED, time.monotonic() - started)
            with capsys.disabled():
                print(f"\n{summary}")
    server.wait_ready()

    assert stats.uploads == UPLOADS
    for hex_id, (length, sha256) in sent.items():
        row = server.row(uuid.UUID(hex_id))
        assert row["offset"] == row["length"] == length
        assert row["completed_at"] is not None and row["terminated_at"] is None
        assert row["sha256"] == sha256, f"upload {hex_id}: recorded SHA-256 differs"
        stored = server.upload_dir / row["storage_path"]
        digest = hashlib.sha256()
        with stored.open("rb") as f:
            while block := f.read(MiB):
                digest.update(block)
        assert stored.stat().st_size == length
        assert digest.hexdigest() == sha256, f"upload {hex_id}: stored bytes differ"
