"""The scaled layout (scripts/run_scaled.py) started once for tests/scaled/.

PostgreSQL (a database `test_scaled_<pid>` on the server of PG_ADMIN_URL, else of a
PostgreSQL DATABASE_URL, else the local one: copied from a migrated template, the demo data
loaded, dropped at the end), SeaweedFS on loopback, two gunicorn web processes on free ports
behind the round-robin proxy, two task workers. Skipped when PostgreSQL or SeaweedFS is
missing, unless CI=true (then it fails: tests/environment.py).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import run_scaled  # noqa: E402
from run_scaled import Browser  # noqa: E402

from tests.environment import unavailable  # noqa: E402

MiB = 1024 * 1024
PART_BYTES = 5 * MiB  # the smallest S3 part: uploads cross a part boundary quickly


def _postgres_or_skip() -> None:
    import psycopg

    try:
        psycopg.connect(run_scaled.PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL at {run_scaled.PG_ADMIN_URL}: {exc}")


@pytest.fixture(scope="session")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[run_scaled.ScaledLayout]:
    _postgres_or_skip()
    layout = run_scaled.ScaledLayout(
        run_scaled.Options(
            root=tmp_path_factory.mktemp("scaled"),
            database=f"test_scaled_{os.getpid()}",
            port=0,
            webs=2,
            workers=2,
            scheduler=False,  # periodic work is not under test; the ledger test publishes
            gunicorn_workers=1,
            threads=4,
            fresh=True,
            from_template=True,
            drop_on_stop=True,
            env={"UPLOAD_S3_PART_BYTES": str(PART_BYTES)},
        )
    )
    try:
        layout.start()
    except RuntimeError as exc:
        if "weed" not in str(exc):
            raise
        unavailable(f"an S3 server (SeaweedFS's weed): {exc}")
    try:
        yield layout
    finally:
        dead = layout.dead()
        layout.stop()
    assert not dead, f"processes of the layout died: {dead}"


@pytest.fixture
def browser(scaled: run_scaled.ScaledLayout) -> Browser:
    return Browser(scaled)


def reference_in(text: str) -> str:
    match = re.search(r"RC-\d{4}-\d{6}", text)
    assert match, text[:3000]
    return match.group(0)
