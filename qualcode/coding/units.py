"""Units: where the sentences (or lines) of an answer start, computed from its tokens.

A code's `unless`, `near` windows, negation scope and segment quotes are all bounded by the
unit holding a hit: a sentence or line (the codebook's `unit: sentence`, the default), or the
whole answer (`unit: answer`). Each rule here is a small object the engine picks once; the
answer (coding/answer.py) asks it for unit starts only when it has hits.
"""

from __future__ import annotations

from typing import Protocol

from spacy.attrs import SENT_START
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

#: Per token: [char offset, length, is_punct, is_space] (see Answer.facts).
Facts = list[list[int]]


class _Strings(Protocol):
    def __getitem__(self, key: int) -> str: ...

    def add(self, string: str) -> int: ...


class UnitRule(Protocol):
    def starts(self, doc: Doc, text: str, lowers: list[int], facts: Facts) -> list[int]:
        """Token index where each unit starts (the first is 0), for a non-empty answer."""


class WholeAnswer:
    """`unit: answer`: one unit."""

    def starts(self, doc: Doc, text: str, lowers: list[int], facts: Facts) -> list[int]:
        return [0]


class DocSentences:
    """The sentences a trained pipeline's parser or senter set on the Doc."""

    def starts(self, doc: Doc, text: str, lowers: list[int], facts: Facts) -> list[int]:
        flags = doc.to_array(SENT_START).tolist()
        return [i for i, f in enumerate(flags) if f == 1 or i == 0]


class SentencesAndLines:
    """spaCy's Sentencizer rule, plus line breaks, from the boundary tokens only.

    As in spaCy's `sentencizer`, a sentence ends after a run of its punctuation characters:
    the next sentence starts at the first later token that is neither punctuation nor one of
    those characters. A whitespace token holding a line break also ends a unit, because
    answers often use lines as sentences. Only answers with hits get here, and only their few
    boundary tokens are looked at one by one.
    """

    def __init__(self, strings: _Strings) -> None:
        self.strings = strings
        self.punct_chars = {strings.add(ch) for ch in Sentencizer.default_punct_chars}
        # Types after which a unit may end: those punctuation characters, and whitespace
        # holding a line break. `seen` are the types already sorted into `ends` or not.
        self.ends = set(self.punct_chars)
        self.seen = set(self.punct_chars)

    def _learn(self, lowers: list[int]) -> None:
        """Sort the answer's new types into `ends` (set operations: no per-token Python)."""
        new = set(lowers).difference(self.seen)
        strings = self.strings
        self.ends.update(h for h in new if strings[h].isspace() and "\n" in strings[h])
        self.seen.update(new)

    def starts(self, doc: Doc, text: str, lowers: list[int], facts: Facts) -> list[int]:
        if "\n" in text:  # only then can the answer hold a line-break type not yet seen
            self._learn(lowers)
        ends, punct_chars = self.ends, self.punct_chars
        n = len(lowers)
        starts = [0]
        reached = 0  # tokens before this were already scanned for the next start
        for p in [i for i, h in enumerate(lowers) if h in ends]:
            q = max(p + 1, reached)
            while q < n and (facts[q][2] or lowers[q] in punct_chars):
                q += 1
            reached = q
            if q < n and q != starts[-1]:
                starts.append(q)
        return starts
