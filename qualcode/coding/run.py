"""`code()`: a table of answers x a codebook -> a :class:`Coding` (pandas in, pandas out)."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualcode.codebook.load import load_codebook
from qualcode.codebook.model import NEGATION_MODES, Codebook
from qualcode.coding.chunk import ChunkResult, code_chunk
from qualcode.coding.compile import CompiledCodebook, compile_codebook
from qualcode.coding.result import SEGMENT_COLUMNS, Coding
from qualcode.coding.tally import Tally
from qualcode.errors import QualcodeError
from qualcode.io.columns import resolve_columns
from qualcode.version import __version__

CHUNK_ROWS = 10_000


def code(
    data: pd.DataFrame,
    codebook: Codebook | str | Path,
    text: str | list[str] | None = None,
    id: str | None = None,
    *,
    model: str | None = None,
    negation: str | None = None,
    per_question: bool = False,
    labels: dict[str, str] | None = None,
    compiled: CompiledCodebook | None = None,
    progress: Callable[[int], None] | None = None,
    source: Mapping[str, Any] | None = None,
) -> Coding:
    """Code every answer in `data[text]` with `codebook`; every input row is kept.

    `text` names one or more answer columns (inferred when None), `id` the respondent id
    column (inferred when None; rows are numbered from 1 otherwise). `negation` overrides the
    codebook's negation mode for every code. The matrix has one row per input row (a
    respondent is coded when any of their answers is); `per_question` adds a row x question
    table and a summary per question. `labels` maps columns to question texts for outputs.
    `progress` is called with counts of answers done.
    """
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    text_cols, id_col, _notes = resolve_columns(data, text, id)
    if negation is not None and negation not in NEGATION_MODES:
        raise QualcodeError("E113", key="negation", allowed=", ".join(NEGATION_MODES), got=negation)
    compiled = compiled or compile_codebook(codebook, model=model, negation=negation)
    assembler = ChunkAssembler(compiled, data.columns, text_cols, id_col, labels, per_question)
    parts: dict[str, list[pd.DataFrame]] = {}
    for start in range(0, max(len(data), 1), CHUNK_ROWS):
        chunk = data.iloc[start : start + CHUNK_ROWS]
        result = code_chunk(compiled, [answer_texts(chunk[q]) for q in text_cols])
        for name, frame in assembler.tables(chunk, result).items():
            parts.setdefault(name, []).append(frame)
        if progress:
            progress(len(chunk) * len(text_cols))
    tables = {name: _concat(frames) for name, frames in parts.items()}
    coded = tables.pop("coded")
    matrix = coded[compiled_ids(compiled)]
    matrix.index = data.index
    summaries = assembler.summaries()
    return Coding(
        data=data, segments=tables.pop("segments"), matrix=matrix,
        summary_table=summaries.pop("summary"), manifest=assembler.manifest(negation, source),
        extra={**tables, **summaries}, codebook=codebook,
    )  # fmt: skip


def code_answers(
    compiled: CompiledCodebook, answers: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Code a list of answers (one question, one chunk) as :func:`code` does, without the
    summary (so without its statistics): the 0/1 matrix (one column per code id, a row per
    answer) and the segments (rows numbered from 1). For short lists, such as a codebook's
    examples."""
    frame = pd.DataFrame({"text": answers})
    assembler = ChunkAssembler(compiled, frame.columns, ["text"], None)
    tables = assembler.tables(frame, code_chunk(compiled, [answer_texts(frame["text"])]))
    return tables["coded"][assembler.ids], tables["segments"]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


class ChunkAssembler:
    """Turns coded chunks into rows of the output tables and keeps the running totals.

    Shared by :func:`code` (in memory) and the streaming `apply`, so both produce the same
    tables: `tables(chunk, result)` gives the chunk's rows of `coded`, `segments` (and
    `by_question`); `summaries()` and `manifest()` the rest once every chunk is in.
    """

    def __init__(
        self,
        compiled: CompiledCodebook,
        columns: Iterable[object],
        text_cols: list[str],
        id_col: str | None,
        labels: dict[str, str] | None = None,
        per_question: bool = False,
    ) -> None:
        self.compiled = compiled
        self.ids = compiled_ids(compiled)
        clash = sorted(set(self.ids) & {str(c) for c in columns})
        if clash:
            raise QualcodeError("E307", code=clash[0])
        self.text_cols = text_cols
        self.id_col = id_col
        self.labels = labels or {}
        self.per_question = per_question
        self.tally = Tally(compiled)
        self.question_tallies = [Tally(compiled) for _ in text_cols] if per_question else []
        self.rows = 0

    def tables(self, chunk: pd.DataFrame, result: ChunkResult) -> dict[str, pd.DataFrame]:
        """The chunk's rows of each output table (row numbers continue across chunks)."""
        n = len(chunk)
        first = self.rows + 1
        self.rows += n
        if self.id_col:
            ids = chunk[self.id_col].astype(str).tolist()
        else:
            ids = [str(i) for i in range(first, first + n)]
        matrix = result.matrix
        cols = result.segments
        self.tally.add(matrix, result.any_answered, cols["code"], cols["negated"])
        coded = pd.concat(
            [chunk.reset_index(drop=True), pd.DataFrame(matrix, columns=self.ids)], axis=1
        )
        out = {"coded": coded, "segments": self.segments(cols, ids, first)}
        if self.per_question:
            out["by_question"] = self.by_question(result, ids, first)
        return out

    def segments(self, cols: dict[str, list[Any]], ids: list[str], first: int) -> pd.DataFrame:
        """Segments sorted by row, question, start, end, codebook order."""
        if not cols["row"]:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in SEGMENT_COLUMNS})
        row = np.asarray(cols["row"])
        code_idx = np.asarray(cols["code"])
        order = np.lexsort((
            code_idx, np.asarray(cols["end"]), np.asarray(cols["start"]),
            np.asarray(cols["question"]), row,
        ))  # fmt: skip
        take = order.tolist()
        paths = [cc.code.path_str for cc in self.compiled.codes]
        frame = pd.DataFrame({
            "row": row[order] + first,
            "id": [ids[cols["row"][i]] for i in take],
            "question": [self.text_cols[cols["question"][i]] for i in take],
            "code": [self.ids[c] for c in code_idx[order].tolist()],
            "code_path": [paths[c] for c in code_idx[order].tolist()],
            "start": np.asarray(cols["start"])[order],
            "end": np.asarray(cols["end"])[order],
            "match": [cols["match"][i] for i in take],
            "quote": [cols["quote"][i] for i in take],
            "negated": np.asarray(cols["negated"], dtype=bool)[order],
            "rule": [cols["rule"][i] for i in take],
        })  # fmt: skip
        return frame[SEGMENT_COLUMNS]

    def by_question(self, result: ChunkResult, ids: list[str], first: int) -> pd.DataFrame:
        """One row per input row and question (row-major), `answered` and the codes."""
        n = len(ids)
        q = len(self.text_cols)
        codes = np.asarray(result.segments["code"], dtype=np.int64)
        by_q = np.asarray(result.segments["question"], dtype=np.int64)
        negated = np.asarray(result.segments["negated"], dtype=bool)
        for k, tally in enumerate(self.question_tallies):
            mine = by_q == k
            tally.add(
                result.matrices[k], result.answered[k], codes[mine].tolist(), negated[mine].tolist()
            )
        # Interleave the questions: row 1's questions, then row 2's, ...
        stacked = np.stack(result.matrices, axis=1).reshape(n * q, len(self.ids))
        answered = np.stack(result.answered, axis=1).reshape(n * q)
        head = pd.DataFrame({
            "row": np.repeat(np.arange(first, first + n), q),
            "id": np.repeat(np.asarray(ids, dtype=object), q),
            "question": np.tile(np.asarray(self.text_cols, dtype=object), n),
            "answered": answered.astype(np.int8),
        })  # fmt: skip
        return pd.concat([head, pd.DataFrame(stacked, columns=self.ids)], axis=1)

    def summaries(self) -> dict[str, pd.DataFrame]:
        out = {"summary": self.tally.summary()}
        if self.per_question:
            frames = []
            for question, tally in zip(self.text_cols, self.question_tallies):
                frame = tally.summary()
                frame.insert(0, "question_label", self.labels.get(question, ""))
                frame.insert(0, "question", question)
                frames.append(frame)
            out["summary_by_question"] = pd.concat(frames, ignore_index=True)
        return out

    def manifest(self, negation: str | None, source: Mapping[str, Any] | None) -> dict[str, Any]:
        t = self.tally
        manifest = make_manifest(self.compiled, self.text_cols, self.id_col, negation, source)
        manifest["counts"] = {
            "rows": t.rows,
            "skipped_rows": int((source or {}).get("skipped_rows", 0) or 0),
            "blank_rows": int((source or {}).get("blank_rows", 0) or 0),
            "answered": t.answered,
            "coded_any": t.coded_any,
            "uncoded": t.answered - t.coded_any,
            "no_answer": t.rows - t.answered,
            "segments": int(t.segments.sum()),
        }
        manifest["questions"] = [{"column": q, "label": self.labels.get(q, "")}
                                 for q in self.text_cols]  # fmt: skip
        manifest["options"]["per_question"] = self.per_question
        return manifest


def compiled_ids(compiled: CompiledCodebook) -> list[str]:
    """Code ids in codebook order (depth-first)."""
    return [cc.code.id for cc in compiled.codes]


def answer_texts(column: pd.Series) -> list[str]:
    """Answers as Python strings; missing values become "" (no answer)."""
    return ["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v)
            for v in column.tolist()]  # fmt: skip


def created_utc() -> str:
    """Now in UTC, or SOURCE_DATE_EPOCH when set (for byte-identical reruns)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch else datetime.now(timezone.utc)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_manifest(
    compiled: CompiledCodebook,
    text_cols: list[str],
    id_col: str | None,
    negation: str | None,
    source: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """What was run, on what, with what: enough to reproduce and to cite (counts are added
    by the caller, once they are known)."""
    cb = compiled.codebook
    return {
        "qualcode": __version__,
        "created_utc": created_utc(),
        "python": sys.version.split()[0],
        "platform": platform.system(),
        "pipeline": compiled.pipeline.describe(),
        "codebook": {"path": cb.path, "sha256": cb.sha256, "name": cb.name, "version": cb.version},
        "input": source or {},
        "options": {
            "text": text_cols,
            "id": id_col,
            "negation": negation,
            "unit": cb.unit,
            "prefilter": compiled.prefilter is not None,
        },
        "codes": compiled_ids(compiled),
    }
