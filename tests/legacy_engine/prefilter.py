"""Vectorised screening before tokenisation.

Tokenising is the largest fixed cost, so answers that cannot be coded are never tokenised:
an answer is screened in when it contains one of the codebook's literal forms (a superset
test: every surface form whose lemma is a rule word, the longest literal run of each glob),
or when one of the `regex:` rules matches it. Both tests run over the whole column at once
in pyarrow (RE2), which is ~50x faster than a Python loop.

Regex rules are Python `re` patterns. RE2 is used only as a *pre-check* for a pattern, and
only where the two engines provably agree: patterns RE2 compiles, without the few constructs
whose meaning differs (`$`, `{,n}`, POSIX classes), on answers of printable ASCII plus tab
and line breaks (where `\\w`, `\\b`, `\\d`, `\\s` and case-folding coincide). Every other
answer is searched with Python's `re`, so results never depend on the pre-check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tests.legacy_engine.compile import CompiledCodebook

# Answers made only of these characters behave identically under RE2 and Python `re`.
_RE2_SAFE_TEXT = r"^[\t\n\r\x20-\x7e]*$"
# Constructs RE2 accepts with a different meaning from Python `re`.
_RE2_DIVERGENT = ("$", "{,", "[:")


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


def screen(texts: Sequence[str], compiled: CompiledCodebook) -> Screen:
    """Screen a column of answers for `compiled` (see the module docstring)."""
    arr = pa.array(texts, type=pa.large_string())
    nonblank = _to_bool(pc.match_substring_regex(arr, r"\S"))
    if compiled.prefilter is None:
        tokenize = nonblank.copy()
    else:
        literal = pc.match_substring_regex(arr, compiled.prefilter, ignore_case=True)
        tokenize = nonblank & _to_bool(literal)
    regex_hits = []
    safe_text: np.ndarray | None = None
    for regex in compiled.regexes:
        maybe = nonblank
        if compiled.re2_precheck and re2_compatible(regex.pattern):
            if safe_text is None:
                safe_text = _to_bool(pc.match_substring_regex(arr, _RE2_SAFE_TEXT))
            re2 = _to_bool(pc.match_substring_regex(arr, regex.pattern, ignore_case=True))
            maybe = nonblank & (re2 | ~safe_text)
        hits = np.zeros(len(texts), dtype=bool)
        for i in np.flatnonzero(maybe).tolist():
            if regex.search(texts[i]):
                hits[i] = True
        regex_hits.append(hits)
        tokenize |= hits
    return Screen(tokenize=tokenize, regex_hits=regex_hits)
