"""XML in and out: sanitised text for writing, defusedxml for reading.

Writing uses the standard library's ElementTree (the tree is ours, nothing is parsed).
Reading a file someone sent uses defusedxml with DTDs forbidden: a REFI-QDA file never needs
one, and a DTD is how entity bombs and external-entity file reads get in.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from qualcode.errors import Location, QualcodeError

#: What XML 1.0 cannot hold at all (even escaped): C0 controls other than tab, newline and
#: carriage return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """`text` with the characters XML 1.0 cannot hold replaced by U+FFFD and line endings
    as `\\n` (a parser would turn a raw CR into LF anyway)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("\ufffd", text)


def element(parent: ET.Element | None, tag: str, **attrs: str | None) -> ET.Element:
    """A new element (under `parent` when given) with its attributes cleaned, in the order
    given (ElementTree keeps insertion order, so the bytes are stable). Tags are written
    unqualified: the root declares the default namespace (see :func:`serialise`)."""
    cleaned = {k: clean(v) for k, v in attrs.items() if v is not None}
    if parent is None:
        return ET.Element(tag, cleaned)
    return ET.SubElement(parent, tag, cleaned)


def text_element(parent: ET.Element, tag: str, text: str) -> ET.Element:
    """A child element holding `text` (cleaned)."""
    child = element(parent, tag)
    child.text = clean(text)
    return child


def serialise(root: ET.Element, ns: str) -> bytes:
    """The document as UTF-8 bytes with an XML declaration, `ns` declared as the default
    namespace on the root, indented, `\n` line endings."""
    root.attrib = {"xmlns": ns, **root.attrib}
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def parse(data: bytes, path: str | Path) -> ET.Element:
    """Parse XML someone sent with defusedxml: a DTD or entity declaration is E734, a
    syntax error E735 (with its line and column)."""
    import defusedxml
    import defusedxml.ElementTree as DET

    where = str(path)
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise QualcodeError("E734", Location(where), path=where, construct="a DTD") from None
    except defusedxml.EntitiesForbidden as exc:
        construct = f"the entity {exc.name!r}"
        raise QualcodeError("E734", Location(where), path=where, construct=construct) from None
    except defusedxml.DefusedXmlException as exc:
        raise QualcodeError("E734", Location(where), path=where, construct=str(exc)) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise QualcodeError(
            "E735", Location(where, line, column + 1), path=where, problem=str(exc)
        ) from None


def local(tag: str) -> str:
    """An element's name without its namespace: '{urn:...}Code' -> 'Code'."""
    return tag.rsplit("}", 1)[-1]
