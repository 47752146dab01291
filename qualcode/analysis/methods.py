"""A methods paragraph for a paper, filled in from a run's manifest (`qualcode methods`).

Everything a reader needs to reproduce or judge automated coding is already in
``manifest.json``: the codebook's name, version and SHA-256, the qualcode, spaCy and Python
versions, the pipeline, the options, the input's SHA-256 and row counts. This module states
it in prose, plus the agreement with human coding when an `agree` table is given, so a
methods section quotes the run rather than someone's memory of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.coding.result import Coding
from qualcode.errors import Location, QualcodeError

#: How negation modes read in prose.
_NEGATION = {
    "exclude": "negated mentions (NegEx-style detection) did not count",
    "flag": "negated mentions (NegEx-style detection) counted and were flagged",
    "ignore": "negation was not checked",
}


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _interval(row: Mapping[str, Any], metric: str) -> str:
    low, high = row.get(f"{metric}_low"), row.get(f"{metric}_high")
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return ""
    return f" (95% CI {_fmt(low)}–{_fmt(high)})"


def read_agreement(path: str | Path) -> pd.DataFrame:
    """The per-code table written by `qualcode agree ... -o FILE` (.csv, .xlsx or .parquet)."""
    from qualcode.io.tables import read_table

    path = Path(path)
    where = Location(str(path))
    fmt = path.suffix.lower().lstrip(".")
    if not path.is_file():
        raise QualcodeError("E756", where, path=path, problem="no such file")
    if fmt not in ("csv", "xlsx", "parquet"):
        raise QualcodeError("E756", where, path=path, problem="not a .csv, .xlsx or .parquet file")
    frame = read_table(path, fmt)
    missing = [c for c in ("code", "n", "kappa", "f1", "precision", "recall") if c not in frame]
    if missing:
        problem = f"no column(s) {', '.join(missing)}"
        raise QualcodeError("E756", where, path=path, problem=problem)
    numeric = {c: pd.to_numeric(frame[c], errors="coerce") for c in frame.columns if c != "code"}
    return frame.assign(**numeric)


def agreement_sentence(table: pd.DataFrame, reference: str = "human coding") -> str:
    """One or two sentences on agreement from a `qualcode agree` table (per code, then the
    "(micro)" and "(macro)" rows); `reference` says what the machine was compared with."""
    rows = table.set_index("code")
    per_code = rows.drop(index=[c for c in ("(micro)", "(macro)") if c in rows.index])
    n = int(per_code["n"].max()) if len(per_code) else 0
    parts = [f"Agreement with {reference} was measured on {n:,} units for {len(per_code)} codes"]
    if "(micro)" in rows.index:
        micro = rows.loc["(micro)"]
        parts.append(
            f"; pooled over codes, F1 was {_fmt(micro['f1'])}{_interval(micro, 'f1')}, "
            f"precision {_fmt(micro['precision'])} and recall {_fmt(micro['recall'])}"
        )
    text = "".join(parts) + "."
    kappas = per_code["kappa"].dropna()
    if len(kappas):
        text += (
            f" Cohen's kappa per code ranged from {_fmt(kappas.min())} to {_fmt(kappas.max())}"
            f" (median {_fmt(kappas.median())}; undefined for {len(per_code) - len(kappas)}"
            " codes without variation)."
            if len(kappas) < len(per_code)
            else f" Cohen's kappa per code ranged from {_fmt(kappas.min())} to "
            f"{_fmt(kappas.max())} (median {_fmt(kappas.median())})."
        )
    text += " Intervals are bootstrap percentile intervals over units (seeded)."
    return text


def negation_clause(summary: pd.DataFrame) -> str:
    """How negation was handled, from the summary's per-code `negation` column."""
    if "negation" not in summary:
        return ""
    modes = summary["negation"].astype(str).value_counts()
    if len(modes) == 1:
        return _NEGATION.get(next(iter(modes.index)), "")
    parts = [
        f"{_NEGATION.get(mode, mode)} for {n} code{'s' if n != 1 else ''}"
        for mode, n in sorted(modes.items(), key=lambda item: (-item[1], item[0]))
    ]
    return "; ".join(parts)


def review_sentence(review: Mapping[str, Any]) -> str:
    """What a person changed, from the ``review`` section `qualcode finalize` writes."""
    answers = int(review.get("answers_reviewed", 0))
    respondents = int(review.get("respondents_reviewed", 0))
    how = (
        "coded blind (the machine's codes hidden)"
        if review.get("blind")
        else "reviewed the machine coding of"
    )
    text = (
        f"A person (coder {review.get('coder', '')}) then {how} {answers:,} "
        f"answer{'s' if answers != 1 else ''} from {respondents:,} "
        f"respondent{'s' if respondents != 1 else ''} in qualcode's review workbench, "
        f"making {int(review.get('decisions_applied', 0)):,} decisions: "
        f"{int(review.get('cells_human_accepted', 0)):,} respondent-code assignments were "
        f"confirmed, {int(review.get('cells_human_rejected', 0)):,} rejected and "
        f"{int(review.get('cells_human_added', 0)):,} added, changing "
        f"{int(review.get('changed_cells', 0)):,} of the machine's assignments; the figures "
        f"above include these changes."
    )
    stale = int(review.get("decisions_stale", 0))
    orphaned = int(review.get("decisions_orphaned", 0))
    if stale or orphaned:
        text += (
            f" {stale:,} decisions made on answers whose text later changed and {orphaned:,} "
            "about codes no longer in the codebook were not applied."
        )
    return text


def methods_statement(
    coding: Coding, agreement: pd.DataFrame | None = None, reference: str = "human coding"
) -> str:
    """A methods paragraph (Markdown) for a :class:`~qualcode.coding.result.Coding` (its
    manifest and summary), with agreement from a `qualcode agree` table when given, then a
    provenance list with the exact identifiers to report. `reference` names what the
    agreement table compared with (e.g. "two trained coders' blind coding of 200 answers")."""
    manifest: Mapping[str, Any] = coding.manifest
    book = manifest.get("codebook", {})
    counts = manifest.get("counts", {})
    options = manifest.get("options", {})
    pipeline = manifest.get("pipeline", {})
    source = manifest.get("input", {})
    questions = [q.get("column", "") for q in manifest.get("questions", [])]
    codes = manifest.get("codes", [])
    version = f" version {book['version']}" if book.get("version") else ""
    answered = int(counts.get("answered", 0))
    coded = int(counts.get("coded_any", 0))
    share = f" ({100 * coded / answered:.1f}%)" if answered else ""
    negation_text = negation_clause(coding.summary_table)
    unit = options.get("unit", "sentence")
    lines = [
        f"Free-text answers to {len(questions)} open "
        f"question{'s' if len(questions) != 1 else ''} "
        f"({', '.join(questions)}) from {int(counts.get('rows', 0)):,} respondents were coded "
        f"automatically with qualcode {manifest.get('qualcode', '')} against the codebook "
        f'"{book.get("name", "")}"{version} ({len(codes)} codes; SHA-256 '
        f"{str(book.get('sha256', ''))[:12]}…). Answers were tokenised with spaCy "
        f"{pipeline.get('spacy', '')} ({pipeline.get('name', '')}); codes were assigned by "
        f"the codebook's published match rules (words with their inflections, phrases, "
        f"patterns and proximity rules), within {unit}s; {negation_text}; a parent code was "
        f"assigned when any of its sub-codes was. Of the {answered:,} respondents who "
        f"answered, {coded:,}{share} were assigned at least one code.",
    ]
    if isinstance(manifest.get("review"), Mapping):  # a `qualcode finalize` folder
        lines += ["", review_sentence(manifest["review"])]
    if agreement is not None:
        lines.append("")
        lines.append(agreement_sentence(agreement, reference))
    lines += [
        "",
        "Provenance (report these so the coding can be reproduced):",
        "",
        f"- qualcode {manifest.get('qualcode', '')}, Python {manifest.get('python', '')}, "
        f"spaCy {pipeline.get('spacy', '')}, pipeline `{pipeline.get('name', '')}`",
        f'- codebook "{book.get("name", "")}"{version}, SHA-256 `{book.get("sha256", "")}`',
        f"- input `{source.get('path', '')}`, SHA-256 `{source.get('sha256', '')}`, "
        f"{int(source.get('rows', 0)):,} rows, encoding {source.get('encoding', '')}",
        f"- options: unit {unit}, negation {options.get('negation') or 'per codebook'}, "
        f"text {', '.join(questions)}, id {options.get('id') or '(row number)'}",
        f"- run {manifest.get('created_utc', '')}",
    ]
    return "\n".join(lines) + "\n"
