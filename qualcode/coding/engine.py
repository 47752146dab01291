"""Run a compiled codebook over answers: tokens -> hits -> segments and a 0/1 matrix.

Per answer the work is: (1) a cheap vectorised prefilter (answers that contain none of the
codebook's literal forms cannot be coded and are never tokenised); (2) spaCy tokenisation;
(3) one dict lookup per token into a per-type cache of satisfied pieces; (4) sequence, near,
regex and Matcher hits; (5) only for answers with hits: sentences, `unless`, overlap rules
and negation. Only segments are kept, never Docs (a Doc costs ~9 KB).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LOWER, SENT_START
from spacy.tokens import Doc

from qualcode.coding.compile import CompiledCodebook, CompiledRule

SPACE = None  # the cache value of whitespace tokens: skipped inside phrases


@dataclass(frozen=True)
class Hit:
    """A hit of one rule: token range [start, end) in the answer."""

    start: int
    end: int
    rule: str


class SegmentTable:
    """Column lists for segments; cheaper than a list of row objects at millions of rows."""

    COLUMNS = ("row", "question", "code", "start", "end", "match", "quote", "negated", "rule")

    def __init__(self) -> None:
        self.cols: dict[str, list] = {c: [] for c in self.COLUMNS}

    def add(self, *values: object) -> None:
        for col, value in zip(self.COLUMNS, values):
            self.cols[col].append(value)

    def __len__(self) -> int:
        return len(self.cols["row"])


class _TypeCache(dict):
    """lower-case type hash -> satisfied piece ids, filled on first sight of each type."""

    def __init__(self, compiled: CompiledCodebook) -> None:
        super().__init__()
        self.compiled = compiled
        self.strings = compiled.pipeline.nlp.vocab.strings
        self.lemma = compiled.pipeline.lemma

    def __missing__(self, key: int) -> tuple[int, ...] | None:
        lower = self.strings[key]
        value = SPACE if lower.isspace() else self.compiled.classify(lower, self.lemma(lower))
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
        lemma = self.strings[key[1]].lower() if key[1] else lower
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
        self.sentencizer = None
        if not self.trained and "sentencizer" in self.nlp.pipe_names:
            self.sentencizer = self.nlp.get_pipe("sentencizer")
        self.unit_is_answer = compiled.codebook.unit == "answer"
        self.n_codes = len(compiled.codes)
        self.has_near = any(r.kind == "near" for cc in compiled.codes for r in cc.match + cc.unless)

    # -- selecting which answers to tokenise -----------------------------------------
    def candidates(self, texts: Sequence[str]) -> np.ndarray:
        """Boolean mask: answers that could be coded (non-empty and passing the prefilter)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(texts, type=pa.large_string())
        nonblank = _to_bool(pc.match_substring_regex(arr, r"\S"))
        if self.c.prefilter is None:
            return nonblank
        mask = nonblank & _to_bool(pc.match_substring_regex(arr, self.c.prefilter, ignore_case=True))
        if self.c.regexes:  # regex rules are searched in the raw text, answer by answer
            for i in np.flatnonzero(nonblank & ~mask).tolist():
                if any(regex.search(texts[i]) for regex in self.c.regexes):
                    mask[i] = True
        return mask

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
        mask = self.candidates(texts)
        idx = np.flatnonzero(mask).tolist()
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
            self.code_doc(doc, rows[i], question, matrix, segments)
            done += 1
            if progress and done % 1000 == 0:
                progress(1000)
        if progress:
            progress(done % 1000)

    def code_doc(
        self, doc: Doc, row: int, question: str, matrix: np.ndarray, segments: SegmentTable
    ) -> None:
        """Find every code's hits in one answer and record them."""
        if self.trained:
            pairs = doc.to_array([LOWER, LEMMA]).tolist()
            keys = [self.cache[(a, b)] for a, b in pairs]
        else:
            keys = list(map(self.cache.__getitem__, doc.to_array(LOWER).tolist()))
        seq_hits = self.find_seqs(keys)
        matcher_hits = self.run_matcher(doc) if self.c.matcher is not None else {}
        text = doc.text
        hits_by_code: list[list[Hit]] = []
        any_hit = False
        for cc in self.c.codes:
            hits = [h for r in cc.match for h in self.rule_hits(r, doc, seq_hits, matcher_hits)]
            hits_by_code.append(hits)
            any_hit = any_hit or bool(hits)
        if not any_hit:
            return
        doc_info = _DocInfo(doc, self)
        for cc, hits in zip(self.c.codes, hits_by_code):
            if not hits:
                continue
            if cc.unless:
                blocked = {
                    doc_info.unit_of(h.start)
                    for r in cc.unless
                    for h in self.rule_hits(r, doc, seq_hits, matcher_hits)
                }
                hits = [h for h in hits if doc_info.unit_of(h.start) not in blocked]
            coded = False
            for hit in keep_longest(hits):
                negated = False
                if cc.negation != "ignore":
                    negated = doc_info.negated(hit, self.c.detector)
                start, end = doc_info.chars(hit)
                segments.add(
                    row, question, cc.index, start, end, text[start:end],
                    doc_info.quote(hit), negated, hit.rule,
                )  # fmt: skip
                if not (negated and cc.negation == "exclude"):
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
                strings.add(self.c.pipeline.lemma(strings[h]))
                for h in doc.to_array(LOWER).tolist()
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
        doc: Doc,
        seq_hits: dict[int, list[tuple[int, int]]],
        matcher_hits: dict[str, list[tuple[int, int]]],
    ) -> list[Hit]:
        kind = rule.kind
        if kind in ("word", "phrase", "glob"):
            return [Hit(s, e, rule.source) for s, e in seq_hits.get(rule.seqs[0], ())]
        if kind == "regex":
            return self.regex_hits(rule, doc)
        if kind == "near":
            if not all(sid in seq_hits for sid in rule.seqs):
                return []
            return near_hits(rule, seq_hits, _DocInfo(doc, self))
        return [Hit(s, e, rule.source) for s, e in matcher_hits.get(rule.matcher_key, ())]

    def regex_hits(self, rule: CompiledRule, doc: Doc) -> list[Hit]:
        hits = []
        starts: list[int] | None = None
        for m in rule.regex.finditer(doc.text):
            if m.end() == m.start():
                continue
            if starts is None:
                starts = doc.to_array(IDX).tolist()
            # Widen to whole tokens: first token starting at/before the match start,
            # through the last token starting before the match end.
            first = max(bisect_right(starts, m.start()) - 1, 0)
            last = max(bisect_right(starts, m.end() - 1) - 1, first)
            hits.append(Hit(first, last + 1, rule.source))
        return hits


def _to_bool(arr) -> np.ndarray:
    import pyarrow.compute as pc

    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


class _DocInfo:
    """Lazily computed facts about one Doc that has hits: units, offsets, words."""

    def __init__(self, doc: Doc, engine: Engine) -> None:
        self.doc = doc
        self.engine = engine
        self._units: list[int] | None = None
        self._offsets: list[list[int]] | None = None
        self._words: list[int] | None = None
        self._lower: list[str] | None = None

    @property
    def units(self) -> list[int]:
        """Token index where each unit (sentence, or the whole answer) starts."""
        if self._units is None:
            doc = self.doc
            if self.engine.unit_is_answer or len(doc) == 0:
                self._units = [0]
            else:
                if self.engine.sentencizer is not None:
                    self.engine.sentencizer(doc)
                flags = doc.to_array([SENT_START, IS_SPACE]).tolist()
                starts = [0]
                for i in range(1, len(doc)):
                    # A line break also ends a unit: answers often use lines as sentences.
                    newline = flags[i - 1][1] and "\n" in doc[i - 1].text
                    if flags[i][0] == 1 or newline:
                        starts.append(i)
                self._units = starts
        return self._units

    def unit_of(self, token: int) -> int:
        return bisect_right(self.units, token) - 1

    def unit_range(self, unit: int) -> tuple[int, int]:
        units = self.units
        end = units[unit + 1] if unit + 1 < len(units) else len(self.doc)
        return units[unit], end

    @property
    def offsets(self) -> list[list[int]]:
        if self._offsets is None:
            self._offsets = self.doc.to_array([IDX, LENGTH]).tolist()
        return self._offsets

    def chars(self, hit: Hit) -> tuple[int, int]:
        off = self.offsets
        return off[hit.start][0], off[hit.end - 1][0] + off[hit.end - 1][1]

    def quote(self, hit: Hit) -> str:
        first, _ = self.unit_range(self.unit_of(hit.start))
        _, last = self.unit_range(self.unit_of(hit.end - 1))
        off = self.offsets
        start = off[first][0]
        end = off[last - 1][0] + off[last - 1][1]
        return self.doc.text[start:end].strip()

    @property
    def words(self) -> list[int]:
        """Word number of each token (punctuation and whitespace do not count)."""
        if self._words is None:
            flags = self.doc.to_array([IS_PUNCT, IS_SPACE]).tolist()
            words, n = [], 0
            for punct, space in flags:
                words.append(n)
                if not punct and not space:
                    n += 1
            self._words = words
        return self._words

    def negated(self, hit: Hit, detector) -> bool:
        unit = self.unit_of(hit.start)
        first, last = self.unit_range(unit)
        if self._lower is None:
            strings = self.doc.vocab.strings
            self._lower = [strings[h] for h in self.doc.to_array(LOWER).tolist()]
        tokens = self._lower[first:last]
        end = min(hit.end, last) - first
        return detector.find(tokens, hit.start - first, end) is not None


def near_hits(
    rule: CompiledRule, seq_hits: dict[int, list[tuple[int, int]]], info: _DocInfo
) -> list[Hit]:
    """Minimal windows holding every term, in one unit, first words <= `within` apart."""
    occ = sorted(
        (s, e, t) for t, sid in enumerate(rule.seqs) for s, e in seq_hits.get(sid, ())
    )
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
            hits.append(Hit(s0, end, rule.source))
    # Drop windows that contain a smaller window (keep minimal ones).
    return [
        h for h in hits
        if not any(o is not h and h.start <= o.start and o.end <= h.end and
                   (o.start, o.end) != (h.start, h.end) for o in hits)
    ]  # fmt: skip


def keep_longest(hits: list[Hit]) -> list[Hit]:
    """Nested hits of one code count once: drop a hit inside another (longest wins).

    Identical spans from several rules keep the first rule in codebook order.
    """
    if len(hits) < 2:
        return hits
    ordered = sorted(enumerate(hits), key=lambda p: (p[1].start, -(p[1].end), p[0]))
    kept: list[Hit] = []
    for _, hit in ordered:
        if any(k.start <= hit.start and hit.end <= k.end for k in kept):
            continue
        kept.append(hit)
    return kept
