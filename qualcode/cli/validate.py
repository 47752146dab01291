"""`qualcode validate` and `qualcode init`: check a codebook by its examples; start one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import EXIT_INPUT, app, user_errors


@app.command()
def validate(
    codebook: Annotated[Path, typer.Argument(help="The codebook YAML file.")],
    model: Annotated[
        str | None, typer.Option("--model", help="An installed spaCy pipeline to use.")
    ] = None,
    failures_only: Annotated[
        bool, typer.Option("--failures-only", help="List only failing examples.")
    ] = False,
) -> None:
    """Check CODEBOOK and run its examples (must be coded) and non-examples (must not)."""
    from qualcode.codebook.load import load_codebook
    from qualcode.coding.validate import check_examples
    from qualcode.console import out, validate_table

    with user_errors():
        book = load_codebook(codebook)
        results = check_examples(book, model=model)
    failed = [r for r in results if not r.passed]
    shown = failed if failures_only else results
    if shown:
        out.print(validate_table(shown))
    n_codes = len(book.ids)
    out.print(
        f"{codebook}: {n_codes} codes; {len(results) - len(failed)}/{len(results)} examples "
        f"and non-examples pass." + (" [red]FAILED[/]" if failed else " [green]OK[/]")
    )
    if failed:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("codebook.yaml"),
) -> None:
    """Write a commented starter codebook that validates."""
    from qualcode.codebook.starter import write_starter
    from qualcode.console import out

    with user_errors():
        write_starter(path)
    out.print(f"wrote {path}: edit it, then run `qualcode validate {path}`")
