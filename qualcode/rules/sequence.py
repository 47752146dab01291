"""What words, phrases and globs share: a rule that is one token sequence.

A term is split into tokens with the answers' own tokenizer; each token becomes a *piece* (a
word's forms, or a glob) and the engine finds every sequence of pieces in one pass over an
answer's tokens (qualcode.coding.typecache). So a rule of these kinds only reads its own
sequence's occurrences, and the kinds differ only in how the loader tells them apart.
"""

from __future__ import annotations

from qualcode.codebook.dump import RuleSpec
from qualcode.codebook.model import Rule
from qualcode.rules.base import Answer, CompiledRule, Compiler, Hit, QuantedaOut


class SequenceRule(CompiledRule):
    """A rule that hits wherever its one token sequence occurs."""

    def __init__(self, source: str, seq: int) -> None:
        super().__init__(source)
        self.seq = seq
        self.needs_seq = seq

    @classmethod
    def compile(cls, rule: Rule, compiler: Compiler) -> SequenceRule:
        seq = compiler.sequence(rule.terms[0])
        compiler.screen_for((seq,))
        return cls(rule.source, seq)

    def find(self, answer: Answer, order: int = 0) -> list[Hit]:
        source = self.source
        return [Hit(s, e, source, order) for s, e in answer.seq_hits.get(self.seq, ())]

    @staticmethod
    def to_yaml(rule: Rule) -> RuleSpec:
        return str(rule.terms[0])

    @staticmethod
    def to_quanteda(rule: Rule, out: QuantedaOut) -> list[str]:
        # A piece also matches its inflections in qualcode: write each of them.
        pieces = rule.terms[0].pieces
        return out.variants(rule, [out.piece_forms(p) for p in pieces])
