"""NegEx-style negation detection (Chapman et al. 2001), tuned for informal survey answers.

A hit (the tokens a code matched) is negated when a pre-trigger ("never had") stands before it,
or a post-trigger ("is not a problem") after it, at most `window` words away, with no
terminator ("but", "although") or pseudo-trigger ("nothing helps") between them. Pseudo-triggers
("no doubt", "not only") look like triggers but do not negate.

Where phrases overlap, the longest wins and, at equal length, a pseudo-trigger, then a
terminator: so "no doubt" masks "no", "not ruled out" masks "ruled out", yet "did rule out" (a
trigger) beats the "rule out" inside it. A pseudo-trigger that overlaps the hit is dropped: its
words are the hit's, and "no change in vision" negates the hit "change in vision".

Phrases are stored as text and tokenised with the answers' own tokenizer, so contractions split
the same way on both sides ("don't" -> "do", "n't") and a codebook writes phrases as plain text.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Literal, Protocol

_Kind = Literal["pre", "post", "pseudo", "terminator"]


class Strings(Protocol):
    """A spaCy StringStore, as :meth:`NegationDetector.find_ids` uses it."""

    def __getitem__(self, key: int) -> str: ...

    def add(self, string: str) -> int: ...


# NegEx trigger-file tags. [PREP]/[POSP] are NegEx's "possible" (uncertainty) triggers such as
# "rule out" or "be ruled out": they do not negate, and they must mask the shorter negating
# phrases inside them ("not ruled out" must not fire "ruled out"), which is what a pseudo does.
_NEGEX_TAGS: dict[str, _Kind] = {
    "PREN": "pre",
    "POST": "post",
    "PSEU": "pseudo",
    "PREP": "pseudo",
    "POSP": "pseudo",
    "CONJ": "terminator",
}

# At equal length a pseudo wins over a terminator, which wins over a trigger: when a phrase is
# listed twice the reading that negates less is the safer one.
_RANK: dict[_Kind, int] = {"pseudo": 0, "terminator": 1, "pre": 2, "post": 3}

_FALLBACK_WINDOW = 9  # only for a lexicon file without `window:`; the shipped one sets it


@dataclass(frozen=True)
class NegationLexicon:
    """Trigger phrases, written as text, and the largest trigger-to-hit distance in words."""

    pre: tuple[str, ...]  # negate hits after them: "no", "never", "don't have", "free of"
    post: tuple[str, ...]  # negate hits before them: "ruled out", "is not a problem", "- none"
    pseudo: tuple[str, ...]  # look like triggers, do not negate: "no doubt", "not only"
    terminators: tuple[str, ...]  # end a trigger's scope: "but", "however", "except", "which"
    window: int  # words from a trigger's last word to the hit's first: "no cravings" is 1

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"negation window must be at least 1, got {self.window}")

    @classmethod
    def default(cls) -> NegationLexicon:
        """The built-in lexicon: qualcode/text/negation_lexicon.yaml."""
        return _default_lexicon()

    @classmethod
    def from_negex_file(cls, path: str | Path) -> NegationLexicon:
        """A lexicon from a NegEx trigger file (`phrase<TAB><TAB>[TAG]` per line)."""
        groups: dict[_Kind, list[str]] = {"pre": [], "post": [], "pseudo": [], "terminator": []}
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            fields = [f.strip() for f in line.split("\t") if f.strip()]
            if not fields or fields[0].startswith("#"):
                continue
            tag = fields[-1].strip("[]").upper()
            if len(fields) < 2 or tag not in _NEGEX_TAGS:
                raise ValueError(f"{path}:{number}: expected 'phrase<TAB><TAB>[TAG]': {line!r}")
            groups[_NEGEX_TAGS[tag]].append(fields[0])
        return cls(
            pre=_unique(groups["pre"]),
            post=_unique(groups["post"]),
            pseudo=_unique(groups["pseudo"]),
            terminators=_unique(groups["terminator"]),
            window=cls.default().window,
        )

    def extend(
        self,
        pre: Iterable[str] = (),
        post: Iterable[str] = (),
        pseudo: Iterable[str] = (),
        terminators: Iterable[str] = (),
        window: int | None = None,
    ) -> NegationLexicon:
        """A new lexicon with these phrases added (and the window replaced when given)."""
        return replace(
            self,
            pre=_unique((*self.pre, *_phrases(pre))),
            post=_unique((*self.post, *_phrases(post))),
            pseudo=_unique((*self.pseudo, *_phrases(pseudo))),
            terminators=_unique((*self.terminators, *_phrases(terminators))),
            window=self.window if window is None else window,
        )


@functools.lru_cache(maxsize=1)
def _default_lexicon() -> NegationLexicon:
    # Parsed once per process: the lexicon is frozen, so every caller can share it.
    from ruamel.yaml import YAML

    text = resources.files("qualcode.text").joinpath("negation_lexicon.yaml").read_text("utf-8")
    data = YAML(typ="safe", pure=True).load(text) or {}
    return NegationLexicon(
        pre=_unique(_phrases(data.get("pre"))),
        post=_unique(_phrases(data.get("post"))),
        pseudo=_unique(_phrases(data.get("pseudo"))),
        terminators=_unique(_phrases(data.get("terminators"))),
        window=int(data.get("window", _FALLBACK_WINDOW)),
    )


def _phrases(value: object) -> tuple[str, ...]:
    # A lone string is one phrase: iterating it would add every letter as a trigger.
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable):
        raise TypeError(f"expected a list of phrases, got {value!r}")
    return tuple(str(v) for v in value)


def _unique(phrases: Iterable[str]) -> tuple[str, ...]:
    # Order is kept so that a lexicon prints the way it was written; blanks mean nothing.
    seen: dict[str, None] = {}
    for p in phrases:
        p = " ".join(p.split())
        if p:
            seen.setdefault(p, None)
    return tuple(seen)


def _groups(lexicon: NegationLexicon) -> dict[_Kind, tuple[str, ...]]:
    return {
        "pre": lexicon.pre,
        "post": lexicon.post,
        "pseudo": lexicon.pseudo,
        "terminator": lexicon.terminators,
    }


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    kinds: frozenset[_Kind]  # "ruled out" is both: "ruled out cancer", "cancer ruled out"
    text: str


@dataclass(frozen=True)
class _Match:
    start: int  # positions among the sentence's non-blank tokens
    end: int
    kinds: frozenset[_Kind]
    text: str

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class _Sentence:
    positions: list[int]  # token index of each non-blank token
    counted: list[int]  # counted[i]: how many words (not punctuation) precede non-blank token i
    found: list[_Match]  # every phrase occurrence, overlaps included
    matches: list[_Match]  # the occurrences that survive overlap resolution, in order


class NegationDetector:
    """Finds the trigger, if any, that negates a hit inside a sentence."""

    def __init__(self, lexicon: NegationLexicon, tokenize: Callable[[str], list[str]]) -> None:
        """Tokenise every phrase once with the answers' tokenizer and index it by first word."""
        self.lexicon = lexicon
        self._window = lexicon.window
        best: dict[tuple[str, ...], _Phrase] = {}
        for kind, phrases in _groups(lexicon).items():
            for text in phrases:
                words = tuple(_norm(t) for t in tokenize(text) if _is_word(t))
                if words:
                    best[words] = _merge(best.get(words), _Phrase(words, frozenset({kind}), text))
        self._index: dict[str, list[_Phrase]] = {}
        for phrase in best.values():
            self._index.setdefault(phrase.words[0], []).append(phrase)
        self._last: tuple[tuple[str, ...], _Sentence] | None = None
        self._token_info: dict[str, tuple[str, int] | tuple[()]] = {}
        # One word every negating phrase must contain (its anchor), in every apostrophe
        # spelling. Most sentences contain none, and then `find` answers at once.
        self._pre_anchors = _spellings(_anchor(p.words) for p in best.values() if "pre" in p.kinds)
        self._post_anchors = _spellings(
            _anchor(p.words) for p in best.values() if "post" in p.kinds
        )
        self._anchors = self._pre_anchors | self._post_anchors
        self._anchor_ids: tuple[frozenset[int], frozenset[int]] | None = None
        self._unit_words: dict[tuple[int, ...], list[str]] = {}  # unit ids -> its words

    @property
    def anchors(self) -> frozenset[str]:
        """Words (lower-case) at least one of which every negating phrase contains."""
        return self._anchors

    @property
    def pre_anchors(self) -> frozenset[str]:
        """Anchors of pre-triggers: a hit with none of them before it is not pre-negated."""
        return self._pre_anchors

    @property
    def post_anchors(self) -> frozenset[str]:
        """Anchors of post-triggers: a hit with none of them after it is not post-negated."""
        return self._post_anchors

    def find_ids(
        self, lowers: Sequence[int], strings: Strings, first: int, last: int, start: int, end: int
    ) -> str | None:
        """:meth:`find` for the hit tokens[start:end] in the unit tokens[first:last], the
        tokens given as spaCy's lower-case string ids (`lowers`, looked up in `strings`).

        Most hits have no word a pre-trigger needs before them and none a post-trigger needs
        after them in their unit: that is decided on the ids, without making a string.
        """
        end = min(end, last)
        anchors = self._anchor_ids
        if anchors is None:
            # Ids are the strings' hashes (or spaCy's fixed symbol ids): the same in every
            # StringStore, so computing them once per detector is enough.
            anchors = self._anchor_ids = (
                frozenset(strings.add(w) for w in self._pre_anchors),
                frozenset(strings.add(w) for w in self._post_anchors),
            )
        pre, post = anchors
        if pre.isdisjoint(lowers[first:start]) and post.isdisjoint(lowers[end:last]):
            return None
        unit = tuple(lowers[first:last])
        words = self._unit_words.get(unit)
        if words is None:
            if len(self._unit_words) > 256:  # hits come unit by unit: a few recent suffice
                self._unit_words.clear()
            words = self._unit_words[unit] = [strings[h] for h in unit]
        return self.find(words, start - first, end - first)

    def find(self, tokens: Sequence[str], start: int, end: int) -> str | None:
        """The phrase that negates the hit tokens[start:end], or None when nothing does.

        `tokens` are lower-case, as the engine passes them.
        """
        if self._anchors.isdisjoint(tokens):
            return None
        sent = self._sentence(tokens)
        if not sent.matches:
            return None
        first = bisect_left(sent.positions, start)
        last = max(bisect_left(sent.positions, end), first + 1)
        matches = sent.matches
        if any(m.kinds & _SCOPE_ENDS and m.overlaps(first, last) for m in matches):
            # A pseudo-trigger or terminator made of the hit's own words says nothing about the
            # hit: in "no change in vision" the hit "change in vision" is negated by "no".
            matches = _resolve(
                [m for m in sent.found if not (m.kinds & _SCOPE_ENDS and m.overlaps(first, last))]
            )
        counted = sent.counted
        return _before(matches, first, counted, self._window) or _after(
            matches, last, counted, self._window
        )

    def _sentence(self, tokens: Sequence[str]) -> _Sentence:
        # The engine asks once per hit and hits come sentence by sentence: keep the last one
        # (read and replaced as one tuple, so a detector shared by threads stays consistent).
        key = tuple(tokens)
        last = self._last
        if last is None or last[0] != key:
            # Per token type, once: its normal form and whether it counts as a word.
            info = self._token_info
            positions: list[int] = []
            words: list[str] = []
            counted = [0]
            for i, t in enumerate(key):
                facts = info.get(t)
                if facts is None:
                    facts = (_norm(t), _counts(t)) if _is_word(t) else ()
                    info[t] = facts
                if facts:
                    positions.append(i)
                    words.append(facts[0])
                    counted.append(counted[-1] + facts[1])
            found = self._scan(words)
            last = (key, _Sentence(positions, counted, found, _resolve(found)))
            self._last = last
        return last[1]

    def _scan(self, words: Sequence[str]) -> list[_Match]:
        # Every phrase at every position: overlap resolution needs the shorter ones too, for
        # when the longest is dropped because it overlaps the hit.
        found: list[_Match] = []
        for i, w in enumerate(words):
            for phrase in self._index.get(w, ()):
                n = len(phrase.words)
                if tuple(words[i : i + n]) == phrase.words:
                    found.append(_Match(i, i + n, phrase.kinds, phrase.text))
        return found


# Kinds that end a trigger's scope. A pseudo-trigger ends it too: what follows "nothing helps"
# in "I don't drink, nothing helps my bladder" is affirmed. Another trigger does not: a nearer
# one of the same direction negates the hit anyway, and letting a trigger of the other direction
# end the scope made no difference on the NegEx gold set, so the simpler rule stays.
_SCOPE_ENDS: frozenset[_Kind] = frozenset({"terminator", "pseudo"})
_TRIGGERS: frozenset[_Kind] = frozenset({"pre", "post"})


def _before(matches: list[_Match], first: int, counted: list[int], window: int) -> str | None:
    """The pre-trigger that negates a hit starting at `first`: the nearest phrase decides."""
    for m in reversed(matches):
        if m.end > first:
            continue  # after the hit, or overlapping it: a hit inside a trigger is not negated
        if counted[first] - counted[m.end] + 1 > window:
            return None
        if "pre" in m.kinds:
            return m.text
        if m.kinds & _SCOPE_ENDS:
            return None
    return None


def _after(matches: list[_Match], last: int, counted: list[int], window: int) -> str | None:
    """The post-trigger that negates a hit ending at `last`: the nearest phrase decides."""
    for m in matches:
        if m.start < last:
            continue
        if counted[m.start] - counted[last] + 1 > window:
            return None
        if "post" in m.kinds:
            return m.text
        if m.kinds & _SCOPE_ENDS:
            return None
    return None


def _resolve(found: list[_Match]) -> list[_Match]:
    """Drop overlapped phrases: the longest wins; at equal length a pseudo, then a terminator."""
    order = sorted(found, key=lambda m: (m.start - m.end, _rank(m.kinds), m.start))
    taken: list[_Match] = []
    for m in order:
        if not any(t.overlaps(m.start, m.end) for t in taken):
            taken.append(m)
    taken.sort(key=lambda m: m.start)
    return taken


def _merge(old: _Phrase | None, new: _Phrase) -> _Phrase:
    """One phrase listed under two kinds: triggers combine, else the lower rank wins."""
    if old is None:
        return new
    if old.kinds | new.kinds <= _TRIGGERS:
        return _Phrase(old.words, old.kinds | new.kinds, old.text)
    return new if _rank(new.kinds) < _rank(old.kinds) else old


def _rank(kinds: frozenset[_Kind]) -> int:
    return min(_RANK[k] for k in kinds)


def _is_word(token: str) -> bool:
    # spaCy keeps runs of spaces and newlines as tokens of their own; they are not words.
    return bool(token) and not token.isspace()


# Phones and word processors type "don’t": one apostrophe serves for both sides.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


_APOSTROPHE_CHARS = "\u2019\u2018\u02bc`"


# Negation cues: when a phrase is all stop words, its cue is the rarest word in it.
_CUES = ("n't", "nt", "not", "no", "never", "none", "nothing", "nor", "neither", "without")


def _spellings(words: Iterable[str]) -> frozenset[str]:
    """The words, plus each spelled with every other apostrophe ("n't" -> "n’t", ...)."""
    words = set(words)
    return frozenset(
        words | {w.replace("'", c) for w in words if "'" in w for c in _APOSTROPHE_CHARS}
    )


def _anchor(words: tuple[str, ...]) -> str:
    """A word the phrase cannot occur without, chosen to be rare: the first word that is
    neither an English stop word nor punctuation ("is not a problem" -> "problem"), else its
    negation cue ("did not" -> "not"), else its last word."""
    from spacy.lang.en.stop_words import STOP_WORDS

    for word in words:
        if word not in STOP_WORDS and any(c.isalpha() for c in word):
            return word
    for cue in _CUES:
        if cue in words:
            return cue
    return words[-1]


def _norm(token: str) -> str:
    return token.lower().translate(_APOSTROPHES)


def _counts(token: str) -> int:
    # Only words count towards the window: "no fever, chills, or sweats" is 4 words long, not 7,
    # so a list's commas do not push its last item out of scope.
    return 1 if any(c.isalnum() for c in token) else 0
