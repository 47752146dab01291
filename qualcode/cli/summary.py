"""`qualcode summary` and `qualcode cooccur`: prevalence and co-occurrence tables of an
output folder (computed in qualcode.analysis.crosstab, rendered by qualcode.export.tables)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import OutputFormats, app, emit_table, resolve_output, user_errors


class SummaryFormat(str, Enum):
    table = "table"
    csv = "csv"
    md = "md"
    tex = "tex"
    docx = "docx"


#: Shared with `agree`, which writes the same kinds of table.
SummaryFormatOption = Annotated[
    SummaryFormat | None,
    typer.Option("--format", "-f", help="table (screen), csv, md, tex or docx [from -o's "
                 "suffix; table without -o]."),
]  # fmt: skip
SummaryOutput = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to FILE instead of the screen.")
]


def table_formats() -> OutputFormats:
    """The formats of a table verb (summary, cooccur, agree)."""
    from qualcode.export.tables import SUFFIXES

    return OutputFormats(SUFFIXES, screen="table", files_only=("docx",))


@app.command()
def summary(
    outdir: Annotated[Path, typer.Argument(help="A folder written by `qualcode apply`.")],
    by: Annotated[
        str | None,
        typer.Option("--by", help="An attribute column: prevalence per group, with tests."),
    ] = None,
    fmt: SummaryFormatOption = None,
    output: SummaryOutput = None,
) -> None:
    """Prevalence of each code (n, N, %, Wilson 95% CI); with --by, per group, with a
    chi-square or Fisher test, Holm-adjusted p-values and Cramér's V per code."""
    from qualcode.analysis.crosstab import prevalence, prevalence_by
    from qualcode.coding.result import load_coding
    from qualcode.export.tables import prevalence_by_grid, prevalence_grid

    chosen = resolve_output(output, fmt and fmt.value, table_formats(), reading=[outdir])
    with user_errors():
        coding = load_coding(outdir)
        if by is None:
            frame = prevalence(coding)
            grid, notes = prevalence_grid(frame, coding.manifest), list[str]()
        else:
            where = str(outdir / f"coded.{coding.manifest.get('format', 'csv')}")
            frame, notes = prevalence_by(coding, by, where=where)
            grid = prevalence_by_grid(frame, notes, coding.manifest)
        emit_table(grid, frame, notes, chosen, output)


@app.command()
def cooccur(
    outdir: Annotated[Path, typer.Argument(help="A folder written by `qualcode apply`.")],
    fmt: SummaryFormatOption = None,
    output: SummaryOutput = None,
    leaves_only: Annotated[
        bool, typer.Option("--leaves-only", help="Only codes without children.")
    ] = False,
) -> None:
    """Code x code: respondents with both codes and the Jaccard index (both / either)."""
    from qualcode.analysis.crosstab import cooccurrence, cooccurrence_pairs
    from qualcode.coding.result import load_coding
    from qualcode.export.tables import cooccurrence_grid

    chosen = resolve_output(output, fmt and fmt.value, table_formats(), reading=[outdir])
    with user_errors():
        coding = load_coding(outdir)
        counts, jaccard = cooccurrence(coding, leaves_only=leaves_only)
        depths = (
            {}
            if leaves_only
            else dict(zip(coding.summary_table["code"], coding.summary_table["depth"]))
        )
        grid = cooccurrence_grid(counts, jaccard, depths, coding.manifest)
        emit_table(grid, cooccurrence_pairs(counts, jaccard), [], chosen, output)
