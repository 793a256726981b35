"""MG11 rendering: page counts, signatures on every page, Unicode names, the rear page."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from lantern.statements.pdf import (
    DECLARATION,
    RESTRICTED_REAR_HEADING,
    RearPage,
    StatementDocument,
    count_pages,
    render_mg11,
    render_rear_page,
)

PARAGRAPH = (
    "On Tuesday 4 March 2025 at about 14:30 I was working at Brightmart on Northtown High "
    "Street. I saw a man I now know as Siôn Llŷr take three bottles of whisky from the shelf, "
    "put them inside his coat and walk past the tills without paying. I followed him to the "
    "door and asked him to stop, but he ran towards the bus station."
)
LAST_WORDS = "I produce the recording as exhibit GWJ/1 and the receipt as exhibit GWJ/2."
SIGNED_AT = datetime(2025, 3, 5, 10, 15, tzinfo=UTC)


def signature_png() -> bytes:
    img = Image.new("RGBA", (400, 120), (255, 255, 255, 0))
    ImageDraw.Draw(img).line(
        [(10, 90), (80, 20), (140, 100), (220, 30), (300, 90), (390, 40)],
        fill=(0, 0, 90, 255),
        width=5,
    )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def make_doc(paragraphs: int = 1, **kw) -> StatementDocument:
    text = "\n\n".join([PARAGRAPH] * paragraphs) + "\n\n" + LAST_WORDS
    fields = dict(
        urn="42AB1234525",
        witness_name="Gwenllïan Ŵyn-Jones",
        age_text="Over 18",
        occupation="Store manager",
        statement_text=text,
        signed_name="Gwenllïan Ŵyn-Jones",
        signature_png=None,
        signed_at=SIGNED_AT,
        force_name="Northshire Police",
        officer_name="PC 1234 Alex Smith",
        exhibits=["GWJ/1", "GWJ/2"],
        reader_name=None,
    )
    fields.update(kw)
    return StatementDocument(**fields)  # type: ignore[arg-type]


def make_rear(**kw) -> RearPage:
    fields = dict(
        address="Flat 2, 17 Heol-y-Frenhines\nNorthtown NT1 4QQ",
        phone_numbers=["07700 900123", "01632 960001"],
        email="gwen.wyn@example.org",
        preferred_contact="Text message",
        dates_to_avoid=["2-6 June 2025", "14 July 2025"],
        willing_to_attend_court=True,
        special_measures="Would prefer a screen in court.",
        vps_offered=True,
        medical_records_consent=None,
        leaflet_given=True,
        signed_name="Gwenllïan Ŵyn-Jones",
        signature_png=None,
        signed_at=SIGNED_AT,
    )
    fields.update(kw)
    return RearPage(**fields)  # type: ignore[arg-type]


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


@pytest.mark.parametrize(
    ("paragraphs", "at_least", "at_most"), [(1, 1, 1), (20, 3, 5), (45, 5, 10)]
)
def test_declaration_states_the_real_page_count(paragraphs, at_least, at_most):
    pdf = render_mg11(make_doc(paragraphs))
    n = count_pages(pdf)
    assert at_least <= n <= at_most
    texts = page_texts(pdf)
    assert DECLARATION.format(pages=n) in texts[0]
    for i, text in enumerate(texts, start=1):
        assert f"Page {i} of {n}" in text


def test_front_page_fields():
    text = page_texts(render_mg11(make_doc(age_text="17", occupation="Student")))[0]
    assert "WITNESS STATEMENT" in text
    assert (
        "Criminal Procedure Rules, r 16.2; Criminal Justice Act 1967, s.9; "
        "Magistrates' Courts Act 1980, s.5B" in text
    )
    assert "URN 42AB1234525" in text
    assert "Statement of: Gwenllïan Ŵyn-Jones" in text
    assert "Age if under 18: 17 (if over 18 insert 'over 18')" in text
    assert "Occupation: Student" in text
    assert "Date: 05/03/2025" in text
    assert "Exhibits referred to: GWJ/1, GWJ/2" in text


@pytest.mark.parametrize("drawn", [False, True], ids=["typed", "drawn"])
def test_signed_on_every_page_and_after_the_last_word(drawn):
    png = signature_png() if drawn else None
    pdf = render_mg11(make_doc(20, signature_png=png))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    for page, text in zip(reader.pages, page_texts(pdf), strict=True):
        assert "Signature: " in text
        assert "Signature witnessed by: PC 1234 Alex Smith" in text
        assert "Gwenllïan Ŵyn-Jones" in text
        assert "(signed electronically)" in text
        if drawn:
            assert len(page.images) >= 1
    last = page_texts(pdf)[-1]
    # the signature follows the last word of the statement, before the page footer
    assert re.search(re.escape(LAST_WORDS) + r" Gwenllïan Ŵyn-Jones", last)
    assert last.index(LAST_WORDS) < last.rindex("Signature witnessed by")


def test_unicode_names_and_text_survive():
    doc = make_doc(
        witness_name="Siân Llŷr-Ŵynne",
        signed_name="Siân Llŷr-Ŵynne",
        officer_name="DC 77 Zoë Ó Súilleabháin",
        statement_text="Dywedodd ŵyr y ffermwr «ŷ» — café, naïve, Øresund, Łódź. Dyna i gyd.",
    )
    text = all_text(render_mg11(doc))
    for word in ("Siân Llŷr-Ŵynne", "Zoë Ó Súilleabháin", "ŵyr", "«ŷ»", "naïve", "Łódź"):
        assert word in text


def test_reader_declaration_and_signature():
    text = page_texts(render_mg11(make_doc(reader_name="Sam O'Connor")))[0]
    assert "I, Sam O'Connor, declare that I read this statement aloud to Gwenllïan" in text
    assert "Sam O'Connor (signed electronically)" in text


def test_output_is_deterministic():
    doc = make_doc(3, signature_png=signature_png())
    assert render_mg11(doc) == render_mg11(replace(doc))


def test_rejects_naive_datetime_and_welsh():
    with pytest.raises(ValueError, match="timezone-aware"):
        render_mg11(make_doc(signed_at=datetime(2025, 3, 5, 10, 15)))
    with pytest.raises(NotImplementedError):
        render_mg11(make_doc(welsh=True))


def test_rear_page_is_separate_and_restricted():
    doc = make_doc(3)
    rear = make_rear(signature_png=signature_png())
    mg11 = all_text(render_mg11(doc))
    rear_pdf = render_rear_page(rear, doc.urn, doc.witness_name)
    text = all_text(rear_pdf)
    assert count_pages(rear_pdf) == 1
    assert text.startswith(RESTRICTED_REAR_HEADING)
    assert "42AB1234525" in text and "Gwenllïan Ŵyn-Jones" in text
    for detail in (
        "Heol-y-Frenhines",
        "NT1 4QQ",
        "07700 900123",
        "01632 960001",
        "gwen.wyn@example.org",
        "Text message",
        "2-6 June 2025",
        "Would prefer a screen",
    ):
        assert detail in text
        assert detail not in mg11
    assert "not for disclosure to the defence" not in mg11
    for sentence in (PARAGRAPH[:60], LAST_WORDS, "Siôn Llŷr", "WITNESS STATEMENT"):
        assert sentence not in text
    assert "Victim Personal Statement offered: Yes" in text
    assert "medical records: Not applicable" in text
    assert "Willing to attend court: Yes" in text


def test_rear_page_with_no_dates_to_avoid():
    text = all_text(render_rear_page(make_rear(dates_to_avoid=[]), "URN1", "A Witness"))
    assert "Dates to avoid: None (no dates to avoid)" in text
