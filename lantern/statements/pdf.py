"""MG11 witness statements as PDF (fpdf2), with the restricted rear page as a separate PDF.

Pure library: no Django imports. Everything the layout needs comes in as arguments.

The declaration states the number of pages, so the statement is laid out, its pages counted
and laid out again with that number until the two agree (normally two passes). Output is
deterministic for the same input: the PDF creation date is the signing time and the file
identifier is a hash of the content.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pypdf import PdfReader

__all__ = [
    "DECLARATION",
    "RESTRICTED_REAR_HEADING",
    "RearPage",
    "StatementDocument",
    "count_pages",
    "render_mg11",
    "render_rear_page",
]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
DEFAULT_TZ = "Europe/London"

LEGAL_LINE = (
    "Criminal Procedure Rules, r 16.2; Criminal Justice Act 1967, s.9; "
    "Magistrates' Courts Act 1980, s.5B"
)
DECLARATION = (
    "This statement (consisting of {pages} page(s) each signed by me) is true to the best of "
    "my knowledge and belief and I make it knowing that, if it is tendered in evidence, I shall "
    "be liable to prosecution if I have wilfully stated in it anything which I know to be "
    "false, or do not believe to be true."
)
READER_DECLARATION = (
    "I, {reader}, declare that I read this statement aloud to {witness} before they signed it."
)
RESTRICTED = "RESTRICTED (when complete)"
RESTRICTED_REAR_HEADING = "RESTRICTED (when complete) — not for disclosure to the defence"
SIGNED_ELECTRONICALLY = "(signed electronically)"

PAGE_MARGIN = 18.0  # mm, left and right
TOP_MARGIN = 14.0
FOOTER_HEIGHT = 34.0  # mm reserved at the bottom of every page for signature + page number
LINE_H = 5.6  # statement text line height, mm
SIG_W = 48.0  # signature box, mm
SIG_H = 11.0


@dataclass
class StatementDocument:
    """Everything printed on the front (disclosable) part of an MG11."""

    urn: str
    witness_name: str
    age_text: str  # "Over 18", or the age, e.g. "17"
    occupation: str
    statement_text: str
    signed_name: str
    signature_png: bytes | None  # drawn signature; None: typed name (keyboard alternative)
    signed_at: datetime  # timezone-aware
    force_name: str
    officer_name: str
    exhibits: list[str] = field(default_factory=list)
    reader_name: str | None = None
    welsh: bool = False  # not supported: see render_mg11


@dataclass
class RearPage:
    """The restricted rear page: never disclosed to the defence."""

    address: str
    phone_numbers: list[str]
    email: str
    preferred_contact: str
    dates_to_avoid: list[str]
    willing_to_attend_court: bool | None
    special_measures: str
    vps_offered: bool
    medical_records_consent: bool | None
    leaflet_given: bool
    signed_name: str
    signature_png: bytes | None
    signed_at: datetime


# --------------------------------------------------------------------------- helpers


def _check_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("signed_at must be a timezone-aware datetime")


def _local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz))


def _date_text(dt: datetime, tz: str) -> str:
    return _local(dt, tz).strftime("%d/%m/%Y")


def _clean(text: str) -> str:
    """Normalise newlines and drop control characters other than newline and tab."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


def _yes_no(value: bool | None, none_text: str = "Not asked") -> str:
    if value is None:
        return none_text
    return "Yes" if value else "No"


class _Form(FPDF):
    """A4 portrait, DejaVu embedded, deterministic metadata."""

    def __init__(self, created: datetime) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_margins(PAGE_MARGIN, TOP_MARGIN, PAGE_MARGIN)
        self.set_creation_date(created)
        self.set_producer("Lantern")
        self.set_creator("Lantern")
        self.set_lang("en-GB")
        self.c_margin = 1.0

    @property
    def content_w(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)

    def draw_signature(
        self, x: float, y: float, name: str, png: bytes | None, w: float = SIG_W
    ) -> None:
        """A drawn signature image with its caption, or the typed name in a signature style.

        Occupies the box (x, y, w, SIG_H). Leaves the cursor unchanged."""
        saved = (self.get_x(), self.get_y(), self.font_family, self.font_style, self.font_size_pt)
        if png is not None:
            self.image(io.BytesIO(png), x=x, y=y, w=w, h=SIG_H - 3.0, keep_aspect_ratio=True)
            self.set_font(FONT, "", 6)
            self.set_xy(x, y + SIG_H - 3.0)
            self.cell(w, 3.0, f"{name} {SIGNED_ELECTRONICALLY}", new_x=XPos.LEFT, new_y=YPos.TOP)
        else:
            size = 12.0
            self.set_font(FONT, "I", size)
            while size > 6 and self.get_string_width(name) > w - 2:
                size -= 0.5
                self.set_font(FONT, "I", size)
            self.set_xy(x, y + 1.0)
            self.cell(w, 6.0, name, new_x=XPos.LEFT, new_y=YPos.TOP)
            self.set_font(FONT, "", 6)
            self.set_xy(x, y + SIG_H - 3.0)
            self.cell(w, 3.0, SIGNED_ELECTRONICALLY, new_x=XPos.LEFT, new_y=YPos.TOP)
        self.set_draw_color(150)
        self.line(x, y + SIG_H - 3.2, x + w, y + SIG_H - 3.2)
        self.set_draw_color(0)
        self.set_font(saved[2], saved[3], saved[4])
        self.set_xy(saved[0], saved[1])

    def label_value(self, label: str, value: str, label_w: float = 34.0) -> None:
        self.set_font(FONT, "B", 10)
        self.cell(label_w, 6.5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_font(FONT, "", 10)
        self.multi_cell(
            self.content_w - label_w, 6.5, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )


class _Mg11(_Form):
    def __init__(self, doc: StatementDocument, total_pages: int, tz: str) -> None:
        super().__init__(doc.signed_at)
        self.doc = doc
        self.total_pages = total_pages
        self.tz = tz
        self.set_auto_page_break(True, margin=FOOTER_HEIGHT)
        self.set_title(f"Witness statement (MG11) {doc.urn}")
        self.set_subject(f"Witness statement of {doc.witness_name}")
        self.set_author(doc.force_name)

    def header(self) -> None:
        self.set_font(FONT, "", 8)
        self.set_xy(self.l_margin, 7)
        self.cell(self.content_w, 4, RESTRICTED, align="C")
        self.set_xy(self.l_margin, 7)
        self.set_font(FONT, "B", 9)
        self.cell(self.content_w, 4, "MG 11", align="R")
        if self.page_no() > 1:
            self.set_font(FONT, "", 9)
            self.set_xy(self.l_margin, 12)
            self.cell(
                self.content_w,
                5,
                f"Continuation of statement of: {self.doc.witness_name}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            self.set_font(FONT, "", 9)
            self.set_xy(self.l_margin, 12)
            self.cell(self.content_w, 5, f"URN: {self.doc.urn}", align="R")
            self.set_y(TOP_MARGIN + 6)
        else:
            self.set_y(TOP_MARGIN)

    def footer(self) -> None:
        top = self.h - FOOTER_HEIGHT + 4
        self.set_draw_color(0)
        self.line(self.l_margin, top, self.w - self.r_margin, top)
        y = top + 3
        self.set_font(FONT, "B", 9)
        self.set_xy(self.l_margin, y + 2)
        self.cell(22, 5, "Signature:")
        self.draw_signature(self.l_margin + 22, y, self.doc.signed_name, self.doc.signature_png)
        wx = self.l_margin + 22 + SIG_W + 6
        self.set_xy(wx, y + 2)
        self.set_font(FONT, "B", 9)
        label = "Signature witnessed by:"
        label_w = self.get_string_width(label) + 3
        self.cell(label_w, 5, label)
        self.set_font(FONT, "", 9)
        self.multi_cell(self.w - self.r_margin - wx - label_w, 5, self.doc.officer_name)
        self.set_xy(self.l_margin, self.h - 12)
        self.set_font(FONT, "", 9)
        self.cell(self.content_w, 5, f"Page {self.page_no()} of {self.total_pages}", align="C")

    def front(self) -> None:
        d = self.doc
        self.set_font(FONT, "B", 15)
        self.cell(self.content_w, 8, "WITNESS STATEMENT", align="C", new_x=XPos.LMARGIN)
        self.ln(8)
        self.set_font(FONT, "", 8.5)
        self.multi_cell(self.content_w, 4.5, LEGAL_LINE, align="C", new_x=XPos.LMARGIN)
        self.ln(3)

        # URN box, right-aligned as on the national form
        box_w = 70.0
        self.set_font(FONT, "B", 10)
        self.set_x(self.w - self.r_margin - box_w - 12)
        self.cell(12, 8, "URN", align="R")
        self.set_font(FONT, "", 10)
        self.cell(box_w, 8, d.urn, border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

        self.label_value("Statement of:", d.witness_name)
        self.set_font(FONT, "B", 10)
        self.cell(34, 6.5, "Age if under 18:")
        self.set_font(FONT, "", 10)
        age = d.age_text.strip() or "Over 18"
        self.cell(22, 6.5, age)
        self.set_font(FONT, "", 7.5)
        self.cell(50, 6.5, "(if over 18 insert 'over 18')")
        self.set_font(FONT, "B", 10)
        self.cell(26, 6.5, "Occupation:")
        self.set_font(FONT, "", 10)
        self.multi_cell(0, 6.5, d.occupation or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

        # Declaration, signature and date in a box
        top = self.get_y()
        self.set_x(self.l_margin + 2)
        self.set_font(FONT, "", 9.5)
        self.multi_cell(
            self.content_w - 4,
            4.8,
            DECLARATION.format(pages=self.total_pages),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(2)
        y = self.get_y()
        self.set_font(FONT, "B", 9.5)
        self.set_xy(self.l_margin + 2, y + 2)
        self.cell(20, 5, "Signature:")
        self.draw_signature(self.l_margin + 24, y, d.signed_name, d.signature_png)
        self.set_xy(self.l_margin + 24 + SIG_W + 10, y + 2)
        self.cell(12, 5, "Date:")
        self.set_font(FONT, "", 9.5)
        self.cell(30, 5, _date_text(d.signed_at, self.tz))
        self.set_y(y + SIG_H + 2)
        self.rect(self.l_margin, top - 1, self.content_w, self.get_y() - top + 1)

        if d.reader_name:
            self.ln(2)
            top = self.get_y()
            self.set_x(self.l_margin + 2)
            self.set_font(FONT, "", 9.5)
            self.multi_cell(
                self.content_w - 4,
                4.8,
                READER_DECLARATION.format(reader=d.reader_name, witness=d.witness_name),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            self.ln(1)
            y = self.get_y()
            self.set_font(FONT, "B", 9.5)
            self.set_xy(self.l_margin + 2, y + 2)
            self.cell(20, 5, "Signature:")
            self.draw_signature(self.l_margin + 24, y, d.reader_name, None)
            self.set_xy(self.l_margin + 24 + SIG_W + 10, y + 2)
            self.cell(12, 5, "Date:")
            self.set_font(FONT, "", 9.5)
            self.cell(30, 5, _date_text(d.signed_at, self.tz))
            self.set_y(y + SIG_H + 2)
            self.rect(self.l_margin, top - 1, self.content_w, self.get_y() - top + 1)

        if d.exhibits:
            self.ln(2)
            self.set_font(FONT, "B", 9.5)
            self.cell(40, 5, "Exhibits referred to:")
            self.set_font(FONT, "", 9.5)
            self.multi_cell(0, 5, ", ".join(d.exhibits), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def body(self) -> None:
        text = _clean(self.doc.statement_text).strip("\n")
        lines = text.split("\n")
        self.set_font(FONT, "", 10.5)
        for i, line in enumerate(lines):
            if line.strip():
                self.write(LINE_H, line.rstrip())
            if i < len(lines) - 1:
                self.ln(LINE_H)
        # the signature immediately after the last word
        x, y = self.get_x() + 2.0, self.get_y()
        if x + SIG_W > self.w - self.r_margin:
            x, y = self.l_margin, y + LINE_H
        if y + SIG_H > self.page_break_trigger:
            self.add_page()
            x, y = self.l_margin, self.get_y()
        self.draw_signature(x, y, self.doc.signed_name, self.doc.signature_png)
        self.set_xy(self.l_margin, y + SIG_H)


def _build_mg11(doc: StatementDocument, total_pages: int, tz: str) -> tuple[int, bytes]:
    pdf = _Mg11(doc, total_pages, tz)
    pdf.add_page()
    pdf.front()
    pdf.body()
    pages = pdf.pages_count
    return pages, bytes(pdf.output())


def render_mg11(doc: StatementDocument, *, tz: str = DEFAULT_TZ) -> bytes:
    """Render the front (disclosable) MG11 as PDF bytes.

    ``tz`` is the zone the signing date is printed in. Welsh is not supported: no verified
    Welsh text of the declaration is available, so ``welsh=True`` raises NotImplementedError
    rather than silently producing an English statement.
    """
    if doc.welsh:
        raise NotImplementedError(
            "Welsh MG11 is not supported: no verified Welsh text of the s.9 declaration"
        )
    _check_aware(doc.signed_at)
    guess = 1
    for _ in range(6):
        pages, data = _build_mg11(doc, guess, tz)
        if pages == guess:
            return data
        guess = pages
    raise RuntimeError("page count did not settle")  # pragma: no cover


class _Rear(_Form):
    def __init__(self, urn: str, created: datetime) -> None:
        super().__init__(created)
        self.urn = urn
        self.set_auto_page_break(True, margin=18)
        self.set_title(f"MG11 rear page (restricted) {urn}")

    def header(self) -> None:
        self.set_font(FONT, "B", 11)
        self.set_text_color(160, 0, 0)
        self.set_xy(self.l_margin, 8)
        self.cell(self.content_w, 6, RESTRICTED_REAR_HEADING, align="C")
        self.set_text_color(0)
        self.set_y(TOP_MARGIN + 2)

    def footer(self) -> None:
        self.set_xy(self.l_margin, self.h - 12)
        self.set_font(FONT, "", 8)
        self.cell(
            self.content_w,
            5,
            f"{RESTRICTED} — URN {self.urn} — page {self.page_no()} of {{nb}}",
            align="C",
        )


def render_rear_page(rear: RearPage, urn: str, witness_name: str, *, tz: str = DEFAULT_TZ) -> bytes:
    """Render the restricted rear page of the MG11 as its own PDF."""
    _check_aware(rear.signed_at)
    pdf = _Rear(urn, rear.signed_at)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.cell(pdf.content_w, 8, "MG 11 — Witness details (rear page)", new_x=XPos.LMARGIN)
    pdf.ln(10)
    pdf.label_value("URN:", urn, 52)
    pdf.label_value("Witness:", witness_name, 52)
    pdf.ln(2)

    def section(title: str) -> None:
        pdf.ln(2)
        pdf.set_font(FONT, "B", 11)
        pdf.set_fill_color(230)
        pdf.cell(pdf.content_w, 7, title, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    section("Contact details")
    pdf.label_value("Address:", _clean(rear.address).strip(), 52)
    pdf.label_value("Telephone:", ", ".join(rear.phone_numbers), 52)
    pdf.label_value("Email:", rear.email, 52)
    pdf.label_value("Preferred contact:", rear.preferred_contact, 52)

    section("Court")
    dates = "; ".join(rear.dates_to_avoid) if rear.dates_to_avoid else "None (no dates to avoid)"
    pdf.label_value("Dates to avoid:", dates, 60)
    pdf.label_value("Willing to attend court:", _yes_no(rear.willing_to_attend_court), 60)
    pdf.label_value(
        "Special measures / needs:", _clean(rear.special_measures).strip() or "None stated", 60
    )

    section("Consents")
    pdf.label_value("Victim Personal Statement offered:", _yes_no(rear.vps_offered), 100)
    pdf.label_value(
        "Consent to access and disclose medical records:",
        _yes_no(rear.medical_records_consent, "Not applicable"),
        100,
    )
    pdf.label_value("Information leaflet given:", _yes_no(rear.leaflet_given), 100)

    pdf.ln(6)
    y = pdf.get_y()
    pdf.set_font(FONT, "B", 10)
    pdf.set_xy(pdf.l_margin, y + 2)
    pdf.cell(22, 5, "Signature:")
    pdf.draw_signature(pdf.l_margin + 22, y, rear.signed_name, rear.signature_png)
    pdf.set_xy(pdf.l_margin + 22 + SIG_W + 10, y + 2)
    pdf.cell(12, 5, "Date:")
    pdf.set_font(FONT, "", 10)
    pdf.cell(30, 5, _date_text(rear.signed_at, tz))
    return bytes(pdf.output())


def count_pages(pdf_bytes: bytes) -> int:
    """Number of pages in a PDF (pypdf)."""
    return len(PdfReader(io.BytesIO(pdf_bytes)).pages)
