"""Candidate codes from topics (`qualcode topics --suggest stubs.yaml`).

One code per topic: an id made of its top words, a label of its top three terms, `match`
rules from its top terms (single lemmas as words, bigrams as phrases, so a rule matches what
the topic model counted), a definition marked TODO and, as examples, those of its
representative answers that its own rules code when qualcode codes them. The examples are
checked with the real coding engine, so `qualcode validate` accepts the file as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from qualcode.analysis.topic_run import TopicRun
from qualcode.analysis.topic_terms import BIGRAM_JOIN
from qualcode.codebook.dump import DraftCode, DraftCodebook, draft_yaml
from qualcode.codebook.load import ID_RE, parse_codebook
from qualcode.coding.run import code
from qualcode.errors import Location, QualcodeError
from qualcode.io.write import check_new_file, same_file, write_text

MATCH_TERMS = 8
EXAMPLES = 3
#: Characters that would turn a term into a glob or need a regex: such terms are left out.
_SPECIAL = re.compile(r"[*?\[\]{}\\]")


def _ascii_id(words: list[str]) -> str:
    text = unicodedata.normalize("NFKD", "_".join(words)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def code_id(words: list[str], taken: set[str], number: int) -> str:
    """A valid, unused snake_case id from a topic's first two words (``topic_N`` when they
    give none); a clash gets ``_2``, ``_3``, ..."""
    base = _ascii_id(words[:2]) or f"topic_{number}"
    if not ID_RE.match(base):
        base = f"topic_{base}"
    chosen, n = base, 2
    while chosen in taken:
        chosen, n = f"{base}_{n}", n + 1
    taken.add(chosen)
    return chosen


def match_terms(terms: list[str], limit: int = MATCH_TERMS) -> list[str]:
    """A topic's top terms as rules: in rank order, without a bigram whose two words are
    already rules (the words match it anyway) and without glob/regex characters."""
    chosen: list[str] = []
    for term in terms:
        if _SPECIAL.search(term) or term in chosen:
            continue
        parts = term.split(BIGRAM_JOIN)
        if len(parts) > 1 and all(p in chosen for p in parts):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


def suggest_codebook(
    run: TopicRun, source: str, taken: Iterable[str] = (), examples: int = EXAMPLES
) -> DraftCodebook:
    """The candidate codebook of a topics run on `source` (named in the header and comments);
    ids avoid `taken` (the codebook an --uncoded run extends)."""
    model = run.model
    manifest = run.manifest
    used = set(taken)
    terms = model.terms_
    stubs: dict[int, DraftCode] = {}
    for topic in model.topics_.itertuples(index=False):
        mine = terms[terms["topic"] == topic.topic]["term"].tolist()
        words = [t for t in mine if BIGRAM_JOIN not in t] or mine
        stubs[int(topic.topic)] = DraftCode(
            id=code_id([w for w in words if not _SPECIAL.search(w)], used, topic.topic),
            label=", ".join(mine[:3]).capitalize(),
            definition=f"TODO: define this code. Topic {topic.topic}'s top terms: "
            f"{', '.join(mine[:6])}. Read its answers in representative.csv first.",
            match=list(match_terms(mine)),
            comment=f"from topic {topic.topic} of `qualcode topics {source}` "
            f"(method {manifest['method']}, k = {manifest['k']}, seed {manifest['seed']}): "
            f"{topic.size} answers",
        )  # fmt: skip
    stubs = {t: d for t, d in stubs.items() if d.match}
    draft = DraftCodebook(
        name=f"Suggested codes from {_file_name(source)}",
        codes=list(stubs.values()),
        version="0.1",
        language=str(model.pipeline_.nlp.lang),
        header=[
            f"Candidate codes from `qualcode topics {source}` (method {manifest['method']}, "
            f"k = {manifest['k']}, seed {manifest['seed']}).",
            "Each code is one topic: check its match rules and examples, write its definition,",
            "then paste the codes you keep into your codebook.",
        ],
    )
    _add_examples(draft, stubs, run, examples)
    return draft


def _file_name(source: str) -> str:
    """The file name of `source` (the whole string for a glob)."""
    return source.replace("\\", "/").rsplit("/", 1)[-1]


def _add_examples(
    draft: DraftCodebook, stubs: dict[int, DraftCode], run: TopicRun, limit: int
) -> None:
    """Give each code those of its topic's representative answers its own rules code."""
    rep = run.representative
    if not len(rep) or not draft.codes:
        return
    book = parse_codebook(draft_yaml(draft), "<suggestions>")
    frame = pd.DataFrame({"text": rep["text"].tolist()})
    coding = code(frame, book, text="text", model=run.model.model)
    for i, r in enumerate(rep.itertuples(index=False)):
        stub = stubs.get(int(r.topic))
        if stub is None or len(stub.examples) >= limit:
            continue
        if coding.matrix.iloc[i][stub.id] and r.text not in stub.examples:
            stub.examples.append(r.text)


def suggestions_yaml(run: TopicRun, source: str, taken: Iterable[str] = ()) -> str:
    """The candidate codebook as YAML text, ready for `qualcode validate`."""
    return draft_yaml(suggest_codebook(run, source, taken))


def check_suggestions_path(
    path: str | Path,
    answers: str | Path,
    *,
    force: bool = False,
    codebook: str | Path | None = None,
) -> None:
    """The guards before writing suggestions to `path`: E726 when it is the answers file or
    `codebook` (the codebook of the `uncoded` folder); E403 when it exists and `force` is
    false, because the stubs are meant to be edited (rules pruned, definitions written) and
    a rerun must not silently replace that work. Call it before a long topics run to fail
    early; :func:`write_suggestions` calls it again."""
    path = Path(path)
    if same_file(path, answers):
        raise QualcodeError("E726", Location(str(path)), path=path, what="the answers file")
    if codebook is not None and same_file(path, codebook):
        raise QualcodeError(
            "E726", Location(str(path)), path=path, what="the codebook of --uncoded (uncoded=)"
        )
    check_new_file(path, force=force)


def write_suggestions(
    run: TopicRun, path: str | Path, answers: str | Path, *, force: bool = False
) -> Path:
    """Write :func:`suggestions_yaml` of `run` (the topics of `answers`) to `path`, after
    :func:`check_suggestions_path`."""
    recorded = (run.manifest.get("uncoded") or {}).get("codebook", {}).get("path")
    check_suggestions_path(path, answers, force=force, codebook=recorded)
    return write_text(path, suggestions_yaml(run, str(answers), run.taken_ids))
