"""`qualcode summary` and `qualcode cooccur`: statistics against known values, every format,
determinism, and the CLI end to end."""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode import QualcodeError, code, load_coding, parse_codebook
from qualcode.analysis.crosstab import (
    MISSING,
    cooccurrence,
    cooccurrence_pairs,
    holm,
    independence_test,
    leaf_codes,
    prevalence,
    prevalence_by,
)
from qualcode.cli import app
from qualcode.export.tables import (
    cooccurrence_grid,
    escape_markdown,
    prevalence_by_grid,
    prevalence_grid,
    to_csv,
    to_docx_bytes,
    to_latex,
    to_markdown,
)

runner = CliRunner()

CODEBOOK = """\
name: "Mini & co #1"
codes:
  - id: harms
    label: "Harms 100% {real}"
    codes:
      - id: bladder
        match: [bladder]
      - id: kidney
        match: [kidney]
  - id: zebra
    match: [zebra]
"""
NASTY = r"50% & a_b $x$ #1 {y} ~z ^w \q |p"


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    answers = pd.DataFrame({
        "id": [f"p{i}" for i in range(1, 11)],
        "grp": ["a", "a", "a", "b", "b", "b", NASTY, NASTY, "", "a"],
        "t": ["bladder", "bladder kidney", "nothing", "kidney", "bladder", "nothing",
              "bladder", "kidney", "bladder", "  "],
    })  # fmt: skip
    coding = code(answers, parse_codebook(CODEBOOK, "mini.yaml"), text="t", id="id")
    return coding.save(tmp_path_factory.mktemp("out") / "coded")


# --- statistics ---------------------------------------------------------------------------


def test_prevalence_counts_only_respondents_who_answered(outdir: Path) -> None:
    coding = load_coding(outdir)
    frame = prevalence(coding).set_index("code")
    assert frame["answered"].tolist() == [9] * 4  # p10 answered only blanks
    assert frame.loc["bladder", "coded"] == 5 and frame.loc["harms", "coded"] == 7
    # The same numbers as summary.csv.
    summary = coding.summary_table.set_index("code")
    for column in ["coded", "answered", "percent", "ci95_low", "ci95_high"]:
        assert frame[column].tolist() == summary[column].tolist()
    # Wilson 95% for 5/9, by hand: centre (p + z²/2n) / (1 + z²/n), z = 1.959964.
    z, n, p = 1.959963984540054, 9, 5 / 9
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert frame.loc["bladder", "ci95_low"] == round(100 * (centre - half), 2)
    assert frame.loc["bladder", "ci95_high"] == round(100 * (centre + half), 2)


def test_fisher_on_a_small_2x2_has_the_known_p() -> None:
    result = independence_test(np.array([[8, 2], [1, 5]]))  # expected 2.625 < 5
    assert result["test"] == "fisher"
    assert result["p"] == pytest.approx(0.034965034965034975)  # R: fisher.test
    assert result["dof"] == 1


def test_chi_square_on_a_3x2_has_the_known_statistic() -> None:
    result = independence_test(np.array([[10, 20], [20, 10], [15, 15]]))  # expected 15 each
    assert result["test"] == "chi2" and result["dof"] == 2
    assert result["chi2"] == pytest.approx(100 / 15)  # (5² x 4) / 15
    assert result["p"] == pytest.approx(math.exp(-100 / 30))  # chi-square sf with 2 df
    assert result["min_expected"] == pytest.approx(15)


def test_cramers_v_of_a_perfect_association_is_one() -> None:
    assert independence_test(np.array([[10, 0], [0, 10]]))["cramers_v"] == pytest.approx(1.0)
    assert independence_test(np.array([[5, 5], [5, 5]]))["cramers_v"] == pytest.approx(0.0)


def test_more_groups_with_small_counts_use_a_seeded_monte_carlo_fisher_test() -> None:
    table = np.array([[3, 30], [8, 40], [1, 50]])
    first, again = independence_test(table), independence_test(table)
    assert first["test"] == "fisher-mc" and first["p"] == again["p"]
    assert 0.01 < first["p"] < 0.1  # chi-square's asymptotic p is 0.039


def test_a_code_nobody_has_is_not_tested() -> None:
    result = independence_test(np.array([[0, 10], [0, 12]]))
    assert result["test"] == "n/a"
    assert all(math.isnan(result[k]) for k in ("chi2", "p", "cramers_v", "min_expected"))


def test_holm_matches_r_p_adjust() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") -> 0.03 0.06 0.06 0.02
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    adjusted = holm([0.5, math.nan, 0.01])  # NaN is not a test: m = 2
    assert adjusted[0] == pytest.approx(0.5) and adjusted[2] == pytest.approx(0.02)
    assert math.isnan(adjusted[1])
    assert holm([0.9, 0.8]).tolist() == [1.0, 1.0]  # capped at 1
    assert holm([0.02, 0.04]) == pytest.approx([0.04, 0.04])  # the running maximum


def test_prevalence_by_groups_missing_and_untested_codes(outdir: Path) -> None:
    frame, notes = prevalence_by(load_coding(outdir), "grp")
    assert frame.attrs["groups"] == sorted(["a", "b", NASTY]) + [MISSING]
    assert frame.attrs["tested"] == sorted(["a", "b", NASTY])
    assert frame.attrs["sizes"] == {"a": 3, "b": 3, NASTY: 2, MISSING: 1}  # p10: no answer
    row = frame.set_index("code").loc["bladder"]
    assert (row["coded:a"], row["coded:b"], row[f"coded:{NASTY}"], row[f"coded:{MISSING}"]) == (
        2, 1, 1, 1,
    )  # fmt: skip
    assert row["test"] == "fisher-mc"
    zebra = frame.set_index("code").loc["zebra"]
    assert zebra["test"] == "n/a" and math.isnan(zebra["p"]) and math.isnan(zebra["p_holm"])
    text = " ".join(notes)
    assert "1 row(s) with no answer" in text and f"{MISSING}: 1 respondent(s)" in text
    assert "n/a: no test for 1 code(s)" in text and "zebra" in text
    assert "3 tests, Holm-adjusted" in text


def test_unknown_attribute_suggests_the_closest(outdir: Path) -> None:
    with pytest.raises(QualcodeError) as info:
        prevalence_by(load_coding(outdir), "gpr")
    assert info.value.code == "E304" and "Did you mean 'grp'?" in str(info.value)


def test_cooccurrence_counts_and_jaccard(outdir: Path) -> None:
    coding = load_coding(outdir)
    counts, jaccard = cooccurrence(coding)
    assert counts.at["bladder", "kidney"] == 1 and counts.at["bladder", "bladder"] == 5
    assert jaccard.at["bladder", "kidney"] == pytest.approx(1 / 7)  # 5 + 3 - 1 have either
    assert jaccard.at["harms", "bladder"] == pytest.approx(5 / 7)
    assert math.isnan(jaccard.at["zebra", "zebra"])  # nobody: both / either is 0 / 0
    assert leaf_codes(coding) == ["bladder", "kidney", "zebra"]
    counts, jaccard = cooccurrence(coding, leaves_only=True)
    assert list(counts.index) == ["bladder", "kidney", "zebra"]
    pairs = cooccurrence_pairs(counts, jaccard)
    assert len(pairs) == 6 and pairs.iloc[1].tolist()[:6] == ["bladder", "kidney", 5, 3, 1, 7]


# --- formats ------------------------------------------------------------------------------


def _by_grid(outdir: Path):  # type: ignore[no-untyped-def]
    coding = load_coding(outdir)
    frame, notes = prevalence_by(coding, "grp")
    return prevalence_by_grid(frame, notes, coding.manifest), frame


def test_latex_is_a_booktabs_float_with_every_cell_escaped(outdir: Path) -> None:
    grid, _frame = _by_grid(outdir)
    tex = to_latex(grid)
    lines = tex.splitlines()
    assert lines[1] == "\\begin{table}[htbp]" and lines[-1] == "\\end{table}"
    for word in ("\\toprule", "\\midrule", "\\bottomrule", "\\caption{", "\\label{tab:"):
        assert tex.count(word) == 1, word
    escaped = (r"50\% \& a\_b \$x\$ \#1 \{y\} \textasciitilde{}z \textasciicircum{}w "
               r"\textbackslash{}q \textbar{}p")  # fmt: skip
    assert escaped in tex and NASTY not in tex
    assert "\\caption{Mini \\& co \\#1: respondents coded by grp}" in tex
    assert "\\quad bladder" in tex and "n/a" in tex
    # No unescaped specials anywhere in the rows: strip the escapes and look.
    body = tex[tex.index("\\midrule") : tex.index("\\bottomrule")]
    bare = re.sub(r"\\(textasciitilde|textasciicircum|textbackslash|textbar|quad)\b(\{\})?",
                  "", body).replace("\\\\", "")  # fmt: skip
    bare = re.sub(r"\\[%&_$#{}]", "", bare).replace("\\midrule", "")
    assert not re.search(r"[%$#_^~\\{}]", bare), bare
    rows = [line for line in body.splitlines() if line.endswith("\\\\")]
    n_columns = len(grid.columns)
    assert all(len(re.split(r"(?<!\\)&", row)) == n_columns for row in rows)


def test_latex_compiles_when_pdflatex_is_installed(outdir: Path, tmp_path: Path) -> None:
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    grid, _frame = _by_grid(outdir)
    preamble = (
        "\\documentclass{article}\\usepackage[utf8]{inputenc}\\usepackage[T1]{fontenc}"
        "\\usepackage{booktabs}\\begin{document}\n"
    )
    doc = preamble + to_latex(grid) + "\\end{document}\n"
    (tmp_path / "t.tex").write_text(doc, encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]


def _md_cells(line: str) -> list[str]:
    assert line.startswith("| ") and line.endswith(" |")
    return re.split(r"(?<!\\)\|", line[1:-1])


def test_markdown_is_a_github_table_with_pipes_escaped(outdir: Path) -> None:
    grid, _frame = _by_grid(outdir)
    md = to_markdown(grid)
    lines = md.splitlines()
    assert lines[0] == "**Mini \\& co \\#1: respondents coded by grp**" or lines[0].startswith("**")
    table = [line for line in lines if line.startswith("|")]
    widths = {len(_md_cells(line)) for line in table}
    assert widths == {len(grid.columns)}
    assert re.fullmatch(r"\| :--- (\| (---:|:---) )+\|", table[1])
    assert table[1].count(":---") == 2  # Code and Test left, numbers right
    assert escape_markdown(NASTY) in md and "\\|p" in md
    assert "| &nbsp;&nbsp;&nbsp;&nbsp;bladder |" in md
    assert escape_markdown("a|b\nc") == "a\\|b c"


def test_docx_has_a_real_table_and_the_same_bytes_twice(outdir: Path) -> None:
    grid, _frame = _by_grid(outdir)
    data = to_docx_bytes(grid)
    assert data == to_docx_bytes(grid)
    document = docx.Document(io.BytesIO(data))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == grid.columns
    assert len(table.rows) == len(grid.rows) + 1
    assert [c.text for c in table.rows[2].cells] == grid.rows[1]
    assert table.rows[2].cells[0].paragraphs[0].paragraph_format.left_indent is not None
    assert document.core_properties.created.year == 1980
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_csv_keeps_every_number_and_neutralises_formulas(outdir: Path) -> None:
    coding = load_coding(outdir)
    frame, _notes = prevalence_by(coding, "grp")
    text = to_csv(frame)
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == list(frame.columns)
    assert back["p"].tolist()[:3] == frame["p"].tolist()[:3]  # full precision
    assert math.isnan(back["p"].iloc[3]) and back["dof"].iloc[3] != back["dof"].iloc[3]
    assert to_csv(pd.DataFrame({"a": ["=1+2", "x,y"], "b": [1.5, math.nan]})) == (
        'a,b\n\'=1+2,1.5\n"x,y",\n'
    )


def test_grids_of_prevalence_and_cooccurrence(outdir: Path) -> None:
    coding = load_coding(outdir)
    grid = prevalence_grid(prevalence(coding), coding.manifest)
    assert grid.rows[1][:5] == ["bladder", "bladder", "5", "9", "55.6"] and grid.depths[1] == 1
    counts, jaccard = cooccurrence(coding, leaves_only=True)
    grid = cooccurrence_grid(counts, jaccard, {}, coding.manifest)
    assert grid.columns == ["Code", "1", "2", "3"]
    assert grid.rows[1] == ["2 kidney", "1 (0.14)", "3", ""]
    assert grid.rows[2][1:] == ["0 (0.00)", "0 (0.00)", "0"]


# --- the CLI ------------------------------------------------------------------------------


def test_cli_summary_every_format(outdir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["summary", str(outdir)])
    assert result.exit_code == 0, result.output
    assert "bladder" in result.output and "55.6" in result.output
    result = runner.invoke(app, ["summary", str(outdir), "--by", "grp", "-f", "md"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("**Mini") and "Holm" in result.output
    for suffix in ("csv", "md", "tex", "docx", "txt"):
        target = tmp_path / f"s.{suffix}"
        result = runner.invoke(app, ["summary", str(outdir), "--by", "grp", "-o", str(target)])
        assert result.exit_code == 0, result.output
        first = target.read_bytes()
        runner.invoke(app, ["summary", str(outdir), "--by", "grp", "-o", str(target)])
        assert target.read_bytes() == first, suffix
    assert pd.read_csv(tmp_path / "s.csv")["code"].tolist() == ["harms", "bladder", "kidney",
                                                                "zebra"]  # fmt: skip
    assert "\\toprule" in (tmp_path / "s.tex").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_cooccur(outdir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["cooccur", str(outdir), "--leaves-only", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "code_a,code_b,n_a,n_b,both,either,jaccard"
    result = runner.invoke(app, ["cooccur", str(outdir), "-o", str(tmp_path / "c.docx")])
    assert result.exit_code == 0, result.output
    table = docx.Document(str(tmp_path / "c.docx")).tables[0]
    assert table.rows[1].cells[0].text == "1 harms" and len(table.columns) == 5


def test_cli_errors(outdir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["summary", str(outdir), "--by", "gpr"])
    assert result.exit_code == 1 and "E304" in result.output and "'grp'" in result.output
    result = runner.invoke(app, ["summary", str(tmp_path)])
    assert result.exit_code == 1 and "E404" in result.output
    result = runner.invoke(app, ["cooccur", str(outdir), "-o", str(outdir / "summary.csv")])
    assert result.exit_code == 1 and "E402" in result.output
    result = runner.invoke(app, ["summary", str(outdir), "-o", str(tmp_path / "s.pdf")])
    assert result.exit_code == 2 and "cannot tell the format" in result.output
    result = runner.invoke(app, ["summary", str(outdir), "-f", "docx"])
    assert result.exit_code == 2 and "needs -o" in result.output


def test_rich_table_wraps_between_words_when_it_fits():
    from rich.console import Console

    from qualcode.export.tables import Grid, rich_table

    cells = ["0.99 (0.98–1.00)", "1.00 (0.95–1.00)", "0.50 (0.20–0.80)"]
    grid = Grid("t", ["Code", "Agreement", "Kappa", "F1"], [["bladder", *cells]] * 2,
                [0, 0], ["l", "r", "r", "r"])  # fmt: skip

    def render(width: int) -> str:
        console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(rich_table(grid, width=width))
        return console.export_text()

    narrow = render(54)  # the words fit (7 + 3 * 11 + 13 for borders) but not whole cells
    assert "…" not in narrow and "(0.98–1.00)" in narrow and "Agreement" in narrow
    assert "(0.98–1.00)" in render(120) and "…" not in render(120)
    assert "…" in render(30)  # too narrow for whole words: rich shortens, nothing is hidden
