"""What every rule kind is: a class that compiles itself, finds its hits and dumps itself.

Modelled on spaCy's matcher predicate classes (`_RegexPredicate`, `_SetPredicate`, ...): one
class per kind of test, built once from what the pattern says, then called on many documents.
Here the class side (`compile`, `to_yaml`, `to_quanteda`) works on the codebook's
:class:`~qualcode.codebook.model.Rule`, and an instance is the compiled rule whose `find` gives
its hits in one answer.

The kinds see the compiler and the answer only through the two small protocols below, so this
package imports nothing from `qualcode.coding` (which imports it).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple, Protocol

from qualcode.codebook.dump import RuleSpec
from qualcode.codebook.model import Rule, TermSeq

#: Token spans [start, end) per sequence id, or per Matcher key, found in one answer.
Spans = list[tuple[int, int]]


class Hit(NamedTuple):
    """One hit of one rule in one answer.

    A tuple, not a dataclass: hits are made by the hundred thousand, and a frozen dataclass's
    `__init__` showed in profiles. A kind's `find` fills the first four fields; the engine
    fills the rest for the hits that survive `unless` and overlap resolution.
    """

    start: int  # token span [start, end) in the answer
    end: int
    rule: str  # the rule as written (segments' `rule` column)
    order: int = 0  # the rule's position in its code's `match` list: ties keep the first
    code: int = -1  # the code's index in codebook order (Codebook.walk())
    char_start: int = -1  # character span of the hit in the answer's text
    char_end: int = -1
    unit_start: int = -1  # character span of the unit(s) holding the hit: its quote
    unit_end: int = -1
    negated: bool = False  # a negation trigger negates the hit (see NegationDetector)
    trigger: str | None = None  # that trigger, as the lexicon writes it


class Compiler(Protocol):
    """What a kind may ask of the codebook compiler (qualcode.coding.compile) while compiling.

    The compiler knows whether it is compiling a `match` or an `unless` rule: only `match`
    rules screen answers, so for `unless` rules the screening calls do nothing.
    """

    def sequence(self, term: TermSeq) -> int:
        """The id of the token sequence a term is split into (the engine finds them all)."""

    def screen_for(self, seqs: Sequence[int]) -> None:
        """The rule cannot hit an answer without the first of these sequences, so answers
        lacking its literal forms need not be tokenised (the screen, coding/prefilter.py)."""

    def screen_nothing(self) -> None:
        """The rule may hit any answer: the literal prefilter must let every answer through."""

    def match_regex(self, regex: re.Pattern[str]) -> int | None:
        """Screen answers with this regex; its index among the screened regexes (None for
        an `unless` rule, which is never screened)."""

    def token_pattern(self, pattern: list[dict[str, Any]]) -> str:
        """Add a spaCy Matcher pattern; the key its matches come back under."""


class Answer(Protocol):
    """What a kind's `find` may read about one tokenised answer (qualcode.coding.answer)."""

    text: str
    seq_hits: dict[int, Spans]  # sequence id -> its occurrences
    matcher_hits: dict[str, Spans]  # Matcher key -> its matches

    @property
    def token_starts(self) -> list[int]:
        """Character offset of each token."""

    @property
    def words(self) -> list[int]:
        """Word number of each token (punctuation and whitespace do not count)."""

    def unit_of(self, token: int) -> int:
        """The first token of the unit (sentence, line or answer) holding `token`."""


class QuantedaOut(Protocol):
    """What a kind may use to write itself as quanteda dictionary patterns
    (qualcode.dictionaries.to_quanteda), for one code."""

    max_variants: int  # the most patterns one rule may expand to

    def piece_forms(self, piece: str) -> list[str]:
        """A term piece and the inflections qualcode would match it with."""

    def variants(self, rule: Rule, alternatives: list[list[str]]) -> list[str]:
        """Every phrase made of one alternative per token (capped, with a warning)."""

    def join(self, tokens: list[str]) -> str:
        """Tokens as the shortest text the tokenizer splits back into them."""

    def warn(self, problem: str) -> None:
        """Report what the dictionary cannot express (the code's id is added)."""


class CompiledRule(ABC):
    """A rule kind. The class compiles and dumps codebook rules of its kind; an instance is
    one compiled rule, which `find`s its hits in an answer.

    The engine looks at a rule only in answers that can hold its hits: those where the
    sequence `needs_seq` occurs, or that the screen found the regex `needs_regex` in; a rule
    needing neither is tried on every tokenised answer.
    """

    kind: ClassVar[str]  # the name in Rule.kind and in the registry
    needs_seq: int | None = None
    needs_regex: int | None = None

    def __init__(self, source: str) -> None:
        self.source = source  # the rule as written

    @classmethod
    @abstractmethod
    def compile(cls, rule: Rule, compiler: Compiler) -> CompiledRule:
        """The compiled form of a codebook rule of this kind."""

    @abstractmethod
    def find(self, answer: Answer, order: int = 0) -> list[Hit]:
        """This rule's hits in one answer (`order`: the rule's place in its code's list)."""

    @staticmethod
    @abstractmethod
    def to_yaml(rule: Rule) -> RuleSpec:
        """The rule as codebook YAML data (what `parse_codebook` reads back to it)."""

    @staticmethod
    @abstractmethod
    def to_quanteda(rule: Rule, out: QuantedaOut) -> list[str]:
        """The rule as quanteda dictionary patterns; [] (with a warning) when it has none."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source!r})"
