"""The screen before tokenisation: built from the compiled rules, run over a whole column.

Tokenising is the largest fixed cost, so answers that cannot be coded are never tokenised:
an answer is screened in when it contains one of the codebook's literal forms (a superset
test: every surface form whose lemma is a rule word, the longest literal run of each glob),
or when one of the `regex:` rules matches it. Both tests run over the whole column at once
in pyarrow (RE2), which is ~50x faster than a Python loop.

:class:`PrefilterBuilder` collects the literals while the codebook compiles (each rule kind
says what an answer must contain, see qualcode.rules.base.Compiler) and writes them as one
RE2 pattern; :func:`screen` runs that pattern and the regex rules over a column.

Regex rules are Python `re` patterns. RE2 is used only as a *pre-check* for a pattern, and
only where the two engines provably agree: patterns RE2 compiles, without the few constructs
whose meaning differs (`$`, `{,n}`, POSIX classes), on answers of printable ASCII plus tab
and line breaks (where `\\w`, `\\b`, `\\d`, `\\s` and case-folding coincide). Every other
answer is searched with Python's `re`, so results never depend on the pre-check.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from spacy.attrs import ORTH

from qualcode.coding.pieces import Piece
from qualcode.text.pipeline import TextPipeline

# Answers made only of these characters behave identically under RE2 and Python `re`.
_RE2_SAFE_TEXT = r"^[\t\n\r\x20-\x7e]*$"
# Constructs RE2 accepts with a different meaning from Python `re`.
_RE2_DIVERGENT = ("$", "{,", "[:")

#: (substring, left edge, right edge): a token satisfying a piece contains the substring,
#: starting (left) or ending (right) the token when so marked.
Literal = tuple[str, bool, bool]


class PrefilterBuilder:
    """Collects, rule by rule, literals one of which every codable answer contains."""

    def __init__(self, pipeline: TextPipeline) -> None:
        self.pipeline = pipeline
        self.ok = True  # False once a rule can match an answer holding none of the literals
        self.literals: set[Literal] = set()
        self._reverse_lemmas: dict[str, list[str]] | None = None

    def reverse_lemmas(self) -> dict[str, list[str]]:
        if self._reverse_lemmas is None:
            rev: dict[str, list[str]] = defaultdict(list)
            for form, lemma in self.pipeline.lemma_table.items():
                rev[lemma].append(form)
            self._reverse_lemmas = rev
        return self._reverse_lemmas

    def piece_literals(self, piece: Piece) -> set[Literal]:
        """Literals one of which any token satisfying the piece contains."""
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

    def require(self, sequences: Sequence[Sequence[Piece]]) -> None:
        """A rule needs the first of these sequences: record its most selective piece."""
        best: set[Literal] = set()
        best_len = -1
        for seq in sequences[:1]:
            for piece in seq:
                lits = self.piece_literals(piece)
                shortest = min((len(x[0]) for x in lits), default=0)
                if shortest > best_len:
                    best, best_len = lits, shortest
        if best_len <= 0:
            self.ok = False
        self.literals.update(best)

    def require_nothing(self) -> None:
        """A rule can match any answer: screening by literals is off."""
        self.ok = False

    def pattern(self) -> str | None:
        """The RE2 pattern, or None when answers cannot be screened by literals."""
        if not (self.ok and self.literals):
            return None
        return prefilter_pattern(self.literals, self.pipeline)


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
    rules: dict[str, list[dict[int | str, str]]] = (
        getattr(pipeline.nlp.tokenizer, "rules", None) or {}
    )
    for tokens in rules.values():
        # A special case's token attributes are keyed by attribute id or by name.
        orths = [str(t[ORTH] if ORTH in t else t.get("ORTH", "")).lower() for t in tokens]
        for left, right in zip(orths, orths[1:]):
            if left and right and left[-1].isalpha() and right[0].isalpha():
                after.add(right)
                before.add(left)
    return after, before


def prefilter_pattern(literals: set[Literal], pipeline: TextPipeline) -> str:
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


# -- running the screen ----------------------------------------------------------------------
@dataclass
class Screen:
    """Which answers to tokenise, and which might match each regex rule."""

    tokenize: np.ndarray  # bool per answer
    regex_hits: list[np.ndarray]  # per compiled regex: bool per answer, exact (Python re)


def _to_bool(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def re2_compatible(pattern: str) -> bool:
    """True when RE2 compiles `pattern` and reads it as Python `re` does on ASCII text."""
    if not pattern.isascii() or any(token in pattern for token in _RE2_DIVERGENT):
        return False
    try:
        pc.match_substring_regex(pa.array([""]), pattern, ignore_case=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def screen(
    texts: Sequence[str],
    prefilter: str | None,
    regexes: Sequence[re.Pattern[str]],
    re2_precheck: bool = True,
) -> Screen:
    """Screen a column of answers (see the module docstring): `prefilter` is the literal
    pattern (None: every non-blank answer), `regexes` the `match` regex rules, and
    `re2_precheck` whether RE2 may pre-check them."""
    arr = pa.array(texts, type=pa.large_string())
    nonblank = _to_bool(pc.match_substring_regex(arr, r"\S"))
    if prefilter is None:
        tokenize = nonblank.copy()
    else:
        literal = pc.match_substring_regex(arr, prefilter, ignore_case=True)
        tokenize = nonblank & _to_bool(literal)
    regex_hits = []
    safe_text: np.ndarray | None = None
    checked = [re2_precheck and re2_compatible(regex.pattern) for regex in regexes]
    # One RE2 pass for all pre-checked patterns at once, then each pattern only over the
    # answers that pass: an answer one of them matches matches the alternation, so the
    # per-pattern answers are the same as over the whole column, for one pass instead of one
    # per pattern (each pass over the column costs about as much as the whole alternation).
    subset: np.ndarray | None = None
    if sum(checked) > 1:
        joined = "|".join(f"(?:{r.pattern})" for r, ok in zip(regexes, checked) if ok)
        subset = np.flatnonzero(_to_bool(pc.match_substring_regex(arr, joined, ignore_case=True)))
        sub_arr = arr.take(pa.array(subset, type=pa.int64()))
    for regex, precheck in zip(regexes, checked):
        maybe = nonblank
        if precheck:
            if safe_text is None:
                safe_text = _to_bool(pc.match_substring_regex(arr, _RE2_SAFE_TEXT))
            if subset is None:
                re2 = _to_bool(pc.match_substring_regex(arr, regex.pattern, ignore_case=True))
            else:
                re2 = np.zeros(len(texts), dtype=bool)
                re2[subset] = _to_bool(
                    pc.match_substring_regex(sub_arr, regex.pattern, ignore_case=True)
                )
            maybe = nonblank & (re2 | ~safe_text)
        hits = np.zeros(len(texts), dtype=bool)
        for i in np.flatnonzero(maybe).tolist():
            if regex.search(texts[i]):
                hits[i] = True
        regex_hits.append(hits)
        tokenize |= hits
    return Screen(tokenize=tokenize, regex_hits=regex_hits)
