"""The HTML report of the bundled example, rendered in a real headless Chromium.

Looks at the page as a person would: a full-page screenshot that is not blank, no console
errors or warnings, nothing loaded from outside the file, every code's section shown and
every chart drawn, nothing sticking out sideways. Skips (with the reason) only where
Chromium or chromedriver is missing, and not under CI: ``.ci/run`` installs both.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli import app

from .browser import Browser, headless_chromium, pixel_stats

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"
SURVEY = ROOT / "examples" / "ketamine_survey.csv"
KEEP_SCREENSHOT = Path("/tmp/qualcode-report-screenshot.png")

runner = CliRunner()


@pytest.fixture(scope="module")
def chromium():
    with headless_chromium() as browser:
        yield browser


def outside_requests(browser: Browser, page_url: str) -> list[str]:
    """What the page requested besides itself: data: URLs aside, a self-contained page has none.

    Both the DevTools network requests (which see file: URLs) and the resource timings
    (which see network loads) are looked at.
    """
    urls = browser.requests(page_url) + browser.resources()
    return sorted({url for url in urls if url != page_url and not url.startswith("data:")})


def assert_not_blank(png: Path, *, min_colours: int = 16, max_background: float = 0.97) -> None:
    stats = pixel_stats(png)
    assert stats.width > 0 and stats.height > 0
    assert stats.distinct_colours >= min_colours, (
        f"screenshot {png} looks blank: only {stats.distinct_colours} distinct colours"
    )
    assert stats.background_fraction < max_background, (
        f"screenshot {png} looks blank: {stats.background_fraction:.1%} of its pixels are the"
        f" background colour {stats.background}"
    )


# -- the harness itself, on pages written here: a good one and a broken one ---------------

GOOD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qualcode report: harness check</title>
<style>body{font-family:sans-serif;margin:2rem;background:#fff;color:#222}
section{margin:1rem 0;padding:1rem;border:1px solid #ccc}</style></head>
<body><h1>Harness check</h1>
<section id="overview"><h2>Overview</h2><p>%(text)s</p></section>
<section id="code-alpha"><h3>Alpha</h3>
<figure class="chart"><svg viewBox="0 0 200 100" width="400" height="200">
<rect x="0" y="10" width="150" height="30" fill="#1f77b4"/>
<rect x="0" y="60" width="80" height="30" fill="#ff7f0e"/></svg></figure></section>
<section id="code-beta"><h3>Beta</h3><p>%(text)s</p></section>
</body></html>
"""

BROKEN_PAGE = """<!doctype html>
<html><head><title>broken</title><script>console.error("boom");</script></head>
<body><img src="missing-picture.png" alt=""><p id="wide"><code>%s</code></p></body></html>
"""


def test_harness_on_a_static_page(chromium: Browser, tmp_path: Path) -> None:
    page = tmp_path / "good.html"
    page.write_text(GOOD_PAGE % {"text": "Some words about the codes. " * 40}, encoding="utf-8")
    url = chromium.open(page)
    assert chromium.console_problems() == []
    assert outside_requests(chromium, url) == []
    assert chromium.driver.title.startswith("qualcode report")
    for code in ("alpha", "beta"):
        section = chromium.driver.find_element("id", f"code-{code}")
        assert section.tag_name == "section" and section.is_displayed()
        assert section.find_element("tag name", "h3").text.strip()
    svg = chromium.driver.find_element("css selector", "figure.chart svg")
    box = chromium.bounding_box(svg)
    assert box["width"] == 400 and box["height"] == 200
    shot = chromium.full_page_screenshot(tmp_path / "good.png")
    assert_not_blank(shot)
    assert pixel_stats(shot).width == 1280

    assert chromium.overflowing() == []

    # The checks are not vacuous: blank, erring, missing a file and sticking out all show.
    blank = tmp_path / "blank.html"
    blank.write_text("<!doctype html><title>t</title><body></body>", encoding="utf-8")
    chromium.open(blank)
    with pytest.raises(AssertionError, match="looks blank"):
        assert_not_blank(chromium.full_page_screenshot(tmp_path / "blank.png"))
    broken = tmp_path / "broken.html"
    broken.write_text(BROKEN_PAGE % ("x" * 400), encoding="utf-8")
    url = chromium.open(broken)
    problems = chromium.console_problems()
    assert any("boom" in p for p in problems), problems
    assert any("missing-picture.png" in p for p in problems), problems
    assert [u.rsplit("/", 1)[-1] for u in outside_requests(chromium, url)] == [
        "missing-picture.png"
    ]
    assert chromium.overflowing()[0].startswith("#wide code")


# -- the real report ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The bundled example coded, and its HTML report by region: (report path, code ids)."""
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "out"
    result = runner.invoke(app, ["apply", str(CODEBOOK), str(SURVEY), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    html = tmp / "report.html"
    result = runner.invoke(app, ["report", str(out), "--by", "region", "-o", str(html)])
    assert result.exit_code == 0, result.output
    assert html.is_file()
    codes = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["codes"]
    assert codes
    return html, codes


@dataclass
class Opened:
    """The report open in Chromium, with what it logged and requested while loading."""

    browser: Browser
    codes: list[str]
    problems: list[str]
    outside: list[str]


@pytest.fixture(scope="module")
def opened(chromium: Browser, report: tuple[Path, list[str]]) -> Opened:
    html, codes = report
    url = chromium.open(html)
    return Opened(chromium, codes, chromium.console_problems(), outside_requests(chromium, url))


def test_report_has_no_console_errors_and_loads_nothing(opened: Opened) -> None:
    assert opened.problems == []
    assert opened.outside == [], "the report must be self-contained"


def test_report_shows_every_code(opened: Opened) -> None:
    browser, codes = opened.browser, opened.codes
    driver = browser.driver
    assert driver.title.startswith("qualcode report"), driver.title
    assert driver.find_element("id", "overview").tag_name == "section"
    for code in codes:
        found = driver.find_elements("id", f"code-{code}")
        assert found, f"no section#code-{code}"
        section = found[0]
        assert section.tag_name == "section", f"#code-{code} is a <{section.tag_name}>"
        assert section.is_displayed(), f"section#code-{code} is not displayed"
        headings = section.find_elements("tag name", "h3")
        assert headings and headings[0].text.strip(), f"section#code-{code} has no h3 text"
    assert len(browser.visible_text()) > 2000


def test_report_draws_every_chart(opened: Opened) -> None:
    browser = opened.browser
    figures = browser.driver.find_elements("css selector", "figure.chart")
    assert figures, "the report has no figure.chart"
    for i, figure in enumerate(figures):
        svgs = figure.find_elements("tag name", "svg")
        assert svgs, f"figure.chart #{i} has no svg"
        box = browser.bounding_box(svgs[0])
        assert box["width"] > 0 and box["height"] > 0, f"figure.chart #{i} svg box {box}"


def test_report_screenshot_is_not_blank(opened: Opened, tmp_path: Path) -> None:
    browser = opened.browser
    shot = browser.full_page_screenshot(tmp_path / "report.png")
    if os.environ.get("QUALCODE_KEEP_SCREENSHOT"):
        shutil.copyfile(shot, KEEP_SCREENSHOT)
    stats = pixel_stats(shot)
    assert stats.width >= 1280
    assert stats.height >= 2000, f"a report of the whole example is taller than {stats.height}px"
    assert_not_blank(shot, min_colours=64, max_background=0.97)


def test_report_fits_the_window_width(opened: Opened) -> None:
    """Nothing makes a person scroll sideways: long rules and quotes wrap, wide tables
    scroll inside their own box."""
    browser = opened.browser
    widths = browser.script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], (
        f"the page is {widths[0]}px wide in a {widths[1]}px window; sticking out:"
        f" {browser.overflowing()}"
    )
