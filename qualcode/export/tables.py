"""Summary tables for papers and spreadsheets: CSV, Markdown, LaTeX, Word and the terminal.

The analyses (:mod:`qualcode.analysis.crosstab`) give DataFrames. CSV writes those frames
as they are (every number, machine-readable); the other formats render a :class:`Grid`,
the table as people read it (formatted cells, a title, notes under the table, the code
hierarchy indented), built by :func:`prevalence_grid`, :func:`prevalence_by_grid` or
:func:`cooccurrence_grid`.

Every output is deterministic: the same input gives the same bytes. Word files get fixed
zip entry times and document times (``SOURCE_DATE_EPOCH`` when set, else 1980-01-01, as the
xlsx tables: :func:`qualcode.io.tables.stamp`). Files are written atomically.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qualcode.export.latex import escape_latex
from qualcode.export.screen import screen_width
from qualcode.io.tables import neutralise, stamp
from qualcode.io.write import atomic_write_bytes, repack_zip, write_text

if TYPE_CHECKING:
    from rich.table import Table

#: The formats of `qualcode summary` and `qualcode cooccur`, and the file suffixes that pick
#: them when --format is not given.
FORMATS = ("table", "csv", "md", "tex", "docx")
SUFFIXES = {".csv": "csv", ".md": "md", ".markdown": "md", ".tex": "tex", ".docx": "docx",
            ".txt": "table"}  # fmt: skip


@dataclass
class Grid:
    """A table as people read it: every cell already text; `depths` indents each row's
    first cell; `align` is "l" or "r" per column; `notes` go under the table."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    depths: list[int]
    align: list[str]
    notes: list[str] = field(default_factory=list)
    label: str = "tab:qualcode"
    #: Column headers as LaTeX markup (written as they are), when they differ from `columns`.
    tex_columns: list[str] | None = None


# --- cells -------------------------------------------------------------------------------


def _nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def fmt_percent(value: float) -> str:
    return "" if _nan(value) else f"{value:.1f}"


def fmt_ci(low: float, high: float) -> str:
    return "" if _nan(low) or _nan(high) else f"{low:.1f}–{high:.1f}"


def fmt_p(p: float) -> str:
    """A p-value: "n/a" when there is no test, "<0.001", else three decimals."""
    if _nan(p):
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _book(manifest: dict) -> str:
    return str(manifest.get("codebook", {}).get("name") or "Codebook")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


# --- grids -------------------------------------------------------------------------------


def prevalence_grid(frame: pd.DataFrame, manifest: dict) -> Grid:
    """The prevalence table (:func:`~qualcode.analysis.crosstab.prevalence`)."""
    answered = int(frame["answered"].iloc[0]) if len(frame) else 0
    rows = [
        [str(r.code), str(r.label), str(r.coded), str(r.answered), fmt_percent(r.percent),
         fmt_ci(r.ci95_low, r.ci95_high)]
        for r in frame.itertuples(index=False)
    ]  # fmt: skip
    return Grid(
        title=f"{_book(manifest)}: respondents coded, of the {answered} who answered",
        columns=["Code", "Label", "n", "N", "%", "95% CI"],
        rows=rows,
        depths=[int(d) for d in frame["depth"]],
        align=list("llrrrr"),
        notes=["n: respondents coded; N: respondents who answered; 95% CI: Wilson score "
               "interval. A parent code counts respondents with any of its children."],
        label="tab:qualcode-summary",
    )  # fmt: skip


def prevalence_by_grid(frame: pd.DataFrame, notes: list[str], manifest: dict) -> Grid:
    """The table of :func:`~qualcode.analysis.crosstab.prevalence_by`: per group n (%, 95%
    CI), then the test, p, Holm-adjusted p (when more than one test) and Cramér's V."""
    attrs = frame.attrs
    by, groups, sizes = attrs["by"], attrs["groups"], attrs["sizes"]
    several = int(frame["p"].notna().sum()) > 1
    columns = ["Code", *(f"{g} (N={sizes[g]})" for g in groups), "χ² (df)", "Test", "p"]
    tex = ["Code", *(escape_latex(f"{g} (N={sizes[g]})") for g in groups), r"$\chi^2$ (df)",
           "Test", "$p$"]  # fmt: skip
    if several:
        columns.append("p (Holm)")
        tex.append("$p$ (Holm)")
    columns.append("V")
    tex.append("$V$")
    names = {"chi2": "chi²", "fisher": "Fisher", "fisher-mc": "Fisher MC", "n/a": "n/a"}
    rows = []
    for r in frame.to_dict("records"):
        cells = [str(r["code"])]
        for g in groups:
            pct, ci = fmt_percent(r[f"percent:{g}"]), fmt_ci(r[f"ci95_low:{g}"],
                                                             r[f"ci95_high:{g}"])  # fmt: skip
            cells.append(f"{r[f'coded:{g}']} ({pct}%, {ci})" if pct else str(r[f"coded:{g}"]))
        chi = "n/a" if _nan(r["chi2"]) else f"{r['chi2']:.2f} ({int(r['dof'])})"
        cells += [chi, names.get(str(r["test"]), str(r["test"])), fmt_p(r["p"])]
        if several:
            cells.append(fmt_p(r["p_holm"]))
        cells.append("n/a" if _nan(r["cramers_v"]) else f"{r['cramers_v']:.2f}")
        rows.append(cells)
    head = ("Cells: n (% of the group's respondents who answered, 95% Wilson CI). "
            "Test: chi² = Pearson's chi-square, Fisher = Fisher's exact test, Fisher MC = "
            "Fisher-Freeman-Halton exact test with a Monte Carlo p-value.")  # fmt: skip
    return Grid(
        title=f"{_book(manifest)}: respondents coded by {by}",
        columns=columns,
        rows=rows,
        depths=[int(d) for d in frame["depth"]],
        align=["l" if name in ("Code", "Test") else "r" for name in columns],
        notes=[head, *notes],
        label=f"tab:qualcode-summary-by-{_slug(by)}",
        tex_columns=["Code", *tex[1:]],
    )


def cooccurrence_grid(
    counts: pd.DataFrame, jaccard: pd.DataFrame, depths: dict[str, int], manifest: dict
) -> Grid:
    """One square table, lower triangle: the cell of row a and column b is "n (J)", the
    respondents with both codes and the Jaccard index (both / either); the diagonal is the
    respondents with the code. Columns are numbered as the rows."""
    codes = list(counts.index)
    rows = []
    for i, a in enumerate(codes):
        cells = [f"{i + 1} {a}"]
        for j, b in enumerate(codes):
            if j > i:
                cells.append("")
            elif j == i:
                cells.append(str(int(counts.at[a, a])))
            else:
                jac = jaccard.at[a, b]
                cells.append(f"{int(counts.at[a, b])} ({'n/a' if _nan(jac) else f'{jac:.2f}'})")
        rows.append(cells)
    return Grid(
        title=f"{_book(manifest)}: co-occurrence of codes",
        columns=["Code", *(str(i + 1) for i in range(len(codes)))],
        rows=rows,
        depths=[depths.get(c, 0) for c in codes],
        align=["l", *["r"] * len(codes)],
        notes=["Cells: respondents with both codes (Jaccard index: respondents with both / "
               "with either). Diagonal: respondents with the code. Columns are numbered as "
               "the rows."],
        label="tab:qualcode-cooccur",
    )  # fmt: skip


# --- renderers ---------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")


def escape_markdown(text: str) -> str:
    """Text for a GitHub-flavoured Markdown table cell: on one line, with the characters
    Markdown (and GitHub's math) gives a meaning to backslash-escaped, `|` among them."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(text))


def to_markdown(grid: Grid) -> str:
    """A GitHub-flavoured Markdown table with the title above and the notes below; child
    codes are indented with ``&nbsp;`` (GitHub trims spaces in cells)."""

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    lines = [f"**{escape_markdown(grid.title)}**", ""]
    lines.append(row([escape_markdown(c) for c in grid.columns]))
    lines.append(row([":---" if a == "l" else "---:" for a in grid.align]))
    for depth, cells in zip(grid.depths, grid.rows):
        out = [escape_markdown(c) for c in cells]
        out[0] = "&nbsp;" * (4 * depth) + out[0]
        lines.append(row(out))
    for note in grid.notes:
        lines += ["", escape_markdown(note)]
    return "\n".join(lines) + "\n"


def _tex(text: str) -> str:
    # Cells are one line (a line break would end the row); dashes as TeX ligatures, so the
    # file compiles with pdfLaTeX whatever its font encoding.
    escaped = escape_latex(_one_line(text)).replace("–", "--").replace("—", "---")
    return escaped.replace("²", "\\textsuperscript{2}")


def to_latex(grid: Grid) -> str:
    """A complete ``table`` float with a booktabs ``tabular`` (needs
    ``\\usepackage{booktabs}``), caption and label; every cell escaped with
    :func:`~qualcode.export.latex.escape_latex`, children indented with ``\\quad``."""
    head = grid.tex_columns or [_tex(c) for c in grid.columns]
    lines = [
        "% qualcode table; needs \\usepackage{booktabs} in the preamble",
        "\\begin{table}[htbp]",
        "  \\centering",
        f"  \\caption{{{_tex(grid.title)}}}",
        f"  \\label{{{grid.label}}}",
        f"  \\begin{{tabular}}{{{''.join(grid.align)}}}",
        "    \\toprule",
        "    " + " & ".join(head) + " \\\\",
        "    \\midrule",
    ]
    for depth, cells in zip(grid.depths, grid.rows):
        out = [_tex(c) for c in cells]
        out[0] = "\\quad " * depth + out[0]
        lines.append("    " + " & ".join(out) + " \\\\")
    lines += ["    \\bottomrule", "  \\end{tabular}"]
    if grid.notes:
        lines.append("  \\par\\smallskip")
        lines.append("  \\parbox{\\linewidth}{\\footnotesize")
        lines += [f"    {_tex(note)}\\par" for note in grid.notes]
        lines.append("  }")
    lines.append("\\end{table}")
    return "\n".join(lines) + "\n"


def to_docx_bytes(grid: Grid) -> bytes:
    """A Word document: the title, a real table (header row repeated on each page, children
    indented) and the notes. Deterministic bytes (see the module docstring)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    doc = Document()
    doc.add_paragraph().add_run(grid.title).bold = True
    table = doc.add_table(rows=1 + len(grid.rows), cols=len(grid.columns))
    table.style = "Table Grid"
    header = table.rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    header_row = [(header, grid.columns, 0, True)]
    body = [(table.rows[i + 1], cells, d, False)
            for i, (cells, d) in enumerate(zip(grid.rows, grid.depths))]  # fmt: skip
    for row, cells, depth, bold in header_row + body:
        for j, (cell, text) in enumerate(zip(row.cells, cells)):
            paragraph = cell.paragraphs[0]
            paragraph.add_run(_one_line(text)).bold = bold
            if grid.align[j] == "r":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if j == 0 and depth:
                paragraph.paragraph_format.left_indent = Pt(12 * depth)
    for note in grid.notes:
        doc.add_paragraph().add_run(note).font.size = Pt(8)
    moment = stamp().astimezone(timezone.utc).replace(tzinfo=None)
    props = doc.core_properties
    props.created = props.modified = moment
    props.author = props.last_modified_by = "qualcode"
    props.title = grid.title
    props.comments = ""
    props.revision = 1
    raw = io.BytesIO()
    doc.save(raw)
    return _repack_zip(raw.getvalue())


def _repack_zip(data: bytes) -> bytes:
    """The same zip with every entry's time set to :func:`stamp` and fixed attributes."""
    return repack_zip(data, stamp().astimezone(timezone.utc).replace(tzinfo=None))


def rich_table(grid: Grid, width: int | None = None) -> Table:
    """The grid as a rich Table for the terminal (notes as its caption). When the columns fit
    in `width` (default: the output console's) wrapped at spaces only, cells wrap between
    words ("0.99" over "(0.98–1.00)") instead of being cut with "…"."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    if width is None:
        width = screen_width(Console(highlight=False))
    # The longest word of each column, its header included: the narrowest it can be without
    # cutting a word. Use those as minimum widths only when all of them fit (3 = borders and
    # padding per column); otherwise rich shares the width out and shortens with "…".
    widest = [
        max([1, *map(len, name.split()), *(len(w) for r in grid.rows for w in r[k].split())])
        for k, name in enumerate(grid.columns)
    ]
    fits = sum(widest) + 3 * len(widest) + 1 <= width
    table = Table(title=escape(grid.title), title_justify="left", caption_justify="left")
    for k, (name, align) in enumerate(zip(grid.columns, grid.align)):
        # The first column and columns of single words never wrap; "n (%, CI)" cells may.
        whole = k == 0 or not any(" " in row[k] for row in grid.rows)
        table.add_column(
            escape(name),
            justify="right" if align == "r" else "left",
            no_wrap=whole,
            min_width=widest[k] if fits else None,
        )
    for depth, cells in zip(grid.depths, grid.rows):
        out = [escape(_one_line(c)) for c in cells]
        out[0] = "  " * depth + out[0]
        table.add_row(*out, style="bold" if depth == 0 and len(set(grid.depths)) > 1 else None)
    if grid.notes:
        table.caption = escape("\n".join(grid.notes))
    return table


def to_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV text (UTF-8, ``\\n``, a header row, no index), as the output tables
    are written: text cells neutralised against spreadsheet formulas, a field quoted when it
    holds a comma, a quote or a line break, missing values empty, floats at full precision."""

    def cell(value: object) -> str:
        if _nan(value):
            return ""
        if isinstance(value, (bool, np.bool_)):
            return str(bool(value))
        if isinstance(value, (int, np.integer)):
            return str(int(value))
        if isinstance(value, (float, np.floating)):
            return repr(float(value))
        text = neutralise(str(value))
        if any(c in text for c in ',"\r\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [",".join(cell(str(c)) for c in frame.columns)]
    lines += [",".join(cell(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def render_text(fmt: str, grid: Grid, frame: pd.DataFrame) -> str:
    """csv (of `frame`), md or tex (of `grid`) as text."""
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "md":
        return to_markdown(grid)
    if fmt == "tex":
        return to_latex(grid)
    raise ValueError(f"{fmt!r} is not a text format")


def write_output(path: str | Path, fmt: str, grid: Grid, frame: pd.DataFrame) -> Path:
    """Write the table to `path` as `fmt` (csv, md, tex, docx, or table: the terminal
    rendering as plain text), atomically; return `path`."""
    path = Path(path)
    if fmt == "docx":
        data = to_docx_bytes(grid)
        return atomic_write_bytes(path, lambda handle: handle.write(data))
    if fmt == "table":
        from rich.console import Console

        console = Console(file=io.StringIO(), width=160, color_system=None, highlight=False)
        console.print(rich_table(grid))
        return write_text(path, console.file.getvalue())  # type: ignore[attr-defined]
    return write_text(path, render_text(fmt, grid, frame))


def format_for(path: Path | None, fmt: str | None) -> str | None:
    """The format to write: `fmt` when given, else from `path`'s suffix, else "table" when
    there is no path. None when the suffix is not known."""
    if fmt:
        return fmt
    if path is None:
        return "table"
    return SUFFIXES.get(path.suffix.lower())


__all__ = [
    "FORMATS", "Grid", "cooccurrence_grid", "escape_markdown", "format_for",
    "prevalence_by_grid", "prevalence_grid", "render_text", "rich_table", "to_csv",
    "to_docx_bytes", "to_latex", "to_markdown", "write_output",
]  # fmt: skip
