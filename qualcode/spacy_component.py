"""The "qualcode" spaCy pipeline component: a codebook's hits as labelled spans.

>>> import spacy, qualcode
>>> nlp = spacy.blank("en")
>>> nlp.add_pipe("qualcode", config={"codebook": "codebooks/ketamine.yaml"})
>>> doc = nlp("My bladder is wrecked. I never had kidney pain.")
>>> [(s.text, s.label_, s._.negated, s._.rule) for s in doc.spans["qualcode"]]

The spans are exactly the segments `qualcode apply` writes for the same text: the codebook is
compiled against the user's `nlp` (its vocabulary and tokenizer, so rules are split into tokens
the way the answers are) and run by qualcode's own engine, one Doc at a time. Each span carries
the code it matched (never its parents: roll-up is a property of an answer, not of a span);
negated hits are kept with `span._.negated = True` unless `include_negated` is false.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, cast

import srsly
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span

from qualcode.codebook.load import _decode, load_codebook, parse_codebook
from qualcode.codebook.model import NEGATION_MODES, Codebook
from qualcode.coding.compile import CompiledCodebook, compile_codebook, tokenizer_cases
from qualcode.coding.engine import Engine, Hit
from qualcode.errors import Location, QualcodeError
from qualcode.text.pipeline import TextPipeline, apply_special_cases, load_lemma_table

# Factories whose annotations the engine reads from the Doc instead of computing its own.
LEMMA_FACTORIES = ("lemmatizer", "trainable_lemmatizer")
SENTENCE_FACTORIES = ("parser", "beam_parser", "senter")


def _key(span: Span, name: str) -> tuple[object, ...]:
    # spaCy keys span extension values by character offsets only, so two codes hitting the same
    # words would share one `negated` and one `rule`; the label is part of our key.
    return ("qualcode._.", name, span.start_char, span.end_char, span.label)


def _user_data(span: Span) -> dict[Any, Any]:
    # spaCy types user_data as keyed by str; any hashable key works, as spaCy's own do.
    return cast(dict[Any, Any], span.doc.user_data)


def _extension(name: str) -> None:
    """Register `Span._.<name>` (label-aware storage in doc.user_data) unless already set."""
    if Span.has_extension(name):
        return
    Span.set_extension(
        name,
        getter=lambda span: _user_data(span).get(_key(span, name)),
        setter=lambda span, value: _user_data(span).__setitem__(_key(span, name), value),
    )


_extension("negated")
_extension("rule")


class QualcodeComponent:
    """Puts a codebook's hits in `doc.spans[spans_key]`, labelled by code id."""

    def __init__(
        self,
        nlp: Language,
        name: str = "qualcode",
        codebook: str | Path | Codebook | None = None,
        spans_key: str = "qualcode",
        negation: str | None = None,
        include_negated: bool = True,
        split_abbreviations: bool = True,
        display_key: str | None = "sc",
    ) -> None:
        """`codebook` is a YAML path (or a loaded Codebook); None leaves the component empty
        until `from_disk`/`from_bytes`. `negation` overrides the codebook's mode for every code,
        as `qualcode apply --negation` does. `split_abbreviations` lets qualcode add tokenizer
        special cases splitting "k." into "k" + "." for the codebook's single-letter terms (as
        `qualcode apply` does); false leaves the tokenizer as it is. `display_key`: the spans
        are also put under this key when no other component has used it; "sc" (the default)
        is the key `displacy.render(doc, style="span")` draws, so that call shows the coding
        with no options; None turns this off."""
        if negation is not None and negation not in NEGATION_MODES:
            allowed = ", ".join(NEGATION_MODES)
            raise QualcodeError("E113", key="negation", allowed=allowed, got=negation)
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.display_key = display_key
        self.negation = negation
        self.include_negated = include_negated
        self.split_abbreviations = split_abbreviations
        self.codebook: Codebook | None = None
        self.codebook_text: str | None = None  # kept for to_disk/to_bytes
        self.compiled: CompiledCodebook | None = None
        self._engine: Engine | None = None
        self.trained = False  # set with the engine: read lemmas and sentences from the Doc
        self.needs_sentences = False  # a lemmatizer but no parser/senter before us
        if isinstance(codebook, Codebook):
            self._set_codebook(codebook, _codebook_text(codebook))
        elif codebook is not None:
            path = Path(codebook)
            loaded = load_codebook(path)  # E101, E102, ... for a missing or bad file
            self._set_codebook(loaded, _decode(path.read_bytes(), path))

    # -- set-up ------------------------------------------------------------------------
    def _set_codebook(self, codebook: Codebook, text: str | None) -> None:
        self.codebook = codebook
        self.codebook_text = text
        self.compiled = self._compile(codebook)
        self._engine = None  # built on first use, when the pipeline before us is known

    def _compile(self, codebook: Codebook) -> CompiledCodebook:
        """Compile against the user's nlp: its tokenizer splits the rules, its vocab holds the
        strings the engine looks token hashes up in."""
        nlp = self.nlp
        pipeline = TextPipeline(
            nlp=nlp,
            name=f"{nlp.lang}_{nlp.meta.get('name', 'pipeline')} (spaCy component)",
            lemma_table=load_lemma_table(nlp.lang or ""),
        )
        if self.split_abbreviations:
            # The component owns this tokenizer change, as make_pipeline does for `apply`;
            # before compiling, so the rules' terms split as the answers will.
            apply_special_cases(nlp, tokenizer_cases(codebook))
        return compile_codebook(codebook, negation=self.negation, pipeline=pipeline)

    def _annotations(self) -> tuple[bool, bool]:
        """(lemmas, sentences) set by components that run before this one."""
        before = self.nlp.pipe_names
        if self.name in before:
            before = before[: before.index(self.name)]
        factories = {self.nlp.get_pipe_meta(p).factory for p in before}
        return bool(factories & set(LEMMA_FACTORIES)), bool(factories & set(SENTENCE_FACTORIES))

    @property
    def engine(self) -> Engine:
        """qualcode's engine, built on the first Doc (the pipeline before us is known then)."""
        if self._engine is None:
            if self.compiled is None:
                raise QualcodeError("E751", name=self.name)
            lemmas, sentences = self._annotations()
            # Like `qualcode apply --model`: a trained pipeline's lemmas and sentences are used
            # (lookup lemmas fill in when it has no lemmatizer); otherwise the tokenizer's
            # tokens, lookup lemmas and qualcode's sentence rule, as in the default pipeline.
            self.trained = lemmas or sentences
            self.needs_sentences = lemmas and not sentences
            self.compiled.pipeline.trained = self.trained
            self._engine = Engine(self.compiled)
        return self._engine

    # -- running -------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        """Code one Doc: its hits become spans in `doc.spans[spans_key]`."""
        engine = self.engine
        compiled = self.compiled
        assert compiled is not None  # engine raised E751 otherwise
        work = doc
        if self.needs_sentences and not doc.has_annotation("SENT_START"):
            # Lemmas from a lemmatizer but no sentence boundaries: qualcode's model pipelines
            # add a sentencizer; do the same on a copy, leaving the user's Doc unannotated.
            work = Sentencizer()(doc.copy())
        elif compiled.matcher_uses_lemma and not self.trained:
            work = doc.copy()  # the engine writes lookup lemmas into the Doc it matches
        doc.spans[self.spans_key] = self.spans(doc, engine.find(work, doc.text))
        shown = self.display_key
        if shown and shown != self.spans_key and shown not in doc.spans:
            # displaCy's span style draws doc.spans["sc"] by default; never take it from
            # another component (a span categorizer writes "sc" too).
            doc.spans[shown] = list(doc.spans[self.spans_key])
        return doc

    def spans(self, doc: Doc, hits: list[Hit]) -> list[Span]:
        """Hits -> labelled spans, in the order of segments.csv (start, end, code)."""
        assert self.compiled is not None
        ids = [cc.code.id for cc in self.compiled.codes]
        out = []
        for hit in sorted(hits, key=lambda h: (h.char_start, h.char_end, h.code)):
            if hit.negated and not self.include_negated:
                continue
            # Hits are token ranges of this very Doc, so their offsets fall on token edges.
            span = doc.char_span(
                hit.char_start, hit.char_end, label=ids[hit.code], alignment_mode="expand"
            )
            assert span is not None  # "expand" always gives a span for in-range offsets
            span._.negated = hit.negated
            span._.rule = hit.rule
            out.append(span)
        return out

    # -- serialization ---------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        cb = self.codebook
        return {
            "codebook": self.codebook_text,
            "path": cb.path if cb else None,
            "sha256": cb.sha256 if cb else None,
        }

    def _restore(self, state: dict[str, Any]) -> None:
        text = state.get("codebook")
        if text is None:
            return
        path = state.get("path") or "<codebook>"
        sha = state.get("sha256") or hashlib.sha256(text.encode()).hexdigest()
        codebook = parse_codebook(text, path, sha)
        # parse_codebook does not know the file: keep the original path for the manifest.
        self._set_codebook(codebook, text)

    def to_bytes(self, *, exclude: tuple[str, ...] = ()) -> bytes:
        """The codebook's text (and path and sha256) as msgpack."""
        return cast(bytes, srsly.msgpack_dumps(self._state()))

    def from_bytes(self, data: bytes, *, exclude: tuple[str, ...] = ()) -> QualcodeComponent:
        """Load the codebook stored by `to_bytes` and compile it."""
        self._restore(srsly.msgpack_loads(data))
        return self

    def to_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> None:
        """Write `codebook.yaml` (the codebook's text) and `qualcode.json` into `path`."""
        from qualcode.io.write import write_json, write_text

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = self._state()
        if state["codebook"] is not None:
            write_text(path / "codebook.yaml", state["codebook"])
        write_json(path / "qualcode.json", {k: v for k, v in state.items() if k != "codebook"})

    def from_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> QualcodeComponent:
        """Load the codebook saved by `to_disk` (it replaces the one named in the config)."""
        path = Path(path)
        text_file = path / "codebook.yaml"
        if not text_file.is_file():
            raise QualcodeError("E101", Location(str(text_file)), path=text_file)
        state = srsly.read_json(path / "qualcode.json") if (path / "qualcode.json").exists() else {}
        state["codebook"] = text_file.read_text(encoding="utf-8")
        self._restore(state)
        return self


def _codebook_text(codebook: Codebook) -> str | None:
    """The YAML a loaded codebook came from, when its file is still there unchanged."""
    if not codebook.path or not Path(codebook.path).is_file():
        return None
    data = Path(codebook.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != codebook.sha256:
        return None
    return _decode(data, Path(codebook.path))


@Language.factory(
    "qualcode",
    default_config={
        "codebook": None,
        "spans_key": "qualcode",
        "negation": None,
        "include_negated": True,
        "split_abbreviations": True,
        "display_key": "sc",
    },
)
def make_qualcode(
    nlp: Language,
    name: str,
    codebook: str | None,
    spans_key: str,
    negation: str | None,
    include_negated: bool,
    split_abbreviations: bool,
    display_key: str | None,
) -> QualcodeComponent:
    """spaCy factory: `nlp.add_pipe("qualcode", config={"codebook": "codebook.yaml"})`."""
    return QualcodeComponent(
        nlp,
        name,
        codebook=codebook,
        spans_key=spans_key,
        negation=negation,
        include_negated=include_negated,
        split_abbreviations=split_abbreviations,
        display_key=display_key,
    )
