"""Load a YAML codebook safely and check it, reporting file:line:column for every problem.

ruamel.yaml's round-trip loader is used because it is safe (builds only plain mappings,
sequences and scalars) and keeps the line and column of every key and item, which the
checks below turn into precise error locations.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from qualcode.codebook.model import (
    NEGATION_MODES,
    Code,
    Codebook,
    NegationMode,
    NegationSettings,
    Rule,
    RuleKind,
    TermSeq,
)
from qualcode.errors import Location, QualcodeError, did_you_mean

TOP_KEYS = ("name", "version", "language", "description", "model", "defaults", "negation", "codes")
CODE_KEYS = (
    "id", "label", "definition", "include", "exclude", "match", "unless",
    "examples", "non_examples", "codes", "color", "negation",
)  # fmt: skip
DEFAULTS_KEYS = ("negation", "unit")
NEGATION_KEYS = ("pre", "post", "pseudo", "terminators", "window")
RULE_KEYS = {"regex": ("regex",), "near": ("near", "within"), "tokens": ("tokens",)}
UNITS = ("sentence", "answer")
RULE_FORMS = (
    "a word, a phrase, a glob (crav*), {regex: ...}, {near: [...], within: N}, {tokens: [...]}"
)
ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
DEFAULT_NEAR_WITHIN = 5


def load_codebook(path: str | Path) -> Codebook:
    """Read, parse and check a codebook YAML file."""
    path = Path(path)
    if not path.is_file():
        raise QualcodeError("E101", Location(str(path)), path=path)
    data = path.read_bytes()
    return parse_codebook(_decode(data, path), str(path), hashlib.sha256(data).hexdigest())


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (a BOM allowed), or UTF-16/32 with a BOM, as YAML itself allows; no guessing:
    a codebook is a file the researcher edits, and can save as UTF-8."""
    from qualcode.io.decode import BOMS

    encoding = next((name for bom, name in BOMS if data.startswith(bom)), "utf-8-sig")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise QualcodeError(
            "E118", Location(str(path), line, column), byte=data[exc.start], offset=exc.start
        ) from None


def parse_codebook(text: str, filename: str = "<codebook>", sha256: str | None = None) -> Codebook:
    """Parse and check codebook YAML text; `filename` is used in error locations."""
    doc = _load_yaml(text, filename)
    return _Checker(filename).codebook(doc, sha256 or hashlib.sha256(text.encode()).hexdigest())


def _load_yaml(text: str, filename: str) -> Any:
    yaml = YAML(typ="rt")
    try:
        doc = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        key = re.search(r'found duplicate key "([^"]*)"', str(exc))
        first = exc.context_mark.line + 1 if exc.context_mark else "?"
        raise QualcodeError(
            "E116",
            Location(filename, mark.line + 1, mark.column + 1),
            key=key.group(1) if key else "?",
            first_line=first,
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename)
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise QualcodeError("E102", where, problem=problem) from None
    except ReaderError as exc:  # a control character YAML does not allow
        offset = max(0, min(exc.position, len(text)))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        problem = f"character U+{exc.character:04X} is not allowed in YAML"
        raise QualcodeError("E102", Location(filename, line, column), problem=problem) from None
    except YAMLError as exc:
        raise QualcodeError("E102", Location(filename), problem=str(exc)) from None
    if doc is None:
        raise QualcodeError("E103", Location(filename))
    return doc


def _type_name(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (dict, CommentedMap)):
        return "a mapping"
    if isinstance(value, (list, CommentedSeq)):
        return "a list"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f"text ({value!r})"


class _Checker:
    """Walks the YAML tree, building the model and raising located errors."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.seen_ids: dict[str, int] = {}

    # -- locations -------------------------------------------------------------
    def at(self, node: Any, key: Any = None) -> Location:
        """Location of a mapping key / list item `key` in `node`, or of the node itself."""
        lc = getattr(node, "lc", None)
        if lc is None:
            return Location(self.filename)
        try:
            if key is None:
                line, col = lc.line, lc.col
            elif isinstance(node, CommentedMap):
                line, col = lc.key(key)
            else:
                line, col = lc.item(key)
        except (KeyError, IndexError, TypeError):
            line, col = lc.line, lc.col
        return Location(self.filename, line + 1, col + 1)

    def value_at(self, node: CommentedMap, key: str) -> Location:
        try:
            line, col = node.lc.value(key)
        except (KeyError, TypeError, AttributeError):
            return self.at(node, key)
        return Location(self.filename, line + 1, col + 1)

    # -- typed getters -----------------------------------------------------------
    def check_keys(self, node: CommentedMap, allowed: tuple[str, ...], context: str) -> None:
        for key in node:
            if key not in allowed:
                raise QualcodeError(
                    "E104",
                    self.at(node, key),
                    key=key,
                    context=context,
                    allowed=", ".join(allowed),
                    suggestion=did_you_mean(str(key), allowed),
                )

    def mapping(self, node: Any, where: Location, context: str) -> CommentedMap:
        if not isinstance(node, CommentedMap):
            raise QualcodeError(
                "E105", where, key=context, context="the codebook", expected="a mapping",
                got=_type_name(node),
            )  # fmt: skip
        return node

    def text(self, node: CommentedMap, key: str, context: str, default: str = "") -> str:
        if key not in node or node[key] is None:
            return default
        value = node[key]
        if not isinstance(value, str):
            expected = 'text (quote it: "1.0")' if isinstance(value, (int, float)) else "text"
            raise QualcodeError(
                "E105", self.value_at(node, key), key=key, context=context, expected=expected,
                got=_type_name(value),
            )  # fmt: skip
        return value

    def choice(self, node: CommentedMap, key: str, allowed: tuple[str, ...]) -> str | None:
        if key not in node or node[key] is None:
            return None
        value = node[key]
        if value not in allowed:
            raise QualcodeError(
                "E113", self.value_at(node, key), key=key, allowed=", ".join(allowed), got=value
            )
        chosen: str = value
        return chosen

    def seq(self, node: CommentedMap, key: str, context: str) -> CommentedSeq:
        value = node.get(key)
        if value is None:
            return CommentedSeq()
        if not isinstance(value, CommentedSeq):
            raise QualcodeError(
                "E105", self.value_at(node, key), key=key, context=context, expected="a list",
                got=_type_name(value),
            )  # fmt: skip
        return value

    def texts(self, node: CommentedMap, key: str, context: str) -> tuple[str, ...]:
        items = self.seq(node, key, context)
        out = []
        for i, item in enumerate(items):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise QualcodeError(
                    "E105", self.at(items, i), key=key, context=context,
                    expected="a list of text", got=_type_name(item),
                )  # fmt: skip
            out.append(str(item))
        return tuple(out)

    def integer(self, node: CommentedMap, key: str, context: str, minimum: int = 0) -> int | None:
        if key not in node:
            return None
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise QualcodeError(
                "E105", self.value_at(node, key), key=key, context=context,
                expected=f"a whole number >= {minimum}", got=_type_name(value),
            )  # fmt: skip
        return value

    # -- the tree --------------------------------------------------------------
    def codebook(self, doc: Any, sha256: str) -> Codebook:
        root = self.mapping(doc, Location(self.filename, 1, 1), "the codebook")
        self.check_keys(root, TOP_KEYS, "the codebook's top level")
        if "name" not in root:
            raise QualcodeError(
                "E105", Location(self.filename, 1, 1), key="name", context="the codebook",
                expected="text", got="missing",
            )  # fmt: skip
        defaults = root.get("defaults") or CommentedMap()
        defaults = self.mapping(defaults, self.value_at(root, "defaults"), "defaults")
        self.check_keys(defaults, DEFAULTS_KEYS, "defaults")
        default_negation = NegationMode(
            self.choice(defaults, "negation", NEGATION_MODES) or NegationMode.EXCLUDE.value
        )
        unit = self.choice(defaults, "unit", UNITS) or "sentence"
        codes_node = self.seq(root, "codes", "the codebook")
        if not codes_node:
            raise QualcodeError("E111", self.at(root, "codes") if "codes" in root else None)
        codes = tuple(self.code(codes_node, i, ()) for i in range(len(codes_node)))
        language = self.text(root, "language", "the codebook", "en").strip() or "en"
        model = self.text(root, "model", "the codebook") or None
        return Codebook(
            name=self.text(root, "name", "the codebook"),
            version=self.text(root, "version", "the codebook"),
            language=language,
            description=self.text(root, "description", "the codebook"),
            negation=default_negation,
            unit=unit,  # type: ignore[arg-type]
            model=model,
            negation_lexicon=self.negation_settings(root),
            codes=codes,
            path=self.filename,
            sha256=sha256,
        )

    def negation_settings(self, root: CommentedMap) -> NegationSettings:
        if root.get("negation") is None:
            return NegationSettings()
        node = self.mapping(root["negation"], self.value_at(root, "negation"), "negation")
        self.check_keys(node, NEGATION_KEYS, "negation")
        return NegationSettings(
            pre=self.texts(node, "pre", "negation"),
            post=self.texts(node, "post", "negation"),
            pseudo=self.texts(node, "pseudo", "negation"),
            terminators=self.texts(node, "terminators", "negation"),
            window=self.integer(node, "window", "negation", minimum=1),
        )

    def code(self, parent: CommentedSeq, index: int, path: tuple[str, ...]) -> Code:
        node = parent[index]
        where = self.at(parent, index)
        if not isinstance(node, CommentedMap):
            raise QualcodeError(
                "E105", where, key="codes", context="the code list",
                expected="a mapping with `id:`", got=_type_name(node),
            )  # fmt: skip
        if "id" not in node:
            raise QualcodeError("E109", where, key="id")
        code_id = node["id"]
        if not isinstance(code_id, str) or not ID_RE.match(code_id):
            raise QualcodeError("E110", self.value_at(node, "id"), id=code_id)
        context = f"code '{code_id}'"
        self.check_keys(node, CODE_KEYS, context)
        where = self.at(node, "id")
        if code_id in self.seen_ids:
            raise QualcodeError("E106", where, id=code_id, first_line=self.seen_ids[code_id])
        self.seen_ids[code_id] = where.line or 0
        my_path = (*path, code_id)
        children_node = self.seq(node, "codes", context)
        children = tuple(self.code(children_node, i, my_path) for i in range(len(children_node)))
        match = self.rules(node, "match", context)
        if not match and not children:
            raise QualcodeError("E108", where, id=code_id)
        color = self.text(node, "color", context) or None
        if color is not None and not COLOR_RE.match(color):
            raise QualcodeError(
                "E105", self.value_at(node, "color"), key="color", context=context,
                expected="a colour like #1f77b4", got=_type_name(color),
            )  # fmt: skip
        return Code(
            id=code_id,
            label=self.text(node, "label", context) or code_id,
            path=my_path,
            definition=self.text(node, "definition", context).strip(),
            include=self.text(node, "include", context).strip(),
            exclude=self.text(node, "exclude", context).strip(),
            match=match,
            unless=self.rules(node, "unless", context),
            examples=self.texts(node, "examples", context),
            non_examples=self.texts(node, "non_examples", context),
            children=children,
            color=color,
            negation=_mode(self.choice(node, "negation", NEGATION_MODES)),
            where=where,
        )

    # -- rules -----------------------------------------------------------------
    def rules(self, node: CommentedMap, key: str, context: str) -> tuple[Rule, ...]:
        items = self.seq(node, key, f"{context}")
        return tuple(self.rule(items, i) for i in range(len(items)))

    def rule(self, items: CommentedSeq, index: int) -> Rule:
        item = items[index]
        where = self.at(items, index)
        if isinstance(item, bool) or item is None:
            raise (
                QualcodeError("E115", where)
                if item is None
                else QualcodeError(
                    "E112", where, rule=item, problem="true/false is not a rule", forms=RULE_FORMS
                )
            )
        if isinstance(item, (str, int, float)):
            return self.text_rule(str(item), where)
        if not isinstance(item, CommentedMap):
            raise QualcodeError(
                "E112", where, rule=_type_name(item), problem="not a rule", forms=RULE_FORMS
            )
        kinds = [k for k in RULE_KEYS if k in item]
        if len(kinds) != 1:
            first = next(iter(item), "?")
            problem = (
                "give exactly one of regex, near, tokens"
                if kinds
                else f"unknown rule key '{first}'.{did_you_mean(str(first), list(RULE_KEYS))}"
            )
            raise QualcodeError("E112", where, rule=dict(item), problem=problem, forms=RULE_FORMS)
        kind = kinds[0]
        self.check_keys(item, RULE_KEYS[kind], f"a `{kind}` rule")
        rule: Rule = getattr(self, f"{kind}_rule")(item, where)
        return rule

    def text_rule(self, text: str, where: Location) -> Rule:
        pieces = tuple(text.lower().split())
        if not pieces:
            raise QualcodeError("E115", where)
        terms = TermSeq(pieces)
        kind: RuleKind = "glob" if terms.is_glob else ("word" if len(pieces) == 1 else "phrase")
        return Rule(kind=kind, source=" ".join(text.split()), terms=(terms,), where=where)

    def regex_rule(self, item: CommentedMap, where: Location) -> Rule:
        pattern = item["regex"]
        if not isinstance(pattern, str) or not pattern:
            raise QualcodeError(
                "E105", self.value_at(item, "regex"), key="regex", context="a regex rule",
                expected="a non-empty pattern", got=_type_name(pattern),
            )  # fmt: skip
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise QualcodeError(
                "E107", self.value_at(item, "regex"), pattern=pattern, problem=str(exc)
            ) from None
        return Rule(kind="regex", source=f"regex: {pattern}", regex=compiled, where=where)

    def near_rule(self, item: CommentedMap, where: Location) -> Rule:
        terms = self.texts(item, "near", "a near rule")
        if len(terms) < 2:
            raise QualcodeError(
                "E117", self.value_at(item, "near"), key="near", context="a near rule",
                minimum="two terms",
            )  # fmt: skip
        within = self.integer(item, "within", "a near rule", minimum=1) or DEFAULT_NEAR_WITHIN
        seqs = []
        for i, term in enumerate(terms):
            pieces = tuple(term.lower().split())
            if not pieces:
                raise QualcodeError("E115", self.at(item["near"], i))
            seqs.append(TermSeq(pieces))
        source = f"near: [{', '.join(terms)}] within {within}"
        return Rule(kind="near", source=source, terms=tuple(seqs), within=within, where=where)

    def tokens_rule(self, item: CommentedMap, where: Location) -> Rule:
        pattern = item["tokens"]
        vwhere = self.value_at(item, "tokens")
        if not isinstance(pattern, CommentedSeq) or not pattern:
            raise QualcodeError("E114", vwhere, problem="`tokens` must be a non-empty list")
        plain = _plain(pattern)
        for i, tok in enumerate(plain):
            if not isinstance(tok, dict):
                raise QualcodeError(
                    "E114", self.at(pattern, i), problem=f"item {i + 1} is not a mapping"
                )
        # spaCy validates the pattern itself; do it now so the error points at the codebook.
        from spacy.matcher import Matcher
        from spacy.vocab import Vocab

        try:
            Matcher(Vocab(), validate=True).add("check", [plain])
        except (ValueError, KeyError, TypeError) as exc:
            problem = " ".join(str(exc).split())[:300]
            raise QualcodeError("E114", vwhere, problem=problem) from None
        source = "tokens: " + str(plain)
        return Rule(kind="tokens", source=source, tokens=tuple(plain), where=where)


def _plain(node: Any) -> Any:
    """Turn ruamel's commented containers into plain dicts and lists."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _mode(value: str | None) -> NegationMode | None:
    return None if value is None else NegationMode(value)
