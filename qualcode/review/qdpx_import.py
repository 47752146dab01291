"""`qualcode import codings`: codings made in a QDA program come back as a coder's decisions.

A project exported with `qualcode export qdpx` names each answer's source by a GUID made from
its respondent (or row), question and the SHA-256 of its text. NVivo, ATLAS.ti, MAXQDA and
QualCoder keep those GUIDs, so a coding made there on a source is matched to the answer it
was made on, exactly; its offsets (characters of the source file) are turned back into
code points of the answer. Every coding by a user other than qualcode's own becomes an
"add" decision of the coder named. A coding on a source this folder does not have (its
answer changed, or the project is of another folder) or of a code the codebook does not have
(made in the QDA program) is reported, never guessed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.errors import Location, QualcodeError
from qualcode.refi.guids import USER_GUID, code_guid, guid
from qualcode.refi.qdpx import _cell, plain_text
from qualcode.refi.read import PROJECT_FILE
from qualcode.refi.safezip import open_zip, read_entry
from qualcode.refi.xmlio import local, parse
from qualcode.review.corpus import ReviewCorpus
from qualcode.review.store import ReviewStore


@dataclass
class Imported:
    """What :func:`import_codings` did."""

    added: int = 0
    already: int = 0
    #: codings on sources the folder does not have: (source name, user, start, end)
    unknown_sources: list[tuple[str, str, int, int]] = field(default_factory=list)
    #: codings of codes the codebook does not have: (source name, user, code GUID)
    unknown_codes: list[tuple[str, str, str]] = field(default_factory=list)
    users: dict[str, int] = field(default_factory=dict)


def source_guids(corpus: ReviewCorpus) -> dict[str, tuple[int, str]]:
    """The GUID `qualcode export qdpx` gives each non-blank answer -> (row, question)."""
    data = corpus.coding.data
    id_col = corpus.coding.manifest.get("options", {}).get("id")
    ids = [_cell(v).strip() for v in data[id_col]] if id_col in data.columns else None
    seen: dict[str, int] = defaultdict(int)
    for rid in ids or []:
        seen[rid] += 1
    out = {}
    columns = {q: [_cell(v) for v in data[q]] for q in corpus.questions}
    for index in range(len(data)):
        row = index + 1
        rid = ids[index] if ids is not None else ""
        key: tuple[str, object] = ("id", rid) if rid and seen[rid] == 1 else ("row", row)
        for question in corpus.questions:
            text = columns[question][index]
            if not text.strip():
                continue
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            out[guid("source", *key, question, digest)] = (row, question)
    return out


def _back(moved: list[int] | None, position: int) -> int:
    """A source-file offset back to a code point of the answer."""
    if moved is None:
        return position
    return moved.index(position) if position in moved else position


def import_codings(
    path: str | Path, corpus: ReviewCorpus, store: ReviewStore, coder: str
) -> Imported:
    """Add the codings of the `.qdpx` at `path` (by users other than qualcode) to `store` as
    `coder`'s decisions; see the module. Importing the same file twice adds nothing."""
    path = Path(path)
    archive = open_zip(path)
    root = parse(read_entry(archive, PROJECT_FILE, path), path)
    sources = source_guids(corpus)
    codes = {code_guid(c.path): c.id for c in corpus.codes}
    users = {n.get("guid", ""): n.get("name", "") for n in root.iter() if local(n.tag) == "User"}
    have = {
        (d.respondent, d.question, d.code, d.start, d.end)
        for d in store.current(coder=coder)
        if d.decision == "add"
    }
    result = Imported()
    for source in (n for n in root.iter() if local(n.tag) == "TextSource"):
        name = source.get("name", "")
        where = sources.get(source.get("guid", ""))
        for selection in (n for n in source if local(n.tag) == "PlainTextSelection"):
            try:
                start = int(selection.get("startPosition", ""))
                end = int(selection.get("endPosition", ""))
            except ValueError:
                raise QualcodeError(
                    "E733", Location(str(path)), path=path,
                    problem=f"a selection of {name!r} has no whole-number positions",
                ) from None  # fmt: skip
            for coding in (n for n in selection if local(n.tag) == "Coding"):
                user_guid = coding.get("creatingUser") or selection.get("creatingUser") or ""
                if user_guid == USER_GUID:
                    continue  # the machine's own coding, exported by qualcode
                user = users.get(user_guid, user_guid)
                ref = next((n for n in coding if local(n.tag) == "CodeRef"), None)
                target = ref.get("targetGUID", "") if ref is not None else ""
                if where is None:
                    result.unknown_sources.append((name, user, start, end))
                    continue
                if target not in codes:
                    result.unknown_codes.append((name, user, target))
                    continue
                row, question = where
                text = corpus.text(row, question)
                _, moved = plain_text(text)
                a, b = _back(moved, start), _back(moved, end)
                if not 0 <= a < b <= len(text):
                    result.unknown_sources.append((name, user, start, end))
                    continue
                respondent = corpus.respondents[row - 1]
                key = (respondent, question, codes[target], a, b)
                result.users[user] = result.users.get(user, 0) + 1
                if key in have:
                    result.already += 1
                    continue
                store.decide(
                    coder=coder, respondent=respondent, question=question, code=codes[target],
                    decision="add", text=text, start=a, end=b, match=text[a:b],
                    rule=f"imported: {path.name} ({user})", row=row,
                    codebook_sha256=corpus.codebook_sha256,
                )  # fmt: skip
                have.add(key)
                result.added += 1
    return result


def describe(result: Imported, coder: str, path: Any) -> str:
    """The report `qualcode import codings` prints."""
    users = ", ".join(f"{u} ({n})" for u, n in sorted(result.users.items())) or "none"
    lines = [
        f"imported {result.added} coding(s) from {path} as coder {coder} "
        f"({result.already} already there); by user: {users}"
    ]
    if result.unknown_sources:
        lines.append(
            f"  {len(result.unknown_sources)} coding(s) on sources this folder does not have "
            "(the answer changed, or the project is of another folder); not imported:"
        )
        lines += [f"    {n} [{a}:{b}] by {u}" for n, u, a, b in result.unknown_sources[:20]]
    if result.unknown_codes:
        lines.append(
            f"  {len(result.unknown_codes)} coding(s) of codes the codebook does not have "
            "(add them to the codebook first); not imported:"
        )
        lines += [f"    {n}: code {g} by {u}" for n, u, g in result.unknown_codes[:20]]
    return "\n".join(lines)


def import_codings_into(file: str | Path, outdir: str | Path, coder: str) -> Imported:
    """:func:`import_codings` of `file` into the store of the output folder `outdir`."""
    from qualcode.coding.result import load_coding  # pandas: only when a file is imported
    from qualcode.review.store import open_store

    corpus = ReviewCorpus.from_coding(load_coding(outdir))
    store = open_store(outdir)
    try:
        return import_codings(file, corpus, store, coder)
    finally:
        store.close()
