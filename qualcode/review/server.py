"""Start the review workbench: bind the socket, print the URL, serve with uvicorn until Ctrl-C."""

from __future__ import annotations

import errno
import getpass
import secrets
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from qualcode.errors import Location, QualcodeError
from qualcode.review.corpus import ReviewCorpus
from qualcode.review.store import open_store

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def default_coder() -> str:
    """The login name, as the coder's name when --coder is not given."""
    try:
        return getpass.getuser() or "coder"
    except (KeyError, OSError):
        return "coder"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: any free one); E801 when it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if sys.platform != "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        problem = (
            "the port is in use by another program"
            if exc.errno == errno.EADDRINUSE
            else exc.strerror or str(exc)
        )
        raise QualcodeError("E801", None, host=host, port=port, problem=problem) from None
    sock.set_inheritable(True)
    return sock


def read_blind_sheet(path: str | Path, corpus: ReviewCorpus) -> list[tuple[int, str]]:
    """The answers (row, question) of a `qualcode sample` coding sheet, in sheet order,
    checked against the folder (E807 when the sheet is not one, or not of this folder)."""
    from openpyxl import load_workbook

    path = Path(path)
    try:
        book = load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise QualcodeError("E807", Location(str(path)), path=path, problem=str(exc)) from None
    try:
        sheet = book["coding"] if "coding" in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(v) if v is not None else "" for v in next(rows, ())]
        if header[:3] != ["row", "id", "question"]:
            raise QualcodeError(
                "E807", Location(str(path)), path=path,
                problem="its first columns are not row, id, question",
            )  # fmt: skip
        sample = []
        for n, values in enumerate(rows, start=2):
            if not values or values[0] is None:
                continue
            row, rid, question = int(values[0]), str(values[1]), str(values[2])
            if (
                not 1 <= row <= corpus.n_rows
                or question not in corpus.questions
                or (corpus.respondents[row - 1] != rid)
            ):
                raise QualcodeError(
                    "E807", Location(str(path), row=n), path=path,
                    problem=f"row {row} ({rid}, {question}) is not an answer of this folder",
                )  # fmt: skip
            sample.append((row, question))
    finally:
        book.close()
    return sample


def serve(
    outdir: str | Path,
    *,
    coder: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    open_browser: bool = True,
    blind_sheet: str | Path | None = None,
    blind_sample: int | None = None,
    seed: int = 1,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the workbench over `outdir` until interrupted (Ctrl-C / SIGTERM). Blind mode
    codes the answers of `blind_sheet` (a `qualcode sample` sheet), or a simple random
    sample of `blind_sample` answers drawn here with `seed` (as `qualcode sample -n N`)."""
    import uvicorn

    from qualcode.review.app import Workbench, create_app

    outdir = Path(outdir)
    corpus = ReviewCorpus.open(outdir)
    store = open_store(outdir)
    sample = read_blind_sheet(blind_sheet, corpus) if blind_sheet is not None else []
    if blind_sample is not None and blind_sheet is None:
        from qualcode.analysis.sampling import draw_sample

        drawn = draw_sample(corpus.coding, blind_sample, seed=seed)
        sample = [(int(r), str(q)) for r, q in zip(drawn["row"], drawn["question"])]
    blind = blind_sheet is not None or blind_sample is not None
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    hosts = set() if host in ("0.0.0.0", "::") else {f"{shown}:{actual}"}
    if host in LOOPBACK:
        hosts |= {f"{h}:{actual}" for h in ("127.0.0.1", "localhost", "[::1]")}
    bench = Workbench(
        corpus=corpus, store=store, coder=coder or default_coder(),
        token=secrets.token_urlsafe(24), blind=blind, sample=sample,
        hosts=hosts, title=str((corpus.manifest.get("codebook") or {}).get("name", "")),
    )  # fmt: skip
    url = f"http://{shown}:{actual}/?token={bench.token}"
    config = uvicorn.Config(
        create_app(bench), log_level="warning", access_log=False, lifespan="off",
        timeout_graceful_shutdown=2,
    )  # fmt: skip
    server = uvicorn.Server(config)
    if host not in LOOPBACK:
        echo(f"warning: serving on {host}: anyone who can reach it and has the URL can review")
    echo(f"qualcode review: {outdir} as coder {bench.coder}{' (blind)' if bench.blind else ''}")
    echo(f"  open {url}")
    echo("  press Ctrl-C to stop")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        store.close()
    echo("stopped; every decision is in " + str(outdir / "review.sqlite"))
