"""Import a REFI-QDA codebook: a `.qdc`, or the CodeBook inside a `.qdpx` project.

Names become labels, ids are made from the names (snake_case, unique), Descriptions become
definitions, colours are kept. A Description holding a qualcode rules block (written by
`qualcode export qdc`/`qdpx`) gives back the code exactly: id, label, definition, notes,
examples and rules. A leaf code without rules gets no `match` and a TODO comment, so
`qualcode validate` stops at it (E108) until someone writes its rules.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qualcode.codebook.dump import DraftCode, DraftCodebook, draft_yaml
from qualcode.errors import Location, QualcodeError
from qualcode.io.write import check_new_file, write_text
from qualcode.refi.description import parse_description
from qualcode.refi.safezip import open_zip, read_entry
from qualcode.refi.xmlio import local, parse

PROJECT_FILE = "project.qde"
_ID_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_COLOR6 = re.compile(r"^#[0-9A-Fa-f]{6}$")
_COLOR3 = re.compile(r"^#[0-9A-Fa-f]{3}$")


def read_refi_codebook(path: str | Path) -> DraftCodebook:
    """The codebook of a `.qdc` file or of a `.qdpx` project's `project.qde`, as a draft.

    A zip is checked (:mod:`qualcode.refi.safezip`) and XML parsed with defusedxml
    (:mod:`qualcode.refi.xmlio`) before anything is read from them."""
    path = Path(path)
    if not path.is_file():
        raise QualcodeError("E733", Location(str(path)), path=path, problem="no such file")
    data = path.read_bytes()
    where = str(path)
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        with open_zip(path) as archive:
            if PROJECT_FILE not in archive.namelist():
                problem = f"the zip has no {PROJECT_FILE}"
                raise QualcodeError("E733", Location(where), path=where, problem=problem)
            data = read_entry(archive, PROJECT_FILE, path)
        where = f"{path}!{PROJECT_FILE}"
    root = parse(data, where)
    return codebook_from_xml(root, where, default_name=path.stem)


def codebook_from_xml(root: ET.Element, where: str, default_name: str) -> DraftCodebook:
    """A draft from a parsed CodeBook or Project root element."""
    kind = local(root.tag)
    if kind == "Project":
        book = _child(root, "CodeBook")
        name = root.get("name") or default_name
    elif kind == "CodeBook":
        book, name = root, default_name
    else:
        problem = f"its root element is <{kind}>, not <CodeBook> or <Project>"
        raise QualcodeError("E733", Location(where), path=where, problem=problem)
    codes = _child(book, "Codes") if book is not None else None
    if codes is None or not _children(codes, "Code"):
        raise QualcodeError("E733", Location(where), path=where, problem="it has no codes")
    drafts = _Importer(where).codes(codes)
    header = [f"Imported from {Path(where.split('!')[0]).name} by `qualcode import qdc`."]
    if kind == "Project":
        header.append("Only the codebook was imported; the project's codings were not.")
    return DraftCodebook(name=name, codes=drafts, header=header)


def _child(node: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in node if local(c.tag) == name), None)


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node if local(c.tag) == name]


def make_id(name: str) -> str:
    """A code id from a name: ASCII letters (accents dropped), digits and '_', lower case,
    starting with a letter ('code' when nothing is left)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not slug:
        return "code"
    return slug if slug[0].isalpha() else f"code_{slug}"


class _Importer:
    """Turns the Code elements into drafts; ids are made unique in document order after the
    ids restored from qualcode blocks are reserved."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.taken: set[str] = set()

    def codes(self, codes: ET.Element) -> list[DraftCode]:
        parsed = [self._parse(c) for c in _children(codes, "Code")]
        for fields in _walk(parsed):
            restored = fields["info"].get("id")
            if restored and _ID_OK.match(restored) and restored not in self.taken:
                self.taken.add(restored)
                fields["id"] = restored
        return [self._draft(f) for f in parsed]

    def _parse(self, node: ET.Element) -> dict[str, Any]:
        name = " ".join((node.get("name") or "").split())
        description = _child(node, "Description")
        text = (description.text or "") if description is not None else ""
        info = parse_description(text, name or "?", self.where)
        children = [self._parse(c) for c in _children(node, "Code")]
        return {"name": name, "color": node.get("color"), "info": info, "children": children}

    def _draft(self, fields: dict[str, Any]) -> DraftCode:
        info, name = fields["info"], fields["name"]
        if "id" not in fields:
            fields["id"] = self._unique(make_id(name))
        children = [self._draft(c) for c in fields["children"]]
        draft = DraftCode(
            id=fields["id"],
            label=info.get("label") or name,
            definition=info.get("definition", ""),
            include=info.get("include", ""),
            exclude=info.get("exclude", ""),
            match=info.get("match", []),
            unless=info.get("unless", []),
            examples=info.get("examples", []),
            non_examples=info.get("non_examples", []),
            color=_color(fields["color"]),
            negation=info.get("negation"),
            children=children,
        )
        if not children and not draft.match:
            source = Path(self.where.split("!")[0]).name
            draft.comment = f"TODO: no match rules (imported from {source})"
        return draft

    def _unique(self, base: str) -> str:
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}_{n}", n + 1
        self.taken.add(candidate)
        return candidate


def _walk(parsed: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for fields in parsed:
        yield fields
        yield from _walk(fields["children"])


def _color(value: str | None) -> str | None:
    """'#RRGGBB' as qualcode writes it ('#RGB' widened); anything else is dropped."""
    value = (value or "").strip()
    if _COLOR6.match(value):
        return value
    if _COLOR3.match(value):
        return "#" + "".join(ch * 2 for ch in value[1:])
    return None


def import_refi_codebook(
    path: str | Path, output: str | Path, *, force: bool = False
) -> DraftCodebook:
    """Read a REFI-QDA codebook (.qdc or .qdpx) and write it as codebook YAML to `output`.
    E403 when `output` exists and `force` is false; E402 when it is `path` itself."""
    check_new_file(output, force=force, reading=[path])
    draft = read_refi_codebook(path)
    write_text(output, draft_yaml(draft))
    return draft


def draft_counts(draft: DraftCodebook) -> tuple[int, int]:
    """How many codes the draft has, and how many of them have no rules (marked TODO)."""
    codes = list(_walk_drafts(draft.codes))
    return len(codes), sum(1 for c in codes if c.comment)


def _walk_drafts(codes: list[DraftCode]) -> Iterator[DraftCode]:
    for code in codes:
        yield code
        yield from _walk_drafts(code.children)
