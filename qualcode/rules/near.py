"""`near`: every term within N words of each other, in one unit (`{near: [pain, kidney]}`)."""

from __future__ import annotations

import sys

from qualcode.codebook.dump import RuleSpec
from qualcode.codebook.model import Rule
from qualcode.rules.base import Answer, CompiledRule, Compiler, Hit, QuantedaOut


class NearRule(CompiledRule):
    """Minimal windows holding every term, in one unit, first words <= `within` apart."""

    kind = "near"

    def __init__(self, source: str, seqs: tuple[int, ...], within: int) -> None:
        super().__init__(source)
        self.seqs = seqs
        self.within = within
        self.needs_seq = seqs[0]  # cannot hit without its first term, so index it by that

    @classmethod
    def compile(cls, rule: Rule, compiler: Compiler) -> NearRule:
        seqs = tuple(compiler.sequence(t) for t in rule.terms)
        compiler.screen_for(seqs)
        return cls(rule.source, seqs, rule.within)

    def find(self, answer: Answer, order: int = 0) -> list[Hit]:
        seq_hits = answer.seq_hits
        if not all(sid in seq_hits for sid in self.seqs):
            return []
        occ = sorted((s, e, t) for t, sid in enumerate(self.seqs) for s, e in seq_hits[sid])
        words = answer.words
        n_terms = len(self.seqs)
        hits: list[Hit] = []
        for i, (s0, _e0, _t0) in enumerate(occ):
            unit = answer.unit_of(s0)
            seen: dict[int, tuple[int, int]] = {}
            for s, e, t in occ[i:]:
                if answer.unit_of(s) != unit or words[s] - words[s0] > self.within:
                    break
                seen.setdefault(t, (s, e))
                if len(seen) == n_terms:
                    break
            if len(seen) == n_terms and occ[i][2] in seen and seen[occ[i][2]][0] == s0:
                end = max(e for _s, e in seen.values())
                hits.append(Hit(s0, end, self.source, order))
        return minimal_windows(hits)

    @staticmethod
    def to_yaml(rule: Rule) -> RuleSpec:
        return {"near": [str(t) for t in rule.terms], "within": rule.within}

    @staticmethod
    def to_quanteda(rule: Rule, out: QuantedaOut) -> list[str]:
        out.warn(f"{rule.source}: a proximity (near) rule quanteda dictionaries cannot express: "
                 "dropped")  # fmt: skip
        return []


def minimal_windows(hits: list[Hit]) -> list[Hit]:
    """Drop windows that contain another, different window (keep the minimal ones).

    Spans by start descending: a span contains another iff one seen before it (a later
    start, or the same start and an earlier end) ends no later than it does. O(n log n): one
    long answer can hold thousands of windows.
    """
    containing: set[tuple[int, int]] = set()
    min_end = sys.maxsize
    for start, end in sorted({(h.start, h.end) for h in hits}, key=lambda se: (-se[0], se[1])):
        if min_end <= end:
            containing.add((start, end))
        min_end = min(min_end, end)
    return [h for h in hits if (h.start, h.end) not in containing]
