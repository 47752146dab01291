"""A small harness for looking at a page the way a person would: headless Chromium.

Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them when
missing), driven through Selenium with ``/usr/bin/chromedriver``. Nothing is downloaded:
Selenium Manager is never asked for a driver or a browser, and Chromium's own background
networking is switched off, so whatever a page requests is its own doing: it shows in the
DevTools network events (file: URLs too), in the resource timings (network loads) and, when
it fails, in the console log.

Use :func:`headless_chromium` as a context manager; it skips the calling test (with the
reason) when the browser, its driver or Selenium is not installed, except under CI
(``CI`` set), where ``.ci/run`` installs them and their absence is a failure.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The real browser binary first: /usr/bin/chromium is a shell wrapper that only adds flags.
BROWSER_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver",)
INSTALL_HINT = "apt-get install -y --no-install-recommends chromium chromium-driver"
WINDOW = (1280, 2000)
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--lang=en-GB",
)


def _first_existing(candidates: tuple[str, ...], name: str) -> str | None:
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def find_chromium() -> tuple[str, str]:
    """Paths of the Chromium binary and of chromedriver, or skip the test saying why."""
    browser = _first_existing(BROWSER_CANDIDATES, "chromium")
    driver = _first_existing(DRIVER_CANDIDATES, "chromedriver")
    missing = [name for name, path in (("chromium", browser), ("chromedriver", driver)) if not path]
    if missing:
        reason = f"headless browser test needs {' and '.join(missing)} ({INSTALL_HINT})"
        if os.environ.get("CI"):  # .ci/run installs both: a skip there would hide the test
            pytest.fail(f"{reason}; .ci/run should have installed it")
        pytest.skip(reason)
    assert browser and driver
    return browser, driver


@dataclass
class Browser:
    """A running headless Chromium and the helpers the tests use on it."""

    driver: Any  # selenium.webdriver.Chrome

    def open(self, path: Path) -> str:
        """Load a local file (after dropping earlier log entries) and return its URL.

        ``get`` returns once the document's readyState is 'complete', that is after its
        images, stylesheets and scripts have loaded or failed.
        """
        self.driver.get_log("browser")
        self.driver.get_log("performance")
        url = Path(path).resolve().as_uri()
        self.driver.get(url)
        return url

    def script(self, source: str, *args: Any) -> Any:
        return self.driver.execute_script(source, *args)

    def console(self) -> list[dict[str, Any]]:
        """Browser log entries since the last call (level, message, source, timestamp)."""
        return list(self.driver.get_log("browser"))

    def console_problems(self) -> list[str]:
        """Console messages of level WARNING or SEVERE (errors, failed loads, CSP, ...)."""
        return [
            f"{entry['level']}: {entry['message']}"
            for entry in self.console()
            if entry.get("level") in ("SEVERE", "WARNING")
        ]

    def requests(self, document: str) -> list[str]:
        """URLs the document at ``document`` requested since the last call (itself included).

        From the DevTools Network events in the performance log: unlike resource timings,
        these include file: URLs, found or not. Inline data: URLs are not requests. Requests
        of other documents (the new-tab page still loading at start-up) are left out.
        """
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.requestWillBeSent":
                continue
            params = message["params"]
            if params.get("documentURL") == document:
                urls.append(params["request"]["url"])
        return urls

    def resources(self) -> list[str]:
        """URLs in the page's resource timings (network loads; file: URLs do not appear)."""
        return self.script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
        )

    def visible_text(self) -> str:
        return self.script("return document.body ? document.body.innerText : ''")

    def bounding_box(self, element: Any) -> dict[str, float]:
        return self.script(
            "var r = arguments[0].getBoundingClientRect();"
            " return {x: r.x, y: r.y, width: r.width, height: r.height};",
            element,
        )

    def full_page_screenshot(self, path: Path, max_height: int = 16384) -> Path:
        """The whole page as a PNG, beyond the window's height (CDP captureBeyondViewport).

        As wide as the page's content (wider than the window if something overflows it) and
        as tall, up to ``max_height`` CSS pixels: a taller page is cut there, which keeps the
        capture fast and the PNG small enough to look at.
        """
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width = max(1, int(round(size["width"])))
        height = max(1, min(max_height, int(round(size["height"]))))
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        path = Path(path)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def overflowing(self, limit: int = 10) -> list[str]:
        """Leaf elements sticking out past the window's right edge, in document order (at most
        ``limit``), each with the id of its nearest ancestor that has one, its left and right
        edges: e.g. ``#code-peers code (168-1626px)`` for a line that does not wrap."""
        return self.script(
            """
            var width = document.documentElement.clientWidth, out = [];
            document.querySelectorAll('body *').forEach(function (e) {
              var r = e.getBoundingClientRect();
              if (r.right > width + 1 && e.querySelector('*') === null) {
                var p = e.parentElement, where = e.tagName.toLowerCase();
                while (p && p !== document.body && !p.id) { p = p.parentElement; }
                if (p && p.id) { where = '#' + p.id + ' ' + where; }
                out.push(where + ' (' + Math.round(r.left) + '-' + Math.round(r.right) + 'px)');
              }
            });
            return out.slice(0, arguments[0]);
            """,
            limit,
        )


@contextmanager
def headless_chromium(window: tuple[int, int] = WINDOW) -> Iterator[Browser]:
    """Start headless Chromium and quit it afterwards.

    Console messages are kept in the 'browser' log, DevTools events (network requests)
    in the 'performance' log.
    """
    browser_path, driver_path = find_chromium()
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (test extra)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={window[0]},{window[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    with tempfile.TemporaryDirectory(prefix="qualcode-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        service = Service(executable_path=driver_path, log_output=os.devnull)
        driver = webdriver.Chrome(service=service, options=options)
        try:
            driver.set_page_load_timeout(30)
            yield Browser(driver)
        finally:
            driver.quit()


@dataclass
class PixelStats:
    width: int
    height: int
    distinct_colours: int
    background: tuple[int, ...]
    background_fraction: float


def pixel_stats(png: Path) -> PixelStats:
    """Size, number of distinct colours and share of the commonest (background) colour."""
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    total = rgb.width * rgb.height
    colours = rgb.getcolors(maxcolors=total)  # [(count, (r, g, b)), ...], counted in C
    n_background, background = max(colours)
    return PixelStats(rgb.width, rgb.height, len(colours), background, n_background / total)
