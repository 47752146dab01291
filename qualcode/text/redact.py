"""Redact personal details in quotes: e-mail addresses, phone numbers, URLs, @handles, names.

Each kind becomes a placeholder (:data:`PLACEHOLDERS`): ``[REDACTED-EMAIL]``,
``[REDACTED-PHONE]``, ``[REDACTED-URL]``, ``[REDACTED-HANDLE]``, ``[REDACTED-NAME]``.

Phone numbers are found two ways, and a span either finds is redacted:

* Google's libphonenumber (the ``phonenumbers`` package) with ``Leniency.VALID`` for each
  region of `phone_regions` (default :data:`PHONE_REGIONS`: GB and US): numbers that are
  real numbers of that region in any layout ("+1 212 555 0199", "0800 123 4567"), and
  international numbers (``+`` and a country code) of any country;
* patterns for what reads as a phone number even when it is not an allocated one (the
  fictional "(555) 123-4567" or "07700 900123" of a survey's made-up example): a leading
  ``+`` and 7-15 digits; an area code in parentheses; a leading trunk ``0`` and 9-12 digits
  in groups of two or more; the North American 3-3-4 layout; and any 6-15 digits right after
  a word such as "call", "phone", "tel", "mobile", "text", "ring", "number" or "whatsapp".

Numbers that are not phone numbers stay: years ("in 2019", "2015-2019"), ages and ranges
("25-34", "1-2 times"), doses ("200mg"), dates ("12/03/2021", "2021-03-12"), amounts.

URLs: ``http(s)://`` and ``ftp://`` addresses, ``www.`` addresses, and bare domains with a
common top-level domain (``example.com/path``, ``nhs.uk``; the list is :data:`TLDS`, which
leaves out English words such as "in", "it", "me", "is"). Trailing punctuation (``.,;:!?``
and an unbalanced closing bracket) stays outside the URL. Handles: ``@`` then letters,
digits, ``_`` or inner dots, not preceded by a letter or digit (so an e-mail is an e-mail).
Names: whole words from a list, case-insensitive; several words match across any spaces.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import Location, QualcodeError

#: Kinds of redaction, in the order they are reported.
KINDS = ("email", "phone", "url", "handle", "name")
PLACEHOLDERS = {kind: f"[REDACTED-{kind.upper()}]" for kind in KINDS}
#: Regions whose national phone-number formats libphonenumber checks (ISO 3166 codes).
PHONE_REGIONS = ("GB", "US")

#: Top-level domains a bare domain (no scheme, no www.) must end with.
TLDS = (
    "com net org edu gov mil int info biz name pro io co ai app dev xyz online site shop blog "
    "uk ie us ca au nz za de fr nl es eu ch se dk fi pl pt ru jp cn br mx ar nhs tv ly gg"
).split()

_TRAIL = ".,;:!?'\"’”»"
_PAIRS = {")": "(", "]": "[", "}": "{"}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_SCHEME = re.compile(r"\b(?:https?|ftp)://[^\s<>\"]+", re.IGNORECASE)
_WWW = re.compile(r"(?<![\w.@/-])www\.[^\s<>\"]+", re.IGNORECASE)
_BARE = re.compile(
    r"(?<![\w.@/-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:"
    + "|".join(sorted(TLDS, key=len, reverse=True))
    + r")(?![\w-])(?:[/?#][^\s<>\"]*)?",
    re.IGNORECASE,
)
_HANDLE = re.compile(
    r"(?<![\w@.])@(?!\d{1,2}(?:[:.]\d\d)?(?:am|pm)\b)(?=[A-Za-z0-9_.]*[A-Za-z_])[A-Za-z0-9_](?:[A-Za-z0-9_.]*\w)?"
)
# A run of digit groups, possibly with a leading + and an area code in parentheses; what it
# is, is decided by _is_phone. Never next to a letter, a digit, / or a decimal point.
_DIGITS = re.compile(
    r"(?<![\w+/.,-])(?P<plus>\+\s?)?(?P<paren>\(\s?\d{1,5}\s?\)[ .\-]?)?"
    r"\d{1,15}(?:(?:[ .\-\u00a0]|\s?\(\d{1,5}\)\s?)\d{1,15}){0,6}(?![\w/]|[.,\-]\d)"
)
_PHONE_WORD = re.compile(
    r"\b(?:call|phone|tel|telephone|mobile|cell|ring|text|txt|sms|whatsapp|number|contact|"
    r"fax|no|nr)\b\.?\s*(?:me|us|him|her|them)?\s*(?:on|at|:|-)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Redaction:
    """A span of the original text and what kind of detail it is."""

    start: int
    end: int
    kind: str

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS[self.kind]


def redact(
    text: str, names: Iterable[str] = (), *, phone_regions: Sequence[str] = PHONE_REGIONS
) -> tuple[str, tuple[str, ...]]:
    """Return `text` with e-mails, phone numbers, URLs, handles and `names` replaced by
    placeholders, and the kinds replaced (in :data:`KINDS` order, each once).

    >>> redact("Mail me: jo+k@mail.example.org or call 0161 496 0000.")
    ('Mail me: [REDACTED-EMAIL] or call [REDACTED-PHONE].', ('email', 'phone'))
    """
    spans = find_redactions(text, names, phone_regions=phone_regions)
    return apply_redactions(text, spans), tuple(k for k in KINDS if k in {s.kind for s in spans})


def apply_redactions(text: str, spans: Sequence[Redaction]) -> str:
    """`text` with each (non-overlapping, sorted) span replaced by its placeholder."""
    pieces, at = [], 0
    for span in spans:
        pieces += [text[at : span.start], span.placeholder]
        at = span.end
    pieces.append(text[at:])
    return "".join(pieces)


def shift(position: int, spans: Sequence[Redaction]) -> int:
    """Where `position` of the original text is in the redacted text (a position inside a
    redacted span maps to the start of its placeholder)."""
    moved = 0
    for span in spans:
        if span.start >= position:
            break
        if span.end > position:
            return span.start + moved
        moved += len(span.placeholder) - (span.end - span.start)
    return position + moved


def find_redactions(
    text: str, names: Iterable[str] = (), *, phone_regions: Sequence[str] = PHONE_REGIONS
) -> list[Redaction]:
    """The spans to redact, sorted and not overlapping: where two overlap, the one that starts
    first wins, then the longer one, then the kind earlier in URL, e-mail, phone, handle,
    name order (a URL's digits are part of the URL, an e-mail's domain part of the e-mail)."""
    found: list[Redaction] = []
    for pattern in (_SCHEME, _WWW, _BARE):
        found += [_url(m.start(), m.group(), "url") for m in pattern.finditer(text)]
    found += [Redaction(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    found += _phones(text, phone_regions)
    found += [Redaction(m.start(), m.end(), "handle") for m in _HANDLE.finditer(text)]
    listed = _names_pattern(tuple(names))
    if listed is not None:
        found += [Redaction(m.start(), m.end(), "name") for m in listed.finditer(text)]
    rank = {"url": 0, "email": 1, "phone": 2, "handle": 3, "name": 4}
    found.sort(key=lambda s: (s.start, s.start - s.end, rank[s.kind]))
    kept: list[Redaction] = []
    for span in found:
        if span.end > span.start and (not kept or span.start >= kept[-1].end):
            kept.append(span)
    return kept


def _url(start: int, url: str, kind: str) -> Redaction:
    """Drop trailing punctuation, and closing brackets that do not close one in the URL."""
    while url:
        last = url[-1]
        if last in _TRAIL or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            url = url[:-1]
        else:
            break
    return Redaction(start, start + len(url), kind)


def _phones(text: str, regions: Sequence[str]) -> list[Redaction]:
    spans = [
        Redaction(m.start(), m.end(), "phone") for m in _DIGITS.finditer(text) if _is_phone(m, text)
    ]
    if regions and sum(ch.isdigit() for ch in text) >= 7:
        import phonenumbers

        for region in regions:
            for match in phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            ):
                spans.append(Redaction(match.start, match.end, "phone"))
    return spans


def _is_phone(match: re.Match[str], text: str) -> bool:
    found = match.group()
    digits = sum(ch.isdigit() for ch in found)
    if match.group("plus") or match.group("paren"):
        return 7 <= digits <= 15
    groups = [len(g) for g in re.findall(r"\d+", found)]
    if found.startswith("0") and 9 <= digits <= 12 and min(groups) >= 2:
        return True  # a trunk prefix: 0161 496 0000, 07700 900123, 020 7946 0958
    if groups == [3, 3, 4] and re.fullmatch(r"\d{3}([ .\-])\d{3}\1\d{4}", found):
        return True  # North American 212-555-0199, 212.555.0199, 212 555 0199
    before = text[max(0, match.start() - 30) : match.start()]
    return 6 <= digits <= 15 and _PHONE_WORD.search(before) is not None


@functools.lru_cache(maxsize=32)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternatives = (r"\s+".join(re.escape(part) for part in name.split()) for name in words)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def read_names(path: str | Path) -> tuple[str, ...]:
    """Names to redact from a UTF-8 text file: one a line; blank lines and lines starting
    with ``#`` are skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problem = "not found" if isinstance(exc, FileNotFoundError) else str(exc)
        raise QualcodeError("E654", Location(str(path)), path=path, problem=problem) from None
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))
