"""Rendering results for the terminal with rich (the CLI calls these; no logic here)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qualcode.export.screen import screen_width

if TYPE_CHECKING:  # types only: printing a note must not load pandas or spaCy
    import pandas as pd

    from qualcode.coding.validate import ExampleResult

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
for _console in (out, err):  # piped output is not squeezed to 80 columns
    screen_width(_console)


def summary_table(summary: pd.DataFrame, manifest: dict[str, Any]) -> Table:
    """The prevalence table, hierarchy indented, with the denominator in the title."""
    counts = manifest.get("counts", {})
    answered = counts.get("answered", 0)
    table = Table(
        title=f"{manifest.get('codebook', {}).get('name', 'Codebook')}: % of the {answered} "
        f"respondents who answered (of {counts.get('rows', 0)} rows)",
        title_justify="left",
    )
    table.add_column("code", no_wrap=True)
    table.add_column("label", max_width=40)
    table.add_column("n", justify="right")
    table.add_column("%", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("segments", justify="right")
    table.add_column("negated", justify="right")
    for r in summary.itertuples(index=False):
        pct = "" if _nan(r.percent) else f"{r.percent:.1f}"
        ci = "" if _nan(r.ci95_low) else f"{r.ci95_low:.1f}–{r.ci95_high:.1f}"
        name = "  " * int(r.depth) + str(r.code)
        style = "bold" if r.depth == 0 else None
        table.add_row(
            escape(name), escape(str(r.label)), str(r.coded), pct, ci, str(r.segments),
            str(r.negated_segments), style=style,
        )  # fmt: skip
    table.caption = (
        f"coded by any code: {counts.get('coded_any', 0)} · answered, uncoded: "
        f"{counts.get('uncoded', 0)} · no answer: {counts.get('no_answer', 0)} · "
        "negated hits count only under negation: flag or ignore"
    )
    table.caption_justify = "left"
    return table


def validate_table(results: Iterable[ExampleResult]) -> Table:
    """Pass/fail per example and non-example."""
    table = Table(title="Examples and non-examples", title_justify="left")
    for col in ("", "code", "kind", "text", "result"):
        table.add_column(col)
    for r in results:
        mark = "[green]PASS[/]" if r.passed else "[red]FAIL[/]"
        table.add_row(mark, escape(r.code), r.kind, escape(r.text), escape(r.detail))
    return table


def kwic_table(frame: pd.DataFrame) -> Table:
    """Keyword-in-context lines: left context right-aligned against the match."""
    table = Table(show_header=True, box=None, pad_edge=False)
    table.add_column("id", style="dim")
    table.add_column("left", justify="right", no_wrap=True, overflow="ellipsis")
    table.add_column("match", style="bold")
    table.add_column("right", no_wrap=True, overflow="ellipsis")
    table.add_column("code / rule", style="dim")
    for r in frame.itertuples(index=False):
        match = escape(r.match) + (" [red](negated)[/]" if r.negated else "")
        table.add_row(
            escape(str(r.id)), escape(r.left), match, escape(r.right),
            escape(f"{r.code}: {r.rule}"),
        )  # fmt: skip
    return table


def _nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)
