"""Shared by scripts/backup.py and scripts/restore.py (see docs/operations.md)."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import IO, Any

BASE_DIR = Path(__file__).resolve().parent.parent
MANIFEST = "manifest.json"
FORMAT = "lantern-backup-v1"
CHUNK = 1 << 20


def setup_django() -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def sha256_of(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_of(handle)


def key_locations() -> dict[str, Path]:
    """Where the keys kept under var/ live, worked out as config/settings.py does, without
    loading the settings (which would generate a new secret key in a fresh instance)."""
    var_dir = Path(os.environ.get("LANTERN_VAR_DIR") or BASE_DIR / "var")
    return {
        "secret_key": var_dir / "secret_key",
        "ledger_signing_key": Path(
            os.environ.get("LEDGER_KEY_PATH") or var_dir / "ledger_ed25519.key"
        ),
        "statement_signing_dev_ca": var_dir / "statement-signing",
    }


def open_stored(storage: Any, name: str) -> Any:
    """A stored file's bytes as they are at rest: ciphertext when the storage encrypts
    (lantern.evidence.encryption), so that backups stay encrypted."""
    opener = getattr(storage, "open_stored", None)
    return opener(name) if opener is not None else storage.open(name, "rb")


def save_stored(storage: Any, name: str, content: Any) -> str:
    """Store bytes copied by `open_stored` back unchanged (no second encryption)."""
    saver = getattr(storage, "save_stored", None)
    return str(saver(name, content) if saver is not None else storage.save(name, content))


def storage_names(storage: Any, folder: str = "") -> list[str]:
    """Every file name in a Django storage (local or S3), depth first."""
    folders, files = storage.listdir(folder)
    names = [f"{folder}{name}" for name in sorted(files)]
    for sub in sorted(folders):
        names.extend(storage_names(storage, f"{folder}{sub}/"))
    return names


def safe_relative(name: str) -> Path:
    """A storage name as a relative path that cannot leave the backup folder."""
    path = Path(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"unsafe file name in backup: {name!r}")
    return path
