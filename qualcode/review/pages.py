"""What the workbench pages show, as plain data (the templates only lay it out).

Kept apart from the web framework so it can be tested and reused: each function takes the
:class:`~qualcode.review.corpus.ReviewCorpus`, the coder's current decisions and the mode
(blind or not) and returns dicts and lists of plain values.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError
from qualcode.review.corpus import CodeInfo, Hit, ReviewCorpus
from qualcode.review.decide import AnswerState, answer_state
from qualcode.review.store import ANSWER, WHOLE, Decision

if TYPE_CHECKING:
    from qualcode.coding.engine import Engine

#: Items on one page of a queue (nothing on a page grows with the survey).
PAGE = 50


@dataclass
class Decisions:
    """One coder's current decisions, indexed by answer (respondent, question)."""

    by_answer: dict[tuple[str, str], list[Decision]]
    all: list[Decision]

    @classmethod
    def of(cls, current: list[Decision]) -> Decisions:
        """Index ``store.current(coder=...)``."""
        by_answer: dict[tuple[str, str], list[Decision]] = defaultdict(list)
        for d in sorted(current, key=lambda d: d.id):
            by_answer[(d.respondent, d.question)].append(d)
        return cls(dict(by_answer), current)

    def about(self, corpus: ReviewCorpus, row: int, question: str) -> list[Decision]:
        """The decisions about one answer made on its current text."""
        found = self.by_answer.get((corpus.respondents[row - 1], question), [])
        sha = corpus.text_hash(row, question)
        return [d for d in found if d.text_sha256 == sha]


def state_of(
    corpus: ReviewCorpus, decisions: Decisions, row: int, question: str, blind: bool
) -> AnswerState:
    """The answer with the coder's decisions applied (machine hits hidden when `blind`)."""
    return answer_state(corpus, row, question, decisions.about(corpus, row, question), blind=blind)


def pieces(text: str, spans: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """`text` cut at every span boundary: each piece has its code-point offset ``o``, its
    ``text`` and the ``codes`` covering it (in span order, no repeats)."""
    cuts = {0, len(text)}
    for start, end, _ in spans:
        cuts.update((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    edges = sorted(cuts)
    out = []
    for a, b in zip(edges, edges[1:]):
        if a == b:
            continue
        codes: list[str] = []
        for start, end, code in spans:
            if start <= a and b <= end and code not in codes:
                codes.append(code)
        out.append({"o": a, "text": text[a:b], "codes": codes})
    return out


def answer_view(
    corpus: ReviewCorpus, decisions: Decisions, row: int, question: str, blind: bool
) -> dict[str, Any]:
    """One answer for the page: its text in pieces (codes highlighted), the codes on, the
    whole-answer toggles and whether it is marked done."""
    st = state_of(corpus, decisions, row, question, blind)
    text = corpus.text(row, question)
    spans = [(int(str(s["start"])), int(str(s["end"])), str(s["code"])) for s in st.segments]
    if blind:
        spans = [s for s, seg in zip(spans, st.segments) if seg["origin"] != "machine"]
    return {
        "row": row,
        "respondent": corpus.respondents[row - 1],
        "question": question,
        "text": text,
        "hash": corpus.text_hash(row, question),
        "pieces": pieces(text, spans),
        "on": st.on,
        "whole": st.whole,
        "done": st.done,
        "segments": st.segments,
    }


def hit_view(corpus: ReviewCorpus, hit: Hit, decided: str | None, window: int = 120) -> dict:
    """A machine hit in context for the by-code queue: left, match, right (at most `window`
    characters either side, cut at word boundaries), the rule, negation and the decision."""
    text = corpus.text(hit.row, hit.question)
    left = text[max(0, hit.start - window) : hit.start]
    right = text[hit.end : hit.end + window]
    if hit.start > window and " " in left:
        left = "… " + left.split(" ", 1)[1]
    if len(text) - hit.end > window and " " in right:
        right = right.rsplit(" ", 1)[0] + " …"
    return {
        "hit": hit,
        "left": left,
        "match": text[hit.start : hit.end],
        "right": right,
        "hash": corpus.text_hash(hit.row, hit.question),
        "decided": decided,
    }


def code_queue(
    corpus: ReviewCorpus, decisions: Decisions, code: CodeInfo, page: int
) -> dict[str, Any]:
    """One page of a code's hits with this coder's decision on each, and the counts."""
    decided = _hit_decisions(corpus, decisions)
    total = corpus.n_hits_of_code(code.id)
    pages = max(1, -(-total // PAGE))
    page = min(max(1, page), pages)
    shown = corpus.hits_of_code(code.id, (page - 1) * PAGE, page * PAGE)
    items = [hit_view(corpus, h, decided.get(h.index)) for h in shown]
    n_decided = sum(
        1 for i, d in decided.items()
        if d in ("accept", "reject") and code.id in corpus.hits[i].code_path.split("/")
    )  # fmt: skip
    return {"items": items, "page": page, "pages": pages, "total": total, "decided": n_decided}


def _hit_decisions(corpus: ReviewCorpus, decisions: Decisions) -> dict[int, str]:
    """The current decision on each machine hit (by index) made on the answer's current
    text; the work grows with the decisions, not with the hits."""
    out: dict[int, str] = {}
    for d in decisions.all:
        if d.start == WHOLE:
            continue
        for row in corpus.rows_of(d.respondent, d.question):
            if corpus.text_hash(row, d.question) != d.text_sha256:
                continue
            hit = corpus.hit_at(row, d.question, d.code, d.start, d.end)
            if hit is not None:
                out[hit.index] = d.decision
    return out


def progress(corpus: ReviewCorpus, decisions: Decisions) -> dict[str, Any]:
    """Per code: hits, hits decided, left; decisions made; median seconds per decision."""
    decided: dict[str, int] = defaultdict(int)
    accepted: dict[str, int] = defaultdict(int)
    for index, decision in _hit_decisions(corpus, decisions).items():
        if decision not in ("accept", "reject"):
            continue
        for code in corpus.hits[index].code_path.split("/"):
            decided[code] += 1
            accepted[code] += decision == "accept"
    rows = []
    for info in corpus.codes:
        n = corpus.n_hits_of_code(info.id)
        rows.append({
            "code": info, "hits": n, "decided": decided[info.id],
            "accepted": accepted[info.id], "left": n - decided[info.id],
        })  # fmt: skip
    times = [d.elapsed_ms for d in decisions.all if d.elapsed_ms]
    real = [d for d in decisions.all if d.code != ANSWER]
    answers = {(d.respondent, d.question) for d in decisions.all}
    return {
        "codes": rows,
        "decisions": len(real),
        "added": sum(1 for d in real if d.decision == "add"),
        "answers": len(answers),
        "whole": sum(1 for d in real if d.start == WHOLE),
        "seconds": round(statistics.median(times) / 1000, 2) if times else None,
    }


def search(
    corpus: ReviewCorpus, query: str, mode: str = "word", limit: int = 200
) -> tuple[list[dict[str, Any]], int, str | None]:
    """Hits of a word or phrase, a glob (``*`` any letters, ``?`` one) or a regular
    expression across every answer, case-insensitive: (the first `limit` hits in context,
    how many in all, an error message for a bad pattern).

    A word, phrase or glob matches as ``qualcode kwic`` does: a one-code codebook whose rule
    is the pattern, run by the real engine (lemmas too, so ``craving`` finds ``cravings``;
    its prefilter tokenises only the answers that can hold the pattern). A regex is searched
    as written."""
    if not query.strip():
        return [], 0, None
    if mode == "regex":
        try:
            pattern = compile_search(query, mode)
        except re.error as exc:
            return [], 0, f"not a regular expression: {exc}"
        spans: Iterable[tuple[int, str, int, int]] = (
            (row, q, m.start(), m.end())
            for row in range(1, corpus.n_rows + 1)
            for q in corpus.questions
            for m in pattern.finditer(corpus.text(row, q))
            if m.end() > m.start()
        )
    else:
        try:
            engine = _pattern_engine(query.strip())
        except QualcodeError as exc:
            return [], 0, f"not a pattern: {exc}"
        order = {q: i for i, q in enumerate(corpus.questions)}
        found_spans: list[tuple[int, str, int, int]] = []
        for q in corpus.questions:
            column = [corpus.text(row, q) for row in range(1, corpus.n_rows + 1)]
            for i, hits in engine.find_all(column):
                found_spans.extend((i + 1, q, h.char_start, h.char_end) for h in hits)
        found_spans.sort(key=lambda s: (s[0], order[s[1]], s[2]))
        spans = found_spans
    found: list[dict[str, Any]] = []
    total = 0
    for row, q, start, end in spans:
        total += 1
        if len(found) < limit:
            text = corpus.text(row, q)
            found.append({
                "row": row, "respondent": corpus.respondents[row - 1], "question": q,
                "start": start, "end": end, "hash": corpus.text_hash(row, q),
                "left": text[max(0, start - 80) : start],
                "match": text[start:end], "right": text[end : end + 80],
            })  # fmt: skip
    return found, total, None


@functools.lru_cache(maxsize=16)
def _pattern_engine(pattern: str) -> Engine:
    """The engine of ``qualcode kwic``'s one-code codebook for `pattern` (kept for the next
    page of the same search)."""
    from qualcode.analysis.kwic import pattern_codebook
    from qualcode.coding.compile import compile_codebook
    from qualcode.coding.engine import Engine

    return Engine(compile_codebook(pattern_codebook(pattern)))


def compile_search(query: str, mode: str) -> re.Pattern[str]:
    """The regular expression a search runs: a word or phrase matches whole words, a glob
    (``crav*``) within a word, a regex as written; all case-insensitive."""
    if mode == "regex":
        return re.compile(query, re.IGNORECASE)
    if mode == "glob":
        parts = []
        for ch in query.strip():
            parts.append(r"\w*" if ch == "*" else r"\w" if ch == "?" else re.escape(ch))
        return re.compile(r"\b" + "".join(parts) + r"\b", re.IGNORECASE)
    words = [re.escape(w) for w in query.split()]
    return re.compile(r"\b" + r"\s+".join(words) + r"\b", re.IGNORECASE)
