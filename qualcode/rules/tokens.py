"""`tokens`: a raw spaCy Matcher pattern (`{tokens: [{LOWER: pain}, {LEMMA: go}]}`).

All `tokens` rules of a codebook share one spaCy Matcher, run once per answer by the engine;
a rule reads its own matches by the key the compiler gave it.
"""

from __future__ import annotations

import itertools
from typing import Any

from qualcode.codebook.dump import RuleSpec
from qualcode.codebook.model import Rule
from qualcode.rules.base import Answer, CompiledRule, Compiler, Hit, QuantedaOut


class TokensRule(CompiledRule):
    """The spans the Matcher found for this rule's pattern."""

    kind = "tokens"

    def __init__(self, source: str, key: str) -> None:
        super().__init__(source)
        self.matcher_key = key

    @classmethod
    def compile(cls, rule: Rule, compiler: Compiler) -> TokensRule:
        key = compiler.token_pattern(list(rule.tokens))
        compiler.screen_nothing()  # a raw pattern can match anything
        return cls(rule.source, key)

    def find(self, answer: Answer, order: int = 0) -> list[Hit]:
        source = self.source
        return [Hit(s, e, source, order) for s, e in answer.matcher_hits.get(self.matcher_key, ())]

    @staticmethod
    def to_yaml(rule: Rule) -> RuleSpec:
        return {"tokens": [dict(t) for t in rule.tokens]}

    @staticmethod
    def to_quanteda(rule: Rule, out: QuantedaOut) -> list[str]:
        # Patterns that only test the lower-case text (as `qualcode import` writes them)
        # become quanteda patterns again; anything else has no equivalent.
        alts = [_token_alternatives(t) for t in rule.tokens]
        if alts and all(a is not None for a in alts):
            choices = [a for a in alts if a is not None]
            if len(choices) == 1:
                return list(choices[0])
            combos = list(itertools.product(*choices))
            if len(combos) <= out.max_variants:
                return [out.join(list(c)) for c in combos]
        out.warn(f"{rule.source}: a tokens pattern quanteda cannot express: dropped")
        return []


def _glob_of_regex(regex: str) -> str | None:
    """The glob an anchored token regex written by the importer stands for, else None."""
    if not (regex.startswith("^") and regex.endswith("$")):
        return None
    body, out, i = regex[1:-1], "", 0
    while i < len(body):
        if body.startswith(".*", i):
            out, i = out + "*", i + 2
        elif body.startswith("['\u2019]", i):
            out, i = out + "'", i + 6
        elif body[i] == ".":
            out, i = out + "?", i + 1
        elif body[i] == "\\" and i + 1 < len(body) and not body[i + 1].isalnum():
            out, i = out + body[i + 1], i + 2
        elif body[i] in "[](){}|+?^$\\":
            return None
        else:
            out, i = out + body[i], i + 1
    return out


def _token_alternatives(test: Any) -> list[str] | None:
    """The patterns one Matcher token test stands for, when it only tests LOWER."""
    if not isinstance(test, dict) or set(test) != {"LOWER"}:
        return None
    value = test["LOWER"]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
        forms = [str(v) for v in value["IN"]]
        # The importer adds the curly-apostrophe spelling of each form; one is enough here.
        return [f for f in forms if not ("\u2019" in f and f.replace("\u2019", "'") in forms)]
    if isinstance(value, dict) and set(value) == {"REGEX"}:
        glob = _glob_of_regex(str(value["REGEX"]))
        return [glob] if glob is not None else None
    return None
