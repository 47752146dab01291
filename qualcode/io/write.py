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


def atomic_write(path: str | Path, write: Callable[[IO[str]], None]) -> Path:
    """Call `write(handle)` on a temporary text file (UTF-8, no newline translation), then
    atomically move it to `path`."""
    return _replace_atomically(
        path, lambda fd: os.fdopen(fd, "w", encoding="utf-8", newline=""), write
    )


def atomic_write_bytes(path: str | Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Call `write(handle)` on a temporary binary file, then atomically move it to `path`."""
    return _replace_atomically(path, lambda fd: os.fdopen(fd, "wb"), write)


def _replace_atomically(
    path: str | Path, open_fd: Callable[[int], IO[Any]], write: Callable[[Any], None]
) -> Path:
    """The shared pattern: a temporary file beside `path`, `os.replace` on success, and the
    temporary file removed on any failure (the previous `path`, if any, is left untouched)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); an output file gets the usual permissions.
        os.chmod(tmp, 0o666 & ~_umask())
        with open_fd(fd) as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it back at once
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    """Write text (UTF-8, no BOM) atomically."""
    return atomic_write(path, lambda f: f.write(text))


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON (sorted keys, indented) atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    return write_text(path, text)
