"""The informe as a Word document (python-docx): A4, running header, "Página X de Y" footer,
real Word tables (header rows repeated on each page, banded cells shaded with the band's
colour *and* the band written as a word), landscape pages for the wide annex tables, and
the narrative placeholders highlighted so nobody signs them by mistake."""
from __future__ import annotations

import dataclasses
import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ..i18n import t
from ..sanitize import document_text
from .common import tint
from .informe import Contents, Heading, Informe, Orientation, PageBreak, Para, Table

FONT = "Arial"
MARGIN = Mm(20)


def _el(tag: str, text: str | None = None, **attrs: str):
    """An OOXML element with ``w:`` attributes (``val="true"`` is ``w:val="true"``) and text."""
    el = OxmlElement(tag, {qn(f"w:{k}"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _field(run, instr: str, dirty: bool = False) -> None:
    """A Word field (PAGE, NUMPAGES, PAGEREF) in ``run``: begin, instruction, separate, a cached
    value, end. ``dirty``: Word recomputes it when the document opens (LibreOffice always does)."""
    instr_el = _el("w:instrText", f" {instr} ")
    instr_el.set(qn("xml:space"), "preserve")
    begin = _el("w:fldChar", fldCharType="begin", **({"dirty": "true"} if dirty else {}))
    for el in (begin, instr_el, _el("w:fldChar", fldCharType="separate"), _el("w:t", "1"), _el("w:fldChar", fldCharType="end")):
        run._r.append(el)


def _bookmark(paragraph, n: int) -> None:
    """Bookmark ``_Toc<n>`` around the whole paragraph: the target of a contents entry."""
    start = _el("w:bookmarkStart", id=str(n), name=f"_Toc{n:08d}")
    p = paragraph._p
    ppr = p.find(qn("w:pPr"))
    (ppr.addnext(start) if ppr is not None else p.insert(0, start))
    p.append(_el("w:bookmarkEnd", id=str(n)))


def _contents(doc, headings: list[Heading], width_mm: float) -> None:
    """One line per listed heading: its text, a dotted leader and its page — a PAGEREF field to
    the heading's bookmark, so the page is the one the document is laid out with (LibreOffice and
    the PDF compute it; Word updates it when the document opens)."""
    for n, h in enumerate(headings, 1):
        p = doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.space_after = Pt(3)
        fmt.left_indent = Mm(6 * (h.level - 1))
        fmt.tab_stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        r = p.add_run(h.text + "\t")
        r.font.size = Pt(11)
        r.bold = h.level == 1
        r = p.add_run()
        r.font.size = Pt(11)
        _field(r, f"PAGEREF _Toc{n:08d} \\h", dirty=True)


def _shade(cell, hex_fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(_el("w:shd", val="clear", color="auto", fill=hex_fill))


def _page(section, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    w, h = Mm(210), Mm(297)
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = Mm(22)
    section.bottom_margin = Mm(20)
    section.header_distance = section.footer_distance = Mm(10)


def _styles(doc) -> None:
    st = doc.styles
    normal = st["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size, color in (("Title", 24, "1B1F23"), ("Heading 1", 15, "1F3864"), ("Heading 2", 12.5, "1F3864"), ("Heading 3", 11, "2F5496")):
        s = st[name]
        s.font.name = FONT
        s.font.size = Pt(size)
        s.font.bold = True
        s.font.color.rgb = RGBColor.from_string(color)
        rpr = s.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if fonts.get(qn(attr)) is not None:
                del fonts.attrib[qn(attr)]
        s.paragraph_format.space_before = Pt(12 if name != "Heading 3" else 9)
        s.paragraph_format.space_after = Pt(6)
        s.paragraph_format.keep_with_next = True


def _header_footer(section, inf: Informe) -> None:
    hp = section.header.paragraphs[0]
    hp.text = inf.header
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for r in hp.runs:
        r.font.size = Pt(8)
        r.font.color.rgb = RGBColor(0x5F, 0x6B, 0x76)
    section.footer.paragraphs[0].style.font.size = Pt(8)
    fp = section.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # "Página {page} de {pages}": words and the two fields, in the catalogue's order
    words = t(inf.lang, "doc_page_of")
    before, rest = words.split("{page}")
    middle, after = rest.split("{pages}")
    for text, fieldname in ((before, "PAGE"), (middle, "NUMPAGES"), (after, None)):
        if text:
            r = fp.add_run(text)
            r.font.size = Pt(8)
        if fieldname:
            r = fp.add_run()
            r.font.size = Pt(8)
            _field(r, fieldname)


CHAR_EM = 0.58  # mean advance of a character of Arial, in em (capitals and digits)
PAD_MM = 4.4  # cell margins (0.19 cm each side in Word and LibreOffice) and a little air


def column_widths(tb: Table, width_mm: float, points: float) -> list[float]:
    """Column widths in mm: every column at least as wide as its longest unbreakable word
    (so codes like IND.01.AEI.03.02 never break mid-word), the rest shared by the
    table's relative weights."""
    ncols = len(tb.headers)
    weights = tb.widths or [1.0] * ncols
    mm_per_char = points * CHAR_EM * 25.4 / 72
    longest = [0] * ncols
    for j, h in enumerate(tb.headers):
        longest[j] = max((len(w) for w in h.split()), default=0) * 1.12  # bold header
    for row in tb.rows:
        for j, c in enumerate(row[:ncols]):
            words = c.text.split()
            longest[j] = max(longest[j], max((len(w) for w in words), default=0) * (1.08 if c.bold else 1))
    minimum = [n * mm_per_char + PAD_MM for n in longest]
    if sum(minimum) >= width_mm:  # cannot fit: shrink every column alike
        return [m * width_mm / sum(minimum) for m in minimum]
    widths = [width_mm * w / sum(weights) for w in weights]
    for _ in range(ncols):  # raise narrow columns to their minimum, take it from the wide ones
        short = [j for j in range(ncols) if widths[j] < minimum[j] - 1e-9]
        if not short:
            break
        for j in short:
            widths[j] = minimum[j]
        free = [j for j in range(ncols) if widths[j] > minimum[j] + 1e-9]
        excess = sum(widths) - width_mm
        room = sum(widths[j] - minimum[j] for j in free)
        if room <= 0:
            break
        for j in free:
            widths[j] -= excess * (widths[j] - minimum[j]) / room
    return widths


def _table(doc, tb: Table, inf: Informe, width_mm: float) -> None:
    if tb.caption:
        cp = doc.add_paragraph()
        run = cp.add_run(tb.caption)
        run.bold = True
        run.font.size = Pt(9.5)
        cp.paragraph_format.keep_with_next = True
        cp.paragraph_format.space_after = Pt(3)
    ncols = len(tb.headers)
    table = doc.add_table(rows=1, cols=ncols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    points = tb.points or (8 if tb.small else 9)
    size = Pt(points)
    widths = [Mm(w) for w in column_widths(tb, width_mm, points)]
    hdr = table.rows[0]
    hdr._tr.get_or_add_trPr().append(_el("w:tblHeader", val="true"))  # repeated on every page
    for j, text in enumerate(tb.headers):
        c = hdr.cells[j]
        c.width = widths[j]
        _shade(c, "DCE3EA")
        p = c.paragraphs[0]
        r = p.add_run(text)
        r.bold = True
        r.font.size = size
        p.paragraph_format.space_after = Pt(0)
    for row in tb.rows:
        wrow = table.add_row()
        wrow._tr.get_or_add_trPr().append(_el("w:cantSplit", val="true"))
        for j, cell in enumerate(row[:ncols]):
            c = wrow.cells[j]
            c.width = widths[j]
            p = c.paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            p.paragraph_format.line_spacing = 1.0
            r = p.add_run(cell.text)
            r.font.size = size
            r.bold = cell.bold
            if cell.numeric:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if cell.band and cell.band in inf.colors:
                _shade(c, tint(inf.colors[cell.band], 0.45))
    # column widths also on the grid, for LibreOffice
    grid = table._tbl.tblGrid
    for j, col in enumerate(grid.findall(qn("w:gridCol"))):
        col.set(qn("w:w"), str(int(widths[j].twips)))
    after = doc.add_paragraph()
    after.paragraph_format.space_after = Pt(4)


def _document_safe(inf: Informe) -> Informe:
    """Every text of the informe as a Word document can hold it (:func:`document_text`)."""
    x = document_text

    def block(b):
        if isinstance(b, (Heading, Para)):
            return dataclasses.replace(b, text=x(b.text))
        if isinstance(b, Table):
            rows = [[dataclasses.replace(c, text=x(c.text)) for c in row] for row in b.rows]
            return dataclasses.replace(b, caption=x(b.caption), headers=[x(h) for h in b.headers], rows=rows)
        return b

    return dataclasses.replace(inf, title=x(inf.title), header=x(inf.header), blocks=[block(b) for b in inf.blocks])


def render_docx(inf: Informe) -> bytes:
    """The informe as the bytes of a .docx file."""
    inf = _document_safe(inf)
    doc = Document()
    _styles(doc)
    core = doc.core_properties
    core.title = inf.title
    core.language = "es-PE" if inf.lang == "es" else "en"
    core.author = "pei-rules"
    section = doc.sections[0]
    _page(section, landscape=False)
    _header_footer(section, inf)
    width_mm = 210 - 40
    first_page = True
    listed = [b for b in inf.blocks if isinstance(b, Heading) and b.toc]
    doc.settings.element.append(_el("w:updateFields", val="true"))  # the contents' page numbers
    for b in inf.blocks:
        if isinstance(b, Heading):
            if b.level == 0:
                p = doc.add_paragraph(b.text, style="Title")
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                p = doc.add_heading(b.text, level=b.level)
            if b.toc:
                _bookmark(p, 1 + next(i for i, h in enumerate(listed) if h is b))
        elif isinstance(b, Contents):
            _contents(doc, listed, width_mm)
        elif isinstance(b, Para):
            _para(doc, b, first_page)
        elif isinstance(b, Table):
            _table(doc, b, inf, width_mm)
        elif isinstance(b, PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            first_page = False
        elif isinstance(b, Orientation):
            section = doc.add_section(WD_SECTION.NEW_PAGE)
            _page(section, b.landscape)
            width_mm = (297 if b.landscape else 210) - 40
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _para(doc, b: Para, first_page: bool) -> None:
    if b.kind == "bullet":
        p = doc.add_paragraph(b.text, style="List Bullet")
        return
    p = doc.add_paragraph()
    run = p.add_run(b.text)
    if b.kind == "cover":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run.font.size = Pt(15)
        run.bold = True
        p.paragraph_format.space_before = Pt(18 if first_page else 6)
    elif b.kind == "note":
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x5F, 0x6B, 0x76)
        if first_page:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif b.kind == "placeholder":
        run.italic = True
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    elif b.kind == "toc":
        run.font.size = Pt(11)
        p.paragraph_format.space_after = Pt(3)
    elif b.kind in ("sentence", "narrative", "body"):
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
