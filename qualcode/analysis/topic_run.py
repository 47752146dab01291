"""`qualcode topics` as a library call: read answers, leave out coded ones, fit, summarise.

The unit is one answer: a non-blank (respondent row, text column) cell. Every answer gets a
row of :attr:`TopicRun.answers` with a status: "modelled" (it has a topic), "too short"
(fewer than two content words: not used to fit), "no frequent term" (its words are all too
rare or too common to be in the model's vocabulary) or "coded" (with ``uncoded=``: a code of
the earlier `qualcode apply` matched it, so it is left out).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualcode.analysis.topics import MODELLED, TopicModel
from qualcode.coding.result import Coding
from qualcode.errors import Location, QualcodeError, did_you_mean
from qualcode.version import __version__

CODED = "coded"
#: Representative answers per topic, and the word counts a "moderate" answer has (such
#: answers are preferred: a two-word answer shows little, a page is hard to read).
REPRESENTATIVE = 5
MODERATE_WORDS = (5, 40)


@dataclass
class TopicRun:
    """Everything `qualcode topics` writes and prints."""

    model: TopicModel
    answers: pd.DataFrame  # row, id, question, topic, weight, status (+ text, not written)
    representative: pd.DataFrame  # topic, rank, row, id, question, weight, text
    manifest: dict[str, Any]
    by: pd.DataFrame | None = None
    by_column: str | None = None
    taken_ids: list[str] = field(default_factory=list)  # code ids of the --uncoded codebook
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Answers by status."""
        return dict(self.manifest["counts"])


def coded_answers(coding: Coding) -> set[tuple[int, str]]:
    """(row, question) of every answer a code matched in a `qualcode apply` output: an answer
    is coded when it has a segment that counts, i.e. any segment except a negated one of a
    code whose negation mode is "exclude"."""
    seg = coding.segments[coding.counting()]
    rows = seg["row"].astype(int).tolist()
    questions = seg["question"].astype(str).tolist()
    return set(zip(rows, questions))


#: The most topics `--k` (or :func:`parse_k`) accepts.
MAX_TOPICS = 50


def parse_k(value: str | int) -> int | str:
    """The number of topics as given on a command line: "auto" or a whole number from 2 to
    :data:`MAX_TOPICS` (E723 otherwise)."""
    if str(value).strip().lower() == "auto":
        return "auto"
    try:
        k = int(value)
    except ValueError:
        k = 0
    if not 2 <= k <= MAX_TOPICS:
        raise QualcodeError("E723", most=MAX_TOPICS, got=value)
    return k


def run_topics(
    answers: str | Path,
    *,
    text: list[str] | None = None,
    id: str | None = None,
    k: int | str = "auto",
    method: str = "nmf",
    seed: int = 0,
    top_n: int = 10,
    k_range: tuple[int, int] = (2, 10),
    by: str | None = None,
    uncoded: str | Path | None = None,
    language: str | None = None,
    model: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> TopicRun:
    """Read `answers`, fit a :class:`TopicModel` on its answers (only those no code matched
    in the `qualcode apply` output folder `uncoded`, when given) and gather the results.

    With `uncoded`, the folder must have coded this very file (same SHA-256, else E722); its
    text and id columns are used unless `text`/`id` are given, and its codebook's language
    and model unless `language`/`model` are."""
    from qualcode.io.columns import resolve_columns
    from qualcode.io.read import read_answers

    say = notify or (lambda note: None)
    skip_bad_rows = False
    if uncoded is not None:
        # Read ANSWERS as `apply` read it: the same bytes read from another sheet, with
        # another delimiter or without the rows apply skipped would put the coded answers
        # on the wrong rows, silently.
        recorded = _recorded_input(Path(uncoded))
        sheet = sheet or recorded.get("sheet")
        delimiter = delimiter or recorded.get("delimiter")
        skip_bad_rows = bool(recorded.get("skipped_rows"))
    data, source = read_answers(
        answers, encoding, sheet=sheet, delimiter=delimiter, skip_bad_rows=skip_bad_rows
    )
    for note in source.notes:
        say(note)
    coded: set[tuple[int, str]] = set()
    taken: list[str] = []
    applied: dict[str, Any] = {}
    if uncoded is not None:
        coding, applied = _load_uncoded(Path(uncoded), source.sha256, str(answers))
        options = applied.get("options", {})
        text = text or options.get("text")
        id = id or options.get("id")
        coded = coded_answers(coding)
        taken = [str(c) for c in applied.get("codes", [])]
        language, model = _pipeline_of(applied, language, model)
    text_cols, id_col, notes = resolve_columns(data, text, id, source=str(answers))
    for note in notes:
        say(note)
    if by is not None and by not in data.columns:
        columns = [str(c) for c in data.columns]
        raise QualcodeError(
            "E304", Location(str(answers)), column=by, path=answers,
            suggestion=did_you_mean(by, columns), available=", ".join(columns),
        )  # fmt: skip

    units = _units(data, text_cols, id_col)
    is_coded = np.array([(r, q) in coded for r, q in zip(units["row"], units["question"])],
                        dtype=bool)  # fmt: skip
    units["status"] = np.where(is_coded, CODED, "")
    todo = units[~is_coded]
    topic_model = TopicModel(k=k, method=method, k_range=k_range, seed=seed, top_n=top_n,
                             language=language or "en", model=model)  # fmt: skip
    topic_model.fit(todo["text"].tolist())
    fitted = topic_model.answers_
    units["topic"] = 0
    units["weight"] = 0.0
    units["strength"] = 0.0
    where = todo.index.to_numpy()
    units.loc[where, "topic"] = fitted["topic"].to_numpy()
    units.loc[where, "weight"] = fitted["weight"].to_numpy()
    units.loc[where, "strength"] = fitted["strength"].to_numpy()
    units.loc[where, "status"] = fitted["status"].to_numpy()

    counts = {"answers": len(units), **units["status"].value_counts().sort_index().to_dict()}
    counts = {key: int(value) for key, value in counts.items()}
    table = None
    if by is not None:
        table = by_table(units, data[by].astype(str).to_numpy(), by)
    manifest = {
        "qualcode": __version__,
        "command": "topics",
        "input": {"path": str(answers), "sha256": source.sha256, "rows": len(data),
                  "format": source.format},
        "text": text_cols,
        "id": id_col,
        "by": by,
        "uncoded": {"path": str(uncoded), "input_sha256": applied.get("input", {}).get("sha256"),
                    "codebook": applied.get("codebook", {})} if uncoded is not None else None,
        "pipeline": topic_model.pipeline_.describe(),
        "method": method,
        "k": topic_model.k_,
        "k_requested": k,
        "k_range": list(k_range),
        "seed": seed,
        "parameters": {
            "top_n": top_n, "min_df": topic_model.min_df_, "max_df": topic_model.max_df,
            "min_terms": topic_model.min_terms, "bigrams": topic_model.bigrams,
            "vocabulary": len(topic_model.vocabulary_), "sweep_max": topic_model.sweep_max,
            "sweep_sample": topic_model.sweep_sample_,
            "features": "tfidf" if method == "nmf" else "counts",
        },
        "counts": counts,
    }  # fmt: skip
    return TopicRun(
        model=topic_model, answers=units, representative=representative(units),
        manifest=manifest, by=table, by_column=by, taken_ids=taken,
    )  # fmt: skip


def _recorded_input(outdir: Path) -> dict[str, Any]:
    """The `input` record of an apply folder's manifest ({} when there is none to read: the
    folder is then refused by :func:`_load_uncoded`)."""
    try:
        manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    recorded = manifest.get("input") if isinstance(manifest, dict) else None
    return recorded if isinstance(recorded, dict) else {}


def _load_uncoded(outdir: Path, sha256: str, answers: str) -> tuple[Any, dict[str, Any]]:
    from qualcode.analysis.diff import load_applied

    coding = load_applied(outdir)
    manifest = coding.manifest
    recorded = manifest.get("input", {}).get("sha256")
    if recorded != sha256:
        raise QualcodeError(
            "E722", Location(str(outdir / "manifest.json")), outdir=outdir, path=answers,
            recorded=str(recorded)[:12], actual=sha256[:12],
        )  # fmt: skip
    return coding, manifest


def _pipeline_of(
    manifest: dict[str, Any], language: str | None, model: str | None
) -> tuple[str | None, str | None]:
    """The language and model the earlier run coded with (the codebook's, when readable)."""
    path = manifest.get("codebook", {}).get("path")
    if path and Path(path).is_file() and (language is None or model is None):
        from qualcode.codebook.load import load_codebook

        book = load_codebook(path)
        return language or book.language, model or book.model
    return language or manifest.get("pipeline", {}).get("lang"), model


def _units(data: pd.DataFrame, text_cols: list[str], id_col: str | None) -> pd.DataFrame:
    """One row per non-blank answer, row-major: row (1-based), id, question, text."""
    rows, ids, questions, texts = [], [], [], []
    id_values = data[id_col].astype(str).tolist() if id_col else None
    columns = [data[q].astype(str).tolist() for q in text_cols]
    for i in range(len(data)):
        for q, values in zip(text_cols, columns):
            value = values[i]
            if value.strip():
                rows.append(i + 1)
                ids.append(id_values[i] if id_values else str(i + 1))
                questions.append(q)
                texts.append(value)
    return pd.DataFrame({"row": rows, "id": ids, "question": questions, "text": texts})


def representative(units: pd.DataFrame, n: int = REPRESENTATIVE) -> pd.DataFrame:
    """Per topic, up to `n` answers with the highest topic strength, distinct texts (compared
    by their words, case-insensitively), answers of MODERATE_WORDS words first, then the rest."""
    modelled = units[units["status"] == MODELLED]
    rows = []
    low, high = MODERATE_WORDS
    for topic in sorted(modelled["topic"].unique()):
        mine = modelled[modelled["topic"] == topic]
        words = mine["text"].str.split().str.len()
        moderate = (words >= low) & (words <= high)
        ranked = mine.assign(_moderate=~moderate).sort_values(
            ["_moderate", "strength", "row", "question"], ascending=[True, False, True, True],
            kind="mergesort",
        )  # fmt: skip
        seen: set[str] = set()
        for r in ranked.itertuples(index=False):
            key = " ".join(re.findall(r"\w+", r.text.lower()))
            if key in seen:
                continue
            seen.add(key)
            rows.append({"topic": int(topic), "rank": len(seen), "row": r.row, "id": r.id,
                         "question": r.question, "weight": r.weight, "text": r.text})  # fmt: skip
            if len(seen) == n:
                break
    columns = ["topic", "rank", "row", "id", "question", "weight", "text"]
    return pd.DataFrame(rows, columns=columns)


def by_table(units: pd.DataFrame, values: np.ndarray, column: str) -> pd.DataFrame:
    """Topic x attribute value: answers with a topic, and the column % (of the answers with
    a topic that have this value, the share in each topic)."""
    modelled = units[units["status"] == MODELLED]
    attr = pd.Series(values[modelled["row"].to_numpy() - 1]).replace("", "(blank)")
    frame = pd.DataFrame({"topic": modelled["topic"].to_numpy(), column: attr.to_numpy()})
    counts = frame.groupby(["topic", column]).size().unstack(fill_value=0)
    counts = counts.reindex(sorted(counts.columns, key=str), axis=1)
    long = counts.stack().rename("n").reset_index()
    totals = long.groupby(column)["n"].transform("sum")
    long["percent"] = (100 * long["n"] / totals.where(totals > 0, 1)).round(2)
    return long.sort_values(["topic", column], kind="mergesort").reset_index(drop=True)


def manifest_json(manifest: dict[str, Any]) -> str:
    """The manifest as written (sorted keys; no time stamp, so reruns give the same bytes)."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
