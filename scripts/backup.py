#!/usr/bin/env python
"""Back up a Lantern instance: database, stored files and keys, with a manifest.

    .venv/bin/python scripts/backup.py /secure/backups/lantern-2026-11-23

Run it with the instance's own environment (DATABASE_URL, STORAGE_BACKEND/MEDIA_ROOT or S3_*,
LANTERN_VAR_DIR, key settings). It first publishes a signed ledger checkpoint, so that the
manifest names a tree size and root hash the restored ledger must match; then it dumps the
database (SQLite online backup API, or `pg_dump --format=custom`), copies every stored file
and the keys kept on disk, and writes `manifest.json` with the SHA-256 of every piece.
Files are copied as stored: with EVIDENCE_MASTER_KEYS set, evidence stays encrypted in the
backup. Keys given in the environment (LEDGER_SIGNING_KEY, SECRET_KEY, EVIDENCE_MASTER_KEYS,
...) are not copied: the manifest lists them, back them up where you keep secrets. Restore
with scripts/restore.py.
The folder must not exist yet; it is created readable by its owner only (it holds evidence,
personal data and keys: encrypt it at rest and keep it apart from the keys' own backup).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess  # pg_dump with a list of arguments, never through a shell
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backup_common import (
    FORMAT,
    MANIFEST,
    key_locations,
    open_stored,
    safe_relative,
    sha256_file,
    storage_names,
)

ENCRYPTION_NOTE = (
    "EVIDENCE_MASTER_KEYS: evidence files are backed up encrypted, as stored; a restore "
    "needs these keys from the secret store"
)


def pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, the password in the environment only."""
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def pg_tool(name: str) -> str:
    """The PostgreSQL client program, from PATH or Debian's versioned folders."""
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    if found is None:
        raise SystemExit(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def dump_database(dest: Path) -> dict[str, str]:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        target = dest / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # a consistent snapshot while in use
        copy.close()
    elif connection.vendor == "postgresql":
        target = dest / "database.pgdump"
        db = settings.DATABASES["default"]
        args, env = pg_env(db)
        command = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)]
        subprocess.run([*command, *args, str(db["NAME"])], check=True, env=env)  # noqa: S603
    else:
        raise SystemExit(f"Cannot back up a {connection.vendor} database")
    return {"vendor": connection.vendor, "file": target.name, "sha256": sha256_file(target)}


def copy_storage(dest: Path) -> dict[str, str]:
    from django.core.files.storage import default_storage

    copied = {}
    for name in storage_names(default_storage):
        target = dest / safe_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open_stored(default_storage, name) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        copied[name] = sha256_file(target)
    return copied


def copy_keys(dest: Path) -> dict[str, Any]:
    from django.conf import settings

    keys: dict[str, Any] = {"copied": {}, "not_copied": []}
    for role, path in key_locations().items():
        if path.is_file():
            shutil.copy2(path, dest / role)
            keys["copied"][role] = sha256_file(dest / role)
        elif path.is_dir():
            shutil.copytree(path, dest / role)
            keys["copied"][role] = {
                str(p.relative_to(dest / role)): sha256_file(p)
                for p in sorted((dest / role).rglob("*"))
                if p.is_file()
            }
    if getattr(settings, "EVIDENCE_MASTER_KEYS", None):
        keys["not_copied"].append(ENCRYPTION_NOTE)
    for name in ("SECRET_KEY", "LEDGER_SIGNING_KEY", "STATEMENT_SIGNING_PASSPHRASE"):
        if os.environ.get(name) or os.environ.get(f"{name}_FILE"):
            keys["not_copied"].append(f"{name} (from the environment)")
    for name in ("STATEMENT_SIGNING_KEY_FILE", "STATEMENT_SIGNING_CERT_FILE"):
        if getattr(settings, name, ""):
            keys["not_copied"].append(f"{name}={getattr(settings, name)}")
    return keys


def backup(dest: Path) -> dict[str, Any]:
    from django.utils import timezone

    from lantern.ledger.keys import public_key_b64
    from lantern.ledger.store import checkpoint_dict, checkpoint_publish

    dest.mkdir(mode=0o700, parents=True, exist_ok=False)
    checkpoint = checkpoint_publish()
    (dest / "keys").mkdir(mode=0o700)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "ledger": {**checkpoint_dict(checkpoint), "public_key": public_key_b64()},
        "database": dump_database(dest),
        "files": copy_storage(dest / "files"),
        "keys": copy_keys(dest / "keys"),
    }
    path = dest / MANIFEST
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="a folder that does not exist yet")
    args = parser.parse_args(argv)
    from backup_common import setup_django

    setup_django()
    manifest = backup(args.dest)
    sys.stdout.write(
        json.dumps(
            {
                "backup": str(args.dest),
                "files": len(manifest["files"]),
                "ledger_tree_size": manifest["ledger"]["tree_size"],
                "ledger_root": manifest["ledger"]["root_hash"],
                "keys_not_copied": manifest["keys"]["not_copied"],
            }
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
