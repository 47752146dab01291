"""LaTeX text escaping: any answer, including `% & _ $ # { } ~ ^ \\`, typesets as written.

The output is meant for a UTF-8 document compiled with pdfLaTeX (with `\\usepackage[utf8]
{inputenc}`, the default since 2018), XeLaTeX or LuaLaTeX: letters outside ASCII are kept
as they are, and only the characters TeX gives a meaning to are replaced.
"""

from __future__ import annotations

import re

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_PATTERN = re.compile("|".join(re.escape(ch) for ch in _SPECIAL))


def escape_latex(text: str) -> str:
    """Escape `text` for LaTeX body text. A run of line breaks becomes one `\\\\` (never at
    the start or end, where LaTeX would stop with "There's no line here to end")."""
    escaped = _PATTERN.sub(lambda m: _SPECIAL[m.group()], text.strip())
    # "--" and "``" would become ligatures (en dash, opening quotes): keep them as typed.
    escaped = escaped.replace("--", "-{}-").replace("``", "`{}`").replace("''", "'{}'")
    return re.sub(r"[ \t]*\n\s*", lambda _m: "\\\\\n", escaped)
