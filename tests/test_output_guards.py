"""The guards the CLI applies before writing live in the library, so Python users get them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qualcode import QualcodeError
from qualcode.analysis.suggest import check_suggestions_path
from qualcode.codebook.starter import STARTER, write_starter
from qualcode.coding.outdir import refuse_output_in
from qualcode.io.write import check_new_file


def code_of(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(QualcodeError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def test_a_new_file_is_never_written_over_without_force(tmp_path: Path) -> None:
    kept = tmp_path / "codebook.yaml"
    kept.write_text("mine\n", encoding="utf-8")
    assert code_of(check_new_file, kept) == "E403"
    check_new_file(kept, force=True)  # allowed: the caller asked
    assert code_of(check_new_file, kept, force=True, reading=[kept]) == "E402"
    check_new_file(tmp_path / "new.yaml", reading=[kept])
    assert code_of(write_starter, kept) == "E403"
    assert kept.read_text(encoding="utf-8") == "mine\n"
    assert write_starter(tmp_path / "start.yaml").read_text(encoding="utf-8") == STARTER


def test_a_file_of_the_folder_being_read_is_refused(tmp_path: Path) -> None:
    assert code_of(refuse_output_in, tmp_path, tmp_path / "summary.csv") == "E402"
    assert code_of(refuse_output_in, tmp_path, tmp_path / "manifest.json") == "E402"
    refuse_output_in(tmp_path, tmp_path / "my-table.csv")
    refuse_output_in(tmp_path, None)


def test_the_topics_suggestions_guards(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_text("id,answer\n", encoding="utf-8")
    book = tmp_path / "book.yaml"
    book.write_text("name: B\n", encoding="utf-8")
    assert code_of(check_suggestions_path, answers, answers, force=True) == "E726"
    assert code_of(check_suggestions_path, book, answers, force=True, codebook=book) == "E726"
    stubs = tmp_path / "stubs.yaml"
    stubs.write_text("# edited\n", encoding="utf-8")
    assert code_of(check_suggestions_path, stubs, answers) == "E403"
    check_suggestions_path(stubs, answers, force=True)
