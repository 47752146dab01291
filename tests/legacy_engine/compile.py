"""Compile a codebook once into flat, id-based matchers.

Words, phrases and globs become sequences of *pieces*; a piece is a test on one token
(a word's forms via lemmas, or a glob). Each vocabulary type is classified against every
piece once (see :class:`TypeClassifier`), so matching a document is integer work per token.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from qualcode.codebook.model import Code, Codebook, NegationMode, Rule, TermSeq
from qualcode.text.negation import NegationDetector, NegationLexicon
from qualcode.text.pipeline import TextPipeline, make_pipeline, split_single_letter_abbreviations

# Placeholders that survive spaCy's tokenizer as letters, so a glob piece such as
# "k-cramp*" is split exactly like the text it should match ("k", "-", "cramp*").
_STAR, _QMARK = "qqzstarqqz", "qqzqmarkqqz"


@dataclass(frozen=True)
class Piece:
    """A test on one token: `forms` for a word, `glob` (compiled) for a glob."""

    text: str
    forms: frozenset[str] = frozenset()
    glob: re.Pattern[str] | None = None

    @property
    def literal_prefix(self) -> str:
        """For a glob: the text before its first wildcard (used to index globs)."""
        return re.split(r"[*?]", self.text, maxsplit=1)[0]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: sequences by id, a regex, or a key into the spaCy Matcher."""

    kind: str
    source: str
    seqs: tuple[int, ...] = ()
    regex: re.Pattern[str] | None = None
    within: int = 0
    matcher_key: str | None = None
    regex_index: int = -1  # a `match` regex: its position in CompiledCodebook.regexes


@dataclass
class CompiledCode:
    """One code's compiled rules, plus where it sits in the hierarchy."""

    code: Code
    index: int
    parent: int | None
    negation: NegationMode
    match: list[CompiledRule] = field(default_factory=list)
    unless: list[CompiledRule] = field(default_factory=list)


@dataclass
class CompiledCodebook:
    """Everything the engine needs, built once per codebook."""

    codebook: Codebook
    pipeline: TextPipeline
    detector: NegationDetector
    codes: list[CompiledCode]
    pieces: list[Piece]
    seqs: list[tuple[int, ...]]
    seq_starts: dict[int, list[int]]  # first piece id -> ids of sequences starting with it
    matcher: object | None  # spaCy Matcher for `tokens` rules
    matcher_uses_lemma: bool
    prefilter: str | None  # RE2 pattern: answers it does not match cannot be coded
    regexes: list[re.Pattern[str]]
    re2_precheck: bool = True  # screen regex rules with RE2 first (see coding/prefilter.py)
    word_index: dict[str, list[int]] = field(default_factory=dict)
    glob_index: dict[str, list[int]] = field(default_factory=dict)

    def classify(self, lower: str, lemma: str) -> tuple[int, ...]:
        """The ids of the pieces a token with this lower-case text and lemma satisfies."""
        found: list[int] = []
        index = self.word_index
        if lower in index:
            found.extend(index[lower])
        if lemma != lower and lemma in index:
            found.extend(index[lemma])
        globs = self.glob_index
        if globs:
            for cut in range(len(lower) + 1):
                ids = globs.get(lower[:cut])
                if ids:
                    found.extend(i for i in ids if self.pieces[i].glob.fullmatch(lower))
        if len(found) > 1:
            return tuple(sorted(set(found)))
        return tuple(found)


def glob_to_regex(glob: str) -> re.Pattern[str]:
    """`*` any characters, `?` one character; everything else literal (no [sets])."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(body, re.DOTALL)


class _Builder:
    def __init__(self, codebook: Codebook, pipeline: TextPipeline) -> None:
        self.codebook = codebook
        self.pipeline = pipeline
        self.pieces: list[Piece] = []
        self.piece_ids: dict[tuple[str, str], int] = {}
        self.seqs: list[tuple[int, ...]] = []
        self.seq_ids: dict[tuple[int, ...], int] = {}
        self.token_patterns: dict[str, list] = {}
        self.regexes: list[re.Pattern[str]] = []
        self.prefilter_ok = True
        self.prefilter_literals: set[tuple[str, bool, bool]] = set()
        self._reverse_lemmas: dict[str, list[str]] | None = None

    # -- pieces and sequences ----------------------------------------------------
    def piece(self, text: str) -> int:
        is_glob = "*" in text or "?" in text
        key = ("glob" if is_glob else "word", text)
        if key not in self.piece_ids:
            if is_glob:
                piece = Piece(text, glob=glob_to_regex(text))
            else:
                # A token matches when its text or its lemma is the word as written. The
                # word's own lemma is not added: lookup lemmas are context-free, so "liver"
                # -> "live" and "better" -> "well" would drag in unrelated words.
                piece = Piece(text, forms=frozenset({text}))
            self.piece_ids[key] = len(self.pieces)
            self.pieces.append(piece)
        return self.piece_ids[key]

    def split(self, term: TermSeq) -> list[str]:
        """Tokenise a term's pieces with the answers' tokenizer (globs protected)."""
        tokens: list[str] = []
        for raw in term.pieces:
            masked = raw.replace("*", _STAR).replace("?", _QMARK)
            for tok in self.pipeline.nlp.tokenizer(masked):
                text = tok.lower_.replace(_STAR, "*").replace(_QMARK, "?")
                if not text.isspace():
                    tokens.append(text)
        return tokens

    def seq(self, term: TermSeq) -> int:
        ids = tuple(self.piece(t) for t in self.split(term))
        if ids not in self.seq_ids:
            self.seq_ids[ids] = len(self.seqs)
            self.seqs.append(ids)
        return self.seq_ids[ids]

    # -- prefilter -------------------------------------------------------------------
    def reverse_lemmas(self) -> dict[str, list[str]]:
        if self._reverse_lemmas is None:
            rev: dict[str, list[str]] = defaultdict(list)
            for form, lemma in self.pipeline.lemma_table.items():
                rev[lemma].append(form)
            self._reverse_lemmas = rev
        return self._reverse_lemmas

    def literals(self, piece: Piece) -> set[tuple[str, bool, bool]]:
        """(substring, left edge, right edge): any token satisfying the piece contains one of
        the substrings, starting (left) or ending (right) the token when so marked."""
        if piece.glob is not None:
            runs = [r for r in re.split(r"[*?]", piece.text) if r]
            if not runs:
                return set()
            run = max(runs, key=len)
            return {(run, piece.text.startswith(run), piece.text.endswith(run))}
        out = set(piece.forms)
        rev = self.reverse_lemmas()
        for form in piece.forms:
            out.update(rev.get(form, ()))
        return {(form, True, True) for form in out}

    def add_prefilter(self, seq_ids: tuple[int, ...]) -> None:
        """Record literals for a rule: the most selective piece of one of its sequences."""
        best: set[tuple[str, bool, bool]] = set()
        best_len = -1
        for sid in seq_ids[:1]:
            for pid in self.seqs[sid]:
                lits = self.literals(self.pieces[pid])
                shortest = min((len(x[0]) for x in lits), default=0)
                if shortest > best_len:
                    best, best_len = lits, shortest
        if best_len <= 0:
            self.prefilter_ok = False
        self.prefilter_literals.update(best)

    # -- rules -----------------------------------------------------------------------
    def rule(self, rule: Rule, code_index: int, n: int, for_match: bool) -> CompiledRule:
        if rule.kind in ("word", "phrase", "glob"):
            sid = self.seq(rule.terms[0])
            if for_match:
                self.add_prefilter((sid,))
            return CompiledRule(rule.kind, rule.source, seqs=(sid,))
        if rule.kind == "near":
            sids = tuple(self.seq(t) for t in rule.terms)
            if for_match:
                self.add_prefilter(sids)
            return CompiledRule("near", rule.source, seqs=sids, within=rule.within)
        if rule.kind == "regex":
            index = -1
            if for_match:
                index = len(self.regexes)
                self.regexes.append(rule.regex)
            return CompiledRule("regex", rule.source, regex=rule.regex, regex_index=index)
        key = f"{code_index}:{'m' if for_match else 'u'}:{n}"
        self.token_patterns[key] = list(rule.tokens)
        if for_match:
            self.prefilter_ok = False  # a raw pattern can match anything
        return CompiledRule("tokens", rule.source, matcher_key=key)


def single_letters(codebook: Codebook) -> set[str]:
    """Single-letter alphabetic terms anywhere in the codebook's rules."""
    letters = set()
    for code in codebook.walk():
        for rule in (*code.match, *code.unless):
            for term in rule.terms:
                letters.update(p for p in term.pieces if len(p) == 1 and p.isalpha())
    return letters


def compile_codebook(
    codebook: Codebook,
    model: str | None = None,
    negation: str | None = None,
    pipeline: TextPipeline | None = None,
) -> CompiledCodebook:
    """Compile a codebook (with an optional model and negation override) for the engine."""
    pipeline = pipeline or make_pipeline(codebook.language, model or codebook.model)
    split_single_letter_abbreviations(pipeline.nlp, single_letters(codebook))
    builder = _Builder(codebook, pipeline)
    index_of = {c.id: i for i, c in enumerate(codebook.walk())}
    codes: list[CompiledCode] = []
    for i, code in enumerate(codebook.walk()):
        parent = index_of[code.path[-2]] if len(code.path) > 1 else None
        mode = NegationMode(negation) if negation else codebook.negation_for(code)
        cc = CompiledCode(code=code, index=i, parent=parent, negation=mode)
        cc.match = [builder.rule(r, i, n, True) for n, r in enumerate(code.match)]
        cc.unless = [builder.rule(r, i, n, False) for n, r in enumerate(code.unless)]
        codes.append(cc)

    matcher = None
    uses_lemma = False
    if builder.token_patterns:
        from spacy.matcher import Matcher

        matcher = Matcher(pipeline.nlp.vocab)
        for key, pattern in builder.token_patterns.items():
            matcher.add(key, [pattern])
        uses_lemma = "LEMMA" in repr(list(builder.token_patterns.values())).upper()

    word_index: dict[str, list[int]] = defaultdict(list)
    glob_index: dict[str, list[int]] = defaultdict(list)
    for pid, piece in enumerate(builder.pieces):
        if piece.glob is not None:
            glob_index[piece.literal_prefix].append(pid)
        else:
            for form in piece.forms:
                word_index[form].append(pid)

    settings = codebook.negation_lexicon
    lexicon = NegationLexicon.default().extend(
        pre=settings.pre,
        post=settings.post,
        pseudo=settings.pseudo,
        terminators=settings.terminators,
        window=settings.window,
    )
    tokenizer = pipeline.nlp.tokenizer
    detector = NegationDetector(lexicon, lambda s: [t.lower_ for t in tokenizer(s)])

    prefilter = None
    if builder.prefilter_ok and builder.prefilter_literals:
        prefilter = prefilter_pattern(builder.prefilter_literals, pipeline)

    return CompiledCodebook(
        codebook=codebook,
        pipeline=pipeline,
        detector=detector,
        codes=codes,
        pieces=builder.pieces,
        seqs=builder.seqs,
        seq_starts=_starts(builder.seqs),
        matcher=matcher,
        matcher_uses_lemma=uses_lemma,
        prefilter=prefilter,
        regexes=builder.regexes,
        word_index=dict(word_index),
        glob_index=dict(glob_index),
    )


def letter_joins(pipeline: TextPipeline) -> tuple[set[str], set[str]] | None:
    """Token texts that spaCy may cut out of a run of letters, from its special cases.

    Returns (tokens that can start right after a letter, tokens that can end right before
    one): "cannot" -> "can" + "not" puts "not" in the first and "can" in the second. For
    English, special cases are the only way a token boundary falls between two letters
    (prefix, suffix and infix rules cut at punctuation, or between digits and units), so any
    other token is preceded and followed by a non-letter. None for other languages, whose
    rules have not been checked for this: their prefilter does not use token edges.
    """
    if pipeline.nlp.lang != "en":
        return None
    after: set[str] = set()
    before: set[str] = set()
    for tokens in (pipeline.nlp.tokenizer.rules or {}).values():
        orths = [t[65].lower() if 65 in t else t.get("ORTH", "").lower() for t in tokens]
        for left, right in zip(orths, orths[1:]):
            if left and right and left[-1].isalpha() and right[0].isalpha():
                after.add(right)
                before.add(left)
    return after, before


def prefilter_pattern(literals: set[tuple[str, bool, bool]], pipeline: TextPipeline) -> str:
    """One RE2 pattern that every answer the codebook can code matches (a superset test).

    Word forms are whole tokens, so (in English) they cannot sit inside a run of letters:
    requiring a non-letter (or the text's edge) beside them keeps "gp" from letting every
    answer with "gpu" through. Tokens that spaCy cuts out of letter runs are exempt.
    """
    joins = letter_joins(pipeline)
    groups: dict[tuple[bool, bool], list[str]] = {}
    for text, left, right in literals:
        if joins is None:
            left = right = False
        else:
            after, before = joins
            left = left and text[0].isalpha() and not any(a.startswith(text) for a in after)
            right = right and text[-1].isalpha() and not any(b.endswith(text) for b in before)
        groups.setdefault((left, right), []).append(text)
    parts = []
    for (left, right), texts in sorted(groups.items()):
        # Longest first so the alternation is deterministic; RE2 handles thousands of them.
        body = "|".join(_re2_escape(t) for t in sorted(set(texts), key=lambda t: (-len(t), t)))
        parts.append(
            ("(?:^|\\PL)" if left else "") + f"(?:{body})" + ("(?:\\PL|$)" if right else "")
        )
    return "|".join(parts)


def _re2_escape(literal: str) -> str:
    """Escape RE2's metacharacters only (Python's re.escape also escapes harmless ones)."""
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", literal)


def _starts(seqs: list[tuple[int, ...]]) -> dict[int, list[int]]:
    starts: dict[int, list[int]] = defaultdict(list)
    for sid, seq in enumerate(seqs):
        if seq:
            starts[seq[0]].append(sid)
    return dict(starts)
