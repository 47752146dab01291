"""The command line: one thin function per verb; the work happens in the library.

Exit status: 0 ok, 1 a problem with the user's input (a clear message, no traceback),
2 bad usage (typer/click's own convention).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from qualcode import __version__
from qualcode.errors import Location, QualcodeError

app = typer.Typer(
    name="qualcode",
    help="Code free-text survey answers against a YAML codebook with spaCy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn QualcodeError into a message on stderr and exit status 1."""
    from qualcode.console import err

    try:
        yield
    except QualcodeError as exc:
        err.print(f"[red]{_escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Code free-text survey answers against a YAML codebook with spaCy."""


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
                notify=None if quiet else (lambda n: err.print(_escape(n), soft_wrap=True)),
            )  # fmt: skip
        if not quiet:
            out.print(summary_table(applied.summary, applied.manifest))
            names = ", ".join(f"{t}.{fmt.value}" for t in applied.tables) + ", manifest.json"
            err.print(_escape(f"wrote {applied.outdir}/ ({names})"), soft_wrap=True)


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator:
    """A rich progress line with answers done and answers/s, only on a terminal; yields an
    `advance(n)` (or None). The total is not known while a file streams, so no bar."""
    from qualcode.console import err

    if not (enabled and err.is_terminal):
        yield None
        return
    from rich.progress import Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:  # type: ignore[no-untyped-def]
            return Text(f"{task.completed:>12,.0f} answers {task.speed or 0:>9,.0f}/s")

    columns = (SpinnerColumn(), TextColumn("coding"), Rate(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("coding", total=None)
        yield lambda n: bar.advance(task, n)


@app.command()
def validate(
    codebook: Annotated[Path, typer.Argument(help="The codebook YAML file.")],
    model: Annotated[
        str | None, typer.Option("--model", help="An installed spaCy pipeline to use.")
    ] = None,
    failures_only: Annotated[
        bool, typer.Option("--failures-only", help="List only failing examples.")
    ] = False,
) -> None:
    """Check CODEBOOK and run its examples (must be coded) and non-examples (must not)."""
    from qualcode.codebook.load import load_codebook
    from qualcode.codebook.validate import check_examples
    from qualcode.console import out, validate_table

    with user_errors():
        book = load_codebook(codebook)
        results = check_examples(book, model=model)
    failed = [r for r in results if not r.passed]
    shown = failed if failures_only else results
    if shown:
        out.print(validate_table(shown))
    n_codes = len(book.ids)
    out.print(
        f"{codebook}: {n_codes} codes; {len(results) - len(failed)}/{len(results)} examples "
        f"and non-examples pass." + (" [red]FAILED[/]" if failed else " [green]OK[/]")
    )
    if failed:
        raise typer.Exit(1)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("codebook.yaml"),
) -> None:
    """Write a commented starter codebook that validates."""
    from qualcode.codebook.starter import STARTER
    from qualcode.console import out
    from qualcode.io.write import write_text

    with user_errors():
        if path.exists():
            raise QualcodeError("E403", Location(str(path)), path=path)
        write_text(path, STARTER)
    out.print(f"wrote {path}: edit it, then run `qualcode validate {path}`")


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
        book = load_codebook(codebook) if codebook else pattern_codebook(pattern, regex)
        data, source = read_answers(
            answers, encoding, sheet=sheet, delimiter=delimiter, skip_bad_rows=skip_bad_rows
        )
        for note in source.notes:
            err.print(_escape(note), soft_wrap=True)
        frame = run_kwic(data, book, code_id=code_id, text=text, id=id, window=window)
    out.print(kwic_table(frame))
    negated = int(frame["negated"].sum())
    err.print(f"{len(frame)} hits ({negated} negated)")


# --- summary and cooccur commands (issue 5) ---


class SummaryFormat(str, Enum):
    table = "table"
    csv = "csv"
    md = "md"
    tex = "tex"
    docx = "docx"


_SummaryFormatOption = Annotated[
    SummaryFormat | None,
    typer.Option("--format", "-f", help="table (screen), csv, md, tex or docx [from -o's "
                 "suffix; table without -o]."),
]  # fmt: skip
_SummaryOutput = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to FILE instead of the screen.")
]


@app.command()
def summary(
    outdir: Annotated[Path, typer.Argument(help="A folder written by `qualcode apply`.")],
    by: Annotated[
        str | None,
        typer.Option("--by", help="An attribute column: prevalence per group, with tests."),
    ] = None,
    fmt: _SummaryFormatOption = None,
    output: _SummaryOutput = None,
) -> None:
    """Prevalence of each code (n, N, %, Wilson 95% CI); with --by, per group, with a
    chi-square or Fisher test, Holm-adjusted p-values and Cramér's V per code."""
    from qualcode.analysis.crosstab import prevalence, prevalence_by
    from qualcode.coding.result import load_coding
    from qualcode.export.tables import prevalence_by_grid, prevalence_grid

    chosen = _summary_format(output, fmt)
    with user_errors():
        coding = load_coding(outdir)
        _refuse_output_in(outdir, output)
        if by is None:
            frame = prevalence(coding)
            grid, notes = prevalence_grid(frame, coding.manifest), []
        else:
            where = str(outdir / f"coded.{coding.manifest.get('format', 'csv')}")
            frame, notes = prevalence_by(coding, by, where=where)
            grid = prevalence_by_grid(frame, notes, coding.manifest)
        _emit_table(grid, frame, notes, chosen, output)


@app.command()
def cooccur(
    outdir: Annotated[Path, typer.Argument(help="A folder written by `qualcode apply`.")],
    fmt: _SummaryFormatOption = None,
    output: _SummaryOutput = None,
    leaves_only: Annotated[
        bool, typer.Option("--leaves-only", help="Only codes without children.")
    ] = False,
) -> None:
    """Code x code: respondents with both codes and the Jaccard index (both / either)."""
    from qualcode.analysis.crosstab import cooccurrence, cooccurrence_pairs
    from qualcode.coding.result import load_coding
    from qualcode.export.tables import cooccurrence_grid

    chosen = _summary_format(output, fmt)
    with user_errors():
        coding = load_coding(outdir)
        _refuse_output_in(outdir, output)
        counts, jaccard = cooccurrence(coding, leaves_only=leaves_only)
        depths = (
            {}
            if leaves_only
            else dict(zip(coding.summary_table["code"], coding.summary_table["depth"]))
        )
        grid = cooccurrence_grid(counts, jaccard, depths, coding.manifest)
        _emit_table(grid, cooccurrence_pairs(counts, jaccard), [], chosen, output)


def _summary_format(output: Path | None, fmt: SummaryFormat | None) -> str:
    from qualcode.export.tables import SUFFIXES, format_for

    chosen = format_for(output, fmt.value if fmt else None)
    if chosen is None:
        known = ", ".join(sorted(SUFFIXES))
        raise typer.BadParameter(
            f"cannot tell the format from '{output}': use a suffix ({known}) or --format",
            param_hint="--output",
        )
    if chosen == "docx" and output is None:
        raise typer.BadParameter("--format docx needs -o FILE.docx", param_hint="--format")
    return chosen


def _refuse_output_in(outdir: Path, output: Path | None) -> None:
    """Never write over a file of the output folder being read (E402)."""
    from qualcode.coding.result import FILES

    if output is not None and any((outdir / name).resolve() == output.resolve() for name in FILES):
        raise QualcodeError("E402", Location(str(output)), path=output)


def _emit_table(
    grid: object, frame: object, notes: list[str], fmt: str, output: Path | None
) -> None:
    """Print the table (rich on screen; csv, md or tex as text on stdout) or write it to
    `output`. CSV has no room for notes: they go to stderr."""
    from qualcode.console import err, out
    from qualcode.export.tables import render_text, rich_table, write_output

    if output is not None:
        write_output(output, fmt, grid, frame)  # type: ignore[arg-type]
        err.print(_escape(f"wrote {output}"), soft_wrap=True)
    elif fmt == "table":
        out.print(rich_table(grid))  # type: ignore[arg-type]
        return
    else:
        sys.stdout.write(render_text(fmt, grid, frame))  # type: ignore[arg-type]
        sys.stdout.flush()
    if fmt == "csv":
        for note in notes:
            err.print(_escape(note), soft_wrap=True)


# --- quotes command (issue 5) ---


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
    from qualcode.analysis.quotes import select_quotes
    from qualcode.analysis.redact import read_names
    from qualcode.codebook.load import load_codebook
    from qualcode.coding.result import FILES, codebook_path, load_coding
    from qualcode.console import err
    from qualcode.export.quotes import format_for, render_quotes, write_quotes

    if min_words > max_words:
        raise typer.BadParameter("must not exceed --max-words", param_hint="--min-words")
    with user_errors():
        chosen = fmt.value if fmt else None
        if chosen is None and output is not None:
            chosen = format_for(output)
            if chosen is None:
                raise QualcodeError("E655", Location(str(output)), path=output)
        chosen = chosen or "md"
        if chosen == "docx" and output is None:
            raise QualcodeError("E653")
        inside = output is not None and output.parent.resolve() == outdir.resolve()
        if inside and output.name in FILES:
            raise QualcodeError("E402", Location(str(output)), path=output)
        coding = load_coding(outdir)
        recorded = coding.manifest.get("codebook", {})
        codebook = codebook_path(coding.manifest, codebook, outdir)
        book = load_codebook(codebook)
        if recorded.get("sha256") and book.sha256 and book.sha256 != recorded["sha256"]:
            err.print(
                _escape(f"note: {codebook} has changed since {outdir} was coded"),
                soft_wrap=True,
            )
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
            err.print(_escape(f"wrote {output} ({len(frame)} quotes)"), soft_wrap=True)


# --- report command (issue 6) ---


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
    from qualcode.console import err
    from qualcode.export.report import write_report

    with user_errors():
        written = write_report(
            outdir, output, by=by, codebook=codebook, seed=seed, created=created_utc(),
            notify=lambda n: err.print(_escape(n), soft_wrap=True),
        )  # fmt: skip
    err.print(_escape(f"wrote {written}"), soft_wrap=True)


# --- sample command (issue 7) ---


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
    from qualcode.analysis.sampling import draw_sample
    from qualcode.codebook.load import load_codebook
    from qualcode.coding.result import codebook_path, load_coding
    from qualcode.console import err
    from qualcode.export.coding_sheet import write_coding_sheet

    with user_errors():
        if output is None:
            output = outdir.parent / f"{outdir.resolve().name}.coding-sheet.xlsx"
        _refuse_output_in(outdir, output)
        coding = load_coding(outdir)
        book = load_codebook(codebook_path(coding.manifest, codebook, outdir))
        drawn = draw_sample(coding, n, stratify=stratify, seed=seed)
        write_coding_sheet(drawn, book, output, sampling_sheet=not no_sampling_sheet)
    err.print(
        _escape(f"wrote {output} ({len(drawn)} of {drawn.attrs['population']} answers)"),
        soft_wrap=True,
    )


# --- agree command (issue 7) ---


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
    fmt: _SummaryFormatOption = None,
    output: _SummaryOutput = None,
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
    from qualcode.console import err
    from qualcode.io.gold import parse_map, read_gold, read_map_file

    chosen = _summary_format(output, fmt)
    with user_errors():
        names = {**(read_map_file(map_file) if map_file else {}), **parse_map(mapping or [])}
        gold = read_gold(reference, id=id, mapping=names)
        if (compared / "manifest.json").is_file():
            from qualcode.coding.result import load_coding

            _refuse_output_in(compared, output)
            machine = ag.machine_table(load_coding(compared), gold.index.nlevels > 1)
            labels = ("gold", "machine")
        else:
            machine = read_gold(compared, id=id, mapping=names)
            labels = ("A", "B")
        gold, machine = ag.match_units(gold, machine)
        frame = ag.agreement(gold, machine, seed=seed, n_boot=n_boot)
        _emit_table(ag.agreement_grid(frame, *labels), frame, frame.attrs["notes"], chosen,
                    output)  # fmt: skip
        if disagreements is not None:
            ag.write_disagreements(ag.disagreements(gold, machine), disagreements)
            err.print(_escape(f"wrote {disagreements}"), soft_wrap=True)


# --- topics command (issue 8) ---


class TopicMethod(str, Enum):
    nmf = "nmf"
    lda = "lda"


MAX_TOPICS = 50


def _topics_k(value: str) -> int | str:
    """--k: "auto" or a whole number of topics (E723 otherwise)."""
    if value.strip().lower() == "auto":
        return "auto"
    try:
        k = int(value)
    except ValueError:
        k = 0
    if not 2 <= k <= MAX_TOPICS:
        raise QualcodeError("E723", most=MAX_TOPICS, got=value)
    return k


@app.command()
def topics(
    answers: Annotated[Path, typer.Argument(help="The answers file (.csv, .xlsx, ...).")],
    text: Annotated[
        list[str] | None, typer.Option("--text", "-t", help="Answer column(s) [inferred].")
    ] = None,
    id: Annotated[str | None, typer.Option("--id", help="Respondent id column.")] = None,
    k: Annotated[
        str, typer.Option("--k", help="Number of topics, or 'auto' (best mean NPMI coherence).")
    ] = "auto",
    k_min: Annotated[int, typer.Option("--k-min", min=2, help="Smallest k tried by auto.")] = 2,
    k_max: Annotated[int, typer.Option("--k-max", min=2, help="Largest k tried by auto.")] = 10,
    method: Annotated[
        TopicMethod, typer.Option("--method", help="nmf (TF-IDF + NMF) or lda (counts + LDA).")
    ] = TopicMethod.nmf,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
    top: Annotated[int, typer.Option("--top", min=3, help="Terms kept per topic.")] = 10,
    by: Annotated[
        str | None, typer.Option("--by", help="Also count topics by this attribute column.")
    ] = None,
    uncoded: Annotated[
        Path | None,
        typer.Option("--uncoded", help="A `qualcode apply` folder of ANSWERS: model only the "
                     "answers no code matched."),
    ] = None,
    suggest: Annotated[
        Path | None,
        typer.Option("--suggest", help="Write one candidate code per topic to this YAML."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --suggest file if it exists.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output folder [<answers>.topics/].")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of the answers [the codebook's, else "
                                 "en].")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="An installed spaCy pipeline to use.")
    ] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="[detected]")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="XLSX sheet [first].")] = None,
    delimiter: Annotated[str | None, typer.Option("--delimiter", help="[sniffed]")] = None,
) -> None:  # fmt: skip
    """Topics in the answers (NMF or LDA over spaCy lemmas): top terms, sizes, representative
    answers, optionally by attribute; --suggest turns them into candidate codes."""
    from qualcode.analysis.topic_run import run_topics
    from qualcode.codebook.suggest import suggestions_yaml
    from qualcode.console import err, out
    from qualcode.export.topics import check_topics_dir, default_outdir, topic_tables, write_topics
    from qualcode.io.write import write_text

    if k_min > k_max:
        raise typer.BadParameter("must not exceed --k-max", param_hint="--k-min")
    with user_errors():
        chosen_k = _topics_k(k)
        outdir = output or default_outdir(answers)
        check_topics_dir(outdir, answers, uncoded)
        if suggest is not None and suggest.resolve() == answers.resolve():
            raise QualcodeError("E726", Location(str(suggest)), path=suggest,
                                what="the answers file")  # fmt: skip
        if suggest is not None and suggest.exists() and not force:
            # The stubs are meant to be edited (rules pruned, definitions written): a rerun
            # must not silently replace that work, as `init` and `import qdc` do not.
            raise QualcodeError("E403", Location(str(suggest)), path=suggest)
        run = run_topics(
            answers, text=text, id=id, k=chosen_k, method=method.value, seed=seed, top_n=top,
            k_range=(k_min, k_max), by=by, uncoded=uncoded, language=lang, model=model,
            encoding=encoding, sheet=sheet, delimiter=delimiter,
            notify=lambda n: err.print(_escape(n), soft_wrap=True),
        )  # fmt: skip
        book = (run.manifest.get("uncoded") or {}).get("codebook", {}).get("path")
        if suggest is not None and book and Path(book).resolve() == suggest.resolve():
            raise QualcodeError("E726", Location(str(suggest)), path=suggest,
                                what="the codebook of --uncoded")  # fmt: skip
        for table in topic_tables(run):
            out.print(table)
        written = write_topics(run, outdir, answers, uncoded)
        err.print(_escape(f"wrote {outdir}/ ({', '.join(written)})"), soft_wrap=True)
        if suggest is not None:
            write_text(suggest, suggestions_yaml(run, str(answers), run.taken_ids))
            err.print(_escape(f"wrote {suggest}: check it with `qualcode validate {suggest}`"),
                      soft_wrap=True)  # fmt: skip


# --- export / import: REFI-QDA (issue 9) ---
export_app = typer.Typer(help="Write codebooks and codings for other tools.", no_args_is_help=True)
import_app = typer.Typer(help="Turn other tools' codebooks and dictionaries into YAML.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")


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
    from qualcode.console import err
    from qualcode.refi.qdc import default_qdc_path, write_qdc

    with user_errors():
        book = load_codebook(codebook)
        written = write_qdc(book, output or default_qdc_path(codebook))
    n = len(book.ids)
    err.print(_escape(f"wrote {written} ({n} codes)"), soft_wrap=True)


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
    from qualcode.coding.result import load_coding
    from qualcode.console import err
    from qualcode.refi.qdpx import codebook_for, write_qdpx

    with user_errors():
        if output is None:
            output = outdir.parent / f"{outdir.resolve().name}.qdpx"
        _refuse_output_in(outdir, output)
        coding = load_coding(outdir)
        book, notes = codebook_for(outdir, coding, codebook)
        if book.path and output.resolve() == Path(book.path).resolve():
            raise QualcodeError("E402", Location(str(output)), path=output)
        for note in notes:
            err.print(_escape(note), soft_wrap=True)
        made = write_qdpx(coding, book, output, include_negated=include_negated)
    negated = f", {made.negated} negated" if include_negated else ""
    err.print(
        _escape(f"wrote {output} ({made.sources} sources, {made.selections} codings"
                f"{negated}, {made.cases} cases)"),
        soft_wrap=True,
    )  # fmt: skip


@import_app.command("qdc")
def import_qdc(
    file: Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc) or project (.qdpx).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The codebook YAML to write.")
    ] = Path("codebook.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite -o if it exists.")] = False,
) -> None:
    """A REFI-QDA codebook as codebook YAML: hierarchy, names, descriptions, colours (and
    the rules, from files qualcode wrote). Codes without rules are marked TODO."""
    from qualcode.codebook.dump import draft_yaml
    from qualcode.console import err
    from qualcode.io.write import write_text
    from qualcode.refi.read import read_refi_codebook

    with user_errors():
        if output.exists() and not force:
            raise QualcodeError("E403", Location(str(output)), path=output)
        if output.resolve() == file.resolve():
            raise QualcodeError("E402", Location(str(output)), path=output)
        draft = read_refi_codebook(file)
        write_text(output, draft_yaml(draft))
    codes = list(_draft_walk(draft.codes))
    todo = sum(1 for c in codes if c.comment)
    err.print(
        _escape(f"wrote {output} ({len(codes)} codes, {todo} without rules): edit it, then "
                f"run `qualcode validate {output}`"),
        soft_wrap=True,
    )  # fmt: skip


def _draft_walk(codes: list) -> Iterator:  # type: ignore[type-arg]
    for code in codes:
        yield code
        yield from _draft_walk(code.children)


# --- export / import: dictionaries (issue 9) ---
DictOutput = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the YAML here (default: standard output)."),
]
DictLanguage = Annotated[
    str, typer.Option("--language", help="spaCy language code used to split entries into tokens.")
]


def _import_dictionary(fmt: str, file: Path, output: Path | None, language: str) -> None:
    """Shared body of the `import liwc|quanteda|wordstat|empath` commands."""
    from qualcode.console import err
    from qualcode.dictionaries import import_dictionary
    from qualcode.io.write import write_text

    with user_errors():
        if output is not None and output.exists() and file.exists() and output.samefile(file):
            raise QualcodeError("E403", Location(str(output)), path=output)
        text, notes = import_dictionary(file, fmt, language)
        if output is None:
            sys.stdout.write(text)
        else:
            write_text(output, text)
    for note in notes:
        err.print(_escape(f"note: {note}"), soft_wrap=True)
    if output is not None:
        err.print(_escape(f"wrote {output}; next: qualcode validate {output}"), soft_wrap=True)


@import_app.command("liwc")
def import_liwc(
    file: Annotated[Path, typer.Argument(help="A LIWC dictionary (.dic).")],
    output: DictOutput = None,
    language: DictLanguage = "en",
) -> None:
    """A LIWC .dic dictionary as codebook YAML (one code per category; `word*` globs kept)."""
    _import_dictionary("liwc", file, output, language)


@import_app.command("quanteda")
def import_quanteda(
    file: Annotated[Path, typer.Argument(help="A quanteda YAML dictionary (.yml).")],
    output: DictOutput = None,
    language: DictLanguage = "en",
) -> None:
    """A quanteda YAML dictionary as codebook YAML (nesting becomes the code hierarchy)."""
    _import_dictionary("quanteda", file, output, language)


@import_app.command("wordstat")
def import_wordstat(
    file: Annotated[Path, typer.Argument(help="A WordStat category file (.cat).")],
    output: DictOutput = None,
    language: DictLanguage = "en",
) -> None:
    """A WordStat .cat dictionary as codebook YAML (weights dropped, `_` joins phrases)."""
    _import_dictionary("wordstat", file, output, language)


@import_app.command("empath")
def import_empath(
    file: Annotated[Path, typer.Argument(help="An Empath lexicon (categories.tsv).")],
    output: DictOutput = None,
    language: DictLanguage = "en",
) -> None:
    """An Empath categories.tsv lexicon as codebook YAML (exact words)."""
    _import_dictionary("empath", file, output, language)


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
    from qualcode.console import err
    from qualcode.dictionaries.to_quanteda import codebook_to_quanteda
    from qualcode.io.write import write_text

    with user_errors():
        if output is not None and output.exists() and codebook.exists():
            if output.samefile(codebook):
                raise QualcodeError("E403", Location(str(output)), path=output)
        result = codebook_to_quanteda(load_codebook(codebook), inflections=not no_inflections)
        if output is None:
            sys.stdout.write(result.text)
        else:
            write_text(output, result.text)
    for warning in result.warnings:
        err.print(_escape(f"warning: not expressed: {warning}"), soft_wrap=True)
    if output is not None:
        err.print(
            _escape(f"wrote {output} ({len(result.warnings)} thing(s) not expressed)"),
            soft_wrap=True,
        )


# --- diff command (issue 10) ---


#: `qualcode diff --fail-on-change` exits with this when something changed: not 1 (a problem
#: with the input) nor 2 (bad usage), so CI can tell a changed coding from a failed run.
DIFF_CHANGED_EXIT = 3


class DiffFormat(str, Enum):
    table = "table"
    csv = "csv"
    md = "md"
    json = "json"
    xlsx = "xlsx"


@app.command()
def diff(
    old_dir: Annotated[
        Path, typer.Argument(metavar="OLD_OUTDIR", help="The earlier output of `qualcode apply`.")
    ],
    new_dir: Annotated[
        Path, typer.Argument(metavar="NEW_OUTDIR", help="The later one, of the same answers.")
    ],
    fail_on_change: Annotated[
        bool,
        typer.Option("--fail-on-change", help=f"Exit with status {DIFF_CHANGED_EXIT} when a "
                     "respondent gained or lost a code, or a code was added or removed."),
    ] = False,
    code_ids: Annotated[
        list[str] | None,
        typer.Option("--code", help="Only this code id (repeat) [every code of either run]."),
    ] = None,
    n_quotes: Annotated[
        int,
        typer.Option("--quotes", min=0, help="Quotes shown per code for gains and for losses."),
    ] = 3,
    per_question: Annotated[
        bool,
        typer.Option("--per-question", help="Count answers (a respondent's answer to one "
                     "question), not respondents: a gain in one question and a loss in another "
                     "are both shown. Works on any apply output."),
    ] = False,
    fmt: Annotated[
        DiffFormat | None,
        typer.Option("--format", "-f", help="table (screen), csv, md, json or xlsx [from -o's "
                     "suffix; table without -o]."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write every changed (respondent, code) to FILE: "
                     ".csv, .xlsx, .md or .json."),
    ] = None,
) -> None:  # fmt: skip
    """What changed between two runs on the same answers (e.g. two codebook versions):
    respondents coded per code before and after, gained and lost, with the quotes that
    explain them (answers instead of respondents with --per-question).
    Exit status: 0, even when something changed, unless --fail-on-change
    (then 3 when something changed); 1 a problem with the input; 2 bad usage."""
    from qualcode.analysis import diff as rd
    from qualcode.console import err, out
    from qualcode.export.tables import rich_table

    chosen = fmt.value if fmt else None
    if chosen is None:
        chosen = "table" if output is None else rd.DIFF_SUFFIXES.get(output.suffix.lower())
    if chosen is None:
        known = ", ".join(sorted(rd.DIFF_SUFFIXES))
        raise typer.BadParameter(
            f"cannot tell the format from '{output}': use a suffix ({known}) or --format",
            param_hint="--output",
        )
    if chosen == "xlsx" and output is None:
        raise typer.BadParameter("--format xlsx needs -o FILE.xlsx", param_hint="--format")
    with user_errors():
        for folder in (old_dir, new_dir):
            _refuse_output_in(folder, output)
        result = rd.diff_outputs(old_dir, new_dir, unit="answer" if per_question else "respondent")
        if code_ids:
            result = result.select(code_ids)
        if output is not None:
            rd.write_diff(result, output, chosen)
            err.print(_escape(f"wrote {output} ({len(result.changes)} changed codings)"),
                      soft_wrap=True)  # fmt: skip
            err.print(_escape(result.summary_line()), soft_wrap=True)
        elif chosen != "table":
            sys.stdout.write(rd.render_text(result, chosen))
            sys.stdout.flush()
            err.print(_escape(result.summary_line()), soft_wrap=True)
        else:
            for line in rd.header_lines(result):
                out.print(_escape(line), soft_wrap=True)
            out.print(rich_table(rd.codes_grid(result)))
            _print_diff_quotes(result, n_quotes)
    if fail_on_change and result.changed:
        raise typer.Exit(DIFF_CHANGED_EXIT)


def _print_diff_quotes(result: object, per_code: int) -> None:
    """Per changed code, up to `per_code` gains and losses with their quotes."""
    from qualcode.console import out

    shown = result.examples(per_code)  # type: ignore[attr-defined]
    codes = result.codes.set_index("code")  # type: ignore[attr-defined]
    for code, rows in shown.groupby("code", sort=False):  # the order of the codes table
        c = codes.loc[code]
        out.print(f"\n[bold]{_escape(str(code))}[/] {_escape(str(c['label']))}: "
                  f"+{int(c['gained'])} −{int(c['lost'])}")  # fmt: skip
        for r in rows.to_dict("records"):
            sign, colour = ("+", "green") if r["change"] == "gained" else ("−", "red")
            via = f", {r['via']}" if r["via"] and r["via"] != code else ""
            where = _escape(f"{r['id']} ({r['question']}{via})")
            quote = _escape(str(r["quote"]))
            rule = _escape(f"[{r['rule']}]") if r["rule"] else ""
            out.print(f"  [{colour}]{sign}[/] {where}: {quote} [dim]{rule}[/]", soft_wrap=True)


# --- methods command (issue 10) ---


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
    from qualcode.coding.result import load_coding
    from qualcode.console import err
    from qualcode.io.write import write_text

    with user_errors():
        _refuse_output_in(outdir, output)
        coding = load_coding(outdir)
        table = read_agreement(agreement_file) if agreement_file is not None else None
        text = methods_statement(coding, agreement=table, reference=reference)
        if output is None:
            sys.stdout.write(text)
        else:
            write_text(output, text)
            err.print(_escape(f"wrote {output}"), soft_wrap=True)


from qualcode.review.command import register_review  # noqa: E402  (issue 17)

register_review(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
