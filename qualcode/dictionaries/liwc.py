"""Read a LIWC dictionary (`.dic`).

The format: a header between two `%` lines, one category per line (`number<TAB>name`; LIWC-22
files may use names as ids), then one entry per line: the entry (a word, a word with a
trailing `*`, or since LIWC 2015 several words), a tab, and the categories it belongs to,
by number or by name. Real files vary: `\\r` (old Mac), `\\r\\n` or `\\n` line endings, a BOM,
spaces instead of tabs, blank lines, repeated entries. LIWC 2007's conditional entries
(`kind	(02 134)131/125`) depend on the neighbouring word and cannot be expressed faithfully: they
are refused with the line, so nothing is silently coded differently.
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.dictionaries.common import Category, Dictionary, normalise_entry, read_lines
from qualcode.errors import Location, QualcodeError

_CONDITIONAL = re.compile(r"[()/<>\[\]]")


def _is_comment(line: str) -> bool:
    # LIWC has no comment syntax, but hand-edited files carry `#` or `//` notes; an entry
    # never starts with "# " or "//" in the published dictionaries.
    stripped = line.strip()
    return stripped.startswith("//") or stripped == "#" or stripped.startswith("# ")


def read_liwc(path: str | Path) -> Dictionary:
    """Parse a LIWC `.dic` file into a :class:`Dictionary` (syntax "liwc")."""
    name = str(path)
    notes: list[str] = []
    lines = read_lines(path, notes)
    number = 0
    # The header opens with the first non-blank, non-comment line, which must be `%`.
    while number < len(lines) and (not lines[number].strip() or _is_comment(lines[number])):
        number += 1
    if number >= len(lines) or lines[number].strip() != "%":
        raise QualcodeError(
            "E742",
            Location(name, min(number + 1, len(lines))),
            path=name,
            problem="the file must start with a `%` line opening the category header",
        )
    categories: dict[str, Category] = {}  # the id as written -> category
    by_name: dict[str, Category] = {}
    number += 1
    while True:
        if number >= len(lines):
            raise QualcodeError(
                "E742", Location(name, number), path=name,
                problem="the category header is not closed by a second `%` line",
            )  # fmt: skip
        line = lines[number]
        if line.strip() == "%":
            break
        if line.strip() and not _is_comment(line):
            fields = line.split(None, 1)
            if len(fields) < 2 or not fields[0].isdigit():
                raise QualcodeError(
                    "E742", Location(name, number + 1), path=name,
                    problem=f"category line {line.strip()!r} must be a number and a name "
                    "(is the `%` closing the header missing?)",
                )  # fmt: skip
            # The name runs to the end of the line (or to a tab before a description).
            cid, cname = str(int(fields[0])), fields[1].strip().split("\t")[0].strip()
            if cid in categories:
                raise QualcodeError(
                    "E742", Location(name, number + 1), path=name,
                    problem=f"category {cid} is defined twice "
                    f"(first at line {categories[cid].line})",
                )  # fmt: skip
            category = Category(name=cname, line=number + 1)
            categories[cid] = category
            by_name.setdefault(cname.lower(), category)
        number += 1
    if not categories:
        raise QualcodeError(
            "E742", Location(name, number + 1), path=name, problem="the header lists no category"
        )
    repeats = 0
    seen: set[str] = set()
    for index in range(number + 1, len(lines)):
        line = lines[index]
        if not line.strip() or _is_comment(line):
            continue
        where = Location(name, index + 1)
        entry, refs = _split_entry(line, categories, by_name)
        if not refs:
            raise QualcodeError("E744", where, path=name, line=line.strip())
        if any(_CONDITIONAL.search(r) for r in refs):
            raise QualcodeError("E745", where, path=name, entry=entry, refs=" ".join(refs))
        entry = normalise_entry(entry)
        if entry in seen:
            repeats += 1
        seen.add(entry)
        for ref in refs:
            # Numbers compare as numbers ("01" in entries, "1" in the header, or back).
            key = str(int(ref)) if ref.isdigit() else ref
            found = categories.get(key) or by_name.get(ref.lower())
            if found is None:
                raise QualcodeError(
                    "E743", where, path=name, entry=entry, ref=ref,
                    known=", ".join(list(categories)[:12]),
                )  # fmt: skip
            found.add(entry)
    dictionary = Dictionary("LIWC", name, "liwc", list(categories.values()), notes)
    if repeats:
        dictionary.notes.append(f"{repeats} repeated entr(y/ies) merged (their categories united)")
    return dictionary


def _split_entry(
    line: str, categories: dict[str, Category], by_name: dict[str, Category]
) -> tuple[str, list[str]]:
    """(entry, category references) of an entry line.

    With a tab, the entry is everything before the first tab (it may hold spaces: "kind of").
    Without one, the trailing fields that name a category are the references and the rest
    is the entry.
    """
    if "\t" in line:
        entry, _, rest = line.strip(" ").partition("\t")
        if entry.strip():
            return entry.strip(), rest.split()
        fields = line.split()  # a line starting with a tab: fall back to fields
        return (fields[0], fields[1:]) if fields else ("", [])
    fields = line.split()
    cut = len(fields)
    while cut > 1 and _looks_like_ref(fields[cut - 1], by_name):
        cut -= 1
    if cut == len(fields) and len(fields) > 1:
        cut = 1  # nothing recognised: the first field is the entry, the rest (bad) refs
    return " ".join(fields[:cut]), fields[cut:]


def _looks_like_ref(field: str, by_name: dict[str, Category]) -> bool:
    return field.isdigit() or field.lower() in by_name or bool(_CONDITIONAL.search(field))
