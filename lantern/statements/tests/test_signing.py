"""Sealing (PAdES B-T) and verification, checked against pyHanko and poppler's pdfsig."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from lantern.statements.pdf import render_mg11
from lantern.statements.signing import (
    PdfVerdict,
    SigningConfig,
    SigningConfigError,
    async_seal_pdf,
    async_verify_pdf,
    ensure_dev_certificates,
    seal_pdf,
    verify_pdf,
)
from lantern.statements.tests.test_pdf import make_doc

FORCE = "Northshire Police"


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> SigningConfig:
    return ensure_dev_certificates(tmp_path_factory.mktemp("certs"), FORCE)


@pytest.fixture(scope="module")
def roots(config) -> list[Path]:
    return list(config.trust_root_paths)


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_mg11(make_doc(4))


@pytest.fixture(scope="module")
def sealed(unsigned, config) -> bytes:
    return seal_pdf(unsigned, config, reason="MG11 witness statement", location=FORCE)


def test_dev_certificates_are_made_once_with_the_right_usages(tmp_path):
    first = ensure_dev_certificates(tmp_path, FORCE)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    second = ensure_dev_certificates(tmp_path, "Another Force")
    assert first == second
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert (first.key_path.stat().st_mode & 0o077) == 0

    signer = x509.load_pem_x509_certificate(first.cert_path.read_bytes())
    assert (
        signer.subject.rfc4514_string()
        == "CN=Northshire Police statements,O=Northshire Police,C=GB"
    )
    ku = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment and not ku.key_cert_sign
    assert first.tsa_cert_path is not None
    tsa = x509.load_pem_x509_certificate(first.tsa_cert_path.read_bytes())
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_sealed_pdf_verifies_intact_and_trusted(sealed, roots):
    verdict = verify_pdf(sealed, roots)
    assert verdict.intact and verdict.trusted and verdict.ok and verdict.timestamped
    assert not verdict.modified_after_signing
    assert verdict.signed_by == "Northshire Police statements"
    assert verdict.signed_at is not None
    assert abs(verdict.signed_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert "has not been changed" in verdict.summary and "independent timestamp" in verdict.summary
    assert len(verdict.sha256) == 64
    assert b"/ETSI.CAdES.detached" in sealed  # PAdES subfilter


def test_untrusted_roots(sealed, tmp_path):
    other = ensure_dev_certificates(tmp_path, "Some Other Force")
    verdict = verify_pdf(sealed, list(other.trust_root_paths))
    assert verdict.intact and not verdict.trusted and not verdict.ok
    assert "does not lead to a trusted authority" in verdict.summary


def pdfsig(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdfsig", "-no-ocsp", str(path)], capture_output=True, text=True, timeout=30
    )
    return result.stdout + result.stderr


@pytest.mark.skipif(  # CI=true runs it regardless: a missing pdfsig fails there
    shutil.which("pdfsig") is None and os.environ.get("CI") != "true",
    reason="poppler-utils not installed (make browser-deps installs it; CI=true fails instead)",
)
def test_pdfsig_agrees(sealed, tmp_path):
    out = pdfsig(tmp_path, sealed)
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out
    assert "Signature Type: ETSI.CAdES.detached" in out
    # pdfsig uses its own NSS trust store, which does not hold the development root
    assert "Certificate Validation:" in out

    tampered = bytearray(sealed)
    tampered[len(sealed) // 4] ^= 0x01
    out = pdfsig(tmp_path, bytes(tampered))
    assert "Signature is Valid" not in out
    assert "Digest Mismatch" in out or "Signature is Invalid" in out

    out = pdfsig(tmp_path, append_update(sealed))
    assert "Not total document signed" in out


def byte_positions(sealed: bytes) -> list[tuple[str, int]]:
    start = sealed.index(b"/ByteRange [") + len(b"/ByteRange [")
    a, b, c, d = (int(x) for x in sealed[start : sealed.index(b"]", start)].split())
    gap_start, gap_end, end = a + b, c, c + d
    assert end == len(sealed)
    content = sealed.index(b"stream", sealed.index(b"/Contents")) + 20
    der_end = gap_start + 1 + len(sealed[gap_start + 1 : gap_end - 1].rstrip(b"0"))
    positions = [("header", 1), ("first object", 20), ("page content stream", content)]
    positions += [(f"first range {i}/8", a + b * i // 8) for i in range(1, 8)]
    positions += [("last byte before /Contents", gap_start - 1)]
    positions += [
        (f"/Contents {i}/6", gap_start + 1 + (der_end - gap_start) * i // 6) for i in range(6)
    ]
    positions += [("/Contents padding", (der_end + gap_end) // 2)]
    positions += [("first byte after /Contents", gap_end)]
    positions += [(f"second range {i}/4", c + d * i // 4) for i in range(1, 4)]
    positions += [("last byte", end - 2)]
    return positions


def flip(data: bytes, pos: int) -> bytes:
    out = bytearray(data)
    original = out[pos]
    # stay within the same character class so hex and numbers still parse where possible
    if chr(original) in "0123456789":
        out[pos] = ord("0") + (original - ord("0") + 1) % 10
    elif chr(original) in "ABCDEF":
        out[pos] = ord("A") + (original - ord("A") + 1) % 6
    else:
        out[pos] = original ^ 0x01
    assert bytes(out) != data
    return bytes(out)


def test_any_changed_byte_breaks_the_seal(sealed, roots):
    positions = byte_positions(sealed)
    assert len(positions) >= 20
    failures = []
    for label, pos in positions:
        verdict = verify_pdf(flip(sealed, pos), roots)
        if verdict.intact or verdict.ok or not verdict.summary:
            failures.append((label, pos, verdict.summary))
    assert failures == []


def test_case_change_in_signature_hex_is_detected(sealed, roots):
    pos = sealed.index(b"/Contents <") + len(b"/Contents <")
    while chr(sealed[pos]) not in "ABCDEF":
        pos += 1
    tampered = bytearray(sealed)
    tampered[pos] = ord(chr(sealed[pos]).lower())
    assert not verify_pdf(bytes(tampered), roots).intact


def append_update(sealed: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def test_incremental_update_after_signing(sealed, roots):
    verdict = verify_pdf(append_update(sealed), roots)
    assert verdict.modified_after_signing
    assert verdict.intact  # the signed revision itself is untouched
    assert not verdict.ok
    assert "added to the file after it was signed" in verdict.summary


def test_bytes_appended_after_signing(sealed, roots):
    verdict = verify_pdf(sealed + b"\n% appended\n", roots)
    assert verdict.modified_after_signing or not verdict.intact
    assert not verdict.ok


def test_unsigned_and_garbage_input(unsigned, sealed, roots):
    verdict = verify_pdf(unsigned, roots)
    assert not verdict.intact and not verdict.ok
    assert verdict.summary == "This document is not signed."

    verdict = verify_pdf(bytes(range(256)) * 40, roots)
    assert not verdict.intact and "not a PDF" in verdict.summary

    for data in (b"", b"%PDF-1.7\n" + bytes(range(256)) * 40, sealed[: len(sealed) // 2]):
        verdict = verify_pdf(data, roots)
        assert not verdict.intact and not verdict.ok and verdict.summary


def _in_a_new_loop(coroutine: Any) -> Any:
    """Run a coroutine on its own thread and loop: the test thread may already run a loop
    (Playwright's, when browser tests ran earlier in the session)."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_async_variants_inside_an_event_loop(unsigned, config, roots):
    async def main() -> PdfVerdict:
        sealed = await async_seal_pdf(unsigned, config, reason="r", location="l")
        return await async_verify_pdf(sealed, roots)

    assert _in_a_new_loop(main()).ok


def test_missing_key_material(tmp_path, unsigned):
    config = SigningConfig(key_path=tmp_path / "no.pem", cert_path=tmp_path / "no.crt")
    with pytest.raises(SigningConfigError):
        seal_pdf(unsigned, config, reason="r", location="l")


def test_sync_api_works_while_an_event_loop_runs(tmp_path: Path) -> None:
    """A browser-driving test session (or an async caller) keeps a loop running in the
    thread: the sync wrappers must still work, not fail in asyncio.run()."""

    from lantern.statements import pdf, signing

    config = signing.ensure_dev_certificates(tmp_path / "certs", "Test Police")
    document = pdf.render_rear_page(
        pdf.RearPage(
            address="a",
            phone_numbers=[],
            email="",
            preferred_contact="email",
            dates_to_avoid=[],
            willing_to_attend_court=None,
            special_measures="",
            vps_offered=False,
            medical_records_consent=None,
            leaflet_given=False,
            signed_name="A B",
            signature_png=None,
            signed_at=__import__("datetime").datetime.now(__import__("datetime").UTC),
        ),
        urn="U1",
        witness_name="A B",
    )

    async def inside_a_loop() -> bool:
        sealed = signing.seal_pdf(document, config, reason="test", location="here")
        return signing.verify_pdf(sealed, list(config.trust_root_paths)).intact

    assert _in_a_new_loop(inside_a_loop())
