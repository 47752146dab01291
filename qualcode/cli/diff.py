"""`qualcode diff`: what changed between two runs (computed in qualcode.analysis.diff,
rendered by qualcode.export.diff)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.common import (
    EXIT_CHANGED,
    OutputFormats,
    app,
    escape,
    note,
    resolve_output,
    user_errors,
)

if TYPE_CHECKING:
    from qualcode.analysis.diff import RunDiff

#: The exit status of `diff --fail-on-change` when something changed (kept under its old
#: name: scripts and tests import it from qualcode.cli).
DIFF_CHANGED_EXIT = EXIT_CHANGED


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
    from qualcode.analysis.diff import diff_outputs
    from qualcode.console import out
    from qualcode.export import diff as render
    from qualcode.export.tables import rich_table

    formats = OutputFormats(render.DIFF_SUFFIXES, screen="table", files_only=("xlsx",))
    chosen = resolve_output(output, fmt and fmt.value, formats, reading=[old_dir, new_dir])
    with user_errors():
        result = diff_outputs(old_dir, new_dir, unit="answer" if per_question else "respondent")
        if code_ids:
            result = result.select(code_ids)
        if output is not None:
            render.write_diff(result, output, chosen)
            note(f"wrote {output} ({len(result.changes)} changed codings)")
            note(result.summary_line())
        elif chosen != "table":
            sys.stdout.write(render.render_text(result, chosen))
            sys.stdout.flush()
            note(result.summary_line())
        else:
            for line in render.header_lines(result):
                out.print(escape(line), soft_wrap=True)
            out.print(rich_table(render.codes_grid(result)))
            _print_quotes(result, n_quotes)
    if fail_on_change and result.changed:
        raise typer.Exit(DIFF_CHANGED_EXIT)


def _print_quotes(result: RunDiff, per_code: int) -> None:
    """Per changed code, up to `per_code` gains and losses with their quotes."""
    from qualcode.console import out

    shown = result.examples(per_code)
    codes = result.codes.set_index("code")
    for code, rows in shown.groupby("code", sort=False):  # the order of the codes table
        c = codes.loc[code]
        out.print(f"\n[bold]{escape(str(code))}[/] {escape(str(c['label']))}: "
                  f"+{int(c['gained'])} −{int(c['lost'])}")  # fmt: skip
        for r in rows.to_dict("records"):
            sign, colour = ("+", "green") if r["change"] == "gained" else ("−", "red")
            via = f", {r['via']}" if r["via"] and r["via"] != code else ""
            where = escape(f"{r['id']} ({r['question']}{via})")
            quote = escape(str(r["quote"]))
            rule = escape(f"[{r['rule']}]") if r["rule"] else ""
            out.print(f"  [{colour}]{sign}[/] {where}: {quote} [dim]{rule}[/]", soft_wrap=True)
