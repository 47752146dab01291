"""An output folder of `qualcode apply` as a REFI-QDA project (`.qdpx`).

The zip holds `project.qde` and `sources/<guid>.txt`, one text source per non-blank answer
(respondent x question). Each segment is a PlainTextSelection (code-point offsets, exclusive
end) with one Coding by the user "qualcode"; each respondent is a Case whose attributes (the
columns that are neither answers nor the id) are typed Variables. Every GUID is a uuid5 of
what it names, and the zip's entries carry the manifest's time, so the same codebook and
output folder give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.codebook.load import load_codebook
from qualcode.codebook.model import Codebook, segment_counts
from qualcode.coding.outdir import codebook_path, refuse_output_in
from qualcode.coding.result import Coding, load_coding
from qualcode.errors import Location, QualcodeError
from qualcode.io.write import atomic_write_bytes, same_file, stable_zip_entry
from qualcode.refi.guids import USER_GUID, USER_NAME, code_guid, guid
from qualcode.refi.qdc import ORIGIN, add_codes
from qualcode.refi.xmlio import element, serialise, text_element

PROJECT_NS = "urn:QDA-XML:project:1.0"
_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass(frozen=True)
class Export:
    """What `project_zip` made: the zip's bytes and a few counts for the user."""

    data: bytes
    sources: int
    selections: int
    cases: int
    negated: int  # negated hits included (see `keep_segment`)


def keep_segment(negated: bool, mode: str, include_negated: bool) -> bool:
    """Whether a segment goes into the project: a hit that coded the answer (not negated,
    or negated under the code's `flag` mode), and every negated hit with
    `include_negated`. So by default the project codes exactly what coded.csv codes."""
    return segment_counts(negated, mode) or include_negated


def project_zip(coding: Coding, codebook: Codebook, *, include_negated: bool = False) -> Export:
    """The `.qdpx` bytes for an output folder's `coding`, coded with `codebook`."""
    builder = _Project(coding, codebook, include_negated)
    return builder.build()


def write_qdpx(
    coding: Coding, codebook: Codebook, output: str | Path, *, include_negated: bool = False
) -> Export:
    """Write the project atomically to `output`."""
    made = project_zip(coding, codebook, include_negated=include_negated)
    atomic_write_bytes(output, lambda handle: handle.write(made.data))
    return made


def codebook_for(
    outdir: str | Path, coding: Coding, codebook: str | Path | None
) -> tuple[Codebook, list[str]]:
    """The codebook an output folder was coded with: `codebook`, or the path its manifest
    records (E656 when that file is gone), and notes for the user (the file changed since)."""
    recorded = coding.manifest.get("codebook", {})
    codebook = codebook_path(coding.manifest, codebook, outdir)
    book = load_codebook(codebook)
    notes = []
    if recorded.get("sha256") and book.sha256 != recorded["sha256"]:
        notes.append(
            f"note: {codebook} has changed since {outdir} was coded; the project has the "
            "codebook as it is now and the codings as they were"
        )
    return book, notes


# -- text and values -------------------------------------------------------------------


def plain_text(text: str) -> tuple[str, list[int] | None]:
    """The answer as a source file holds it (no BOM, `\\n` line endings) and, when that
    changed anything, the map old offset -> new offset (length len(text) + 1)."""
    if "\r" not in text and not text.startswith("\ufeff"):
        return text, None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        where.append(len(out))
        if (i == 0 and ch == "\ufeff") or (ch == "\r" and text[i + 1 : i + 2] == "\n"):
            continue
        out.append("\n" if ch == "\r" else ch)
    where.append(len(out))
    return "".join(out), where


_BOOL = {"true", "false"}
_INT = re.compile(r"^[+-]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return bool(_DATE.match(value))


def variable_type(values: Iterable[str]) -> str:
    """The REFI typeOfVariable that fits every (non-empty, stripped) value: Boolean
    (true/false), Integer, Float (decimals; no exponents, no leading zeros, which are
    usually codes such as '007'), Date (YYYY-MM-DD), else Text."""
    values = list(values)
    if not values:
        return "Text"
    for kind, fits in (
        ("Boolean", lambda v: v.lower() in _BOOL),
        ("Integer", _INT.match),
        ("Float", _FLOAT.match),
        ("Date", _is_date),
    ):
        if all(fits(v) for v in values):
            return kind
    return "Text"


_VALUE_TAG = {
    "Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue",
    "Float": "FloatValue", "Date": "DateValue",
}  # fmt: skip


def _cell(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


# -- the project -------------------------------------------------------------------------


class _Project:
    """Builds project.qde and the source files in one pass over the answers."""

    def __init__(self, coding: Coding, codebook: Codebook, include_negated: bool) -> None:
        self.coding, self.codebook, self.include_negated = coding, codebook, include_negated
        manifest = coding.manifest
        self.questions = [q["column"] for q in manifest.get("questions", [])] or list(
            manifest.get("options", {}).get("text") or []
        )
        self.labels = {q["column"]: q.get("label") or "" for q in manifest.get("questions", [])}
        self.id_col = manifest.get("options", {}).get("id")
        created = manifest.get("created_utc") or ""
        self.created = created if _UTC.match(created) else None
        self.codes = {c.id: c for c in codebook.walk()}
        # A `qualcode finalize` folder: its human codings are exported as the coder's own.
        review = manifest.get("review")
        if not isinstance(review, dict):
            review = {}
        self.reviewer = str(review.get("coder") or "")
        self.reviewer_guid = guid("user", "coder", self.reviewer)
        modes = dict(
            zip(coding.summary_table.get("code", []), coding.summary_table.get("negation", []))
        )
        self.mode: Callable[[str], str] = lambda c: (
            modes.get(c) or codebook.negation_for(self.codes[c])
        )

    def build(self) -> Export:
        by_answer = self._segments()
        attributes = [
            c for c in self.coding.data.columns if c not in self.questions and c != self.id_col
        ]
        variables = self._variables(attributes)

        root = element(None, "Project", name=self.codebook.name or "qualcode project",
                       origin=ORIGIN, creatingUserGUID=USER_GUID,
                       creationDateTime=self.created)  # fmt: skip
        users = element(root, "Users")
        element(users, "User", guid=USER_GUID, name=USER_NAME)
        if self.reviewer:
            element(users, "User", guid=self.reviewer_guid, name=self.reviewer)
        add_codes(element(root, "CodeBook"), self.codebook)
        if variables:
            holder = element(root, "Variables")
            for column, (var_guid, kind) in variables.items():
                element(holder, "Variable", guid=var_guid, name=str(column), typeOfVariable=kind)
        cases = element(root, "Cases")
        sources = element(root, "Sources")
        files: list[tuple[str, bytes]] = []
        n_selections = n_negated = 0
        names_seen: dict[str, int] = defaultdict(int)
        data = self.coding.data
        ids = data[self.id_col].map(_cell).str.strip() if self.id_col in data.columns else None
        for name in ids if ids is not None else []:
            names_seen[name] += 1
        for index in range(len(data)):
            row = index + 1
            rid = ids.iloc[index] if ids is not None else ""
            # A case (and its sources) is named and keyed by its respondent id when that id
            # is unique, else by its row: a blank or repeated id names no one respondent.
            # Sources are named after their case, since QualCoder wants unique source names.
            unique = bool(rid) and names_seen[rid] == 1
            case_name = rid if unique else (f"{rid} (row {row})" if rid else f"row {row}")
            key = ("id", rid) if unique else ("row", row)
            case = element(cases, "Case", guid=guid("case", *key), name=case_name)
            for column, (var_guid, kind) in variables.items():
                value = _cell(data.iloc[index][column])
                value = value.strip() if kind != "Text" else value
                if value.strip():
                    holder = element(case, "VariableValue")
                    element(holder, "VariableRef", targetGUID=var_guid)
                    typed = value.lower() if kind == "Boolean" else value
                    text_element(holder, _VALUE_TAG[kind], typed)
            for question in self.questions:
                text = _cell(data.iloc[index][question]) if question in data.columns else ""
                if not text.strip():
                    continue
                # The answer's own text is in its GUID: an edited answer is a new source,
                # and editing one answer leaves every other GUID as it was.
                digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
                source_guid = guid("source", *key, question, digest)
                element(case, "SourceRef", targetGUID=source_guid)
                body, counts = self._source(
                    sources, source_guid, f"{case_name} – {question}", question, text,
                    by_answer.get((row, question), []),
                )  # fmt: skip
                n_selections += counts[0]
                n_negated += counts[1]
                files.append((f"sources/{source_guid}.txt", body))
        for holder in (cases, sources):
            if len(holder) == 0:
                root.remove(holder)
        text_element(root, "Description", self._description())
        entries = [("project.qde", serialise(root, PROJECT_NS)), *sorted(files)]
        return Export(
            data=_zip(entries, self.created),
            sources=len(files), selections=n_selections, cases=len(cases),
            negated=n_negated,
        )  # fmt: skip

    def _segments(self) -> dict[tuple[int, str], list[dict[str, Any]]]:
        """The segments to export, grouped by (row, question)."""
        grouped: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        where = str(self.codebook.path or "<codebook>")
        for seg in self.coding.segments.to_dict("records"):
            code = str(seg["code"])
            if code not in self.codes:
                raise QualcodeError("E738", Location(where), code=code, codebook=where)
            negated = bool(seg["negated"])
            if keep_segment(negated, self.mode(code), self.include_negated):
                grouped[(int(seg["row"]), str(seg["question"]))].append(seg)
        return grouped

    def _variables(self, columns: list[str]) -> dict[str, tuple[str, str]]:
        data = self.coding.data
        out = {}
        for column in columns:
            values = [v.strip() for v in map(_cell, data[column]) if v.strip()]
            out[column] = (guid("variable", column), variable_type(values))
        return out

    def _source(
        self, sources: Any, source_guid: str, name: str, question: str, text: str,
        segments: list[dict[str, Any]],
    ) -> tuple[bytes, tuple[int, int]]:  # fmt: skip
        """Add one TextSource with its selections; return its file's bytes and (selections,
        negated selections)."""
        node = element(sources, "TextSource", guid=source_guid, name=name,
                       plainTextPath=f"internal://{source_guid}.txt", creatingUser=USER_GUID,
                       creationDateTime=self.created)  # fmt: skip
        if self.labels.get(question):
            text_element(node, "Description", self.labels[question])
        body, moved = plain_text(text)
        spans: dict[tuple[int, int, int], list[dict[str, Any]]] = defaultdict(list)
        order = {c: i for i, c in enumerate(self.codes)}
        for seg in segments:
            start, end = int(seg["start"]), int(seg["end"])
            if not (0 <= start <= end <= len(text)) or text[start:end] != str(seg["match"]):
                raise QualcodeError(
                    "E737", Location(row=int(seg["row"])), code=seg["code"], row=seg["row"],
                    question=question, start=start, end=end, found=text[start:end],
                    match=str(seg["match"]),
                )  # fmt: skip
            if moved is not None:
                start, end = moved[start], moved[end]
            spans[(start, end, order[str(seg["code"])])].append(seg)
        negated = 0
        for (start, end, _), same in sorted(spans.items()):
            code = str(same[0]["code"])
            code_id_guid = code_guid(self.codes[code].path_str)
            sel_guid = guid("selection", source_guid, code_id_guid, start, end)
            origins = {str(s.get("origin") or "machine") for s in same}
            human = bool(self.reviewer) and bool(origins & {"human-added", "human-accepted"})
            machine = not human or bool(origins & {"machine", "human-accepted"})
            user = USER_GUID if machine else self.reviewer_guid
            selection = element(node, "PlainTextSelection", guid=sel_guid,
                                name=body[start:end][:60], startPosition=str(start),
                                endPosition=str(end), creatingUser=user,
                                creationDateTime=self.created)  # fmt: skip
            is_negated = any(bool(s["negated"]) for s in same)
            negated += is_negated
            rules = sorted({str(s["rule"]) for s in same})
            lines = [f"code: {code}", *(f"rule: {r}" for r in rules)]
            lines.append(f"negated: {'true' if is_negated else 'false'}")
            text_element(selection, "Description", "\n".join(lines))
            if machine:
                coding = element(selection, "Coding", guid=guid("coding", sel_guid),
                                 creatingUser=USER_GUID, creationDateTime=self.created)  # fmt: skip
                element(coding, "CodeRef", targetGUID=code_id_guid)
            if human:
                coding = element(selection, "Coding",
                                 guid=guid("coding", sel_guid, "coder", self.reviewer),
                                 creatingUser=self.reviewer_guid,
                                 creationDateTime=self.created)  # fmt: skip
                element(coding, "CodeRef", targetGUID=code_id_guid)
        return body.encode("utf-8", "replace"), (len(spans), negated)

    def _description(self) -> str:
        manifest = self.coding.manifest
        book = manifest.get("codebook", {})
        source = manifest.get("input", {})
        negated = (
            "every negated hit is included (marked 'negated: true')"
            if self.include_negated
            else "negated hits are left out unless their code's negation mode is 'flag'"
        )
        return (
            f"Coded by {ORIGIN} at {manifest.get('created_utc', '?')}: "
            f"{source.get('path', '?')} (sha256 {source.get('sha256', '?')}) with the codebook "
            f"{book.get('path', '?')} (sha256 {book.get('sha256', '?')}); {negated}."
        )


def _zip(entries: list[tuple[str, bytes]], created: str | None) -> bytes:
    """A deflated zip of `entries` in the order given, every entry stamped with `created`
    (clamped to what a zip holds) and fixed attributes: equal inputs give equal bytes."""
    moment = datetime(1980, 1, 1)
    if created:
        moment = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(stable_zip_entry(name, moment), data)
    return out.getvalue()


def default_qdpx_path(outdir: str | Path) -> Path:
    """``<OUTDIR>.qdpx`` beside the output folder."""
    return Path(outdir).parent / f"{Path(outdir).resolve().name}.qdpx"


def export_qdpx(
    outdir: str | Path,
    output: str | Path | None = None,
    *,
    codebook: str | Path | None = None,
    include_negated: bool = False,
    notify: Callable[[str], None] | None = None,
) -> tuple[Path, Export]:
    """`qualcode export qdpx`: the output folder `outdir` as a REFI-QDA project written to
    `output` (default :func:`default_qdpx_path`). E402 when `output` is a file of `outdir` or
    the codebook; `notify` receives notes (the codebook changed since the coding)."""
    path = Path(output) if output is not None else default_qdpx_path(outdir)
    refuse_output_in(outdir, path)
    coding = load_coding(outdir)
    book, notes = codebook_for(outdir, coding, codebook)
    if book.path and same_file(path, book.path):
        raise QualcodeError("E402", Location(str(path)), path=path)
    for note in notes:
        (notify or (lambda _: None))(note)
    return path, write_qdpx(coding, book, path, include_negated=include_negated)
