"""An output folder's manifest: its name, whether a folder has one, its tables. Kept apart
from :mod:`qualcode.coding.outdir` (which re-exports these) so that a reader that needs only
the manifest does not import pandas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["MANIFEST", "is_output_dir", "table_entries"]

MANIFEST = "manifest.json"


def is_output_dir(path: Path) -> bool:
    """True when `path` holds a manifest written by qualcode."""
    try:
        return "qualcode" in json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def table_entries(listed: Any) -> dict[str, dict[str, Any]]:
    """``manifest["tables"]`` as name -> entry; a list of names is accepted too."""
    if isinstance(listed, dict):
        entries = {k: v if isinstance(v, dict) else {} for k, v in listed.items()}
    elif isinstance(listed, list):
        entries = {k: {} for k in listed if isinstance(k, str)}
    else:
        return {}
    return {k: v for k, v in entries.items() if re.fullmatch(r"\w+", k)}
