"""`regex`: a Python regular expression searched in the answer's text (`{regex: ...}`)."""

from __future__ import annotations

import re
from bisect import bisect_right

from qualcode.codebook.dump import RuleSpec
from qualcode.codebook.model import Rule
from qualcode.rules.base import Answer, CompiledRule, Compiler, Hit, QuantedaOut


class RegexRule(CompiledRule):
    """Regex matches in the answer text, widened to whole tokens."""

    kind = "regex"

    def __init__(self, source: str, regex: re.Pattern[str], index: int | None) -> None:
        super().__init__(source)
        self.regex = regex
        # A `match` regex is searched once per column by the screen (coding/prefilter.py),
        # which says which answers hold it; the engine looks at the rule only in those.
        self.needs_regex = index

    @classmethod
    def compile(cls, rule: Rule, compiler: Compiler) -> RegexRule:
        assert rule.regex is not None  # the loader compiles every regex rule
        return cls(rule.source, rule.regex, compiler.match_regex(rule.regex))

    def find(self, answer: Answer, order: int = 0) -> list[Hit]:
        hits = []
        starts: list[int] | None = None
        for m in self.regex.finditer(answer.text):
            if m.end() == m.start():
                continue
            if starts is None:
                starts = answer.token_starts
            # Widen to whole tokens: the token holding the match start through the token
            # holding its last character.
            first = max(bisect_right(starts, m.start()) - 1, 0)
            last = max(bisect_right(starts, m.end() - 1) - 1, first)
            hits.append(Hit(first, last + 1, self.source, order))
        return hits

    @staticmethod
    def to_yaml(rule: Rule) -> RuleSpec:
        assert rule.regex is not None
        return {"regex": rule.regex.pattern}

    @staticmethod
    def to_quanteda(rule: Rule, out: QuantedaOut) -> list[str]:
        out.warn(f"{rule.source}: a regex quanteda dictionaries cannot express: dropped")
        return []
