"""Generate docs/cli.md, the CLI reference, from the typer app itself.

``python -m qualcode.cli_docs`` rewrites docs/cli.md; tests/test_cli_docs.py fails when the
file is stale, so the reference can never drift from what ``--help`` prints.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

WIDTH = 100  # help is wrapped at a fixed width so the file does not depend on the terminal
HEADER = """\
# CLI reference

Generated from the command line itself by `python -m qualcode.cli_docs`; do not edit by hand
(`tests/test_cli_docs.py` fails when this file is stale). Each section is exactly what
`qualcode COMMAND --help` prints. Exit status: 0 ok, 1 a problem with your input (a message
with an error code, see `qualcode/errors.py`), 2 bad usage; `qualcode diff --fail-on-change`
documents its own status for "changed".
"""


def _context(command: Any, name: str, parent: Any) -> Any:
    # The command's own context class: typer may vendor its own copy of click.
    return command.context_class(
        command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH
    )


def _walk(command: Any, name: str, parent: Any) -> Iterator[tuple[str, Any, Any]]:
    """Every command and group, depth-first in the order they were registered."""
    ctx = _context(command, name, parent)
    yield ctx.command_path, command, ctx
    if hasattr(command, "list_commands"):  # typer may vendor its own click: duck-type
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, sub_name, ctx)


def render(app: typer.Typer | None = None) -> str:
    """The Markdown CLI reference of `app` (default: qualcode's)."""
    if app is None:
        from qualcode.cli import app as qualcode_app

        app = qualcode_app
    root = typer.main.get_command(app)
    entries = list(_walk(root, "qualcode", None))
    lines = [HEADER]
    lines.append("| command | what it does |\n|---|---|")
    for path, command, _ in entries[1:]:
        anchor = path.replace(" ", "-")
        summary = command.get_short_help_str(limit=WIDTH).replace("|", "\\|")
        lines.append(f"| [`{path}`](#{anchor}) | {summary} |")
    lines.append("")
    for path, command, ctx in entries:
        lines.append(f"## {path}\n")
        lines.append("```\n" + command.get_help(ctx).rstrip() + "\n```\n")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Write the reference to the path given (default: docs/cli.md beside the package)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    from qualcode.io.write import write_text

    write_text(target, render())
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
