"""One tokenised answer as the rule kinds and the engine read it, facts computed lazily.

Most answers have no hits, so nothing here is computed until a rule or the engine asks:
offsets and flags come from the Doc in one `to_array` call, units from the engine's
:mod:`unit rule <qualcode.coding.units>`, word numbers from the flags.
"""

from __future__ import annotations

from bisect import bisect_right

from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH
from spacy.tokens import Doc

from qualcode.coding.units import Facts, UnitRule
from qualcode.rules.base import Spans


class Answer:
    """Facts about one answer: its tokens' offsets, units and word numbers, and the
    sequences and Matcher spans found in it (qualcode.rules.base.Answer)."""

    def __init__(
        self,
        doc: Doc,
        text: str,
        lowers: list[int],
        unit_rule: UnitRule,
        seq_hits: dict[int, Spans] | None = None,
        matcher_hits: dict[str, Spans] | None = None,
    ) -> None:
        self.doc = doc
        self.text = text  # == doc.text, which spaCy would rebuild token by token
        self.lowers = lowers  # lower-case type hash per token
        self.unit_rule = unit_rule
        self.seq_hits: dict[int, Spans] = seq_hits or {}
        self.matcher_hits: dict[str, Spans] = matcher_hits or {}
        self._facts: Facts | None = None
        self._units: list[int] | None = None
        self._words: list[int] | None = None
        self._starts: list[int] | None = None

    @property
    def facts(self) -> Facts:
        """Per token: [char offset, length, is_punct, is_space], fetched in one call."""
        if self._facts is None:
            self._facts = self.doc.to_array([IDX, LENGTH, IS_PUNCT, IS_SPACE]).tolist()
        return self._facts

    @property
    def token_starts(self) -> list[int]:
        """Character offset of each token."""
        if self._starts is None:
            self._starts = [fact[0] for fact in self.facts]
        return self._starts

    @property
    def units(self) -> list[int]:
        """Token index where each unit (sentence, line, or the whole answer) starts."""
        if self._units is None:
            if not self.lowers:
                self._units = [0]
            else:
                self._units = self.unit_rule.starts(self.doc, self.text, self.lowers, self.facts)
        return self._units

    def unit_span(self, token: int) -> tuple[int, int, int]:
        """(unit number, first token, end token) of the unit holding `token`."""
        units = self.units
        k = bisect_right(units, token) - 1
        return k, units[k], units[k + 1] if k + 1 < len(units) else len(self.lowers)

    def unit_of(self, token: int) -> int:
        """The first token of the unit holding `token`."""
        return self.unit_span(token)[1]

    def unit_range(self, start: int) -> tuple[int, int]:
        """[first, end) tokens of the unit that begins at `start`."""
        _, first, end = self.unit_span(start)
        return first, end

    def chars(self, start: int, end: int) -> tuple[int, int]:
        """Character span of the tokens [start, end)."""
        facts = self.facts
        last = facts[end - 1]
        return facts[start][0], last[0] + last[1]

    @property
    def words(self) -> list[int]:
        """Word number of each token (punctuation and whitespace do not count)."""
        if self._words is None:
            words, n = [], 0
            for fact in self.facts:
                words.append(n)
                if not fact[2] and not fact[3]:
                    n += 1
            self._words = words
        return self._words
