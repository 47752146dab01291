"""Read human coding ("gold") for `qualcode agree`: a wide 0/1 table or a long (id, code) table.

Three layouts are read, from any table format :func:`qualcode.io.read.read_answers` reads:

- a filled coding sheet of `qualcode sample` (xlsx, sheet ``coding``: row, id, question,
  answer, then one 0/1 column per code id);
- a wide one-hot table: an id column, the answer text, one 0/1 column per code (empty = 0);
- a long table: one (id, code) row per code given, ids repeated (e.g. ``lfdn;v_x;tag``); a
  code cell may also list several codes separated by ``;``.

The result is always wide: one row per unit (the id, or (id, question) when the table has a
``question`` column), one 0/1 int8 column per code, with the answer text in
``frame.attrs["text"]`` ({unit: text}) and the layout in ``frame.attrs["layout"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from qualcode.errors import Location, QualcodeError
from qualcode.io.columns import _check as check_column
from qualcode.io.columns import infer_id

#: Columns of a coding sheet (and similar) that are never codes.
META = {"row", "id", "question", "answer", "text", "comment", "notes", "coder"}
#: Names of the code column of a long table.
CODE_COLUMNS = ("code", "codes", "tag", "tags", "label", "category", "theme")
ONES = {"1", "1.0", "true", "yes", "x"}
ZEROS = {"", "0", "0.0", "false", "no"}


def read_gold(
    path: str | Path,
    id: str | None = None,
    mapping: Mapping[str, str] | None = None,
    *,
    layout: str | None = None,
) -> pd.DataFrame:
    """Read human coding from `path` as a wide 0/1 table indexed by unit (see the module).

    `id` names the id column (inferred when unambiguous, else E711); `mapping` renames gold
    code names to codebook ids (several names may map to one id: any of them counts);
    `layout` forces "wide" or "long" (detected by default: long when no column other than
    the id holds only 0/1 values and ids repeat, or a column is named like ``tag``/``code``).
    """
    from qualcode.io.read import read_answers

    path = Path(path)
    sheet = None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheet = _coding_sheet(path)
    frame, _ = read_answers(path, sheet=sheet)
    frame.columns = [str(c) for c in frame.columns]
    if id is None:
        id = "id" if "id" in frame.columns else infer_id(frame)
        if id is None:
            raise QualcodeError(
                "E711", Location(str(path)), path=path, columns=", ".join(frame.columns)
            )
    else:
        check_column(id, list(frame.columns), str(path))
    keys = [id] + (["question"] if "question" in frame.columns and id != "question" else [])
    binary = [c for c in frame.columns if c not in keys and c.lower() not in META
              and _is_binary(frame[c])]  # fmt: skip
    if {"row", "id", "question", "answer"} <= set(frame.columns):  # a `qualcode sample` sheet
        binary = [c for c in frame.columns if c not in keys and c.lower() not in META]
    code_col = next((c for c in frame.columns if c.lower() in CODE_COLUMNS), None)
    if layout is None:
        repeated = bool(frame.duplicated(subset=keys).any())
        named_long = code_col is not None and code_col not in binary
        layout = "long" if named_long or (not binary and repeated) else "wide"
    if layout == "long":
        if code_col is None:
            code_col = [c for c in frame.columns if c not in keys][-1]
        wide = _from_long(frame, keys, code_col)
    else:
        if not binary:
            raise QualcodeError("E712", Location(str(path)), path=path)
        wide = frame[keys + binary].copy()
        for c in binary:
            wide[c] = frame[c].astype(str).str.strip().str.lower().isin(ONES).astype("int8")
        wide = wide.groupby(keys, sort=False).max()
    text_col = _text_column(frame, keys, code_col if layout == "long" else None, binary)
    if mapping:
        wide = _apply_mapping(wide, mapping)
    wide = wide.astype("int8")
    wide.attrs["layout"] = layout
    wide.attrs["id"] = id
    wide.attrs["text"] = {}
    if text_col is not None:
        texts = frame.drop_duplicates(subset=keys).set_index(keys)[text_col]
        wide.attrs["text"] = {k: str(v) for k, v in texts.items()}
    return wide


def _coding_sheet(path: Path) -> str | None:
    """The sheet "coding" when the workbook has one, else the first sheet."""
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        names = book.sheetnames
        book.close()
    except Exception:  # unreadable: read_answers says why
        return None
    return "coding" if "coding" in names else None


def _is_binary(column: pd.Series) -> bool:
    values = set(column.astype(str).str.strip().str.lower().unique())
    return bool(values) and values <= (ONES | ZEROS) and bool(values & ONES)


def _from_long(frame: pd.DataFrame, keys: list[str], code_col: str) -> pd.DataFrame:
    # A cell may list several codes separated by ";" (as many exports write multi-coding).
    pairs = frame[keys].copy()
    pairs["_code"] = frame[code_col].astype(str).str.split(";")
    pairs = pairs.explode("_code")
    pairs["_code"] = pairs["_code"].str.strip()
    pairs = pairs[pairs["_code"] != ""]
    wide = pd.crosstab([pairs[k] for k in keys], pairs["_code"]).clip(upper=1)
    wide.columns.name = None
    everyone = frame[keys].drop_duplicates()
    index = pd.MultiIndex.from_frame(everyone) if len(keys) > 1 else pd.Index(everyone[keys[0]])
    index.names = keys
    wide.index.names = keys
    return wide.reindex(index, fill_value=0)


def _text_column(
    frame: pd.DataFrame, keys: list[str], code_col: str | None, binary: list[str]
) -> str | None:
    if "answer" in frame.columns:
        return "answer"
    rest = [c for c in frame.columns if c not in keys and c != code_col and c not in binary]
    if not rest:
        return None
    lengths = {c: frame[c].astype(str).str.len().mean() for c in rest}
    longest: str = max(rest, key=lambda c: lengths[c])
    return longest


def _apply_mapping(wide: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    out: dict[str, pd.Series] = {}
    for column in wide.columns:
        target = mapping.get(column, column)
        out[target] = out[target] | wide[column] if target in out else wide[column]
    return pd.DataFrame(out, index=wide.index)


def read_map_file(path: str | Path) -> dict[str, str]:
    """A YAML mapping {gold name: codebook id} (a code id may also list gold names)."""
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QualcodeError("E713", Location(str(path)), path=path, problem=exc) from None
    if not isinstance(data, dict):
        raise QualcodeError("E713", Location(str(path)), path=path, problem="not a mapping")
    mapping: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, list):  # codebook id: [gold names]
            mapping.update({str(v): str(key) for v in value})
        else:
            mapping[str(key)] = str(value)
    return mapping


def parse_map(items: list[str]) -> dict[str, str]:
    """``--map gold=codebook_id`` options as a mapping."""
    mapping = {}
    for item in items:
        gold, sep, target = item.rpartition("=")
        if not sep or not gold.strip() or not target.strip():
            raise QualcodeError("E713", None, path="--map", problem=f"{item!r} is not gold=id")
        mapping[gold.strip()] = target.strip()
    return mapping


__all__ = ["parse_map", "read_gold", "read_map_file"]
