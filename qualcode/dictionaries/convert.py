"""Turn a :class:`Dictionary` into a codebook draft that matches what the original matches.

A dictionary entry matches the word as written (LIWC, quanteda, WordStat and Empath do not
lemmatise), but a plain qualcode word also matches its lemma (`care` would catch "cared").
So an entry becomes:

- with a wildcard, one token long (`safe*`): a qualcode glob, which is matched on the token's
  lower-case text only, never on lemmas: exactly the original's semantics;
- without a wildcard, one token long: a member of the code's single exact-form rule
  `tokens: [{LOWER: {IN: [care, caring, ...]}}]` (a spaCy Matcher pattern on the lower-case
  text, written one word per line; one rule per code keeps the matcher fast);
- several tokens (`kind of`, `don't`, `fair-*`): a `tokens` sequence, one `LOWER` test per
  token, a wildcard token as an anchored `REGEX`.

Entries are split into tokens with the same spaCy tokenizer as the answers, so `don't`
becomes `do` + `n't` and matches "don't" in an answer as the original matches it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from qualcode.codebook.dump import DraftCode, DraftCodebook, RuleSpec
from qualcode.dictionaries.common import Category, Dictionary, Syntax, liwc_shadowing

# Letters-only stand-ins for wildcards, so the tokenizer splits "fair-*" like "fair-x".
_STAR, _QMARK = "zqqstarqqz", "zqqqmarkqqz"
_APOSTROPHES = ("'", "\u2019")

Tokenize = Callable[[str], list[str]]


def make_tokenize(language: str = "en") -> Tokenize:
    """The answers' tokenizer (the offline pipeline for `language`), as lower-case strings."""
    from qualcode.text.pipeline import make_pipeline

    tokenizer = make_pipeline(language).nlp.tokenizer
    return lambda text: [t.lower_ for t in tokenizer(text) if not t.is_space]


def _mask(word: str, syntax: Syntax) -> str:
    if syntax == "liwc":  # only a trailing * is a wildcard
        return word[:-1] + _STAR if word.endswith("*") else word
    if syntax == "glob":
        return word.replace("*", _STAR).replace("?", _QMARK)
    return word


def _unmask(token: str) -> str:
    return token.replace(_STAR, "*").replace(_QMARK, "?")


def _wild(token: str) -> bool:
    return _STAR in token or _QMARK in token


def _forms(text: str) -> list[str]:
    """A literal token and its other apostrophe spelling ("n't" and "n’t")."""
    out = [text]
    for a, b in (_APOSTROPHES, _APOSTROPHES[::-1]):
        if a in text and text.replace(a, b) not in out:
            out.append(text.replace(a, b))
    return out


def _token_test(token: str) -> dict[str, Any]:
    """A spaCy Matcher test for one token of an entry, exact on its lower-case text."""
    if _wild(token):
        body = ""
        for part in re.split(f"({_STAR}|{_QMARK})", token):
            if part == _STAR:
                body += ".*"
            elif part == _QMARK:
                body += "."
            else:
                body += "".join("['\u2019]" if c in _APOSTROPHES else re.escape(c) for c in part)
        return {"LOWER": {"REGEX": f"^{body}$"}}
    forms = _forms(token)
    return {"LOWER": forms[0] if len(forms) == 1 else {"IN": forms}}


def _flow(pattern: list[dict[str, Any]]) -> CommentedSeq:
    """A tokens pattern written on one line: `[{LOWER: kind}, {LOWER: of}]`."""
    seq = CommentedSeq()
    for test in pattern:
        item = CommentedMap()
        for key, value in test.items():
            if isinstance(value, dict):
                inner = CommentedMap()
                for k, v in value.items():
                    if isinstance(v, list):
                        v = CommentedSeq(v)
                        v.fa.set_flow_style()
                    inner[k] = v
                inner.fa.set_flow_style()
                value = inner
            item[key] = value
        item.fa.set_flow_style()
        seq.append(item)
    seq.fa.set_flow_style()
    return seq


def entry_rules(entries: list[str], syntax: Syntax, tokenize: Tokenize) -> list[RuleSpec]:
    """The match rules for a category's entries, exact as the dictionary means them."""
    exact: list[str] = []  # single-token entries without wildcards: one IN rule
    rules: list[RuleSpec] = []
    for entry in entries:
        tokens = [t for word in entry.split() for t in tokenize(_mask(word, syntax))]
        if not tokens:
            continue
        if len(tokens) == 1 and not _wild(tokens[0]):
            for form in _forms(tokens[0]):
                if form not in exact:
                    exact.append(form)
        elif (
            len(tokens) == 1
            and not _literal_wildcard(tokens[0])
            and not any(a in tokens[0] for a in _APOSTROPHES)
        ):
            rules.append(_unmask(tokens[0]))  # a plain qualcode glob: `safe*`
        else:
            rules.append({"tokens": _flow([_token_test(t) for t in tokens])})
    if exact:
        # One word per line, like the dictionary itself (a long flow list wraps badly).
        rules.insert(0, {"tokens": [{"LOWER": {"IN": exact}}]})
    return rules


def _literal_wildcard(token: str) -> bool:
    """A `*` or `?` that the dictionary means literally (LIWC's inner `*`, a `?` in LIWC)."""
    rest = token.replace(_STAR, "").replace(_QMARK, "")
    return "*" in rest or "?" in rest


def make_id(name: str, taken: set[str], parent: str | None = None) -> str:
    """A unique, valid code id from a category name: "HarmVirtue" -> "harm_virtue"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    base = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "category"
    if not base[0].isalpha():
        base = f"c_{base}"
    candidate = base
    if candidate in taken and parent:
        candidate = f"{parent}_{base}"
    n = 2
    while candidate in taken:
        candidate = f"{base}_{n}"
        n += 1
    taken.add(candidate)
    return candidate


_SEMANTICS = {
    "liwc": "a trailing `*` is a wildcard",
    "glob": "`*` and `?` are wildcards anywhere in a token",
    "literal": "entries are exact words",
}


def dictionary_to_draft(
    dictionary: Dictionary, language: str = "en", tokenize: Tokenize | None = None
) -> tuple[DraftCodebook, list[str]]:
    """The dictionary as a codebook draft, and the notes worth telling the user."""
    tokenize = tokenize or make_tokenize(language)
    fmt, file = dictionary.format, Path(dictionary.path).name
    notes = list(dictionary.notes)
    if dictionary.syntax == "liwc":
        notes.extend(liwc_shadowing(dictionary))
    taken: set[str] = set()

    def code(category: Category, parent: str | None) -> DraftCode | None:
        code_id = make_id(category.name, taken, parent)
        children = [c for c in (code(ch, code_id) for ch in category.children) if c]
        match = entry_rules(category.entries, dictionary.syntax, tokenize)
        if not match and not children:
            taken.discard(code_id)
            notes.append(f"category {category.name!r} has no entries: skipped")
            return None
        n = len(category.entries)
        return DraftCode(
            id=code_id,
            label=category.name,
            definition=f"Imported from {fmt} dictionary {file}, category {category.name} "
            f"({n} entr{'y' if n == 1 else 'ies'}).",
            match=match,
            children=children,
        )

    codes = [c for c in (code(cat, None) for cat in dictionary.categories) if c]
    n_cats = sum(1 for _ in dictionary.walk())
    distinct = len({e for c in dictionary.walk() for e in c.entries})
    header = [
        f"Imported by `qualcode import {fmt.lower()}` from {file}: a {fmt} dictionary,",
        f"{n_cats} categories (one code each), {distinct} distinct entries.",
        f"Matching is kept as {fmt} does it: {_SEMANTICS[dictionary.syntax]}; case-insensitive;",
        "on the word as written, never on lemmas. An entry with a wildcard is a qualcode glob",
        "(matched on the token's text only); entries without one are exact `tokens` rules on the",
        "lower-case text (LOWER), so `care` matches care and Care but not cares or cared.",
        "Multi-word entries are token sequences. Negation is off: dictionaries count every use.",
        "See docs/dictionaries.md.",
    ]
    if notes:
        header.append("Notes:")
        header.extend(f"- {note}" for note in notes)
    draft = DraftCodebook(
        name=f"{Path(file).stem} ({fmt} dictionary)",
        codes=codes,
        description=f"Imported from the {fmt} dictionary {file}.",
        language=language,
        negation="ignore",
        header=header,
    )
    return draft, notes
