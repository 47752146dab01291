"""Exemplar quotes as Markdown, LaTeX, Word (.docx), HTML or CSV.

:func:`render_quotes` lays out the frame :func:`qualcode.coding.quotes.select_quotes`
returns: a title, an intro line (codebook name and version, number of quotes, seed) and a
note saying whether quotes were redacted, then a heading per theme and per code (in
codebook order, nested as in the codebook) with the code's definition and its quotes, each
followed by its attribution. Every renderer gives the same bytes for the same frame; text
from respondents is escaped for the format (Markdown backslash escapes, :func:`escape_latex`,
HTML entities, spreadsheet-safe CSV cells).
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qualcode.codebook.model import Code, Codebook
from qualcode.export.latex import escape_latex
from qualcode.io.tables import neutralise
from qualcode.io.write import atomic_write_bytes
from qualcode.text.redact import PLACEHOLDERS

FORMATS = ("md", "tex", "docx", "html", "csv")
SUFFIXES = {
    ".md": "md", ".markdown": "md", ".tex": "tex", ".docx": "docx", ".html": "html",
    ".htm": "html", ".csv": "csv",
}  # fmt: skip
CSV_COLUMNS = [
    "code", "label", "id", "group", "question", "quote", "attribution", "redacted",
    "redactions",
]  # fmt: skip
DASH = "—"

#: Characters XML 1.0 cannot hold (Word and HTML get them removed).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def format_for(path: str | Path) -> str | None:
    """The format a file name asks for (by its suffix), or None."""
    return SUFFIXES.get(Path(path).suffix.lower())


@dataclass(frozen=True)
class Section:
    """A heading of the document: a code, its depth (0 for a theme), whether quotes were
    asked for it (else it only heads codes below it), and its quotes."""

    code: Code
    depth: int
    asked: bool
    quotes: pd.DataFrame


@dataclass(frozen=True)
class Layout:
    """What every format shows, in order."""

    title: str
    intro: str
    note: str
    sections: list[Section]


def layout(frame: pd.DataFrame, codebook: Codebook, title: str | None = None) -> Layout:
    """The title, intro, redaction note and sections of a quotes document."""
    options = frame.attrs.get("quotes", {})
    asked = set(options.get("codes") or frame["code"].unique().tolist())
    sections = []
    for code in codebook.walk():
        family = {c.id for c in code.walk()}
        if family & asked:
            quotes = frame[frame["code"] == code.id]
            sections.append(Section(code, len(code.path) - 1, code.id in asked, quotes))
    version = f", version {codebook.version}" if codebook.version else ""
    n_codes = sum(s.asked for s in sections)
    intro = (
        f"Codebook: {codebook.name}{version}. {len(frame)} quote{_s(len(frame))} for "
        f"{n_codes} code{_s(n_codes)}, at most {options.get('per_code', '?')} per code, each "
        f"from a different respondent"
    )
    if options.get("by"):
        intro += f", balanced across {options['by']}"
    intro += f"; seed {options.get('seed', '?')}."
    return Layout(title or f"Quotes: {codebook.name}", intro, redaction_note(frame), sections)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def redaction_note(frame: pd.DataFrame) -> str:
    """The sentence that says whether (and how) quotes were redacted."""
    options = frame.attrs.get("quotes", {})
    redacted = options.get("redact", bool(len(frame) and frame["redacted"].all()))
    if not redacted:
        return "Quotes are not redacted."
    kinds = ["email", "phone", "url", "handle"] + (["name"] if options.get("names") else [])
    what = "e-mail addresses, phone numbers, URLs" + (
        ", @handles and listed names" if options.get("names") else " and @handles"
    )
    shown = ", ".join(PLACEHOLDERS[k] for k in kinds)
    found = frame["redactions"].str.len().gt(0).sum() if len(frame) else 0
    return f"Quotes were redacted: {what} are shown as {shown} ({found} quote{_s(found)} changed)."


def render_quotes(
    frame: pd.DataFrame, codebook: Codebook, fmt: str, *, title: str | None = None
) -> str | bytes:
    """The quotes as a document: text for md, tex, html and csv, bytes for docx."""
    if fmt == "csv":
        return render_csv(frame)
    doc = layout(frame, codebook, title)
    if fmt == "md":
        return render_markdown(doc)
    if fmt == "tex":
        return render_latex(doc, codebook.language)
    if fmt == "html":
        return render_html(doc, codebook.language)
    if fmt == "docx":
        from qualcode.export.quotes_docx import render_docx

        return render_docx(doc, codebook)
    raise ValueError(f"unknown quotes format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_quotes(
    frame: pd.DataFrame, codebook: Codebook, fmt: str, path: str | Path, **options: str
) -> Path:
    """Render and write atomically (text as UTF-8)."""
    rendered = render_quotes(frame, codebook, fmt, **options)
    data = rendered.encode("utf-8") if isinstance(rendered, str) else rendered
    return atomic_write_bytes(path, lambda handle: handle.write(data))


# --- markdown

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown would read as markup: emphasis, code, links, HTML,
    tables, and list, heading or quote markers at the start of a line."""
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + _escape_marker(m.group(2)), text)


def _escape_marker(marker: str) -> str:
    return marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker


def render_markdown(doc: Layout) -> str:
    lines = [f"# {escape_markdown(doc.title)}", "", escape_markdown(doc.intro), ""]
    lines += [f"*{escape_markdown(doc.note)}*", ""]
    for section in doc.sections:
        hashes = "#" * min(section.depth + 2, 6)
        lines += [f"{hashes} {escape_markdown(section.code.label)}", ""]
        if section.code.definition:
            lines += [escape_markdown(section.code.definition), ""]
        for quote in section.quotes.itertuples(index=False):
            body = escape_markdown(quote.quote).splitlines() or [""]
            lines += [f"> {line}".rstrip() for line in body]
            lines += [">", f"> {DASH} {escape_markdown(quote.attribution)}", ""]
        if section.asked and section.quotes.empty:
            lines += ["*No quote met the criteria.*", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- LaTeX

_LATEX_HEADINGS = ("section", "subsection", "subsubsection", "paragraph")


def render_latex(doc: Layout, language: str = "en") -> str:
    """A complete UTF-8 document (LuaLaTeX or XeLaTeX; pdfLaTeX for Latin text)."""
    lines = [
        "% Exemplar quotes written by `qualcode quotes`.",
        "% Compile with lualatex or xelatex (any Unicode), or pdflatex (Latin text).",
        r"\documentclass{article}",
        r"\usepackage{iftex}",
        r"\ifPDFTeX",
        r"  \usepackage[utf8]{inputenc}",
        r"  \usepackage[T1]{fontenc}",
        r"\else",
        r"  \usepackage{fontspec}",
        r"\fi",
        rf"\title{{{escape_latex(doc.title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
        escape_latex(doc.intro),
        "",
        rf"\emph{{{escape_latex(doc.note)}}}",
        "",
    ]
    for section in doc.sections:
        heading = _LATEX_HEADINGS[min(section.depth, len(_LATEX_HEADINGS) - 1)]
        lines += [rf"\{heading}{{{escape_latex(section.code.label)}}}", ""]
        if section.code.definition:
            lines += [escape_latex(section.code.definition), ""]
        for quote in section.quotes.itertuples(index=False):
            lines += [
                r"\begin{quote}",
                escape_latex(quote.quote) + r"\par",
                r"\hfill--- " + escape_latex(quote.attribution),
                r"\end{quote}",
                "",
            ]
        if section.asked and section.quotes.empty:
            lines += [r"\emph{No quote met the criteria.}", ""]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


# --- HTML

_CSS = """
body { font-family: Georgia, "Times New Roman", serif; line-height: 1.5; color: #222;
  max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3, h4, h5, h6 { font-family: Helvetica, Arial, sans-serif; line-height: 1.2; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
.intro { color: #444; }
.note { font-style: italic; color: #555; }
.definition { color: #333; }
figure.quote { margin: 1rem 0 1.25rem 0; }
figure.quote blockquote { margin: 0; padding: .4rem 1rem; border-left: 4px solid #8aa4c8;
  background: #f5f7fa; white-space: pre-line; }
figure.quote figcaption { text-align: right; color: #555; font-size: .95em; }
.none { font-style: italic; color: #777; }
""".strip()


def _h(text: str) -> str:
    return html.escape(_NOT_XML.sub("", text), quote=True)


def render_html(doc: Layout, language: str = "en") -> str:
    """One self-contained HTML file: inline CSS, no scripts, nothing loaded from elsewhere."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_h(language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="qualcode">',
        f"<title>{_h(doc.title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_h(doc.title)}</h1>",
        f'<p class="intro">{_h(doc.intro)}</p>',
        f'<p class="note">{_h(doc.note)}</p>',
    ]
    for section in doc.sections:
        level = min(section.depth + 2, 6)
        code = section.code
        parts.append(f'<h{level} id="code-{_h(code.id)}">{_h(code.label)}</h{level}>')
        if code.definition:
            parts.append(f'<p class="definition">{_h(code.definition)}</p>')
        for quote in section.quotes.itertuples(index=False):
            parts += [
                '<figure class="quote">',
                f"<blockquote><p>{_h(quote.quote)}</p></blockquote>",
                f"<figcaption>{DASH} {_h(quote.attribution)}</figcaption>",
                "</figure>",
            ]
        if section.asked and section.quotes.empty:
            parts.append('<p class="none">No quote met the criteria.</p>')
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --- CSV


def render_csv(frame: pd.DataFrame) -> str:
    """One row per quote (:data:`CSV_COLUMNS`); text that a spreadsheet would run as a
    formula gets a leading ``'`` (as in every qualcode CSV)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in frame.itertuples(index=False):
        values = row._asdict()
        writer.writerow([neutralise(str(values[c])) for c in CSV_COLUMNS])
    return buffer.getvalue()
