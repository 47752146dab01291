"""`qualcode quotes`: exemplar quotes per code, redaction, and the five renderers."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import docx
import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode
from qualcode import QualcodeError
from qualcode.cli import app
from qualcode.coding.quotes import select_quotes, trim_words
from qualcode.export.quotes import escape_markdown, render_quotes
from qualcode.text.redact import read_names, redact

CODEBOOK = """\
name: Quote test book
version: "2.0"
codes:
  - id: harms
    label: Harms
    definition: Damage the respondent attributes to use.
    codes:
      - id: bladder
        label: Bladder problems
        definition: Urinary pain & "K bladder", 100% of the time {really}.
        match: [bladder]
      - id: cramps
        label: Cramps
        definition: Abdominal cramps.
        match: [cramps]
  - id: support
    label: Support
    definition: Help from services.
    codes:
      - id: gp
        label: GP visits
        definition: Seeing a doctor.
        match: [doctor]
"""

GROUPS = ["Africa"] * 1 + ["Asia"] * 4 + ["Europe"] * 20 + ["Oceania"] * 2
FILLER = "one two three four five six seven eight nine ten eleven twelve"


def answers() -> pd.DataFrame:
    rows = []
    for i, group in enumerate(GROUPS, start=1):
        text = (
            f"My bladder has been bad for {i} long years now. "
            f"The bladder pain wakes me up every night {i}. "
            "Short bladder line."
        )
        if i <= 3:  # pure cramps units
            text += f" The cramps are awful every single morning {i}."
        else:  # cramps only alongside the bladder
            text += f" The cramps and the bladder both hurt a lot {i}."
        rows.append({"pid": f"P{i:03d}", "region": group, "age": "25-34", "answer": text})
    # Only negated bladder hits: never a bladder quote.
    for i in range(len(GROUPS) + 1, len(GROUPS) + 6):
        rows.append({
            "pid": f"P{i:03d}", "region": "Europe", "age": "35-44",
            "answer": "I have never had any bladder problems at all, thankfully.",
        })  # fmt: skip
    specials = r"I saw a doctor who charged 50% & said $5 #1 {fine} ~ok^ \\ under_score x."
    rows.append({"pid": "P900", "region": "Europe", "age": "45+", "answer": specials})
    contact = "My doctor said mail jo+k@mail.example.org or call 0161 496 0000, Jane Smith."
    rows.append({"pid": "P901", "region": "Asia", "age": "45+", "answer": contact})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(output folder, codebook path) coded once for the module."""
    root = tmp_path_factory.mktemp("quotes")
    book_path = root / "book.yaml"
    book_path.write_text(CODEBOOK, encoding="utf-8")
    book = qualcode.load_codebook(book_path)
    coding = qualcode.code(answers(), book, text="answer", id="pid")
    coding.save(root / "out")
    return root / "out", book_path


@pytest.fixture(scope="module")
def coding(made: tuple[Path, Path]) -> qualcode.Coding:
    return qualcode.load_coding(made[0])


@pytest.fixture(scope="module")
def book(made: tuple[Path, Path]) -> qualcode.Codebook:
    return qualcode.load_codebook(made[1])


# --- selection


def test_distinct_respondents_and_no_negated_hits(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["bladder"], per_code=100)
    assert frame["id"].is_unique
    assert len(frame) == len(GROUPS)  # every respondent with a hit that is not negated
    negated_only = {f"P{i:03d}" for i in range(len(GROUPS) + 1, len(GROUPS) + 6)}
    assert not negated_only & set(frame["id"])
    assert not frame["quote"].str.contains("never had").any()


def test_length_bounds_and_ellipsis(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["bladder"], per_code=100)
    assert not frame["quote"].str.startswith("Short").any()  # 3 words < min_words 6
    assert frame["words"].ge(6).all()
    cut = select_quotes(coding, book, codes=["bladder"], per_code=5, min_words=4, max_words=4)
    for quote in cut["quote"]:
        assert "bladder" in quote.lower()
        assert len(quote.replace("…", " ").split()) <= 4
    assert cut["trimmed"].any() and cut["quote"].str.contains("…").any()


def test_trim_words_keeps_a_window_around_the_hit() -> None:
    text = " ".join(f"w{i}" for i in range(100))
    at = text.index("w50")
    quote, trimmed = trim_words(text, at, at + 3, 5)
    assert trimmed and quote == "… w48 w49 w50 w51 w52 …"
    quote, _ = trim_words(text, 0, 2, 5)
    assert quote == "w0 w1 w2 w3 w4 …"
    quote, _ = trim_words(text, text.index("w99"), len(text), 5)
    assert quote == "… w95 w96 w97 w98 w99"
    assert trim_words("  a b c  ", 2, 3, 5) == ("a b c", False)


def test_pure_units_are_preferred(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["cramps"], per_code=3)
    assert frame["pure"].all() and sorted(frame["id"]) == ["P001", "P002", "P003"]
    more = select_quotes(coding, book, codes=["cramps"], per_code=5)
    assert more["pure"].tolist() == [True, True, True, False, False]


def test_stratification_covers_every_group(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["bladder"], per_code=4, by="region")
    assert sorted(frame["group"]) == ["Africa", "Asia", "Europe", "Oceania"]
    six = select_quotes(coding, book, codes=["bladder"], per_code=6, by="region")
    assert set(six["group"]) == {"Africa", "Asia", "Europe", "Oceania"}
    with pytest.raises(QualcodeError) as info:
        select_quotes(coding, book, by="regoin")
    assert info.value.code == "E304" and "region" in str(info.value)


def test_seeded_and_reproducible(coding, book) -> None:
    one = select_quotes(coding, book, codes=["bladder"], seed=1)
    again = select_quotes(coding, book, codes=["bladder"], seed=1)
    other = select_quotes(coding, book, codes=["bladder"], seed=2)
    pd.testing.assert_frame_equal(one, again)
    assert one["id"].tolist() != other["id"].tolist()  # 27 candidates, 3 picked
    # A code's quotes do not depend on which other codes are asked for.
    every = select_quotes(coding, book, seed=1)
    assert every[every["code"] == "bladder"]["id"].tolist() == one["id"].tolist()


def test_parent_codes_draw_on_their_children(coding, book) -> None:
    frame = select_quotes(coding, book, per_code=2)
    assert frame["code"].unique().tolist() == ["harms", "bladder", "cramps", "support", "gp"]
    assert frame.groupby("code").size().max() == 2
    with pytest.raises(QualcodeError) as info:
        select_quotes(coding, book, codes=["bladdr"])
    assert info.value.code == "E501" and "bladder" in str(info.value)


def test_attribution_templates(coding, book) -> None:
    region = dict(zip(coding.data["pid"], coding.data["region"]))
    frame = select_quotes(coding, book, codes=["cramps"], per_code=1)
    first = frame["id"].iloc[0]
    assert frame["attribution"].iloc[0] == f"({first}, {region[first]}, 25-34)"
    by = select_quotes(coding, book, codes=["cramps"], per_code=1, by="age")
    assert by["attribution"].iloc[0] == f"({first}, 25-34, {region[first]})"  # --by first
    custom = select_quotes(
        coding, book, codes=["cramps"], per_code=1, attribution="[{id} · {region}; {label}]"
    )
    assert custom["attribution"].iloc[0] == f"[{first} · {region[first]}; Cramps]"
    with pytest.raises(QualcodeError) as info:
        select_quotes(coding, book, attribution="({id}, {regoin})")
    assert info.value.code == "E651" and "Did you mean 'region'" in str(info.value)
    with pytest.raises(QualcodeError) as info:
        select_quotes(coding, book, attribution="({id}, {region")
    assert info.value.code == "E652"
    with pytest.raises(QualcodeError) as info:
        select_quotes(coding, book, attribution="({}, {region})")
    assert info.value.code == "E652"


def test_quotes_and_attributions_are_redacted(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["gp"], per_code=10, names=["Jane Smith"])
    contact = frame[frame["id"] == "P901"].iloc[0]
    assert contact["quote"] == (
        "My doctor said mail [REDACTED-EMAIL] or call [REDACTED-PHONE], [REDACTED-NAME]."
    )
    assert contact["redactions"] == "email;phone;name" and contact["redacted"]
    plain = select_quotes(coding, book, codes=["gp"], per_code=10, redact=False)
    assert "jo+k@mail.example.org" in plain[plain["id"] == "P901"].iloc[0]["quote"]
    assert not plain["redacted"].any()
    ids = select_quotes(coding, book, codes=["gp"], per_code=10, attribution="{id} x@y.org")
    assert ids["attribution"].str.endswith("[REDACTED-EMAIL]").all()


# --- redaction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email me at x@y.org.", "email me at [REDACTED-EMAIL]."),
        ("jane.doe+ketamine@mail.nhs.uk wrote", "[REDACTED-EMAIL] wrote"),
        ("first.last@sub.example.co.uk", "[REDACTED-EMAIL]"),
        ("call 0161 496 0000 today", "call [REDACTED-PHONE] today"),
        ("+44 20 7946 0958", "[REDACTED-PHONE]"),
        ("+44 (0)20 7946 0958!", "[REDACTED-PHONE]!"),
        ("(555) 123-4567", "[REDACTED-PHONE]"),
        ("212-555-0199 or 212.555.0199", "[REDACTED-PHONE] or [REDACTED-PHONE]"),
        ("ring 07700 900123", "ring [REDACTED-PHONE]"),
        ("my number is 07700900123!", "my number is [REDACTED-PHONE]!"),
        ("text me on 555-1234", "text me on [REDACTED-PHONE]"),
        ("tel: +1 (212) 555-0199 ext", "tel: [REDACTED-PHONE] ext"),
        ("in 2019", "in 2019"),
        ("200mg", "200mg"),
        ("1-2 times", "1-2 times"),
        ("aged 25-34", "aged 25-34"),
        ("since 2015-2019", "since 2015-2019"),
        ("on 12/03/2021 and 2021-03-12", "on 12/03/2021 and 2021-03-12"),
        ("paid 100-1000 pounds", "paid 100-1000 pounds"),
        ("took 1000 mg 2-3 times, 0.5g", "took 1000 mg 2-3 times, 0.5g"),
        ("£1,000,000 spent", "£1,000,000 spent"),
        ("between 10 and 20 20 times", "between 10 and 20 20 times"),
        ("see https://example.com/a?b=1).", "see [REDACTED-URL])."),
        ("(https://en.wikipedia.org/wiki/Ketamine_(drug))", "([REDACTED-URL])"),
        ("(see www.talktofrank.com).", "(see [REDACTED-URL])."),
        ("visit example.com/path, then", "visit [REDACTED-URL], then"),
        ("nhs.uk is good", "[REDACTED-URL] is good"),
        ("e.g. this, i.e. that, etc. 3.5mg", "e.g. this, i.e. that, etc. 3.5mg"),
        ("I was at it.It hurt", "I was at it.It hurt"),
        ("follow @nhs on twitter", "follow [REDACTED-HANDLE] on twitter"),
        ("@NHS_England said", "[REDACTED-HANDLE] said"),
        ("meet @5pm", "meet @5pm"),
        ("Dr Smith and dr.  SMITH, not Smithers", "Dr [N] and dr.  [N], not Smithers"),
        ("Jane  Smith came", "[N] came"),
    ],
)
def test_redaction_table(text: str, expected: str) -> None:
    got, kinds = redact(text, names=["Smith", "Jane Smith"])
    assert got == expected.replace("[N]", "[REDACTED-NAME]")
    assert bool(kinds) == (got != text)


def test_redact_reports_kinds_in_order() -> None:
    text, kinds = redact("@bob: call +44 20 7946 0958 or see bob.com, bob@bob.org")
    assert kinds == ("email", "phone", "url", "handle")
    assert text == "[REDACTED-HANDLE]: call [REDACTED-PHONE] or see [REDACTED-URL], " + (
        "[REDACTED-EMAIL]"
    )


def test_read_names(tmp_path: Path) -> None:
    (tmp_path / "names.txt").write_text("# staff\nJane Smith\n\n  Bob \n", encoding="utf-8")
    assert read_names(tmp_path / "names.txt") == ("Jane Smith", "Bob")
    with pytest.raises(QualcodeError) as info:
        read_names(tmp_path / "missing.txt")
    assert info.value.code == "E654"


# --- renderers


def test_docx_headings_definitions_quotes_and_attributions(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["bladder", "gp"], per_code=2, by="region")
    data = render_quotes(frame, book, "docx")
    assert isinstance(data, bytes) and data == render_quotes(frame, book, "docx")
    document = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Title", "Quotes: Quote test book")
    assert "Quote test book, version 2.0" in paragraphs[1][1] and "seed 1" in paragraphs[1][1]
    assert paragraphs[2][1].startswith("Quotes were redacted")
    headings = [(s, t) for s, t in paragraphs if s.startswith("Heading")]
    assert headings == [
        ("Heading 1", "Harms"), ("Heading 2", "Bladder problems"),
        ("Heading 1", "Support"), ("Heading 2", "GP visits"),
    ]  # fmt: skip
    at = paragraphs.index(("Heading 2", "Bladder problems"))
    assert paragraphs[at + 1] == (
        "Normal",
        'Urinary pain & "K bladder", 100% of the time {really}.',
    )
    quotes = [t for s, t in paragraphs if s == "Quote"]
    attributions = [t for s, t in paragraphs if s == "Quote Attribution"]
    assert quotes == frame["quote"].tolist()
    assert attributions == ["— " + a for a in frame["attribution"]]
    assert paragraphs[at + 2][0] == "Quote" and paragraphs[at + 3][0] == "Quote Attribution"
    props = document.core_properties
    assert props.created == props.modified and props.created.year == 1980


def test_latex_escapes_everything(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["bladder", "gp"], per_code=10, min_words=3)
    tex = render_quotes(frame, book, "tex")
    assert isinstance(tex, str)
    assert (
        r"I saw a doctor who charged 50\% \& said \$5 \#1 \{fine\} \textasciitilde{}ok"
        r"\textasciicircum{} \textbackslash{}\textbackslash{} under\_score x.\par"
    ) in tex
    assert r"Urinary pain \& ``K bladder'', 100\% of the time \{really\}." not in tex
    assert r"Urinary pain \& " in tex and r"100\% of the time \{really\}." in tex
    assert r"\section{Harms}" in tex and r"\subsection{Bladder problems}" in tex
    assert r"\section{Support}" in tex and r"\subsection{GP visits}" in tex
    assert r"\subsection{Cramps}" not in tex  # only the codes asked for, and their themes
    body = tex.split(r"\begin{document}")[1]
    for line in body.splitlines():
        assert not re.search(r"(?<!\\)[%&$#_]", line), line
    assert tex.count(r"\begin{quote}") == len(frame) == tex.count(r"\end{quote}")


def test_markdown_html_and_csv(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["gp"], per_code=10, min_words=3)
    md = render_quotes(frame, book, "md")
    assert md.startswith("# Quotes: Quote test book\n")
    assert "## Support\n\nHelp from services.\n\n### GP visits\n\nSeeing a doctor.\n" in md
    assert "> — (P901, Asia, 45+)" in md
    assert r"under\_score" in md and r"\[REDACTED-EMAIL\]" in md
    assert escape_markdown("# not a heading *or* <b>") == r"\# not a heading \*or\* \<b\>"
    page = render_quotes(frame, book, "html")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"\b(?:src|href)=|<script|<link", page)
    assert "50% &amp; said" in page and "{fine}" in page
    assert "<h2" in page and "GP visits</h3>" in page and "Quotes were redacted" in page
    rows = list(csv.DictReader(io.StringIO(render_quotes(frame, book, "csv"))))
    assert [r["id"] for r in rows] == frame["id"].tolist()
    assert set(rows[0]) == {
        "code", "label", "id", "group", "question", "quote", "attribution", "redacted",
        "redactions",
    }  # fmt: skip
    assert {r["redacted"] for r in rows} == {"True"}


def test_no_quotes_and_not_redacted_notes(coding, book) -> None:
    frame = select_quotes(coding, book, codes=["cramps"], min_words=50, redact=False)
    assert frame.empty
    md = render_quotes(frame, book, "md")
    assert "*No quote met the criteria.*" in md and "Quotes are not redacted." in md


def test_same_seed_same_bytes_every_format(coding, book) -> None:
    for fmt in ("md", "tex", "docx", "html", "csv"):
        first = render_quotes(select_quotes(coding, book, by="region", seed=7), book, fmt)
        second = render_quotes(select_quotes(coding, book, by="region", seed=7), book, fmt)
        assert first == second, fmt


# --- the command


def test_cli_end_to_end(made: tuple[Path, Path], tmp_path: Path) -> None:
    outdir, book_path = made
    runner = CliRunner()
    result = runner.invoke(app, ["quotes", str(outdir), "--code", "bladder", "--by", "region"])
    assert result.exit_code == 0, result.output
    assert "### Bladder problems" in result.stdout and result.stdout.count("> — (") == 3
    again = runner.invoke(app, ["quotes", str(outdir), "--code", "bladder", "--by", "region"])
    assert again.stdout == result.stdout
    names = tmp_path / "names.txt"
    names.write_text("Jane Smith\n", encoding="utf-8")
    for suffix in ("md", "tex", "docx", "html", "csv"):
        target = tmp_path / f"q.{suffix}"
        args = ["quotes", str(outdir), "-o", str(target), "--seed", "3", "--per-code", "2"]
        result = runner.invoke(app, [*args, "--redact-names", str(names)])
        assert result.exit_code == 0, result.output
        first = target.read_bytes()
        runner.invoke(app, [*args, "--redact-names", str(names)])
        assert target.read_bytes() == first, suffix
    assert b"[REDACTED-NAME]" in (tmp_path / "q.csv").read_bytes()
    assert docx.Document(tmp_path / "q.docx").paragraphs[0].text == "Quotes: Quote test book"
    plain = runner.invoke(
        app, ["quotes", str(outdir), "--code", "gp", "--no-redact", "-f", "csv",
              "--codebook", str(book_path), "--attribution", "{id}", "--per-code", "9"],
    )  # fmt: skip
    assert plain.exit_code == 0 and "jo+k@mail.example.org" in plain.stdout
    assert ",P901,False," in plain.stdout


def test_cli_errors(made: tuple[Path, Path], tmp_path: Path) -> None:
    outdir, _ = made
    runner = CliRunner()

    def code_of(*args: str) -> str:
        result = runner.invoke(app, ["quotes", str(outdir), *args])
        assert result.exit_code == 1, result.output
        return re.search(r"error (E\d{3})", result.output).group(1)

    assert code_of("-f", "docx") == "E653"
    assert code_of("-o", str(tmp_path / "quotes.txt")) == "E655"
    assert code_of("--redact-names", str(tmp_path / "nope.txt")) == "E654"
    assert code_of("--attribution", "({id}, {regon})") == "E651"
    assert code_of("--attribution", "{id") == "E652"
    assert code_of("--code", "nope") == "E501"
    assert code_of("-o", str(outdir / "coded.csv")) == "E402"
    assert code_of("--codebook", str(tmp_path / "missing.yaml")) == "E101"
    moved = tmp_path / "moved"
    moved.mkdir()
    for name in ("coded.csv", "segments.csv", "summary.csv", "manifest.json"):
        (moved / name).write_bytes((outdir / name).read_bytes())
    text = (moved / "manifest.json").read_text(encoding="utf-8")
    (moved / "manifest.json").write_text(
        re.sub(r'"path": "[^"]*book\.yaml"', '"path": "gone/book.yaml"', text), encoding="utf-8"
    )
    result = runner.invoke(app, ["quotes", str(moved)])
    assert result.exit_code == 1 and "E656" in result.output
    usage = runner.invoke(app, ["quotes", str(outdir), "--min-words", "9", "--max-words", "5"])
    assert usage.exit_code == 2


def test_the_same_words_are_quoted_once(book) -> None:
    texts = ["My bladder hurts every single day now."] * 3 + [
        "MY BLADDER hurts, every single day now!"
    ]
    texts.append("The bladder pain keeps me awake at night.")
    frame = pd.DataFrame({"pid": [f"R{i}" for i in range(5)], "answer": texts})
    coding = qualcode.code(frame, book, text="answer", id="pid")
    quotes = select_quotes(coding, book, codes=["bladder"], per_code=5)
    assert len(quotes) == 2 and quotes["quote"].str.contains("awake").sum() == 1
