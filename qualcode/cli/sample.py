"""`qualcode sample`: a blind coding sheet for human coders (qualcode.export.coding_sheet)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, note, user_errors


@app.command()
def sample(
    outdir: Annotated[Path, typer.Argument(help="An output folder of `qualcode apply`.")],
    n: Annotated[int, typer.Option("-n", min=1, help="Answers to sample.")] = 200,
    stratify: Annotated[
        str | None,
        typer.Option("--stratify", help="'code' (over-sample rare codes) or an attribute."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 1,
    codebook: Annotated[
        Path | None,
        typer.Option("--codebook", "-c", help="The codebook [the one in manifest.json]."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The .xlsx [<OUTDIR>.coding-sheet.xlsx beside it]."),
    ] = None,
    no_sampling_sheet: Annotated[
        bool,
        typer.Option("--no-sampling-sheet", help="Leave out the hidden strata and weights."),
    ] = False,
) -> None:
    """A blind coding sheet (.xlsx) of N sampled answers for human coders: 0/1 per code."""
    from qualcode.export.coding_sheet import write_sample_sheet

    with user_errors():
        written, drawn = write_sample_sheet(
            outdir, output, n=n, stratify=stratify, seed=seed, codebook=codebook,
            sampling_sheet=not no_sampling_sheet,
        )  # fmt: skip
    note(f"wrote {written} ({len(drawn)} of {drawn.attrs['population']} answers)")
