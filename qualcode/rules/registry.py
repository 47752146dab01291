"""The rule kinds, by the name the codebook loader gives them (`Rule.kind`).

A new kind is one module in this package (a :class:`~qualcode.rules.base.CompiledRule`
subclass) plus one entry here; see docs/architecture.md, "How to add a rule kind".
"""

from __future__ import annotations

from qualcode.codebook.model import Rule
from qualcode.rules.base import CompiledRule
from qualcode.rules.glob import GlobRule
from qualcode.rules.near import NearRule
from qualcode.rules.phrase import PhraseRule
from qualcode.rules.regex import RegexRule
from qualcode.rules.tokens import TokensRule
from qualcode.rules.word import WordRule

KINDS: dict[str, type[CompiledRule]] = {
    cls.kind: cls for cls in (WordRule, PhraseRule, GlobRule, NearRule, RegexRule, TokensRule)
}


def kind_of(rule: Rule) -> type[CompiledRule]:
    """The class that compiles, finds and dumps rules of this rule's kind."""
    return KINDS[rule.kind]
