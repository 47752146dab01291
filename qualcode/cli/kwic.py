"""`qualcode kwic`: keyword in context (qualcode.analysis.kwic)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, note, user_errors
from qualcode.errors import QualcodeError


@app.command()
def kwic(
    answers: Annotated[Path, typer.Argument(help="The answers file.")],
    pattern: Annotated[
        str | None, typer.Argument(help="A rule as in a codebook: word, phrase or glob.")
    ] = None,
    codebook: Annotated[
        Path | None, typer.Option("--codebook", "-c", help="Show a code's hits instead.")
    ] = None,
    code_id: Annotated[str | None, typer.Option("--code", help="The code id.")] = None,
    regex: Annotated[bool, typer.Option("--regex", help="PATTERN is a regex.")] = False,
    window: Annotated[int, typer.Option("--window", "-w", min=0, help="Words each side.")] = 5,
    text: Annotated[
        list[str] | None, typer.Option("--text", "-t", help="Answer column(s).")
    ] = None,
    id: Annotated[str | None, typer.Option("--id", help="Respondent id column.")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="[detected]")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="XLSX sheet [first].")] = None,
    delimiter: Annotated[str | None, typer.Option("--delimiter", help="[sniffed]")] = None,
    skip_bad_rows: Annotated[bool, typer.Option("--skip-bad-rows")] = False,
) -> None:
    """Keyword in context: each hit of PATTERN (or of --code in --codebook) with its context."""
    from qualcode.analysis.kwic import kwic as run_kwic
    from qualcode.analysis.kwic import pattern_codebook
    from qualcode.codebook.load import load_codebook
    from qualcode.console import err, kwic_table, out
    from qualcode.io.read import read_answers

    with user_errors():
        if pattern is None and not (codebook and code_id):
            raise QualcodeError("E502")
        if codebook is not None:
            book = load_codebook(codebook)
        else:  # pattern is given: E502 above
            book = pattern_codebook(pattern or "", regex)
        data, source = read_answers(
            answers, encoding, sheet=sheet, delimiter=delimiter, skip_bad_rows=skip_bad_rows
        )
        for line in source.notes:
            note(line)
        frame = run_kwic(data, book, code_id=code_id, text=text, id=id, window=window)
    out.print(kwic_table(frame))
    negated = int(frame["negated"].sum())
    err.print(f"{len(frame)} hits ({negated} negated)")
