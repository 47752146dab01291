"""The terms a topic model sees in each answer: the lemmas coding uses, minus stop words.

Each answer is tokenised with the same spaCy pipeline and lookup lemmas as coding
(:func:`qualcode.text.pipeline.make_pipeline`), so a topic's terms are words a codebook rule
can be written with. A token is kept when it has at least two characters, contains a letter,
is not punctuation, a number or white space, and neither its lower-case form nor its lemma is
a spaCy stop word; what is kept is its lemma. Bigrams join two kept lemmas whose tokens are
next to each other in the answer (nothing dropped between them), so a bigram is a phrase the
answer really contains and a `match` phrase rule can find it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from qualcode.text.pipeline import TextPipeline

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer
    from spacy.tokens import Token

#: Joins the two lemmas of a bigram: a space, as a phrase rule is written ("k bladder").
BIGRAM_JOIN = " "


class TermExtractor:
    """Turns answers into lists of terms (unigram lemmas, then adjacent bigrams).

    The decision for a vocabulary type (keep? which lemma?) is cached by its spaCy orth id,
    so the cost per token is a dictionary lookup: answers reuse a small vocabulary.
    """

    def __init__(self, pipeline: TextPipeline, bigrams: bool = True) -> None:
        self.pipeline = pipeline
        self.bigrams = bigrams
        defaults = pipeline.nlp.Defaults
        self.stop_words = frozenset(w.lower() for w in getattr(defaults, "stop_words", ()))
        self._cache: dict[int, str | None] = {}

    def _kept(self, token: Token) -> str | None:
        orth = token.orth
        try:
            return self._cache[orth]
        except KeyError:
            pass
        # "k." and "'cause" keep their punctuation in spaCy's English tokenizer: strip it.
        lower = token.lower_.strip(".'-_")
        keep: str | None = None
        if (
            len(lower) >= 2
            and any(ch.isalpha() for ch in lower)
            and not token.is_punct
            and not token.is_space
            and not token.like_num
            and not token.like_url
            and not token.like_email
            and lower not in self.stop_words
        ):
            lemma = self.pipeline.lemma(lower)
            if lemma not in self.stop_words and len(lemma) >= 2:
                keep = lemma
        self._cache[orth] = keep
        return keep

    def unigrams(self, texts: Iterable[str]) -> Iterable[list[str | None]]:
        """Per answer, one entry per token: its kept lemma or None (dropped)."""
        # spaCy types `Language.tokenizer` as any callable; a blank pipeline's is a Tokenizer.
        tokenizer = cast("Tokenizer", self.pipeline.nlp.tokenizer)
        for doc in tokenizer.pipe(texts, batch_size=1000):
            yield [self._kept(tok) for tok in doc]

    def terms(self, texts: Iterable[str]) -> list[list[str]]:
        """Per answer, its terms: the kept lemmas in order, then its bigrams in order."""
        out = []
        for kept in self.unigrams(texts):
            words = [k for k in kept if k is not None]
            if self.bigrams:
                pairs = [
                    a + BIGRAM_JOIN + b
                    for a, b in zip(kept, kept[1:])
                    if a is not None and b is not None and a != b
                ]
                words.extend(pairs)
            out.append(words)
        return out


def unigram_count(terms: list[str]) -> int:
    """How many single-lemma terms a term list holds (bigrams hold a space)."""
    return sum(1 for t in terms if BIGRAM_JOIN not in t)


def identity(terms: list[str]) -> list[str]:
    """The analyzer handed to scikit-learn's vectorizers: answers arrive already split.
    (A module-level function, not a lambda, so a fitted vectorizer can be pickled.)"""
    return terms
