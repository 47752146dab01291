"""Pieces: tests on one token, which words, phrases and globs are split into.

A piece is a word's forms (tested against a token's lower-case text and lemma) or a glob
(tested against its lower-case text). Every vocabulary type is classified against all pieces
once (:meth:`PieceIndex.classify`, called by the engine's type cache), so matching an answer
is integer work per token.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """A test on one token: `forms` for a word, `glob` (compiled) for a glob."""

    text: str
    forms: frozenset[str] = frozenset()
    glob: re.Pattern[str] | None = None

    @property
    def literal_prefix(self) -> str:
        """For a glob: the text before its first wildcard (used to index globs)."""
        return re.split(r"[*?]", self.text, maxsplit=1)[0]


def glob_to_regex(glob: str) -> re.Pattern[str]:
    """`*` any characters, `?` one character; everything else literal (no [sets])."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(body, re.DOTALL)


def make_piece(text: str) -> Piece:
    """The piece a token of a term stands for."""
    if "*" in text or "?" in text:
        return Piece(text, glob=glob_to_regex(text))
    # A token matches when its text or its lemma is the word as written. The word's own
    # lemma is not added: lookup lemmas are context-free, so "liver" -> "live" and
    # "better" -> "well" would drag in unrelated words.
    return Piece(text, forms=frozenset({text}))


class PieceIndex:
    """The pieces, indexed so that classifying a type looks at few of them: words by their
    forms, globs by the literal text before their first wildcard."""

    def __init__(self, pieces: list[Piece]) -> None:
        self.pieces = pieces
        words: dict[str, list[int]] = defaultdict(list)
        globs: dict[str, list[int]] = defaultdict(list)
        for pid, piece in enumerate(pieces):
            if piece.glob is not None:
                globs[piece.literal_prefix].append(pid)
            else:
                for form in piece.forms:
                    words[form].append(pid)
        self.word_index = dict(words)
        self.glob_index = dict(globs)

    def classify(self, lower: str, lemma: str) -> tuple[int, ...]:
        """The ids of the pieces a token with this lower-case text and lemma satisfies."""
        found: list[int] = []
        index = self.word_index
        if lower in index:
            found.extend(index[lower])
        if lemma != lower and lemma in index:
            found.extend(index[lemma])
        globs = self.glob_index
        if globs:
            pieces = self.pieces
            for cut in range(len(lower) + 1):
                ids = globs.get(lower[:cut])
                if ids:
                    found.extend(i for i in ids if _glob(pieces[i]).fullmatch(lower))
        if len(found) > 1:
            return tuple(sorted(set(found)))
        return tuple(found)


def _glob(piece: Piece) -> re.Pattern[str]:
    assert piece.glob is not None  # only globs are in the glob index
    return piece.glob
