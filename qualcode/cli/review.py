"""`qualcode review`, `finalize` and `import codings`: thin wrappers over
:mod:`qualcode.review` (the library imported inside each verb, when it runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, escape, user_errors
from qualcode.cli.imports import import_app


@app.command("review")
def review(
    outdir: Annotated[Path, typer.Argument(help="An output folder of `qualcode apply`.")],
    coder: Annotated[
        str | None, typer.Option("--coder", help="Your name, stored with each decision [login].")
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port (0: any free one).")
    ] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; only this machine by default.")
    ] = "127.0.0.1",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL, do not open a browser.")
    ] = False,
    blind: Annotated[
        Path | None,
        typer.Option("--blind", help="Code the answers of this `qualcode sample` sheet blind."),
    ] = None,
    blind_sample: Annotated[
        int | None,
        typer.Option(
            "--blind-sample", min=1, help="Code N answers drawn at random (--seed) blind."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of --blind-sample.")] = 1,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="Carry the decisions of an earlier output folder over first."),
    ] = None,
) -> None:
    """Review the coding in the browser: accept, reject and hand-code answers; every
    decision is kept in OUTDIR/review.sqlite."""
    from qualcode.console import err

    with user_errors():
        if from_dir is not None:
            from qualcode.review.carry import carry_over

            report = carry_over(from_dir, outdir)
            err.print(escape(report), soft_wrap=True)
        from qualcode.review.server import serve

        def echo(line: str) -> None:
            typer.echo(line)

        serve(
            outdir, coder=coder, host=host, port=port, open_browser=not no_browser,
            blind_sheet=blind, blind_sample=blind_sample, seed=seed, echo=echo,
        )  # fmt: skip


@app.command("finalize")
def finalize(
    outdir: Annotated[Path, typer.Argument(help="A reviewed output folder.")],
    coder: Annotated[
        str | None, typer.Option("--coder", help="Whose decisions [the only coder].")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder [<OUTDIR>.final/ beside it].")
    ] = None,
) -> None:
    """The machine coding with a coder's review decisions applied, as a new output folder
    (coded, segments, summary, provenance, decisions, gold tables)."""
    from qualcode.console import err

    with user_errors():
        from qualcode.review.finalize import finalize as run

        done = run(outdir, output, coder)
    info = done.coding.manifest["review"]
    err.print(
        escape(
            f"wrote {done.outdir} ({done.coder}: {info['decisions_applied']} decisions on "
            f"{info['answers_reviewed']} answer(s) applied, {info['decisions_stale']} stale, "
            f"{info['decisions_orphaned']} orphaned; {info['changed_cells']} cells changed)"
        ),
        soft_wrap=True,
    )


@import_app.command("codings")
def import_codings(
    file: Annotated[Path, typer.Argument(help="A .qdpx project exported from OUTDIR.")],
    outdir: Annotated[Path, typer.Argument(help="The output folder it was exported from.")],
    coder: Annotated[str, typer.Option("--coder", help="Whose decisions the codings become.")],
) -> None:
    """Codings made in NVivo, ATLAS.ti, MAXQDA or QualCoder on a project `qualcode export
    qdpx` wrote come back as a coder's decisions in OUTDIR/review.sqlite."""
    from qualcode.console import err

    with user_errors():
        from qualcode.review.qdpx_import import describe, import_codings_into

        result = import_codings_into(file, outdir, coder)
    err.print(escape(describe(result, coder, file)), soft_wrap=True)
