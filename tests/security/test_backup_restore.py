"""Backup and restore (docs/operations.md): a backup of a live instance, restored into a
fresh database, storage folder and var/ by scripts/restore.py in a separate process, verifies
every file hash and the ledger root; a damaged backup or a tampered ledger is caught.

Runs on the database of the pass: on SQLite the online backup API, on PostgreSQL pg_dump into
a fresh database made for the test (and dropped afterwards) by pg_restore."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction

from lantern.accounts.tests.factories import World
from lantern.evidence.models import DerivedFile, EvidenceItem, EvidenceRequest
from lantern.ledger import keys
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from tests.security.figures import report
from tests.sweep_rules import evidence_request

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Instances:
    """Fresh instances to restore into: a folder each, and on PostgreSQL a database each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.databases: dict[Path, str] = {}

    def database_url(self, instance: Path) -> str:
        if connection.vendor == "sqlite":
            return f"sqlite:///{instance / 'lantern.sqlite3'}"
        if instance not in self.databases:
            name = f"lantern_restore_{uuid.uuid4().hex[:12]}"
            self._admin(f'CREATE DATABASE "{name}"')
            self.databases[instance] = name
        db = connection.settings_dict
        return (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            + (self.databases[instance])
        )

    def execute(self, instance: Path, *statements: str) -> None:
        """Run SQL in a restored instance's database, as someone with direct access would."""
        if connection.vendor == "sqlite":
            with sqlite3.connect(instance / "lantern.sqlite3") as db:
                for statement in statements:
                    db.execute(statement)
            return
        import psycopg

        with psycopg.connect(self.database_url(instance), autocommit=True) as db:
            for statement in statements:
                db.execute(statement)  # type: ignore[arg-type]

    def is_empty(self, instance: Path) -> bool:
        if connection.vendor == "sqlite":
            return not (instance / "lantern.sqlite3").exists()
        import psycopg

        with psycopg.connect(self.database_url(instance)) as db:
            row = db.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()
        return row is not None and row[0] == 0

    def _admin(self, statement: str) -> None:
        import psycopg

        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(statement)  # type: ignore[arg-type]

    def drop_all(self) -> None:
        for name in self.databases.values():
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[Instances]:
    made = Instances(tmp_path)
    yield made
    made.drop_all()


def restore(
    instances: Instances,
    backup: Path,
    instance: Path,
    *extra: str,
    environ: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    env = {
        **os.environ,
        **(environ or {}),
        "LANTERN_ENV": "test",
        "DATABASE_URL": instances.database_url(instance),
        "STORAGE_BACKEND": "local",
        "MEDIA_ROOT": str(instance / "media"),
        "LANTERN_VAR_DIR": str(instance / "var"),
    }
    env.pop("LEDGER_KEY_PATH", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "restore.py"), *extra, str(backup)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return done.returncode, json.loads(lines[-1])


@pytest.fixture
def source(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The live instance: its own storage folder, var/ and ledger key."""
    var = tmp_path / "source" / "var"
    var.mkdir(parents=True)
    (var / "secret_key").write_text(settings.SECRET_KEY)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "source" / "media")},
        },
    }
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_KEY_PATH = str(var / "ledger_ed25519.key")
    monkeypatch.setenv("LANTERN_VAR_DIR", str(var))
    monkeypatch.delenv("LEDGER_KEY_PATH", raising=False)
    keys.signing_key.cache_clear()
    yield var
    keys.signing_key.cache_clear()


def _evidence(world: World, count: int) -> list[bytes]:
    """`count` originals, each with a still; returns the originals' bytes."""
    evidence_request(world)
    request = EvidenceRequest.objects.get()
    originals = []
    for n in range(count):
        data = os.urandom(4096 + n)
        originals.append(data)
        sha = hashlib.sha256(data).hexdigest()
        with transaction.atomic():
            item = EvidenceItem(
                request=request,
                case=request.case,
                original_name=f"cam{n}.mp4",
                size=len(data),
                sha256=sha,
                state=EvidenceItem.State.READY,
                uploaded_by="evidence-link:1",
            )
            item.original.save(f"{request.reference}-{sha[:16]}", ContentFile(data), save=False)
            item.save()
            still = os.urandom(512)
            derived = DerivedFile(
                item=item,
                kind="still",
                content_type="image/jpeg",
                size=len(still),
                sha256=hashlib.sha256(still).hexdigest(),
                parent_sha256=sha,
                recipe={"test": n},
            )
            derived.file.save(f"still-{n}.jpg", ContentFile(still), save=False)
            derived.save()
            ledger_record(action=Action.CREATED, actor_label="test", obj=item, object_sha256=sha)
    return originals


def test_backup_restores_into_a_fresh_instance_and_verifies(
    world: World,
    source: Path,
    tmp_path: Path,
    instances: Instances,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _evidence(world, 3)
    backup_dir = tmp_path / "backup"
    manifest = _script("backup").backup(backup_dir)
    assert oct(backup_dir.stat().st_mode & 0o777) == "0o700"
    assert set(manifest["keys"]["copied"]) >= {"secret_key", "ledger_signing_key"}
    assert len(manifest["files"]) == 6  # three originals, three stills

    assert manifest["database"]["vendor"] == connection.vendor
    code, figures = restore(instances, backup_dir, tmp_path / "restored")
    report(
        capsys,
        f"backup and restore into a fresh instance ({connection.vendor})",
        files=figures.get("files"),
        files_matching=figures.get("files_matching"),
        evidence_files=figures.get("evidence_files"),
        evidence_files_matching=figures.get("evidence_files_matching"),
        ledger_entries_checked=figures.get("ledger_entries_checked"),
        ledger_entries_authenticated=figures.get("ledger_entries_authenticated"),
        ledger_root_matches=figures.get("ledger_root_matches"),
    )
    assert code == 0, figures
    assert figures["files_matching"] == figures["files"] == 6
    assert figures["evidence_files_matching"] == figures["evidence_files"] == 6
    assert figures["ledger_root_matches"] is True
    assert figures["ledger_entries_authenticated"] == manifest["ledger"]["tree_size"] > 0
    restored_var = tmp_path / "restored" / "var"
    assert (restored_var / "secret_key").read_bytes() == (source / "secret_key").read_bytes()
    assert (restored_var / "ledger_ed25519.key").stat().st_mode & 0o077 == 0

    # Nothing is written over: the same instance again is refused.
    code, again = restore(instances, backup_dir, tmp_path / "restored")
    assert code == 1, again
    assert "exists already" in again["problems"][0] or "not empty" in again["problems"][0]

    # A damaged backup is refused before anything is written.
    damaged = tmp_path / "damaged"
    shutil.copytree(backup_dir, damaged)
    victim = next(p for p in (damaged / "files").rglob("*") if p.is_file())
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 1
    victim.write_bytes(bytes(data))
    code, refused = restore(instances, damaged, tmp_path / "fresh")
    assert code == 1 and victim.name in refused["problems"][0]
    assert instances.is_empty(tmp_path / "fresh")

    # A ledger row changed in the restored database is found by the verification.
    instances.execute(
        tmp_path / "restored",
        "DROP TRIGGER IF EXISTS ledger_entry_no_update"
        if connection.vendor == "sqlite"
        else "DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry",
        "UPDATE ledger_entry SET reason = 'rewritten' WHERE seq = 0",
    )
    code, tampered = restore(instances, backup_dir, tmp_path / "restored", "--verify-only")
    assert code == 1 and any("ledger" in p for p in tampered["problems"]), tampered


def test_backup_of_encrypted_evidence_stays_encrypted_and_restores_with_the_key(
    world: World,
    source: Path,
    settings: Any,
    tmp_path: Path,
    instances: Instances,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With EVIDENCE_MASTER_KEYS set, the backup copies the files as stored (ciphertext):
    no original's bytes appear in it. A restore given the same master key reads every
    evidence file back to its recorded SHA-256; without the key it cannot, and says so."""
    master = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    settings.EVIDENCE_MASTER_KEYS = [master]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "lantern.evidence.encryption.EncryptedFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "source" / "media")},
        },
    }
    originals = _evidence(world, 2)
    backup_dir = tmp_path / "backup"
    manifest = _script("backup").backup(backup_dir)
    assert _script("backup").ENCRYPTION_NOTE in manifest["keys"]["not_copied"]
    backed_up = [p.read_bytes() for p in (backup_dir / "files").rglob("*") if p.is_file()]
    assert len(backed_up) == 4  # two originals, two stills
    leaked = sum(data[:64] in blob for data in originals for blob in backed_up)

    code, figures = restore(
        instances,
        backup_dir,
        tmp_path / "with-key",
        environ={"EVIDENCE_MASTER_KEYS": master},
    )
    code_without, without = restore(instances, backup_dir, tmp_path / "without-key")
    report(
        capsys,
        f"backup and restore of encrypted evidence ({connection.vendor})",
        files_in_backup=len(backed_up),
        originals_found_in_plaintext=leaked,
        evidence_files_matching_with_key=figures.get("evidence_files_matching"),
        evidence_files_matching_without_key=without.get("evidence_files_matching"),
    )
    assert leaked == 0
    assert code == 0, figures
    assert figures["files_matching"] == figures["files"] == 4
    assert figures["evidence_files_matching"] == figures["evidence_files"] == 4
    assert code_without == 1
    assert without["evidence_files_matching"] == 0, without
    assert any("does not match its recorded SHA-256" in p for p in without["problems"])
