"""A neutral model of a word-count dictionary, and reading its file as text.

Every reader (LIWC, quanteda, WordStat, Empath) builds a :class:`Dictionary`: categories,
possibly nested, each with entries as written in the file. :mod:`qualcode.dictionaries.convert`
turns one into a codebook draft.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from qualcode.errors import Location, QualcodeError

#: How an entry's wildcards are read:
#: "liwc": only a trailing `*` is a wildcard (any further characters); other characters literal.
#: "glob": `*` (any characters) and `?` (one character) anywhere (quanteda's "glob" valuetype).
#: "literal": no wildcards at all (Empath).
Syntax = Literal["liwc", "glob", "literal"]


@dataclass
class Category:
    """One category: its name as written, its entries (lower-case, file order), its children."""

    name: str
    entries: list[str] = field(default_factory=list)
    children: list[Category] = field(default_factory=list)
    line: int | None = None  # where it is defined, for messages

    def add(self, entry: str) -> None:
        """Add an entry once (dictionaries repeat entries; a repeat adds nothing)."""
        if entry not in self.entries:
            self.entries.append(entry)

    def walk(self) -> Iterator[Category]:
        """This category, then its descendants depth-first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Dictionary:
    """A dictionary read from a file of one of the supported formats."""

    format: str  # "LIWC", "quanteda", "WordStat", "Empath"
    path: str
    syntax: Syntax
    categories: list[Category]
    #: Things the reader noticed that change nothing but are worth telling (merged
    #: duplicates, skipped empty categories, LIWC's most-specific-entry rule).
    notes: list[str] = field(default_factory=list)

    def walk(self) -> Iterator[Category]:
        """Every category, depth-first in file order."""
        for category in self.categories:
            yield from category.walk()

    @property
    def n_entries(self) -> int:
        return sum(len(c.entries) for c in self.walk())


def read_lines(path: str | Path, notes: list[str] | None = None) -> list[str]:
    """The file's lines, whatever their endings (`\\n`, `\\r\\n`, or old-Mac `\\r`).

    UTF-8 (with or without a BOM) is tried first; dictionaries from older Windows tools are
    often Windows-1252, which any byte sequence decodes as, so that is the fallback (as
    quanteda's readers do). The fallback is never silent: a note goes to `notes`, naming
    the first byte that is not UTF-8, so a mixed file ("â€œ") can be fixed at its source.
    """
    path = Path(path)
    if not path.is_file():
        raise QualcodeError("E741", Location(str(path)), path=path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        line = data[: exc.start].count(b"\n") + data[: exc.start].count(b"\r") + 1
        if b"\r\n" in data[: exc.start]:
            line -= data[: exc.start].count(b"\r\n")
        if notes is not None:
            notes.append(
                f"{path.name} is not UTF-8 (byte {data[exc.start]:#04x} on line {line}): read "
                "as Windows-1252; if accents look wrong, save the file as UTF-8 and import again"
            )
    return re.split(r"\r\n|\r|\n", text)


def normalise_entry(entry: str) -> str:
    """Lower-case, whitespace collapsed: all four formats match case-insensitively."""
    return " ".join(entry.lower().split())


def liwc_shadowing(dictionary: Dictionary, limit: int = 20) -> list[str]:
    """Entries LIWC would treat differently from qualcode: the most specific entry rule.

    LIWC counts a word under the categories of the one entry it matches most literally
    ("shitty" before "shit*"); qualcode (like quanteda) codes every category whose entry
    matches. The two agree unless a word matches entries with different categories, so list
    those pairs: a glob `p*` and another entry starting with `p` but filed differently.
    """
    cats: dict[str, set[str]] = {}
    for category in dictionary.walk():
        for entry in category.entries:
            cats.setdefault(entry, set()).add(category.name)
    entries = sorted(cats)
    found: list[str] = []
    for glob in entries:
        if not glob.endswith("*") or "*" in glob[:-1]:
            continue
        prefix = glob[:-1]
        i = bisect.bisect_left(entries, prefix)
        while i < len(entries) and entries[i].startswith(prefix):
            other = entries[i]
            if other != glob and cats[other] != cats[glob]:
                found.append(
                    f"'{other}' ({', '.join(sorted(cats[other]))}) also matches '{glob}' "
                    f"({', '.join(sorted(cats[glob]))}): LIWC counts such words under "
                    f"'{other}' only, qualcode under both"
                )
            i += 1
    if len(found) > limit:
        found = [*found[:limit], f"... and {len(found) - limit} more such pairs"]
    return found
