"""The CLI through typer's runner, and once as a real subprocess of the installed script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.cli import app

runner = CliRunner()

CODEBOOK = """\
name: Mini
version: "1"
codes:
  - id: harms
    codes:
      - id: bladder
        match: [bladder, "urinat*"]
        examples: ["My bladder is wrecked."]
        non_examples: ["I never had bladder issues."]
      - id: cravings
        match: [craving]
        examples: ["The cravings are constant."]
        non_examples: ["No cravings at all."]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    pd.DataFrame(
        {
            "respondent_id": ["P1", "P2", "P3", "P4"],
            "region": ["Europe", "Europe", "Australia", "North America"],
            "answer": ["My bladder hurts when urinating", "", "no cravings now", "cravings daily"],
        }
    ).to_csv(tmp_path / "answers.csv", index=False)
    return tmp_path


def test_apply_writes_the_four_files_and_prints_a_summary(project: Path) -> None:
    result = runner.invoke(app, ["apply", str(project / "cb.yaml"), str(project / "answers.csv")])
    assert result.exit_code == 0, result.output
    out = project / "answers.qualcode"
    assert sorted(p.name for p in out.iterdir()) == [
        "coded.csv", "manifest.json", "segments.csv", "summary.csv",
    ]  # fmt: skip
    coded = pd.read_csv(out / "coded.csv", dtype=str, keep_default_na=False)
    assert list(coded.columns) == ["respondent_id", "region", "answer", "harms", "bladder",
                                   "cravings"]  # fmt: skip
    assert coded["cravings"].tolist() == ["0", "0", "0", "1"]  # P3 negated: excluded
    segments = pd.read_csv(out / "segments.csv", keep_default_na=False)
    assert segments["negated"].tolist() == [False, False, True, False]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["input"]["rows"] == 4 and len(manifest["input"]["sha256"]) == 64
    assert manifest["codebook"]["sha256"] and manifest["pipeline"]["spacy"]
    assert "inferred text column(s): answer" in result.output
    assert "bladder" in result.output and "% of the 3 respondents who answered" in result.output


def test_apply_is_deterministic(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    args = ["apply", str(project / "cb.yaml"), str(project / "answers.csv"), "-q"]
    assert runner.invoke(app, [*args, "-o", str(project / "a")]).exit_code == 0
    assert runner.invoke(app, [*args, "-o", str(project / "b")]).exit_code == 0
    for name in ("coded.csv", "segments.csv", "summary.csv", "manifest.json"):
        assert (project / "a" / name).read_bytes() == (project / "b" / name).read_bytes()


def test_apply_refuses_a_folder_it_did_not_write(project: Path) -> None:
    other = project / "mine"
    other.mkdir()
    (other / "thesis.docx").write_text("precious", encoding="utf-8")
    result = runner.invoke(
        app, ["apply", str(project / "cb.yaml"), str(project / "answers.csv"), "-o", str(other)]
    )
    assert result.exit_code == 1
    assert "E401" in result.output and "Traceback" not in result.output
    assert (other / "thesis.docx").read_text(encoding="utf-8") == "precious"


def test_apply_rewrites_its_own_previous_output(project: Path) -> None:
    args = ["apply", str(project / "cb.yaml"), str(project / "answers.csv"), "-q"]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0


@pytest.mark.parametrize(
    "extra, code, needle",
    [
        (["--text", "answr"], "E304", "Did you mean 'answer'?"),
        (["--id", "nope"], "E304", "Available columns"),
    ],
)
def test_apply_unknown_column(project: Path, extra: list[str], code: str, needle: str) -> None:
    result = runner.invoke(
        app, ["apply", str(project / "cb.yaml"), str(project / "answers.csv"), *extra]
    )
    assert result.exit_code == 1
    assert code in result.output and needle in result.output


def test_apply_bad_codebook_and_missing_answers(project: Path) -> None:
    bad = project / "bad.yaml"
    bad.write_text("name: X\ncodes:\n  - id: a\n    mach: [x]\n", encoding="utf-8")
    result = runner.invoke(app, ["apply", str(bad), str(project / "answers.csv")])
    assert result.exit_code == 1
    assert f"{bad}:4:5: error E104" in result.output
    result = runner.invoke(app, ["apply", str(project / "cb.yaml"), str(project / "none.csv")])
    assert result.exit_code == 1 and "E301" in result.output


def test_bad_usage_exits_2(project: Path) -> None:
    assert runner.invoke(app, ["apply"]).exit_code == 2
    result = runner.invoke(
        app, ["apply", str(project / "cb.yaml"), str(project / "answers.csv"), "--negation", "x"]
    )
    assert result.exit_code == 2


def test_negation_override_flag_codes_negated_hits(project: Path) -> None:
    out = project / "flagged"
    result = runner.invoke(
        app,
        ["apply", str(project / "cb.yaml"), str(project / "answers.csv"), "--negation", "flag",
         "-o", str(out), "-q"],
    )  # fmt: skip
    assert result.exit_code == 0
    coded = pd.read_csv(out / "coded.csv", dtype=str, keep_default_na=False)
    assert coded["cravings"].tolist() == ["0", "0", "1", "1"]


def test_validate_passes_and_fails(project: Path) -> None:
    result = runner.invoke(app, ["validate", str(project / "cb.yaml")])
    assert result.exit_code == 0, result.output
    assert "4/4" in result.output
    failing = project / "failing.yaml"
    failing.write_text(
        CODEBOOK.replace('non_examples: ["No cravings at all."]', 'non_examples: ["Cravings."]'),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(failing)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "coded by 'craving'" in result.output


def test_init_writes_a_starter_that_validates(tmp_path: Path) -> None:
    path = tmp_path / "new.yaml"
    assert runner.invoke(app, ["init", str(path)]).exit_code == 0
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["init", str(path)])
    assert again.exit_code == 1 and "E403" in again.output


def test_kwic_pattern_and_code(project: Path) -> None:
    result = runner.invoke(app, ["kwic", str(project / "answers.csv"), "crav*", "--window", "2"])
    assert result.exit_code == 0, result.output
    assert "cravings" in result.output and "(negated)" in result.output
    assert "2 hits (1 negated)" in result.output
    result = runner.invoke(
        app,
        ["kwic", str(project / "answers.csv"), "--codebook", str(project / "cb.yaml"),
         "--code", "harms"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "bladder" in result.output and "urinating" in result.output
    result = runner.invoke(
        app,
        ["kwic", str(project / "answers.csv"), "--codebook", str(project / "cb.yaml"),
         "--code", "bladdr"],
    )  # fmt: skip
    assert result.exit_code == 1 and "E501" in result.output
    assert "Did you mean 'bladder'?" in result.output


def test_installed_console_script_runs_as_a_subprocess(project: Path) -> None:
    exe = shutil.which("qualcode") or str(Path(sys.executable).parent / "qualcode")
    if not Path(exe).exists():
        pytest.skip("the qualcode console script is not installed (pip install -e .)")
    done = subprocess.run(
        [exe, "apply", "cb.yaml", "answers.csv", "-o", "out"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (project / "out" / "segments.csv").exists()
    bad = subprocess.run(
        [exe, "apply", "cb.yaml", "missing.csv"], cwd=project, capture_output=True, text=True
    )
    assert bad.returncode == 1 and "E301" in bad.stderr and "Traceback" not in bad.stderr
    module = subprocess.run(
        [sys.executable, "-m", "qualcode", "--version"], capture_output=True, text=True
    )
    assert module.returncode == 0 and module.stdout.startswith("qualcode ")


def test_duplicate_ids_warn_and_keep_every_row(project: Path) -> None:
    frame = pd.read_csv(project / "answers.csv", dtype=str, keep_default_na=False)
    frame.loc[1, "respondent_id"] = "P1"
    frame.to_csv(project / "dups.csv", index=False)
    result = runner.invoke(app, ["apply", str(project / "cb.yaml"), str(project / "dups.csv")])
    assert result.exit_code == 0, result.output
    assert "1 duplicate id(s) in column 'respondent_id'" in result.output
    coded = pd.read_csv(project / "dups.qualcode" / "coded.csv", dtype=str)
    assert len(coded) == 4
