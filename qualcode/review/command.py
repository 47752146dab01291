"""The `review` and `finalize` verbs: thin wrappers over :mod:`qualcode.review`.

Heavy imports happen inside the functions, so `qualcode --version` stays fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.review.store import Decision


def register_review(app: typer.Typer) -> None:
    """Add the `review` and `finalize` commands to the qualcode app."""
    app.command("review")(review)
    app.command("finalize")(finalize)
    for group in app.registered_groups:  # `qualcode import codings`, beside `import qdc`
        if group.name == "import" and group.typer_instance is not None:
            group.typer_instance.command("codings")(import_codings)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """A QualcodeError as a message on stderr and exit status 1, as every verb does."""
    from rich.markup import escape

    from qualcode.console import err

    try:
        yield
    except QualcodeError as exc:
        err.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None


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
    from rich.markup import escape

    from qualcode.console import err

    with user_errors():
        if from_dir is not None:
            report = carry_over(from_dir, outdir)
            err.print(escape(report), soft_wrap=True)
        from qualcode.review.server import serve

        def echo(line: str) -> None:
            typer.echo(line)

        serve(
            outdir, coder=coder, host=host, port=port, open_browser=not no_browser,
            blind_sheet=blind, blind_sample=blind_sample, seed=seed, echo=echo,
        )  # fmt: skip


def carry_over(old: Path, new: Path) -> str:
    """Copy the decisions of `old`/review.sqlite into `new`/review.sqlite and say, per coder,
    how many apply to `new`'s answers, how many are stale and orphaned (listed)."""
    from qualcode.coding.result import load_coding
    from qualcode.review.corpus import ReviewCorpus
    from qualcode.review.decide import resolve
    from qualcode.review.store import open_store

    corpus = ReviewCorpus.from_coding(load_coding(new))
    source = open_store(old, create=False)
    target = open_store(new)
    added = target.copy_from(source) if source.path.resolve() != target.path.resolve() else 0
    lines = [f"carried {added} decision(s) from {source.path} to {target.path}"]
    for coder in target.coders():
        res = resolve(corpus, target.current(coder=coder))
        lines.append(
            f"  {coder}: {res.n_applicable} apply, {len(res.stale)} stale (answer text "
            f"changed or gone), {len(res.orphaned)} about codes no longer in the codebook"
        )
        for d in res.stale[:20]:
            lines.append(f"    stale: {_describe(d)}")
        for d in res.orphaned[:20]:
            lines.append(f"    orphaned: {_describe(d)}")
        if len(res.stale) > 20 or len(res.orphaned) > 20:
            lines.append(
                "    (the first 20 of each; `qualcode finalize` lists all in decisions.csv)"
            )
    source.close()
    target.close()
    return "\n".join(lines)


def _describe(d: Decision) -> str:
    """A decision in one line: respondent / question / code [span] (decision)."""
    span = "" if d.start == -1 else f" {d.start}-{d.end}"
    return f"{d.respondent} / {d.question} / {d.code or '(answer)'}{span} ({d.decision})"


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
    from rich.markup import escape

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


def import_codings(
    file: Annotated[Path, typer.Argument(help="A .qdpx project exported from OUTDIR.")],
    outdir: Annotated[Path, typer.Argument(help="The output folder it was exported from.")],
    coder: Annotated[str, typer.Option("--coder", help="Whose decisions the codings become.")],
) -> None:
    """Codings made in NVivo, ATLAS.ti, MAXQDA or QualCoder on a project `qualcode export
    qdpx` wrote come back as a coder's decisions in OUTDIR/review.sqlite."""
    from rich.markup import escape

    from qualcode.console import err

    with user_errors():
        from qualcode.coding.result import load_coding
        from qualcode.review.corpus import ReviewCorpus
        from qualcode.review.qdpx_import import describe
        from qualcode.review.qdpx_import import import_codings as run
        from qualcode.review.store import open_store

        corpus = ReviewCorpus.from_coding(load_coding(outdir))
        store = open_store(outdir)
        try:
            result = run(file, corpus, store, coder)
        finally:
            store.close()
    err.print(escape(describe(result, coder, file)), soft_wrap=True)
