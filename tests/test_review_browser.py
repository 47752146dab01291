"""The review workbench end to end: the real server started as `qualcode review` in a
subprocess, driven in headless Chromium with the keyboard, killed with SIGKILL, restarted,
and every decision checked in review.sqlite, in `qualcode finalize`'s folder and in the gold
table `qualcode agree` reads. Plus the security rules (token, Host, Origin, CSP) and
hostile answers rendered inert in the real browser.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.cli import app

from .browser import Browser, headless_chromium

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"
SURVEY = ROOT / "examples" / "ketamine_survey.csv"
SCREENSHOTS = Path(os.environ.get("QUALCODE_REVIEW_SCREENSHOTS", "/tmp/qualcode-review-shots"))
HOSTILE = [
    "<script>window.__pwned = 1</script> my bladder hurts",
    '<img src=x onerror="window.__pwned = 2"> cravings all day',
    '"><svg onload="window.__pwned = 3"> felt judged',
    '<a href="javascript:window.__pwned = 4">click</a> k bladder',
]
runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled survey (first 60 respondents, four with hostile answers), applied."""
    tmp = tmp_path_factory.mktemp("review")
    frame = pd.read_csv(SURVEY, dtype=str, keep_default_na=False).head(60)
    for i, text in enumerate(HOSTILE):
        frame.loc[50 + i, "q1_harms"] = text
    frame.to_csv(tmp / "answers.csv", index=False)
    out = tmp / "out"
    result = runner.invoke(app, ["apply", str(CODEBOOK), str(tmp / "answers.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


class Server:
    """`qualcode review` running in a subprocess; `url` is what it printed."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url
        self.base, _, query = url.partition("/?")
        self.token = query.removeprefix("token=")

    def get(self, path: str, *, token: bool = True, headers: dict | None = None) -> int:
        sep = "&" if "?" in path else "?"
        url = self.base + path + (f"{sep}token={self.token}" if token else "")
        return _status(urllib.request.Request(url, headers=headers or {}))

    def post(self, path: str, body: dict, *, headers: dict | None = None) -> tuple[int, dict]:
        hdrs = {"Content-Type": "application/json", "X-Qualcode-Token": self.token,
                "Origin": self.base}  # fmt: skip
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        req = urllib.request.Request(
            self.base + path, data=json.dumps(body).encode(), headers=hdrs, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {}


def _status(req: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@contextmanager
def serve(folder: Path, *args: str) -> Iterator[Server]:
    """Start `qualcode review FOLDER --no-browser --port 0 ARGS`; stop it (if alive) after."""
    cmd = [sys.executable, "-m", "qualcode", "review", str(folder), "--no-browser",
           "--port", "0", *args]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "open http" in line:
            break
    else:
        proc.wait()
        raise AssertionError("the server did not start:\n" + "".join(lines))
    url = lines[-1].split("open ", 1)[1].strip()
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain the pipe
    try:
        yield Server(proc, url)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with headless_chromium(window=(1280, 1000)) as browser:
        yield browser


def wait(browser: Browser, script: str, timeout: float = 10) -> object:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser.driver, timeout, poll_frequency=0.02).until(
        lambda d: d.execute_script(script)
    )


def keys(browser: Browser, *sequence: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser.driver).send_keys(*sequence).perform()


def rows(folder: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(folder / "review.sqlite")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_keyboard_review_survives_sigkill_and_reaches_finalize_and_agree(
    folder: Path, chromium: Browser, tmp_path: Path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(folder, "--coder", "ann") as server:
        chromium.driver.get(server.url)
        assert "Bladder" in chromium.visible_text()
        chromium.full_page_screenshot(SCREENSHOTS / "home.png", max_height=1600)
        # by code: 30 decisions with the keyboard only (a, r, j, u)
        chromium.driver.get(server.base + "/code/cravings")
        n_items = chromium.script("return document.querySelectorAll('.hit').length")
        assert n_items >= 30
        for i in range(30):
            keys(chromium, "a" if i % 3 else "r")
            wait(chromium, f"return document.querySelectorAll('.hit.accept, .hit.reject').length"
                           f" === {i + 1}")  # fmt: skip
        keys(chromium, "u")  # undo the 30th (an accept)
        wait(chromium, "return document.querySelectorAll('.hit.accept, .hit.reject').length"
                       " === 29")  # fmt: skip
        chromium.full_page_screenshot(SCREENSHOTS / "by-code.png", max_height=1600)
        assert chromium.console_problems() == []
        # by answer: toggle a code with its number key, code a selection, memo, done
        chromium.driver.get(server.base + "/answer/2")
        first = "document.querySelector('section.answer')"
        codes = chromium.script(
            f"return Array.from({first}.querySelectorAll('.toggle')).map(b => b.dataset.code)"
        )
        stigma = codes.index("stigma") + 1
        assert stigma > 9  # not on a number key: coded through the list and `c`
        pressed = chromium.script(f"return {first}.querySelectorAll('.toggle')[1].ariaPressed")
        keys(chromium, "2")  # bladder (the second code) on or off for the whole answer
        wait(chromium, f"return {first}.querySelectorAll('.toggle')[1].ariaPressed !== "
                       f"'{pressed}'")  # fmt: skip
        question = chromium.script(f"return {first}.dataset.question")
        # select "the first five characters" of the answer, as a mouse drag would
        chromium.script(
            f"var t = {first}.querySelector('.text span').firstChild;"
            "var r = document.createRange(); r.setStart(t, 0); r.setEnd(t, 5);"
            "var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);"
        )
        chromium.script(f"{first}.querySelector('.code-pick').value = 'stigma'")
        keys(chromium, "c")
        wait(chromium, "return document.getElementById('status').textContent"
                       ".indexOf('stigma on 0-5') >= 0")  # fmt: skip
        wait(chromium, f"return {first}.querySelector('.text .seg[title*=stigma]') !== null")
        keys(chromium, "m")
        wait(chromium, "return document.getElementById('memo-dialog').open")
        keys(chromium, "Shaky <b>answer</b>, check with Bob")
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        chord = ActionChains(chromium.driver).key_down(Keys.CONTROL).send_keys(Keys.ENTER)
        chord.key_up(Keys.CONTROL).perform()
        wait(chromium, "return document.getElementById('status').textContent === 'memo saved'")
        keys(chromium, "d")
        wait(chromium, f"return {first}.classList.contains('done')")
        chromium.full_page_screenshot(SCREENSHOTS / "by-answer.png", max_height=1600)
        assert chromium.console_problems() == []
        text2 = chromium.script(f"return {first}.querySelector('.text').textContent")
        shown = rows(folder, "SELECT COUNT(*) FROM decisions WHERE coder = 'ann'")[0][0]
        server.proc.send_signal(signal.SIGKILL)  # nothing shown as saved may be lost
        server.proc.wait()
    assert shown == 30 + 1 + 1 + 1 + 1  # 30 hits, the undo, a toggle, a span, done
    latest = rows(folder, "SELECT code, start, \"end\", decision, respondent FROM decisions d"
                          " WHERE id = (SELECT MAX(id) FROM decisions e WHERE e.coder = d.coder"
                          " AND e.respondent = d.respondent AND e.question = d.question AND"
                          " e.code = d.code AND e.start = d.start AND e.\"end\" = d.\"end\")"
                          " AND decision != 'clear' AND code = 'cravings'")  # fmt: skip
    assert len(latest) == 29
    span = rows(folder, "SELECT respondent, question, start, \"end\", match FROM decisions"
                        " WHERE code = 'stigma'")  # fmt: skip
    assert span == [("P002", question, 0, 5, text2[:5])]
    assert rows(folder, "SELECT kind, text FROM memos") == [
        ("answer", "Shaky <b>answer</b>, check with Bob")
    ]
    # restarted: the page shows every decision again, the memo escaped
    with serve(folder, "--coder", "ann") as server:
        chromium.driver.get(server.url)
        chromium.driver.get(server.base + "/code/cravings")
        assert chromium.script("return document.querySelectorAll('.hit.accept').length") == 19
        assert chromium.script("return document.querySelectorAll('.hit.reject').length") == 10
        chromium.driver.get(server.base + "/answer/2")
        assert "Shaky <b>answer</b>" in chromium.visible_text()
        # a manual span by keyboard only: `w` word cursor, → move, shift+→ extend, Enter
        chromium.driver.get(server.base + "/answer/3")
        first = "document.querySelector('section.answer')"
        text3 = chromium.script(f"return {first}.querySelector('.text').textContent")
        question3 = chromium.script(f"return {first}.dataset.question")
        pick = chromium.script(f"return {first}.querySelector('.code-pick').value")
        keys(chromium, "w", Keys.ARROW_RIGHT)
        shift = ActionChains(chromium.driver).key_down(Keys.SHIFT).send_keys(Keys.ARROW_RIGHT)
        shift.key_up(Keys.SHIFT).perform()
        words = [m.span() for m in re.finditer(r"\w+(?:['\u2019]\w+)*", text3)]
        start, end = words[1][0], words[2][1]
        assert chromium.script("return window.getSelection().toString()") == text3[start:end]
        keys(chromium, Keys.ENTER)
        wait(chromium, "return document.getElementById('status').textContent"
                       f".indexOf('{pick} on {start}-{end}') >= 0")  # fmt: skip
        wait(chromium, f"return {first}.querySelector('.text .seg[title*={pick}]') !== null")
        assert chromium.console_problems() == []
    assert rows(folder, "SELECT respondent, question, code, start, \"end\", match, decision"
                        " FROM decisions WHERE respondent = 'P003' AND start >= 0"
                        " AND coder = 'ann'") == [
        ("P003", question3, pick, start, end, text3[start:end], "add")
    ]  # fmt: skip
    # finalize and agree read every decision
    final = tmp_path / "final"
    result = runner.invoke(app, ["finalize", str(folder), "-o", str(final)])
    assert result.exit_code == 0, result.output
    prov = pd.read_csv(final / "provenance.csv", dtype=str, keep_default_na=False)
    assert prov.loc[1, "stigma"] in ("human-added", "human-accepted")
    assert (prov["cravings"] == "human-rejected").sum() >= 1
    gold = pd.read_csv(final / "gold.csv", dtype=str, keep_default_na=False)
    assert set(zip(gold["id"], gold["question"])) >= {("P002", question)}
    assert gold.set_index(["id", "question"]).loc[("P002", question), "stigma"] == "1"
    result = runner.invoke(app, ["agree", str(final / "gold.csv"), str(final)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["summary", str(final)])
    assert result.exit_code == 0, result.output


def test_every_route_needs_the_token_the_host_and_the_origin(folder: Path) -> None:
    with serve(folder, "--coder", "sec") as server:
        routes = ["/", "/code/bladder", "/answer/1", "/uncoded", "/search?q=k",
                  "/static/review.js", "/static/codes.css", "/nope"]  # fmt: skip
        for route in routes:
            assert server.get(route, token=False) == 403, route
        for route in routes[:-1]:
            assert server.get(route) == 200, route
        assert server.get("/", headers={"Host": "evil.example:80"}) == 403
        body = {"row": 1, "question": "q1_harms", "code": "bladder", "decision": "add"}
        assert server.post("/api/decide", body, headers={"X-Qualcode-Token": None})[0] == 403
        assert server.post("/api/decide", body, headers={"Origin": "http://evil.example"})[0] == 403
        assert server.post("/api/decide", body, headers={"Origin": None})[0] == 403
        assert server.post("/api/decide", body, headers={"X-Qualcode-Token": "x" * 32})[0] == 403
        assert server.post("/api/decide", {**body, "code": "nope"})[0] == 400
        assert server.post("/api/decide", {**body, "start": 0, "end": 10**6})[0] == 400
        status, saved = server.post("/api/decide", body)
        assert status == 200 and saved["decision"] == "add"
    assert rows(folder, "SELECT coder, code FROM decisions WHERE coder = 'sec'") == [
        ("sec", "bladder")
    ]


def test_hostile_answers_stay_inert_in_the_browser(folder: Path, chromium: Browser) -> None:
    with serve(folder, "--coder", "x") as server:
        chromium.driver.get(server.url)
        for row in range(51, 55):
            chromium.driver.get(f"{server.base}/answer/{row}")
            assert chromium.script("return window.__pwned === undefined")
            assert chromium.script("return document.querySelectorAll('.text script, .text img,"
                                   " .text svg, .text a').length") == 0  # fmt: skip
            assert HOSTILE[row - 51] in chromium.visible_text()
        chromium.driver.get(server.base + "/search?q=pwned&mode=regex")
        assert chromium.script("return window.__pwned === undefined")
        assert "4 hits" in chromium.visible_text()
        # a word matches its inflections, as `qualcode kwic` does: "craving" finds "cravings"
        chromium.driver.get(server.base + "/search?q=craving&mode=word")
        assert chromium.script("return window.__pwned === undefined")
        marks = chromium.script(
            "return Array.from(document.querySelectorAll('.hit')).map(h => [h.dataset.row,"
            " h.dataset.start, h.dataset.end, h.querySelector('mark').textContent])"
        )
        assert ["52", "41", "49", "cravings"] in marks  # the hostile answer, after its <img>
        assert all(m.lower().startswith("craving") for *_, m in marks)
        assert chromium.console_problems() == []


def test_two_coders_at_once_and_blind_mode(folder: Path, chromium: Browser, tmp_path: Path):
    sheet = tmp_path / "sheet.xlsx"
    result = runner.invoke(app, ["sample", str(folder), "-n", "5", "-o", str(sheet)])
    assert result.exit_code == 0, result.output
    with (
        serve(folder, "--coder", "bea", "--blind", str(sheet)) as blind,
        serve(folder, "--coder", "cy") as other,
    ):
        # blind: the machine's codes are not in the DOM
        chromium.driver.get(blind.url)
        assert "blind mode" in chromium.visible_text()
        chromium.script("document.querySelector('.item a').click()")
        wait(chromium, "return document.body.dataset.page === 'answer'")
        assert chromium.script("return document.querySelectorAll('.seg').length") == 0
        assert chromium.script("return document.querySelectorAll('.toggle.on').length") == 0
        keys(chromium, "1")
        wait(chromium, "return document.querySelectorAll('.toggle.on').length > 0")

        # the two servers take decisions at the same time
        def hammer(server, code):
            for row in range(1, 21):
                body = {"row": row, "question": "q2_treatment", "code": code, "decision": "add"}
                assert server.post("/api/decide", body)[0] == 200

        threads = [threading.Thread(target=hammer, args=(s, c))
                   for s, c in ((blind, "barriers"), (other, "satisfied"))]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    counts = dict(rows(folder, "SELECT coder, COUNT(*) FROM decisions WHERE coder IN ('bea',"
                               " 'cy') GROUP BY coder"))  # fmt: skip
    assert counts == {"bea": 21, "cy": 20}
    assert rows(folder, "SELECT DISTINCT blind FROM decisions WHERE coder = 'bea'") == [(1,)]
    assert rows(folder, "SELECT DISTINCT blind FROM decisions WHERE coder = 'cy'") == [(0,)]


def test_bad_input_is_a_clear_error(folder: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["review", str(tmp_path), "--no-browser"])
    assert result.exit_code == 1 and "E404" in result.output
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        result = runner.invoke(app, ["review", str(folder), "--no-browser", "--port", str(port)])
    finally:
        busy.close()
    assert result.exit_code == 1 and "E801" in result.output and "in use" in result.output
    broken = tmp_path / "broken"
    import shutil

    shutil.copytree(folder, broken)
    (broken / "review.sqlite").write_bytes(b"garbage" * 1000)
    for f in ("review.sqlite-wal", "review.sqlite-shm"):
        (broken / f).unlink(missing_ok=True)
    result = runner.invoke(app, ["review", str(broken), "--no-browser", "--port", "0"])
    assert result.exit_code == 1 and "E803" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["finalize", str(tmp_path)])
    assert result.exit_code == 1 and "E404" in result.output


def test_a_blind_sample_drawn_in_the_app_hides_the_machine(folder: Path) -> None:
    with serve(folder, "--coder", "dee", "--blind-sample", "4", "--seed", "7") as server:
        with urllib.request.urlopen(server.url, timeout=10) as resp:
            home = resp.read().decode()
        found = re.findall(r'data-href="/answer/(\d+)"', home)
        assert home.count('class="item') == 4 and "blind mode" in home
        assert server.get("/code/bladder") == 200 and server.get("/uncoded") == 200  # -> "/"
        with urllib.request.urlopen(f"{server.base}/uncoded?token={server.token}") as resp:
            assert "/?token=" in resp.url and "Uncoded answers" not in resp.read().decode()
        for row in sorted(set(found)):
            url = f"{server.base}/answer/{row}?token={server.token}"
            with urllib.request.urlopen(url, timeout=10) as resp:
                page = resp.read().decode()
            assert 'class="seg' not in page and "toggle sw" in page and ' on"' not in page
