"""The decisions store: ``review.sqlite`` in an output folder, append-only.

Every decision a coder makes in the review workbench (accept or reject a machine hit, add a
manual coding, switch a code on or off for a whole answer, mark an answer reviewed) is one
row of the ``decisions`` table; a row is never updated or deleted. The current state of a key
(coder, respondent, question, code, start, end) is its latest row. Undo appends a row too.

A decision is keyed by what survives a new ``qualcode apply`` into the same (or another)
folder: the respondent id and the question (the answer's column), never the row number
alone, plus the code and the span (code-point offsets, -1/-1 for the whole answer). Each row
also records the SHA-256 of the answer text it was made on and the codebook's SHA-256, so a
decision about an answer whose text changed is recognised as stale instead of being applied
to other words (see :mod:`qualcode.review.decide`).

The database runs in WAL mode with ``synchronous=FULL``: a decision is on disk when
:meth:`ReviewStore.decide` returns, so a killed server loses nothing the page showed as saved.
Each call opens its own short transaction; several processes (two coders, two tabs) may
write at once and SQLite serialises them.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from qualcode.errors import Location, QualcodeError

#: The file name of the store inside an output folder.
STORE = "review.sqlite"
#: The schema version this code writes; older databases are migrated on open.
SCHEMA_VERSION = 1
#: What a decision row may say.
DECISIONS = ("accept", "reject", "add", "clear", "done")
#: The span of a decision about a whole answer (a code switched on or off for it).
WHOLE = -1
#: The "code" of a decision that marks an answer as reviewed (decision "done" or "clear").
ANSWER = ""

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        coder TEXT NOT NULL,
        respondent TEXT NOT NULL,
        question TEXT NOT NULL,
        code TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        decision TEXT NOT NULL
            CHECK (decision IN ('accept', 'reject', 'add', 'clear', 'done')),
        match TEXT NOT NULL DEFAULT '',
        rule TEXT NOT NULL DEFAULT '',
        row INTEGER NOT NULL DEFAULT 0,
        text_sha256 TEXT NOT NULL,
        codebook_sha256 TEXT NOT NULL DEFAULT '',
        memo TEXT NOT NULL DEFAULT '',
        elapsed_ms INTEGER,
        blind INTEGER NOT NULL DEFAULT 0,
        undoes INTEGER REFERENCES decisions(id),
        created_utc TEXT NOT NULL
    );
    CREATE INDEX decisions_key ON decisions (respondent, question, code, start, "end", coder);
    CREATE INDEX decisions_coder ON decisions (coder, id);
    CREATE TABLE memos (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        coder TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('answer', 'code', 'decision')),
        target TEXT NOT NULL,
        text TEXT NOT NULL,
        created_utc TEXT NOT NULL
    );
    CREATE INDEX memos_target ON memos (kind, target, coder, id);
    """,
}

_COLUMNS = (
    "id", "coder", "respondent", "question", "code", "start", "end", "decision", "match",
    "rule", "row", "text_sha256", "codebook_sha256", "memo", "elapsed_ms", "blind", "undoes",
    "created_utc",
)  # fmt: skip


def text_sha256(text: str) -> str:
    """The SHA-256 (hex) of an answer's text as UTF-8: what a decision records of its answer."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utc_now() -> str:
    """The time now in UTC, ISO 8601 with milliseconds and a Z."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Decision:
    """One row of the decisions table (see the module for the key)."""

    id: int
    coder: str
    respondent: str
    question: str
    code: str
    start: int
    end: int
    decision: str
    match: str
    rule: str
    row: int
    text_sha256: str
    codebook_sha256: str
    memo: str
    elapsed_ms: int | None
    blind: int
    undoes: int | None
    created_utc: str

    @property
    def whole(self) -> bool:
        """True for a decision about the whole answer (no span)."""
        return self.start == WHOLE

    @property
    def key(self) -> tuple[str, str, str, str, int, int]:
        """(coder, respondent, question, code, start, end): what the latest row decides."""
        return (self.coder, self.respondent, self.question, self.code, self.start, self.end)

    def as_dict(self) -> dict[str, Any]:
        """The row as a plain dict (for JSON and tables)."""
        return asdict(self)


@dataclass(frozen=True)
class Memo:
    """A note on an answer (target "respondent\\tquestion"), a code or a decision (its id)."""

    id: int
    coder: str
    kind: str
    target: str
    text: str
    created_utc: str


class ReviewStore:
    """The decisions of one output folder: open with :func:`open_store`.

    Safe to share between threads (one connection per thread) and between processes.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._migrate()

    # -- connection and schema ---------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            try:
                conn.execute("PRAGMA busy_timeout = 30000")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
            except sqlite3.DatabaseError as exc:
                conn.close()
                raise _corrupt(self.path, exc) from None
            self._local.conn = conn
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _migrate(self) -> None:
        try:
            with self._write() as conn:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                version = 0
                if "meta" in tables:
                    found = conn.execute(
                        "SELECT value FROM meta WHERE key = 'schema_version'"
                    ).fetchone()
                    version = int(found[0]) if found else 0
                elif tables:
                    raise QualcodeError(
                        "E803",
                        Location(str(self.path)),
                        path=self.path,
                        problem="it is an SQLite database, but not one qualcode wrote",
                    )
                if version > SCHEMA_VERSION:
                    raise QualcodeError(
                        "E804", Location(str(self.path)), version=version, known=SCHEMA_VERSION
                    )
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in _MIGRATIONS[step].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(
                        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(step),)
                    )
                    if step == 1:
                        conn.execute("INSERT INTO meta VALUES ('created_utc', ?)", (utc_now(),))
        except sqlite3.DatabaseError as exc:
            raise _corrupt(self.path, exc) from None

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def schema_version(self) -> int:
        """The schema version of the database."""
        row = self._connect().execute("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(row.fetchone()[0])

    # -- decisions -----------------------------------------------------------------------

    def decide(
        self,
        *,
        coder: str,
        respondent: str,
        question: str,
        code: str,
        decision: str,
        text: str | None = None,
        text_hash: str | None = None,
        start: int = WHOLE,
        end: int = WHOLE,
        match: str = "",
        rule: str = "",
        row: int = 0,
        codebook_sha256: str = "",
        memo: str = "",
        elapsed_ms: int | None = None,
        blind: bool = False,
        created_utc: str | None = None,
        undoes: int | None = None,
    ) -> Decision:
        """Append one decision and commit it (on disk when this returns); return the row.

        Give the answer's `text` (or its `text_hash`); `start`/`end` are code-point offsets
        into it, or :data:`WHOLE` for a decision about the whole answer.
        """
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
        if not coder:
            raise ValueError("a decision needs a coder name")
        if (start == WHOLE) != (end == WHOLE) or (start != WHOLE and not 0 <= start < end):
            raise ValueError(f"bad span {start}..{end}")
        if text_hash is None:
            if text is None:
                raise ValueError("give the answer's text or its text_hash")
            text_hash = text_sha256(text)
        values = {
            "coder": coder, "respondent": str(respondent), "question": str(question),
            "code": code, "start": int(start), "end": int(end), "decision": decision,
            "match": match, "rule": rule, "row": int(row), "text_sha256": text_hash,
            "codebook_sha256": codebook_sha256, "memo": memo, "elapsed_ms": elapsed_ms,
            "blind": int(blind), "undoes": undoes, "created_utc": created_utc or utc_now(),
        }  # fmt: skip
        with self._write() as conn:
            new_id = _insert(conn, values)
        return Decision(id=new_id, **values)  # type: ignore[arg-type]  # the columns above

    def undo(self, coder: str) -> Decision | None:
        """Undo the coder's last decision that is not undone yet: append a row restoring the
        state its key had before it (a "clear" when it had none). None when nothing is left."""
        with self._write() as conn:
            last = conn.execute(
                f"SELECT {_select()} FROM decisions d WHERE coder = ? AND undoes IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.undoes = d.id)"
                " ORDER BY id DESC LIMIT 1",
                (coder,),
            ).fetchone()
            if last is None:
                return None
            target = _decision(last)
            before = conn.execute(
                f"SELECT {_select()} FROM decisions WHERE coder = ? AND respondent = ?"
                ' AND question = ? AND code = ? AND start = ? AND "end" = ? AND id < ?'
                " ORDER BY id DESC LIMIT 1",
                (*target.key, target.id),
            ).fetchone()
            prior = _decision(before) if before is not None else None
            values = target.as_dict()
            values.update(
                decision=prior.decision if prior else "clear",
                memo=prior.memo if prior else "",
                undoes=target.id,
                created_utc=utc_now(),
                elapsed_ms=None,
            )
            del values["id"]
            values["id"] = _insert(conn, values)
        return Decision(**values)

    def history(self, coder: str | None = None) -> list[Decision]:
        """Every decision row (of one coder, or all), oldest first."""
        sql = f"SELECT {_select()} FROM decisions"
        args: tuple[Any, ...] = ()
        if coder is not None:
            sql, args = sql + " WHERE coder = ?", (coder,)
        return [_decision(r) for r in self._connect().execute(sql + " ORDER BY id", args)]

    def current(
        self,
        coder: str | None = None,
        respondent: str | None = None,
        question: str | None = None,
        code: str | None = None,
    ) -> list[Decision]:
        """The latest decision of each key (optionally of one coder, respondent, question or
        code), ordered by key; keys whose latest decision is "clear" are left out."""
        where, args = [], []
        for column, value in (
            ("coder", coder), ("respondent", respondent), ("question", question), ("code", code)
        ):  # fmt: skip
            if value is not None:
                where.append(f"d.{column} = ?")
                args.append(value)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = (
            f"SELECT {_select('d')} FROM decisions d JOIN ("
            f"  SELECT MAX(id) AS id FROM decisions d {clause}"
            '  GROUP BY coder, respondent, question, code, start, "end"'
            ") latest ON latest.id = d.id WHERE d.decision != 'clear'"
            ' ORDER BY d.coder, d.respondent, d.question, d.code, d.start, d."end"'
        )
        return [_decision(r) for r in self._connect().execute(sql, args)]

    def coders(self) -> list[str]:
        """Every coder with at least one decision or memo, sorted."""
        rows = self._connect().execute(
            "SELECT coder FROM decisions UNION SELECT coder FROM memos ORDER BY coder"
        )
        return [r[0] for r in rows]

    def count(self, coder: str | None = None) -> int:
        """How many decision rows (of one coder, or all) the store holds."""
        sql = "SELECT COUNT(*) FROM decisions"
        args: tuple[str, ...] = ()
        if coder is not None:
            sql, args = sql + " WHERE coder = ?", (coder,)
        return int(self._connect().execute(sql, args).fetchone()[0])

    def copy_from(self, other: ReviewStore) -> int:
        """Append every decision and memo of `other` that this store does not hold yet (the
        same coder, key, decision and time); return how many decisions were added. Used to
        carry decisions to the output folder of a new `apply`."""
        added = 0
        ids: dict[int, int] = {}
        with self._write() as conn:
            have = {
                (r["coder"], r["respondent"], r["question"], r["code"], r["start"], r["end"],
                 r["decision"], r["created_utc"]): r["id"]
                for r in conn.execute(f"SELECT {_select()} FROM decisions")
            }  # fmt: skip
            for d in other.history():
                mark = (*d.key, d.decision, d.created_utc)
                if mark in have:
                    ids[d.id] = have[mark]
                    continue
                values = d.as_dict()
                del values["id"]
                values["undoes"] = ids.get(d.undoes) if d.undoes is not None else None
                ids[d.id] = have[mark] = _insert(conn, values)
                added += 1
            memos = {
                (r["coder"], r["kind"], r["target"], r["created_utc"])
                for r in conn.execute("SELECT * FROM memos")
            }
            for m in other.memos():
                if (m.coder, m.kind, m.target, m.created_utc) not in memos:
                    target = m.target
                    if m.kind == "decision" and m.target.isdigit():
                        target = str(ids.get(int(m.target), m.target))
                    conn.execute(
                        "INSERT INTO memos (coder, kind, target, text, created_utc)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (m.coder, m.kind, target, m.text, m.created_utc),
                    )
        return added

    # -- memos ---------------------------------------------------------------------------

    def memo(self, *, coder: str, kind: str, target: str, text: str) -> Memo:
        """Append a memo (the latest memo of a coder on a target is the one shown)."""
        if kind not in ("answer", "code", "decision"):
            raise ValueError(f"memo kind must be answer, code or decision, not {kind!r}")
        created = utc_now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO memos (coder, kind, target, text, created_utc) VALUES (?, ?, ?, ?, ?)",
                (coder, kind, target, text, created),
            )
            new_id = int(cur.lastrowid or 0)
        return Memo(new_id, coder, kind, target, text, created)

    def latest_memo(self, coder: str, kind: str, target: str) -> str:
        """The text of the coder's latest memo on a target ('' when none)."""
        row = (
            self._connect()
            .execute(
                "SELECT text FROM memos WHERE coder = ? AND kind = ? AND target = ?"
                " ORDER BY id DESC LIMIT 1",
                (coder, kind, target),
            )
            .fetchone()
        )
        return str(row[0]) if row else ""

    def memos(self, coder: str | None = None, latest: bool = False) -> list[Memo]:
        """Every memo (or, with `latest`, the latest per coder, kind and target; empty latest
        memos left out), oldest first."""
        sql = "SELECT id, coder, kind, target, text, created_utc FROM memos"
        args: tuple[Any, ...] = ()
        if latest:
            sql += " WHERE id IN (SELECT MAX(id) FROM memos GROUP BY coder, kind, target)"
            sql += " AND text != ''"
        if coder is not None:
            sql += (" AND" if latest else " WHERE") + " coder = ?"
            args = (coder,)
        return [Memo(*r) for r in self._connect().execute(sql + " ORDER BY id", args)]


def answer_target(respondent: str, question: str) -> str:
    """The memo target of an answer."""
    return f"{respondent}\t{question}"


def _insert(conn: sqlite3.Connection, values: dict[str, Any]) -> int:
    """Insert one decision row (column -> value, no id); return its id."""
    names = ", ".join(f'"{k}"' for k in values)
    marks = ", ".join("?" for _ in values)
    cur = conn.execute(f"INSERT INTO decisions ({names}) VALUES ({marks})", list(values.values()))
    return int(cur.lastrowid or 0)


def _select(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{c}"' for c in _COLUMNS)


def _decision(row: sqlite3.Row) -> Decision:
    return Decision(*row)


def _corrupt(path: Path, exc: Exception) -> QualcodeError:
    return QualcodeError("E803", Location(str(path)), path=path, problem=str(exc))


def open_store(outdir: str | Path, *, create: bool = True) -> ReviewStore:
    """The decisions store of an output folder (``OUTDIR/review.sqlite``), created when
    missing (unless `create` is false: then E802 when there is none). E803 when the file is
    not a database qualcode can read, E804 when a newer qualcode wrote it."""
    path = Path(outdir) / STORE
    if not path.exists() and not create:
        raise QualcodeError("E802", Location(str(path)), path=path)
    if path.exists() and path.is_dir():
        raise _corrupt(path, IsADirectoryError("it is a folder"))
    return ReviewStore(path)
