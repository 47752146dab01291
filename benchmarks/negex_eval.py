"""Negation detection on the NegEx gold annotations: our lexicon against NegEx's own triggers.

    python benchmarks/negex_eval.py            # both lexicons at their default window
    python benchmarks/negex_eval.py --sweep    # plus F1 by window, how the default was chosen

The data live outside the repo, in ../shared/data/negex/ (third-party texts are not copied
into the project). The evaluation itself is `qualcode.text.negation_eval.evaluate`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "negex"
GOLD = DATA / "negex_annotations_odd_reports.tsv"
TRIGGERS = DATA / "negex_triggers.txt"
SWEEP = (3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 50)


def main(argv: list[str] | None = None) -> int:
    """Evaluate both lexicons and print a table; 2 when the data are missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--triggers", type=Path, default=TRIGGERS)
    parser.add_argument("--sweep", action="store_true", help="also print F1 by window")
    parser.add_argument("--errors", action="store_true", help="list our lexicon's errors")
    args = parser.parse_args(argv)
    for path in (args.gold, args.triggers):
        if not path.is_file():
            print(f"missing: {path}", file=sys.stderr)
            return 2

    sys.path.insert(0, str(REPO))  # run from a checkout without installing the package
    from qualcode.text import negation_eval as ev
    from qualcode.text.negation import NegationLexicon

    nlp = ev.make_nlp()
    lexicons = {
        "qualcode default": NegationLexicon.default(),
        "NegEx triggers": NegationLexicon.from_negex_file(args.triggers),
    }
    results = {name: ev.evaluate(args.gold, lex, nlp) for name, lex in lexicons.items()}
    print_table(results)
    unlocated = next(iter(results.values()))["unlocated"]
    print(f"unlocated rows (concept not found in its sentence, not scored): {unlocated}")
    for name, result in results.items():
        print(f"\n{name} (window {result['window']}):")
        print(ev.confusion_table(result))
    if args.sweep:
        examples, _ = ev.prepare(ev.load_gold(args.gold), nlp)
        print_sweep({name: ev.sweep(examples, lex, SWEEP, nlp) for name, lex in lexicons.items()})
    if args.errors:
        print_errors(results["qualcode default"])
    return 0


def print_table(results: dict[str, dict[str, object]]) -> None:
    """One row per lexicon: n, unlocated and the metrics of "Negated"."""
    head = f"{'lexicon':<18}{'n':>6}{'unloc':>7}{'acc':>8}{'prec':>8}{'recall':>8}{'F1':>8}"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(
            f"{name:<18}{r['n']:>6}{r['unlocated']:>7}{r['accuracy']:>8.3f}"
            f"{r['precision']:>8.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}"
        )


def print_sweep(sweeps: dict[str, dict[int, dict[str, object]]]) -> None:
    """F1 of "Negated" by window, one row per lexicon."""
    print("\nF1 by window:")
    print(f"{'window':<18}" + "".join(f"{w:>6}" for w in SWEEP))
    for name, by_window in sweeps.items():
        print(f"{name:<18}" + "".join(f"{by_window[w]['f1']:>6.3f}" for w in SWEEP))


def print_errors(result: dict[str, object]) -> None:
    """Each misclassified row: fp/fn, the trigger found, the sentence with the hit marked."""
    print("\nerrors (qualcode default):")
    for key, ex, trigger in result["errors"]:
        words = list(ex.tokens)
        marked = words[: ex.start] + ["[["] + words[ex.start : ex.end] + ["]]"] + words[ex.end :]
        print(f"{key} {trigger!s:<16} {' '.join(' '.join(marked).split())}")


if __name__ == "__main__":
    raise SystemExit(main())
