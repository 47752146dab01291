"""Rendering agreement (computed in :mod:`qualcode.analysis.agreement`): the per-code table as
people read it, and the disagreements as CSV or Markdown."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qualcode.analysis.agreement import METRICS
from qualcode.export.tables import Grid, escape_markdown, to_csv
from qualcode.io.write import write_text


def agreement_grid(frame: pd.DataFrame, reference: str = "gold", compared: str = "machine") -> Grid:
    """The table of :func:`agreement` as people read it (a
    :class:`~qualcode.export.tables.Grid`): each metric with its 95% interval."""

    def cell(r: dict, m: str) -> str:
        if pd.isna(r[m]):
            return "n/a"
        low, high = r[f"{m}_low"], r[f"{m}_high"]
        ci = "" if pd.isna(low) else f" ({_two(low)}–{_two(high)})"
        return f"{_two(r[m])}{ci}"

    rows = []
    for r in frame.to_dict("records"):
        rows.append(
            [
                str(r["code"]),
                str(int(r["n"])),
                f"{100 * r['prevalence_ref']:.1f}",
                f"{100 * r['prevalence_cmp']:.1f}",
                *(cell(r, m) for m in METRICS),
            ]
        )
    attrs = frame.attrs
    notes = [
        f"Units compared: {attrs.get('matched')} (only in {reference}: "
        f"{attrs.get('unmatched_ref')}; only in {compared}: {attrs.get('unmatched_cmp')}). "
        f"Precision, recall and F1 take {reference} as the reference.",
        f"95% intervals: bootstrap percentile, {attrs.get('n_boot')} resamples of the units, "
        f"seed {attrs.get('seed')}. n/a: undefined (see the note column of the CSV).",
        *attrs.get("notes", []),
    ]
    return Grid(
        title=f"Agreement of {compared} with {reference}",
        columns=["Code", "n", f"% {reference}", f"% {compared}", "Agreement", "Kappa",
                 "Alpha", "Precision", "Recall", "F1"],
        rows=rows, depths=[0] * len(rows), align=list("lrrrrrrrrr"), notes=notes,
        label="tab:qualcode-agreement",
    )  # fmt: skip


def _two(value: float) -> str:
    return f"{round(float(value), 2) + 0.0:.2f}"  # never "-0.00"


def write_disagreements(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`disagreements` as CSV, or as Markdown (a section per code) for ``.md``."""
    path = Path(path)
    if path.suffix.lower() not in (".md", ".markdown"):
        return write_text(path, to_csv(frame))
    lines = ["# Disagreements", ""]
    keys = [c for c in ("id", "question") if c in frame.columns]
    for code, group in frame.groupby("code", sort=False):
        lines += [f"## {escape_markdown(str(code))}", ""]
        for kind, part in group.groupby("kind", sort=False):
            lines += [f"### {kind}s ({len(part)})", "",
                      "| " + " | ".join([*keys, "answer", "rules"]) + " |",
                      "|" + "---|" * (len(keys) + 2)]  # fmt: skip
            for r in part.to_dict("records"):
                cells = [escape_markdown(str(r[k])) for k in [*keys, "answer", "rules"]]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    if frame.empty:
        lines.append("No disagreements.")
    return write_text(path, "\n".join(lines).rstrip("\n") + "\n")
