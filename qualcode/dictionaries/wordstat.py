"""Read a WordStat dictionary (`.cat`).

Provalis WordStat's category file is an indented outline, one tab (shown here as `>`) per
level::

    ECONOMY
    >TAXES
    >>TAX* (1)
    >>VALUE_ADDED (1)

Following quanteda's `read_dict_wordstat`: a line ending in a weight such as ` (1)` is an
entry (the weight is dropped: qualcode codes presence, it does not sum weights); any other
line is a category. Depth is the number of leading tabs. `_` joins the words of a multi-word
entry; `*` and `?` are wildcards (quanteda reads the result with its glob valuetype).
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.dictionaries.common import Category, Dictionary, normalise_entry, read_lines
from qualcode.errors import Location, QualcodeError

_ENTRY = re.compile(r"^(?P<text>.+?)\s*\(\s*-?\d+(?:\.\d+)?\s*\)$")


def read_wordstat(path: str | Path) -> Dictionary:
    """Parse a WordStat `.cat` file into a :class:`Dictionary` (syntax "glob")."""
    name = str(path)
    roots: list[Category] = []
    stack: list[tuple[int, Category]] = []  # the open categories: (depth, category)
    notes: list[str] = []
    for index, raw in enumerate(read_lines(path, notes)):
        line = raw.rstrip()
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        body = line.strip()
        if line[depth : depth + 1].isspace():
            # Depth is counted in tabs; a space in the indent would silently move the line
            # to another parent, so it is refused with its line.
            raise QualcodeError(
                "E747", Location(name, index + 1), path=name,
                problem=f"line {body!r} is indented with spaces (WordStat indents with one "
                "tab per level)",
            )  # fmt: skip
        while stack and stack[-1][0] >= depth:
            stack.pop()
        match = _ENTRY.match(body)
        if match:
            if not stack:
                raise QualcodeError(
                    "E747", Location(name, index + 1), path=name,
                    problem=f"entry {body!r} comes before any category (indent entries with "
                    "a tab under a category line)",
                )  # fmt: skip
            entry = normalise_entry(match.group("text").replace("_", " "))
            if entry:
                stack[-1][1].add(entry)
            continue
        category = Category(name=body, line=index + 1)
        (stack[-1][1].children if stack else roots).append(category)
        stack.append((depth, category))
    return Dictionary("WordStat", name, "glob", roots, notes)
