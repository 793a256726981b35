"""PDFs for letters and exported tables (fpdf2, with the DejaVu font the statements app
ships, so names with accents print)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lantern.statements.pdf import FONT, FONT_DIR


def _pdf(orientation: str = "P") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    return pdf


def letter_pdf(*, force_name: str, address: str, when: datetime, subject: str, body: str) -> bytes:
    pdf = _pdf()
    pdf.set_creation_date(when)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 8, force_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    pdf.ln(6)
    pdf.multi_cell(0, 5.5, address, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.cell(0, 6, f"{when:%-d %B %Y}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, subject, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    pdf.ln(2)
    pdf.multi_cell(0, 5.5, body, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def table_pdf(
    *,
    title: str,
    intro: Sequence[str],
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    when: datetime,
) -> bytes:
    """A titled table across pages (landscape), for schedules and reports to print."""
    pdf = _pdf("L")
    pdf.set_creation_date(when)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    for line in intro:
        pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=5) as table:
        head = table.row()
        for h in headers:
            head.cell(h)
        for values in rows:
            row = table.row()
            for v in values:
                row.cell(str(v))
    return bytes(pdf.output())
