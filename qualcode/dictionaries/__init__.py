"""Foreign word-count dictionaries: LIWC, quanteda, WordStat and Empath to codebook YAML, and
a codebook back to a quanteda dictionary. See docs/dictionaries.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qualcode.codebook.dump import draft_yaml
from qualcode.codebook.model import Codebook
from qualcode.dictionaries.common import Category, Dictionary
from qualcode.dictionaries.convert import dictionary_to_draft
from qualcode.dictionaries.empath import read_empath
from qualcode.dictionaries.liwc import read_liwc
from qualcode.dictionaries.quanteda import read_quanteda
from qualcode.dictionaries.to_quanteda import QuantedaExport, codebook_to_quanteda
from qualcode.dictionaries.wordstat import read_wordstat
from qualcode.errors import Location, QualcodeError
from qualcode.io.write import write_text

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
    dictionary = read_dictionary(path, fmt)
    if dictionary.n_entries == 0:
        raise QualcodeError("E749", Location(str(path)), path=path, format=dictionary.format)
    draft, notes = dictionary_to_draft(dictionary, language)
    return draft_yaml(draft), notes


def write_dictionary_yaml(
    path: str | Path, fmt: str, output: str | Path, language: str = "en"
) -> list[str]:
    """:func:`import_dictionary` written to `output`; returns the notes. E403 when `output`
    is the dictionary file itself (any other file is replaced, as a converter's output)."""
    refuse_same_file(output, path)
    text, notes = import_dictionary(path, fmt, language)
    write_text(output, text)
    return notes


def write_quanteda(
    codebook: Codebook, output: str | Path, *, inflections: bool = True
) -> QuantedaExport:
    """The codebook as a quanteda YAML dictionary written to `output` (E403 when that is
    the codebook's own file); the result lists what quanteda cannot express."""
    if codebook.path:
        refuse_same_file(output, codebook.path)
    result = codebook_to_quanteda(codebook, inflections=inflections)
    write_text(output, result.text)
    return result


def refuse_same_file(output: str | Path, source: str | Path) -> None:
    """E403 when `output` is `source`: a converter never writes over what it reads."""
    if Path(output).exists() and Path(source).exists() and Path(output).samefile(source):
        raise QualcodeError("E403", Location(str(output)), path=output)


__all__ = [
    "Category", "Dictionary", "READERS", "import_dictionary", "read_dictionary",
    "write_dictionary_yaml", "write_quanteda",
]  # fmt: skip
