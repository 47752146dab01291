"""docs/tutorial.md must not rot: run every command it shows, in order, and compare.

The tutorial is a sequence of steps: each `$ ` line of a ```console block is a command
(`qualcode ...` runs `python -m qualcode ...`, `python ...` runs this interpreter), and each
```python block is a script. They run in document order in one scratch folder holding copies
of codebooks/ and examples/, as a reader would run them from a copy of the repository. Every
step must exit 0, and the first output line the tutorial shows for a command (when it shows
one) must appear in what the command really prints, so a changed message or table shows up.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^```(\w*)\s*$")
# Version numbers (qualcode 0.1.0, spaCy 3.8.18) change with upgrades, not with behaviour.
VERSION = re.compile(r"\b\d+\.\d+\.\d+\b")


@dataclass
class Step:
    """One thing the reader runs: a command with the output shown for it, or a script."""

    line: int  # 1-based line in docs/tutorial.md
    kind: str  # "command" or "python"
    text: str  # the command line, or the script
    shown: list[str]  # output lines shown under a command

    def label(self) -> str:
        first = self.text if self.kind == "command" else self.text.splitlines()[0] + " ..."
        return f"docs/tutorial.md:{self.line}: {first}"


def parse_steps(markdown: str) -> list[Step]:
    """The tutorial's steps in order: `$ ` lines of console blocks and python blocks."""
    steps: list[Step] = []
    lang: str | None = None
    block: list[tuple[int, str]] = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        fence = FENCE.match(line)
        if lang is None:
            if fence:
                lang, block = fence.group(1), []
            continue
        if not fence:
            block.append((number, line))
            continue
        if lang == "console":
            current: Step | None = None  # output before a block's first `$ ` is no one's
            for start, text in block:
                if text.startswith("$ "):
                    current = Step(start, "command", text[2:].strip(), [])
                    steps.append(current)
                elif current is not None:
                    current.shown.append(text)
        elif lang == "python" and block:
            script = "\n".join(text for _, text in block) + "\n"
            steps.append(Step(block[0][0], "python", script, []))
        lang = None
    return steps


def first_shown_line(step: Step) -> str | None:
    """The first non-empty output line the tutorial shows for a command, unless elided."""
    for line in step.shown:
        if line.strip():
            return None if line.strip() == "..." else line.strip()
    return None


def argv(step: Step) -> list[str]:
    """The command as the test runs it: qualcode and python through this interpreter."""
    if step.kind == "python":
        return [sys.executable, "-c", step.text]
    words = shlex.split(step.text)
    if words[0] == "qualcode":
        return [sys.executable, "-m", "qualcode", *words[1:]]
    if words[0] == "python":
        return [sys.executable, *words[1:]]
    raise AssertionError(f"{step.label()}: only `qualcode` and `python` commands can be run")


STEPS = parse_steps(TUTORIAL.read_text(encoding="utf-8"))


def test_tutorial_has_the_walkthrough():
    commands = [s.text.split()[1] for s in STEPS if s.text.startswith("qualcode ")]
    for name in ("init", "validate", "apply", "kwic", "summary", "cooccur", "quotes", "report"):
        assert name in commands, f"the tutorial no longer runs `qualcode {name}`"
    for name in ("topics", "sample", "agree", "diff", "export", "methods"):
        assert name in commands, f"the tutorial no longer runs `qualcode {name}`"
    for step in STEPS:
        if step.kind == "command":
            # Shell features would not run here, nor, the same way, on every reader's shell.
            assert not re.search(r"[|<>;&`]|^cd ", step.text), f"{step.label()}: shell syntax"


def test_tutorial_commands_run_as_shown(tmp_path):
    shutil.copytree(ROOT / "codebooks", tmp_path / "codebooks")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "COLUMNS": "120", "PYTHONIOENCODING": "utf-8"}
    for step in STEPS:
        done = subprocess.run(
            argv(step),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        output = done.stdout + done.stderr
        tail = "\n".join(output.splitlines()[-15:])
        assert done.returncode == 0, (
            f"{step.label()}\nexited {done.returncode}, the tutorial implies 0:\n{tail}"
        )
        assert "Traceback" not in output, f"{step.label()}\nprinted a traceback:\n{tail}"
        expected = first_shown_line(step)
        if expected is not None:
            lines = [VERSION.sub("X.Y.Z", line.strip()) for line in output.splitlines()]
            assert VERSION.sub("X.Y.Z", expected) in lines, (
                f"{step.label()}\nthe tutorial shows {expected!r} first, "
                f"but the command printed:\n{tail}"
            )
