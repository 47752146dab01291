"""`qualcode export qdc|qdpx|quanteda`: codebooks and codings for other tools (qualcode.refi,
qualcode.dictionaries)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, note, user_errors

export_app = typer.Typer(help="Write codebooks and codings for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")

#: Shared with `import`: where converted YAML goes.
DictOutput = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the YAML here (default: standard output)."),
]


@export_app.command("qdc")
def export_qdc(
    codebook: Annotated[Path, typer.Argument(help="The codebook YAML file.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The .qdc file [<codebook>.qdc beside it]."),
    ] = None,
) -> None:
    """CODEBOOK as a REFI-QDA codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    from qualcode.codebook.load import load_codebook
    from qualcode.refi.qdc import default_qdc_path, write_qdc

    with user_errors():
        book = load_codebook(codebook)
        written = write_qdc(book, output or default_qdc_path(codebook))
    note(f"wrote {written} ({len(book.ids)} codes)")


@export_app.command("qdpx")
def export_qdpx(
    outdir: Annotated[Path, typer.Argument(help="An output folder of `qualcode apply`.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The .qdpx file [<OUTDIR>.qdpx beside it]."),
    ] = None,
    codebook: Annotated[
        Path | None,
        typer.Option("--codebook", "-c", help="The codebook [the one in manifest.json]."),
    ] = None,
    include_negated: Annotated[
        bool,
        typer.Option("--include-negated", help="Also export negated hits (marked as such)."),
    ] = False,
) -> None:
    """OUTDIR as a REFI-QDA project (.qdpx): a source per answer, a coding per segment by
    the user "qualcode", a case per respondent with its attributes."""
    from qualcode.refi.qdpx import export_qdpx as write_project

    with user_errors():
        written, made = write_project(
            outdir, output, codebook=codebook, include_negated=include_negated, notify=note
        )
    negated = f", {made.negated} negated" if include_negated else ""
    note(f"wrote {written} ({made.sources} sources, {made.selections} codings{negated}, "
         f"{made.cases} cases)")  # fmt: skip


@export_app.command("quanteda")
def export_quanteda(
    codebook: Annotated[Path, typer.Argument(help="The codebook YAML file.")],
    output: DictOutput = None,
    no_inflections: Annotated[
        bool,
        typer.Option(
            "--no-inflections",
            help="Write plain words as written instead of with the forms they match.",
        ),
    ] = False,
) -> None:
    """CODEBOOK as a quanteda YAML dictionary; what quanteda cannot express is listed."""
    from qualcode.codebook.load import load_codebook
    from qualcode.dictionaries import write_quanteda
    from qualcode.dictionaries.to_quanteda import codebook_to_quanteda

    with user_errors():
        book = load_codebook(codebook)
        if output is None:
            result = codebook_to_quanteda(book, inflections=not no_inflections)
            sys.stdout.write(result.text)
        else:
            result = write_quanteda(book, output, inflections=not no_inflections)
    for warning in result.warnings:
        note(f"warning: not expressed: {warning}")
    if output is not None:
        note(f"wrote {output} ({len(result.warnings)} thing(s) not expressed)")
