"""The review workbench as an ASGI application (Starlette), served by `qualcode review`.

Security, since answers are written by strangers and the server holds them:

- every request needs the random token: in the URL (``?token=``; the page then also sets an
  HttpOnly, SameSite=Strict cookie so links need not carry it) or that cookie; else 403;
- the Host header must name the address served (DNS rebinding); else 403;
- state changes are POSTs of JSON that carry the token in an ``X-Qualcode-Token`` header and
  an Origin header naming this server (CSRF); else 403;
- every page is rendered with Jinja2 autoescaping, and served with a Content-Security-Policy
  that allows scripts and styles from this server only (no inline script, no inline event
  handlers, nothing from outside);
- the server reads the output folder (and nothing else) and writes only ``review.sqlite``.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from qualcode.review.corpus import ReviewCorpus
from qualcode.review.pages import (
    PAGE,
    Decisions,
    answer_view,
    code_queue,
    progress,
    search,
)
from qualcode.review.store import ANSWER, DECISIONS, WHOLE, ReviewStore, answer_target

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
STATIC = {
    "review.js": "text/javascript",
    "review.css": "text/css",
    "favicon.svg": "image/svg+xml",
}


@dataclass
class Workbench:
    """Everything one server needs: the corpus, the store, the coder, mode and token."""

    corpus: ReviewCorpus
    store: ReviewStore
    coder: str
    token: str
    blind: bool = False
    #: in blind mode, the answers to code (row, question), in sheet order
    sample: list[tuple[int, str]] = field(default_factory=list)
    #: Host header values accepted (host:port); empty accepts any (a --host of 0.0.0.0)
    hosts: set[str] = field(default_factory=set)
    title: str = ""

    def decisions(self) -> Decisions:
        """This coder's current decisions."""
        return Decisions.of(self.store.current(coder=self.coder))

    def cookie(self) -> str:
        """The cookie name (one per port, so two servers on one machine do not clash)."""
        ports = sorted(h.rsplit(":", 1)[-1] for h in self.hosts) or ["any"]
        return f"qualcode_review_{ports[0]}"


class Guard:
    """ASGI middleware: the Host check, the token, the Origin check and security headers."""

    def __init__(self, app: ASGIApp, bench: Workbench) -> None:
        self.app = app
        self.bench = bench

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        problem = self.refuse(request)
        if problem is not None:
            response = Response(f"403 Forbidden: {problem}\n", 403, media_type="text/plain")
            for name, value in HEADERS.items():
                response.headers[name] = value
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for name, value in HEADERS.items():
                    headers.append((name.lower().encode(), value.encode()))
                if request.query_params.get("token"):
                    cookie = (
                        f"{self.bench.cookie()}={self.bench.token}; Path=/; HttpOnly; "
                        "SameSite=Strict"
                    )
                    headers.append((b"set-cookie", cookie.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def refuse(self, request: Request) -> str | None:
        """Why the request is refused, or None."""
        host = request.headers.get("host", "")
        if self.bench.hosts and host not in self.bench.hosts:
            return "unexpected Host header"
        token = self.bench.token
        given = request.query_params.get("token") or request.cookies.get(self.bench.cookie(), "")
        if request.method not in ("GET", "HEAD"):
            given = request.headers.get("x-qualcode-token", "")
            origin = request.headers.get("origin", "")
            if origin != f"http://{host}":
                return "cross-origin request"
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            return "missing or wrong token (open the URL qualcode review printed)"
        return None


def create_app(bench: Workbench) -> ASGIApp:
    """The ASGI application serving `bench` (wrapped in :class:`Guard`)."""
    env = Environment(
        loader=PackageLoader("qualcode.review", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["q"] = lambda value: quote(str(value), safe="")
    corpus = bench.corpus
    code_index = {c.id: i for i, c in enumerate(corpus.codes)}

    def render(name: str, **context: Any) -> HTMLResponse:
        template = env.get_template(name)
        html = template.render(
            bench=bench, corpus=corpus, codes=corpus.codes, code_index=code_index,
            token=bench.token, **context,
        )  # fmt: skip
        return HTMLResponse(html)

    async def home(request: Request) -> Response:
        decisions = bench.decisions()
        if bench.blind:
            done = {
                (d.respondent, d.question) for d in decisions.all if d.code == ANSWER
            }  # fmt: skip
            items = [
                {"row": r, "question": q, "respondent": corpus.respondents[r - 1],
                 "done": (corpus.respondents[r - 1], q) in done,
                 "text": corpus.text(r, q)[:160]}
                for r, q in bench.sample
            ]  # fmt: skip
            return render("blind.html", items=items, n_done=sum(i["done"] for i in items))
        return render("home.html", progress=progress(corpus, decisions))

    async def code_page(request: Request) -> Response:
        if bench.blind:
            return _home(request)
        code = corpus.code(request.path_params["code"])
        if code is None:
            return Response("no such code", 404)
        page = _int(request.query_params.get("page"), 1)
        queue = code_queue(corpus, bench.decisions(), code, page)
        memo = _latest_memo(bench, "code", code.id)
        return render("code.html", code=code, queue=queue, memo=memo)

    async def answer_page(request: Request) -> Response:
        row = _int(request.path_params["row"], 0)
        if not 1 <= row <= corpus.n_rows:
            return Response("no such row", 404)
        decisions = bench.decisions()
        questions = corpus.answered(row) or corpus.questions
        if bench.blind:
            questions = [q for r, q in bench.sample if r == row] or questions
        views = [answer_view(corpus, decisions, row, q, bench.blind) for q in questions]
        for view in views:
            view["memo"] = _latest_memo(
                bench, "answer", answer_target(view["respondent"], view["question"])
            )
        prev_row, next_row = _neighbours(bench, row)
        return render("answer.html", row=row, views=views, prev_row=prev_row, next_row=next_row)

    async def uncoded_page(request: Request) -> Response:
        if bench.blind:  # which answers the machine left uncoded is the machine's coding
            return _home(request)
        rows = corpus.uncoded_rows()
        page = _int(request.query_params.get("page"), 1)
        pages = max(1, -(-len(rows) // PAGE))
        page = min(max(1, page), pages)
        shown = rows[(page - 1) * PAGE : page * PAGE]
        items = [
            {"row": r, "respondent": corpus.respondents[r - 1],
             "texts": [(q, corpus.text(r, q)) for q in corpus.answered(r)]}
            for r in shown
        ]  # fmt: skip
        return render("uncoded.html", items=items, page=page, pages=pages, total=len(rows))

    async def search_page(request: Request) -> Response:
        query = request.query_params.get("q", "")
        mode = request.query_params.get("mode", "word")
        if mode not in ("word", "glob", "regex"):
            mode = "word"
        found, total, problem = search(corpus, query, mode)
        return render(
            "search.html", query=query, mode=mode, found=found, total=total, problem=problem
        )

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "codes.css":
            lines = [
                f".c{i}{{background:{c.colour}}} .sw{i}{{border-left:.9rem solid {c.colour}}}"
                for i, c in enumerate(corpus.codes)
            ]
            return Response("\n".join(lines) + "\n", media_type="text/css")
        if name not in STATIC:
            return Response("not found", 404)
        body = resources.files("qualcode.review").joinpath("static").joinpath(name).read_bytes()
        return Response(body, media_type=STATIC[name])

    async def decide(request: Request) -> Response:
        body = await _json(request)
        if isinstance(body, Response):
            return body
        try:
            row = int(body["row"])
            question = str(body["question"])
            code = str(body.get("code", ""))
            decision = str(body["decision"])
            start = int(body.get("start", WHOLE))
            end = int(body.get("end", WHOLE))
            elapsed = body.get("elapsed_ms")
            elapsed = int(elapsed) if elapsed is not None else None
        except (KeyError, TypeError, ValueError):
            return JSONResponse({"error": "bad request"}, 400)
        if not 1 <= row <= corpus.n_rows or question not in corpus.questions:
            return JSONResponse({"error": "no such answer"}, 400)
        if decision not in DECISIONS or (code != ANSWER and corpus.code(code) is None):
            return JSONResponse({"error": "no such code or decision"}, 400)
        text = corpus.text(row, question)
        sha = corpus.text_hash(row, question)
        if body.get("hash") not in (None, sha):
            return JSONResponse({"error": "the answer changed: reload the page"}, 409)
        if start != WHOLE and not 0 <= start < end <= len(text):
            return JSONResponse({"error": "span outside the answer"}, 400)
        rule = ""
        if start != WHOLE:
            rule = next(
                (h.rule for h in corpus.hits_of_answer(row, question)
                 if (h.code, h.start, h.end) == (code, start, end)), "",
            )  # fmt: skip
        saved = bench.store.decide(
            coder=bench.coder, respondent=corpus.respondents[row - 1], question=question,
            code=code, decision=decision, text_hash=sha, start=start, end=end,
            match=text[start:end] if start != WHOLE else "", rule=rule, row=row,
            codebook_sha256=corpus.codebook_sha256, elapsed_ms=elapsed, blind=bench.blind,
        )  # fmt: skip
        return JSONResponse({"saved": saved.id, "decision": saved.decision})

    async def undo(request: Request) -> Response:
        body = await _json(request)
        if isinstance(body, Response):
            return body
        undone = bench.store.undo(bench.coder)
        if undone is None:
            return JSONResponse({"undone": None})
        return JSONResponse({
            "undone": undone.undoes, "saved": undone.id, "decision": undone.decision,
            "respondent": undone.respondent, "question": undone.question, "code": undone.code,
            "start": undone.start, "end": undone.end,
        })  # fmt: skip

    async def memo(request: Request) -> Response:
        body = await _json(request)
        if isinstance(body, Response):
            return body
        kind = str(body.get("kind", ""))
        target = str(body.get("target", ""))
        text = str(body.get("text", ""))
        if kind not in ("answer", "code", "decision") or not target or len(text) > 100_000:
            return JSONResponse({"error": "bad memo"}, 400)
        saved = bench.store.memo(coder=bench.coder, kind=kind, target=target, text=text)
        return JSONResponse({"saved": saved.id})

    routes = [
        Route("/", home),
        Route("/code/{code}", code_page),
        Route("/answer/{row}", answer_page),
        Route("/uncoded", uncoded_page),
        Route("/search", search_page),
        Route("/static/{name}", static),
        Route("/api/decide", decide, methods=["POST"]),
        Route("/api/undo", undo, methods=["POST"]),
        Route("/api/memo", memo, methods=["POST"]),
    ]
    return Guard(Starlette(routes=routes), bench)


async def _json(request: Request) -> dict[str, Any] | Response:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse({"error": "send JSON"}, 415)
    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"error": "bad JSON"}, 400)
    if not isinstance(body, dict):
        return JSONResponse({"error": "bad JSON"}, 400)
    return body


def _home(request: Request) -> Response:
    """A redirect to the start page (keeping a token given in the URL)."""
    token = request.query_params.get("token")
    return RedirectResponse(f"/?token={quote(token)}" if token else "/", 303)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _latest_memo(bench: Workbench, kind: str, target: str) -> str:
    return bench.store.latest_memo(bench.coder, kind, target)


def _neighbours(bench: Workbench, row: int) -> tuple[int | None, int | None]:
    """The previous and next row to review: in the sample (blind) or in row order."""
    if bench.blind and bench.sample:
        rows = sorted({r for r, _ in bench.sample}, key=[r for r, _ in bench.sample].index)
        if row in rows:
            i = rows.index(row)
            return (rows[i - 1] if i else None), (rows[i + 1] if i + 1 < len(rows) else None)
        return None, rows[0]
    n = bench.corpus.n_rows
    return (row - 1 if row > 1 else None), (row + 1 if row < n else None)
