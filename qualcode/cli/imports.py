"""`qualcode import qdc|liwc|quanteda|wordstat|empath`: other tools' codebooks and
dictionaries as codebook YAML (qualcode.refi.read, qualcode.dictionaries). The module is
`imports` because `import` is a keyword."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import app, note, user_errors
from qualcode.cli.export import DictOutput

import_app = typer.Typer(help="Turn other tools' codebooks and dictionaries into YAML.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(import_app, name="import")

DictLanguage = Annotated[
    str, typer.Option("--language", help="spaCy language code used to split entries into tokens.")
]


@import_app.command("qdc")
def import_qdc(
    file: Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc) or project (.qdpx).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The codebook YAML to write.")
    ] = Path("codebook.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite -o if it exists.")] = False,
) -> None:
    """A REFI-QDA codebook as codebook YAML: hierarchy, names, descriptions, colours (and
    the rules, from files qualcode wrote). Codes without rules are marked TODO."""
    from qualcode.refi.read import draft_counts, import_refi_codebook

    with user_errors():
        draft = import_refi_codebook(file, output, force=force)
    codes, todo = draft_counts(draft)
    note(f"wrote {output} ({codes} codes, {todo} without rules): edit it, then run "
         f"`qualcode validate {output}`")  # fmt: skip


def _import_dictionary(fmt: str, file: Path, output: Path | None, language: str) -> None:
    """Shared body of the `import liwc|quanteda|wordstat|empath` commands."""
    from qualcode.dictionaries import import_dictionary, write_dictionary_yaml

    with user_errors():
        if output is None:
            text, notes = import_dictionary(file, fmt, language)
            sys.stdout.write(text)
        else:
            notes = write_dictionary_yaml(file, fmt, output, language)
    for line in notes:
        note(f"note: {line}")
    if output is not None:
        note(f"wrote {output}; next: qualcode validate {output}")


@import_app.command("liwc")
def import_liwc(
    file: Annotated[Path, typer.Argument(help="A LIWC dictionary (.dic).")],
    output: DictOutput = None,
    language: DictLanguage = "en",
) -> None:
    """A LIWC .dic dictionary as codebook YAML (one code per category; `word*` globs kept)."""
    _import_dictionary("liwc", file, output, language)


@import_app.command("quanteda")
def import_quanteda(
    file: Annotated[Path, typer.Argument(help="A quanteda YAML dictionary (.yml).")],
    output: DictOutput = None,
    language: DictLanguage = "en",
) -> None:
    """A quanteda YAML dictionary as codebook YAML (nesting becomes the code hierarchy)."""
    _import_dictionary("quanteda", file, output, language)


@import_app.command("wordstat")
def import_wordstat(
    file: Annotated[Path, typer.Argument(help="A WordStat category file (.cat).")],
    output: DictOutput = None,
    language: DictLanguage = "en",
) -> None:
    """A WordStat .cat dictionary as codebook YAML (weights dropped, `_` joins phrases)."""
    _import_dictionary("wordstat", file, output, language)


@import_app.command("empath")
def import_empath(
    file: Annotated[Path, typer.Argument(help="An Empath lexicon (categories.tsv).")],
    output: DictOutput = None,
    language: DictLanguage = "en",
) -> None:
    """An Empath categories.tsv lexicon as codebook YAML (exact words)."""
    _import_dictionary("empath", file, output, language)
