"""Atomic writers: write to a temporary file in the same folder, then rename over the target.

A reader never sees a half-written file, and an interrupted run leaves the old file intact.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pandas as pd


def atomic_write(path: str | Path, write: Callable[[IO[str]], None]) -> Path:
    """Call `write(handle)` on a temporary file, then atomically move it to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write text (UTF-8, no BOM) atomically."""
    return atomic_write(path, lambda f: f.write(text))


def write_csv(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as UTF-8 CSV with `\\n` line endings, atomically."""
    return atomic_write(path, lambda f: frame.to_csv(f, index=False, lineterminator="\n"))


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON (sorted keys, indented) atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    return write_text(path, text)
