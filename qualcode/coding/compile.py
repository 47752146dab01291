"""Compile a codebook once into what the engine runs: rules, sequences, a screen, negation.

Each rule compiles itself through its kind (qualcode.rules); the compiler gives the kinds
token sequences of pieces (coding/pieces.py), a spaCy Matcher for `tokens` rules and the
prefilter (coding/prefilter.py). Compiling never changes the pipeline: the tokenizer special
cases a codebook needs are :func:`tokenizer_cases`, applied by whoever owns the pipeline
(:func:`~qualcode.text.pipeline.make_pipeline`, or the spaCy component) before compiling,
because rule terms must be split the way answers will be.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.matcher import Matcher

from qualcode.codebook.model import Code, Codebook, NegationMode, Rule, TermSeq
from qualcode.coding.pieces import Piece, PieceIndex, make_piece
from qualcode.coding.prefilter import PrefilterBuilder
from qualcode.rules.base import CompiledRule
from qualcode.rules.registry import kind_of
from qualcode.text.negation import NegationDetector, NegationLexicon
from qualcode.text.pipeline import SpecialCases, TextPipeline, abbreviation_cases, make_pipeline

__all__ = ["CompiledCode", "CompiledCodebook", "CompiledRule", "compile_codebook", "Piece"]

# Placeholders that survive spaCy's tokenizer as letters, so a glob piece such as
# "k-cramp*" is split exactly like the text it should match ("k", "-", "cramp*").
_STAR, _QMARK = "qqzstarqqz", "qqzqmarkqqz"


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
    pieces: PieceIndex
    seqs: list[tuple[int, ...]]  # sequence id -> its piece ids
    seq_starts: dict[int, list[int]]  # first piece id -> ids of sequences starting with it
    matcher: Matcher | None  # spaCy Matcher for `tokens` rules
    matcher_uses_lemma: bool
    prefilter: str | None  # RE2 pattern: answers it does not match cannot be coded
    regexes: list[re.Pattern[str]]  # the `match` regexes the screen searches
    special_cases: SpecialCases  # tokenizer special cases the rules were split with
    re2_precheck: bool = True  # screen regex rules with RE2 first (see coding/prefilter.py)

    def classify(self, lower: str, lemma: str) -> tuple[int, ...]:
        """The ids of the pieces a token with this lower-case text and lemma satisfies."""
        return self.pieces.classify(lower, lemma)


class _Builder:
    """The compiler the rule kinds see (qualcode.rules.base.Compiler)."""

    def __init__(self, pipeline: TextPipeline) -> None:
        self.pipeline = pipeline
        self.pieces: list[Piece] = []
        self.piece_ids: dict[tuple[str, str], int] = {}
        self.seqs: list[tuple[int, ...]] = []
        self.seq_ids: dict[tuple[int, ...], int] = {}
        self.token_patterns: dict[str, list[dict[str, Any]]] = {}
        self.regexes: list[re.Pattern[str]] = []
        self.prefilter = PrefilterBuilder(pipeline)
        self.for_match = True  # compiling a `match` rule (else an `unless` rule)
        self.key = ""  # where the rule being compiled is: names its Matcher pattern

    def compile(self, rule: Rule, code_index: int, n: int, for_match: bool) -> CompiledRule:
        self.for_match = for_match
        self.key = f"{code_index}:{'m' if for_match else 'u'}:{n}"
        return kind_of(rule).compile(rule, self)

    # -- the Compiler protocol ---------------------------------------------------------
    def sequence(self, term: TermSeq) -> int:
        ids = tuple(self._piece(t) for t in self._split(term))
        if ids not in self.seq_ids:
            self.seq_ids[ids] = len(self.seqs)
            self.seqs.append(ids)
        return self.seq_ids[ids]

    def screen_for(self, seqs: Sequence[int]) -> None:
        if self.for_match:
            pieces = self.pieces
            self.prefilter.require([[pieces[p] for p in self.seqs[sid]] for sid in seqs])

    def screen_nothing(self) -> None:
        if self.for_match:
            self.prefilter.require_nothing()

    def match_regex(self, regex: re.Pattern[str]) -> int | None:
        if not self.for_match:
            return None
        self.regexes.append(regex)
        return len(self.regexes) - 1

    def token_pattern(self, pattern: list[dict[str, Any]]) -> str:
        self.token_patterns[self.key] = pattern
        return self.key

    # -- pieces --------------------------------------------------------------------------
    def _piece(self, text: str) -> int:
        key = ("glob" if "*" in text or "?" in text else "word", text)
        if key not in self.piece_ids:
            self.piece_ids[key] = len(self.pieces)
            self.pieces.append(make_piece(text))
        return self.piece_ids[key]

    def _split(self, term: TermSeq) -> list[str]:
        """Tokenise a term's pieces with the answers' tokenizer (globs protected)."""
        tokens: list[str] = []
        for raw in term.pieces:
            masked = raw.replace("*", _STAR).replace("?", _QMARK)
            for tok in self.pipeline.nlp.tokenizer(masked):
                text = tok.lower_.replace(_STAR, "*").replace(_QMARK, "?")
                if not text.isspace():
                    tokens.append(text)
        return tokens

    def matcher(self) -> tuple[Matcher | None, bool]:
        """One Matcher for every `tokens` rule, and whether it tests lemmas."""
        if not self.token_patterns:
            return None, False
        matcher = Matcher(self.pipeline.nlp.vocab)
        for key, pattern in self.token_patterns.items():
            matcher.add(key, [pattern])
        uses_lemma = "LEMMA" in repr(list(self.token_patterns.values())).upper()
        return matcher, uses_lemma


def single_letters(codebook: Codebook) -> set[str]:
    """Single-letter alphabetic terms anywhere in the codebook's rules."""
    letters: set[str] = set()
    for code in codebook.walk():
        for rule in (*code.match, *code.unless):
            for term in rule.terms:
                letters.update(p for p in term.pieces if len(p) == 1 and p.isalpha())
    return letters


def tokenizer_cases(codebook: Codebook) -> SpecialCases:
    """The tokenizer special cases a codebook's rules need: "k." splits into "k" + "." when
    a rule has the term `k` (see qualcode.text.pipeline.abbreviation_cases)."""
    return abbreviation_cases(single_letters(codebook))


def negation_detector(codebook: Codebook, pipeline: TextPipeline) -> NegationDetector:
    """The built-in lexicon plus the codebook's additions, tokenised like the answers."""
    settings = codebook.negation_lexicon
    lexicon = NegationLexicon.default().extend(
        pre=settings.pre,
        post=settings.post,
        pseudo=settings.pseudo,
        terminators=settings.terminators,
        window=settings.window,
    )
    tokenizer = pipeline.nlp.tokenizer
    return NegationDetector(lexicon, lambda s: [t.lower_ for t in tokenizer(s)])


def compile_codebook(
    codebook: Codebook,
    model: str | None = None,
    negation: str | None = None,
    pipeline: TextPipeline | None = None,
) -> CompiledCodebook:
    """Compile a codebook (with an optional model and negation override) for the engine.

    Without a `pipeline`, one is made with the codebook's :func:`tokenizer_cases`; a given
    pipeline is used as it is (its owner applies the cases it wants) and never changed.
    """
    cases = tokenizer_cases(codebook)
    if pipeline is None:
        pipeline = make_pipeline(codebook.language, model or codebook.model, cases)
    builder = _Builder(pipeline)
    index_of = {c.id: i for i, c in enumerate(codebook.walk())}
    codes: list[CompiledCode] = []
    for i, code in enumerate(codebook.walk()):
        parent = index_of[code.path[-2]] if len(code.path) > 1 else None
        mode = NegationMode(negation) if negation else codebook.negation_for(code)
        cc = CompiledCode(code=code, index=i, parent=parent, negation=mode)
        cc.match = [builder.compile(r, i, n, True) for n, r in enumerate(code.match)]
        cc.unless = [builder.compile(r, i, n, False) for n, r in enumerate(code.unless)]
        codes.append(cc)
    matcher, uses_lemma = builder.matcher()
    return CompiledCodebook(
        codebook=codebook,
        pipeline=pipeline,
        detector=negation_detector(codebook, pipeline),
        codes=codes,
        pieces=PieceIndex(builder.pieces),
        seqs=builder.seqs,
        seq_starts=_starts(builder.seqs),
        matcher=matcher,
        matcher_uses_lemma=uses_lemma,
        prefilter=builder.prefilter.pattern(),
        regexes=builder.regexes,
        special_cases=cases,
    )


def _starts(seqs: list[tuple[int, ...]]) -> dict[int, list[int]]:
    starts: dict[int, list[int]] = defaultdict(list)
    for sid, seq in enumerate(seqs):
        if seq:
            starts[seq[0]].append(sid)
    return dict(starts)
