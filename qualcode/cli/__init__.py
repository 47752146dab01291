"""The command line: one thin module per verb group over the library.

Each module below registers its verbs on the shared typer `app` (qualcode.cli.common) when
imported, and imports the library only inside the verb, when it runs: importing this package
costs typer and nothing else, so `qualcode --version` is instant. The order of the imports
is the order of `qualcode --help` and docs/cli.md.

Adding a verb group: write ``qualcode/cli/NAME.py`` with ``from qualcode.cli.common import
app, user_errors`` and an ``@app.command()`` function that parses options, calls one library
function inside ``with user_errors():`` and prints; choose output formats with
``resolve_output``. Then add NAME to the import below (one line), run ``python -m
qualcode.cli_docs`` to regenerate docs/cli.md, and check the layers (``lint-imports``).
"""

from __future__ import annotations

# Each import registers the verbs of one module on `app`, in --help's order.
# isort: off
from qualcode.cli import (  # noqa: F401
    apply,
    validate,
    kwic,
    summary,
    quotes,
    report,
    sample,
    agree,
    topics,
    diff,
    methods,
    review,
    export,
    imports,
)

# isort: on
from qualcode.cli.common import app
from qualcode.cli.diff import DIFF_CHANGED_EXIT

__all__ = ["DIFF_CHANGED_EXIT", "app", "main"]


def main() -> None:
    """Console-script entry point (`qualcode`, `python -m qualcode`)."""
    app()
