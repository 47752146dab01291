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
import hashlib
import io
import unicodedata
from collections.abc import Iterator
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


BLOCK_BYTES = 1 << 22  # read files in 4 MiB blocks: memory stays flat whatever their size
BLOCK_CHARS = 1 << 20
SAMPLE_BYTES = 1 << 20  # what charset-normalizer sees: the head, and bytes around a bad one


@dataclass(frozen=True)
class Detected:
    """The encoding chosen for a file, how it was chosen (for the manifest), and its hash."""

    encoding: str
    method: str  # "given", "bom", "utf-8" or "guessed"
    sha256: str


def sniff_binary(data: bytes, path: Path, expected: str) -> None:
    """Refuse a file whose first bytes say it is not a text table."""
    for magic, kind, fix in SIGNATURES:
        if data.startswith(magic):
            raise QualcodeError(
                "E311", Location(str(path)), path=path, kind=kind, expected=expected, fix=fix
            )


def detect(path: Path, encoding: str | None = None, expected: str = "delimited text") -> Detected:
    """One pass over the file in blocks: hash it, check it is UTF-8, and choose the encoding.

    Order: `encoding` when given; a BOM; strict UTF-8; else charset-normalizer on a sample
    (the head and the bytes around the first non-UTF-8 byte), preferring Western encodings.
    The whole file is decoded with the choice later, while it is parsed; a byte the choice
    cannot decode is then E308 with its offset.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    head = b""
    offset = 0
    first_bad: int | None = None
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            digest.update(block)
            if not head:
                head = block[:SAMPLE_BYTES]
                sniff_binary(head, path, expected)
            if first_bad is None and encoding is None:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    first_bad = max(0, offset + exc.start - len(decoder.getstate()[0]))
            offset += len(block)
        if first_bad is None and encoding is None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                first_bad = max(0, offset - 4)
    sha = digest.hexdigest()
    if encoding:
        _check_codec(path, encoding)
        return Detected(encoding, "given", sha)
    for bom, name in BOMS:
        if head.startswith(bom):
            return Detected(name, "bom", sha)
    if b"\x00" in head[:65536]:
        # Text never holds NUL bytes, except UTF-16/32 without a BOM (valid UTF-8, wrongly).
        guess = _guess(head)
        if guess is None or not guess.startswith("utf_"):
            raise QualcodeError(
                "E311", Location(str(path)), path=path, kind="a binary file",
                expected="text", fix="Export the answers as CSV, XLSX, Parquet or JSON Lines.",
            )  # fmt: skip
        return Detected(guess, "guessed", sha)
    if first_bad is None:
        return Detected("utf-8", "utf-8", sha)
    with open(path, "rb") as handle:
        handle.seek(max(0, first_bad - SAMPLE_BYTES // 4))
        around = handle.read(SAMPLE_BYTES // 2)
    guess = _guess(head if first_bad < len(head) else head[: SAMPLE_BYTES // 2] + b"\n" + around)
    if guess is None:
        raise undecodable(path, "utf-8")
    return Detected(guess, "guessed", sha)


def text_blocks(path: Path, encoding: str) -> Iterator[str]:
    """The file's text in blocks of whole lines, normalised: NFC, and `\n` for CRLF and CR.

    A block always ends just after a `\n`, so no CRLF pair and no combining sequence is cut
    between two blocks (NFC never composes across a line break).
    """
    with open(path, "rb") as raw:
        reader = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        carry = ""
        while True:
            try:
                block = reader.read(BLOCK_CHARS)
            except UnicodeDecodeError:
                raise undecodable(path, encoding) from None
            if not block:
                break
            block = carry + block
            hold = ""
            if block.endswith("\r"):  # its "\n" may start the next block
                block, hold = block[:-1], "\r"
            if "\r" in block:
                block = block.replace("\r\n", "\n").replace("\r", "\n")
            cut = block.rfind("\n") + 1
            if cut == 0:
                carry = block + hold
                continue
            carry = block[cut:] + hold
            yield _nfc(block[:cut])
        if carry:
            yield _nfc(carry.replace("\r", "\n"))


def _nfc(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _check_codec(path: Path, encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise QualcodeError(
            "E302", Location(str(path)), path=path, problem=f"unknown encoding '{encoding}'",
            fix="Name a Python codec such as utf-8, cp1252, latin-1, mac_roman or utf-16.",
        ) from None  # fmt: skip


def undecodable(path: Path, encoding: str) -> QualcodeError:
    """E308 at the first byte `encoding` cannot decode, found by decoding the file again in
    blocks (this runs only when decoding has already failed)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    lines = 1
    with open(path, "rb") as handle:
        while True:
            block = handle.read(BLOCK_BYTES)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                bad = max(0, offset + exc.start - len(decoder.getstate()[0]))
                handle.seek(0)
                lines += handle.read(bad).count(b"\n")
                return QualcodeError(
                    "E308", Location(str(path), line=lines), encoding=encoding, offset=bad
                )
            if not block:
                break
            offset += len(block)
    return QualcodeError("E308", Location(str(path)), encoding=encoding, offset=offset)


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
