"""Run a compiled codebook over answers: tokens -> hits -> segments and a 0/1 matrix.

Per answer the work is: (1) a cheap vectorised prefilter (answers that contain none of the
codebook's literal forms cannot be coded and are never tokenised); (2) spaCy tokenisation;
(3) one dict lookup per token into a per-type cache of satisfied pieces; (4) sequence, near,
regex and Matcher hits; (5) only for answers with hits: sentences, `unless`, overlap rules
and negation. Only segments are kept, never Docs (a Doc costs ~9 KB).
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LOWER, SENT_START
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from qualcode.codebook.model import segment_counts
from qualcode.text.negation import NegationDetector
from tests.legacy_engine.compile import CompiledCodebook, CompiledRule
from tests.legacy_engine.prefilter import screen

SPACE = None  # the cache value of whitespace tokens: skipped inside phrases


class Hit(NamedTuple):
    """A hit of one rule: token range [start, end) in the answer (a tuple: made by the
    hundred thousand, where a frozen dataclass's __init__ showed in profiles)."""

    start: int
    end: int
    rule: str
    order: int = 0  # the rule's position in the code's `match` list (ties keep the first)


class SegmentTable:
    """Column lists for segments; cheaper than a list of row objects at millions of rows."""

    COLUMNS = ("row", "question", "code", "start", "end", "match", "quote", "negated", "rule")

    def __init__(self) -> None:
        self.cols: dict[str, list] = {c: [] for c in self.COLUMNS}
        self.appenders = [self.cols[c].append for c in self.COLUMNS]

    def add(self, *values: object) -> None:
        for column, value in zip(self.appenders, values):
            column(value)

    def __len__(self) -> int:
        return len(self.cols["row"])


class _TypeCache(dict):
    """lower-case type hash -> satisfied piece ids, filled on first sight of each type."""

    def __init__(self, compiled: CompiledCodebook) -> None:
        super().__init__()
        self.compiled = compiled
        self.strings = compiled.pipeline.nlp.vocab.strings
        self.lemma = compiled.pipeline.lemma
        self.newlines: set[int] = set()  # whitespace types holding a line break

    def __missing__(self, key: int) -> tuple[int, ...] | None:
        lower = self.strings[key]
        if lower.isspace():
            value = SPACE
            if "\n" in lower:
                self.newlines.add(key)
        else:
            value = self.compiled.classify(lower, self.lemma(lower))
        self[key] = value
        return value


class _PairCache(dict):
    """(lower, lemma) hashes -> piece ids, for trained pipelines whose lemmas are contextual."""

    def __init__(self, compiled: CompiledCodebook) -> None:
        super().__init__()
        self.compiled = compiled
        self.strings = compiled.pipeline.nlp.vocab.strings

    def __missing__(self, key: tuple[int, int]) -> tuple[int, ...] | None:
        lower = self.strings[key[0]]
        # A pipeline without a lemmatizer leaves lemmas unset (0): use the lookup table.
        lemma = self.strings[key[1]].lower() if key[1] else self.compiled.pipeline.lemma(lower)
        value = SPACE if lower.isspace() else self.compiled.classify(lower, lemma)
        self[key] = value
        return value


class Engine:
    """Codes texts with a compiled codebook; accumulates segments and a code matrix."""

    def __init__(self, compiled: CompiledCodebook) -> None:
        self.c = compiled
        self.nlp = compiled.pipeline.nlp
        self.trained = compiled.pipeline.trained
        self.cache: dict = _PairCache(compiled) if self.trained else _TypeCache(compiled)
        strings = self.nlp.vocab.strings
        self.punct_chars = {strings.add(ch) for ch in Sentencizer.default_punct_chars}
        # Tokens after which a unit may end: the punctuation above, and whitespace types
        # holding a line break (the type cache adds those as it meets them).
        self.boundaries = set(self.punct_chars)
        if isinstance(self.cache, _TypeCache):
            self.cache.newlines = self.boundaries
        # Hashes of the words a negation phrase needs, before (pre) or after (post) a hit.
        self.pre_anchors = {strings.add(w) for w in compiled.detector.pre_anchors}
        self.post_anchors = {strings.add(w) for w in compiled.detector.post_anchors}
        self.unit_is_answer = compiled.codebook.unit == "answer"
        # Word/phrase/glob rules are found through their sequence; the rest rule by rule.
        # Each rule is indexed by what must be present for it to fire, so an answer only
        # looks at the rules it can satisfy.
        self.seq_rules: dict[int, list[tuple[int, int, str]]] = {}
        self.near_rules: dict[int, list[tuple[int, int, CompiledRule]]] = {}  # by first term
        self.regex_rules: dict[int, tuple[int, int, CompiledRule]] = {}  # by regex index
        self.token_rules: list[tuple[int, int, CompiledRule]] = []
        for cc in compiled.codes:
            for n, rule in enumerate(cc.match):
                if rule.kind in ("word", "phrase", "glob"):
                    entry = (cc.index, n, rule.source)
                    self.seq_rules.setdefault(rule.seqs[0], []).append(entry)
                elif rule.kind == "near":
                    self.near_rules.setdefault(rule.seqs[0], []).append((cc.index, n, rule))
                elif rule.kind == "regex":
                    self.regex_rules[rule.regex_index] = (cc.index, n, rule)
                else:
                    self.token_rules.append((cc.index, n, rule))

    def doc_info(self, doc: Doc, text: str) -> _DocInfo:
        """Units, offsets and words of one tokenised answer, as `code_doc` sees them."""
        lowers = doc.to_array(LOWER).tolist()
        for h in lowers:  # the type cache records which whitespace types break lines
            self.cache[h]
        return _DocInfo(doc, text, lowers, self)

    # -- the run ---------------------------------------------------------------------
    def run(
        self,
        texts: Sequence[str],
        rows: Sequence[int],
        question: str,
        matrix: np.ndarray,
        segments: SegmentTable,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Code `texts` (answers of one question); rows index into `matrix` and segments."""
        screened = screen(texts, self.c)
        idx = np.flatnonzero(screened.tokenize).tolist()
        found_regexes: dict[int, list[int]] = {}  # answer -> the match regexes it contains
        for k, hits in enumerate(screened.regex_hits):
            for i in np.flatnonzero(hits).tolist():
                found_regexes.setdefault(i, []).append(k)
        if progress:
            progress(len(texts) - len(idx))
        todo = (texts[i] for i in idx)
        docs: Iterable[Doc]
        if self.trained:
            docs = self.nlp.pipe(todo, batch_size=256)
        else:
            docs = self.nlp.tokenizer.pipe(todo, batch_size=1000)
        done = 0
        for i, doc in zip(idx, docs):
            regexes = found_regexes.get(i, ())
            self.code_doc(doc, texts[i], rows[i], question, matrix, segments, regexes)
            done += 1
            if progress and done % 1000 == 0:
                progress(1000)
        if progress:
            progress(done % 1000)

    def code_doc(
        self,
        doc: Doc,
        text: str,
        row: int,
        question: str,
        matrix: np.ndarray,
        segments: SegmentTable,
        regexes: Sequence[int] | None = None,
    ) -> None:
        """Find every code's hits in one answer and record them.

        `regexes` are the indexes of the match regexes the answer contains (from the
        screen); None means unknown (search them all).
        """
        if self.trained:
            pairs = doc.to_array([LOWER, LEMMA]).tolist()
            lowers = [a for a, _ in pairs]
            keys = [self.cache[(a, b)] for a, b in pairs]
        else:
            lowers = doc.to_array(LOWER).tolist()
            keys = list(map(self.cache.__getitem__, lowers))
        seq_hits = self.find_seqs(keys)
        matcher_hits = self.run_matcher(doc) if self.c.matcher is not None else {}
        doc_info = _DocInfo(doc, text, lowers, self)
        # Only codes whose sequences occur, or that have other rule kinds, are looked at.
        hits_by_code: dict[int, list[Hit]] = {}
        for sid, spans in seq_hits.items():
            for code_index, order, source in self.seq_rules.get(sid, ()):
                hits_by_code.setdefault(code_index, []).extend(
                    Hit(s, e, source, order) for s, e in spans
                )
        others = [r for sid in seq_hits for r in self.near_rules.get(sid, ())]
        ks = self.regex_rules if regexes is None else regexes
        others.extend(self.regex_rules[k] for k in ks)
        others.extend(self.token_rules)
        for code_index, order, rule in others:
            found = self.rule_hits(rule, doc_info, seq_hits, matcher_hits, order)
            if found:
                hits_by_code.setdefault(code_index, []).extend(found)
        if not hits_by_code:
            return
        codes = self.c.codes
        for code_index in sorted(hits_by_code):
            cc, hits = codes[code_index], hits_by_code[code_index]
            if cc.unless:
                blocked = {
                    doc_info.unit_of(h.start)
                    for r in cc.unless
                    for h in self.rule_hits(r, doc_info, seq_hits, matcher_hits)
                }
                hits = [h for h in hits if doc_info.unit_of(h.start) not in blocked]
            coded = False
            for hit in keep_longest(hits):
                unit = doc_info.unit_span(hit.start)
                negated = False
                if cc.negation.detects:
                    negated = doc_info.negated(hit, unit, self.c.detector)
                start, end = doc_info.chars(hit)
                segments.add(
                    row, question, cc.index, start, end, text[start:end],
                    doc_info.quote(hit, unit), negated, hit.rule,
                )  # fmt: skip
                if segment_counts(negated, cc.negation):
                    coded = True
            if coded:
                matrix[row, cc.index] = 1

    # -- hits of each rule kind ------------------------------------------------------
    def find_seqs(self, keys: list) -> dict[int, list[tuple[int, int]]]:
        """Occurrences (token start, end) of every sequence in the token keys."""
        found: dict[int, list[tuple[int, int]]] = {}
        seqs, starts = self.c.seqs, self.c.seq_starts
        n = len(keys)
        for i, key in enumerate(keys):
            if not key:
                continue
            for pid in key:
                for sid in starts.get(pid, ()):
                    seq = seqs[sid]
                    j = i + 1
                    ok = True
                    for p in seq[1:]:
                        while j < n and keys[j] is SPACE:
                            j += 1
                        if j >= n or p not in keys[j]:
                            ok = False
                            break
                        j += 1
                    if ok:
                        found.setdefault(sid, []).append((i, j))
        return found

    def run_matcher(self, doc: Doc) -> dict[str, list[tuple[int, int]]]:
        if self.c.matcher_uses_lemma and not self.trained:
            strings = self.nlp.vocab.strings
            lemmas = [
                strings.add(self.c.pipeline.lemma(strings[h])) for h in doc.to_array(LOWER).tolist()
            ]
            doc.from_array([LEMMA], np.array(lemmas, dtype=np.uint64).reshape(-1, 1))
        out: dict[str, list[tuple[int, int]]] = {}
        strings = self.nlp.vocab.strings
        for match_id, start, end in self.c.matcher(doc):
            out.setdefault(strings[match_id], []).append((start, end))
        return out

    def rule_hits(
        self,
        rule: CompiledRule,
        info: _DocInfo,
        seq_hits: dict[int, list[tuple[int, int]]],
        matcher_hits: dict[str, list[tuple[int, int]]],
        order: int = 0,
    ) -> list[Hit]:
        kind = rule.kind
        if kind in ("word", "phrase", "glob"):
            return [Hit(s, e, rule.source, order) for s, e in seq_hits.get(rule.seqs[0], ())]
        if kind == "regex":
            return regex_hits(rule, info, order)
        if kind == "near":
            if not all(sid in seq_hits for sid in rule.seqs):
                return []
            return near_hits(rule, seq_hits, info, order)
        spans = matcher_hits.get(rule.matcher_key, ())
        return [Hit(s, e, rule.source, order) for s, e in spans]


def regex_hits(rule: CompiledRule, info: _DocInfo, order: int = 0) -> list[Hit]:
    """Regex matches in the answer text, widened to whole tokens."""
    hits = []
    starts: list[int] | None = None
    for m in rule.regex.finditer(info.text):
        if m.end() == m.start():
            continue
        if starts is None:
            starts = [fact[0] for fact in info.facts]
        # Widen to whole tokens: the token holding the match start through the token
        # holding its last character.
        first = max(bisect_right(starts, m.start()) - 1, 0)
        last = max(bisect_right(starts, m.end() - 1) - 1, first)
        hits.append(Hit(first, last + 1, rule.source, order))
    return hits


class _DocInfo:
    """Lazily computed facts about one answer that has hits: units, offsets, words."""

    def __init__(self, doc: Doc, text: str, lowers: list[int], engine: Engine) -> None:
        self.doc = doc
        self.text = text  # == doc.text, which spaCy would rebuild token by token
        self.lowers = lowers  # lower-case type hash per token
        self.engine = engine
        self._facts: list[list[int]] | None = None
        self._units: list[int] | None = None
        self._words: list[int] | None = None
        self._unit_lower: dict[int, list[str]] = {}  # unit number -> its lower-case tokens
        self._quotes: dict[int, str] = {}  # unit number -> its text

    @property
    def facts(self) -> list[list[int]]:
        """Per token: [char offset, length, is_punct, is_space], fetched in one call."""
        if self._facts is None:
            self._facts = self.doc.to_array([IDX, LENGTH, IS_PUNCT, IS_SPACE]).tolist()
        return self._facts

    @property
    def units(self) -> list[int]:
        """Token index where each unit (sentence, or the whole answer) starts."""
        if self._units is None:
            if self.engine.unit_is_answer or not self.lowers:
                self._units = [0]
            elif self.engine.trained:
                flags = self.doc.to_array(SENT_START).tolist()
                self._units = [i for i, f in enumerate(flags) if f == 1 or i == 0]
            else:
                self._units = self.sentence_starts()
        return self._units

    def sentence_starts(self) -> list[int]:
        """spaCy's Sentencizer rule, plus line breaks, from the boundary tokens only.

        As in spaCy's `sentencizer`, a sentence ends after a run of its punctuation
        characters: the next sentence starts at the first later token that is neither
        punctuation nor one of those characters. A whitespace token holding a line break
        also ends a unit, because answers often use lines as sentences. Only answers with
        hits get here, and only their few boundary tokens are looked at one by one.
        """
        lowers, facts = self.lowers, self.facts
        boundaries, punct_chars = self.engine.boundaries, self.engine.punct_chars
        n = len(lowers)
        starts = [0]
        reached = 0  # tokens before this were already scanned for the next start
        for p in [i for i, h in enumerate(lowers) if h in boundaries]:
            q = max(p + 1, reached)
            while q < n and (facts[q][2] or lowers[q] in punct_chars):
                q += 1
            reached = q
            if q < n and q != starts[-1]:
                starts.append(q)
        return starts

    def unit_of(self, token: int) -> int:
        """The first token of the unit holding `token`."""
        return self.unit_span(token)[1]

    def unit_range(self, start: int) -> tuple[int, int]:
        """[first, end) tokens of the unit that begins at `start`."""
        return self.unit_span(start)[1:]

    def chars(self, hit: Hit) -> tuple[int, int]:
        facts = self.facts
        last = facts[hit.end - 1]
        return facts[hit.start][0], last[0] + last[1]

    def unit_span(self, token: int) -> tuple[int, int, int]:
        """(unit number, first token, end token) of the unit holding `token`."""
        units = self.units
        k = bisect_right(units, token) - 1
        return k, units[k], units[k + 1] if k + 1 < len(units) else len(self.lowers)

    def quote(self, hit: Hit, unit: tuple[int, int, int]) -> str:
        """The unit holding the hit (several units when a regex hit crosses a boundary)."""
        k, first, last = unit
        if hit.end <= last:
            cached = self._quotes.get(k)
            if cached is None:
                facts = self.facts
                end = facts[last - 1][0] + facts[last - 1][1]
                cached = self._quotes[k] = self.text[facts[first][0] : end].strip()
            return cached
        _, _, last = self.unit_span(hit.end - 1)
        facts = self.facts
        return self.text[facts[first][0] : facts[last - 1][0] + facts[last - 1][1]].strip()

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

    def negated(self, hit: Hit, unit: tuple[int, int, int], detector: NegationDetector) -> bool:
        """Whether a negation trigger in the hit's unit negates it."""
        unit, first, last = unit
        end = min(hit.end, last)
        lowers, engine = self.lowers, self.engine
        # Most hits have no word a pre-trigger needs before them and none a post-trigger
        # needs after them in their sentence: decided on hashes, without the detector.
        if engine.pre_anchors.isdisjoint(lowers[first : hit.start]) and (
            engine.post_anchors.isdisjoint(lowers[end:last])
        ):
            return False
        tokens = self._unit_lower.get(unit)
        if tokens is None:
            strings = self.doc.vocab.strings
            tokens = [strings[h] for h in lowers[first:last]]
            self._unit_lower[unit] = tokens
        end -= first
        return detector.find(tokens, hit.start - first, end) is not None


def near_hits(
    rule: CompiledRule,
    seq_hits: dict[int, list[tuple[int, int]]],
    info: _DocInfo,
    order: int = 0,
) -> list[Hit]:
    """Minimal windows holding every term, in one unit, first words <= `within` apart."""
    occ = sorted((s, e, t) for t, sid in enumerate(rule.seqs) for s, e in seq_hits.get(sid, ()))
    words = info.words
    n_terms = len(rule.seqs)
    hits: list[Hit] = []
    for i, (s0, _e0, _t0) in enumerate(occ):
        unit = info.unit_of(s0)
        seen: dict[int, tuple[int, int]] = {}
        for s, e, t in occ[i:]:
            if info.unit_of(s) != unit or words[s] - words[s0] > rule.within:
                break
            seen.setdefault(t, (s, e))
            if len(seen) == n_terms:
                break
        if len(seen) == n_terms and occ[i][2] in seen and seen[occ[i][2]][0] == s0:
            end = max(e for _s, e in seen.values())
            hits.append(Hit(s0, end, rule.source, order))
    return minimal_windows(hits)


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
