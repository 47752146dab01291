"""mypy passes with the configuration in pyproject.toml ([tool.mypy]: strict on the core
packages). The cache lives in a temporary folder shared by runs, so a rerun is fast."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "qualcode-mypy-cache"


def test_mypy_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out, err, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(CACHE)]
    )
    assert status == 0, out + err
