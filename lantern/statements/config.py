"""The force's statement-signing certificate, from settings (development: generated)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from .signing import SigningConfig, ensure_dev_certificates


def signing_config() -> SigningConfig:
    """Production sets STATEMENT_SIGNING_KEY_FILE, _CERT_FILE, _CHAIN_FILES and a TSA URL.
    Without them a development CA, signer and in-process timestamper are made under var/."""
    if settings.STATEMENT_SIGNING_KEY_FILE:
        chain = tuple(Path(p) for p in settings.STATEMENT_SIGNING_CHAIN_FILES)
        return SigningConfig(
            key_path=Path(settings.STATEMENT_SIGNING_KEY_FILE),
            cert_path=Path(settings.STATEMENT_SIGNING_CERT_FILE),
            chain_paths=chain,
            trust_root_paths=tuple(Path(p) for p in settings.STATEMENT_TRUST_ROOT_FILES) or chain,
            passphrase=(settings.STATEMENT_SIGNING_PASSPHRASE or "").encode() or None,
            tsa_url=settings.STATEMENT_TSA_URL or None,
        )
    return ensure_dev_certificates(
        Path(settings.VAR_DIR) / "statement-signing", settings.LANTERN_FORCE_NAME
    )


def trust_roots() -> list[Path]:
    return list(signing_config().trust_root_paths)
