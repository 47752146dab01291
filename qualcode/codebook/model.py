"""The typed codebook: what a loaded and checked YAML codebook becomes.

Plain frozen dataclasses: the loader builds them once; the compiler turns them into matchers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from qualcode.errors import Location, QualcodeError, did_you_mean

NegationMode = Literal["exclude", "flag", "ignore"]
Unit = Literal["sentence", "answer"]
RuleKind = Literal["word", "phrase", "glob", "regex", "near", "tokens"]


@dataclass(frozen=True)
class TermSeq:
    """A token sequence written as text: 'bladder', 'k bladder', 'k cramp*'.

    Each piece is matched against one token: a glob piece (with * or ?) against the token's
    lower-case text, any other piece against the token's lower-case text or lemma.
    """

    pieces: tuple[str, ...]

    @property
    def is_glob(self) -> bool:
        return any("*" in p or "?" in p for p in self.pieces)

    def __str__(self) -> str:
        return " ".join(self.pieces)


@dataclass(frozen=True)
class Rule:
    """One match rule of a code, as written in the codebook plus what it compiles from."""

    kind: RuleKind
    source: str  # the rule as written, shown in segments' `rule` column
    terms: tuple[TermSeq, ...] = ()  # word/phrase/glob: one; near: several
    regex: re.Pattern[str] | None = None
    within: int = 0  # near: the largest distance in words between the terms
    tokens: tuple[dict[str, Any], ...] = ()  # a raw spaCy Matcher pattern
    where: Location | None = None


@dataclass(frozen=True)
class Code:
    """A code (or theme) of the codebook; `children` makes the hierarchy."""

    id: str
    label: str
    path: tuple[str, ...]
    definition: str = ""
    include: str = ""
    exclude: str = ""
    match: tuple[Rule, ...] = ()
    unless: tuple[Rule, ...] = ()
    examples: tuple[str, ...] = ()
    non_examples: tuple[str, ...] = ()
    children: tuple[Code, ...] = ()
    color: str | None = None
    negation: NegationMode | None = None  # None: the codebook default
    where: Location | None = None

    @property
    def path_str(self) -> str:
        return "/".join(self.path)

    def walk(self) -> Iterator[Code]:
        """This code, then its descendants depth-first in codebook order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class NegationSettings:
    """Codebook additions to the built-in negation lexicon."""

    pre: tuple[str, ...] = ()
    post: tuple[str, ...] = ()
    pseudo: tuple[str, ...] = ()
    terminators: tuple[str, ...] = ()
    window: int | None = None


@dataclass(frozen=True)
class Codebook:
    """A loaded, checked codebook."""

    name: str
    codes: tuple[Code, ...]
    version: str = ""
    language: str = "en"
    description: str = ""
    negation: NegationMode = "exclude"
    unit: Unit = "sentence"
    model: str | None = None
    negation_lexicon: NegationSettings = field(default_factory=NegationSettings)
    path: str | None = None
    sha256: str | None = None

    def walk(self) -> Iterator[Code]:
        """Every code, depth-first in codebook order."""
        for code in self.codes:
            yield from code.walk()

    def get(self, code_id: str) -> Code:
        """The code with this id (KeyError when absent)."""
        for code in self.walk():
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.walk()]

    def negation_for(self, code: Code) -> NegationMode:
        """The negation mode in force for a code: its own, else the codebook default."""
        return code.negation or self.negation


def check_code_ids(codes: Iterable[str], known: Sequence[str]) -> None:
    """E501, with a did-you-mean and the list of codes, for the first of `codes` that is not
    one of `known` (the ids a user may name: `--code` of kwic, quotes and diff)."""
    for code_id in codes:
        if code_id not in known:
            raise QualcodeError(
                "E501", None, code=code_id, suggestion=did_you_mean(code_id, list(known)),
                available=", ".join(known),
            )  # fmt: skip
