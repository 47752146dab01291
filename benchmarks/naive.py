"""The naive baseline: one case-insensitive regex per code, as a researcher would write it.

For each code the code's `match` rules are joined with `|`:

- a word or phrase becomes ``\\bword(?:s|es|ed|ing)?\\b`` (the words of a phrase joined by
  ``\\s+``), the crude suffix a researcher adds instead of lemmas;
- a glob's ``*`` becomes ``\\w*`` and ``?`` becomes ``\\w``, wrapped in ``\\b...\\b``;
- a ``regex:`` rule is used as written;
- a ``near:`` rule becomes "A, up to N-1 words, B" in both orders (two terms only).

``unless``, negation, sentences and lemmas are ignored: that is what makes it naive. The
patterns are RE2-compatible, because pandas runs ``str.contains`` on a pyarrow-backed string
column through pyarrow's RE2 engine (no lookarounds or backreferences).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SUFFIX = "(?:s|es|ed|ing)?"
_META = set("\\.^$|?*+()[]{}")


def _escape(text: str) -> str:
    """Escape only regex metacharacters; Python's re.escape also escapes spaces and dashes."""
    return "".join("\\" + c if c in _META else c for c in text)


def term_pattern(term: str) -> str:
    """A word, phrase or glob as the researcher's regex (without the outer group)."""
    words = term.lower().split()
    if "*" in term or "?" in term:
        body = r"\s+".join(
            "".join(r"\w*" if c == "*" else r"\w" if c == "?" else _escape(c) for c in w)
            for w in words
        )
        return rf"\b{body}\b"
    body = r"\s+".join(_escape(w) for w in words)
    return rf"\b{body}{SUFFIX}\b"


def rule_pattern(rule: Any) -> str | None:
    """One codebook rule (a string or a mapping) as a regex; None for `tokens` rules."""
    if isinstance(rule, str):
        return term_pattern(rule)
    if "regex" in rule:
        return str(rule["regex"])
    if "near" in rule:
        terms = [term_pattern(str(t)) for t in rule["near"]]
        if len(terms) != 2:  # a researcher would not write an n-way proximity regex
            return "|".join(f"(?:{t})" for t in terms)
        within = int(rule.get("within", 5))
        gap = rf"\W+(?:\w+\W+){{0,{max(within - 1, 0)}}}"
        a, b = terms
        return f"(?:{a}){gap}(?:{b})|(?:{b}){gap}(?:{a})"
    return None


def leaf_codes(codes: list[Any]) -> list[Any]:
    """Codes that carry `match` rules, depth-first in codebook order."""
    out: list[Any] = []
    for code in codes:
        if code.get("match"):
            out.append(code)
        out.extend(leaf_codes(list(code.get("codes") or [])))
    return out


def read_codebook(path: str | Path) -> dict[str, Any]:
    """The codebook YAML as plain Python data (ruamel.yaml is a qualcode dependency)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))


def naive_patterns(codebook: dict[str, Any]) -> dict[str, str]:
    """Code id -> the one regex a researcher would pass to `str.contains`."""
    patterns: dict[str, str] = {}
    for code in leaf_codes(list(codebook["codes"])):
        parts = [p for p in (rule_pattern(r) for r in code["match"]) if p]
        patterns[str(code["id"])] = "|".join(f"(?:{p})" for p in parts)
    return patterns
