"""Peers of qualcode that match the same words: what the best of them costs (issue 15).

Each peer is given every *surface form* of the codebook's words, phrases and globs, so it
needs no lemmas of its own (which is what makes it a fair floor, and simpler than qualcode):

- a word is itself plus every form whose spaCy lookup lemma is that word (spacy-lookups-data,
  the table qualcode uses); a phrase is every combination of its words' forms (at most
  `MAX_PHRASE_FORMS` per phrase); a glob is every word of the lookup table (forms and lemmas)
  it matches; a `near:` rule contributes its terms' forms; `regex:` and `tokens:` rules are
  left out (no peer below runs them).

The peers, each of which reports which codes each answer holds:

- ``phrasematcher``: spaCy's ``blank("en")`` tokenizer and one ``PhraseMatcher(attr="LOWER")``
  over all forms, a pattern id per code;
- ``liwc``: a LIWC-style dictionary counter in plain Python: lower-case words by a regex, an
  exact-word dictionary, trailing-``*`` prefixes (LIWC's only wildcard) and multi-word
  entries keyed by their first word;
- ``re2``: one case-insensitive RE2 pass over every answer for all forms at once
  (``pyarrow.compute.count_substring_regex``): no per-code answer, the floor of a regex scan.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from functools import lru_cache
from typing import Any

from naive import leaf_codes

MAX_PHRASE_FORMS = 64


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, list[str]], tuple[str, ...]]:
    """(lemma -> its forms, every word of the English lookup table), lower-case."""
    import spacy
    from spacy.util import load_language_data

    data = load_language_data(spacy.registry.lookups.get("en")["lemma_lookup"])
    reverse: dict[str, list[str]] = defaultdict(list)
    words: set[str] = set()
    for form, lemma in data.items():
        form, lemma = form.lower(), lemma.lower()
        reverse[lemma].append(form)
        words.update((form, lemma))
    return {k: sorted(set(v)) for k, v in reverse.items()}, tuple(sorted(words))


def word_forms(word: str) -> list[str]:
    """A word or glob (one token) as the surface forms a peer is given."""
    reverse, words = _lexicon()
    if "*" in word or "?" in word:
        body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in word)
        pattern = re.compile(body)
        return [w for w in words if pattern.fullmatch(w)] or [word.replace("*", "")]
    return sorted({word, *reverse.get(word, ())})


def term_forms(term: str) -> list[str]:
    """A word, phrase or glob rule as surface forms (phrases: combinations of word forms)."""
    parts = [word_forms(w) for w in term.lower().split()]
    return [" ".join(p) for p in itertools.islice(itertools.product(*parts), MAX_PHRASE_FORMS)]


def surface_forms(codebook: dict[str, Any]) -> dict[str, list[str]]:
    """Code id -> the sorted surface forms of its `match` words, phrases, globs and nears."""
    out: dict[str, list[str]] = {}
    for code in leaf_codes(list(codebook["codes"])):
        forms: set[str] = set()
        for rule in code["match"]:
            if isinstance(rule, str):
                forms.update(term_forms(rule))
            elif "near" in rule:
                for term in rule["near"]:
                    forms.update(term_forms(str(term)))
        out[str(code["id"])] = sorted(forms)
    return out


def liwc_dictionary(forms: dict[str, list[str]], codebook: dict[str, Any]) -> dict[str, Any]:
    """A LIWC-style dictionary: exact words, trailing-* prefixes, multi-word entries."""
    exact: dict[str, set[int]] = defaultdict(set)
    prefix: dict[str, set[int]] = defaultdict(set)
    phrases: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
    codes = list(forms)
    for j, code in enumerate(leaf_codes(list(codebook["codes"]))):
        assert str(code["id"]) == codes[j]
        globs = [r for r in code["match"] if isinstance(r, str) and r.endswith("*")
                 and " " not in r and "*" not in r[:-1] and "?" not in r]  # fmt: skip
        for g in globs:  # LIWC's own wildcard: one dictionary entry, not its expansion
            prefix[g[:-1].lower()].add(j)
        expanded = {f for g in globs for f in word_forms(g)}
        for form in forms[codes[j]]:
            words = tuple(re.findall(r"[\w']+", form))
            if len(words) == 1 and form not in expanded:
                exact[words[0]].add(j)
            elif len(words) > 1:
                phrases[words[0]].append((words, j))
    return {
        "exact": {k: tuple(sorted(v)) for k, v in exact.items()},
        "prefix": {k: tuple(sorted(v)) for k, v in prefix.items()},
        "prefix_lengths": sorted({len(k) for k in prefix}),
        "phrases": dict(phrases),
    }


def re2_pattern(forms: dict[str, list[str]]) -> str:
    """One RE2 alternation of every form, longest first, between non-word characters (or
    the text's edges). The fastest of the spellings tried: with `\\b` on both sides it took
    1.6x as long, with `\\PL` 1.4x, with no edges at all 3.9x (RE2 then tries every form
    at every letter)."""
    every = sorted({f for fs in forms.values() for f in fs}, key=lambda f: (-len(f), f))
    body = "|".join(re.escape(f).replace("\\ ", " ") for f in every)
    return rf"(?:^|\W)(?:{body})(?:\W|$)"
