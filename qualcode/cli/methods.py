"""`qualcode methods`: a methods paragraph from an output folder (qualcode.analysis.methods)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, user_errors, write_or_print


@app.command()
def methods(
    outdir: Annotated[Path, typer.Argument(help="An output folder of `qualcode apply`.")],
    agreement_file: Annotated[
        Path | None,
        typer.Option("--agreement", help="A table written by `qualcode agree ... -o FILE.csv`."),
    ] = None,
    reference: Annotated[
        str, typer.Option("--reference", help="What --agreement compared with, in words.")
    ] = "human coding",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write Markdown.")] = None,
) -> None:
    """A methods paragraph for a paper, from OUTDIR's manifest: versions, codebook hash,
    options, coverage, and agreement with human coding when --agreement is given."""
    from qualcode.analysis.methods import methods_statement, read_agreement
    from qualcode.coding.outdir import refuse_output_in
    from qualcode.coding.result import load_coding

    with user_errors():
        refuse_output_in(outdir, output)
        coding = load_coding(outdir)
        table = read_agreement(agreement_file) if agreement_file is not None else None
        write_or_print(methods_statement(coding, agreement=table, reference=reference), output)
