"""`code()`: a table of answers x a codebook -> a :class:`Coding` (pandas in, pandas out)."""

from __future__ import annotations

import os
import platform
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from qualcode import __version__
from qualcode.analysis.stats import wilson_interval
from qualcode.codebook.load import load_codebook
from qualcode.codebook.model import Codebook
from qualcode.coding.compile import CompiledCodebook, compile_codebook
from qualcode.coding.engine import Engine, SegmentTable
from qualcode.coding.result import SEGMENT_COLUMNS, Coding
from qualcode.errors import QualcodeError
from qualcode.io.columns import resolve_columns


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
    source: dict[str, object] | None = None,
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
    if negation is not None and negation not in ("exclude", "flag", "ignore"):
        raise QualcodeError("E113", key="negation", allowed="exclude, flag, ignore", got=negation)
    compiled = compiled or compile_codebook(codebook, model=model, negation=negation)
    ids = compiled_ids(compiled)
    clash = sorted(set(ids) & {str(c) for c in data.columns})
    if clash:
        raise QualcodeError("E307", code=clash[0])
    labels = labels or {}

    n = len(data)
    matrix = np.zeros((n, len(ids)), dtype=np.int8)
    segments = SegmentTable()
    engine = Engine(compiled)
    rows = range(n)
    answered = np.zeros(n, dtype=bool)
    per_q: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for question in text_cols:
        texts = answer_texts(data[question])
        q_answered = np.array([bool(t.strip()) for t in texts], dtype=bool)
        q_matrix = np.zeros_like(matrix)
        engine.run(texts, rows, question, q_matrix, segments, progress)
        roll_up(q_matrix, compiled)
        np.maximum(matrix, q_matrix, out=matrix)
        answered |= q_answered
        if per_question:
            per_q[question] = (q_matrix, q_answered)

    respondent_ids = data[id_col].astype(str).tolist() if id_col else [str(i + 1) for i in range(n)]
    seg_frame = segments_frame(segments, compiled, respondent_ids, text_cols)
    matrix_frame = pd.DataFrame(matrix, columns=ids, index=data.index)
    summary = summarise(compiled, matrix, seg_frame, int(answered.sum()))
    manifest = make_manifest(
        compiled, text_cols, id_col, negation, source, n, int(answered.sum()), matrix, seg_frame
    )
    manifest["questions"] = [{"column": q, "label": labels.get(q, "")} for q in text_cols]
    manifest["options"]["per_question"] = per_question
    extra = question_tables(compiled, per_q, respondent_ids, seg_frame, labels) if per_q else {}
    return Coding(
        data=data, segments=seg_frame, matrix=matrix_frame, summary=summary, manifest=manifest,
        extra=extra,
    )  # fmt: skip


def question_tables(
    compiled: CompiledCodebook,
    per_q: dict[str, tuple[np.ndarray, np.ndarray]],
    respondent_ids: list[str],
    segments: pd.DataFrame,
    labels: dict[str, str],
) -> dict[str, pd.DataFrame]:
    """The row x question matrix (long: one row per input row and question) and a summary
    per question, each question's percentages taken over those who answered it."""
    ids = compiled_ids(compiled)
    n = len(respondent_ids)
    frames, summaries = [], []
    for question, (q_matrix, q_answered) in per_q.items():
        head = pd.DataFrame({
            "row": np.arange(1, n + 1),
            "id": respondent_ids,
            "question": question,
            "answered": q_answered.astype(np.int8),
        })  # fmt: skip
        frames.append(pd.concat([head, pd.DataFrame(q_matrix, columns=ids)], axis=1))
        q_segments = segments[segments["question"] == question] if len(segments) else segments
        summary = summarise(compiled, q_matrix, q_segments, int(q_answered.sum()))
        summary.insert(0, "question_label", labels.get(question, ""))
        summary.insert(0, "question", question)
        summaries.append(summary)
    by_question = pd.concat(frames, ignore_index=True)
    # Row-major: every question of row 1, then row 2, ... as a reader of the data expects.
    by_question = by_question.sort_values(["row"], kind="stable").reset_index(drop=True)
    return {
        "by_question": by_question,
        "summary_by_question": pd.concat(summaries, ignore_index=True),
    }


def compiled_ids(compiled: CompiledCodebook) -> list[str]:
    """Code ids in codebook order (depth-first)."""
    return [cc.code.id for cc in compiled.codes]


def answer_texts(column: pd.Series) -> list[str]:
    """Answers as Python strings; missing values become "" (no answer)."""
    return ["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v)
            for v in column.tolist()]  # fmt: skip


def roll_up(matrix: np.ndarray, compiled: CompiledCodebook) -> None:
    """A parent is coded when any child is: children come after parents, so go backwards."""
    for cc in reversed(compiled.codes):
        if cc.parent is not None:
            np.maximum(matrix[:, cc.parent], matrix[:, cc.index], out=matrix[:, cc.parent])


def segments_frame(
    segments: SegmentTable,
    compiled: CompiledCodebook,
    respondent_ids: list[str],
    questions: list[str],
) -> pd.DataFrame:
    """Segments as a DataFrame sorted by row, question, start, end, codebook order."""
    cols = segments.cols
    if not len(segments):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SEGMENT_COLUMNS})
    q_order = {q: i for i, q in enumerate(questions)}
    row = np.asarray(cols["row"])
    order = np.lexsort((
        np.asarray(cols["code"]), np.asarray(cols["end"]), np.asarray(cols["start"]),
        np.asarray([q_order[q] for q in cols["question"]]), row,
    ))  # fmt: skip
    code_ids = [cc.code.id for cc in compiled.codes]
    code_paths = [cc.code.path_str for cc in compiled.codes]
    take = order.tolist()
    codes = [cols["code"][i] for i in take]
    frame = pd.DataFrame({
        "row": row[order] + 1,
        "id": [respondent_ids[cols["row"][i]] for i in take],
        "question": [cols["question"][i] for i in take],
        "code": [code_ids[c] for c in codes],
        "code_path": [code_paths[c] for c in codes],
        "start": np.asarray(cols["start"])[order],
        "end": np.asarray(cols["end"])[order],
        "match": [cols["match"][i] for i in take],
        "quote": [cols["quote"][i] for i in take],
        "negated": np.asarray(cols["negated"], dtype=bool)[order],
        "rule": [cols["rule"][i] for i in take],
    })  # fmt: skip
    return frame[SEGMENT_COLUMNS]


def summarise(
    compiled: CompiledCodebook, matrix: np.ndarray, segments: pd.DataFrame, answered: int
) -> pd.DataFrame:
    """Per code: respondents coded, % of those who answered, Wilson 95% CI, segments."""
    counts = matrix.sum(axis=0).tolist()
    # Segments per code, then added up the path so a parent counts its descendants' too.
    total: Counter[str] = Counter()
    negated: Counter[str] = Counter()
    if len(segments):
        by_path = Counter(zip(segments["code_path"].tolist(), segments["negated"].tolist()))
        for (path, neg), n in by_path.items():
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                prefix = "/".join(parts[:depth])
                total[prefix] += n
                negated[prefix] += n if neg else 0
    records = []
    for cc in compiled.codes:
        path = cc.code.path_str
        low, high = wilson_interval(counts[cc.index], answered)
        records.append({
            "code": cc.code.id,
            "label": cc.code.label,
            "path": path,
            "depth": len(cc.code.path) - 1,
            "coded": int(counts[cc.index]),
            "answered": answered,
            "percent": round(100 * counts[cc.index] / answered, 2) if answered else np.nan,
            "ci95_low": round(100 * low, 2),
            "ci95_high": round(100 * high, 2),
            "segments": total[path],
            "negated_segments": negated[path],
            "negation": cc.negation,
        })  # fmt: skip
    return pd.DataFrame.from_records(records)


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
    source: dict[str, object] | None,
    rows: int,
    answered: int,
    matrix: np.ndarray,
    segments: pd.DataFrame,
) -> dict[str, object]:
    """What was run, on what, with what: enough to reproduce and to cite."""
    cb = compiled.codebook
    any_code = int(matrix.any(axis=1).sum()) if matrix.size else 0
    return {
        "qualcode": __version__,
        "created_utc": created_utc(),
        "python": sys.version.split()[0],
        "platform": platform.system(),
        "pipeline": compiled.pipeline.describe(),
        "codebook": {"path": cb.path, "sha256": cb.sha256, "name": cb.name, "version": cb.version},
        "input": source or {"rows": rows},
        "options": {
            "text": text_cols,
            "id": id_col,
            "negation": negation,
            "unit": cb.unit,
            "prefilter": compiled.prefilter is not None,
        },
        "counts": {
            "rows": rows,
            "skipped_rows": int((source or {}).get("skipped_rows", 0) or 0),
            "blank_rows": int((source or {}).get("blank_rows", 0) or 0),
            "answered": answered,
            "coded_any": any_code,
            "uncoded": answered - any_code,
            "no_answer": rows - answered,
            "segments": len(segments),
        },
        "codes": compiled_ids(compiled),
    }
