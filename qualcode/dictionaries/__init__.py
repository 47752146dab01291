"""Foreign word-count dictionaries: LIWC, quanteda, WordStat and Empath to codebook YAML, and
a codebook back to a quanteda dictionary. See docs/dictionaries.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qualcode.dictionaries.common import Category, Dictionary
from qualcode.dictionaries.empath import read_empath
from qualcode.dictionaries.liwc import read_liwc
from qualcode.dictionaries.quanteda import read_quanteda
from qualcode.dictionaries.wordstat import read_wordstat

READERS: dict[str, Callable[[str | Path], Dictionary]] = {
    "liwc": read_liwc,
    "quanteda": read_quanteda,
    "wordstat": read_wordstat,
    "empath": read_empath,
}


def read_dictionary(path: str | Path, fmt: str) -> Dictionary:
    """Read a dictionary file of format `fmt` (liwc, quanteda, wordstat, empath)."""
    return READERS[fmt](path)


def import_dictionary(path: str | Path, fmt: str, language: str = "en") -> tuple[str, list[str]]:
    """A dictionary file as codebook YAML text, and notes for the user.

    Raises QualcodeError E749 when the file holds no entries at all.
    """
    from qualcode.codebook.dump import draft_yaml
    from qualcode.dictionaries.convert import dictionary_to_draft
    from qualcode.errors import Location, QualcodeError

    dictionary = read_dictionary(path, fmt)
    if dictionary.n_entries == 0:
        raise QualcodeError("E749", Location(str(path)), path=path, format=dictionary.format)
    draft, notes = dictionary_to_draft(dictionary, language)
    return draft_yaml(draft), notes


__all__ = ["Category", "Dictionary", "READERS", "import_dictionary", "read_dictionary"]
