"""A table being read: its header, a stream of rows of text, and what was not kept.

Every reader (delimited text, XLSX, JSON Lines, Parquet, SPSS) produces a :class:`RawTable`,
so the steps every format shares (unique column names, survey-export header rows, chunks of
rows as DataFrames) happen once, here. Rows are streamed: a file of millions of answers is
never held in memory as a whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class RowTally:
    """Rows not kept, filled in while the rows are read: complete once they all are."""

    skipped: list[dict[str, object]] = field(default_factory=list)  # {"line", "reason"}
    blank: int = 0  # blank lines / empty sheet rows, which are not answers


@dataclass
class RawTable:
    """A header and its rows (all text, each as wide as the header), read lazily."""

    header: list[str]
    rows: Iterable[list[str]]
    tally: RowTally = field(default_factory=RowTally)  # or any object with the same fields
    labels: dict[str, str] = field(default_factory=dict)  # column -> question text
    platform: str | None = None
    header_rows: int = 1
    renamed: list[str] = field(default_factory=list)
    raw_header: list[str] | None = None  # as in the file, before unique_header

    def chunks(self, size: int) -> Iterator[pd.DataFrame]:
        """The rows as DataFrames of at most `size` rows (object columns of str)."""
        rows = iter(self.rows)
        while batch := list(itertools.islice(rows, size)):
            yield frame_of(self.header, batch)


def frame_of(header: list[str], rows: list[list[str]]) -> pd.DataFrame:
    """Rows of text as a DataFrame with object columns (no dtype guessing)."""
    columns = list(zip(*rows)) if rows else [() for _ in header]
    return pd.DataFrame(
        {name: pd.Series(list(values), dtype=object) for name, values in zip(header, columns)}
    )


def named(raw_header: list[str], rows: Iterable[list[str]], tally: object) -> RawTable:
    """A RawTable with unique column names made from the header as read."""
    names, renamed = unique_header(raw_header)
    return RawTable(names, rows, tally, renamed=renamed, raw_header=raw_header)  # type: ignore[arg-type]


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

    rows = iter(table.rows)
    first = list(itertools.islice(rows, 3))
    table.rows = itertools.chain(first, rows)
    # The raw header: SurveyMonkey leaves it empty over a question's extra columns, and the
    # layout names them after the question, which a generic column_N would hide.
    layout = detect_survey(table.raw_header or table.header, first)
    if layout is None:
        return
    table.header, table.renamed = unique_header(list(layout.columns))
    table.rows = itertools.chain(first[layout.header_rows :], rows)
    table.labels = {k: v for k, v in layout.labels.items() if v}
    table.platform = layout.platform
    table.header_rows = 1 + layout.header_rows
