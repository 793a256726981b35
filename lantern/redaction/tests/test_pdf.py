"""PDF redaction really removes the text: checked by extracting the output's text."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from lantern.accounts.tests.factories import World
from lantern.redaction import engine
from lantern.redaction.models import Redaction
from lantern.redaction.services import redaction_create, redaction_produce, redaction_save

from .helpers import item_with, stored

pytestmark = pytest.mark.django_db

ADDRESS = "12 Acacia Avenue, Northtown"


def statement() -> tuple[bytes, dict[str, Any]]:
    """A two-page statement, and the area (points from the top-left) covering the address."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.text(72, 100, "Witness: Jane Smith")
    label = "Address: "
    pdf.text(72, 120, label + ADDRESS)
    pdf.text(72, 140, "I saw a man take two bottles of whisky.")
    start = 72 + pdf.get_string_width(label)
    area = {"page": 1, "x": start - 1, "y": 108, "w": pdf.get_string_width(ADDRESS) + 2, "h": 16}
    pdf.add_page()
    pdf.text(72, 100, "Signed at Acacia Avenue police office.")
    return bytes(pdf.output()), area


def _text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_text_under_the_area_is_gone_and_the_rest_remains(tmp_path: Path) -> None:
    data, area = statement()
    before = _text(data)
    assert ADDRESS in before[0]
    source, output = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(data)
    done = engine.redact_pdf(source, output, [area])
    assert done["pages_redrawn"] == [1] and done["characters_removed"] == len(
        ADDRESS.replace(" ", "")
    )
    after = _text(output.read_bytes())
    assert len(after) == 2
    for word in ("12", "Acacia", "Avenue", "Northtown"):
        assert word not in after[0], after[0]
    for kept in ("Witness", "Jane Smith", "Address:", "whisky"):
        assert kept in after[0], after[0]
    # The page without areas is copied as it was (its own "Acacia" stays).
    assert after[1] == before[1] and "Acacia Avenue" in after[1]
    # The area is black on the redrawn page.
    document = pdfium.PdfDocument(str(output))
    pixels = np.array(document[0].render(scale=1).to_pil().convert("L"))
    document.close()
    x, y, w, h = (int(area[k]) for k in ("x", "y", "w", "h"))
    assert pixels[y + 3 : y + h - 3, x + 3 : x + w - 3].max() < 20
    assert pixels[60:80, 72:200].min() > 200  # blank paper above the text


def test_a_pdf_exhibit_gets_a_redacted_copy(world: World, on_commit: Any) -> None:
    data, area = statement()
    item = item_with(world, "statement.pdf", data, "application/pdf")
    officer, membership = world.user("investigator"), world.membership("investigator")
    redaction = redaction_create(actor=officer, membership=membership, item=item, purpose="CPS")
    assert redaction.media == Redaction.Media.PDF
    redaction_save(
        actor=officer, membership=membership, redaction=redaction, boxes=[{**area, "kind": "blur"}]
    )
    redaction.refresh_from_db()
    assert redaction.boxes[0]["kind"] == "fill"  # text is removed, never blurred
    with on_commit():
        redaction_produce(actor=officer, membership=membership, redaction=redaction)
    redaction.refresh_from_db()
    assert redaction.status == Redaction.Status.PRODUCED, redaction.status_reason
    assert redaction.output is not None
    made = stored(redaction.output.file)
    assert hashlib.sha256(made).hexdigest() == redaction.output.sha256
    assert redaction.output.parent_sha256 == item.sha256
    assert hashlib.sha256(stored(item.original)).hexdigest() == item.sha256
    assert "Acacia" not in _text(made)[0] and "Witness" in _text(made)[0]
