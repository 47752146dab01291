"""Draw a validation sample of answers for human coders (see docs/validation-sample.md).

The population is every non-empty answer: one unit per (respondent row, question) pair.
Three designs:

- ``stratify=None``: a simple random sample without replacement.
- ``stratify="code"``: strata are the machine's codes, so rare codes are over-sampled and
  each code's agreement can be estimated. An answer is put in the stratum of its *rarest*
  code (fewest answers in the population; ties by codebook order), answers without a code in
  the stratum ``"uncoded"``. The `n` is spread as evenly as the strata allow: every stratum
  gets the same share, a stratum smaller than its share is taken whole and the rest goes to
  the others.
- ``stratify=ATTR``: strata are the values of an attribute column (``"question"``, when no
  column has that name, stratifies by question). The `n` is allocated proportionally to the
  stratum sizes (largest remainders; at least one per stratum while `n` allows).

Each row's ``weight`` is its stratum's size over the number sampled from it (the inverse of
its inclusion probability), so the weights of a stratum sum to its size. The draw is seeded
(``numpy.random.default_rng(seed)``): the same output folder and seed give the same sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.coding.result import Coding
from qualcode.errors import QualcodeError, did_you_mean

#: The stratum of answers the machine gave no code.
UNCODED = "uncoded"
#: The stratum of answers whose attribute value is missing or empty.
MISSING = "(missing)"

COLUMNS = ("row", "id", "question", "answer", "stratum", "stratum_size", "sampled", "weight")


def population(coding: Coding) -> pd.DataFrame:
    """Every non-empty answer of `coding`: columns row (1-based), id, question, answer."""
    options = coding.manifest.get("options", {})
    questions = [str(q) for q in options.get("text") or []]
    data = coding.data
    id_column = options.get("id")
    if id_column in data.columns:
        ids = data[id_column].astype(object).where(data[id_column].notna(), "").astype(str)
    else:
        ids = pd.Series([str(i + 1) for i in range(len(data))], index=data.index)
    parts = []
    for question in questions:
        texts = data[question].astype(object).where(data[question].notna(), "").astype(str)
        keep = texts.str.strip() != ""
        parts.append(
            pd.DataFrame(
                {
                    "row": np.flatnonzero(keep.to_numpy()) + 1,
                    "id": ids[keep].to_numpy(),
                    "question": question,
                    "answer": texts[keep].to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame({"row": [], "id": [], "question": [], "answer": []})
    frame = pd.concat(parts, ignore_index=True)
    order = {q: i for i, q in enumerate(questions)}
    frame["_q"] = frame["question"].map(order)
    frame = frame.sort_values(["row", "_q"], kind="stable").drop(columns="_q")
    return frame.reset_index(drop=True)


def _code_strata(coding: Coding, units: pd.DataFrame) -> pd.Series:
    """Each unit's stratum: its rarest machine code, or UNCODED."""
    segments = coding.segments
    summary = coding.summary_table
    order = {str(c): i for i, c in enumerate(summary["code"])}
    counted = segments[coding.counting()]
    pairs = counted[["row", "question", "code"]].astype({"code": str, "question": str})
    pairs = pairs.drop_duplicates()
    size = pairs.groupby("code").size()
    pairs = pairs.assign(
        _size=pairs["code"].map(size), _order=pairs["code"].map(order).fillna(len(order))
    )
    rarest = pairs.sort_values(["_size", "_order", "code"], kind="stable").drop_duplicates(
        ["row", "question"]
    )
    lookup = {(int(r), q): c for r, q, c in zip(rarest["row"], rarest["question"], rarest["code"])}
    return pd.Series(
        [lookup.get((int(r), q), UNCODED) for r, q in zip(units["row"], units["question"])],
        index=units.index,
        dtype=object,
    )


def _attribute_strata(coding: Coding, units: pd.DataFrame, attribute: str) -> pd.Series:
    data = coding.data
    if attribute not in data.columns:
        if attribute == "question":
            return units["question"].astype(str)
        text = {str(q) for q in coding.manifest.get("options", {}).get("text") or []}
        columns = [str(c) for c in data.columns if str(c) not in text]
        raise QualcodeError(
            "E304", None, column=attribute, path="the coded table",
            suggestion=did_you_mean(attribute, columns),
            available=", ".join(["code", "question", *columns]),
        )  # fmt: skip
    values = data[attribute].astype(object).to_numpy()[units["row"].to_numpy() - 1]
    out = []
    for value in values:
        cell = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        out.append(cell if cell.strip() else MISSING)
    return pd.Series(out, index=units.index, dtype=object)


def allocate_even(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Spread `n` as evenly as possible over strata of these sizes (water-filling): small
    strata are taken whole; leftover units go to the largest strata first."""
    alloc = dict.fromkeys(sizes, 0)
    remaining = min(n, sum(sizes.values()))
    open_ = sorted(sizes, key=lambda s: (sizes[s], s))
    while remaining > 0:
        open_ = [s for s in open_ if alloc[s] < sizes[s]]
        share = remaining // len(open_)
        if share == 0:
            for s in sorted(open_, key=lambda s: (-(sizes[s] - alloc[s]), s))[:remaining]:
                alloc[s] += 1
            break
        for s in open_:
            take = min(share, sizes[s] - alloc[s])
            alloc[s] += take
            remaining -= take
    return alloc


def allocate_proportional(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Allocate `n` proportionally to `sizes` (largest remainders), at least one per stratum
    while `n` allows, never more than a stratum holds."""
    total = sum(sizes.values())
    n = min(n, total)
    names = sorted(sizes)
    if n == 0 or total == 0:
        return dict.fromkeys(names, 0)
    exact = {s: n * sizes[s] / total for s in names}
    alloc = {s: min(sizes[s], int(exact[s])) for s in names}
    if n >= len(names):
        for s in names:
            if sizes[s] and not alloc[s]:
                alloc[s] = 1
    while sum(alloc.values()) > n:  # the minimum of one overshot: take back from the largest
        s = max(names, key=lambda s: (alloc[s] - exact[s], alloc[s], s))
        alloc[s] -= 1
    while sum(alloc.values()) < n:
        open_ = [s for s in names if alloc[s] < sizes[s]]
        s = max(open_, key=lambda s: (exact[s] - alloc[s], sizes[s], s))
        alloc[s] += 1
    return alloc


def draw_sample(coding: Coding, n: int, stratify: str | None = None, seed: int = 1) -> pd.DataFrame:
    """A seeded sample of `n` non-empty answers of `coding` (all of them when fewer).

    Returns columns :data:`COLUMNS` (row is 1-based in the coded table), ordered by row then
    question; ``attrs`` holds method, stratify, seed, n and population. Machine codes are
    not in the result (the ``stratum`` of ``stratify="code"`` names one: keep it from coders).
    An unknown attribute raises E304.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    units = population(coding)
    if stratify is None:
        strata = pd.Series("all", index=units.index, dtype=object)
        method = "simple random sample"
    elif stratify == "code":
        strata = _code_strata(coding, units)
        method = "stratified by the rarest machine code, even allocation"
    else:
        strata = _attribute_strata(coding, units, stratify)
        method = f"stratified by {stratify}, proportional allocation"
    units = units.assign(stratum=strata)
    sizes = {str(s): int(k) for s, k in units.groupby("stratum", sort=True).size().items()}
    if stratify == "code":
        alloc = allocate_even(sizes, n)
    else:
        alloc = allocate_proportional(sizes, n)
    rng = np.random.default_rng(seed)
    chosen = []
    for stratum in sorted(sizes):
        members = np.flatnonzero(units["stratum"].to_numpy() == stratum)
        k = alloc[stratum]
        if k:
            chosen.append(np.sort(rng.choice(members, size=k, replace=False)))
    picked = np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=int)
    sample = units.iloc[picked].reset_index(drop=True)
    sample["stratum_size"] = sample["stratum"].map(sizes).astype("int64")
    sample["sampled"] = sample["stratum"].map(alloc).astype("int64")
    sample["weight"] = sample["stratum_size"] / sample["sampled"]
    sample["row"] = sample["row"].astype("int64")
    sample = sample[list(COLUMNS)]
    sample.attrs.update(
        method=method, stratify=stratify or "", seed=seed, n=int(n), population=len(units)
    )
    return sample
