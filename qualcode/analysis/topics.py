"""Topic discovery: which themes do the answers hold, and how many?

:class:`TopicModel` follows scikit-learn's conventions (parameters in ``__init__``, work in
:meth:`TopicModel.fit`, results in attributes ending in ``_``) and gives its results as
pandas frames. The unit is one answer. Terms come from :mod:`qualcode.analysis.topic_terms`
(the lemmas coding uses, stop words dropped, unigrams and adjacent bigrams); answers with
fewer than `min_terms` kept words are not used to fit, and are reported as "too short".
``method="nmf"`` fits TF-IDF + NMF (Kullback-Leibler loss), ``method="lda"`` counts + LDA.
With ``k="auto"`` every k of `k_range` is fitted and scored by mean NPMI coherence
(:mod:`qualcode.analysis.topic_coherence`); the best wins, a tie goes to the smaller k.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from qualcode.analysis.topic_coherence import topic_coherence
from qualcode.analysis.topic_terms import BIGRAM_JOIN, TermExtractor, identity, unigram_count
from qualcode.errors import QualcodeError
from qualcode.text.pipeline import TextPipeline, make_pipeline

if TYPE_CHECKING:  # scikit-learn is imported when a model is fitted
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

METHODS = ("nmf", "lda")
#: What `answers_["status"]` says about each answer.
MODELLED, TOO_SHORT, NO_TERM = "modelled", "too short", "no frequent term"
#: The fewest usable answers a model is fitted on, and the fewest per topic on average when
#: k is chosen automatically (the top of `k_range` is lowered to respect it).
MIN_ANSWERS = 20
ANSWERS_PER_TOPIC = 10
#: Coherence is the mean NPMI of each topic's first COHERENCE_TOP terms.
COHERENCE_TOP = 10
#: Scores equal to this many decimals are a tie (the smaller k wins).
TIE_DECIMALS = 4
#: A term whose share of a topic's weight is at most this is not among the topic's terms
#: (the files round weights to 6 decimals: it would be written as 0).
NEGLIGIBLE = 1e-6


def default_min_df(n: int) -> int:
    """A term must occur in at least this many of `n` answers: 2 for a few hundred answers
    (a word one person used says nothing about a theme), 1 in 2,000 answers at scale (50 at
    100k), so the vocabulary stays in the low thousands whatever the size."""
    return max(2, math.ceil(n / 2000))


class TopicModel:
    """Topics of short texts with scikit-learn's NMF (TF-IDF) or LDA (counts).

    Parameters: `k` ("auto" or the number of topics), `method` ("nmf" or "lda"),
    `k_range` (smallest and largest k tried by "auto", both included), `seed`, `top_n`
    (terms kept per topic), `min_df` (fewest answers a term must occur in; None:
    :func:`default_min_df`), `max_df` (largest share of answers a term may occur in),
    `min_terms` (fewest kept words an answer needs to be modelled), `bigrams`, `language`
    / `model` (the spaCy pipeline, as for coding) or a ready `pipeline`, and `sweep_max`
    (with "auto", the k sweep is fitted on a seeded sample of at most this many answers; the
    chosen k is then fitted on all of them; None: no sample).

    After :meth:`fit`: ``k_``, ``answers_`` (one row per input text: topic, weight, strength,
    status, terms), ``topics_`` (topic, size, share, terms, label, npmi), ``terms_`` (topic,
    rank, term, weight), ``coherence_`` (k, npmi, chosen; one row per k tried),
    ``vocabulary_`` (terms in column order), ``n_fitted_`` and ``sweep_sample_`` (answers
    the k sweep saw; None for a fixed k). Topics are numbered from 1 by size, largest first.
    """

    def __init__(
        self,
        k: int | str = "auto",
        method: str = "nmf",
        k_range: tuple[int, int] = (2, 10),
        seed: int = 0,
        top_n: int = 10,
        min_df: int | None = None,
        max_df: float = 0.5,
        min_terms: int = 2,
        bigrams: bool = True,
        language: str = "en",
        model: str | None = None,
        pipeline: TextPipeline | None = None,
        sweep_max: int | None = 20_000,
    ) -> None:
        self.k = k
        self.method = method
        self.k_range = k_range
        self.seed = seed
        self.top_n = top_n
        self.min_df = min_df
        self.max_df = max_df
        self.min_terms = min_terms
        self.bigrams = bigrams
        self.language = language
        self.model = model
        self.pipeline = pipeline
        self.sweep_max = sweep_max

    # -- fitting ------------------------------------------------------------------------
    def fit(self, texts: Sequence[str]) -> TopicModel:
        """Fit on `texts` (one answer each); every text gets a row of ``answers_``."""
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")
        pipeline = self.pipeline or make_pipeline(self.language, self.model)
        self.pipeline_ = pipeline
        terms = TermExtractor(pipeline, bigrams=self.bigrams).terms(texts)
        usable = np.array([unigram_count(t) >= self.min_terms for t in terms], dtype=bool)
        n_usable = int(usable.sum())
        fit_terms = [t for t, u in zip(terms, usable) if u]
        ks = self._candidate_ks(n_usable)
        self.min_df_ = self.min_df if self.min_df is not None else default_min_df(n_usable)
        vectorizer = self._vectorizer(self.min_df_, n_usable)
        try:
            x = vectorizer.fit_transform(fit_terms)
        except ValueError:  # no term is left after min_df / max_df
            x = sparse.csr_matrix((n_usable, 0))
        names = [str(t) for t in vectorizer.get_feature_names_out()] if x.shape[1] else []
        if x.shape[1] < 2 * min(ks):
            # The answers are enough; the vocabulary is not (k topics need 2k terms): say so,
            # not "needs at least 20" answers when there are more.
            raise QualcodeError(
                "E721", n=n_usable, need=f"{2 * min(ks)} such terms for {min(ks)} topics",
                why=f"only {x.shape[1]} term(s) occur in at least {self.min_df_} of them",
            )  # fmt: skip
        self.vocabulary_ = names
        self.n_fitted_ = n_usable
        occurrence = x.tocsr()
        self.coherence_, best, fitted = self._choose_k(occurrence, names, ks)
        self.k_ = best
        # The sweep's fit is the final one when it saw every answer (a fixed k always does):
        # the same data and seed give the same model, so it is not fitted twice.
        model, w = fitted if fitted is not None else self._fit_one(occurrence, best)
        self._results(texts, terms, usable, occurrence, names, model, w)
        return self

    def _candidate_ks(self, n_usable: int) -> list[int]:
        """The k values to try (one when k is fixed); E721 when there are too few answers."""
        if self.k == "auto":
            low, high = self.k_range
            high = min(high, max(low, n_usable // ANSWERS_PER_TOPIC))
            ks = list(range(low, high + 1))
        else:
            ks = [int(self.k)]
        need = max(MIN_ANSWERS, 2 * min(ks))
        if n_usable < need:
            raise QualcodeError(
                "E721", n=n_usable, need=need,
                why=f"answers with at least {self.min_terms} content words",
            )  # fmt: skip
        return ks

    def _vectorizer(self, min_df: int, n: int) -> CountVectorizer | TfidfVectorizer:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

        kind = TfidfVectorizer if self.method == "nmf" else CountVectorizer
        # max_df as a share is relative to the corpus; when min_df (a count) exceeds it on a
        # tiny corpus scikit-learn refuses, so the share is raised to at least min_df.
        max_df = max(self.max_df, min_df / max(n, 1))
        return kind(analyzer=identity, min_df=min_df, max_df=max_df, lowercase=False)

    def _fit_one(
        self, x: sparse.csr_matrix, k: int
    ) -> tuple[NMF | LatentDirichletAllocation, np.ndarray]:
        """Fit one model with k topics; return it and the answers x topics weights."""
        from sklearn.decomposition import NMF, LatentDirichletAllocation
        from sklearn.exceptions import ConvergenceWarning

        if self.method == "nmf":
            # The generalised Kullback-Leibler loss suits sparse short-text data better than
            # the Frobenius norm: on the bundled example and gadarian.csv the Frobenius fits
            # give one catch-all topic of generic words and a coherence curve with no peak.
            model: NMF | LatentDirichletAllocation = NMF(
                n_components=k, init="nndsvda", random_state=self.seed, max_iter=400,
                beta_loss="kullback-leibler", solver="mu",
            )  # fmt: skip
        else:
            model = LatentDirichletAllocation(
                n_components=k, random_state=self.seed, learning_method="batch", max_iter=20
            )
        with warnings.catch_warnings():
            # Not converging within max_iter changes the last decimals, not the topics.
            warnings.simplefilter("ignore", ConvergenceWarning)
            w = model.fit_transform(x)
        return model, np.asarray(w)

    def _top(
        self, model: NMF | LatentDirichletAllocation, n: int, among: np.ndarray | None = None
    ) -> list[list[int]]:
        """Each topic's `n` heaviest columns (only those in `among`, when given)."""
        comp = np.asarray(model.components_)
        cols = np.arange(comp.shape[1]) if among is None else among
        top = []
        for row in comp:
            # A term with (next to) no weight is not a term of the topic: without this, a
            # topic of few terms is padded with weight-0 terms in vocabulary order.
            mine = cols[row[cols] > NEGLIGIBLE * max(float(row.sum()), np.finfo(float).tiny)]
            # Sort by weight, ties by column (the vocabulary is sorted): stable and seedless.
            top.append(list(mine[np.lexsort((mine, -row[mine]))[:n]]))
        return top

    def _coherence_top(
        self, model: NMF | LatentDirichletAllocation, names: list[str]
    ) -> list[list[int]]:
        """The terms coherence is scored on: each topic's top single words (a bigram and
        the words it is made of co-occur by construction, and repeated stock phrases would
        otherwise make many small topics look coherent)."""
        words = np.array([i for i, t in enumerate(names) if BIGRAM_JOIN not in t], dtype=int)
        return self._top(model, COHERENCE_TOP, words)

    def _choose_k(
        self, x: sparse.csr_matrix, names: list[str], ks: list[int]
    ) -> tuple[pd.DataFrame, int, tuple[NMF | LatentDirichletAllocation, np.ndarray] | None]:
        """Fit each k (on a seeded sample when there are more than `sweep_max` answers),
        score it by mean NPMI; the curve, the best k (ties: the smaller), and the best fit
        when the sweep used every answer (None when it used a sample)."""
        sample = x
        if len(ks) > 1 and self.sweep_max is not None and x.shape[0] > self.sweep_max:
            rng = np.random.default_rng(self.seed)
            rows = np.sort(rng.choice(x.shape[0], size=self.sweep_max, replace=False))
            sample = x[rows]
        self.sweep_sample_ = int(sample.shape[0]) if len(ks) > 1 else None
        scores = []
        best, best_score, best_fit = ks[0], -np.inf, None
        for k in ks:
            fit = self._fit_one(sample, k)
            per_topic = topic_coherence(sample, self._coherence_top(fit[0], names), names)
            scores.append(float(np.mean(per_topic)))
            if round(scores[-1], TIE_DECIMALS) > best_score:  # ties keep the smaller k
                best, best_score, best_fit = k, round(scores[-1], TIE_DECIMALS), fit
        curve = pd.DataFrame({"k": ks, "npmi": scores, "chosen": [k == best for k in ks]})
        return curve, best, (best_fit if sample is x else None)

    # -- results ------------------------------------------------------------------------
    def _results(
        self,
        texts: Sequence[str],
        terms: list[list[str]],
        usable: np.ndarray,
        x: sparse.csr_matrix,
        names: list[str],
        model: NMF | LatentDirichletAllocation,
        w: np.ndarray,
    ) -> None:
        k = w.shape[1]
        total = w.sum(axis=1)
        raw_topic = np.argmax(w, axis=1)
        has_term = total > 0
        sizes = np.bincount(raw_topic[has_term], minlength=k)
        order = sorted(range(k), key=lambda t: (-sizes[t], t))  # largest first
        number = {old: new + 1 for new, old in enumerate(order)}
        comp = np.asarray(model.components_, dtype=np.float64)
        comp = comp / np.where(
            comp.sum(axis=1, keepdims=True) > 0, comp.sum(axis=1, keepdims=True), 1
        )
        top = self._top(model, max(self.top_n, COHERENCE_TOP))
        npmi = topic_coherence(x, self._coherence_top(model, names), names)

        n = len(texts)
        topic = np.zeros(n, dtype=np.int64)
        weight = np.zeros(n)
        strength = np.zeros(n)
        status = np.full(n, TOO_SHORT, dtype=object)
        fitted = np.flatnonzero(usable)
        for j, i in enumerate(fitted):
            if not has_term[j]:
                status[i] = NO_TERM
                continue
            t = int(raw_topic[j])
            topic[i] = number[t]
            weight[i] = w[j, t] / total[j]
            strength[i] = w[j, t]
            status[i] = MODELLED
        self.answers_ = pd.DataFrame({
            "topic": topic, "weight": weight, "strength": strength, "status": status,
            "terms": [unigram_count(t) for t in terms],
        })  # fmt: skip

        assigned = int(has_term.sum())
        topic_rows: list[dict[str, object]] = []
        term_rows: list[dict[str, object]] = []
        for old in order:
            t = number[old]
            ranked = top[old][: self.top_n]
            words = [names[c] for c in ranked]
            term_rows.extend(
                {"topic": t, "rank": r + 1, "term": names[c], "weight": float(comp[old, c])}
                for r, c in enumerate(ranked)
            )
            topic_rows.append({
                "topic": t,
                "size": int(sizes[old]),
                "share": sizes[old] / assigned if assigned else 0.0,
                "terms": "; ".join(f"{names[c]} ({comp[old, c]:.3f})" for c in ranked),
                "label": ", ".join(words[:3]),
                "npmi": npmi[old],
            })  # fmt: skip
        self.topics_ = pd.DataFrame(topic_rows)
        self.terms_ = pd.DataFrame(term_rows, columns=["topic", "rank", "term", "weight"])
