"""Read an Empath lexicon (`categories.tsv`).

One category per line: its name, a tab, then its words separated by tabs. Empath counts
exact lower-case words (no wildcards, no lemmas); a word with `_` (`so_much_pain`) is a
phrase. A category named on several lines is merged.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.dictionaries.common import Category, Dictionary, normalise_entry, read_lines
from qualcode.errors import Location, QualcodeError


def read_empath(path: str | Path) -> Dictionary:
    """Parse an Empath `categories.tsv` into a :class:`Dictionary` (syntax "literal")."""
    name = str(path)
    categories: dict[str, Category] = {}
    merged = 0
    notes: list[str] = []
    for index, line in enumerate(read_lines(path, notes)):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) < 2 or not fields[0]:
            raise QualcodeError(
                "E748", Location(name, index + 1), path=name,
                problem="expected a category name, a tab, then its words separated by tabs",
            )  # fmt: skip
        if fields[0] in categories:
            merged += 1
        category = categories.setdefault(fields[0], Category(name=fields[0], line=index + 1))
        for word in fields[1:]:
            entry = normalise_entry(word.replace("_", " "))
            if entry:
                category.add(entry)
    dictionary = Dictionary("Empath", name, "literal", list(categories.values()), notes)
    if merged:
        dictionary.notes.append(f"{merged} categor(y/ies) named on several lines were merged")
    return dictionary
