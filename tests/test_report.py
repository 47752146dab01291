"""`qualcode report`: one self-contained HTML page (parsed here with html.parser; the
browser checks are in test_report_browser.py)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode
from qualcode import QualcodeError
from qualcode.cli import app
from qualcode.export.report import (
    default_output,
    render_report,
    top_rules,
    uncoded_sample,
    write_report,
)

CODEBOOK = """\
name: Report test book
version: "3.1"
codes:
  - id: harms
    label: Harms
    definition: Damage the respondent attributes to use.
    codes:
      - id: bladder
        label: Bladder problems
        definition: Urinary pain and "K bladder".
        include: Pain when passing urine.
        exclude: Kidney pain.
        match: [bladder, "k bladder"]
      - id: cramps
        label: Cramps <b>& pains</b>
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

HOSTILE = "<script>alert(1)</script>"
REGIONS = ["Europe", "Asia", "Africa"]


def answers() -> pd.DataFrame:
    rows = []
    for i in range(1, 31):
        text = f"My bladder has been really bad for {i} long years now."
        if i % 3 == 0:
            text += f" I saw a doctor about it in year {i} of my use."
        if i % 4 == 0:
            text += " I never had any bladder pain at the start though."
        rows.append({"pid": f"P{i:03d}", "region": REGIONS[i % 3], "answer": text})
    rows.append(
        {
            "pid": "P100",
            "region": "Asia",
            "answer": f"The cramps are awful {HOSTILE} every single morning.",
        }
    )
    rows.append(
        {
            "pid": "P101",
            "region": "Europe",
            "answer": f"Nothing to say here {HOSTILE} at all, mail me at jo@example.org",
        }
    )
    rows.append({"pid": "P102", "region": "", "answer": "Just tired all the time really."})
    rows.append({"pid": "P103", "region": "Asia", "answer": ""})
    return pd.DataFrame(rows)  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("report")
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


@pytest.fixture(scope="module")
def page(coding, book) -> str:
    return render_report(coding, book)


# --- a small DOM from html.parser


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None):
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def find(self, tag: str) -> Node | None:
        return next(self.iter(tag), None)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


VOID = {"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source", "area", "base"}


class Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag) -> None:
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        assert node is self.current, f"</{tag}> closes <{self.current.tag}>"
        self.current = node.parent

    def handle_data(self, data) -> None:
        self.current.children.append(data)


def parse(text: str) -> Node:
    builder = Builder()
    builder.feed(text)
    builder.close()
    assert builder.current is builder.root, "unclosed elements"
    return builder.root


def by_id(root: Node, ident: str) -> Node:
    found = [n for n in root.iter() if n.attrs.get("id") == ident]
    assert len(found) == 1, ident
    return found[0]


# --- the contract


def test_title_sections_and_codes(page: str, book) -> None:
    root = parse(page)
    assert root.find("title").text().startswith("qualcode report")
    assert by_id(root, "overview").tag == "section"
    for code in book.walk():
        section = by_id(root, f"code-{code.id}")
        assert section.tag == "section" and "code" in section.classes
        assert section.find("h3").text() == code.label
        assert code.definition in section.text()
    bladder = by_id(root, "code-bladder").text()
    assert "Pain when passing urine." in bladder and "Kidney pain." in bladder
    ids = [n.attrs["id"] for n in root.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))


def test_overview_numbers_are_the_manifests(page: str, coding) -> None:
    cells = {n.attrs["data-count"]: int(n.text()) for n in by_id(parse(page), "overview").iter()
             if "data-count" in n.attrs}  # fmt: skip
    counts = coding.manifest["counts"]
    for key in ("rows", "answered", "coded_any", "uncoded", "segments"):
        assert cells[key] == counts[key], key
    assert (cells["rows"], cells["answered"], cells["uncoded"]) == (34, 33, 2)
    manifest = [t for t in by_id(parse(page), "overview").iter("table")
                if "manifest" in t.classes][0].text()  # fmt: skip
    assert coding.manifest["codebook"]["sha256"] in manifest
    assert coding.manifest["created_utc"] in manifest


def test_every_chart_has_svg_alt_text_and_data_table(page: str) -> None:
    figures = [f for f in parse(page).iter("figure") if "chart" in f.classes]
    assert len(figures) == 2  # prevalence and co-occurrence
    for figure in figures:
        svg = figure.find("svg")
        assert svg is not None and svg.attrs.get("role") == "img"
        assert svg.attrs.get("aria-label") and svg.attrs.get("viewbox")
        assert [c for c in svg.children if isinstance(c, Node)][0].tag == "title"
        assert figure.find("figcaption").text()
        assert figure.find("table").find("td") is not None
        assert not any("id" in n.attrs for n in svg.iter())  # nothing to clash between charts


def test_self_contained_no_scripts_no_external_urls(page: str) -> None:
    root = parse(page)
    assert root.find("script") is None
    for node in root.iter():
        for name in ("src", "href", "xlink:href", "action", "data"):
            value = node.attrs.get(name)
            assert value is None or value.startswith("#"), (node.tag, name, value)
        assert not any(k.startswith("on") for k in node.attrs), node.tag
    style = root.find("style").text()
    assert "@import" not in style and "url(" not in style
    assert "http://" not in page and "https://" not in page


def test_hostile_text_is_escaped_and_redacted(page: str) -> None:
    assert HOSTILE not in page
    assert "<b>" not in page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    root = parse(page)
    quotes = by_id(root, "code-cramps")
    assert HOSTILE in quotes.find("blockquote").text()  # shown as text, not run
    assert escaped in page.split('id="code-cramps"')[1].split("</section>")[0]
    uncoded = by_id(root, "uncoded")
    assert HOSTILE in uncoded.text() and "[REDACTED-EMAIL]" in uncoded.text()
    assert "jo@example.org" not in page
    assert "Cramps <b>& pains</b>" == quotes.find("h3").text()


def test_rules_quotes_and_uncoded_sample(coding, book, page: str) -> None:
    rules = top_rules(coding)
    seg = coding.segments
    kept = seg[(seg["code"] == "bladder") & ~seg["negated"]]
    hits = int((kept["rule"] == "bladder").sum())
    assert hits == int(rules.query("code == 'bladder' and rule == 'bladder'")["hits"].iloc[0])
    section = by_id(parse(page), "code-bladder")
    first = section.find("table").find("tbody").find("tr")
    assert [td.text() for td in first.iter("td")][:2] == ["bladder", str(hits)]
    assert len(list(section.iter("blockquote"))) == 3
    picked = uncoded_sample(coding, seed=1)
    assert [coding.data["pid"].iat[i] for i in picked] == ["P101", "P102"]
    assert len(uncoded_sample(coding, seed=1, size=1)) == 1
    assert "No quote met the criteria." not in section.text()


def test_by_adds_the_group_chart_and_unknown_column_fails(coding, book) -> None:
    page = render_report(coding, book, by="region")
    root = parse(page)
    section = by_id(root, "by-group")
    figure = section.find("figure")
    assert "chart" in figure.classes and figure.find("svg").attrs["aria-label"]
    header = section.find("table").find("thead").text()
    assert "Europe" in header and "(missing)" in header
    assert len([f for f in root.iter("figure") if "chart" in f.classes]) == 3
    with pytest.raises(QualcodeError) as info:
        render_report(coding, book, by="regoin")
    assert info.value.code == "E304"


def test_deterministic(coding, book, made, tmp_path: Path, monkeypatch) -> None:
    assert render_report(coding, book, by="region") == render_report(coding, book, by="region")
    assert render_report(coding, book, seed=2) != render_report(coding, book, seed=1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    runner = CliRunner()
    outputs = []
    for name in ("a.html", "b.html"):
        result = runner.invoke(app, ["report", str(made[0]), "--by", "region",
                                     "-o", str(tmp_path / name)])  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    assert b"2023-11-14T22:13:20Z" in outputs[0]


def test_cli_default_output_and_refusals(made, tmp_path: Path) -> None:
    outdir, book_path = made
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(outdir)])
    assert result.exit_code == 0, result.output
    assert default_output(outdir) == outdir.parent / "out.report.html"
    assert default_output(outdir).is_file() and not (outdir / "out.report.html").exists()

    def code_of(*args: str) -> str:
        result = runner.invoke(app, ["report", str(outdir), *args])
        assert result.exit_code == 1, result.output
        return result.output

    assert "E402" in code_of("-o", str(outdir / "manifest.json"))
    assert "E402" in code_of("-o", str(book_path))
    assert "E661" in code_of("-o", str(tmp_path))
    assert "E304" in code_of("--by", "nope")
    assert "E101" in code_of("--codebook", str(tmp_path / "missing.yaml"))


def test_missing_recorded_codebook(made, tmp_path: Path) -> None:
    outdir, _ = made
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in outdir.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    manifest = (copy / "manifest.json").read_text(encoding="utf-8")
    (copy / "manifest.json").write_text(
        manifest.replace(str(made[1]), str(tmp_path / "gone.yaml")), encoding="utf-8"
    )
    with pytest.raises(QualcodeError) as info:
        write_report(copy, tmp_path / "r.html")
    assert info.value.code == "E656"
