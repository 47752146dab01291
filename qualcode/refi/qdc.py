"""A codebook as REFI-QDA Codebook XML (`.qdc`), and the Codes element a project shares.

Each code becomes a nested `<Code>`: name = its label (made unique, see :func:`unique_names`),
guid = uuid5 of its id path, isCodable="true" (qualcode codes a parent by roll-up, and its
own rules if any, so every code may hold codings), color when the code has one, and a
Description (:mod:`qualcode.refi.description`) with the definition, notes, examples and
the rules.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from qualcode.codebook.model import Code, Codebook
from qualcode.errors import Location, QualcodeError
from qualcode.io.write import atomic_write_bytes
from qualcode.refi.description import describe
from qualcode.refi.guids import code_guid
from qualcode.refi.xmlio import element, serialise, text_element
from qualcode.version import __version__

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = f"qualcode {__version__}"


def unique_names(codebook: Codebook) -> dict[str, str]:
    """Code id -> the name it is exported under: its label, or when an earlier code (in
    codebook order) already has that name, compared case-insensitively, "label (id)".
    QualCoder loses the codings of the second of two codes with one name, even under
    different parents."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    for code in codebook.walk():
        name = " ".join(code.label.split()) or code.id
        if name.casefold() in taken:
            name = f"{name} ({code.id})"
            n = 2
            while name.casefold() in taken:  # a label that itself reads "x (id)"
                name, n = f"{code.label} ({code.id} {n})", n + 1
        taken.add(name.casefold())
        names[code.id] = name
    return names


def add_codes(parent: ET.Element, codebook: Codebook) -> ET.Element:
    """Append `<Codes>` with the whole hierarchy to `parent` (a CodeBook element)."""
    names = unique_names(codebook)
    codes = element(parent, "Codes")
    for code in codebook.codes:
        _add_code(codes, code, names)
    return codes


def _add_code(parent: ET.Element, code: Code, names: dict[str, str]) -> None:
    attrs = {"guid": code_guid(code.path_str), "name": names[code.id], "isCodable": "true"}
    if code.color:
        attrs["color"] = code.color
    node = element(parent, "Code", **attrs)
    description = describe(code, names[code.id])
    if description:
        text_element(node, "Description", description)
    for child in code.children:
        _add_code(node, child, names)


def codebook_xml(codebook: Codebook) -> bytes:
    """The codebook as a `.qdc` document (UTF-8, `\\n` line endings)."""
    root = element(None, "CodeBook", origin=ORIGIN)
    add_codes(root, codebook)
    return serialise(root, CODEBOOK_NS)


def default_qdc_path(codebook_path: str | Path) -> Path:
    """Where `export qdc` writes without -o: ``<codebook stem>.qdc`` beside the codebook."""
    path = Path(codebook_path)
    return path.with_suffix(".qdc")


def write_qdc(codebook: Codebook, output: str | Path) -> Path:
    """Write `codebook` as a `.qdc` file atomically; never over the codebook itself (E402)."""
    output = Path(output)
    if codebook.path and output.resolve() == Path(codebook.path).resolve():
        raise QualcodeError("E402", Location(str(output)), path=output)
    data = codebook_xml(codebook)
    return atomic_write_bytes(output, lambda handle: handle.write(data))
