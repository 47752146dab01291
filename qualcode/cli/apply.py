"""`qualcode apply`: code an answers file into an output folder (qualcode.coding.apply)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.common import app, escape, user_errors

if TYPE_CHECKING:
    from rich.progress import Task


class TableFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class NegationMode(str, Enum):
    exclude = "exclude"
    flag = "flag"
    ignore = "ignore"


@app.command()
def apply(
    codebook: Annotated[Path, typer.Argument(help="The codebook YAML file.")],
    answers: Annotated[Path, typer.Argument(help="The answers file (.csv, .tsv, .parquet, ...)")],
    text: Annotated[
        list[str] | None,
        typer.Option("--text", "-t", help="Answer column (repeat, or a glob 'Q*_TEXT')."),
    ] = None,
    id: Annotated[str | None, typer.Option("--id", help="Respondent id column.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output folder [<answers>.qualcode/].")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="An installed spaCy pipeline to use.")
    ] = None,
    negation: Annotated[
        NegationMode | None, typer.Option("--negation", help="Override every code's mode.")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", help="The answers file's encoding [detected]."),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="The XLSX sheet to read [the first].")
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option("--delimiter", help="Field delimiter of a text file [sniffed: , ; tab |]."),
    ] = None,
    skip_bad_rows: Annotated[
        bool,
        typer.Option(
            "--skip-bad-rows",
            help="Skip rows with the wrong number of fields (listed in the "
            "manifest) instead of stopping.",
        ),
    ] = False,
    per_question: Annotated[
        bool,
        typer.Option(
            "--per-question", help="Also write by_question and summary_by_question tables."
        ),
    ] = False,
    fmt: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Format of the output tables.")
    ] = TableFormat.csv,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", min=0, help="Worker processes (0: all cores); with "
                     "--engine dask, LocalCluster workers."),
    ] = 1,
    engine: Annotated[
        Engine, typer.Option("--engine", help="Where chunks are coded.")
    ] = Engine.local,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="A Dask scheduler address (tcp://host:8786) "
                     "[a LocalCluster]."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No table, progress bar or notes.")
    ] = False,
) -> None:  # fmt: skip
    """Code ANSWERS with CODEBOOK; write coded.csv, segments.csv, summary.csv, manifest.json.

    ANSWERS may be a glob of partitions with the same columns ('data/part-*.parquet').
    """
    from qualcode.coding.apply import apply_file
    from qualcode.console import err, out, summary_table

    if scheduler and engine is not Engine.dask:
        raise typer.BadParameter("--scheduler needs --engine dask", param_hint="--scheduler")
    with user_errors():
        with _progress(enabled=not quiet) as advance:
            applied = apply_file(
                codebook, answers, output, text=text, id=id, model=model,
                negation=negation and negation.value, per_question=per_question,
                fmt=fmt.value, encoding=encoding, sheet=sheet, delimiter=delimiter,
                skip_bad_rows=skip_bad_rows, jobs=jobs, engine=engine.value,
                scheduler=scheduler, progress=advance,
                notify=None if quiet else (lambda n: err.print(escape(n), soft_wrap=True)),
            )  # fmt: skip
        if not quiet:
            out.print(summary_table(applied.summary, applied.manifest))
            names = ", ".join(f"{t}.{fmt.value}" for t in applied.tables) + ", manifest.json"
            err.print(escape(f"wrote {applied.outdir}/ ({names})"), soft_wrap=True)


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A rich progress line with answers done and answers/s, only on a terminal; yields an
    `advance(n)` (or None). The total is not known while a file streams, so no bar."""
    from qualcode.console import err

    if not (enabled and err.is_terminal):
        yield None
        return
    from rich.progress import Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(f"{task.completed:>12,.0f} answers {task.speed or 0:>9,.0f}/s")

    columns = (SpinnerColumn(), TextColumn("coding"), Rate(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("coding", total=None)
        yield lambda n: bar.advance(task, n)
