"""One self-contained HTML report of an output folder: `qualcode report`.

:func:`render_report` lays out, from a :class:`~qualcode.coding.result.Coding` and its
codebook: an overview (answers read, answered, coded, uncoded; the manifest as a table), a
prevalence chart, a by-group chart (with `by`), a co-occurrence heatmap of the leaf codes, a
section per code (label, definition, include/exclude, prevalence, exemplar quotes chosen by
:func:`~qualcode.coding.quotes.select_quotes` with the defaults of `qualcode quotes`, the
rules that fired most), a seeded sample of uncoded answers and the codebook's YAML text as an
appendix. Charts are inline SVG (:mod:`qualcode.export.report_charts`), each with a data
table. The page loads nothing and runs no script; text from respondents and from the
codebook is HTML-escaped, and quotes and uncoded answers are redacted.

The same inputs give the same bytes; the only date in the page besides the manifest's is
`created` (the CLI passes now, or ``SOURCE_DATE_EPOCH`` when set).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualcode.analysis.crosstab import (
    answered_rows,
    cooccurrence,
    leaf_codes,
    prevalence,
    prevalence_by,
)
from qualcode.codebook.model import Code, Codebook
from qualcode.coding.outdir import FILES, codebook_path
from qualcode.coding.quotes import select_quotes
from qualcode.coding.result import Coding, load_coding
from qualcode.errors import Location, QualcodeError
from qualcode.export.report_charts import (
    MAX_GROUPS,
    by_group_svg,
    fmt_ci,
    fmt_pct,
    heatmap_svg,
    prevalence_svg,
)
from qualcode.text.redact import redact
from qualcode.version import __version__

#: Uncoded answers shown (a seeded random sample of the answered rows with no code).
UNCODED_SAMPLE = 10
#: Rules listed per code.
TOP_RULES = 5
#: Quotes per code (as `qualcode quotes`).
PER_CODE = 3
#: A list in the manifest longer than this is cut in the table.
MAX_LIST = 20

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.7rem; margin: .5rem 0; }
h2 { border-bottom: 2px solid #2b6cb0; padding-bottom: .2rem; margin-top: 2.5rem; }
h3 { margin: 0 0 .3rem 0; }
h4 { margin: 1rem 0 .3rem 0; font-size: 1rem; }
a { color: #1d4f91; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: .92em; overflow-wrap: anywhere; }
.intro, .meta { color: #444; }
.warning { background: #fff4e5; border-left: 4px solid #d55e00; padding: .4rem .8rem; }
nav ol { columns: 2 14rem; padding-left: 1.4rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .2rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f1f4f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
table.manifest td { word-break: break-all; }
table.manifest td:first-child { word-break: normal; white-space: nowrap; }
figure.chart { margin: 1rem 0 1.5rem 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: .3rem; }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart svg text { font-family: inherit; }
details { margin: .4rem 0; }
summary { cursor: pointer; color: #1d4f91; }
section.code { border-top: 1px solid #ccc; padding: 1rem 0 .5rem 0; }
section.code.depth-1 { margin-left: 1.5rem; }
section.code.depth-2, section.code.depth-3 { margin-left: 3rem; }
section.code dl { margin: .3rem 0; }
section.code dt { font-weight: 600; }
section.code dd { margin: 0 0 .3rem 1.2rem; }
.prevalence { font-size: 1.05rem; }
blockquote { margin: .4rem 0; padding: .3rem .9rem; border-left: 4px solid #8aa4c8;
  background: #f5f7fa; white-space: pre-line; }
blockquote footer { color: #555; font-size: .9em; text-align: right; }
.none { font-style: italic; color: #666; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: .6rem; overflow-x: auto;
  font-size: .8rem; white-space: pre-wrap; word-break: break-word; }
footer.page { margin-top: 3rem; color: #666; font-size: .85rem; }
@media (max-width: 40rem) {
  main { padding: .5rem; }
  section.code.depth-1, section.code.depth-2, section.code.depth-3 { margin-left: .6rem; }
}
@media print {
  body { font-size: 10.5pt; color: #000; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  a { color: #000; text-decoration: none; }
  figure.chart, table, blockquote, pre { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  section.code { break-inside: avoid-page; }
  th { background: #eee; }
  pre { white-space: pre-wrap; }
}
""".strip()


def h(text: object) -> str:
    """Escape text for HTML (characters XML cannot hold are dropped)."""
    return html.escape(_NOT_XML.sub("", str(text)), quote=True)


# --- the library entry point


def render_report(
    coding: Coding,
    codebook: Codebook,
    by: str | None = None,
    seed: int = 1,
    *,
    created: str | None = None,
    codebook_text: str | None = None,
) -> str:
    """The report as one HTML page (see the module docstring). `by`: an input column for
    the by-group chart and table (E304 when unknown). `seed`: for the exemplar quotes (as
    `qualcode quotes --seed`) and the sample of uncoded answers. `created`: the date shown
    as the report's (none when None). `codebook_text`: the YAML shown in the appendix
    (default: read from ``codebook.path``)."""
    manifest = coding.manifest
    prev = prevalence(coding)
    by_frame, by_notes = None, list[str]()
    if by is not None:
        where = f"the coded table of {manifest.get('input', {}).get('path') or 'the output'}"
        by_frame, by_notes = prevalence_by(coding, by, where=where)
    quotes = select_quotes(coding, codebook, per_code=PER_CODE, seed=seed)
    title = f"qualcode report: {codebook.name}"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{h(codebook.language or "en")}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="qualcode {h(__version__)}">',
        f"<title>{h(title)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{h(title)}</h1>",
        _intro(coding, codebook, prev, created),
        _nav(by is not None),
        _overview(coding, codebook, prev),
        _prevalence_section(prev),
    ]
    if by_frame is not None:
        parts.append(_by_section(by_frame, by_notes, str(by)))
    parts.append(_cooccurrence_section(coding, prev))
    parts.append(_codes_section(coding, codebook, prev, quotes))
    parts.append(_uncoded_section(coding, seed))
    parts.append(_codebook_section(codebook, codebook_text))
    made = f" on {h(created)}" if created else ""
    parts += [
        f'<footer class="page">Made by qualcode {h(__version__)}{made} with '
        f"<code>qualcode report</code>. Self-contained: no scripts, nothing loaded from "
        "elsewhere.</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


# --- the file-level entry point (the CLI's)


def default_output(outdir: str | Path) -> Path:
    """``<outdir>.report.html`` beside the output folder (never inside it)."""
    outdir = Path(outdir)
    if outdir.name in ("", ".", ".."):
        outdir = outdir.resolve()
    return outdir.with_name(f"{outdir.name}.report.html")


def write_report(
    outdir: str | Path,
    output: str | Path | None = None,
    *,
    by: str | None = None,
    codebook: str | Path | None = None,
    seed: int = 1,
    created: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> Path:
    """Read `outdir`, render the report and write it atomically to `output` (default
    :func:`default_output`). The codebook is `codebook`, else the one the manifest records
    (E656 when it is not there). Refuses to write over a file of `outdir`, the codebook or
    the answers file (E402), or onto a folder (E661). Returns the path written."""
    from qualcode.codebook.load import load_codebook
    from qualcode.io.write import write_text

    outdir = Path(outdir)
    coding = load_coding(outdir)
    recorded = coding.manifest.get("codebook", {}) or {}
    codebook = codebook_path(coding.manifest, codebook, outdir)
    target = Path(output) if output is not None else default_output(outdir)
    check_output(target, outdir, [codebook, coding.manifest.get("input", {}).get("path")])
    book = load_codebook(codebook)
    if notify and recorded.get("sha256") and book.sha256 and book.sha256 != recorded["sha256"]:
        notify(f"note: {codebook} has changed since {outdir} was coded")
    page = render_report(coding, book, by=by, seed=seed, created=created)
    return write_text(target, page)


def check_output(target: Path, outdir: Path, inputs: list[Any]) -> None:
    """E661 when `target` is a folder; E402 when it is a file of `outdir` or one of
    `inputs` (paths; None and globs that name no file are skipped)."""
    if target.is_dir():
        raise QualcodeError("E661", Location(str(target)), path=target)
    resolved = target.resolve()
    protected = [outdir / name for name in FILES]
    protected += [Path(p) for p in inputs if p]
    if any(p.resolve() == resolved for p in protected):
        raise QualcodeError("E402", Location(str(target)), path=target)


# --- sections


def _intro(coding: Coding, book: Codebook, prev: pd.DataFrame, created: str | None) -> str:
    m = coding.manifest
    version = f", version {book.version}" if book.version else ""
    source = m.get("input", {}).get("path") or "the answers"
    n = int(prev["answered"].iloc[0]) if len(prev) else 0
    text = (
        f"Codebook {book.name}{version}: {len(prev)} codes applied to {source} "
        f"by qualcode {m.get('qualcode', '?')} on {m.get('created_utc', '?')}. Percentages are "
        f"of the {n} respondents who answered at least one coded question; intervals are "
        "Wilson 95% score intervals."
    )
    parts = [f'<p class="intro">{h(text)}</p>']
    if book.description:
        parts.append(f'<p class="meta">{h(book.description)}</p>')
    recorded = (m.get("codebook") or {}).get("sha256")
    if recorded and book.sha256 and recorded != book.sha256:
        parts.append(
            '<p class="warning">The codebook shown here (sha256 '
            f"<code>{h(book.sha256)}</code>) differs from the one the answers were coded with "
            f"(<code>{h(recorded)}</code>): labels and definitions may not match the "
            "coding.</p>"
        )
    if created:
        parts.append(f'<p class="meta">Report made {h(created)}.</p>')
    return "\n".join(parts)


def _nav(with_by: bool) -> str:
    items = [("overview", "Overview"), ("prevalence", "Prevalence")]
    if with_by:
        items.append(("by-group", "Prevalence by group"))
    items += [
        ("cooccurrence", "Co-occurrence"),
        ("codes", "Codes"),
        ("uncoded", "Uncoded answers"),
        ("codebook", "Appendix: the codebook"),
    ]
    links = "".join(f'<li><a href="#{a}">{h(t)}</a></li>' for a, t in items)
    return f'<nav aria-label="Contents"><ol>{links}</ol></nav>'


def overview_counts(coding: Coding) -> dict[str, int]:
    """rows, answered, coded_any, uncoded, no_answer, skipped_rows, segments: the manifest's
    counts, each computed from the tables when the manifest lacks it."""
    answered = answered_rows(coding)
    coded = (
        coding.matrix.loc[answered].sum(axis=1).gt(0)
        if len(coding.matrix.columns)
        else (pd.Series(False, index=coding.data.index[answered]))
    )
    computed = {
        "rows": len(coding.data),
        "answered": int(answered.sum()),
        "coded_any": int(coded.sum()),
        "uncoded": int((~coded).sum()),
        "no_answer": int((~answered).sum()),
        "skipped_rows": 0,
        "segments": len(coding.segments),
    }
    counts = coding.manifest.get("counts") or {}
    return {k: int(counts[k]) if isinstance(counts.get(k), int) else v
            for k, v in computed.items()}  # fmt: skip


COUNT_LABELS = {
    "rows": "Answers read (rows)",
    "answered": "Answered at least one coded question",
    "coded_any": "Coded by at least one code",
    "uncoded": "Answered but coded by no code",
    "no_answer": "Rows with no answer",
    "skipped_rows": "Rows skipped (malformed lines)",
    "segments": "Segments (hits of codes)",
}


def _overview(coding: Coding, book: Codebook, prev: pd.DataFrame) -> str:
    counts = overview_counts(coding)
    rows = []
    for key, label in COUNT_LABELS.items():
        value = counts[key]
        share = ""
        if key in ("coded_any", "uncoded") and counts["answered"]:
            share = f" ({100 * value / counts['answered']:.1f}% of answered)"
        rows.append(
            f'<tr><th scope="row">{h(label)}</th><td class="num" data-count="{key}">{value}</td>'
            f"<td>{h(share.strip())}</td></tr>"
        )
    version = f" (version {book.version})" if book.version else ""
    leaves = len(leaf_codes(coding))
    return "\n".join([
        '<section id="overview">',
        "<h2>Overview</h2>",
        f"<p>Codebook <strong>{h(book.name)}</strong>{h(version)}: {len(prev)} codes, "
        f"{leaves} of them leaf codes.</p>",
        '<table class="counts"><tbody>', *rows, "</tbody></table>",
        "<h3>Manifest</h3>",
        "<p>What was run, on what, with what (from <code>manifest.json</code>; the list of "
        "codes and the tables' column types are left out).</p>",
        '<div class="scroll"><table class="manifest"><thead><tr><th scope="col">Key</th>'
        '<th scope="col">Value</th></tr></thead><tbody>',
        *(f"<tr><td><code>{h(k)}</code></td><td>{h(v)}</td></tr>"
          for k, v in manifest_rows(coding.manifest)),
        "</tbody></table></div>",
        "</section>",
    ])  # fmt: skip


def manifest_rows(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """The manifest flattened to (dotted key, value text), keys sorted; without ``codes``
    and the tables' ``dtypes``."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            if not value:
                rows.append((prefix, "{}"))
            for key in sorted(value, key=str):
                path = f"{prefix}.{key}" if prefix else str(key)
                if path == "codes" or (path.startswith("tables.") and path.endswith(".dtypes")):
                    continue
                walk(path, value[key])
        else:
            rows.append((prefix, _value_text(value)))

    walk("", manifest)
    return rows


def _value_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if not value:
            return "(none)"
        shown = [v if isinstance(v, str) else json.dumps(v, sort_keys=True, ensure_ascii=False)
                 for v in value[:MAX_LIST]]  # fmt: skip
        more = f" … ({len(value)} in all)" if len(value) > MAX_LIST else ""
        return ", ".join(shown) + more
    return str(value)


def _figure(caption: str, svg: str, table: str, open_: bool = False) -> str:
    return "\n".join([
        '<figure class="chart">',
        f"<figcaption>{h(caption)}</figcaption>",
        svg,
        f'<details class="data"{" open" if open_ else ""}><summary>Data table</summary>',
        f'<div class="scroll">{table}</div>',
        "</details>",
        "</figure>",
    ])  # fmt: skip


def _indent(label: str, depth: int) -> str:
    return "\u2003" * depth + h(label)


def _prevalence_table(prev: pd.DataFrame) -> str:
    rows = [
        f'<tr><td><a href="#code-{h(r.code)}">{_indent(r.label, int(r.depth))}</a></td>'
        f'<td><code>{h(r.code)}</code></td><td class="num">{r.coded}</td>'
        f'<td class="num">{r.answered}</td><td class="num">{fmt_pct(r.percent)}</td>'
        f'<td class="num">{fmt_ci(r.ci95_low, r.ci95_high)}</td></tr>'
        for r in prev.itertuples(index=False)
    ]
    return (
        '<table class="prevalence"><thead><tr><th scope="col">Code</th><th scope="col">Id</th>'
        '<th scope="col" class="num">n</th><th scope="col" class="num">N</th>'
        '<th scope="col" class="num">%</th><th scope="col" class="num">95% CI</th></tr>'
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _prevalence_section(prev: pd.DataFrame) -> str:
    n = int(prev["answered"].iloc[0]) if len(prev) else 0
    caption = f"Prevalence of each code among the {n} respondents who answered (95% CI)"
    alt = (
        f"Bar chart of the percentage of the {n} respondents who answered coded with each of "
        f"{len(prev)} codes, with 95% intervals, child codes indented under their parent. "
        "Highest: " + "; ".join(
            f"{r.label} {fmt_pct(r.percent)}%"
            for r in prev.sort_values("percent", ascending=False, kind="stable")
            .head(3).itertuples(index=False)
        ) + ". The data table follows."
    )  # fmt: skip
    return "\n".join([
        '<section id="prevalence">',
        "<h2>Prevalence</h2>",
        "<p>n: respondents coded; N: respondents who answered at least one coded question. "
        "A parent code counts the respondents with any of its child codes.</p>",
        _figure(caption, prevalence_svg(prev, alt), _prevalence_table(prev), open_=True),
        "</section>",
    ])  # fmt: skip


def _p(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "n/a"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _by_section(frame: pd.DataFrame, notes: list[str], by: str) -> str:
    groups = list(frame.attrs.get("groups", []))
    sizes = frame.attrs.get("sizes", {})
    shown = groups[:MAX_GROUPS]
    caption = f"Prevalence by {by}: each code's percentage in each group (95% CI)"
    alt = (
        f"Dot chart of each code's percentage in the {len(shown)} {by} groups "
        f"({', '.join(str(g) for g in shown)}), with 95% intervals. The data table follows."
    )
    head = "".join(f'<th scope="col" class="num">{h(g)} (N={sizes.get(g, "?")})</th>'
                   for g in groups)  # fmt: skip
    rows = []
    for r in frame.to_dict("records"):
        cells = "".join(
            f'<td class="num">{r[f"coded:{g}"]} ({fmt_pct(r[f"percent:{g}"])}%, '
            f"{fmt_ci(r[f'ci95_low:{g}'], r[f'ci95_high:{g}'])})</td>"
            for g in groups
        )
        v = r["cramers_v"]
        v_text = "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"
        rows.append(
            f"<tr><td>{_indent(r['label'], int(r['depth']))}</td>{cells}"
            f'<td>{h(r["test"])}</td><td class="num">{_p(r["p"])}</td>'
            f'<td class="num">{_p(r["p_holm"])}</td><td class="num">{v_text}</td></tr>'
        )
    table = (
        f'<table class="by-group"><thead><tr><th scope="col">Code</th>{head}'
        '<th scope="col">Test</th><th scope="col" class="num">p</th>'
        '<th scope="col" class="num">p (Holm)</th><th scope="col" class="num">V</th></tr>'
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    more = ""
    if len(groups) > MAX_GROUPS:
        more = (f"<p>The chart shows the first {MAX_GROUPS} of {len(groups)} groups; the "
                "table shows all.</p>")  # fmt: skip
    note_items = "".join(f"<li>{h(n)}</li>" for n in notes)
    return "\n".join([
        '<section id="by-group">',
        f"<h2>Prevalence by {h(by)}</h2>",
        "<p>Cells: n (%, 95% CI) of the group's respondents who answered. As "
        f"<code>qualcode summary --by {h(by)}</code>.</p>",
        more,
        _figure(caption, by_group_svg(frame, shown, alt), table),
        f'<ul class="notes">{note_items}</ul>' if note_items else "",
        "</section>",
    ])  # fmt: skip


def _cooccurrence_section(coding: Coding, prev: pd.DataFrame) -> str:
    labels = dict(zip(prev["code"], prev["label"]))
    head = '<section id="cooccurrence">\n<h2>Co-occurrence</h2>'
    if len(leaf_codes(coding)) < 2:
        return head + '\n<p class="none">Fewer than two leaf codes: nothing to cross.</p>' \
            "\n</section>"  # fmt: skip
    counts, jaccard = cooccurrence(coding, leaves_only=True)
    codes = list(counts.index)
    caption = "Co-occurrence of the leaf codes: respondents with both codes"
    pairs = [(int(counts.at[a, b]), float(jaccard.at[a, b]), a, b)
             for i, a in enumerate(codes) for b in codes[i + 1:]]  # fmt: skip
    top = sorted((p for p in pairs if not math.isnan(p[1])), key=lambda p: (-p[1], p[2], p[3]))
    most = "; ".join(f"{labels.get(a, a)} and {labels.get(b, b)} ({j:.2f})"
                     for _, j, a, b in top[:3])  # fmt: skip
    alt = (
        f"Heatmap of {len(codes)} leaf codes against each other: each cell is coloured by "
        "the Jaccard index and shows the number of respondents with both codes. "
        + (f"Strongest pairs: {most}. " if most else "")
        + "The data table follows."
    )
    head_cells = "".join(f'<th scope="col" class="num" title="{h(labels.get(c, c))}">{i + 1}'
                         "</th>" for i, c in enumerate(codes))  # fmt: skip
    rows = []
    for i, a in enumerate(codes):
        cells = "".join(f'<td class="num">{int(counts.at[a, b])}</td>' for b in codes)
        rows.append(f'<tr><th scope="row">{i + 1}. {h(labels.get(a, a))}</th>{cells}</tr>')
    table = (
        f'<table class="cooccurrence"><thead><tr><th scope="col">Code</th>{head_cells}</tr>'
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    return "\n".join([
        head,
        "<p>Respondents (all input rows) with both codes of each pair of leaf codes; the "
        "diagonal is each code's own count. Colour: the Jaccard index, both ÷ either. "
        "<code>qualcode cooccur</code> gives the same numbers as a table.</p>",
        _figure(caption, heatmap_svg(counts, jaccard, labels, alt), table),
        "</section>",
    ])  # fmt: skip


def top_rules(coding: Coding) -> pd.DataFrame:
    """Per (code, rule): hits that count (as the summary beside it counts them: negated hits
    too under `negation: flag`) and respondents, from segments."""
    seg = coding.segments
    if seg.empty:
        return pd.DataFrame(columns=["code", "rule", "hits", "respondents"])
    kept = seg.loc[coding.counting(), ["code", "rule", "row"]].copy()
    kept["rule"] = kept["rule"].fillna("").astype(str)
    grouped = kept.groupby(["code", "rule"], sort=True)["row"]
    frame = pd.DataFrame({"hits": grouped.size(), "respondents": grouped.nunique()})
    return frame.reset_index()


def _codes_section(coding: Coding, book: Codebook, prev: pd.DataFrame, quotes: pd.DataFrame) -> str:
    rules = top_rules(coding)
    stats = prev.set_index("code")
    labels = {c.id: c.label for c in book.walk()}
    parts = [
        '<section id="codes">',
        "<h2>Codes</h2>",
        f"<p>One section per code, in codebook order. Quotes: at most {PER_CODE} per code, "
        "each from a different respondent, chosen and redacted as by "
        f"<code>qualcode quotes</code> with the same seed "
        f"({h(quotes.attrs.get('quotes', {}).get('seed', '?'))}). Rules: the codebook rules "
        f"with the most hits that count (top {TOP_RULES}; a negated hit counts only under "
        "<code>negation: flag</code>).</p>",
    ]
    for code in book.walk():
        parts.append(_code_section(code, stats, quotes, rules, labels))
    parts.append("</section>")
    return "\n".join(parts)


def _code_section(
    code: Code, stats: pd.DataFrame, quotes: pd.DataFrame, rules: pd.DataFrame,
    labels: dict[str, str],
) -> str:  # fmt: skip
    depth = len(code.path) - 1
    parts = [
        f'<section id="code-{h(code.id)}" class="code depth-{min(depth, 3)}">',
        f"<h3>{h(code.label)}</h3>",
    ]
    where = f"Code <code>{h(code.id)}</code>"
    if depth:
        parents = " › ".join(
            f'<a href="#code-{h(p)}">{h(labels.get(p, p))}</a>' for p in code.path[:-1]
        )
        where += f" in {parents}"
    if code.children:
        kids = ", ".join(f'<a href="#code-{h(c.id)}">{h(c.label)}</a>' for c in code.children)
        where += f"; codes: {kids}"
    parts.append(f'<p class="meta">{where}.</p>')
    if code.id in stats.index:
        s = stats.loc[code.id]
        parts.append(
            f'<p class="prevalence"><strong>{int(s["coded"])}</strong> of {int(s["answered"])} '
            f"respondents ({fmt_pct(s['percent'])}%, 95% CI "
            f"{fmt_ci(s['ci95_low'], s['ci95_high'])}).</p>"
        )
    else:
        parts.append('<p class="none">This code is not in the coded output.</p>')
    fields = [("Definition", code.definition), ("Include", code.include),
              ("Exclude", code.exclude)]  # fmt: skip
    if any(v for _, v in fields):
        parts.append("<dl>" + "".join(f"<dt>{t}</dt><dd>{h(v)}</dd>" for t, v in fields if v)
                     + "</dl>")  # fmt: skip
    parts.append("<h4>Exemplar quotes</h4>")
    mine = quotes[quotes["code"] == code.id]
    if mine.empty:
        parts.append('<p class="none">No quote met the criteria.</p>')
    for q in mine.itertuples(index=False):
        parts.append(
            f"<blockquote><p>{h(q.quote)}</p><footer>— {h(q.attribution)}</footer></blockquote>"
        )
    family = [c.id for c in code.walk()]
    mine_rules = rules[rules["code"].isin(family)].sort_values(
        ["hits", "respondents", "rule", "code"], ascending=[False, False, True, True],
        kind="stable",
    ).head(TOP_RULES)  # fmt: skip
    parts.append("<h4>Rules that fired most</h4>")
    if mine_rules.empty:
        parts.append('<p class="none">No hits that count.</p>')
    else:
        show_code = len(family) > 1
        head = '<th scope="col">Code</th>' if show_code else ""
        rows = []
        for r in mine_rules.itertuples(index=False):
            cell = f"<td>{h(labels.get(r.code, r.code))}</td>" if show_code else ""
            rows.append(f"<tr><td><code>{h(r.rule)}</code></td>{cell}"
                        f'<td class="num">{int(r.hits)}</td>'
                        f'<td class="num">{int(r.respondents)}</td></tr>')  # fmt: skip
        parts.append(
            f'<table class="rules"><thead><tr><th scope="col">Rule</th>{head}'
            '<th scope="col" class="num">Hits</th><th scope="col" class="num">Respondents'
            "</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def uncoded_sample(coding: Coding, seed: int = 1, size: int = UNCODED_SAMPLE) -> list[int]:
    """Positions (0-based, sorted) of a seeded random sample of the answered rows that no
    code matched: ``numpy.random.default_rng(seed)``, without replacement."""
    answered = answered_rows(coding).to_numpy()
    none = (
        coding.matrix.sum(axis=1).eq(0).to_numpy()
        if len(coding.matrix.columns)
        else (np.ones(len(coding.data), dtype=bool))
    )
    candidates = np.flatnonzero(answered & none)
    if len(candidates) <= size:
        return candidates.tolist()
    rng = np.random.default_rng(seed)
    return sorted(candidates[rng.choice(len(candidates), size=size, replace=False)].tolist())


def _uncoded_section(coding: Coding, seed: int) -> str:
    picked = uncoded_sample(coding, seed)
    counts = overview_counts(coding)
    options = coding.manifest.get("options", {})
    text_cols = [c for c in options.get("text") or [] if c in coding.data.columns]
    id_col = options.get("id")
    parts = [
        '<section id="uncoded">',
        "<h2>Uncoded answers</h2>",
        f"<p>{counts['uncoded']} respondent(s) answered but no code matched. "
        + (f"A random sample of {len(picked)} (seed {seed}), redacted as quotes are: "
           "worth reading for themes the codebook misses.</p>" if picked else "</p>"),
    ]  # fmt: skip
    for pos in picked:
        record = coding.data.iloc[pos]
        who = str(record[id_col]) if id_col in coding.data.columns else f"row {pos + 1}"
        answers = []
        for col in text_cols:
            value = record[col]
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                continue
            text = str(value).strip()
            if text:
                answers.append(f"<p><strong>{h(col)}:</strong> {h(redact(text)[0])}</p>")
        who_text = redact(who)[0]
        parts.append(
            '<blockquote class="uncoded">' + "".join(answers)
            + f"<footer>— {h(who_text)}</footer></blockquote>"
        )  # fmt: skip
    parts.append("</section>")
    return "\n".join(parts)


def _codebook_section(book: Codebook, text: str | None) -> str:
    digest = book.sha256
    if text is None and book.path and Path(book.path).is_file():
        from qualcode.codebook.load import _decode

        data = Path(book.path).read_bytes()
        text, digest = _decode(data, Path(book.path)), hashlib.sha256(data).hexdigest()
    parts = [
        '<section id="codebook">',
        "<h2>Appendix: the codebook</h2>",
        f"<p>{h(book.path or book.name)}; sha256 <code>{h(digest or 'unknown')}</code>.</p>",
    ]
    if text is None:
        parts.append('<p class="none">The codebook file is not available.</p>')
    else:
        parts.append(f'<pre class="codebook">{h(text)}</pre>')
    parts.append("</section>")
    return "\n".join(parts)
