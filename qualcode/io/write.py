"""Atomic writers: write to a temporary file in the same folder, then rename over the target.

A reader never sees a half-written file, and an interrupted run leaves the old file intact.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from qualcode.errors import Location, QualcodeError


def atomic_write(path: str | Path, write: Callable[[IO[str]], object]) -> Path:
    """Call `write(handle)` on a temporary text file (UTF-8, no newline translation), then
    atomically move it to `path`."""
    return _replace_atomically(
        path, lambda fd: os.fdopen(fd, "w", encoding="utf-8", newline=""), write
    )


def atomic_write_bytes(path: str | Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Call `write(handle)` on a temporary binary file, then atomically move it to `path`."""
    return _replace_atomically(path, _open_binary, write)


def _replace_atomically(
    path: str | Path, open_fd: Callable[[int], IO[Any]], write: Callable[[Any], object]
) -> Path:
    """The shared pattern: a temporary file beside `path`, `os.replace` on success, and the
    temporary file removed on any failure (the previous `path`, if any, is left untouched)."""
    with AtomicFile(path, open_fd) as target:
        write(target.handle)
    return target.path


def _open_binary(fd: int) -> IO[bytes]:
    return os.fdopen(fd, "wb")


class AtomicFile:
    """A temporary file beside `path` (same folder, so the rename is atomic) that
    :meth:`commit` moves over `path` and :meth:`discard` removes.

    The file is created (and the folder made) at once; write to :attr:`handle`. As a context
    manager it commits on success and discards on any exception. :meth:`discard` may be
    called any number of times; :meth:`commit` only once, and not after a discard. Used by the
    one-shot writers here and by the streaming :class:`qualcode.io.tables.TableWriter`.
    """

    def __init__(self, path: str | Path, open_fd: Callable[[int], IO[Any]] = _open_binary) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        self.tmp = Path(tmp)
        self._done = False
        try:
            # mkstemp makes the file private (0600); an output file gets the usual permissions.
            os.chmod(tmp, 0o666 & ~_umask())
            self.handle: IO[Any] = open_fd(fd)
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise

    def commit(self) -> Path:
        """Close the handle and move the temporary file over `path`; return `path`."""
        if self._done:
            raise ValueError(f"{self.path}: already committed or discarded")
        try:
            self.handle.close()
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise
        self._done = True
        return self.path

    def discard(self) -> None:
        """Close the handle and remove the temporary file; `path` is left as it was."""
        self._done = True
        try:
            self.handle.close()
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


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


def stable_zip_entry(name: str, moment: datetime) -> zipfile.ZipInfo:
    """A zip entry whose bytes depend only on its name and contents: stamped `moment`
    (naive UTC, clamped to what a zip can hold), deflated, Unix, mode 0644."""
    date_time = max(min(moment, datetime(2107, 12, 31, 23, 59, 58)), datetime(1980, 1, 1))
    entry = zipfile.ZipInfo(name, date_time=date_time.timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.create_system = 3
    entry.external_attr = 0o644 << 16
    return entry


def repack_zip(data: bytes, moment: datetime) -> bytes:
    """The same zip with every entry stamped `moment` (clamped to what a zip can hold), in
    the same order, deflated, with fixed attributes: equal contents give equal bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(stable_zip_entry(info.filename, moment), src.read(info))
    return out.getvalue()


def same_file(path: str | Path, other: str | Path | None) -> bool:
    """True when both name the same file (or folder), whether or not it exists yet."""
    return other is not None and Path(path).resolve() == Path(other).resolve()


def check_new_file(
    path: str | Path, *, force: bool = False, reading: Iterable[str | Path] = ()
) -> None:
    """The guard before writing a file people edit (a codebook, stubs): E403 when `path`
    exists and `force` is false; E402 when it is one of the files being read (`reading`),
    even with `force`. The CLI's `--force` is this `force`."""
    path = Path(path)
    if path.exists() and not force:
        raise QualcodeError("E403", Location(str(path)), path=path)
    if any(same_file(path, source) for source in reading):
        raise QualcodeError("E402", Location(str(path)), path=path)
