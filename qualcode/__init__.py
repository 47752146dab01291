"""qualcode: code free-text survey answers against a YAML codebook with spaCy.

>>> import qualcode
>>> cb = qualcode.load_codebook("codebooks/ketamine.yaml")
>>> coding = qualcode.code(df, cb, text=["q1_harms"], id="respondent_id")
>>> coding.summary(), coding.segments, coding.matrix, coding.quotes(per_code=2)

The names below are loaded when first used (PEP 562), so `import qualcode` (and the CLI,
which lives inside this package) does not pay for pandas and spaCy until they are needed.
The "qualcode" spaCy factory needs no import either: spaCy finds it through the
`spacy_factories` entry point (pyproject.toml).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qualcode.version import __version__

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from qualcode.codebook.load import load_codebook, parse_codebook
    from qualcode.codebook.model import Code, Codebook, Rule
    from qualcode.coding.result import Coding, load_coding
    from qualcode.coding.run import code
    from qualcode.errors import QualcodeError
    from qualcode.io.read import read_answers

#: Public name -> the module that defines it.
_API = {
    "Code": "qualcode.codebook.model",
    "Codebook": "qualcode.codebook.model",
    "Rule": "qualcode.codebook.model",
    "load_codebook": "qualcode.codebook.load",
    "parse_codebook": "qualcode.codebook.load",
    "Coding": "qualcode.coding.result",
    "load_coding": "qualcode.coding.result",
    "code": "qualcode.coding.run",
    "QualcodeError": "qualcode.errors",
    "read_answers": "qualcode.io.read",
}

__all__ = [
    "Code",
    "Codebook",
    "Coding",
    "QualcodeError",
    "Rule",
    "__version__",
    "code",
    "load_codebook",
    "load_coding",
    "parse_codebook",
    "read_answers",
]


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
