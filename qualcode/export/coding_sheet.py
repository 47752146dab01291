"""A blind coding sheet (.xlsx) for human coders, byte-for-byte reproducible.

Sheets:

- ``coding``: one row per sampled answer (row, id, question, answer) and one column per leaf
  code of the codebook. Row 1 holds the code ids (the code's label and definition are the
  header cell's comment); every code cell has a 0/1 drop-down (a list data validation that
  rejects anything else). The machine's codes are not in the sheet. Panes are frozen below
  the header and right of the answer; the answer column wraps.
- ``codebook``: each code's id, label, path, definition, include and exclude notes.
- ``sampling`` (very hidden: not listed by Excel's "Unhide", since for ``--stratify code``
  the stratum names a machine code): row, id, question, stratum, stratum_size, sampled,
  weight, method and seed.

Text is stored as strings, never formulas: a cell starting with ``= + - @`` keeps its exact
text, is typed as a string and gets Excel's quote prefix. Workbook times are
:func:`qualcode.io.tables.stamp` and the zip is repacked with fixed entry times.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.analysis.sampling import draw_sample
from qualcode.codebook.load import load_codebook
from qualcode.codebook.model import Code, Codebook
from qualcode.coding.outdir import codebook_path, refuse_output_in
from qualcode.coding.result import load_coding
from qualcode.io.tables import _ooxml_escape, _repack, check_table, neutralise
from qualcode.io.write import AtomicFile

FIXED = ("row", "id", "question", "answer")
SAMPLING = ("row", "id", "question", "stratum", "stratum_size", "sampled", "weight")
CODEBOOK = ("id", "label", "path", "definition", "include", "exclude")
ERROR = "Enter 1 if the code applies to this answer, 0 if it does not."


def leaf_codes(codebook: Codebook) -> list[Code]:
    """The codes a coder marks: the leaves of the codebook, in codebook order."""
    return [c for c in codebook.walk() if not c.children]


def _put(sheet: Any, row: int, column: int, value: object) -> Any:
    """Write `value` at (row, column): numbers as numbers, everything else as a string."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        cell._value = _ooxml_escape(text)  # never the setter: "=..." would be a formula
        cell.data_type = "s"
        if neutralise(text) != text:
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _header(sheet: Any, names: list[str]) -> None:
    from openpyxl.styles import Font

    bold = Font(bold=True)
    for j, name in enumerate(names, start=1):
        _put(sheet, 1, j, name).font = bold


def write_coding_sheet(
    sample: pd.DataFrame, codebook: Codebook, path: str | Path, *, sampling_sheet: bool = True
) -> Path:
    """Write the coding sheet of `sample` (from :func:`draw_sample`) to `path`, atomically.

    `sampling_sheet=False` leaves out the (very hidden) ``sampling`` sheet, for a strictly
    blind copy: the same sample and seed still give the same rows. Raises E405 when an
    answer is too long for an Excel cell.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    check_table(path, sample[list(FIXED)].astype({"id": str}), "xlsx", name="coding")
    codes = leaf_codes(codebook)
    book = Workbook()
    sheet = book.active
    sheet.title = "coding"
    _header(sheet, [*FIXED, *(c.id for c in codes)])
    top = Alignment(vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(sample[list(FIXED)].itertuples(index=False), start=2):
        for j, value in enumerate(row, start=1):
            cell = _put(sheet, i, j, int(value) if j == 1 else str(value))
            cell.alignment = wrap if j == 4 else top
    last = len(sample) + 1
    for j, code in enumerate(codes, start=len(FIXED) + 1):
        letter = get_column_letter(j)
        note = code.label + (f"\n\n{code.definition}" if code.definition else "")
        comment = Comment(note, "qualcode")
        comment.width, comment.height = 300, 150
        sheet.cell(row=1, column=j).comment = comment
        check = DataValidation(
            type="list", formula1='"0,1"', allow_blank=True, showErrorMessage=True,
            errorStyle="stop", errorTitle="0 or 1", error=ERROR,
        )  # fmt: skip
        check.add(f"{letter}2:{letter}{max(last, 2)}")
        sheet.add_data_validation(check)
        sheet.column_dimensions[letter].width = max(6, min(len(code.id) + 2, 24))
    for letter, width in zip("ABCD", (7, 14, 18, 80)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "E2"

    book_sheet = book.create_sheet("codebook")
    _header(book_sheet, list(CODEBOOK))
    for i, code in enumerate(codebook.walk(), start=2):
        values = (code.id, code.label, code.path_str, code.definition, code.include, code.exclude)
        for j, value in enumerate(values, start=1):
            _put(book_sheet, i, j, value).alignment = wrap
    for letter, width in zip("ABCDEF", (20, 28, 30, 60, 40, 40)):
        book_sheet.column_dimensions[letter].width = width
    book_sheet.freeze_panes = "B2"

    if sampling_sheet:
        _sampling(book.create_sheet("sampling"), sample)

    with AtomicFile(path) as handle, tempfile.SpooledTemporaryFile(max_size=64 << 20) as raw:
        book.save(raw)
        raw.seek(0)
        _repack(raw, handle.handle, book.properties)
    return path


def _sampling(record: Any, sample: pd.DataFrame) -> None:
    """The sampling record: strata and weights (very hidden: a stratum may name a code)."""
    _header(record, [*SAMPLING, "method", "seed"])
    method, seed = sample.attrs.get("method", ""), sample.attrs.get("seed", "")
    for i, row in enumerate(sample[list(SAMPLING)].itertuples(index=False), start=2):
        r, ident, question, stratum, size, sampled, weight = row
        values = (int(r), str(ident), question, stratum, int(size), int(sampled), float(weight))
        for j, value in enumerate((*values, method, seed), start=1):
            _put(record, i, j, value)
    record.sheet_state = "veryHidden"


def default_sheet_path(outdir: str | Path) -> Path:
    """``<OUTDIR>.coding-sheet.xlsx`` beside the output folder."""
    return Path(outdir).parent / f"{Path(outdir).resolve().name}.coding-sheet.xlsx"


def write_sample_sheet(
    outdir: str | Path,
    output: str | Path | None = None,
    *,
    n: int = 200,
    stratify: str | None = None,
    seed: int = 1,
    codebook: str | Path | None = None,
    sampling_sheet: bool = True,
) -> tuple[Path, pd.DataFrame]:
    """`qualcode sample`: draw `n` answers of the output folder `outdir`
    (:func:`~qualcode.analysis.sampling.draw_sample`) and write their blind coding sheet to
    `output` (default :func:`default_sheet_path`; E402 when it is a file of `outdir`).
    Returns the path and the sample drawn."""
    path = Path(output) if output is not None else default_sheet_path(outdir)
    refuse_output_in(outdir, path)
    coding = load_coding(outdir)
    book = load_codebook(codebook_path(coding.manifest, codebook, outdir))
    drawn = draw_sample(coding, n, stratify=stratify, seed=seed)
    write_coding_sheet(drawn, book, path, sampling_sheet=sampling_sheet)
    return path, drawn
