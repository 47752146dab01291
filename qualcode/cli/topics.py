"""`qualcode topics`: topics in the answers and candidate codes from them
(qualcode.analysis.topic_run and .suggest; tables and files by qualcode.export.topics)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, note, user_errors


class TopicMethod(str, Enum):
    nmf = "nmf"
    lda = "lda"


@app.command()
def topics(
    answers: Annotated[Path, typer.Argument(help="The answers file (.csv, .xlsx, ...).")],
    text: Annotated[
        list[str] | None, typer.Option("--text", "-t", help="Answer column(s) [inferred].")
    ] = None,
    id: Annotated[str | None, typer.Option("--id", help="Respondent id column.")] = None,
    k: Annotated[
        str, typer.Option("--k", help="Number of topics, or 'auto' (best mean NPMI coherence).")
    ] = "auto",
    k_min: Annotated[int, typer.Option("--k-min", min=2, help="Smallest k tried by auto.")] = 2,
    k_max: Annotated[int, typer.Option("--k-max", min=2, help="Largest k tried by auto.")] = 10,
    method: Annotated[
        TopicMethod, typer.Option("--method", help="nmf (TF-IDF + NMF) or lda (counts + LDA).")
    ] = TopicMethod.nmf,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
    top: Annotated[int, typer.Option("--top", min=3, help="Terms kept per topic.")] = 10,
    by: Annotated[
        str | None, typer.Option("--by", help="Also count topics by this attribute column.")
    ] = None,
    uncoded: Annotated[
        Path | None,
        typer.Option("--uncoded", help="A `qualcode apply` folder of ANSWERS: model only the "
                     "answers no code matched."),
    ] = None,
    suggest: Annotated[
        Path | None,
        typer.Option("--suggest", help="Write one candidate code per topic to this YAML."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --suggest file if it exists.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output folder [<answers>.topics/].")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of the answers [the codebook's, else "
                                 "en].")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="An installed spaCy pipeline to use.")
    ] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="[detected]")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="XLSX sheet [first].")] = None,
    delimiter: Annotated[str | None, typer.Option("--delimiter", help="[sniffed]")] = None,
) -> None:  # fmt: skip
    """Topics in the answers (NMF or LDA over spaCy lemmas): top terms, sizes, representative
    answers, optionally by attribute; --suggest turns them into candidate codes."""
    from qualcode.analysis.suggest import check_suggestions_path, write_suggestions
    from qualcode.analysis.topic_run import parse_k, run_topics
    from qualcode.console import out
    from qualcode.export.topics import check_topics_dir, default_outdir, topic_tables, write_topics

    if k_min > k_max:
        raise typer.BadParameter("must not exceed --k-max", param_hint="--k-min")
    with user_errors():
        chosen_k = parse_k(k)
        outdir = output or default_outdir(answers)
        check_topics_dir(outdir, answers, uncoded)
        if suggest is not None:  # before the run: a refusal should not cost a model fit
            check_suggestions_path(suggest, answers, force=force)
        run = run_topics(
            answers, text=text, id=id, k=chosen_k, method=method.value, seed=seed, top_n=top,
            k_range=(k_min, k_max), by=by, uncoded=uncoded, language=lang, model=model,
            encoding=encoding, sheet=sheet, delimiter=delimiter, notify=note,
        )  # fmt: skip
        if suggest is not None:  # the codebook of --uncoded is known only now
            recorded = (run.manifest.get("uncoded") or {}).get("codebook", {}).get("path")
            check_suggestions_path(suggest, answers, force=force, codebook=recorded)
        for table in topic_tables(run):
            out.print(table)
        written = write_topics(run, outdir, answers, uncoded)
        note(f"wrote {outdir}/ ({', '.join(written)})")
        if suggest is not None:
            write_suggestions(run, suggest, answers, force=force)
            note(f"wrote {suggest}: check it with `qualcode validate {suggest}`")
