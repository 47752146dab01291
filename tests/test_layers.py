"""The layers contract (pyproject.toml, [tool.importlinter]) holds, and the CLI starts light.

`lint-imports` reads every import, function-level ones included; see docs/architecture.md,
"Layers and the CLI"."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_layers_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_no_module_imports_the_public_facade() -> None:
    # `qualcode/__init__.py` re-exports from every layer: a module inside the package that
    # imported it would depend on all of them (the version is in qualcode.version).
    facade = re.compile(r"^\s*(from qualcode import |import qualcode\s*$)", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "qualcode").rglob("*.py")
        if path.name != "__init__.py" or path.parent.name != "qualcode"
        if facade.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_cli_imports_no_heavy_library_until_a_verb_runs() -> None:
    # What `qualcode --version` and `--help` load: typer and the verb modules, not pandas,
    # spaCy or scikit-learn (each verb imports those when it runs). Timing is in
    # benchmarks/bench_startup.py, never in a test.
    code = (
        "import json, sys; import qualcode.cli; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert not loaded & {"pandas", "numpy", "spacy", "sklearn", "scipy", "rich"}
