"""`qualcode quotes`: exemplar quotes of an output folder (selected by
qualcode.coding.quotes, laid out by qualcode.export.quotes)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import OutputFormats, app, note, resolve_output, user_errors


class QuoteFormat(str, Enum):
    md = "md"
    tex = "tex"
    docx = "docx"
    html = "html"
    csv = "csv"


@app.command()
def quotes(
    outdir: Annotated[Path, typer.Argument(help="An output folder of `qualcode apply`.")],
    code_ids: Annotated[
        list[str] | None, typer.Option("--code", help="A code id (repeat) [every code].")
    ] = None,
    per_code: Annotated[int, typer.Option("--per-code", min=1, help="Quotes per code.")] = 3,
    by: Annotated[
        str | None, typer.Option("--by", help="Balance quotes across this column's groups.")
    ] = None,
    fmt: Annotated[
        QuoteFormat | None,
        typer.Option("--format", "-f", help="Output format [from -o's suffix, else md]."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE [standard output].")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 1,
    min_words: Annotated[
        int, typer.Option("--min-words", min=0, help="Skip shorter quote units.")
    ] = 6,
    max_words: Annotated[
        int, typer.Option("--max-words", min=1, help="Trim longer ones around the hit (…).")
    ] = 60,
    attribution: Annotated[
        str | None,
        typer.Option("--attribution", help='Template, e.g. "({id}, {region})" [id and '
                     "attributes]."),
    ] = None,
    no_redact: Annotated[
        bool, typer.Option("--no-redact", help="Keep e-mails, phones, URLs, handles.")
    ] = False,
    redact_names: Annotated[
        Path | None,
        typer.Option("--redact-names", help="Also redact these names (a file, one a line)."),
    ] = None,
    codebook: Annotated[
        Path | None,
        typer.Option("--codebook", "-c", help="The codebook [the one in manifest.json]."),
    ] = None,
) -> None:  # fmt: skip
    """Exemplar quotes per code from OUTDIR: redacted, attributed, as md/tex/docx/html/csv."""
    from qualcode.codebook.load import load_codebook
    from qualcode.coding.outdir import codebook_path
    from qualcode.coding.quotes import select_quotes
    from qualcode.coding.result import load_coding
    from qualcode.export.quotes import SUFFIXES, render_quotes, write_quotes
    from qualcode.text.redact import read_names

    if min_words > max_words:
        raise typer.BadParameter("must not exceed --max-words", param_hint="--min-words")
    formats = OutputFormats(SUFFIXES, screen="md", files_only=("docx",), catalogue=True)
    chosen = resolve_output(output, fmt and fmt.value, formats, reading=[outdir])
    with user_errors():
        coding = load_coding(outdir)
        recorded = coding.manifest.get("codebook", {})
        codebook = codebook_path(coding.manifest, codebook, outdir)
        book = load_codebook(codebook)
        if recorded.get("sha256") and book.sha256 and book.sha256 != recorded["sha256"]:
            note(f"note: {codebook} has changed since {outdir} was coded")
        names = read_names(redact_names) if redact_names is not None else ()
        frame = select_quotes(
            coding, book, codes=code_ids or None, per_code=per_code, by=by, seed=seed,
            min_words=min_words, max_words=max_words, attribution=attribution,
            redact=not no_redact, names=names,
        )  # fmt: skip
        if output is None:
            rendered = render_quotes(frame, book, chosen)
            sys.stdout.write(rendered if isinstance(rendered, str) else rendered.decode())
            sys.stdout.flush()
        else:
            write_quotes(frame, book, chosen, output)
            note(f"wrote {output} ({len(frame)} quotes)")
