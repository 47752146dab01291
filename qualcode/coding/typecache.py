"""The engine's hot loop: token types -> satisfied pieces -> sequence occurrences.

Answers reuse a small vocabulary, so each lower-case type (a spaCy string hash) is classified
against every piece once and cached; an answer is then one dict lookup per token, and its
sequences are found by :func:`find_seqs` over those cached keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

#: The cache value of whitespace tokens: skipped inside phrases.
SPACE = None

#: Per token: the ids of the pieces it satisfies, or SPACE.
Key = tuple[int, ...] | None


class _Strings(Protocol):
    def __getitem__(self, key: int) -> str: ...


class _Classifier:
    """What both caches need to classify a type the first time they see it."""

    def __init__(
        self,
        strings: _Strings,
        lemma: Callable[[str], str],
        classify: Callable[[str, str], tuple[int, ...]],
    ) -> None:
        super().__init__()
        self.strings = strings
        self.lemma = lemma  # the lookup lemma of a lower-case form
        self.classify = classify  # (lower, lemma) -> the ids of the pieces satisfied


class TypeCache(_Classifier, dict[int, Key]):
    """lower-case type hash -> satisfied piece ids, filled on first sight of each type."""

    def __missing__(self, key: int) -> Key:
        lower = self.strings[key]
        value = SPACE if lower.isspace() else self.classify(lower, self.lemma(lower))
        self[key] = value
        return value


class PairCache(_Classifier, dict[tuple[int, int], Key]):
    """(lower, lemma) hashes -> piece ids, for trained pipelines whose lemmas are contextual."""

    def __missing__(self, key: tuple[int, int]) -> Key:
        lower = self.strings[key[0]]
        # A pipeline without a lemmatizer leaves lemmas unset (0): use the lookup table.
        lemma = self.strings[key[1]].lower() if key[1] else self.lemma(lower)
        value = SPACE if lower.isspace() else self.classify(lower, lemma)
        self[key] = value
        return value


def find_seqs(
    keys: list[Key], seqs: list[tuple[int, ...]], starts: dict[int, list[int]]
) -> dict[int, list[tuple[int, int]]]:
    """Occurrences (token start, end) of every sequence in the token keys; whitespace tokens
    inside a sequence are skipped."""
    found: dict[int, list[tuple[int, int]]] = {}
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
                    # keys[j] is not SPACE here: the loop above skipped those.
                    if j >= n or p not in keys[j]:  # type: ignore[operator]
                        ok = False
                        break
                    j += 1
                if ok:
                    found.setdefault(sid, []).append((i, j))
    return found
