"""Cell values to text: every answer and attribute is read as a string.

Spreadsheets, Parquet, JSON and SPSS hand us numbers, dates and booleans; they become the text
a researcher would see in Excel, so "017" ids, dates and Likert labels travel unchanged.
Missing values (None, NaN, NaT) become "" ("no answer"). Text is normalised the same way
for every format: NFC and `\\n` line endings, so offsets mean the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
import unicodedata
from typing import Any


def normalise_text(text: str) -> str:
    """NFC and `\\n` line endings (CRLF and lone CR both become LF)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def cell_text(value: Any) -> str:
    """One cell as text: "" for missing, Excel-like text for numbers, dates and booleans."""
    if value is None:
        return ""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float) or isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return ""
        # Excel stores every number as a float: an id typed as 17 must come back as "17".
        if number.is_integer() and abs(number) < 2**53:
            return str(int(number))
        return repr(number)
    if isinstance(value, dt.datetime):
        if _is_missing(value):
            return ""
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return normalise_text(value.decode("utf-8", errors="replace"))
    if isinstance(value, (list, tuple, dict)):
        return normalise_text(json.dumps(value, ensure_ascii=False, default=str))
    if _is_missing(value):
        return ""
    return normalise_text(str(value))


def _is_missing(value: Any) -> bool:
    """pandas' NaT and NA (imported lazily: cells.py is also used without pandas values)."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
