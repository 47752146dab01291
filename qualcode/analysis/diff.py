"""What changed between two codings of the same answers (e.g. two versions of a codebook).

:func:`diff_codings` compares two :class:`~qualcode.coding.result.Coding` objects (as
`load_coding` gives back two `qualcode apply` output folders) and returns a :class:`RunDiff`:

- ``codes``: one row per code of either codebook, the new codebook's codes in its order, then
  the codes it removed in the old codebook's order. Per code: respondents coded before and
  after (missing when the code is not in that codebook), the change, the respondents gained
  (coded now, not before) and lost, and what changed in the codebook (added, removed,
  relabelled, moved in the hierarchy, rules added or removed when both codebooks are at hand).
- ``changes``: one row per changed (respondent, code), in row then code order, with the
  segment that explains it: for a gain the new run's segment, for a loss the old run's. A
  parent code is explained by a segment of any code below it (``via`` names which). Of the
  explaining segments, the first one that is not negated is taken (in the order of
  segments.csv: question, position), else the first one.

The unit is the respondent by default: an input row (a row of ``coded.csv``). Both codings
must come from the same data, checked by :func:`check_same_data`; rows are then matched by
position, which is exact even when ids repeat. A code missing from one codebook counts as
coded by no one there, so every respondent of an added code is gained and every one of a
removed code lost.

With ``unit="answer"`` the unit is one answer: a (row, question) pair. A code counts for an
answer when a segment of that code or of a code below it (its ``code_path`` holds the code)
in that question counts, as :func:`qualcode.analysis.topic_run.coded_answers` decides: every
segment except a negated one of a code whose negation mode (``negation`` in the summary
table, where `apply --negation` already shows) is "exclude". This is the rule the engine
codes a respondent by, so a respondent is coded exactly when one of their answers is. It is
derived from the segments, so it works whether or not the runs were made with
`apply --per-question`. Counts are then answers, gains and losses are (row, question, code),
and each change is explained by a segment of that answer (the first that counts, else the
first). A respondent who gains a code in one question and loses it in another shows no
change by respondent, and one gain and one loss by answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualcode.codebook.model import Codebook, check_code_ids
from qualcode.coding.outdir import CORE_TABLES, MANIFEST, is_output_dir
from qualcode.coding.result import Coding, load_coding
from qualcode.errors import Location, QualcodeError

#: Columns of :attr:`RunDiff.codes`.
CODE_COLUMNS = [
    "code", "label", "old_label", "path", "depth", "before", "after", "change", "gained",
    "lost", "status", "rules_added", "rules_removed", "changed",
]  # fmt: skip
#: What :func:`diff_codings` can count: respondents (input rows) or answers (row, question).
UNITS = ("respondent", "answer")
#: Columns of :attr:`RunDiff.changes`.
CHANGE_COLUMNS = [
    "row", "id", "code", "label", "change", "question", "via", "match", "quote", "rule",
    "negated", "segments",
]  # fmt: skip


@dataclass
class RunDiff:
    """The difference between two codings (see the module docstring for the rules)."""

    codes: pd.DataFrame
    changes: pd.DataFrame
    #: What each side is: ``{"old": {...}, "new": {...}}`` with the folder, codebook name,
    #: version and sha256, and the input path, sha256 and rows.
    header: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: What is counted: "respondent" (input rows) or "answer" ((row, question) pairs).
    unit: str = "respondent"

    @property
    def changed(self) -> bool:
        """True when a respondent gained or lost a code, or a code was added or removed."""
        return bool(self.codes["changed"].any())

    @property
    def gained(self) -> int:
        """Respondent (or answer) codings gained, over all codes shown."""
        return int(self.codes["gained"].sum())

    @property
    def lost(self) -> int:
        """Respondent (or answer) codings lost, over all codes shown."""
        return int(self.codes["lost"].sum())

    def summary_line(self) -> str:
        """The one-line verdict: "N codes changed, +G/−L respondent codings" ("answer
        codings" by answer)."""
        n = int(self.codes["changed"].sum())
        codes = f"{n} code{'' if n == 1 else 's'}"
        return f"{codes} changed, +{self.gained}/−{self.lost} {self.unit} codings"

    def select(self, codes: Sequence[str]) -> RunDiff:
        """The same diff restricted to `codes` (ids of either codebook, kept in table order).
        An unknown id raises E501 with a did-you-mean."""
        check_code_ids(codes, self.codes["code"].tolist())
        wanted = set(codes)
        keep_codes = self.codes[self.codes["code"].isin(wanted)].reset_index(drop=True)
        keep_changes = self.changes[self.changes["code"].isin(wanted)].reset_index(drop=True)
        return replace(self, codes=keep_codes, changes=keep_changes)

    def examples(self, per_code: int = 3) -> pd.DataFrame:
        """Up to `per_code` gains and `per_code` losses per code (the first rows of
        :attr:`changes`, in input order), in the order of :attr:`codes`, gains first: the
        quotes to show on screen."""
        if per_code <= 0 or self.changes.empty:
            return self.changes.iloc[0:0]
        ranked = self.changes.groupby(["code", "change"], sort=False).cumcount()
        chosen = self.changes[ranked < per_code]
        # In the order of the codes table, gains before losses, then input order.
        order = {code: k for k, code in enumerate(self.codes["code"])}
        keys = chosen["code"].map(order) * 2 + (chosen["change"] == "lost")
        return chosen.iloc[np.argsort(keys.to_numpy(), kind="stable")].reset_index(drop=True)


def check_same_data(old: Coding, new: Coding, old_name: str, new_name: str) -> list[str]:
    """Raise E755 unless both codings are of the same data: the same number of rows and the
    same input columns and cells. The input files' sha256 being equal is not required (a file
    re-saved with other line endings or encoding holds the same answers); a note says so.
    Returns notes about differences that do not stop the comparison."""
    problem = _data_difference(old.data, new.data)
    if problem:
        raise QualcodeError("E755", Location(new_name), old=old_name, new=new_name, problem=problem)
    notes = []
    old_in, new_in = old.manifest.get("input") or {}, new.manifest.get("input") or {}
    if old_in.get("sha256") and new_in.get("sha256") and old_in["sha256"] != new_in["sha256"]:
        notes.append("The input files differ in their bytes (sha256) but hold the same answers.")
    old_opt, new_opt = old.manifest.get("options") or {}, new.manifest.get("options") or {}
    for key, what in (("text", "text columns"), ("id", "id column"), ("negation", "negation"),
                      ("unit", "unit")):  # fmt: skip
        if old_opt.get(key) != new_opt.get(key):
            notes.append(f"The runs differ in their {what}: {old_opt.get(key)} → "
                         f"{new_opt.get(key)}.")  # fmt: skip
    return notes


def _data_difference(old: pd.DataFrame, new: pd.DataFrame) -> str:
    """'' when the two input tables are the same, else what differs first."""
    if len(old) != len(new):
        return f"{len(old)} rows against {len(new)}"
    if list(old.columns) != list(new.columns):
        gone = [c for c in old.columns if c not in new.columns]
        added = [c for c in new.columns if c not in old.columns]
        what = "; ".join(
            part for part in (gone and f"only the old has {', '.join(map(str, gone))}",
                              added and f"only the new has {', '.join(map(str, added))}") if part
        ) or "the columns are in another order"  # fmt: skip
        return f"the input columns differ ({what})"
    for column in old.columns:
        a = old[column].astype("string").fillna("").to_numpy(dtype=object)
        b = new[column].astype("string").fillna("").to_numpy(dtype=object)
        unequal = np.flatnonzero(a != b)
        if len(unequal):
            return f"row {int(unequal[0]) + 1}, column '{column}' differs"
    return ""


def recorded_codebook(coding: Coding) -> Codebook | None:
    """The codebook a coding was made with, when it is still at the path its manifest records
    (relative to the working directory) with the same sha256; else None."""
    from qualcode.codebook.load import load_codebook

    recorded = coding.manifest.get("codebook") or {}
    path = recorded.get("path")
    if not path or not Path(path).is_file():
        return None
    try:
        book = load_codebook(path)
    except QualcodeError:
        return None
    return book if book.sha256 and book.sha256 == recorded.get("sha256") else None


def _rules(book: Codebook | None) -> dict[str, set[str]]:
    """Each code's rules as written (``unless: ...`` for exclusions)."""
    if book is None:
        return {}
    return {
        code.id: {r.source for r in code.match} | {f"unless: {r.source}" for r in code.unless}
        for code in book.walk()
    }


def _info(coding: Coding) -> pd.DataFrame:
    """code -> label, path, depth (from summary), in the coding's code order."""
    order = list(coding.manifest.get("codes") or coding.matrix.columns)
    summary = coding.summary_table.drop_duplicates("code").set_index("code")
    return pd.DataFrame({
        "label": [str(summary.at[c, "label"]) if c in summary.index else c for c in order],
        "path": [str(summary.at[c, "path"]) if c in summary.index else c for c in order],
        "depth": [int(summary.at[c, "depth"]) if c in summary.index else 0 for c in order],
    }, index=pd.Index(order, name="code"))  # fmt: skip


def _side(coding: Coding, name: str) -> dict[str, Any]:
    book = coding.manifest.get("codebook") or {}
    source = coding.manifest.get("input") or {}
    return {
        "folder": name,
        "codebook": book.get("name"),
        "codebook_version": book.get("version"),
        "codebook_sha256": book.get("sha256"),
        "codebook_path": book.get("path"),
        "input": source.get("path"),
        "input_sha256": source.get("sha256"),
        "rows": len(coding.data),
    }


def diff_codings(
    old: Coding,
    new: Coding,
    *,
    old_name: str = "old",
    new_name: str = "new",
    old_codebook: Codebook | None = None,
    new_codebook: Codebook | None = None,
    unit: str = "respondent",
) -> RunDiff:
    """Compare two codings of the same data (see the module docstring).

    `old_name` and `new_name` (e.g. the folders) name the sides in the header and in the
    E755 error raised when the data differ. With both codebooks given, each code's rules added
    and removed are listed; otherwise those columns are empty and a note says why. `unit` is
    "respondent" (an input row) or "answer" (a row's answer to one question; derived from the
    segments).
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    notes = check_same_data(old, new, old_name, new_name)
    old_info, new_info = _info(old), _info(new)
    codes = [*new_info.index, *(c for c in old_info.index if c not in new_info.index)]
    answers: list[tuple[int, str]] = []
    if unit == "answer":
        answers = _answers(old, new)
        before = _answer_matrix(old, codes, answers)
        after = _answer_matrix(new, codes, answers)
    else:
        n = len(new.data)
        before = _aligned(old, codes, n)
        after = _aligned(new, codes, n)
    gained_mask = (after == 1) & (before == 0)
    lost_mask = (after == 0) & (before == 1)

    with_rules = old_codebook is not None and new_codebook is not None
    old_rules, new_rules = _rules(old_codebook), _rules(new_codebook)
    if not with_rules:
        notes.append("Rule changes are not listed: the codebooks recorded in the manifests are "
                     "not both at hand unchanged.")  # fmt: skip
    rows = []
    for k, code in enumerate(codes):
        in_old, in_new = code in old_info.index, code in new_info.index
        info = new_info.loc[code] if in_new else old_info.loc[code]
        old_label = str(old_info.at[code, "label"]) if in_old else ""
        status = []
        if not in_old:
            status.append("added")
        elif not in_new:
            status.append("removed")
        else:
            if old_label != str(info["label"]):
                status.append("relabelled")
            if str(old_info.at[code, "path"]) != str(info["path"]):
                status.append("moved")
        added = sorted(new_rules.get(code, set()) - old_rules.get(code, set()))
        removed = sorted(old_rules.get(code, set()) - new_rules.get(code, set()))
        if with_rules and in_old and in_new and (added or removed):
            status.append(
                " ".join(
                    [
                        "rules",
                        *([f"+{len(added)}"] if added else []),
                        *([f"−{len(removed)}"] if removed else []),
                    ]
                )
            )
        n_before = int(before[:, k].sum()) if in_old else None
        n_after = int(after[:, k].sum()) if in_new else None
        g, lo = int(gained_mask[:, k].sum()), int(lost_mask[:, k].sum())
        rows.append({
            "code": code, "label": str(info["label"]), "old_label": old_label,
            "path": str(info["path"]), "depth": int(info["depth"]),
            "before": n_before, "after": n_after, "change": (n_after or 0) - (n_before or 0),
            "gained": g, "lost": lo, "status": ", ".join(status),
            "rules_added": "; ".join(added) if with_rules else None,
            "rules_removed": "; ".join(removed) if with_rules else None,
            "changed": bool(g or lo or not in_old or not in_new),
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=CODE_COLUMNS)
    for column in ("before", "after"):
        frame[column] = frame[column].astype("Int64")
    labels = dict(zip(frame["code"], frame["label"]))
    if unit == "answer":
        changes = _answer_changes(old, new, codes, labels, answers, gained_mask, lost_mask)
    else:
        changes = _changes(old, new, codes, labels, gained_mask, lost_mask)
    header = {"old": _side(old, old_name), "new": _side(new, new_name)}
    return RunDiff(codes=frame, changes=changes, header=header, notes=notes, unit=unit)


def _aligned(coding: Coding, codes: list[str], n: int) -> np.ndarray:
    """The coding's 0/1 matrix over `codes` (a code it does not have: all 0), rows x codes."""
    out = np.zeros((n, len(codes)), dtype=np.int8)
    for k, code in enumerate(codes):
        if code in coding.matrix.columns:
            out[:, k] = coding.matrix[code].to_numpy(dtype=np.int8)
    return out


def _explaining(coding: Coding, keys: list[str], avoid: str) -> pd.DataFrame:
    """Per group of `keys` (``row``, ``question`` and ``anc``: a code or an ancestor in the
    segment's code_path): the explaining segment (the first without `avoid`, "negated" or
    "skip" (does not count), else the first) and how many segments there are."""
    seg = _by_answer(coding)
    counts = seg.groupby(keys).size()
    first = seg.sort_values([avoid, "order"], kind="stable").drop_duplicates(keys)
    fields = [c for c in ("via", "question", "match", "quote", "rule", "negated") if c not in keys]
    first = first.set_index(keys)[fields]
    first["segments"] = counts.reindex(first.index).to_numpy()
    return first


def _change_rows(
    new: Coding,
    codes: list[str],
    labels: dict[str, str],
    units: list[tuple[int, str | None]],
    explain: dict[str, pd.DataFrame],
    gained: np.ndarray,
    lost: np.ndarray,
) -> pd.DataFrame:
    """One row per changed (unit, code), in unit then code order, with the segment that
    explains it. A unit is (row, None) for a respondent or (row, question) for an answer."""
    ids = _ids(new)
    fields = ("question", "via", "match", "quote", "rule")
    rows = []
    for i, k in np.argwhere(gained.astype(bool) | lost.astype(bool)).tolist():
        kind = "gained" if gained[i, k] else "lost"
        row, question = units[i]
        key = (row, codes[k]) if question is None else (row, question, codes[k])
        table = explain[kind]
        hit = table.loc[key] if key in table.index else None
        found = {c: hit[c] for c in fields if c in hit.index} if hit is not None else {}
        if question is not None:
            found["question"] = question
        rows.append({
            "row": row, "id": ids[row - 1], "code": codes[k], "label": labels[codes[k]],
            "change": kind, **{c: found.get(c, "") for c in fields},
            "negated": bool(hit["negated"]) if hit is not None else False,
            "segments": int(hit["segments"]) if hit is not None else 0,
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return frame.astype({"row": np.int64, "negated": bool, "segments": np.int64})


def _changes(
    old: Coding,
    new: Coding,
    codes: list[str],
    labels: dict[str, str],
    gained: np.ndarray,
    lost: np.ndarray,
) -> pd.DataFrame:
    """One row per changed (respondent, code), row then code order, with its explanation
    (the first segment of the code or below it that is not negated, else the first)."""
    keys = ["row", "anc"]
    explain = {
        "gained": _explaining(new, keys, "negated"),
        "lost": _explaining(old, keys, "negated"),
    }
    units: list[tuple[int, str | None]] = [(i + 1, None) for i in range(len(gained))]
    return _change_rows(new, codes, labels, units, explain, gained, lost)


# --- the answer unit ---------------------------------------------------------------------


def _by_answer(coding: Coding) -> pd.DataFrame:
    """The coding's segments, one row per (segment, code or ancestor in its code_path) as
    ``anc``, with ``order`` (segments.csv position), ``counts`` (`Coding.counting`) and its
    negation ``skip``."""
    seg = coding.segments.reset_index(drop=True)
    if seg.empty:
        return pd.DataFrame(columns=["row", "question", "anc", "via", "match", "quote", "rule",
                                     "negated", "order", "counts", "skip"])  # fmt: skip
    counts = coding.counting().to_numpy(dtype=bool)
    return seg.assign(
        row=seg["row"].astype(np.int64),
        question=seg["question"].astype(str),
        via=seg["code"].astype(str),
        anc=seg["code_path"].astype(str).str.split("/"),
        negated=seg["negated"].astype(bool),
        order=np.arange(len(seg)),
        counts=counts,
        skip=~counts,
    ).explode("anc")


def _answers(old: Coding, new: Coding) -> list[tuple[int, str]]:
    """Every (row, question) either run may have coded, row then question order (the text
    columns' order of the new run, then any other question in name order)."""
    questions: list[str] = []
    for coding in (new, old):
        text = (coding.manifest.get("options") or {}).get("text") or []
        for q in [text] if isinstance(text, str) else text:
            if str(q) not in questions:
                questions.append(str(q))
    seen = {str(q) for c in (old, new) for q in c.segments["question"].astype(str)}
    questions += sorted(seen - set(questions))
    return [(i, q) for i in range(1, len(new.data) + 1) for q in questions]


def _answer_matrix(coding: Coding, codes: list[str], answers: list[tuple[int, str]]) -> np.ndarray:
    """0/1 per (answer, code): the answer has a counting segment of the code or below it."""
    out = np.zeros((len(answers), len(codes)), dtype=np.int8)
    seg = _by_answer(coding)
    seg = seg[seg["counts"].astype(bool)]
    where = {a: i for i, a in enumerate(answers)}
    column = {c: k for k, c in enumerate(codes)}
    for row, question, anc in (
        seg[["row", "question", "anc"]].drop_duplicates().itertuples(index=False)
    ):
        if anc in column:
            out[where[(int(row), str(question))], column[anc]] = 1
    return out


def _answer_changes(
    old: Coding,
    new: Coding,
    codes: list[str],
    labels: dict[str, str],
    answers: list[tuple[int, str]],
    gained: np.ndarray,
    lost: np.ndarray,
) -> pd.DataFrame:
    """One row per changed (answer, code), row, question then code order, explained by a
    segment of that answer (the first that counts, else the first)."""
    keys = ["row", "question", "anc"]
    explain = {"gained": _explaining(new, keys, "skip"), "lost": _explaining(old, keys, "skip")}
    units: list[tuple[int, str | None]] = list(answers)
    return _change_rows(new, codes, labels, units, explain, gained, lost)


def _ids(coding: Coding) -> list[str]:
    """Each row's respondent id: the id column of the run, else the row number."""
    column = (coding.manifest.get("options") or {}).get("id")
    if column and column in coding.data.columns:
        return coding.data[column].astype("string").fillna("").tolist()
    return [str(i) for i in range(1, len(coding.data) + 1)]


def load_applied(outdir: str | Path) -> Coding:
    """`load_coding` of a `qualcode apply` folder; E404 without a qualcode manifest, E757
    when the manifest is another command's (e.g. a `qualcode topics` folder) or a table it
    needs is missing, so that such a folder is an error, not a traceback."""
    outdir = Path(outdir)
    if is_output_dir(outdir):
        manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        command = manifest.get("command")
        problem = ""
        if command not in (None, "apply") or not isinstance(manifest.get("codes"), list):
            problem = f"its {MANIFEST} is of `qualcode {command or '?'}` and lists no codes"
        else:
            fmt = manifest.get("format", "csv")
            missing = [t for t in CORE_TABLES if not (outdir / f"{t}.{fmt}").is_file()]
            if missing:
                problem = f"{', '.join(f'{t}.{fmt}' for t in missing)} missing"
        if problem:
            raise QualcodeError("E757", Location(str(outdir / MANIFEST)), path=outdir,
                                problem=problem)  # fmt: skip
    return load_coding(outdir)


def diff_outputs(old_dir: str | Path, new_dir: str | Path, unit: str = "respondent") -> RunDiff:
    """:func:`diff_codings` of two output folders of `qualcode apply` (E404 when one is not
    one), with the rule changes when both recorded codebooks are still at hand unchanged.
    `unit`: "respondent" or "answer" (see :func:`diff_codings`)."""
    old, new = load_applied(old_dir), load_applied(new_dir)
    return diff_codings(
        old, new, old_name=str(old_dir), new_name=str(new_dir),
        old_codebook=recorded_codebook(old), new_codebook=recorded_codebook(new), unit=unit,
    )  # fmt: skip


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts for JSON: missing values become None, numpy scalars Python ones."""
    out = []
    for record in frame.astype(object).to_dict("records"):
        out.append({k: (None if is_missing(v) else _plain(v)) for k, v in record.items()})
    return out


def is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


__all__ = [
    "CHANGE_COLUMNS", "CODE_COLUMNS", "UNITS", "RunDiff", "check_same_data", "diff_codings",
    "diff_outputs", "load_applied", "recorded_codebook", "to_records",
]  # fmt: skip
