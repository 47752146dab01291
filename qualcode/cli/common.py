"""What every verb module shares: the typer app, how errors become exit codes, where output
goes, and printing.

Exit status, for every verb: 0 ok; 1 a problem with the user's input (a QualcodeError: a
message with its catalogue code, no traceback); 2 bad usage (typer/click's own convention,
and :class:`typer.BadParameter`); 3 `diff --fail-on-change` when something changed; 130
interrupted. Nothing here imports pandas, spaCy or the rest of the library: a verb imports
what it needs when it runs, so `qualcode --version` and `--help` stay fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.errors import Location, QualcodeError
from qualcode.version import __version__

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.export.tables import Grid

EXIT_OK = 0
EXIT_INPUT = 1  # a QualcodeError
EXIT_USAGE = 2  # click's own code for bad usage
#: `qualcode diff --fail-on-change` exits with this when something changed: not 1 (a problem
#: with the input) nor 2 (bad usage), so CI can tell a changed coding from a failed run.
EXIT_CHANGED = 3
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="qualcode",
    help="Code free-text survey answers against a YAML codebook with spaCy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Code free-text survey answers against a YAML codebook with spaCy."""


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn QualcodeError into a message on stderr and exit status 1."""
    from qualcode.console import err

    try:
        yield
    except QualcodeError as exc:
        err.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def escape(text: str) -> str:
    """`text` with rich markup escaped, for printing user data."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def note(text: str) -> None:
    """A line for the user on stderr (progress notes, "wrote FILE")."""
    from qualcode.console import err

    err.print(escape(text), soft_wrap=True)


@dataclass(frozen=True)
class OutputFormats:
    """The output formats of a verb: which file suffix picks which format, the format
    without -o (None: -o is required to tell), and the formats that only go to a file.

    `catalogue`: report a suffix that picks no format, and a file-only format without -o, as
    catalogue errors E655 and E653 (exit 1) rather than usage errors (exit 2). Only `quotes`
    does, as it has since it was written (its tests pin both).
    """

    suffixes: Mapping[str, str]
    screen: str | None
    files_only: tuple[str, ...] = ()
    catalogue: bool = False


def resolve_output(
    output: Path | None,
    fmt: str | None,
    formats: OutputFormats,
    *,
    reading: Sequence[Path] = (),
) -> str:
    """The format to write: `fmt` (--format) when given, else the one -o's suffix picks,
    else the screen format. Bad usage exits with status 2: a suffix that picks nothing, a
    file-only format without -o (see :attr:`OutputFormats.catalogue`). `reading`: the output
    folders the verb reads; -o may not be one of their files (E402, exit 1), the guard
    :func:`qualcode.coding.outdir.refuse_output_in` every library writer applies too."""
    chosen = fmt
    if chosen is None:
        chosen = formats.screen if output is None else _by_suffix(output, formats.suffixes)
    if chosen is None:
        if formats.catalogue:
            with user_errors():
                raise QualcodeError("E655", Location(str(output)), path=output)
        known = ", ".join(sorted(formats.suffixes))
        raise typer.BadParameter(
            f"cannot tell the format from '{output}': use a suffix ({known}) or --format",
            param_hint="--output",
        )
    if chosen in formats.files_only and output is None:
        if formats.catalogue:
            with user_errors():
                raise QualcodeError("E653")
        raise typer.BadParameter(f"--format {chosen} needs -o FILE.{chosen}", param_hint="--format")
    if reading:
        from qualcode.coding.outdir import refuse_output_in

        with user_errors():
            for folder in reading:
                refuse_output_in(folder, output)
    return chosen


def _by_suffix(output: Path, suffixes: Mapping[str, str]) -> str | None:
    return suffixes.get(output.suffix.lower())


def write_or_print(text: str, output: Path | None) -> None:
    """Text to `output` (atomically, then "wrote FILE" on stderr) or to standard output."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from qualcode.io.write import write_text

    write_text(output, text)
    note(f"wrote {output}")


def emit_table(
    grid: Grid, frame: pd.DataFrame, notes: list[str], fmt: str, output: Path | None
) -> None:
    """Print the table (rich on screen; csv, md or tex as text on stdout) or write it to
    `output`. CSV has no room for notes: they go to stderr."""
    from qualcode.console import out
    from qualcode.export.tables import render_text, rich_table, write_output

    if output is not None:
        write_output(output, fmt, grid, frame)
        note(f"wrote {output}")
    elif fmt == "table":
        out.print(rich_table(grid))
        return
    else:
        sys.stdout.write(render_text(fmt, grid, frame))
        sys.stdout.flush()
    if fmt == "csv":
        for line in notes:
            note(line)
