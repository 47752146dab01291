"""The width tables are laid out for on the screen (rich only: the CLI's consoles import it
at start-up, without pandas)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def screen_width(console: Console) -> int:
    """The width to lay tables out for on `console`: the terminal's; when piped or captured
    (where rich would squeeze tables to 80 columns), the width COLUMNS names, as a terminal
    would, else 120. Sets it on `console` too (the CLI's consoles are made this way)."""
    if not console.is_terminal:
        columns = os.environ.get("COLUMNS", "")
        console.width = int(columns) if columns.isdigit() and int(columns) >= 40 else 120
    return console.width
