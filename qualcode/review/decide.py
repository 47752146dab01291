"""Human decisions applied to the machine coding: per answer, and for a whole folder.

The rules (also in docs/review.md):

- A decision applies to the answer it was made on: the same respondent id and question and
  the same text (SHA-256). When the text changed, or the id is gone, it is **stale**: listed,
  never applied. A decision about a code the coding no longer has is **orphaned**: listed,
  never applied.
- On a machine hit (a span of segments.csv): *accept* keeps the hit and makes it count even
  when it is negated under `negation: exclude`; *reject* removes it. An *accept* of a span
  the machine no longer finds (the rules changed) stands as a human coding of that span.
- *add* of a span is a manual coding: a segment with rule ``human: CODER``.
- On the whole answer (no span): *add* switches the code on for the answer; *reject* switches
  it off: it removes every hit and coding of the code and of its descendants in the answer
  made before it (later ones stand).
- *done* marks the answer as reviewed. In blind mode (decisions made with the machine's codes
  hidden) the machine's hits in an answer the coder touched are not used: the answer is
  coded by the person alone.
- A code is on for a respondent when any of its answers has a kept hit or coding of the code
  or a descendant, or the code (or a descendant) switched on. A cell of the final table is
  *machine* when no decision touched it, else *human-added* (machine 0, final 1),
  *human-rejected* (final 0) or *human-accepted* (machine 1, final 1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from qualcode.review.corpus import ReviewCorpus
from qualcode.review.store import ANSWER, WHOLE, Decision

if TYPE_CHECKING:  # pandas is imported by apply_decisions: not on the server's start
    import pandas as pd

PROVENANCE = ("machine", "human-accepted", "human-rejected", "human-added")


@dataclass
class Resolution:
    """Decisions sorted by what can be done with them: `applicable` maps each answer
    (row, question) to its decisions, oldest first; `stale` and `orphaned` list the rest."""

    applicable: dict[tuple[int, str], list[Decision]] = field(default_factory=dict)
    stale: list[Decision] = field(default_factory=list)
    orphaned: list[Decision] = field(default_factory=list)

    @property
    def n_applicable(self) -> int:
        """How many decisions apply."""
        return sum(len(v) for v in self.applicable.values())


def resolve(corpus: ReviewCorpus, decisions: Iterable[Decision]) -> Resolution:
    """Match `decisions` (latest per key, e.g. ``store.current(coder=...)``) to the answers
    of `corpus`; see the module for stale and orphaned decisions."""
    result = Resolution()
    applicable: dict[tuple[int, str], list[Decision]] = defaultdict(list)
    for d in decisions:
        if d.code != ANSWER and corpus.code(d.code) is None:
            result.orphaned.append(d)
            continue
        row = corpus.find(d.respondent, d.question, d.text_sha256, d.row)
        if row is None:
            result.stale.append(d)
            continue
        applicable[(row, d.question)].append(d)
    result.applicable = {
        key: sorted(found, key=lambda d: d.id) for key, found in sorted(applicable.items())
    }
    return result


@dataclass
class AnswerState:
    """One answer with the decisions about it applied."""

    row: int
    question: str
    #: the segments that stand (dicts with the columns of segments.csv plus ``origin``:
    #: machine, human-accepted or human-added)
    segments: list[dict[str, object]]
    #: codes on for this answer (with their ancestors)
    on: set[str]
    #: codes a decision touched (with their ancestors)
    touched: set[str]
    #: the latest decision about each machine hit (by its index in segments)
    hits: dict[int, str]
    #: codes switched on ("add") or off ("reject") for the whole answer
    whole: dict[str, str]
    done: bool
    blind: bool


def answer_state(
    corpus: ReviewCorpus,
    row: int,
    question: str,
    decisions: list[Decision],
    *,
    blind: bool | None = None,
) -> AnswerState:
    """Apply the decisions of one coder about one answer (the latest per key) to it.

    `blind` (default: whether all of `decisions` were made in blind mode, when there are any)
    leaves the machine's hits out."""
    if blind is None:
        blind = bool(decisions) and all(d.blind for d in decisions)
    text = corpus.text(row, question)
    respondent = corpus.respondents[row - 1]
    machine = [] if blind else corpus.hits_of_answer(row, question)
    by_span = {(h.code, h.start, h.end): h for h in machine}
    # (time, segment, counts): undecided machine hits at time 0
    items: list[tuple[int, dict[str, object], bool]] = []
    state: dict[int, str] = {}
    decided: dict[tuple[str, int, int], Decision] = {}
    whole: dict[str, Decision] = {}
    done = False
    touched: set[str] = set()
    d: Decision | None  # a decision of the answer, then the one about each machine hit
    for d in decisions:
        if d.code == ANSWER:
            done = d.decision == "done"
            continue
        info = corpus.code(d.code)
        assert info is not None  # resolve() leaves orphans out
        touched.update(info.ancestors)
        if d.start == WHOLE:
            whole[d.code] = d
        else:
            decided[(d.code, d.start, d.end)] = d
    for h in machine:
        d = decided.get((h.code, h.start, h.end))
        if d is None:
            items.append((0, _segment(h, respondent, "machine", h.negated), h.counts))
            continue
        state[h.index] = d.decision
        if d.decision in ("accept", "add"):
            items.append((d.id, _segment(h, respondent, "human-accepted", False), True))
    for (code, start, end), d in decided.items():
        if (code, start, end) in by_span or d.decision not in ("accept", "add"):
            continue
        info = corpus.code(code)
        assert info is not None
        items.append((d.id, {
            "row": row, "id": respondent, "question": question, "code": code,
            "code_path": info.path, "start": start, "end": end, "match": text[start:end],
            "quote": _quote(text, start, end), "negated": False, "rule": f"human: {d.coder}",
            "origin": "human-added",
        }, True))  # fmt: skip
    on_marks: list[tuple[int, str]] = []
    for code, d in whole.items():
        if d.decision == "add":
            on_marks.append((d.id, code))
    for code, d in whole.items():
        if d.decision == "reject":
            items = [
                (t, s, k) for t, s, k in items
                if t > d.id or code not in str(s["code_path"]).split("/")
            ]  # fmt: skip
            on_marks = [
                (t, c) for t, c in on_marks
                if t > d.id or code not in corpus.code(c).ancestors  # type: ignore[union-attr]
            ]  # fmt: skip
    on: set[str] = set()
    for _, s, counts in items:
        if counts:
            on.update(str(s["code_path"]).split("/"))
    for _, c in on_marks:
        on.update(corpus.code(c).ancestors)  # type: ignore[union-attr]
    return AnswerState(
        row=row, question=question, segments=[s for _, s, _ in items], on=on, touched=touched,
        hits=state, whole={c: d.decision for c, d in whole.items()}, done=done, blind=blind,
    )  # fmt: skip


def _segment(h: object, respondent: str, origin: str, negated: bool) -> dict[str, object]:
    from qualcode.coding.result import SEGMENT_COLUMNS

    values = {c: getattr(h, c) for c in SEGMENT_COLUMNS if c != "id"}
    values["id"] = respondent
    values["negated"] = negated
    values["origin"] = origin
    return {c: values[c] for c in (*SEGMENT_COLUMNS, "origin")}


def _quote(text: str, start: int, end: int) -> str:
    """The sentence-ish stretch around a span: from the last stop before it to the next."""
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    stops = [i for i in (text.find(c, end) for c in ".!?\n") if i != -1]
    right = min(stops) + 1 if stops else len(text)
    return text[left:right].strip()


@dataclass
class Reviewed:
    """The machine coding with one coder's decisions applied (see :func:`apply_decisions`)."""

    #: final 0/1 per row and code (same index and columns as the machine matrix)
    matrix: pd.DataFrame
    #: per row and code: machine / human-accepted / human-rejected / human-added
    provenance: pd.DataFrame
    #: the segments that stand, machine and human (``origin`` says which)
    segments: pd.DataFrame
    resolution: Resolution
    #: the answers (row, question) with at least one applicable decision or marked done
    reviewed: list[tuple[int, str]]
    states: dict[tuple[int, str], AnswerState]


def apply_decisions(corpus: ReviewCorpus, decisions: Iterable[Decision]) -> Reviewed:
    """Apply one coder's current decisions (``store.current(coder=NAME)``) to the machine
    coding of `corpus`: the final matrix, each cell's provenance and the segments that stand."""
    import pandas as pd

    from qualcode.coding.result import SEGMENT_COLUMNS

    resolution = resolve(corpus, decisions)
    machine = corpus.machine_matrix()
    codes = [c.id for c in corpus.codes]
    final = machine[codes].to_numpy(copy=True)
    touched = np.zeros(final.shape, dtype=bool)
    column = {c: i for i, c in enumerate(codes)}
    states = {
        key: answer_state(corpus, key[0], key[1], found)
        for key, found in resolution.applicable.items()
    }
    by_row: dict[int, list[AnswerState]] = defaultdict(list)
    st: AnswerState | None
    for (row, _), st in states.items():
        by_row[row].append(st)
    for row, answer_states in by_row.items():
        on: set[str] = set()
        for q in corpus.questions:
            st = next((s for s in answer_states if s.question == q), None)
            if st is None:
                on.update(c for h in corpus.hits_of_answer(row, q) if h.counts
                          for c in h.code_path.split("/"))  # fmt: skip
            else:
                on |= st.on
                for c in st.touched:
                    touched[row - 1, column[c]] = True
        final[row - 1, :] = [1 if c in on else 0 for c in codes]
    parts = []
    untouched = [i for i, h in enumerate(corpus.hits) if (h.row, h.question) not in states]
    if untouched:
        seg = corpus.coding.segments.iloc[untouched][list(SEGMENT_COLUMNS)].copy()
        seg["origin"] = "machine"
        parts.append(seg)
    decided = [s for st in states.values() for s in st.segments]
    if decided:
        parts.append(pd.DataFrame(decided, columns=[*SEGMENT_COLUMNS, "origin"]))
    if parts:
        seg = pd.concat(parts, ignore_index=True)
    else:
        seg = pd.DataFrame(columns=[*SEGMENT_COLUMNS, "origin"])
    seg = seg.sort_values(["row", "question", "start", "end", "code"], kind="stable")
    seg = seg.reset_index(drop=True)
    machine_values = machine[codes].to_numpy()
    prov = np.full(final.shape, "machine", dtype=object)
    prov[touched & (final == 1) & (machine_values == 1)] = "human-accepted"
    prov[touched & (final == 0)] = "human-rejected"
    prov[touched & (final == 1) & (machine_values == 0)] = "human-added"
    matrix = pd.DataFrame(final.astype("int8"), index=machine.index, columns=codes)
    provenance = pd.DataFrame(prov, index=machine.index, columns=codes)
    return Reviewed(
        matrix=matrix, provenance=provenance, segments=seg, resolution=resolution,
        reviewed=sorted(states), states=states,
    )  # fmt: skip
