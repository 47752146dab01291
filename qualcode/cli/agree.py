"""`qualcode agree`: agreement with human coding (computed in qualcode.analysis.agreement,
rendered by qualcode.export.agreement)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qualcode.cli.common import app, emit_table, note, resolve_output, user_errors
from qualcode.cli.summary import SummaryFormatOption, SummaryOutput, table_formats

if TYPE_CHECKING:
    import pandas as pd


@app.command()
def agree(
    reference: Annotated[
        Path,
        typer.Argument(
            metavar="GOLD|OUTDIR",
            help="Human coding (gold, or coder A): a coding sheet, a wide "
            "0/1 table or a long (id, code) table; with --coder, the output folder whose "
            "review.sqlite holds the decisions.",
        ),
    ],
    compared: Annotated[
        Path | None,
        typer.Argument(
            metavar="[OUTDIR|CODER_B]",
            help="An output folder of `qualcode apply`, or coder B's table (not with --coder).",
        ),
    ] = None,
    coder: Annotated[
        list[str] | None,
        typer.Option(
            "--coder",
            help="Take the gold from the review decisions in GOLD|OUTDIR: once, coder A's "
            "reviewed coding against the machine; twice (A, B), coder B against coder A. "
            "Only the answers the coder(s) reviewed count.",
        ),
    ] = None,
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
    argument is the reference), with bootstrap 95% intervals; micro and macro averages.
    With --coder, the gold is a coder's review decisions (docs/review.md)."""
    from qualcode.analysis import agreement as ag
    from qualcode.coding.outdir import MANIFEST
    from qualcode.coding.result import load_coding
    from qualcode.io.gold import parse_map, read_gold, read_map_file

    coders = coder or []
    if coders and compared is not None:
        raise typer.BadParameter(
            "with --coder give only the output folder (the decisions are in its review.sqlite)",
            param_hint="--coder",
        )
    if len(coders) > 2:
        raise typer.BadParameter("give --coder once or twice", param_hint="--coder")
    if coders and (id or mapping or map_file):
        # Decisions are made on the codebook's own ids and keyed by respondent: there is no
        # column to choose and no gold name to map, so say so rather than ignore the option.
        raise typer.BadParameter(
            "--id, --map and --map-file apply to a gold table, not to --coder (review "
            "decisions already use the codebook's ids)",
            param_hint="--coder",
        )
    if not coders and compared is None:
        raise typer.BadParameter(
            "give the compared side (OUTDIR or CODER_B), or --coder NAME", param_hint="OUTDIR"
        )
    if coders:
        chosen = resolve_output(output, fmt and fmt.value, table_formats(), reading=[reference])
        with user_errors():
            gold, machine, labels = _from_review(reference, coders)
        _emit(ag, gold, machine, labels, seed, n_boot, chosen, output, disagreements)
        return
    assert compared is not None
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
    _emit(ag, gold, machine, labels, seed, n_boot, chosen, output, disagreements)


def _from_review(
    outdir: Path, coders: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, str]]:
    """The two sides when the gold comes from review decisions: coder A and the machine, or
    coders A and B (E810 when they reviewed no answer in common)."""
    from qualcode.analysis import agreement as ag
    from qualcode.coding.result import load_coding
    from qualcode.errors import Location, QualcodeError
    from qualcode.review.gold import describe, gold_from_store

    coding = load_coding(outdir)
    gold = gold_from_store(outdir, coders[0], coding=coding)
    notes = [describe(gold)]
    if len(coders) == 1:
        other = ag.machine_table(coding, by_question=True)
        notes.append("Only those answers are compared with the machine.")
        labels = (coders[0], "machine")
    else:
        other = gold_from_store(outdir, coders[1], coding=coding)
        both = gold.index.intersection(other.index)
        if len(both) == 0:
            raise QualcodeError(
                "E810", Location(str(outdir)), a=coders[0], b=coders[1], path=outdir,
                n_a=len(gold), n_b=len(other),
            )  # fmt: skip
        notes += [describe(other), f"Only the {len(both)} answers both reviewed are compared."]
        labels = (coders[0], coders[1])
    gold.attrs["review_notes"] = notes
    return gold, other, labels


def _emit(
    ag: Any,
    gold: pd.DataFrame,
    compared: pd.DataFrame,
    labels: tuple[str, str],
    seed: int,
    n_boot: int,
    chosen: str,
    output: Path | None,
    disagreements: Path | None,
) -> None:
    from qualcode.export.agreement import agreement_grid, write_disagreements

    with user_errors():
        frame = ag.agreement(gold, compared, seed=seed, n_boot=n_boot)
        frame.attrs["notes"] = [*gold.attrs.get("review_notes", []), *frame.attrs["notes"]]
        emit_table(agreement_grid(frame, *labels), frame, frame.attrs["notes"], chosen, output)
        if disagreements is not None:
            write_disagreements(ag.disagreements(gold, compared), disagreements)
            note(f"wrote {disagreements}")
