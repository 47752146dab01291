"""Spreadsheet-safe cells: the formula-injection rule (:func:`neutralise`) and its exact
inverse (:func:`restore`). Kept apart from :mod:`qualcode.io.tables` (which re-exports
them) so that a reader that needs only these does not import pandas."""

from __future__ import annotations

import re

__all__ = ["NUMBER", "TRIGGERS", "neutralise", "restore"]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP), and LF: the
#: reader turns a leading CR into LF, and a spreadsheet that trims leading whitespace would
#: then see the formula after it.
TRIGGERS = frozenset("=+-@\t\r\n")

#: A plain number, which is never neutralised even when it starts with a sign: an optional
#: sign, ASCII digits (optionally grouped in threes by commas: ``1,000``), an optional
#: decimal part and an optional exponent. ``-5``, ``+3.2``, ``-1,000.5``, ``-.5``, ``-1e-3``
#: match; ``-2+3``, ``-1,00``, ``- 5``, ``-inf``, ``+`` do not.
NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
)


def _needs_quote(text: str) -> bool:
    core = text.lstrip("'")
    return core[:1] in TRIGGERS and NUMBER.fullmatch(core) is None


def neutralise(text: str) -> str:
    """Prefix `text` with ``'`` when a spreadsheet could read it as a formula.

    The rule looks past any ``'`` already there (``'=1`` becomes ``''=1``), which is what
    makes :func:`restore` its exact inverse for every string.
    """
    return "'" + text if _needs_quote(text) else text


def restore(text: str) -> str:
    """Undo :func:`neutralise`: ``restore(neutralise(s)) == s`` for every string ``s``."""
    return text[1:] if text[:1] == "'" and _needs_quote(text[1:]) else text
