"""Check a zip someone sent before reading anything from it.

Refused (each with the archive and the entry): absolute paths, `..`, backslashes and drive
letters, symbolic links (E731); too many entries, an entry or a total too large once
unpacked, or a compression ratio no real document has (E732). Reading an entry stops as soon
as it yields more bytes than it declared, so a lying header cannot get past the limits.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

from qualcode.errors import Location, QualcodeError

MAX_ENTRIES = 100_000
MAX_ENTRY_BYTES = 1 << 30  # 1 GiB: a project.qde or a source file
MAX_TOTAL_BYTES = 4 << 30  # 4 GiB unpacked in all
MAX_RATIO = 200  # text deflates 3-10x; bombs reach 1000x and more
RATIO_FLOOR = 1 << 20  # entries smaller than 1 MiB unpacked may compress as they like
_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe_name(name: str) -> str | None:
    """Why an entry name could write outside the folder it is unpacked into, or None."""
    if "\\" in name:
        return "a backslash in the path"
    if _DRIVE.match(name):
        return "a drive letter"
    if name.startswith("/"):
        return "an absolute path"
    if ".." in name.split("/"):
        return "a '..' in the path"
    if "\x00" in name:
        return "a NUL character in the path"
    return None


def check_zip(archive: zipfile.ZipFile, path: str | Path) -> None:
    """Raise E731/E732 unless every entry of `archive` is safe to read."""
    where = str(path)
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        many = f"{len(entries)} entries (at most {MAX_ENTRIES})"
        raise QualcodeError("E732", Location(where), path=where, problem=many)
    total = 0
    for info in entries:
        problem = _unsafe_name(info.filename)
        if problem is None and stat.S_ISLNK(info.external_attr >> 16):
            problem = "a symbolic link"
        if problem:
            raise QualcodeError(
                "E731", Location(where), path=where, entry=info.filename, problem=problem
            )
        size, packed = info.file_size, max(info.compress_size, 1)
        total += size
        if size > MAX_ENTRY_BYTES:
            problem = f"entry {info.filename!r} unpacks to {size:,} bytes"
        elif size > RATIO_FLOOR and size / packed > MAX_RATIO:
            problem = f"entry {info.filename!r} is compressed {size // packed:,} to 1"
        elif total > MAX_TOTAL_BYTES:
            problem = f"the entries unpack to more than {MAX_TOTAL_BYTES:,} bytes"
        if problem:
            raise QualcodeError("E732", Location(where), path=where, problem=problem)


def open_zip(path: str | Path) -> zipfile.ZipFile:
    """Open `path` as a zip and check it (E733 when it is not a zip)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise QualcodeError("E733", Location(str(path)), path=path, problem=str(exc)) from None
    try:
        check_zip(archive, path)
    except BaseException:
        archive.close()
        raise
    return archive


def read_entry(archive: zipfile.ZipFile, name: str, path: str | Path) -> bytes:
    """The bytes of entry `name`, read in blocks and stopped (E732) past its declared size."""
    info = archive.getinfo(name)
    limit = min(info.file_size, MAX_ENTRY_BYTES)
    chunks, got = [], 0
    try:
        with archive.open(info) as handle:
            while block := handle.read(1 << 16):
                got += len(block)
                if got > limit:
                    problem = f"entry {name!r} unpacks to more than it declares"
                    raise QualcodeError("E732", Location(str(path)), path=path, problem=problem)
                chunks.append(block)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a corrupt entry
        raise QualcodeError("E733", Location(str(path)), path=path, problem=str(exc)) from None
    return b"".join(chunks)
