#!/usr/bin/env python
"""Restore a backup made by scripts/backup.py into a fresh instance, then verify it.

    .venv/bin/python scripts/restore.py /secure/backups/lantern-2026-11-23
    .venv/bin/python scripts/restore.py --verify-only /secure/backups/lantern-2026-11-23

Run it with the NEW instance's environment (DATABASE_URL, MEDIA_ROOT or S3_*,
LANTERN_VAR_DIR, and EVIDENCE_MASTER_KEYS when the backed-up instance encrypted evidence:
files are put back as stored, still encrypted, and read through those keys to verify). It
refuses to write over anything: the SQLite file must not exist, the PostgreSQL database must
be empty, stored files and keys must not exist yet. Every piece of the backup is checked
against the manifest before anything is written. After restoring it verifies (and
`--verify-only` only verifies an instance already restored):
- every stored file's SHA-256 matches the manifest;
- every evidence original and derived file matches the SHA-256 recorded in the database;
- the ledger: every leaf and checkpoint recomputed (`ledger_verify_live`), the backup's
  checkpoint present with the same root, and all its entries exported as a bundle and
  checked by the standalone verifier (`lantern/ledger/verify.py`) against the backed-up key.
Prints the figures as JSON; exit 0 when everything matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess  # pg_restore with a list of arguments, never through a shell
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
    save_stored,
    setup_django,
    sha256_file,
    sha256_of,
)


class Failed(Exception):
    pass


def load_manifest(src: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise Failed(f"not a Lantern backup: {src / MANIFEST}")
    return manifest


def check_backup(src: Path, manifest: dict[str, Any]) -> int:
    """Every piece of the backup against its manifest hash, before anything is written."""
    pieces = {src / manifest["database"]["file"]: manifest["database"]["sha256"]}
    for name, digest in manifest["files"].items():
        pieces[src / "files" / safe_relative(name)] = digest
    for role, digest in manifest["keys"]["copied"].items():
        if isinstance(digest, dict):
            for name, inner in digest.items():
                pieces[src / "keys" / role / safe_relative(name)] = inner
        else:
            pieces[src / "keys" / role] = digest
    bad = [str(path) for path, digest in pieces.items() if sha256_file(path) != digest]
    if bad:
        raise Failed(f"the backup does not match its manifest: {bad}")
    return len(pieces)


def restore_keys(src: Path, manifest: dict[str, Any]) -> None:
    """Before Django starts: settings would otherwise generate a new secret key."""
    for role, target in key_locations().items():
        if role not in manifest["keys"]["copied"]:
            continue
        if target.exists():
            raise Failed(f"{target} exists already: restore into a fresh instance")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        source = src / "keys" / role
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
            target.chmod(0o600)


def restore_database(src: Path, manifest: dict[str, Any]) -> None:
    from backup import pg_env, pg_tool
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    dump = src / manifest["database"]["file"]
    if manifest["database"]["vendor"] != connection.vendor:
        raise Failed(f"the backup is of {manifest['database']['vendor']}, not {connection.vendor}")
    if connection.vendor == "sqlite":
        target = Path(str(db["NAME"]))
        if target.exists():
            raise Failed(f"{target} exists already: restore into a fresh instance")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dump, target)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            if cursor.fetchone()[0]:
                raise Failed(f"database {db['NAME']} is not empty: restore into a fresh one")
        connection.close()
        args, env = pg_env(db)
        command = [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
        command += [*args, "--dbname", str(db["NAME"]), str(dump)]
        subprocess.run(command, check=True, env=env)  # noqa: S603


def restore_files(src: Path, manifest: dict[str, Any]) -> None:
    from django.core.files import File
    from django.core.files.storage import default_storage

    for name in manifest["files"]:
        if default_storage.exists(name):
            raise Failed(f"stored file {name} exists already: restore into a fresh instance")
        with (src / "files" / safe_relative(name)).open("rb") as handle:
            saved = save_stored(default_storage, name, File(handle))
        if saved != name:
            raise Failed(f"{name} was stored as {saved}")


def verify(manifest: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.storage import default_storage

    from lantern.evidence.models import DerivedFile, EvidenceItem
    from lantern.ledger.models import Checkpoint, Entry
    from lantern.ledger.store import bundle_for, ledger_verify_live
    from lantern.ledger.verify import verify_bundle

    problems: list[str] = []
    figures: dict[str, Any] = {"files": len(manifest["files"]), "files_matching": 0}
    for name, digest in manifest["files"].items():
        with open_stored(default_storage, name) as handle:
            if sha256_of(handle) == digest:
                figures["files_matching"] += 1
            else:
                problems.append(f"stored file {name} differs from the backup")
    recorded: list[tuple[str, str]] = [
        (item.original.name, item.sha256)
        for item in EvidenceItem.objects.filter(erased_at__isnull=True).exclude(original="")
    ]
    recorded += [(d.file.name, d.sha256) for d in DerivedFile.objects.all()]
    figures["evidence_files"] = len(recorded)
    figures["evidence_files_matching"] = 0
    for name, digest in recorded:
        if not default_storage.exists(name):
            problems.append(f"evidence file {name} is missing")
            continue
        with default_storage.open(name, "rb") as handle:
            if sha256_of(handle) == digest:
                figures["evidence_files_matching"] += 1
            else:
                problems.append(f"evidence file {name} does not match its recorded SHA-256")

    live = ledger_verify_live()
    problems += [f"ledger: {p}" for p in live.problems]
    figures["ledger_entries_checked"] = live.entries_checked
    want = manifest["ledger"]
    checkpoint = Checkpoint.objects.filter(tree_size=want["tree_size"]).order_by("id").last()
    root = base64.b64encode(bytes(checkpoint.root_hash)).decode() if checkpoint else None
    figures["ledger_root_matches"] = root == want["root_hash"]
    if checkpoint is None or root != want["root_hash"]:
        problems.append(f"ledger: no checkpoint of size {want['tree_size']} with the backup's root")
    else:
        bundle = bundle_for(Entry.objects.filter(seq__lt=checkpoint.tree_size), checkpoint)
        report = verify_bundle(
            bundle,
            expected_public_key=base64.b64decode(want["public_key"]),
            require_complete=True,
        )
        figures["ledger_entries_authenticated"] = report.entries_authenticated
        problems += [f"ledger bundle: {p}" for p in report.problems]
    figures["problems"] = problems
    figures["ok"] = not problems
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path, help="a folder made by scripts/backup.py")
    parser.add_argument("--verify-only", action="store_true", help="check, do not restore")
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest(args.src)
        if not args.verify_only:
            pieces = check_backup(args.src, manifest)
            restore_keys(args.src, manifest)
            setup_django()
            restore_database(args.src, manifest)
            restore_files(args.src, manifest)
        else:
            pieces = 0
            setup_django()
        figures = verify(manifest)
    except Failed as error:
        sys.stdout.write(json.dumps({"ok": False, "problems": [str(error)]}) + "\n")
        return 1
    sys.stdout.write(json.dumps({"backup_pieces_checked": pieces, **figures}) + "\n")
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
