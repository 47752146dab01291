"""Agreement between a reference coding (human "gold", or coder A) and another (the machine,
or coder B), per code: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal),
precision, recall and F1 taking the reference as truth, each with a seeded bootstrap 95%
percentile interval; micro (pooled over codes) and macro (mean over codes) averages.

Both sides are wide 0/1 tables indexed by unit (the id, or (id, question)), as
:func:`qualcode.io.gold.read_gold` and :func:`machine_table` give. Only units on both sides
are compared. See docs/agreement.md for the degenerate cases.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from qualcode.coding.result import Coding
from qualcode.errors import QualcodeError

METRICS = ("agreement", "kappa", "alpha", "precision", "recall", "f1")


def machine_table(coding: Coding, by_question: bool = False) -> pd.DataFrame:
    """The machine's coding of a :class:`~qualcode.coding.result.Coding` as a wide 0/1
    table indexed by id (the row number, 1-based, without an id column), or by (id,
    question) from the segments when `by_question`. ``attrs["text"]`` holds the answers,
    ``attrs["rules"]`` {(unit, code): "rule; rule (negated)"} from the segments."""
    data: pd.DataFrame = coding.data
    matrix: pd.DataFrame = coding.matrix
    segments: pd.DataFrame = coding.segments
    options = coding.manifest.get("options", {})
    id_col = options.get("id")
    text_cols = options.get("text") or []
    if isinstance(text_cols, str):
        text_cols = [text_cols]
    ids = (data[id_col].astype(str) if id_col else pd.Series(range(1, len(data) + 1))
           ).astype(str).tolist()  # fmt: skip
    codes = [str(c) for c in matrix.columns]
    seg = segments.copy()
    # Which segments code their answer: the per-code negation mode in force (one rule,
    # `Coding.counting`, shared with apply's matrix, topics --uncoded and diff).
    seg["counts"] = coding.counting()
    seg["id"] = [ids[int(r) - 1] for r in seg["row"]] if len(seg) else []
    paths = seg["code_path"] if "code_path" in seg else seg["code"]
    seg["codes"] = [str(p).split("/") for p in paths]
    seg = seg.explode("codes")
    rules: dict[tuple[object, str], list[str]] = {}
    for r in seg.itertuples(index=False):
        unit = (r.id, r.question) if by_question else r.id
        label = str(r.rule) + (" (negated)" if bool(r.negated) else "")
        found = rules.setdefault((unit, str(r.codes)), [])
        if label not in found:
            found.append(label)
    if by_question:
        counted = seg[seg["counts"]]
        units = pd.MultiIndex.from_tuples(
            [(i, q) for i in ids for q in text_cols], names=["id", "question"]
        )
        table = pd.DataFrame(0, index=units, columns=codes, dtype="int8")
        for r in counted.itertuples(index=False):
            if str(r.codes) in table.columns:
                table.at[(r.id, r.question), str(r.codes)] = 1
        text = {(i, q): str(data.at[k, q]) for k, i in enumerate(ids) for q in text_cols}
    else:
        table = pd.DataFrame(matrix.to_numpy(dtype="int8"), index=pd.Index(ids, name="id"),
                             columns=codes)  # fmt: skip
        table = table.groupby(level=0, sort=False).max()
        joined = data[text_cols].astype(str).agg(" | ".join, axis=1) if text_cols else None
        text = {} if joined is None else dict(zip(ids, joined))
    table.attrs["text"] = text
    table.attrs["rules"] = {k: "; ".join(v) for k, v in rules.items()}
    return table


def _align(
    reference: pd.DataFrame, compared: pd.DataFrame, codes: Sequence[str] | None
) -> tuple[pd.Index, list[str], np.ndarray, np.ndarray, list[str]]:
    ref_index = reference.index.map(_key)
    cmp_index = compared.index.map(_key)
    common = ref_index[ref_index.isin(cmp_index)].unique()
    if codes is None:
        codes = [c for c in compared.columns if c in reference.columns]
    notes = []
    ref = reference.set_axis(ref_index)
    ref = ref.groupby(level=list(range(ref.index.nlevels))).max()
    cmp = compared.set_axis(cmp_index)
    cmp = cmp.groupby(level=list(range(cmp.index.nlevels))).max()
    a = np.zeros((len(common), len(codes)), dtype=bool)
    b = np.zeros_like(a)
    for j, code in enumerate(codes):
        for side, matrix, name in ((ref, a, "reference"), (cmp, b, "compared")):
            if code in side.columns:
                matrix[:, j] = side.loc[common, code].to_numpy() > 0
            else:
                notes.append(f"{code}: not in the {name} coding, counted as never coded")
    return common, list(codes), a, b, notes


def _key(value: object) -> object:
    return tuple(str(v) for v in value) if isinstance(value, tuple) else str(value)


def _metrics(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> dict:
    """Every metric from the 2x2 counts (any shape; NaN where undefined)."""
    tp, fp, fn, tn = (np.asarray(x, dtype=float) for x in (tp, fp, fn, tn))
    n = tp + fp + fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        po = (tp + tn) / n
        pa, pb = (tp + fn) / n, (tp + fp) / n
        pe = pa * pb + (1 - pa) * (1 - pb)
        kappa = np.where(np.isclose(pe, 1), np.nan, (po - pe) / (1 - pe))
        pairs = 2 * n
        ones = 2 * tp + fp + fn
        expected = ones * (pairs - ones)
        alpha = np.where(expected == 0, np.nan, 1 - (pairs - 1) * (fp + fn) / expected)
        precision = np.where(tp + fp == 0, np.nan, tp / (tp + fp))
        recall = np.where(tp + fn == 0, np.nan, tp / (tp + fn))
        f1 = np.where(2 * tp + fp + fn == 0, np.nan, 2 * tp / (2 * tp + fp + fn))
    return {"agreement": po, "kappa": kappa, "alpha": alpha, "precision": precision,
            "recall": recall, "f1": f1}  # fmt: skip


def _alpha_package(a: np.ndarray, b: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) by the `krippendorff` package; NaN when only one value
    occurs (no variation to agree on)."""
    import krippendorff

    if len(np.unique(np.concatenate([a, b]))) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=np.vstack([a, b]).astype(float),
                                    level_of_measurement="nominal"))  # fmt: skip


def agreement(
    gold: pd.DataFrame,
    machine: pd.DataFrame,
    codes: Sequence[str] | None = None,
    seed: int = 1,
    n_boot: int = 1000,
) -> pd.DataFrame:
    """Per-code agreement of `machine` with `gold` (the reference), then rows "(micro)" and
    "(macro)". Columns: code, n, tp, fp, fn, tn, prevalence_ref, prevalence_cmp, then each
    of agreement, kappa, alpha, precision, recall, f1 with ``_low`` and ``_high`` (bootstrap
    95% percentile interval: `n_boot` resamples of the units with
    ``numpy.random.default_rng(seed)``, the same resamples for every code), and note.
    ``attrs``: matched, unmatched_ref, unmatched_cmp, seed, n_boot, notes.

    `codes` defaults to the codes on both sides. E714 when no unit is on both sides.
    """
    common, codes, a, b, notes = _align(gold, machine, codes)
    if len(common) == 0:
        raise QualcodeError("E714", None, left="the reference", right="the compared coding")
    n = len(common)
    tp = (a & b).sum(0)
    fp = (~a & b).sum(0)
    fn = (a & ~b).sum(0)
    tn = (~a & ~b).sum(0)
    point = _metrics(tp, fp, fn, tn)
    point["alpha"] = np.array([_alpha_package(a[:, j], b[:, j]) for j in range(len(codes))])
    micro = _metrics(tp.sum(), fp.sum(), fn.sum(), tn.sum())
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n, np.full(n, 1 / n), size=n_boot).astype(float)
    counts = [weights @ (a & b), weights @ (~a & b), weights @ (a & ~b), weights @ (~a & ~b)]
    boot = _metrics(*counts)  # each n_boot x codes
    bmicro = _metrics(*(c.sum(1) for c in counts))
    rows = []
    for j, code in enumerate(codes):
        row = {"code": code, "n": n, "tp": int(tp[j]), "fp": int(fp[j]), "fn": int(fn[j]),
               "tn": int(tn[j]), "prevalence_ref": (tp[j] + fn[j]) / n,
               "prevalence_cmp": (tp[j] + fp[j]) / n}  # fmt: skip
        for m in METRICS:
            row[m] = float(point[m][j])
            row[f"{m}_low"], row[f"{m}_high"] = _interval(boot[m][:, j])
        row["note"] = _note(tp[j], fp[j], fn[j])
        rows.append(row)
    pooled = {"code": "(micro)", "n": n * len(codes), "tp": int(tp.sum()), "fp": int(fp.sum()),
              "fn": int(fn.sum()), "tn": int(tn.sum()),
              "prevalence_ref": float((tp + fn).sum() / max(n * len(codes), 1)),
              "prevalence_cmp": float((tp + fp).sum() / max(n * len(codes), 1))}  # fmt: skip
    mean = {"code": "(macro)", "n": n, "tp": np.nan, "fp": np.nan, "fn": np.nan, "tn": np.nan,
            "prevalence_ref": float(np.mean((tp + fn) / n)) if codes else np.nan,
            "prevalence_cmp": float(np.mean((tp + fp) / n)) if codes else np.nan}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for m in METRICS:
            pooled[m] = float(micro[m])
            pooled[f"{m}_low"], pooled[f"{m}_high"] = _interval(bmicro[m])
            mean[m] = float(np.nanmean(point[m])) if codes else np.nan
            mean[f"{m}_low"], mean[f"{m}_high"] = _interval(np.nanmean(boot[m], axis=1))
    pooled["note"] = "pooled over codes"
    mean["note"] = "mean over codes (undefined values left out)"
    frame = pd.DataFrame([*rows, pooled, mean])
    frame.attrs.update(
        matched=n, unmatched_ref=int((~gold.index.map(_key).isin(common)).sum()),
        unmatched_cmp=int((~machine.index.map(_key).isin(common)).sum()),
        seed=seed, n_boot=n_boot, notes=notes,
    )  # fmt: skip
    return frame


def _interval(values: np.ndarray) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _note(tp: int, fp: int, fn: int) -> str:
    if tp + fp + fn == 0:
        return "never coded on either side: kappa, alpha, precision, recall, F1 undefined"
    parts = []
    if tp + fp == 0:
        parts.append("never coded by the compared side: precision undefined")
    if tp + fn == 0:
        parts.append("never coded by the reference: recall undefined")
    return "; ".join(parts)


def disagreements(
    gold: pd.DataFrame,
    machine: pd.DataFrame,
    codes: Sequence[str] | None = None,
    text: Mapping[object, str] | None = None,
    rules: Mapping[tuple[object, str], str] | None = None,
) -> pd.DataFrame:
    """Every disagreement per code: columns code, kind ("false positive": coded by the
    compared side only; "false negative": by the reference only), id (and question), answer
    and rules (the machine's rules that matched the unit for that code, from its segments;
    negated matches are marked). `text` and `rules` default to the tables' ``attrs``."""
    common, codes, a, b, _ = _align(gold, machine, codes)
    text = dict(text if text is not None else {})
    if not text:
        for side in (machine, gold):
            text.update({_key(k): v for k, v in side.attrs.get("text", {}).items()})
    else:
        text = {_key(k): v for k, v in text.items()}
    rules = rules if rules is not None else machine.attrs.get("rules", {})
    rules = {(_key(k), c): v for (k, c), v in rules.items()}
    by_question = isinstance(common[0], tuple) if len(common) else False
    rows = []
    for j, code in enumerate(codes):
        for kind, mask in (("false positive", ~a[:, j] & b[:, j]),
                           ("false negative", a[:, j] & ~b[:, j])):  # fmt: skip
            for unit in common[mask]:
                row = {"code": code, "kind": kind}
                if by_question:
                    row["id"], row["question"] = unit
                else:
                    row["id"] = unit
                row["answer"] = text.get(unit, "")
                row["rules"] = rules.get((unit, code), "")
                rows.append(row)
    columns = ["code", "kind", "id", *(["question"] if by_question else []), "answer", "rules"]
    return pd.DataFrame(rows, columns=columns)


def match_units(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare by (id, question) only when both sides have a question; otherwise by id
    (a side by (id, question) is collapsed: a code counts when any question has it)."""
    if left.index.nlevels == right.index.nlevels:
        return left, right

    def by_id(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.index.nlevels == 1:
            return frame
        out = frame.groupby(level=0, sort=False).max()
        texts: dict[object, list[str]] = {}
        for (i, _), t in frame.attrs.get("text", {}).items():
            texts.setdefault(i, []).append(t)
        out.attrs = {**frame.attrs, "text": {i: " | ".join(t) for i, t in texts.items()},
                     "rules": {(k[0] if isinstance(k, tuple) else k, c): v
                               for (k, c), v in frame.attrs.get("rules", {}).items()}}  # fmt: skip
        return out

    return by_id(left), by_id(right)


__all__ = ["METRICS", "agreement", "disagreements", "machine_table", "match_units"]
