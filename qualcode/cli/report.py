"""`qualcode report`: one HTML report of an output folder (qualcode.export.report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, note, user_errors


@app.command()
def report(
    outdir: Annotated[Path, typer.Argument(help="An output folder of `qualcode apply`.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Add prevalence by this attribute column.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The HTML file [<OUTDIR>.report.html beside it]."),
    ] = None,
    codebook: Annotated[
        Path | None,
        typer.Option("--codebook", "-c", help="The codebook [the one in manifest.json]."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the quotes and the uncoded sample.")
    ] = 1,
) -> None:
    """One self-contained HTML report of OUTDIR: overview, manifest, charts with data
    tables, a section per code with quotes and rules, uncoded answers, the codebook."""
    from qualcode.coding.run import created_utc
    from qualcode.export.report import write_report

    with user_errors():
        written = write_report(
            outdir, output, by=by, codebook=codebook, seed=seed, created=created_utc(),
            notify=note,
        )  # fmt: skip
    note(f"wrote {written}")
