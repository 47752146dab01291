"""Write a `qualcode topics` run to its folder: CSV tables, an SVG chart and a manifest.

The chart is hand-written SVG like the report's (:mod:`qualcode.export.report_charts`): the
same bytes on every machine, text that stays text, a ``<title>`` on every mark. Every file
is written atomically; the manifest goes last and has no time stamp, so the same inputs and
seed give a byte-identical folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qualcode.analysis.topic_run import TopicRun, manifest_json
from qualcode.errors import Location, QualcodeError
from qualcode.export.report_charts import PALETTE, WIDTH, _n, _svg, clip, esc
from qualcode.io.tables import write_table
from qualcode.io.write import write_text

SVG_NS = "http://www.w3.org/2000/svg"

if TYPE_CHECKING:
    from rich.table import Table

MANIFEST = "manifest.json"
OWN_FILES = ("topics.csv", "terms.csv", "answers.csv", "representative.csv", "coherence.csv",
             "topics.svg", MANIFEST)  # fmt: skip
DECIMALS = 6  # floats are rounded so that the last bits of a BLAS sum never reach the files


def default_outdir(answers: Path) -> Path:
    """``<answers>.topics/`` beside the input (``answers.topics`` for a glob)."""
    if any(ch in str(answers) for ch in "*?["):
        return answers.parent / "answers.topics"
    return answers.parent / f"{answers.stem}.topics"


def by_file(column: str) -> str:
    """The file name of the --by table: ``by_<column>.csv`` with the name made file-safe."""
    return f"by_{re.sub(r'[^A-Za-z0-9_-]+', '_', column).strip('_') or 'column'}.csv"


def check_topics_dir(outdir: Path, answers: Path, uncoded: Path | None = None) -> None:
    """Refuse to write over the input, into the `qualcode apply` folder being read, or into
    a folder that holds other things than an earlier topics run."""
    inside = answers.resolve().parent == outdir.resolve()
    ours = answers.name in OWN_FILES or answers.name.startswith("by_")
    if outdir.resolve() == answers.resolve() or (inside and ours):
        raise QualcodeError("E402", Location(str(answers)), path=answers)
    if uncoded is not None and outdir.resolve() == uncoded.resolve():
        raise QualcodeError("E725", Location(str(outdir)), path=outdir)
    if outdir.exists():
        if not outdir.is_dir():
            raise QualcodeError("E401", Location(str(outdir)), path=outdir)
        if any(outdir.iterdir()) and _earlier_files(outdir) is None:
            raise QualcodeError("E401", Location(str(outdir)), path=outdir)


def _earlier_files(outdir: Path) -> list[str] | None:
    """The files an earlier topics run listed in its manifest (None: not a topics folder)."""
    try:
        manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("command") != "topics":
        return None
    return [f for f in manifest.get("files", []) if isinstance(f, str) and "/" not in f]


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(DECIMALS)
    return out


def tables(run: TopicRun) -> dict[str, pd.DataFrame]:
    """File name -> table, in the order they are written."""
    model = run.model
    answers = run.answers.copy()
    answers["topic"] = [str(t) if t else "" for t in answers["topic"]]
    answers = answers[["row", "id", "question", "topic", "weight", "status"]]
    out = {
        "topics.csv": model.topics_,
        "terms.csv": model.terms_,
        "answers.csv": answers,
        "representative.csv": run.representative,
    }
    if len(model.coherence_) > 1:
        out["coherence.csv"] = model.coherence_
    if run.by is not None and run.by_column is not None:
        out[by_file(run.by_column)] = run.by
    return {name: _rounded(frame) for name, frame in out.items()}


def write_topics(
    run: TopicRun, outdir: Path, answers: Path, uncoded: Path | None = None
) -> list[str]:
    """Write the run's files into `outdir`; return their names (manifest last). Files an
    earlier run there wrote and this one does not (a by_ table, coherence.csv) are removed."""
    check_topics_dir(outdir, answers, uncoded)
    earlier = _earlier_files(outdir) or []
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables(run).items():
        write_table(outdir / name, frame, "csv")
        written.append(name)
    write_text(outdir / "topics.svg", topics_svg(run))
    written.append("topics.svg")
    manifest = {**run.manifest, "files": [*written, MANIFEST]}
    write_text(outdir / MANIFEST, manifest_json(manifest))
    written.append(MANIFEST)
    for name in earlier:
        if name not in written and (outdir / name).is_file():
            (outdir / name).unlink()
    return written


# -- the chart ----------------------------------------------------------------------------
def topics_svg(run: TopicRun, terms_shown: int = 8) -> str:
    """Top terms per topic (bars by weight, two panels a row) and, when k was chosen
    automatically, the coherence curve above them with the chosen k marked."""
    model = run.model
    body: list[str] = []
    y = 10.0
    if len(model.coherence_) > 1:
        part, height = _curve(model.coherence_, y)
        body.extend(part)
        y += height + 20
    panel_w, row_h = (WIDTH - 30) / 2, 16
    panel_h = 26 + row_h * terms_shown
    terms = model.terms_
    for i, topic in enumerate(model.topics_.itertuples(index=False)):
        x0 = 10 + (i % 2) * (panel_w + 10)
        y0 = y + (i // 2) * (panel_h + 12)
        mine = terms[terms["topic"] == topic.topic].head(terms_shown)
        top = float(mine["weight"].max()) if len(mine) else 1.0
        colour = PALETTE[i % len(PALETTE)]
        head = f"Topic {topic.topic}: {topic.size} answers ({100 * topic.share:.1f}%)"
        body.append(f'<text x="{_n(x0)}" y="{_n(y0 + 14)}" font-weight="bold">{esc(head)}</text>')
        for r, term in enumerate(mine.itertuples(index=False)):
            ty = y0 + 22 + r * row_h
            width = (panel_w - 150) * float(term.weight) / top if top > 0 else 0
            body.append(
                f"<g><title>{esc(f'{term.term}: weight {term.weight:.4f}')}</title>"
                f'<text x="{_n(x0 + 130)}" y="{_n(ty + 11)}" text-anchor="end">'
                f"{esc(clip(term.term, 20))}</text>"
                f'<rect x="{_n(x0 + 136)}" y="{_n(ty + 2)}" width="{_n(width)}" height="11" '
                f'fill="{colour}"/></g>'
            )
    rows = (len(model.topics_) + 1) // 2
    height = y + rows * (panel_h + 12) + 4
    label = (f"Top terms of {len(model.topics_)} topics ({run.manifest['method'].upper()}, "
             f"seed {run.manifest['seed']})")  # fmt: skip
    # A standalone .svg file needs the SVG namespace to render (inline SVG in HTML does not).
    svg = _svg(WIDTH, height, label, body).replace("<svg ", f'<svg xmlns="{SVG_NS}" ', 1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def _curve(curve: pd.DataFrame, top: float) -> tuple[list[str], float]:
    """The coherence curve: mean NPMI against k, the chosen k filled and labelled."""
    x0, x1, height = 70.0, WIDTH - 30.0, 170.0
    y0, y1 = top + 24, top + height - 28
    ks = curve["k"].tolist()
    scores = curve["npmi"].tolist()
    low, high = min(scores), max(scores)
    pad = (high - low) * 0.1 or 0.05
    low, high = low - pad, high + pad

    def px(k: int) -> float:
        return x0 + (x1 - x0) * (k - ks[0]) / max(ks[-1] - ks[0], 1)

    def py(v: float) -> float:
        return y1 - (y1 - y0) * (v - low) / (high - low)

    out = [
        f'<text x="10" y="{_n(top + 12)}" font-weight="bold">Coherence (mean NPMI of each '
        "topic's top 10 words) by number of topics k</text>",
        f'<g fill="#555" stroke="#ddd"><line x1="{_n(x0)}" y1="{_n(y1)}" x2="{_n(x1)}" '
        f'y2="{_n(y1)}"/>',
    ]
    for tick in (low + pad, (low + high) / 2, high - pad):
        out.append(f'<text x="{_n(x0 - 6)}" y="{_n(py(tick) + 4)}" text-anchor="end" '
                   f'stroke="none">{tick:.3f}</text>')  # fmt: skip
    for k in ks:
        out.append(f'<text x="{_n(px(k))}" y="{_n(y1 + 16)}" text-anchor="middle" '
                   f'stroke="none">{k}</text>')  # fmt: skip
    out.append("</g>")
    points = " ".join(f"{_n(px(k))},{_n(py(v))}" for k, v in zip(ks, scores))
    out.append(f'<polyline points="{points}" fill="none" stroke="#0072B2" stroke-width="1.5"/>')
    for k, v, chosen in zip(ks, scores, curve["chosen"]):
        fill = "#D55E00" if chosen else "#ffffff"
        tip = f"k = {k}: mean NPMI {v:.4f}" + (" (chosen)" if chosen else "")
        out.append(f'<g><title>{esc(tip)}</title><circle cx="{_n(px(k))}" cy="{_n(py(v))}" '
                   f'r="4" fill="{fill}" stroke="#0072B2"/></g>')  # fmt: skip
        if chosen:
            out.append(f'<text x="{_n(px(k))}" y="{_n(py(v) - 8)}" text-anchor="middle">'
                       f"k = {k}</text>")  # fmt: skip
    return out, height


# -- on screen ----------------------------------------------------------------------------
def topic_tables(run: TopicRun, quotes: int = 3, chars: int = 160) -> list[Table]:
    """Rich tables for the terminal: the coherence curve (auto k), one row per topic, and
    each topic's first representative answers."""
    from rich.markup import escape
    from rich.table import Table

    model = run.model
    counts = run.counts
    shown: list[Table] = []
    if len(model.coherence_) > 1:
        curve = Table(title="Coherence by k (mean NPMI)",
                      title_justify="left")  # fmt: skip
        curve.add_column("k", justify="right")
        curve.add_column("NPMI", justify="right")
        curve.add_column("")
        for r in model.coherence_.itertuples(index=False):
            curve.add_row(str(r.k), f"{r.npmi:.4f}", "<- chosen" if r.chosen else "",
                          style="bold" if r.chosen else None)  # fmt: skip
        shown.append(curve)
    title = (f"{model.k_} topics ({run.manifest['method'].upper()}, seed "
             f"{run.manifest['seed']}) in {counts.get('modelled', 0)} answers")  # fmt: skip
    table = Table(title=title, title_justify="left")
    for col in ("topic", "size", "%", "NPMI"):
        table.add_column(col, justify="right")
    table.add_column("top terms", justify="left")
    terms = model.terms_
    for t in model.topics_.itertuples(index=False):
        words = ", ".join(terms[terms["topic"] == t.topic]["term"].tolist())
        table.add_row(str(t.topic), str(t.size), f"{100 * t.share:.1f}", f"{t.npmi:.3f}",
                      escape(words))  # fmt: skip
    parts = [f"{counts.get('answers', 0)} answers"]
    for key in ("modelled", "too short", "no frequent term", "coded"):
        if counts.get(key):
            parts.append(f"{key}: {counts[key]}")
    table.caption = " · ".join(parts)
    table.caption_justify = "left"
    shown.append(table)
    rep = Table(title="Representative answers", title_justify="left")
    for col in ("topic", "id", "question", "answer"):
        rep.add_column(col, overflow="fold")
    for r in run.representative[run.representative["rank"] <= quotes].itertuples(index=False):
        rep.add_row(str(r.topic), escape(str(r.id)), escape(str(r.question)),
                    escape(clip(r.text, chars)))  # fmt: skip
    shown.append(rep)
    return shown
