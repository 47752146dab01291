"""Carrying decisions over to a new output folder (`qualcode review NEW --from OLD`).

Decisions are keyed by respondent, question, code and span, and hold the SHA-256 of the
answer they were made on, so copying them into another folder's store is safe: each one
applies only where the same answer, with the same text, is found (see decide.py).
"""

from __future__ import annotations

from pathlib import Path

from qualcode.coding.result import load_coding
from qualcode.review.corpus import ReviewCorpus
from qualcode.review.decide import resolve
from qualcode.review.store import Decision, open_store

__all__ = ["carry_over", "describe"]


def carry_over(old: Path, new: Path) -> str:
    """Copy the decisions of `old`/review.sqlite into `new`/review.sqlite and say, per coder,
    how many apply to `new`'s answers, how many are stale and orphaned (listed)."""
    corpus = ReviewCorpus.from_coding(load_coding(new))
    source = open_store(old, create=False)
    target = open_store(new)
    added = target.copy_from(source) if source.path.resolve() != target.path.resolve() else 0
    lines = [f"carried {added} decision(s) from {source.path} to {target.path}"]
    for coder in target.coders():
        res = resolve(corpus, target.current(coder=coder))
        lines.append(
            f"  {coder}: {res.n_applicable} apply, {len(res.stale)} stale (answer text "
            f"changed or gone), {len(res.orphaned)} about codes no longer in the codebook"
        )
        for d in res.stale[:20]:
            lines.append(f"    stale: {describe(d)}")
        for d in res.orphaned[:20]:
            lines.append(f"    orphaned: {describe(d)}")
        if len(res.stale) > 20 or len(res.orphaned) > 20:
            lines.append(
                "    (the first 20 of each; `qualcode finalize` lists all in decisions.csv)"
            )
    source.close()
    target.close()
    return "\n".join(lines)


def describe(d: Decision) -> str:
    """A decision in one line: respondent / question / code [span] (decision)."""
    span = "" if d.start == -1 else f" {d.start}-{d.end}"
    return f"{d.respondent} / {d.question} / {d.code or '(answer)'}{span} ({d.decision})"
