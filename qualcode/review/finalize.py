"""`qualcode finalize`: the machine coding with one coder's decisions applied, as a folder.

The finalized folder is an ordinary output folder (every verb that reads one reads it:
``summary``, ``quotes``, ``report``, ``export qdpx``, ``methods``) with:

- ``coded.csv``: one row per input row, the final 0/1 per code;
- ``segments.csv``: the segments that stand, with ``origin`` (machine, human-accepted,
  human-added);
- ``summary.csv``: prevalence recomputed from the final table;
- ``provenance.csv``: per row and code, machine / human-accepted / human-rejected /
  human-added (the id column first);
- ``decisions.csv``: the decisions applied, and those not applied with why (stale,
  orphaned);
- ``gold.csv``: the answers the coder reviewed (row, id, question, answer, 0/1 per code), a
  human coding `qualcode agree gold.csv OUTDIR` reads;
- ``manifest.json``: the source folder's manifest plus a ``review`` section (coder, counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.coding.result import Coding, load_coding
from qualcode.errors import Location, QualcodeError, did_you_mean
from qualcode.review.corpus import ReviewCorpus
from qualcode.review.decide import Reviewed, apply_decisions
from qualcode.review.store import STORE, Decision, ReviewStore, open_store

DECISION_COLUMNS = (
    "status", "coder", "respondent", "question", "code", "start", "end", "decision", "match",
    "row", "text_sha256", "codebook_sha256", "blind", "memo", "created_utc",
)  # fmt: skip


@dataclass
class Finalized:
    """What :func:`finalize` wrote: the folder, the coding saved there and the review."""

    outdir: Path
    coding: Coding
    reviewed: Reviewed
    coder: str


def choose_coder(store: ReviewStore, coder: str | None) -> str:
    """`coder` when the store has decisions of it (E806 otherwise); without a name, the only
    coder (E805 when there are several)."""
    coders = store.coders()
    if coder is None:
        if len(coders) == 1:
            return coders[0]
        if not coders:
            raise QualcodeError(
                "E806", Location(str(store.path)), coder="(any)", path=store.path,
                suggestion="", coders="none yet",
            )  # fmt: skip
        raise QualcodeError(
            "E805", Location(str(store.path)), path=store.path, coders=", ".join(coders)
        )
    if coder not in coders:
        raise QualcodeError(
            "E806", Location(str(store.path)), coder=coder, path=store.path,
            suggestion=did_you_mean(coder, coders), coders=", ".join(coders) or "none yet",
        )  # fmt: skip
    return coder


def reviewed_coding(corpus: ReviewCorpus, reviewed: Reviewed, coder: str) -> Coding:
    """The coding with the decisions applied: final matrix and segments, a recomputed
    summary, the provenance, decisions and gold tables, and a ``review`` manifest section."""
    source = corpus.coding
    summary = _summary(source.summary_table, reviewed)
    id_column = source.manifest.get("options", {}).get("id")
    ids = pd.Series(corpus.respondents, index=source.data.index, name=id_column or "row")
    provenance = pd.concat([ids, reviewed.provenance], axis=1)
    res = reviewed.resolution
    records = [_record(d, "applied") for found in res.applicable.values() for d in found]
    records += [_record(d, "stale") for d in res.stale]
    records += [_record(d, "orphaned") for d in res.orphaned]
    decisions = pd.DataFrame(records, columns=list(DECISION_COLUMNS))
    decisions = decisions.sort_values(["respondent", "question", "code", "start", "end"])
    prov = reviewed.provenance.to_numpy()
    counts = {
        "coder": coder,
        "decisions_applied": res.n_applicable,
        "decisions_stale": len(res.stale),
        "decisions_orphaned": len(res.orphaned),
        "answers_reviewed": len(reviewed.reviewed),
        "respondents_reviewed": len({row for row, _ in reviewed.reviewed}),
        "cells_human_accepted": int((prov == "human-accepted").sum()),
        "cells_human_rejected": int((prov == "human-rejected").sum()),
        "cells_human_added": int((prov == "human-added").sum()),
        "changed_cells": int((reviewed.matrix != corpus.machine_matrix()).to_numpy().sum()),
        "blind": bool(reviewed.states) and all(s.blind for s in reviewed.states.values()),
    }
    manifest = {key: value for key, value in source.manifest.items() if key != "tables"}
    manifest["review"] = counts
    coded_any = int(reviewed.matrix.to_numpy().any(axis=1).sum())
    totals = dict(manifest.get("counts") or {})
    if "coded_any" in totals:
        totals["uncoded"] = int(totals.get("uncoded", 0)) + int(totals["coded_any"]) - coded_any
        totals["coded_any"] = coded_any
        manifest["counts"] = totals
    return Coding(
        data=source.data,
        segments=reviewed.segments,
        matrix=reviewed.matrix,
        summary_table=summary,
        manifest=manifest,
        extra={
            "provenance": provenance.reset_index(drop=True),
            "decisions": decisions.reset_index(drop=True),
            "gold": gold_table(corpus, reviewed),
        },
    )


def gold_table(corpus: ReviewCorpus, reviewed: Reviewed) -> pd.DataFrame:
    """The answers the coder reviewed, as a human coding: row, id, question, answer and 0/1
    per code, parents included (the layout of a `qualcode sample` sheet, which `agree`
    reads)."""
    leaves = [c.id for c in corpus.codes]
    rows = []
    for (row, question), state in sorted(reviewed.states.items()):
        record: dict[str, Any] = {
            "row": row, "id": corpus.respondents[row - 1], "question": question,
            "answer": corpus.text(row, question),
        }  # fmt: skip
        record.update({c: int(c in state.on) for c in leaves})
        rows.append(record)
    return pd.DataFrame(rows, columns=["row", "id", "question", "answer", *leaves])


def _record(d: Decision, status: str) -> dict[str, Any]:
    values = d.as_dict()
    values["status"] = status
    return {c: values[c] for c in DECISION_COLUMNS}


def _summary(summary: pd.DataFrame, reviewed: Reviewed) -> pd.DataFrame:
    from qualcode.coding.stats import wilson_interval

    out = summary.copy()
    seg = reviewed.segments
    paths = seg["code_path"].astype(str).str.split("/") if len(seg) else pd.Series([], dtype=object)
    negated = seg["negated"].astype(bool).tolist() if len(seg) else []
    n_seg: dict[str, int] = {}
    n_neg: dict[str, int] = {}
    for path, neg in zip(paths, negated):
        for code in path:
            n_seg[code] = n_seg.get(code, 0) + 1
            n_neg[code] = n_neg.get(code, 0) + int(neg)
    for i, code in enumerate(out["code"].astype(str)):
        n = int(reviewed.matrix[code].sum())
        answered = int(out.at[i, "answered"])
        low, high = wilson_interval(n, answered)
        out.at[i, "coded"] = n
        out.at[i, "percent"] = round(100 * n / answered, 2) if answered else math.nan
        out.at[i, "ci95_low"] = round(100 * low, 2)
        out.at[i, "ci95_high"] = round(100 * high, 2)
        out.at[i, "segments"] = n_seg.get(code, 0)
        out.at[i, "negated_segments"] = n_neg.get(code, 0)
    return out


def finalize(
    outdir: str | Path, output: str | Path | None = None, coder: str | None = None
) -> Finalized:
    """Apply `coder`'s decisions in ``OUTDIR/review.sqlite`` to the coding in `outdir` and
    save the result as an output folder `output` (default ``<OUTDIR>.final`` beside it)."""
    outdir = Path(outdir)
    coding = load_coding(outdir)
    store = open_store(outdir, create=False)
    try:
        name = choose_coder(store, coder)
        decisions = store.current(coder=name)
    finally:
        store.close()
    target = Path(output) if output is not None else outdir.parent / f"{outdir.name}.final"
    if target.resolve() == outdir.resolve():
        raise QualcodeError("E808", Location(str(target)), path=target)
    corpus = ReviewCorpus.from_coding(coding)
    reviewed = apply_decisions(corpus, decisions)
    final = reviewed_coding(corpus, reviewed, name)
    final.save(target)
    return Finalized(outdir=target, coding=final, reviewed=reviewed, coder=name)


__all__ = ["STORE", "Finalized", "choose_coder", "finalize", "gold_table", "reviewed_coding"]
