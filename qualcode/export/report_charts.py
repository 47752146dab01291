"""The report's charts as hand-written inline SVG: prevalence, prevalence by group, and a
co-occurrence heatmap.

Hand-written rather than drawn by a plotting library so that the bytes are the same on
every machine and every run, the file stays small, the text stays text (searchable,
selectable, scaled with the page) and no element needs an ``id`` (several charts inlined
in one page cannot clash). Every chart is ``role="img"`` with an ``aria-label`` and a
``<title>``; each mark has its own ``<title>`` (a tooltip with the numbers). Sizes are in
a ``viewBox``, so the chart shrinks with the page (CSS sets ``width: 100%``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import pandas as pd

#: The width of every chart in SVG units.
WIDTH = 760
#: Okabe-Ito colours (distinguishable with colour-blindness), for groups.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000",
           "#F0E442")  # fmt: skip
#: At most this many groups are drawn in the by-group chart (its table shows all).
MAX_GROUPS = 8
#: Jaccard bins of the heatmap: (upper bound, colour, legend text).
JACCARD_BINS = (
    (0.0, "#ffffff", "0"),
    (0.1, "#deebf7", "≤ 0.1"),
    (0.2, "#9ecae1", "≤ 0.2"),
    (0.35, "#4292c6", "≤ 0.35"),
    (0.5, "#2171b5", "≤ 0.5"),
    (1.0, "#08306b", "> 0.5"),
)


def esc(text: object) -> str:
    """Text for an SVG/HTML text node or attribute value."""
    return html.escape(str(text), quote=True)


def fmt_pct(value: float) -> str:
    return "n/a" if _nan(value) else f"{value:.1f}"


def fmt_ci(low: float, high: float) -> str:
    return "n/a" if _nan(low) or _nan(high) else f"{low:.1f}–{high:.1f}"


def _nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _n(x: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def clip(text: str, chars: int) -> str:
    """`text` cut to `chars` characters with "…" (the full text goes in a <title>)."""
    text = " ".join(str(text).split())
    return text if len(text) <= chars else text[: max(1, chars - 1)].rstrip() + "…"


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return "\n".join([
        f'<svg viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" '
        f'height="{_n(height)}" role="img" aria-label="{esc(label)}" font-size="12" '
        'preserveAspectRatio="xMinYMin meet">',
        f"<title>{esc(label)}</title>",
        *body,
        "</svg>",
    ])  # fmt: skip


def _axis(x0: float, x1: float, top: float, bottom: float, title: str) -> list[str]:
    """Vertical gridlines at 0, 20, ..., 100% with labels above and a title below."""
    parts = ['<g class="axis" fill="#555" stroke="#ddd">']
    for tick in range(0, 101, 20):
        x = x0 + (x1 - x0) * tick / 100
        parts.append(f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(bottom)}"/>')
        parts.append(
            f'<text x="{_n(x)}" y="{_n(top - 6)}" text-anchor="middle" stroke="none">{tick}%</text>'
        )
    parts.append(
        f'<text x="{_n((x0 + x1) / 2)}" y="{_n(bottom + 18)}" text-anchor="middle" '
        f'stroke="none">{esc(title)}</text>'
    )
    parts.append("</g>")
    return parts


def _label(x: float, y: float, text: str, depth: int, chars: int) -> str:
    weight = ' font-weight="bold"' if depth == 0 else ""
    return f'<text x="{_n(x)}" y="{_n(y)}"{weight}>{esc(clip(text, chars))}</text>'


def _ci_line(x0: float, x1: float, low: float, high: float, y: float, cap: float) -> str:
    a, b = x0 + (x1 - x0) * low / 100, x0 + (x1 - x0) * high / 100
    return (
        f'<path d="M{_n(a)} {_n(y)}H{_n(b)}M{_n(a)} {_n(y - cap)}V{_n(y + cap)}'
        f'M{_n(b)} {_n(y - cap)}V{_n(y + cap)}" stroke="#222" stroke-width="1.3" fill="none"/>'
    )


def prevalence_svg(frame: pd.DataFrame, label: str) -> str:
    """Horizontal bars (percent of respondents who answered) with Wilson 95% intervals, one
    row per code in codebook order, child codes indented under their parent. `frame` is
    :func:`qualcode.analysis.crosstab.prevalence`'s."""
    left, x0, x1, row, top = 8, 350, 690, 20, 30
    height = top + row * len(frame) + 34
    body = _axis(x0, x1, top - 4, top + row * len(frame), "% of respondents who answered "
                 "(bar), with 95% interval")  # fmt: skip
    for i, r in enumerate(frame.itertuples(index=False)):
        y = top + row * i
        depth = int(r.depth)
        indent = left + 16 * depth
        chars = int((x0 - 10 - indent) / 6.6)
        tip = (f"{r.label}: {r.coded} of {r.answered} ({fmt_pct(r.percent)}%, 95% CI "
               f"{fmt_ci(r.ci95_low, r.ci95_high)})")  # fmt: skip
        parts = [f"<g><title>{esc(tip)}</title>", _label(indent, y + 14, r.label, depth, chars)]
        if not _nan(r.percent):
            fill = "#2b6cb0" if depth == 0 else "#9dbbe0"
            width = (x1 - x0) * float(r.percent) / 100
            parts.append(
                f'<rect x="{x0}" y="{_n(y + 4)}" width="{_n(width)}" height="12" fill="{fill}"/>'
            )
            if not _nan(r.ci95_low):
                parts.append(_ci_line(x0, x1, r.ci95_low, r.ci95_high, y + 10, 4))
        parts.append(
            f'<text x="{WIDTH - 6}" y="{_n(y + 14)}" text-anchor="end">'
            f"{esc(fmt_pct(r.percent))}%</text></g>"
        )
        body.append("".join(parts))
    return _svg(WIDTH, height, label, body)


def _marker(shape: int, x: float, y: float, colour: str) -> str:
    kind = shape % 4
    if kind == 0:
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.6" fill="{colour}"/>'
    if kind == 1:
        return f'<rect x="{_n(x - 3.2)}" y="{_n(y - 3.2)}" width="6.4" height="6.4" ' \
            f'fill="{colour}"/>'  # fmt: skip
    if kind == 2:
        return f'<path d="M{_n(x)} {_n(y - 4.2)}L{_n(x + 4)} {_n(y + 3)}H{_n(x - 4)}Z" ' \
            f'fill="{colour}"/>'  # fmt: skip
    return f'<path d="M{_n(x)} {_n(y - 4.4)}L{_n(x + 4.4)} {_n(y)}L{_n(x)} {_n(y + 4.4)}' \
        f'L{_n(x - 4.4)} {_n(y)}Z" fill="{colour}"/>'  # fmt: skip


def by_group_svg(frame: pd.DataFrame, groups: Sequence[str], label: str) -> str:
    """Grouped dots: per code, one dot (colour and shape per group) with its 95% interval
    for each of `groups` (at most :data:`MAX_GROUPS`). `frame` is
    :func:`qualcode.analysis.crosstab.prevalence_by`'s."""
    groups = list(groups)[:MAX_GROUPS]
    sizes = frame.attrs.get("sizes", {})
    left, x0, x1 = 8, 350, 740
    step = 7
    row = max(20, step * len(groups) + 8)
    # The legend: one entry per group, wrapped to the width.
    legend, x, y = ['<g class="legend">'], float(left), 14.0
    for j, g in enumerate(groups):
        text = f"{g} (N={sizes.get(g, '?')})"
        width = 18 + 6.6 * len(clip(text, 40)) + 14
        if x + width > WIDTH and x > left:
            x, y = float(left), y + 18
        legend.append(_marker(j, x + 5, y - 4, PALETTE[j % len(PALETTE)]))
        legend.append(f'<text x="{_n(x + 14)}" y="{_n(y)}">{esc(clip(text, 40))}</text>')
        x += width
    legend.append("</g>")
    top = y + 30
    height = top + row * len(frame) + 34
    body = legend + _axis(x0, x1, top - 4, top + row * len(frame), "% of the group's "
                          "respondents who answered, with 95% interval")  # fmt: skip
    for i, r in enumerate(frame.to_dict("records")):
        y0 = top + row * i
        depth = int(r["depth"])
        indent = left + 16 * depth
        chars = int((x0 - 10 - indent) / 6.6)
        parts = [f"<g><title>{esc(r['label'])}</title>"]
        if i % 2 == 0:
            parts.append(f'<rect x="0" y="{_n(y0)}" width="{WIDTH}" height="{row}" '
                         'fill="#f4f6f9"/>')  # fmt: skip
        parts.append(_label(indent, y0 + row / 2 + 4, r["label"], depth, chars))
        parts.append("</g>")
        first = y0 + (row - step * (len(groups) - 1)) / 2
        for j, g in enumerate(groups):
            pct, low, high = r[f"percent:{g}"], r[f"ci95_low:{g}"], r[f"ci95_high:{g}"]
            if _nan(pct):
                continue
            yy = first + step * j
            tip = (f"{r['label']}, {g}: {r[f'coded:{g}']} of {r[f'answered:{g}']} "
                   f"({fmt_pct(pct)}%, 95% CI {fmt_ci(low, high)})")  # fmt: skip
            colour = PALETTE[j % len(PALETTE)]
            line = ""
            if not _nan(low):
                a, b = x0 + (x1 - x0) * low / 100, x0 + (x1 - x0) * high / 100
                line = (f'<path d="M{_n(a)} {_n(yy)}H{_n(b)}" stroke="{colour}" '
                        'stroke-width="1.4"/>')  # fmt: skip
            mark = _marker(j, x0 + (x1 - x0) * pct / 100, yy, colour)
            parts.append(f"<g><title>{esc(tip)}</title>{line}{mark}</g>")
        body.append("".join(parts))
    return _svg(WIDTH, height, label, body)


def jaccard_colour(value: float) -> str:
    if _nan(value) or value <= 0:
        return JACCARD_BINS[0][1]
    for bound, colour, _ in JACCARD_BINS[1:]:
        if value <= bound:
            return colour
    return JACCARD_BINS[-1][1]


def heatmap_svg(
    counts: pd.DataFrame, jaccard: pd.DataFrame, labels: dict[str, str], label: str
) -> str:
    """Code x code: each cell coloured by the Jaccard index (both / either, binned), with the
    number of respondents with both codes written in it; the diagonal (grey) holds each
    code's own count. Rows are numbered; columns carry the same numbers."""
    codes = list(counts.index)
    n = len(codes)
    left, cell, top = 8, 18, 30
    x0 = 270
    width = max(WIDTH, x0 + cell * n + 10)
    bottom = top + cell * n
    height = bottom + 50
    body = ['<g class="axis" fill="#555" font-size="10" text-anchor="middle">']
    for j in range(n):
        body.append(f'<text x="{_n(x0 + cell * j + cell / 2)}" y="{top - 8}">{j + 1}</text>')
    body.append("</g>")
    for i, a in enumerate(codes):
        y = top + cell * i
        name = f"{i + 1}. {labels.get(a, a)}"
        body.append(
            f"<g><title>{esc(name)}</title>"
            f'<text x="{left}" y="{_n(y + 13)}">{esc(clip(name, 39))}</text></g>'
        )
        cells = []
        for j, b in enumerate(codes):
            both = int(counts.at[a, b])
            jac = float(jaccard.at[a, b])
            x = x0 + cell * j
            if i == j:
                fill, ink = "#d9d9d9", "#222"
                tip = f"{labels.get(a, a)}: {both} respondents"
            else:
                fill = jaccard_colour(jac)
                ink = "#fff" if (not _nan(jac) and jac > 0.2) else "#222"
                shown = "n/a" if _nan(jac) else f"{jac:.2f}"
                tip = (f"{labels.get(a, a)} and {labels.get(b, b)}: {both} respondents with "
                       f"both; Jaccard {shown}")  # fmt: skip
            text = (f'<text x="{_n(x + cell / 2)}" y="{_n(y + 12.5)}" fill="{ink}">{both}'
                    "</text>" if both else "")  # fmt: skip
            cells.append(
                f'<g><title>{esc(tip)}</title><rect x="{_n(x)}" y="{_n(y)}" '
                f'width="{cell}" height="{cell}" fill="{fill}" stroke="#ccc" '
                f'stroke-width="0.5"/>{text}</g>'
            )
        body.append('<g font-size="8" text-anchor="middle">' + "".join(cells) + "</g>")
    # Legend of the Jaccard bins.
    legend = [f'<g class="legend"><text x="{left}" y="{_n(bottom + 30)}">Jaccard index '
              "(both ÷ either):</text>"]  # fmt: skip
    at = 230.0  # a float, unlike the grid's x above
    for _, colour, text in JACCARD_BINS:
        legend.append(
            f'<rect x="{_n(at)}" y="{_n(bottom + 19)}" width="14" height="14" fill="{colour}" '
            f'stroke="#999" stroke-width="0.5"/><text x="{_n(at + 18)}" y="{_n(bottom + 30)}">'
            f"{esc(text)}</text>"
        )
        at += 26 + 6.6 * len(text)
    legend.append("</g>")
    return _svg(width, height, label, body + legend)
