"""Every messy file the project builds is read exactly as a researcher means it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qualcode.io.read import read_answers
from tests import messy_files

BUILDERS: dict[str, tuple[Callable, str]] = {
    "qualtrics_csv": (messy_files.qualtrics_csv, "qualtrics.csv"),
    "qualtrics_xlsx": (messy_files.qualtrics_xlsx, "qualtrics.xlsx"),
    "surveymonkey_csv": (messy_files.surveymonkey_csv, "monkey.csv"),
    "utf16_tab_txt": (messy_files.utf16_tab_txt, "unicode.txt"),
    "cp1252_csv": (messy_files.cp1252_csv, "windows.csv"),
    "semicolon_crlf_csv": (messy_files.semicolon_crlf_csv, "europe.csv"),
    "cr_only_csv": (messy_files.cr_only_csv, "oldmac.csv"),
    "formula_payloads_csv": (messy_files.formula_payloads_csv, "formulas.csv"),
    "decomposed_unicode_csv": (messy_files.decomposed_unicode_csv, "nfd.csv"),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_messy_file_is_read_as_meant(tmp_path: Path, name: str) -> None:
    build, filename = BUILDERS[name]
    path, expected = build(tmp_path / filename)
    frame, source = read_answers(path)
    assert list(frame.columns) == expected["columns"]
    assert frame.to_dict("records") == expected["rows"]
    assert source.rows == len(expected["rows"]) and not source.skipped
    if "delimiter" in expected:
        assert source.delimiter == expected["delimiter"]
    if "encoding" in expected:
        assert source.encoding.replace("_", "-").replace("-sig", "") in (
            expected["encoding"].replace("_", "-").replace("-sig", ""),
            "utf-16",  # a BOM names the byte order; the codec is plain utf-16
        )
    assert source.platform == expected.get("platform")
    if "platform" in expected:
        assert source.header_rows == 1 + expected["header_rows"]
        assert source.labels == expected["labels"]
        assert any(f"{expected['platform']} export" in n for n in source.notes)
