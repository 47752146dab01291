"""Choose the text and id columns: as named by the user, or inferred when unambiguous."""

from __future__ import annotations

import fnmatch
import re

import pandas as pd

from qualcode.errors import Location, QualcodeError, Warnings, did_you_mean

ID_NAMES = re.compile(
    r"^(id|respondent([ _]?id)?|response[ _]?id|participant([ _]?id)?|record[ _]?id|case[ _]?id|"
    r"pid|uid|row_?id|comment_?id)$",
    re.IGNORECASE,
)


def resolve_columns(
    frame: pd.DataFrame,
    text: str | list[str] | tuple[str, ...] | None,
    id: str | None,
    source: str = "<data>",
    check_duplicates: bool = True,
) -> tuple[list[str], str | None, list[str]]:
    """Return (text columns, id column or None, notes to show the user).

    With `check_duplicates`, a note names duplicate ids in `frame` (a streaming caller that
    sees only the first chunk here checks all ids itself).
    """
    notes: list[str] = []
    columns = [str(c) for c in frame.columns]
    if isinstance(text, str):
        text = [text]
    if id is not None:
        _check(id, columns, source)
    elif (guess := infer_id(frame)) is not None:
        id = guess
        notes.append(Warnings.W303.format(column=id))
    else:
        notes.append(Warnings.W304)
    if id is not None and check_duplicates:
        ids = frame[id].astype(str)
        duplicated = ids[ids.duplicated(keep=False)]
        if len(duplicated):
            notes.append(
                Warnings.W301.format(
                    n=duplicated.nunique(), column=id, example=repr(duplicated.iloc[0])
                )
            )
    if text:
        chosen: list[str] = []
        for name in text:
            if any(ch in name for ch in "*?[") and name not in columns:
                matched = [c for c in columns if fnmatch.fnmatchcase(c, name)]
                if not matched:
                    _check(name, columns, source)
                chosen.extend(m for m in matched if m not in chosen)
            else:
                _check(name, columns, source)
                if name not in chosen:
                    chosen.append(name)
        return chosen, id, notes
    inferred = infer_text(frame, exclude={id} if id else set())
    if not inferred:
        raise QualcodeError(
            "E305", Location(source), path=source, candidates=", ".join(columns) or "(none)"
        )
    notes.append(Warnings.W302.format(columns=", ".join(inferred)))
    return inferred, id, notes


def _check(name: str, columns: list[str], source: str) -> None:
    if name not in columns:
        raise QualcodeError(
            "E304",
            Location(source),
            column=name,
            path=source,
            suggestion=did_you_mean(name, columns),
            available=", ".join(columns),
        )


def infer_id(frame: pd.DataFrame) -> str | None:
    """The column named like an id (the unique one when several are), if that is unambiguous."""
    named = [c for c in frame.columns if ID_NAMES.match(str(c))]
    if len(named) == 1:
        return str(named[0])  # duplicates are warned about, not a reason to ignore the column
    unique = [c for c in named if frame[c].astype(str).is_unique]
    return str(unique[0]) if len(unique) == 1 else None


def infer_text(frame: pd.DataFrame, exclude: set[str]) -> list[str]:
    """Free-text columns: mostly distinct values of several words (not categories)."""
    found = []
    for col in frame.columns:
        if str(col) in exclude:
            continue
        values = frame[col].astype(str).str.strip()
        values = values[values != ""]
        if len(values) == 0:
            continue
        words = values.str.split().str.len().mean()
        distinct = values.nunique() / len(values)
        if words >= 3 and distinct >= 0.5:
            found.append(str(col))
    return found
