"""Start-up time of the command line (issue 15's targets: `--version` under 0.3 s,
`validate codebooks/ketamine.yaml` under 1.5 s, wall).

    python benchmarks/bench_startup.py              # 10 runs of each, after one warm-up
    python benchmarks/bench_startup.py --runs 20
    python benchmarks/bench_startup.py --qualcode /path/to/other/venv/bin/qualcode

Each command runs as a subprocess of the `qualcode` script beside this interpreter (or the
one given), so the time is what a user waits for: interpreter start, imports, the work. It
prints min / median / max wall seconds and the median CPU seconds per command (on a busy
machine, closer to an idle machine's wall time), and PASS/MISS of the median wall time
against the targets; then the ten slowest imports of `import qualcode.cli` (`python -X
importtime`), which is what every command pays before it starts. A verb imports pandas,
spaCy and the rest of the library when it runs (see qualcode/cli/__init__.py). Never a timed
test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "--version": (["--version"], 0.3),
    "--help": (["--help"], None),
    "validate ketamine": (["validate", "codebooks/ketamine.yaml"], 1.5),
}


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system) of the command and its children: on a
    busy machine the CPU time is close to what the wall time is on an idle one."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def slowest_imports(n: int = 10) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the slowest imports under `import qualcode.cli`."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import qualcode.cli"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = []
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--qualcode", default=str(Path(sys.executable).with_name("qualcode")))
    args = parser.parse_args()
    print(f"{args.qualcode}, {args.runs} runs each (after one warm-up), wall seconds")
    print(f"{'command':<20} {'min':>7} {'median':>7} {'max':>7} {'cpu':>7}  target (median)")
    for name, (argv, target) in COMMANDS.items():
        command = [args.qualcode, *argv]
        timed(command)  # warm the file cache
        runs = [timed(command) for _ in range(args.runs)]
        times = [w for w, _ in runs]
        median, cpu = statistics.median(times), statistics.median(c for _, c in runs)
        verdict = "" if target is None else f"< {target} s {'PASS' if median < target else 'MISS'}"
        print(f"{name:<20} {min(times):7.3f} {median:7.3f} {max(times):7.3f} {cpu:7.3f}  {verdict}")
    print("\nslowest imports of `import qualcode.cli` (cumulative ms):")
    for micros, module in slowest_imports():
        print(f"{micros / 1000:9.1f}  {module}")


if __name__ == "__main__":
    main()
