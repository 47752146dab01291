"""Find every code's hits in answers: screen -> tokenise -> type cache -> find.

Per column of answers: (1) a cheap vectorised screen (coding/prefilter.py: answers that hold
none of the codebook's literal forms cannot be coded and are never tokenised); (2) spaCy
tokenisation; (3) one dict lookup per token into a per-type cache of satisfied pieces and one
pass for every token sequence (coding/typecache.py); (4) each rule that can hit finds its hits
(qualcode.rules); (5) only for answers with hits: units, `unless`, overlaps and negation.

The engine only *finds*: it returns :class:`Hit` tuples and writes nothing. Recording them as
segments and matrix cells is the chunk's job (coding/chunk.py), and whether a hit codes its
answer is :func:`qualcode.codebook.model.segment_counts`. Only hits are kept, never Docs (a
Doc costs ~9 KB).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import numpy as np
from spacy.attrs import LEMMA, LOWER
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from qualcode.coding.answer import Answer
from qualcode.coding.compile import CompiledCodebook
from qualcode.coding.prefilter import screen
from qualcode.coding.typecache import Key, PairCache, TypeCache, find_seqs
from qualcode.coding.units import DocSentences, SentencesAndLines, UnitRule, WholeAnswer
from qualcode.rules.base import CompiledRule, Hit, Spans
from qualcode.rules.near import minimal_windows

__all__ = ["Engine", "Hit", "keep_longest", "minimal_windows"]

#: A rule where the engine indexes it: (its code's index, its place in the code's list, it).
_Entry = tuple[int, int, CompiledRule]


class Engine:
    """Finds a compiled codebook's hits in answers (one engine per process and codebook:
    its caches persist across chunks)."""

    def __init__(self, compiled: CompiledCodebook) -> None:
        self.c = compiled
        self.nlp = compiled.pipeline.nlp
        self.trained = compiled.pipeline.trained
        self.strings = self.nlp.vocab.strings
        caches = (self.strings, compiled.pipeline.lemma, compiled.classify)
        self.types = TypeCache(*caches)
        self.pairs = PairCache(*caches)  # trained pipelines: lemmas come from the Doc
        self.units: UnitRule
        if compiled.codebook.unit == "answer":
            self.units = WholeAnswer()
        elif self.trained:
            self.units = DocSentences()
        else:
            self.units = SentencesAndLines(self.strings)
        # Each rule is indexed by what must be present for it to hit, so an answer only
        # looks at the rules it can satisfy.
        self.by_seq: dict[int, list[_Entry]] = {}  # by the sequence it needs
        self.by_regex: dict[int, _Entry] = {}  # by the screened regex it needs
        self.always: list[_Entry] = []  # tried on every tokenised answer
        for cc in compiled.codes:
            for n, rule in enumerate(cc.match):
                entry = (cc.index, n, rule)
                if rule.needs_seq is not None:
                    self.by_seq.setdefault(rule.needs_seq, []).append(entry)
                elif rule.needs_regex is not None:
                    self.by_regex[rule.needs_regex] = entry
                else:
                    self.always.append(entry)

    # -- a column of answers -----------------------------------------------------------
    def find_all(self, texts: Sequence[str]) -> Iterator[tuple[int, list[Hit]]]:
        """(index, hits) of every answer in `texts` that has hits, in order."""
        c = self.c
        screened = screen(texts, c.prefilter, c.regexes, c.re2_precheck)
        idx = np.flatnonzero(screened.tokenize).tolist()
        found_regexes: dict[int, list[int]] = {}  # answer -> the match regexes it contains
        for k, hits in enumerate(screened.regex_hits):
            for i in np.flatnonzero(hits).tolist():
                found_regexes.setdefault(i, []).append(k)
        todo = (texts[i] for i in idx)
        docs: Iterable[Doc]
        if self.trained:
            docs = self.nlp.pipe(todo, batch_size=256)
        else:
            docs = cast(Tokenizer, self.nlp.tokenizer).pipe(todo, batch_size=1000)
        for i, doc in zip(idx, docs):
            found = self.find(doc, texts[i], found_regexes.get(i, ()))
            if found:
                yield i, found

    # -- one answer ----------------------------------------------------------------------
    def find(self, doc: Doc, text: str, regexes: Sequence[int] | None = None) -> list[Hit]:
        """Every code's hits in one tokenised answer: by code (codebook order), then by
        position; each with its code, offsets, unit and negation (when its code's mode
        looks for negation).

        `regexes` are the indexes of the match regexes the answer contains (from the
        screen); None means unknown (search them all).
        """
        answer = self._answer(doc, text)
        hits_by_code = self._candidates(answer, regexes)
        if not hits_by_code:
            return []
        codes = self.c.codes
        detector = self.c.detector
        lowers, strings = answer.lowers, self.strings
        out: list[Hit] = []
        for code_index in sorted(hits_by_code):
            cc, hits = codes[code_index], hits_by_code[code_index]
            if cc.unless:
                blocked = {
                    answer.unit_of(h.start) for r in cc.unless for h in r.find(answer)
                }  # fmt: skip
                hits = [h for h in hits if answer.unit_of(h.start) not in blocked]
            detects = cc.negation.detects
            for hit in keep_longest(hits):
                _, first, last = answer.unit_span(hit.start)
                trigger = None
                if detects:
                    trigger = detector.find_ids(lowers, strings, first, last, hit.start, hit.end)
                start, end = answer.chars(hit.start, hit.end)
                # The quote is the unit, or the units, a (regex) hit crosses.
                if hit.end > last:
                    last = answer.unit_span(hit.end - 1)[2]
                unit_start, unit_end = answer.chars(first, last)
                out.append(Hit(
                    hit.start, hit.end, hit.rule, hit.order, code_index, start, end,
                    unit_start, unit_end, trigger is not None, trigger,
                ))  # fmt: skip
        return out

    def doc_info(self, doc: Doc, text: str) -> Answer:
        """Units, offsets and words of one tokenised answer, as `find` sees them."""
        return self._answer(doc, text)

    def _answer(self, doc: Doc, text: str) -> Answer:
        """The answer with its sequences and Matcher spans found."""
        keys: list[Key]
        if self.trained:
            pairs = doc.to_array([LOWER, LEMMA]).tolist()
            lowers = [a for a, _ in pairs]
            keys = [self.pairs[(a, b)] for a, b in pairs]
        else:
            lowers = doc.to_array(LOWER).tolist()
            keys = list(map(self.types.__getitem__, lowers))
        seq_hits = find_seqs(keys, self.c.seqs, self.c.seq_starts)
        matcher_hits = self._run_matcher(doc) if self.c.matcher is not None else {}
        return Answer(doc, text, lowers, self.units, seq_hits, matcher_hits)

    def _candidates(self, answer: Answer, regexes: Sequence[int] | None) -> dict[int, list[Hit]]:
        """Hits of every rule that can hit, by code; before `unless` and overlaps."""
        hits_by_code: dict[int, list[Hit]] = {}
        by_seq, by_regex = self.by_seq, self.by_regex
        for entries in (
            [e for sid in answer.seq_hits for e in by_seq.get(sid, ())],
            by_regex.values() if regexes is None else [by_regex[k] for k in regexes],
            self.always,
        ):
            for code_index, order, rule in entries:
                found = rule.find(answer, order)
                if found:
                    hits_by_code.setdefault(code_index, []).extend(found)
        return hits_by_code

    def _run_matcher(self, doc: Doc) -> dict[str, Spans]:
        strings = self.strings
        if self.c.matcher_uses_lemma and not self.trained:
            lemma = self.c.pipeline.lemma
            lemmas = [strings.add(lemma(strings[h])) for h in doc.to_array(LOWER).tolist()]
            column: Any = np.array(lemmas, dtype=np.uint64).reshape(-1, 1)  # thinc's Ints2d
            doc.from_array([LEMMA], column)
        out: dict[str, Spans] = {}
        assert self.c.matcher is not None
        for match_id, start, end in self.c.matcher(doc):
            out.setdefault(strings[match_id], []).append((start, end))
        return out


def keep_longest(hits: list[Hit]) -> list[Hit]:
    """Nested hits of one code count once: drop a hit inside another (longest wins).

    Identical spans from several rules keep the first rule in codebook order.
    """
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    reach = -1  # the furthest end of a kept hit; every kept hit starts at or before `hit`
    for hit in sorted(hits, key=lambda h: (h.start, -h.end, h.order)):
        if hit.end <= reach:
            continue
        kept.append(hit)
        reach = hit.end
    return kept
