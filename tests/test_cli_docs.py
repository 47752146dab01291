"""docs/cli.md is generated from the typer app: fail when it is stale."""

from pathlib import Path

from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.cli_docs import render

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == render(), "docs/cli.md is stale: run `python -m qualcode.cli_docs`"


def test_reference_covers_every_command_as_help_prints_it():
    text = render()
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("apply", "validate", "kwic", "summary", "quotes", "report", "sample", "agree"):
        assert f"## qualcode {name}\n" in text
        assert f"[`qualcode {name}`](#qualcode-{name})" in text
    # A section is what `--help` prints (the runner's width differs, so compare usage lines).
    kwic = CliRunner().invoke(app, ["kwic", "--help"]).output
    assert kwic.splitlines()[0] in text
