"""Seal statement PDFs (PAdES B-T, pyHanko) and verify them.

Pure library: no Django imports; configuration comes in as a :class:`SigningConfig`.

Production: a document-signing certificate and key issued for the force (``key_path``,
``cert_path``, ``chain_paths``, ``passphrase``) and an RFC 3161 time-stamping authority
(``tsa_url``). Development and tests: :func:`ensure_dev_certificates` creates a private root,
a signing certificate and a TSA certificate once, and the timestamp is made in-process with
pyHanko's ``DummyTimeStamper``.

The sync functions run an event loop (``asyncio.run``; on a worker thread when this thread
already runs one). Async code should await :func:`async_seal_pdf` / :func:`async_verify_pdf`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import cms  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError, ValueErrorWithMessage
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

__all__ = [
    "PdfVerdict",
    "SigningConfig",
    "SigningConfigError",
    "async_seal_pdf",
    "async_verify_pdf",
    "ensure_dev_certificates",
    "seal_pdf",
    "verify_pdf",
]

DEV_SUBDIR = "dev-signing"
ROOT_CERT = "root-ca.pem"
ROOT_KEY = "root-ca-key.pem"
SIGNER_CERT = "signer.pem"
SIGNER_KEY = "signer-key.pem"
TSA_CERT = "tsa.pem"
TSA_KEY = "tsa-key.pem"


T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(), or on a worker thread when this thread already runs an event loop
    (an async view, or a test session driving a browser), where asyncio.run() refuses."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class SigningConfigError(RuntimeError):
    """The signing configuration cannot be used (missing or unreadable key material)."""


@dataclass(frozen=True)
class SigningConfig:
    """Where the key material is.

    ``chain_paths``: intermediate and root certificates to embed with the signature.
    ``trust_root_paths``: roots a verifier should trust (the dev root in development; in
    production the lead passes the force's / national PKI roots to :func:`verify_pdf`).
    Timestamps: ``tsa_url`` (production, RFC 3161 over HTTP(S)) or ``tsa_cert_path`` +
    ``tsa_key_path`` (in-process timestamper, development and tests only; RSA key).
    """

    key_path: Path
    cert_path: Path
    chain_paths: tuple[Path, ...] = ()
    trust_root_paths: tuple[Path, ...] = ()
    passphrase: bytes | None = None
    tsa_url: str | None = None
    tsa_cert_path: Path | None = None
    tsa_key_path: Path | None = None
    tsa_timeout: float = 10.0


@dataclass(frozen=True)
class PdfVerdict:
    intact: bool  # the signed bytes are unchanged and the signature is cryptographically valid
    signed_by: str
    signed_at: datetime | None  # the timestamp's time, else the signer-reported time
    trusted: bool  # the signer's certificate chains to one of the given roots
    modified_after_signing: bool  # bytes were appended after the signature (incremental update)
    summary: str  # plain English for a verification page
    sha256: str  # of the whole file as given
    timestamped: bool = False
    ok: bool = False  # pyHanko's bottom line, and nothing added after signing


# ---------------------------------------------------------------- development certificates


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64] or "Lantern"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def _key_usage(*, sign: bool = False, non_rep: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=non_rep,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _issue(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    *,
    days: int,
    ca: bool,
    key_usage: x509.KeyUsage,
    eku: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _dev_config(folder: Path) -> SigningConfig:
    return SigningConfig(
        key_path=folder / SIGNER_KEY,
        cert_path=folder / SIGNER_CERT,
        chain_paths=(folder / ROOT_CERT,),
        trust_root_paths=(folder / ROOT_CERT,),
        tsa_cert_path=folder / TSA_CERT,
        tsa_key_path=folder / TSA_KEY,
    )


def ensure_dev_certificates(directory: Path, force_name: str) -> SigningConfig:
    """Create (once) a development root CA, a document-signing certificate for
    "<force_name> statements" and a TSA certificate under ``directory/dev-signing/``.

    Safe to call from several processes at once: the set is generated in a temporary folder
    and renamed into place; whoever loses the race uses the winner's files. NOT for
    production: anyone with these files can sign as the force.
    """
    directory = Path(directory)
    folder = directory / DEV_SUBDIR
    if (folder / TSA_KEY).exists():
        return _dev_config(folder)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dev-signing-", dir=directory))
    try:
        org = force_name.strip() or "Lantern"
        root_key = _new_key()
        root_name = _name(f"{org} development root CA (not for production)", org)
        root = _issue(
            root_name,
            root_key,
            root_name,
            root_key,
            days=3650,
            ca=True,
            key_usage=_key_usage(sign=True, ca=True),
        )
        signer_key = _new_key()
        signer = _issue(
            _name(f"{org} statements", org),
            signer_key,
            root_name,
            root_key,
            days=1825,
            ca=False,
            key_usage=_key_usage(sign=True, non_rep=True),
        )
        tsa_key = _new_key()
        tsa = _issue(
            _name(f"{org} development time-stamping authority", org),
            tsa_key,
            root_name,
            root_key,
            days=1825,
            ca=False,
            key_usage=_key_usage(sign=True, non_rep=True),
            eku=[ExtendedKeyUsageOID.TIME_STAMPING],
        )
        _write_cert(tmp / ROOT_CERT, root)
        _write_key(tmp / ROOT_KEY, root_key)
        _write_cert(tmp / SIGNER_CERT, signer)
        _write_key(tmp / SIGNER_KEY, signer_key)
        _write_cert(tmp / TSA_CERT, tsa)
        _write_key(tmp / TSA_KEY, tsa_key)  # written last: its presence marks a complete set
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / TSA_KEY).exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return _dev_config(folder)


# ---------------------------------------------------------------------------- sealing


def _signer(config: SigningConfig) -> signers.SimpleSigner:
    for path in (config.key_path, config.cert_path, *config.chain_paths):
        if not Path(path).is_file():
            raise SigningConfigError(f"signing file not found: {path}")
    signer: signers.SimpleSigner | None = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(config.key_path),
        str(config.cert_path),
        ca_chain_files=[str(p) for p in config.chain_paths] or None,
        key_passphrase=config.passphrase,
    )
    if signer is None:
        raise SigningConfigError("could not load the signing key or certificate")
    return signer


def _timestamper(config: SigningConfig) -> TimeStamper:
    if config.tsa_url:
        return RequestsHTTPTimeStamper(  # type: ignore[no-untyped-call]
            config.tsa_url, timeout=config.tsa_timeout
        )
    if config.tsa_cert_path and config.tsa_key_path:
        extra = []
        for path in config.chain_paths:
            extra.extend(load_certs_from_pemder([str(path)]))  # type: ignore[no-untyped-call]
        return DummyTimeStamper(
            tsa_cert=load_cert_from_pemder(  # type: ignore[no-untyped-call]
                str(config.tsa_cert_path)
            ),
            tsa_key=load_private_key_from_pemder(str(config.tsa_key_path), passphrase=None),
            certs_to_embed=extra,  # type: ignore[arg-type]  # any iterable of certificates
        )
    raise SigningConfigError("no time-stamping authority configured (tsa_url or TSA cert/key)")


def _pdf_signer(
    config: SigningConfig, reason: str, location: str, field_name: str
) -> signers.PdfSigner:
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    return signers.PdfSigner(meta, _signer(config), timestamper=_timestamper(config))


async def async_seal_pdf(
    pdf_bytes: bytes,
    config: SigningConfig,
    *,
    reason: str,
    location: str,
    field_name: str = "Signature1",
) -> bytes:
    """PAdES B-T seal (sha256, signer chain embedded, RFC 3161 signature timestamp)."""
    pdf_signer = _pdf_signer(config, reason, location, field_name)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    out = await pdf_signer.async_sign_pdf(writer, output=io.BytesIO())
    return bytes(out.getvalue())


def seal_pdf(
    pdf_bytes: bytes,
    config: SigningConfig,
    *,
    reason: str,
    location: str,
    field_name: str = "Signature1",
) -> bytes:
    """Sync wrapper of :func:`async_seal_pdf`. Not for use inside a running event loop."""
    return _run(
        async_seal_pdf(pdf_bytes, config, reason=reason, location=location, field_name=field_name)
    )


# ------------------------------------------------------------------------- verification


def _roots(trust_roots: list[Path]) -> list[object]:
    certs: list[object] = []
    for path in trust_roots:
        certs.extend(load_certs_from_pemder([str(path)]))  # type: ignore[no-untyped-call]
    return certs


def _fail(sha: str, summary: str, signed_by: str = "") -> PdfVerdict:
    return PdfVerdict(
        intact=False,
        signed_by=signed_by,
        signed_at=None,
        trusted=False,
        modified_after_signing=False,
        summary=summary,
        sha256=sha,
    )


def _when(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%d %B %Y at %H:%M:%S UTC")


def _container_exact(sig: EmbeddedPdfSignature, pdf_bytes: bytes) -> bool:
    """True if the unsigned gap of the byte range holds exactly the signature container.

    The gap is not covered by the signature's digest: pyHanko ignores zero padding after the
    container and reads hex case-insensitively, so check that the gap is "<hex>" in one case
    and that everything after the DER container is zero padding.
    """
    byte_range = [int(x) for x in sig.sig_object["/ByteRange"]]
    if len(byte_range) != 4:
        return False
    gap = pdf_bytes[byte_range[0] + byte_range[1] : byte_range[2]]
    raw = bytes(sig.pkcs7_content)
    der_len = len(cms.ContentInfo.load(raw, strict=False).dump())
    if any(raw[der_len:]):
        return False
    hexed = raw.hex().encode()
    return gap in (b"<" + hexed + b">", b"<" + hexed.upper() + b">")


def _cms_certificates(signed_data: cms.SignedData) -> list[x509.Certificate]:
    found = []
    for choice in signed_data["certificates"] or []:
        if choice.name == "certificate":
            found.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    return found


def _sid_cert(signed_data: cms.SignedData, certs: list[x509.Certificate]) -> x509.Certificate:
    sid = signed_data["signer_infos"][0]["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            if cert.serial_number == sid.chosen["serial_number"].native:
                return cert
        else:
            ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            if ski.value.digest == sid.chosen.native:
                return cert
    raise ValueError("signer certificate not embedded")


def _embedded_certs_sound(sig: EmbeddedPdfSignature) -> bool:
    """Every certificate embedded in the signature and its timestamp token must lie on a
    chain, checked signature by signature, above the signer's or the TSA's certificate
    (which the signed attributes protect).

    The CMS certificate sets are not covered by the signature: without this check a byte
    changed in an embedded CA certificate would go unnoticed, since validation uses the
    trust roots given rather than the embedded copy.
    """
    certs = _cms_certificates(sig.signed_data)
    protected = [_sid_cert(sig.signed_data, certs)]
    unsigned = sig.signer_info["unsigned_attrs"]
    if unsigned.native is not None:
        for attr in unsigned:
            if attr["type"].native == "signature_time_stamp_token":
                for token in attr["values"]:
                    token_certs = _cms_certificates(token["content"])
                    protected.append(_sid_cert(token["content"], token_certs))
                    certs.extend(token_certs)
    sound: set[x509.Certificate] = set()
    todo = list(protected)
    while todo:
        cert = todo.pop()
        if cert in sound:
            continue
        sound.add(cert)
        for issuer in certs:
            if issuer.subject == cert.issuer:
                try:
                    cert.verify_directly_issued_by(issuer)
                except (ValueError, TypeError, InvalidSignature):
                    return False
                todo.append(issuer)
    return all(cert in sound for cert in certs)


def _verdict(status: PdfSignatureStatus, sha: str, container_ok: bool) -> PdfVerdict:
    cert = status.signing_cert
    signed_by = cert.subject.native.get("common_name") or cert.subject.human_friendly
    ts = status.timestamp_validity
    timestamped = ts is not None and ts.intact and ts.valid
    signed_at = ts.timestamp if ts is not None and timestamped else status.signer_reported_dt
    # a timestamp token that no longer verifies means the signature container was altered
    intact = bool(status.intact and status.valid and container_ok and (ts is None or timestamped))
    coverage = status.coverage
    modified = coverage != SignatureCoverageLevel.ENTIRE_FILE
    trusted = bool(intact and status.trusted)
    ok = bool(status.bottom_line and intact and not modified)

    parts: list[str] = []
    if not intact and status.intact and status.valid:
        parts.append(
            f"The signature by {signed_by} has been altered since it was signed (its "
            "timestamp or signature data no longer match). Do not rely on it."
        )
    elif not intact:
        parts.append(
            f"The signature by {signed_by} does not match this file: the document has been "
            "altered or damaged since it was signed. Do not rely on it."
        )
    else:
        parts.append(f"Signed by {signed_by}.")
        if modified:
            parts.append(
                "Content has been added to the file after it was signed: the signed part is "
                "unchanged, but the additions are not covered by the signature."
            )
        else:
            parts.append("The document has not been changed since it was signed.")
    if signed_at is not None:
        source = "independent timestamp" if timestamped else "signer's own clock (no timestamp)"
        parts.append(f"Signed on {_when(signed_at)} ({source}).")
    if ts is not None and not (ts.trusted and timestamped):
        parts.append("The timestamp could not be verified against a trusted authority.")
    if intact:
        parts.append(
            "The signing certificate is trusted."
            if trusted
            else "The signing certificate does not lead to a trusted authority."
        )
    return PdfVerdict(
        intact=intact,
        signed_by=signed_by,
        signed_at=signed_at,
        trusted=trusted,
        modified_after_signing=modified,
        summary=" ".join(parts),
        sha256=sha,
        timestamped=timestamped,
        ok=ok,
    )


async def async_verify_pdf(
    pdf_bytes: bytes, trust_roots: list[Path], *, allow_fetching: bool = False
) -> PdfVerdict:
    """Verify the first signature of a PDF against ``trust_roots`` (PEM/DER files).

    Never raises for bad input: unreadable, unsigned or tampered files give ``intact=False``
    with a readable summary. ``allow_fetching`` lets pyHanko fetch CRLs/OCSP (production).
    """
    sha = hashlib.sha256(pdf_bytes).hexdigest()
    if not pdf_bytes.lstrip()[:5].startswith(b"%PDF"):
        return _fail(sha, "This file is not a PDF document.")
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        sigs = reader.embedded_regular_signatures
    except Exception:  # pyHanko raises many types (even AssertionError) on damaged files
        return _fail(
            sha,
            "This file could not be read: it is damaged, has been altered, or is not a PDF. "
            "Do not rely on it.",
        )
    if not sigs:
        return _fail(sha, "This document is not signed.")
    sig = sigs[0]
    roots = _roots(trust_roots)
    vc = ValidationContext(
        trust_roots=roots,  # type: ignore[arg-type]
        allow_fetching=allow_fetching,
        revocation_mode="soft-fail",
    )
    try:
        status = await async_validate_pdf_signature(sig, vc, ts_validation_context=vc)
    except (SignatureValidationError, ValueErrorWithMessage, SigningError) as exc:
        msg = getattr(exc, "failure_message", None) or str(exc)
        return _fail(
            sha,
            "The signature is broken: the document or its signature has been altered since "
            f"it was signed. Do not rely on it. ({msg})",
        )
    except Exception as exc:  # damaged structure: any failure means "do not rely on it"
        return _fail(
            sha,
            "The signature could not be checked: the file is damaged or has been altered. "
            f"Do not rely on it. ({type(exc).__name__})",
        )
    try:
        container_ok = _container_exact(sig, pdf_bytes) and _embedded_certs_sound(sig)
    except Exception:
        container_ok = False
    return _verdict(status, sha, container_ok)


def verify_pdf(
    pdf_bytes: bytes, trust_roots: list[Path], *, allow_fetching: bool = False
) -> PdfVerdict:
    """Sync wrapper of :func:`async_verify_pdf`. Not for use inside a running event loop."""
    return _run(async_verify_pdf(pdf_bytes, trust_roots, allow_fetching=allow_fetching))
