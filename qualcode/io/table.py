"""A parsed table before it becomes a DataFrame: header, rows of text, where each row was.

Every reader (delimited text, XLSX, JSON Lines, ...) produces a :class:`RawTable`, so the
steps every format shares (unique column names, survey-export header rows, the DataFrame)
happen once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class RawTable:
    """Header and rows (all text, all as wide as the header) with each row's position."""

    header: list[str]
    rows: list[list[str]]
    positions: list[int]  # the file line (text) or sheet row (XLSX) where each row starts
    skipped: list[dict[str, object]] = field(default_factory=list)  # {"line", "reason"}
    blank: int = 0  # blank lines / empty sheet rows, which are not answers
    labels: dict[str, str] = field(default_factory=dict)  # column -> question text
    platform: str | None = None
    header_rows: int = 1
    renamed: list[str] = field(default_factory=list)
    raw_header: list[str] | None = None  # as in the file, before unique_header

    def to_frame(self) -> pd.DataFrame:
        columns = list(zip(*self.rows)) if self.rows else [() for _ in self.header]
        return pd.DataFrame(
            {name: pd.Series(list(values), dtype=object) for name, values in
             zip(self.header, columns)}
        )  # fmt: skip


def unique_header(names: list[str]) -> tuple[list[str], list[str]]:
    """Empty names become column_N, repeats get .1, .2 (as pandas does); say what changed."""
    seen: set[str] = set()
    result: list[str] = []
    renamed: list[str] = []
    for i, raw in enumerate(names):
        name = raw.strip() if raw.strip() else f"column_{i + 1}"
        base, k = name, 0
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        if name != raw:
            renamed.append(f"{raw!r} -> {name!r}" if raw.strip() else f"column {i + 1} -> {name!r}")
        seen.add(name)
        result.append(name)
    return result, renamed


def apply_survey_layout(table: RawTable) -> None:
    """Drop a survey platform's extra header rows and keep its question texts as labels."""
    from qualcode.io.surveys import detect_survey

    # The raw header: SurveyMonkey leaves it empty over a question's extra columns, and the
    # layout names them after the question, which a generic column_N would hide.
    layout = detect_survey(table.raw_header or table.header, table.rows[:3])
    if layout is None:
        return
    table.header, table.renamed = unique_header(list(layout.columns))
    table.rows = table.rows[layout.header_rows :]
    table.positions = table.positions[layout.header_rows :]
    table.labels = {k: v for k, v in layout.labels.items() if v}
    table.platform = layout.platform
    table.header_rows = 1 + layout.header_rows
