"""What the review works on: the answers, codes and machine hits of one output folder.

Built from an output folder by :meth:`ReviewCorpus.open` (only the columns the workbench
shows, read with Arrow: what `qualcode review` starts from) or from a
:class:`~qualcode.coding.result.Coding` (``load_coding(OUTDIR)``), with the indexes the
workbench and :func:`qualcode.review.decide.apply_decisions` need: an answer by (row,
question) and by (respondent, question), the hits of a code, the hits of an answer (the
latter built on first use). An answer is one cell: a respondent's row and one text column
(question).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from qualcode.codebook.model import NegationMode, segment_counts
from qualcode.review.store import text_sha256

if TYPE_CHECKING:  # pandas and the Coding are imported when used: not on the server's start
    import pandas as pd

    from qualcode.coding.result import Coding

#: The columns of summary.csv a corpus reads (one row per code).
SUMMARY_COLUMNS = ("code", "label", "path", "depth", "negation")
#: The columns of segments.csv a hit is made of, in the order :class:`HitTable` keeps them.
HIT_COLUMNS = ("row", "question", "code", "code_path", "start", "end", "match", "quote",
               "negated", "rule")  # fmt: skip


@dataclass(frozen=True)
class CodeInfo:
    """A code of the folder: id, label, path (ids from the root, '/'-joined), depth, colour."""

    id: str
    label: str
    path: str
    depth: int
    colour: str
    negation: str

    @property
    def ancestors(self) -> list[str]:
        """The ids of the code and of every code above it, root first."""
        return self.path.split("/")


@dataclass(slots=True)
class Hit:
    """One machine hit (a row of ``segments``), with its index in that table."""

    index: int
    row: int
    respondent: str
    question: str
    code: str
    code_path: str
    start: int
    end: int
    match: str
    quote: str
    negated: bool
    rule: str
    counts: bool


class HitTable(Sequence[Hit]):
    """The machine hits as columns; a :class:`Hit` is made when one is asked for."""

    def __init__(self, columns: list[list[Any]], counts: list[bool], respondents: list[str]):
        self._columns = columns
        self._counts = counts
        self._respondents = respondents

    def __len__(self) -> int:
        return len(self._counts)

    @overload
    def __getitem__(self, i: int) -> Hit: ...
    @overload
    def __getitem__(self, i: slice) -> list[Hit]: ...
    def __getitem__(self, i: int | slice) -> Hit | list[Hit]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        row, q, code, path, start, end, match, quote, negated, rule = (c[i] for c in self._columns)
        return Hit(
            index=i, row=row, respondent=self._respondents[row - 1], question=q, code=code,
            code_path=path, start=start, end=end, match=str(match), quote=str(quote),
            negated=bool(negated), rule=str(rule), counts=self._counts[i],
        )  # fmt: skip

    def rows_counting(self) -> set[int]:
        """The rows with at least one hit that counts."""
        return {r for r, k in zip(self._columns[0], self._counts) if k}


#: Twelve colours that stay readable behind black text (ColorBrewer Set3, a little darker).
PALETTE = (
    "#8dd3c7", "#ffe66b", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
    "#b3de69", "#fccde5", "#c6c6c6", "#bc80bd", "#ccebc5", "#ffd92f",
)  # fmt: skip


@dataclass
class ReviewCorpus:
    """The answers, codes and hits of one coding, indexed for review.

    Made by :meth:`open` (an output folder: only the tables and columns the workbench needs,
    the full :class:`Coding` read on first use of :attr:`coding`) or :meth:`from_coding`."""

    codes: list[CodeInfo]
    questions: list[str]
    respondents: list[str]
    hits: HitTable
    codebook_sha256: str
    manifest: dict[str, Any] = field(repr=False, default_factory=dict)
    _coding: Coding | None = field(repr=False, default=None)
    _outdir: Path | None = field(repr=False, default=None)
    _texts: dict[str, list[str]] = field(repr=False, default_factory=dict)
    _by_key: dict[str, list[int]] = field(repr=False, default_factory=dict)
    _unique_rows: dict[str, int] | None = field(repr=False, default=None)
    _hits_by_code: dict[str, list[int]] = field(repr=False, default_factory=dict)
    _answer_order: np.ndarray | None = field(repr=False, default=None)
    _answer_keys: np.ndarray | None = field(repr=False, default=None)
    _question_number: dict[str, int] = field(repr=False, default_factory=dict)
    _hashes: dict[tuple[int, str], str] = field(repr=False, default_factory=dict)
    _hit_keys: dict[tuple[int, str, str, int, int], int] = field(repr=False, default_factory=dict)

    @property
    def coding(self) -> Coding:
        """The whole coding (read from the folder on first use when made by :meth:`open`)."""
        if self._coding is None:
            from qualcode.coding.result import load_coding

            assert self._outdir is not None
            self._coding = load_coding(self._outdir)
        return self._coding

    @classmethod
    def from_coding(cls, coding: Coding) -> ReviewCorpus:
        """Index `coding` (what :func:`~qualcode.coding.result.load_coding` returns)."""
        options: dict[str, Any] = coding.manifest.get("options", {})
        questions = [str(q) for q in options.get("text") or []]
        data = coding.data
        id_column = options.get("id")
        if id_column in data.columns:
            ids = data[id_column].astype(object).where(data[id_column].notna(), "")
            respondents = [str(v) for v in ids]
        else:
            respondents = [str(i + 1) for i in range(len(data))]
        texts = {}
        for q in questions:
            column = data[q].astype(object).where(data[q].notna(), "")
            texts[q] = [str(v) for v in column]
        seg = coding.segments
        counts = coding.counting().to_numpy() if len(seg) else np.zeros(0, dtype=bool)
        columns = [seg[c].tolist() for c in HIT_COLUMNS]
        summary = {c: coding.summary_table[c].tolist() for c in SUMMARY_COLUMNS}
        corpus = cls._build(
            coding.manifest, questions, respondents, texts, summary, columns,
            [bool(v) for v in counts],
        )  # fmt: skip
        corpus._coding = coding
        return corpus

    @classmethod
    def open(cls, outdir: str | Path) -> ReviewCorpus:
        """The corpus of an output folder, read fast: of a CSV folder only the id and text
        columns of coded.csv and the hit columns of segments.csv, with Arrow's CSV reader;
        the same values as ``from_coding(load_coding(outdir))`` (other formats, or text
        columns saved with a non-text dtype, take that path)."""
        from qualcode.coding.manifest import MANIFEST, is_output_dir, table_entries

        def slow() -> ReviewCorpus:
            from qualcode.coding.result import load_coding

            return cls.from_coding(load_coding(outdir))

        outdir = Path(outdir)
        if not is_output_dir(outdir):
            return slow()  # E404, as load_coding says it
        manifest: dict[str, Any] = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        options: dict[str, Any] = manifest.get("options", {})
        questions = [str(q) for q in options.get("text") or []]
        id_column = options.get("id")
        entries = table_entries(manifest.get("tables"))
        coded_types = (entries.get("coded") or {}).get("dtypes")
        wanted = [str(c) for c in ([id_column] if id_column else []) + questions]
        if (
            manifest.get("format", "csv") != "csv"
            or not {"coded", "segments", "summary"} <= set(entries)
            or not isinstance(coded_types, dict)
            or any(c in coded_types for c in wanted)
            or not questions
        ):
            return slow()
        coded = _read_text_columns(outdir / "coded.csv", wanted, set())
        n = len(coded[questions[0]])
        if id_column and str(id_column) in coded:
            respondents = coded[str(id_column)]
        else:
            respondents = [str(i + 1) for i in range(n)]
        texts = {q: coded[q] for q in questions}
        summary = _read_text_columns(outdir / "summary.csv", list(SUMMARY_COLUMNS), {"depth"})
        if len(summary) < len(SUMMARY_COLUMNS):
            return slow()
        ints = {"row", "start", "end"}
        seg = _read_text_columns(outdir / "segments.csv", list(HIT_COLUMNS), ints)
        negated = [v == "True" for v in seg["negated"]]
        seg["negated"] = negated
        # Coding.counting's rule: whether a negated hit counts, taken once per code
        modes = dict(zip(summary["code"], summary["negation"]))
        when_negated = {c: segment_counts(True, m) for c, m in modes.items()}
        unknown = segment_counts(True, NegationMode.EXCLUDE)
        counts = [not neg or when_negated.get(c, unknown) for neg, c in zip(negated, seg["code"])]
        columns = [seg[c] for c in HIT_COLUMNS]
        corpus = cls._build(manifest, questions, respondents, texts, summary, columns, counts,
                            typed=True)  # fmt: skip
        corpus._outdir = outdir
        return corpus

    @classmethod
    def _build(
        cls,
        manifest: dict[str, Any],
        questions: list[str],
        respondents: list[str],
        texts: dict[str, list[str]],
        summary: dict[str, list[Any]],
        columns: list[list[Any]],
        counts: list[bool],
        typed: bool = False,
    ) -> ReviewCorpus:
        """The corpus from its parts; `columns` are the :data:`HIT_COLUMNS` of the segments
        (`typed`: already int and str, as :meth:`open` reads them)."""
        codes = [
            CodeInfo(
                id=str(code),
                label=str(label) if isinstance(label, str) and label else str(code),
                path=str(path),
                depth=int(depth),
                colour=PALETTE[i % len(PALETTE)],
                negation=str(negation),
            )
            for i, (code, label, path, depth, negation) in enumerate(
                zip(*(summary[c] for c in SUMMARY_COLUMNS))
            )
        ]
        if not typed:
            for c in (0, 4, 5):
                columns[c] = [int(v) for v in columns[c]]
            for c in (1, 2, 3):
                columns[c] = [str(v) for v in columns[c]]
        hits = HitTable(columns, counts, respondents)
        sha = str((manifest.get("codebook") or {}).get("sha256", ""))
        return cls(
            codes=codes, questions=questions, respondents=respondents, hits=hits,
            codebook_sha256=sha, manifest=manifest, _texts=texts,
            _hits_by_code=_index_by_code(columns[3]),
        )  # fmt: skip

    def _answer_hits(self, row: int, question: str) -> list[int]:
        """The indexes of the hits of one answer, in table order. The index (hits sorted by
        answer, with numpy) is built on first use: the by-code pages never need it."""
        if self._answer_order is None:
            c = self.hits._columns
            number = {q: i for i, q in enumerate(dict.fromkeys([*self.questions, *c[1]]))}
            self._question_number = number
            keys = np.asarray(c[0], dtype=np.int64) * len(number)
            keys += np.asarray([number[q] for q in c[1]], dtype=np.int64)
            order = np.argsort(keys, kind="stable")
            self._answer_order, self._answer_keys = order, keys[order]
        q = self._question_number.get(question)
        if q is None or self._answer_keys is None:
            return []
        key = row * len(self._question_number) + q
        lo, hi = np.searchsorted(self._answer_keys, [key, key + 1])
        return [int(i) for i in self._answer_order[lo:hi]]

    def _key_index(self) -> dict[tuple[int, str, str, int, int], int]:
        """Each hit by (row, question, code, start, end) (built on first use)."""
        if not self._hit_keys and len(self.hits):
            c = self.hits._columns
            self._hit_keys = {key: i for i, key in enumerate(zip(c[0], c[1], c[2], c[4], c[5]))}
        return self._hit_keys

    # -- lookups -------------------------------------------------------------------------

    @property
    def n_rows(self) -> int:
        """Rows (respondents) in the coded table."""
        return len(self.respondents)

    def code(self, code_id: str) -> CodeInfo | None:
        """The code with this id, or None."""
        return self._code_index().get(code_id)

    def _code_index(self) -> dict[str, CodeInfo]:
        index = getattr(self, "_codes_by_id", None)
        if index is None:
            index = {c.id: c for c in self.codes}
            self._codes_by_id = index
        return index

    def text(self, row: int, question: str) -> str:
        """The answer of `row` (1-based) to `question` ('' when empty)."""
        return self._texts[question][row - 1]

    def text_hash(self, row: int, question: str) -> str:
        """SHA-256 of the answer's text (cached)."""
        key = (row, question)
        if key not in self._hashes:
            self._hashes[key] = text_sha256(self.text(row, question))
        return self._hashes[key]

    def rows_of(self, respondent: str, question: str) -> list[int]:
        """The rows whose respondent id is `respondent` (several when ids repeat) and which
        have the column `question`."""
        if question not in self._texts:
            return []
        if not self._by_key and self.respondents:  # built on first use
            last = dict(zip(self.respondents, range(1, len(self.respondents) + 1)))
            if len(last) == len(self.respondents):  # ids unique: one row each
                self._unique_rows = last
            else:
                by_key: dict[str, list[int]] = defaultdict(list)
                for row, key in enumerate(self.respondents, start=1):
                    by_key[key].append(row)
                self._by_key = dict(by_key)
            self._by_key = self._by_key or {"": []}  # marks the index built
        if self._unique_rows is not None:
            found = self._unique_rows.get(respondent)
            return [] if found is None else [found]
        return self._by_key.get(respondent, [])

    def find(self, respondent: str, question: str, text_hash: str, row: int = 0) -> int | None:
        """The row a decision about (respondent, question) made on text `text_hash` is about:
        the row with that id whose answer still has that hash (the recorded `row` first when
        ids repeat); None when no such answer is left (the text changed or the id is gone)."""
        rows = self.rows_of(respondent, question)
        if row in rows:
            rows = [row, *(r for r in rows if r != row)]
        for r in rows:
            if self.text_hash(r, question) == text_hash:
                return r
        return None

    def hits_of_code(self, code_id: str, start: int = 0, stop: int | None = None) -> list[Hit]:
        """The hits of a code (a parent's include its descendants'), in table order; with
        `start`/`stop`, only that slice of them."""
        return [self.hits[i] for i in self._hits_by_code.get(code_id, [])[start:stop]]

    def n_hits_of_code(self, code_id: str) -> int:
        """How many hits a code has (a parent's include its descendants')."""
        return len(self._hits_by_code.get(code_id, ()))

    def hit_at(self, row: int, question: str, code: str, start: int, end: int) -> Hit | None:
        """The machine hit of `code` at exactly this span of the answer, or None."""
        index = self._key_index().get((row, question, code, start, end))
        return None if index is None else self.hits[index]

    def hits_of_answer(self, row: int, question: str) -> list[Hit]:
        """The hits in one answer, in table order."""
        return [self.hits[i] for i in self._answer_hits(row, question)]

    def answered(self, row: int) -> list[str]:
        """The questions `row` answered (non-blank text), in question order."""
        return [q for q in self.questions if self.text(row, q).strip()]

    def uncoded_rows(self) -> list[int]:
        """Rows with at least one answer and no counting hit, in row order (computed once)."""
        found: list[int] | None = getattr(self, "_uncoded", None)
        if found is None:
            coded = self.hits.rows_counting()
            found = [r for r in range(1, self.n_rows + 1) if r not in coded and self.answered(r)]
            self._uncoded = found
        return found

    def machine_matrix(self) -> pd.DataFrame:
        """The machine's 0/1 matrix (rows x codes), as saved."""
        return self.coding.matrix


def _index_by_code(paths: list[str]) -> dict[str, list[int]]:
    """The hits of each code, a parent's including its descendants', in table order, from
    each hit's code path (grouped with numpy: one pass in C, not one per hit)."""
    if not paths:
        return {}
    unique, inverse = np.unique(np.asarray(paths, dtype=object).astype(str), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(unique) + 1))
    groups: dict[str, list[np.ndarray]] = defaultdict(list)
    for k, path in enumerate(unique.tolist()):
        for ancestor in str(path).split("/"):
            groups[ancestor].append(order[bounds[k] : bounds[k + 1]])
    return {
        code: (np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]).tolist()
        for code, parts in groups.items()
    }


def _read_text_columns(path: Path, names: list[str], ints: set[str]) -> dict[str, list[Any]]:
    """Columns `names` of a CSV table qualcode wrote, as lists: text ("" for an empty cell,
    spreadsheet escaping undone, as :func:`qualcode.io.tables.read_table` gives it), or int
    for the columns in `ints`. Read with Arrow's CSV reader, the other columns skipped."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from qualcode.io.formula import restore

    with open(path, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f), [])
    raw = {restore(h): h for h in header}
    include = [raw[n] for n in names if n in raw]
    types = {raw[n]: (pa.int64() if n in ints else pa.string()) for n in names if n in raw}
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=True),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=include, column_types=types, strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )  # fmt: skip
    out: dict[str, list[Any]] = {}
    for n in names:
        if n not in raw:
            continue
        column = table.column(raw[n])
        values = column.to_pylist()
        if n not in ints and any(v[:1] == "'" for v in values):  # (pyarrow.compute: +80 ms)
            values = [restore(v) if v[:1] == "'" else v for v in values]
        out[n] = values
    return out
