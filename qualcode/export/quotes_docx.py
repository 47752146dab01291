"""Exemplar quotes as a Word document (python-docx), byte-for-byte reproducible.

The document: the title (style "Title"), the intro line and the redaction note, then
"Heading 1" per theme, "Heading 2" per code ("Heading 3" and down for deeper codes), the
definition as a paragraph, and each quote in the built-in "Quote" style followed by its
attribution (right-aligned). The core properties (title, author "qualcode", created and
modified at ``SOURCE_DATE_EPOCH`` or 1980-01-01, as for XLSX tables) and the zip entries
(fixed times, order and attributes) make the same quotes give the same bytes.
"""

from __future__ import annotations

import io
import re
from datetime import timezone

from qualcode.codebook.model import Codebook
from qualcode.export.quotes import DASH, Layout
from qualcode.io.tables import stamp
from qualcode.io.write import repack_zip

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

QUOTE_STYLE = "Quote"
ATTRIBUTION_STYLE = "Quote Attribution"


def _x(text: str) -> str:
    return _NOT_XML.sub("", text)


def render_docx(doc: Layout, codebook: Codebook) -> bytes:
    """The document's bytes (see the module)."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    word = Document()
    attribution = word.styles.add_style(ATTRIBUTION_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    attribution.base_style = word.styles["Normal"]
    attribution.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    attribution.paragraph_format.space_after = Pt(12)
    attribution.font.size = Pt(10)
    attribution.font.italic = True

    word.add_heading(_x(doc.title), level=0)
    word.add_paragraph(_x(doc.intro))
    note = word.add_paragraph()
    note.add_run(_x(doc.note)).italic = True
    for section in doc.sections:
        word.add_heading(_x(section.code.label), level=min(section.depth + 1, 9))
        if section.code.definition:
            word.add_paragraph(_x(section.code.definition))
        for quote in section.quotes.itertuples(index=False):
            word.add_paragraph(_x(quote.quote), style=QUOTE_STYLE)
            word.add_paragraph(f"{DASH} {_x(quote.attribution)}", style=ATTRIBUTION_STYLE)
        if section.asked and section.quotes.empty:
            word.add_paragraph().add_run("No quote met the criteria.").italic = True

    moment = stamp().astimezone(timezone.utc).replace(tzinfo=None)
    props = word.core_properties
    props.title = _x(doc.title)
    props.subject = _x(f"{codebook.name} {codebook.version}".strip())
    props.author = "qualcode"
    props.last_modified_by = "qualcode"
    props.comments = _x(doc.intro)
    props.revision = 1
    props.created = props.modified = moment
    props.last_printed = moment
    raw = io.BytesIO()
    word.save(raw)
    return repack_zip(raw.getvalue(), moment)
