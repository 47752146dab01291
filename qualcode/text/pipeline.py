"""The spaCy pipeline: offline by default, a named trained pipeline when the user asks.

Default: ``spacy.blank(lang)`` (tokenizer only) plus a ``sentencizer``, and lemmas from
spacy-lookups-data's lookup table, applied once per vocabulary type rather than per token
(spaCy's lookup lemmatizer component costs ~5x the tokenizer; a type cache costs almost
nothing because answers reuse a small vocabulary). Nothing is ever downloaded.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

import spacy
from spacy.about import __version__ as spacy_version
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import registry

from qualcode.errors import QualcodeError

#: Tokenizer special cases: a text -> the tokens it becomes, as `Tokenizer.add_special_case`
#: takes them ({ORTH: "k"}, ...).
SpecialCases = dict[str, list[dict[int, str]]]


@dataclass
class TextPipeline:
    """A spaCy Language plus how qualcode gets lemmas and sentences from it."""

    nlp: Language
    name: str  # e.g. "blank:en + sentencizer + lookup lemmas" or the model's name
    lemma_table: dict[str, str] = field(default_factory=dict)
    trained: bool = False  # True: lemmas and sentences come from the trained pipeline

    def lemma(self, lower: str) -> str:
        """The lookup lemma of a lower-case word (the word itself when the table lacks it)."""
        return self.lemma_table.get(lower, lower)

    def describe(self) -> dict[str, object]:
        """What the manifest records about the pipeline."""
        return {
            "name": self.name,
            "spacy": spacy_version,
            "lang": self.nlp.lang,
            "components": list(self.nlp.pipe_names),
            "lemma_table_size": len(self.lemma_table),
        }


def make_pipeline(
    language: str = "en", model: str | None = None, special_cases: SpecialCases | None = None
) -> TextPipeline:
    """Build the pipeline: the named installed model, else the offline default, its tokenizer
    given `special_cases` (what a compiled codebook needs, see coding.compile)."""
    pipeline = _trained(model) if model else _blank(language)
    apply_special_cases(pipeline.nlp, special_cases or {})
    return pipeline


def _blank(language: str) -> TextPipeline:
    try:
        nlp = spacy.blank(language)
    except (ImportError, KeyError, ValueError):
        raise QualcodeError("E202", lang=language) from None
    nlp.add_pipe("sentencizer")
    table = load_lemma_table(language)
    name = f"blank:{language} + sentencizer" + (" + lookup lemmas" if table else "")
    return TextPipeline(nlp=nlp, name=name, lemma_table=table)


def _trained(model: str) -> TextPipeline:
    try:
        # spacy.load never downloads: it only finds installed packages or folders on disk.
        nlp = spacy.load(model)
    except OSError:
        raise QualcodeError("E201", name=model) from None
    if not any(nlp.has_pipe(p) for p in ("parser", "senter", "sentencizer")):
        nlp.add_pipe("sentencizer")
    table = {} if nlp.has_pipe("lemmatizer") else load_lemma_table(nlp.lang or "")
    version = nlp.meta.get("version", "")
    name = f"{nlp.meta.get('lang', '')}_{nlp.meta.get('name', model)} {version}".strip()
    return TextPipeline(nlp=nlp, name=name, lemma_table=table, trained=True)


@functools.lru_cache(maxsize=8)
def _lemma_table_cached(language: str) -> tuple[tuple[str, str], ...]:
    from spacy.util import load_language_data

    try:
        tables = registry.lookups.get(language)
    except Exception:  # catalogue raises its own RegistryError for unknown languages
        return ()
    path = tables.get("lemma_lookup")
    if path is None:
        return ()
    data = load_language_data(path)
    if not isinstance(data, dict):
        return ()
    # Keep lower-case keys only: matching is case-insensitive, and a capitalised entry
    # ("Cravings") must not shadow the lower-case one.
    return tuple((k, v.lower()) for k, v in data.items() if k == k.lower())


#: Corrections to spacy-lookups-data's lookup tables, applied on load. Only entries that are
#: wrong for any reading of the word and that change what a plain codebook word matches:
#: with the table as shipped, a rule `do` misses "does" (-> "doe"), `tax` misses "taxes"
#: (-> "taxis"), `wound` misses "wound" (-> "wind"), `bad` misses "worse" while `wrong`
#: catches it, and `bite`, `a` and `co` catch "bit", "as" and "cos" ("because").
LEMMA_FIXES: dict[str, dict[str, str]] = {
    "en": {
        "does": "do",
        "taxes": "tax",
        "wound": "wound",
        "wounds": "wound",
        "worse": "bad",
        "worst": "bad",
        "bit": "bit",
        "as": "as",
        "cos": "cos",
    },
}


def load_lemma_table(language: str) -> dict[str, str]:
    """The spacy-lookups-data lemma lookup table for a language ({} when there is none),
    with qualcode's corrections (:data:`LEMMA_FIXES`)."""
    table = dict(_lemma_table_cached(language))
    if table:
        table.update(LEMMA_FIXES.get(language, {}))
    return table


def abbreviation_cases(letters: Iterable[str]) -> SpecialCases:
    """Special cases that make "k." and "K." split into the letter + "." for these letters.

    spaCy's English tokenizer keeps a letter followed by a period as one token: "k." through a
    tokenizer exception, "K." because its suffix rules protect initials ("J. Smith"). So "I
    quit k." would never match a codebook rule `k`. When a codebook has a single-letter term
    these cases split it (only for its letters; other initials are untouched).
    """
    cases: SpecialCases = {}
    for letter in sorted(letters):
        for form in (letter.lower(), letter.upper()):
            cases[f"{form}."] = [{ORTH: form}, {ORTH: "."}]
    return cases


def apply_special_cases(nlp: Language, cases: SpecialCases) -> None:
    """Add special cases to `nlp`'s tokenizer: only the owner of a pipeline calls this
    (make_pipeline for its own, the spaCy component for the user's when asked to)."""
    for text, tokens in cases.items():
        cast(Tokenizer, nlp.tokenizer).add_special_case(text, tokens)


def split_single_letter_abbreviations(nlp: Language, letters: set[str]) -> None:
    """Make "k." and "K." split into the letter + "." for these letters (see
    :func:`abbreviation_cases`)."""
    apply_special_cases(nlp, abbreviation_cases(letters))
