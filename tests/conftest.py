"""Shared fixtures: real spaCy, real files; third-party data read from ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_file(relative: str) -> Path:
    """A file under ../shared/data, or skip the test cleanly when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"third-party data not available: {path} (only present in the dev sandbox)")
    return path


@pytest.fixture
def write_codebook(tmp_path: Path):
    """Write YAML text to a codebook file and return its path."""

    def write(text: str, name: str = "codebook.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
