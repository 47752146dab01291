"""The typed codebook: what a loaded and checked YAML codebook becomes.

Plain frozen dataclasses: the loader builds them once; the compiler turns them into matchers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

import numpy as np

from qualcode.errors import Location, QualcodeError, did_you_mean


class NegationMode(str, Enum):
    """What a negated hit of a code does (the codebook's `negation:` key).

    A `str` enum: members compare equal to their YAML spelling ("exclude" == EXCLUDE) and
    print as it, so tables and manifests keep the plain words.
    """

    EXCLUDE = "exclude"  # a negated hit is kept as a segment but does not code the answer
    FLAG = "flag"  # a negated hit codes the answer; its segment says it was negated
    IGNORE = "ignore"  # negation is not looked for: no hit is ever negated

    def __str__(self) -> str:
        return self.value

    @property
    def detects(self) -> bool:
        """Whether hits of a code in this mode are checked for negation at all."""
        return self is not NegationMode.IGNORE


NEGATION_MODES: tuple[str, ...] = tuple(m.value for m in NegationMode)


def segment_counts(negated: bool, mode: NegationMode | str) -> bool:
    """The one rule for whether a segment codes its answer: every segment except a negated
    one of a code whose negation mode is "exclude". Everything that counts (the matrix,
    summary, agreement, report, REFI export, sampling strata) asks this, or its vectorised
    twin :func:`segments_count`."""
    return not (negated and mode == NegationMode.EXCLUDE)


def segments_count(negated: Any, modes: Any) -> np.ndarray:
    """:func:`segment_counts` for arrays: `negated` (bools, or the strings "True"/"False"
    of a segments.csv read back) and each segment's code's mode."""
    neg = np.asarray(negated)
    if neg.dtype.kind not in "bifu":
        neg = np.array([_truthy(v) for v in neg.tolist()], dtype=bool)
    excluded = np.asarray([str(m) == NegationMode.EXCLUDE.value for m in modes], dtype=bool)
    counts: np.ndarray = ~(neg.astype(bool) & excluded)
    return counts


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


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
    negation: NegationMode = NegationMode.EXCLUDE
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
        return NegationMode(code.negation or self.negation)


def check_code_ids(codes: Iterable[str], known: Sequence[str]) -> None:
    """E501, with a did-you-mean and the list of codes, for the first of `codes` that is not
    one of `known` (the ids a user may name: `--code` of kwic, quotes and diff)."""
    for code_id in codes:
        if code_id not in known:
            raise QualcodeError(
                "E501", None, code=code_id, suggestion=did_you_mean(code_id, list(known)),
                available=", ".join(known),
            )  # fmt: skip
