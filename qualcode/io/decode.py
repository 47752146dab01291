"""Bytes to text: a byte-order mark, else strict UTF-8, else charset-normalizer's best guess.

Order matters. A BOM is certain. Valid UTF-8 is almost never anything else. Only then do we
guess, with charset-normalizer (a well-kept detector, also used by `requests`), and among its
equally plausible candidates we prefer the encodings Western survey tools actually write
(Excel on Windows: cp1252; old Excel on a Mac: mac_roman): on short Western texts the
detector's own first choice is often a DOS code page (cp775, cp850) that decodes the same
bytes into the wrong accents. A guess is always reported, and `--encoding` overrides it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import Location, QualcodeError

BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
PREFERRED = ("cp1252", "mac_roman", "latin_1", "iso8859_15")
# How much more "chaos" (charset-normalizer's mess score) a preferred encoding may have than
# the detector's best candidate and still win.
TOLERANCE = 0.1
ASCII = bytes(range(128))

SIGNATURES = (  # (magic bytes, what the file is, how to fix)
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook?)",
     "If it is an Excel workbook, give it the .xlsx extension."),
    (b"\xd0\xcf\x11\xe0", "an old binary Excel workbook (.xls) or another OLE2 file",
     "Open it in Excel or LibreOffice and save it as .xlsx or CSV UTF-8."),
    (b"%PDF", "a PDF document", "Export the answers from the survey tool as CSV or XLSX."),
    (b"PAR1", "a Parquet file", "Give it the .parquet extension."),
    (b"$FL2", "an SPSS data file", "Give it the .sav extension."),
    (b"$FL3", "a compressed SPSS data file", "Give it the .zsav extension."),
    (b"\x1f\x8b", "a gzip archive", "Decompress it first."),
)  # fmt: skip


@dataclass(frozen=True)
class Decoded:
    """Decoded text and how its encoding was chosen (recorded in the manifest)."""

    text: str
    encoding: str
    method: str  # "given", "bom", "utf-8" or "guessed"


def sniff_binary(data: bytes, path: Path, expected: str) -> None:
    """Refuse a file whose first bytes say it is not a text table."""
    for magic, kind, fix in SIGNATURES:
        if data.startswith(magic):
            raise QualcodeError(
                "E311", Location(str(path)), path=path, kind=kind, expected=expected, fix=fix
            )


def decode(data: bytes, path: Path, encoding: str | None = None) -> Decoded:
    """Decode `data` (the whole file); raise E308 naming the offset when it cannot be."""
    if encoding:
        return Decoded(_strict(data, path, encoding), encoding, "given")
    for bom, name in BOMS:
        if data.startswith(bom):
            return Decoded(_strict(data, path, name), name, "bom")
    if b"\x00" in data[:65536]:
        # Text never holds NUL bytes, except UTF-16/32 without a BOM (valid UTF-8, wrongly).
        guess = _guess(data)
        if guess is None or not guess.startswith("utf_"):
            raise QualcodeError(
                "E311", Location(str(path)), path=path, kind="a binary file",
                expected="text", fix="Export the answers as CSV, XLSX, Parquet or JSON Lines.",
            )  # fmt: skip
        return Decoded(_strict(data, path, guess), guess, "guessed")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError as exc:
        first_error = exc
    guess = _guess(data)
    if guess is None:
        raise _undecodable(data, path, "utf-8", first_error)
    return Decoded(_strict(data, path, guess), guess, "guessed")


def _guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    results = list(from_bytes(data))
    if not results:
        return None
    best = min(result.chaos for result in results)
    # charset-normalizer merges encodings that decode these bytes identically; any of the
    # merged names is as right as the one it reports first.
    plausible = {
        name
        for result in results
        if result.chaos <= best + TOLERANCE
        for name in (result.encoding, *result.could_be_from_charset)
    }
    for name in PREFERRED:
        if name in plausible:
            return name
    # A few stray high bytes in ASCII text are Western accents, not Chinese or Japanese:
    # real CJK text is mostly high bytes, yet the detector offers big5 for one stray 0x90.
    if len(data.translate(None, ASCII)) < 0.01 * len(data):
        for name in PREFERRED:
            try:
                data.decode(name)
            except UnicodeDecodeError:
                continue
            return name
    return results[0].encoding


def _strict(data: bytes, path: Path, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(data, path, encoding, exc) from None
    except LookupError:
        raise QualcodeError(
            "E302", Location(str(path)), path=path, problem=f"unknown encoding '{encoding}'",
            fix="Name a Python codec such as utf-8, cp1252, latin-1, mac_roman or utf-16.",
        ) from None  # fmt: skip


def _undecodable(data: bytes, path: Path, encoding: str, exc: UnicodeDecodeError) -> QualcodeError:
    line = data.count(b"\n", 0, exc.start) + 1
    return QualcodeError(
        "E308", Location(str(path), line=line), encoding=encoding, offset=exc.start
    )
