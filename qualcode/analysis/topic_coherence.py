"""Topic coherence: mean NPMI of a topic's top terms over the corpus the model was fitted on.

For two terms a and b, with N the number of answers modelled, D(a) the number of those
answers that contain a and D(a, b) the number that contain both (document co-occurrence:
the whole answer is the window, as in Röder et al. 2015's "boolean document"),

    P(a) = D(a) / N,   P(a, b) = D(a, b) / N
    NPMI(a, b) = log(P(a, b) / (P(a) P(b))) / -log(P(a, b))         (Bouma 2009)

NPMI runs from -1 (never together) through 0 (independent) to 1 (always together). A pair
that never co-occurs gets -1, the limit of the formula as P(a, b) -> 0 (no smoothing
constant, so the value does not depend on an arbitrary epsilon); a pair that occurs in every
answer (P(a, b) = 1) gets 1. A pair where one term is a bigram containing the other ("k
bladder" and "bladder") is left out: such terms co-occur by construction and would make
coherence reward bigrams rather than themes. A topic's coherence is the mean over its
remaining pairs of top terms (0 when it has none); the model's is the mean over its topics.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from qualcode.analysis.topic_terms import BIGRAM_JOIN


def _nested(a: str, b: str) -> bool:
    """True when one term is a bigram containing the other as one of its words."""
    return (BIGRAM_JOIN in a and b in a.split(BIGRAM_JOIN)) or (
        BIGRAM_JOIN in b and a in b.split(BIGRAM_JOIN)
    )


def npmi_matrix(counts: np.ndarray, joint: np.ndarray, n: int) -> np.ndarray:
    """NPMI for every pair, from document counts `counts` (D(a)), `joint` (D(a, b)) and N."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = counts / n
        pab = joint / n
        pmi = np.log(pab) - np.log(p)[:, None] - np.log(p)[None, :]
        out = pmi / -np.log(pab)
    out = np.where(joint == 0, -1.0, out)
    out = np.where(joint >= n, 1.0, out)
    return out


def topic_coherence(
    occurrence: sparse.csr_matrix, top_terms: list[list[int]], names: list[str]
) -> list[float]:
    """Mean NPMI per topic of its top terms (column indices into `occurrence`, a documents x
    terms matrix whose nonzero entries mark that the answer contains the term)."""
    n = occurrence.shape[0]
    used = sorted({t for topic in top_terms for t in topic})
    if n == 0 or not used:
        return [0.0 for _ in top_terms]
    where = {t: i for i, t in enumerate(used)}
    sub = (occurrence[:, used] > 0).astype(np.float64).tocsc()
    joint = (sub.T @ sub).toarray()
    npmi = npmi_matrix(np.diag(joint).copy(), joint, n)
    scores = []
    for topic in top_terms:
        values = [
            npmi[where[a], where[b]]
            for i, a in enumerate(topic)
            for b in topic[i + 1 :]
            if not _nested(names[a], names[b])
        ]
        scores.append(float(np.mean(values)) if values else 0.0)
    return scores
