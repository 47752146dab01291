"""Rendering a :class:`~qualcode.analysis.diff.RunDiff` (computed in
:mod:`qualcode.analysis.diff`): the header lines and per-code table for the screen, csv, md,
json and xlsx files."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.analysis.diff import RunDiff, is_missing, to_records
from qualcode.export.tables import Grid, escape_markdown, rich_table, to_csv
from qualcode.export.tables import to_markdown as grid_markdown
from qualcode.io.tables import TableWriter, check_table
from qualcode.io.write import write_text

#: The formats of `qualcode diff` (table: the screen) and the suffixes that pick them.
DIFF_FORMATS = ("table", "csv", "md", "json", "xlsx")
DIFF_SUFFIXES = {".csv": "csv", ".md": "md", ".markdown": "md", ".json": "json",
                 ".xlsx": "xlsx", ".txt": "table"}  # fmt: skip


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else (f"−{-value}" if value < 0 else "0")


def header_lines(diff: RunDiff) -> list[str]:
    """What was compared: each side's folder and codebook (name, version, sha256 prefix),
    and the data."""
    lines = []
    for side in ("old", "new"):
        h = diff.header.get(side) or {}
        version = f" {h['codebook_version']}" if h.get("codebook_version") else ""
        sha = f" (sha256 {str(h['codebook_sha256'])[:12]})" if h.get("codebook_sha256") else ""
        lines.append(f"{side}: {h.get('folder')}: {h.get('codebook') or 'codebook'}{version}{sha}")
    new = diff.header.get("new") or {}
    sha = f" (sha256 {str(new['input_sha256'])[:12]})" if new.get("input_sha256") else ""
    lines.append(f"data: {new.get('input') or 'the input'}, {new.get('rows')} rows{sha}")
    if diff.unit == "answer":
        lines.append("unit: the answer (a row's answer to one question)")
    return lines


def codes_grid(diff: RunDiff) -> Grid:
    """The per-code table as a :class:`~qualcode.export.tables.Grid`."""

    def count(value: object) -> str:
        return "—" if is_missing(value) else str(int(value))  # type: ignore[call-overload]

    rows = [
        [str(r["code"]), str(r["label"]), count(r["before"]), count(r["after"]),
         _signed(int(r["change"])), f"+{r['gained']}" if r["gained"] else "",
         f"−{r['lost']}" if r["lost"] else "", str(r["status"])]
        for r in diff.codes.to_dict("records")
    ]  # fmt: skip
    return Grid(
        title=f"{'Answers' if diff.unit == 'answer' else 'Respondents'} coded, before and after",
        columns=["code", "label", "before", "after", "change", "gained", "lost", "codebook"],
        rows=rows,
        depths=[int(d) for d in diff.codes["depth"]],
        align=list("llrrrrrl"),
        notes=[diff.summary_line(), *diff.notes],
        label="tab:qualcode-diff",
    )


def changes_grid(changes: pd.DataFrame) -> Grid:
    """The per-(respondent or answer, code) changes as a Grid (for Markdown)."""
    rows = [
        [str(r["row"]), str(r["id"]), str(r["code"]), "+" if r["change"] == "gained" else "−",
         str(r["question"]), str(r["via"]), str(r["match"]), str(r["quote"]), str(r["rule"])]
        for r in changes.to_dict("records")
    ]  # fmt: skip
    return Grid(
        title="Changed codings: the segment that explains each (new run for +, old for −)",
        columns=["row", "id", "code", "±", "question", "via", "match", "quote", "rule"],
        rows=rows,
        depths=[0] * len(rows),
        align=list("rllllllll"),
    )


def to_markdown(diff: RunDiff) -> str:
    """The header, the per-code table and every changed coding, as Markdown."""
    head = "\n".join(f"- {escape_markdown(line)}" for line in header_lines(diff))
    return (
        f"{head}\n\n{grid_markdown(codes_grid(diff))}\n{grid_markdown(changes_grid(diff.changes))}"
    )


def to_json(diff: RunDiff) -> dict[str, Any]:
    """Everything as plain data: header, summary (with the unit), notes, codes and changes."""
    return {
        "old": diff.header.get("old"),
        "new": diff.header.get("new"),
        "summary": {
            "changed": diff.changed,
            "codes_changed": int(diff.codes["changed"].sum()),
            "gained": diff.gained,
            "lost": diff.lost,
            "unit": diff.unit,
        },
        "notes": list(diff.notes),
        "codes": to_records(diff.codes),
        "changes": to_records(diff.changes),
    }


def render_text(diff: RunDiff, fmt: str) -> str:
    """csv (the changes), md or json as text."""
    if fmt == "csv":
        return to_csv(diff.changes)
    if fmt == "md":
        return to_markdown(diff)
    if fmt == "json":
        return json.dumps(to_json(diff), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    raise ValueError(f"{fmt!r} is not a text format")


def write_diff(diff: RunDiff, path: str | Path, fmt: str) -> Path:
    """Write the diff to `path` atomically: csv and xlsx (sheet "changes") hold the changes
    table (one row per changed respondent, or answer, and code), md and json the header, the
    per-code table and the changes; table is the screen rendering as plain text."""
    path = Path(path)
    if fmt == "xlsx":  # one sheet, "changes", whatever the file is called
        check_table(path, diff.changes, "xlsx", name="changes")  # Excel's limits: E405/E406
        with TableWriter(path, "xlsx", name="changes") as writer:
            writer.write(diff.changes)
        return writer.close()
    if fmt == "table":
        from rich.console import Console  # rich only when a plain-text table is asked for

        console = Console(file=io.StringIO(), width=160, color_system=None, highlight=False)
        for line in header_lines(diff):
            console.print(line, markup=False)
        console.print(rich_table(codes_grid(diff)))
        return write_text(path, console.file.getvalue())  # type: ignore[attr-defined]
    return write_text(path, render_text(diff, fmt))
