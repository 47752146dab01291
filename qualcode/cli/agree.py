"""`qualcode agree`: agreement with human coding (computed in qualcode.analysis.agreement,
rendered by qualcode.export.agreement)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, emit_table, note, resolve_output, user_errors
from qualcode.cli.summary import SummaryFormatOption, SummaryOutput, table_formats


@app.command()
def agree(
    reference: Annotated[
        Path,
        typer.Argument(
            metavar="GOLD",
            help="Human coding (gold, or coder A): a coding sheet, a wide "
            "0/1 table or a long (id, code) table.",
        ),
    ],
    compared: Annotated[
        Path,
        typer.Argument(
            metavar="OUTDIR|CODER_B",
            help="An output folder of `qualcode apply`, or coder B's table.",
        ),
    ],
    id: Annotated[
        str | None, typer.Option("--id", help="The id column of the human coding [inferred].")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="GOLD_NAME=CODE_ID (repeatable): rename a gold code."),
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map-file", help="A YAML mapping {gold name: code id}.")
    ] = None,
    fmt: SummaryFormatOption = None,
    output: SummaryOutput = None,
    disagreements: Annotated[
        Path | None,
        typer.Option("--disagreements", help="Write the disagreements per code (.csv or .md)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Bootstrap seed.")] = 1,
    n_boot: Annotated[int, typer.Option("--n-boot", min=1, help="Bootstrap resamples.")] = 1000,
) -> None:
    """Agreement per code of the machine (OUTDIR) or coder B with the human coding: percent
    agreement, Cohen's kappa, Krippendorff's alpha, precision, recall and F1 (the first
    argument is the reference), with bootstrap 95% intervals; micro and macro averages."""
    from qualcode.analysis import agreement as ag
    from qualcode.coding.outdir import MANIFEST
    from qualcode.coding.result import load_coding
    from qualcode.export.agreement import agreement_grid, write_disagreements
    from qualcode.io.gold import parse_map, read_gold, read_map_file

    machine_side = (compared / MANIFEST).is_file()
    reading = [compared] if machine_side else []
    chosen = resolve_output(output, fmt and fmt.value, table_formats(), reading=reading)
    with user_errors():
        names = {**(read_map_file(map_file) if map_file else {}), **parse_map(mapping or [])}
        gold = read_gold(reference, id=id, mapping=names)
        if machine_side:
            machine = ag.machine_table(load_coding(compared), gold.index.nlevels > 1)
            labels = ("gold", "machine")
        else:
            machine = read_gold(compared, id=id, mapping=names)
            labels = ("A", "B")
        gold, machine = ag.match_units(gold, machine)
        frame = ag.agreement(gold, machine, seed=seed, n_boot=n_boot)
        emit_table(agreement_grid(frame, *labels), frame, frame.attrs["notes"], chosen, output)
        if disagreements is not None:
            write_disagreements(ag.disagreements(gold, machine), disagreements)
            note(f"wrote {disagreements}")
