"""A coder's decisions as a human coding ("gold") for `qualcode agree OUTDIR --coder A`.

The gold table of coder A is A's *reviewed coding*: the coder's current decisions in
``OUTDIR/review.sqlite`` applied to the machine coding (:func:`~qualcode.review.decide.
apply_decisions`, the rules `finalize` uses), kept only for the answers A reviewed. An answer
(respondent, question) counts as reviewed when at least one of A's decisions applies to it
(accept, reject, add, a code switched on or off) or A marked it done; stale decisions (the
answer's text changed) and orphaned ones (the code is gone) are left out, so an answer with
only those does not count. Unreviewed answers are never assumed right or wrong.

The table has the shape :func:`qualcode.io.gold.read_gold` returns: indexed by (id,
question), one 0/1 int8 column per code (parents included), ``attrs["text"]`` {unit: answer},
so :mod:`qualcode.analysis.agreement` compares it with the machine
(:func:`~qualcode.analysis.agreement.machine_table` by question) or with another coder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qualcode.coding.result import Coding, load_coding
from qualcode.errors import Location, QualcodeError, did_you_mean
from qualcode.review.corpus import ReviewCorpus
from qualcode.review.decide import apply_decisions
from qualcode.review.finalize import gold_table
from qualcode.review.store import open_store


def gold_from_store(
    outdir: str | Path, coder: str, *, coding: Coding | None = None
) -> pd.DataFrame:
    """Coder `coder`'s reviewed coding of the answers they reviewed in `outdir` (see the
    module), as a wide 0/1 table indexed by (id, question).

    `coding` is the folder's coding when already loaded (``load_coding(outdir)``).
    ``attrs``: text, layout ("review"), id, coder, answers (how many answers count),
    stale and orphaned (decisions left out). E802 when the folder has no decisions store,
    E806 when the coder has no decision in it, E809 when none of them applies.
    """
    outdir = Path(outdir)
    store = open_store(outdir, create=False)
    try:
        decided = sorted({d.coder for d in store.history()})
        if coder not in decided:
            raise QualcodeError(
                "E806", Location(str(store.path)), coder=coder, path=store.path,
                suggestion=did_you_mean(coder, decided), coders=", ".join(decided) or "none yet",
            )  # fmt: skip
        decisions = store.current(coder=coder)
    finally:
        store.close()
    corpus = ReviewCorpus.from_coding(coding if coding is not None else load_coding(outdir))
    reviewed = apply_decisions(corpus, decisions)
    res = reviewed.resolution
    if not reviewed.states:
        detail = (
            f"{len(decisions)} current decisions: {len(res.stale)} stale, "
            f"{len(res.orphaned)} orphaned, the rest undone or cleared"
        )
        raise QualcodeError(
            "E809", Location(str(outdir / "review.sqlite")), coder=coder, path=outdir,
            detail=detail,
        )  # fmt: skip
    table = gold_table(corpus, reviewed)
    codes = [c.id for c in corpus.codes]
    wide = table.set_index(["id", "question"])[codes].astype("int8")
    wide = wide.groupby(level=[0, 1], sort=False).max()
    wide.attrs.update(
        text={(str(r.id), str(r.question)): str(r.answer) for r in table.itertuples()},
        layout="review", id="id", coder=coder, answers=len(wide), stale=len(res.stale),
        orphaned=len(res.orphaned),
    )  # fmt: skip
    return wide


def describe(gold: pd.DataFrame) -> str:
    """One line saying which answers a coder's gold table holds (for notes and docs)."""
    a = gold.attrs
    left = ""
    if a.get("stale") or a.get("orphaned"):
        left = f"; left out: {a.get('stale', 0)} stale, {a.get('orphaned', 0)} orphaned decisions"
    return (
        f"Coder {a.get('coder')}: the {a.get('answers')} answers (respondent, question) the "
        f"coder reviewed, coded as the machine with the coder's decisions applied{left}."
    )


__all__ = ["describe", "gold_from_store"]
