"""One catalogue of user-facing errors and warnings.

Every problem a user can cause (a bad codebook, a missing file, a wrong column) is raised as
a :class:`QualcodeError` with a code from :class:`Errors`. Each entry says what went wrong
and how to fix it; the error carries where it happened (file, line, column, or row). The CLI
prints these without a traceback and exits with status 1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file and optionally a 1-based line and column, or a row."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        text = ":".join(parts)
        if self.row is not None:
            text += f" (row {self.row})"
        return text


class Errors:
    """The catalogue: code -> (what went wrong, how to fix it). Placeholders use str.format."""

    # Codebook files (E1xx)
    E101 = (
        "codebook file not found: {path}",
        "Check the path, or create one with `qualcode init`.",
    )
    E102 = ("the codebook is not valid YAML: {problem}", "Fix the YAML syntax at this position.")
    E103 = ("the codebook is empty", "Start from `qualcode init` for a commented example.")
    E104 = (
        "unknown key '{key}' in {context}",
        "Remove it or use one of: {allowed}.{suggestion}",
    )
    E105 = ("'{key}' in {context} must be {expected}, not {got}", "Change the value to {expected}.")
    E106 = (
        "duplicate code id '{id}' (first defined at line {first_line})",
        "Code ids must be unique across the whole codebook: rename one of them.",
    )
    E107 = (
        "invalid regex {pattern!r}: {problem}",
        "Fix the regular expression (Python `re` syntax).",
    )
    E108 = (
        "leaf code '{id}' has no `match` rules",
        "Add at least one rule under `match:`, or give it child codes under `codes:`.",
    )
    E109 = ("code is missing the required key '{key}'", "Add `{key}:` to this code.")
    E110 = (
        "code id '{id}' is not a valid id",
        "Use letters, digits, '_' or '-', starting with a letter (e.g. `k_bladder`).",
    )
    E111 = ("the codebook has no codes", "Add a `codes:` list with at least one code.")
    E112 = ("unknown rule {rule!r}: {problem}", "Use one of the rule forms: {forms}.")
    E113 = ("'{key}' must be one of {allowed}, not {got!r}", "Use one of {allowed}.")
    E114 = (
        "invalid `tokens` pattern: {problem}",
        "Write a spaCy Matcher pattern: a list of token dicts such as "
        "[{{LOWER: k}}, {{LEMMA: cramp}}].",
    )
    E115 = ("empty rule", "Write a word, a phrase, a glob such as `crav*`, or a rule mapping.")
    E116 = (
        "duplicate key '{key}' (first at line {first_line})",
        "Each key may appear once in a mapping: remove or merge the duplicate.",
    )
    E117 = (
        "'{key}' in {context} needs at least {minimum}",
        "Add more entries to `{key}`.",
    )
    E118 = (
        "the codebook is not UTF-8 text: byte 0x{byte:02X} at offset {offset} cannot be read",
        'YAML files are UTF-8: save the codebook as UTF-8 in your editor ("Save with '
        'encoding" / "UTF-8").',
    )

    # Language pipeline (E2xx)
    E201 = (
        "spaCy pipeline '{name}' is not installed",
        "qualcode never downloads models. Install it yourself, or drop `--model` (`model=` in "
        "Python) and the codebook's `model:` to use the offline default (spacy.blank + lookup "
        "lemmas).",
    )
    E202 = (
        "spaCy has no language '{lang}'",
        "Set `language:` to an ISO code spaCy supports, such as en, de, fr, es.",
    )

    # Answers files and columns (E3xx)
    E301 = ("answers file not found: {path}", "Check the path and the working directory.")
    E302 = ("cannot read {path}: {problem}", "{fix}")
    E303 = ("the answers file has no rows: {path}", "Export the survey again with its answers.")
    E304 = (
        "no column '{column}' in {path}.{suggestion}",
        "Available columns: {available}.",
    )
    E305 = (
        "cannot tell which column holds the answers' text in {path}",
        "Name it with --text COLUMN (repeat for several; `text=` in Python). Candidates: "
        "{candidates}.",
    )
    E306 = (
        "unsupported answers file type '{suffix}': {path}",
        "Use one of: {supported}.",
    )
    E307 = (
        "code id '{code}' clashes with input column '{code}' in the coded table",
        "Rename the code in the codebook or the column in the answers file.",
    )
    E308 = (
        "the answers file is not text in {encoding}: undecodable byte at offset {offset}",
        "Name its encoding with --encoding (`encoding=` in Python), e.g. --encoding cp1252 for "
        "Excel on Windows, --encoding utf-16 for Excel's Unicode text; or save it as UTF-8.",
    )
    E309 = (
        "{path} has a header row but no answers",
        "Export the survey again with its responses, or check you chose the right file.",
    )
    E310 = (
        "line {line} has {got} field(s) where the header has {expected}: {preview}{more}",
        "Quote answers that contain the delimiter {delimiter!r} or line breaks, or pass "
        "--skip-bad-rows (`skip_bad_rows=True` in Python) to skip such rows (they are counted "
        "and listed in manifest.json).",
    )
    E311 = (
        "{path} is {kind}, not a {expected} file",
        "{fix}",
    )
    E312 = (
        "{what} needs the '{package}' package, which is not installed",
        "Install it with: pip install 'qualcode[{extra}]'",
    )
    E314 = (
        "the partition {path} has other columns than {first}: {columns}",
        "Every file of a glob must have the same columns in the same order ({expected}).",
    )
    E315 = (
        "cannot reach the Dask scheduler {scheduler}: {problem}",
        "Check the address (e.g. tcp://10.0.0.5:8786) and that the scheduler is running, or "
        "drop --scheduler (`scheduler=`) to start a local cluster.",
    )
    E313 = (
        "no sheet named '{sheet}' in {path}.{suggestion}",
        "Sheets in this workbook: {sheets}.",
    )

    # Outputs (E4xx)
    E401 = (
        "refusing to write into {path}: it exists and is not a qualcode output folder",
        "Choose another folder (-o, or the output folder argument in Python), or remove it "
        "yourself.",
    )
    E402 = (
        "refusing to overwrite the input file {path}",
        "Choose another output path (-o, or the output argument in Python).",
    )
    E403 = (
        "{path} already exists",
        "Choose another path or delete the file first; where a command has --force "
        "(`force=True` in Python), it overwrites.",
    )
    E404 = (
        "{path} is not a qualcode output folder (no manifest.json)",
        "Point to a folder written by `qualcode apply`.",
    )
    E405 = (
        "{table}, row {row}, column '{column}' has {n:,} characters; an Excel cell holds at "
        "most 32,767",
        "Write the tables with --format csv or parquet (`fmt=` in Python), which keep every "
        "character.",
    )
    E406 = (
        "{table} has {n:,} rows; an Excel sheet holds at most 1,048,575 below its header",
        "Write the tables with --format csv or parquet (`fmt=` in Python).",
    )

    # Validation and kwic (E5xx)
    E501 = ("no code '{code}' in the codebook.{suggestion}", "Codes: {available}.")
    E502 = ("kwic needs a PATTERN or --codebook with --code", "Give one of them.")

    # Quotes (E65x)
    E651 = (
        "unknown name '{name}' in the attribution template {template!r}.{suggestion}",
        "Use {{name}} with one of: {names}.",
    )
    E652 = (
        "cannot read the attribution template {template!r}: {problem}",
        'Write names in braces, as in "({{id}}, {{region}})"; double a brace to print it: '
        "{{{{ or }}}}.",
    )
    E653 = ("a Word document cannot be written to the terminal", "Name a file with -o quotes.docx.")
    E654 = (
        "cannot read the names file {path}: {problem}",
        "Give a UTF-8 text file with one name a line to --redact-names (or the names as `names=` "
        "in Python).",
    )
    E655 = (
        "cannot tell the quotes format from the file name {path}",
        "End it with .md, .tex, .docx, .html or .csv, or give --format (`fmt` in Python).",
    )
    E656 = (
        "the codebook this output was coded with is not at {path}",
        "Name it with --codebook PATH (`codebook=` in Python).",
    )

    # Report (E66x)
    E661 = (
        "cannot write the report to {path}: it is a folder",
        "Name a file with -o (`output=` in Python), e.g. report.html.",
    )

    # Agreement with human coding (E71x)
    E711 = (
        "cannot tell the id column of the human coding in {path} (columns: {columns})",
        "Name it with --id COLUMN (`id=` in Python).",
    )
    E712 = (
        "no 0/1 code columns in {path}",
        "Give a wide table (one 0/1 column per code) or a long table with a 'code' or 'tag' "
        "column of code names.",
    )
    E713 = (
        "cannot read the code mapping {path}: {problem}",
        "Give --map GOLD_NAME=CODE_ID (`mapping=` in Python), or --map-file with a YAML "
        "mapping of gold names to codebook ids.",
    )
    E714 = (
        "no unit is in both {left} and {right}",
        "Check the id columns (--id, `id=`) and that both sides code the same answers.",
    )

    # Topics (E72x): issue 8
    E721 = (
        "too few answers to model: {n} usable ({why}); topics needs at least {need}",
        "Give more answers (more rows, or more questions with --text / `text=`), ask for fewer "
        "topics with --k / `k=`, or drop --uncoded / `uncoded=`. Answers with fewer than 2 "
        "content words are not used.",
    )
    E722 = (
        "{outdir} did not code {path}: it coded a file with SHA-256 {recorded}..., this one "
        "is {actual}...",
        "Give the answers file that `qualcode apply` coded into that folder, or run "
        "`qualcode apply` on this file first.",
    )
    E723 = (
        "--k must be 'auto' or a whole number from 2 to {most}, not {got!r}",
        'Use --k auto (choose by coherence) or e.g. --k 6; in Python `k="auto"` or `k=6`.',
    )
    E725 = (
        "refusing to write the topics into {path}: it is the `qualcode apply` folder being read",
        "Choose another folder with -o (`outdir` in Python; the default is <answers>.topics/).",
    )
    E726 = (
        "refusing to write suggestions over {path}: it is {what}",
        "Name another file with --suggest (the path given to `write_suggestions` in Python), "
        "e.g. stubs.yaml.",
    )

    # REFI-QDA export and import (E73x): issue 9
    E731 = (
        "unsafe entry {entry!r} in {path}: {problem}",
        "This archive could write outside its folder; do not open it. Ask the sender to "
        "export the project again.",
    )
    E732 = (
        "refusing to unpack {path}: {problem}",
        "The archive looks like a zip bomb or is not a REFI-QDA project; ask for a fresh "
        "export, or import its codebook (.qdc) instead.",
    )
    E733 = (
        "{path} is not a REFI-QDA file: {problem}",
        "Give a .qdc codebook or a .qdpx project exported by a QDA program.",
    )
    E734 = (
        "{path} declares {construct}, which a REFI-QDA file never needs",
        "DTDs and entities are refused (they can read local files or blow up memory); "
        "export the file again from the QDA program.",
    )
    E735 = (
        "{path} is not well-formed XML: {problem}",
        "Fix the XML at this position, or export the file again.",
    )
    E736 = (
        "code '{code}' has a bad qualcode rules line: {problem}",
        "Each line after 'Rules (qualcode):' in the code's description must be `key: JSON` "
        '(e.g. match: "bladder"); fix or delete the line.',
    )
    E737 = (
        "segment of code '{code}' at row {row} ({question}) does not match the answer: "
        "text[{start}:{end}] is {found!r}, the segment says {match!r}",
        "The output folder and its coded table disagree; run `qualcode apply` again.",
    )
    E738 = (
        "code '{code}' of the segments is not in the codebook {codebook}",
        "Give the codebook the folder was coded with (--codebook PATH, `codebook=`), or run "
        "`qualcode apply` again with this one.",
    )

    # Foreign dictionaries: LIWC, quanteda, WordStat, Empath (E74x): issue 9
    E741 = (
        "dictionary file not found: {path}",
        "Check the path (a LIWC .dic, quanteda .yml, WordStat .cat or Empath .tsv file).",
    )
    E742 = (
        "{path} is not a LIWC dictionary as expected: {problem}",
        "A .dic file starts with `%`, lists `number<TAB>name` per category, closes the list "
        "with another `%`, then gives `entry<TAB>numbers` per line.",
    )
    E743 = (
        "entry {entry!r} refers to category {ref!r}, which the header does not define "
        "(it defines {known}...)",
        "Add the category to the header between the `%` lines, or correct the entry's "
        "category number or name.",
    )
    E744 = (
        "LIWC entry line {line!r} names no category",
        "Give each entry its categories after a tab: `word<TAB>1 4`; delete stray lines.",
    )
    E745 = (
        "conditional entry {entry!r} ({refs}) is not supported",
        "LIWC 2007's context rules (`(02 134)131/125`) depend on the neighbouring word and "
        "have no faithful translation; replace the line with plain category numbers (or "
        "delete it) in a copy of the dictionary, then import that.",
    )
    E746 = (
        "{path} is not a quanteda dictionary as expected: {problem}",
        "A quanteda YAML dictionary maps category names to lists of patterns, or to "
        "mappings of sub-categories (write one with quanteda's `write_yaml`/`as.yaml`).",
    )
    E747 = (
        "{path} is not a WordStat dictionary as expected: {problem}",
        "A .cat file has category lines, and entries ending in a weight such as ` (1)` "
        "indented one tab deeper than their category.",
    )
    E748 = (
        "{path} is not an Empath lexicon as expected: {problem}",
        "Each line is `category<TAB>word<TAB>word...` (Empath's categories.tsv).",
    )
    E749 = (
        "{path} holds no dictionary entries (read as {format})",
        "Check that this is the dictionary file and that you chose its format: "
        "`qualcode import liwc|quanteda|wordstat|empath FILE`.",
    )

    # spaCy component, scikit-learn transformer, diff (E75x): issue 10
    E751 = (
        "the spaCy component '{name}' has no codebook",
        'Name one: nlp.add_pipe("qualcode", config={{"codebook": "codebook.yaml"}}), or load a '
        "pipeline saved with one (spacy.load).",
    )
    E752 = (
        "CodebookVectorizer expects a sequence of texts, not a single {got}",
        "Pass a list, array or pandas Series of texts, e.g. [text] for one text.",
    )
    E753 = (
        "CodebookVectorizer expects one column of texts, got a table of {shape}",
        "Select one column: in a ColumnTransformer name it as a string ('answer', not "
        "['answer', 'other']), or use one vectorizer per column.",
    )
    E754 = (
        "CodebookVectorizer's codebook must be a path or a loaded Codebook, not {got}",
        'Pass CodebookVectorizer("codebook.yaml") or CodebookVectorizer(qualcode.load_codebook'
        '("codebook.yaml")).',
    )
    E755 = (
        "{old} and {new} were not coded from the same data: {problem}",
        "Diff two `qualcode apply` outputs of the same answers file (same contents and reading "
        "options), e.g. `qualcode apply OLD.yaml answers.csv -o old/` and `qualcode apply "
        "NEW.yaml answers.csv -o new/`.",
    )
    E756 = (
        "cannot read the agreement table {path}: {problem}",
        "Give the per-code table written by `qualcode agree GOLD OUTDIR -o agree.csv`.",
    )
    E757 = (
        "{path} is not an output folder of `qualcode apply`: {problem}",
        "Point to the folder `qualcode apply CODEBOOK ANSWERS -o DIR` wrote (a `qualcode "
        "topics` folder, for one, holds no coding).",
    )

    # Review workbench and finalize (E80x): issue 17
    E801 = (
        "cannot serve on {host}:{port}: {problem}",
        "Choose another port with --port N (--port 0 takes any free one), or stop the program "
        "that uses this one.",
    )
    E802 = (
        "no decisions store at {path}",
        "Review the folder first with `qualcode review OUTDIR`, or check the folder's path.",
    )
    E803 = (
        "cannot read the decisions store {path}: {problem}",
        "qualcode never repairs it in place: move the file aside (e.g. rename it "
        "review.sqlite.broken) to start a new one, or restore it from a backup.",
    )
    E804 = (
        "the decisions store was written by a newer qualcode (schema {version}; this one "
        "knows {known})",
        "Upgrade qualcode (pip install -U qualcode) to open it.",
    )
    E805 = (
        "{path} holds the decisions of several coders: {coders}",
        "Name the coder whose decisions to apply with --coder NAME.",
    )
    E806 = (
        "no decisions of coder '{coder}' in {path}.{suggestion}",
        "Coders in this folder: {coders}.",
    )
    E807 = (
        "{path} is not a coding sheet of `qualcode sample`: {problem}",
        "Give the .xlsx written by `qualcode sample OUTDIR -o sheet.xlsx` for this folder.",
    )
    E808 = (
        "refusing to write the finalized folder into {path}: it is the folder being reviewed",
        "Choose another folder with -o (the default is <OUTDIR>.final/ beside it).",
    )
    E809 = (
        "coder '{coder}' has no decisions that apply to the answers in {path} ({detail})",
        "Review some answers first (`qualcode review OUTDIR --coder {coder}`); decisions made "
        "on answers whose text changed (stale) or about codes that are gone (orphaned) do "
        "not count.",
    )
    E810 = (
        "coders '{a}' and '{b}' reviewed no answer in common in {path} ({a}: {n_a} answers; "
        "{b}: {n_b})",
        "Agreement between two coders needs answers both reviewed: have them code the same "
        "sample (e.g. both with `qualcode review OUTDIR --blind SHEET`).",
    )


class Warnings:
    """Catalogue of warnings: printed, never fatal."""

    W101 = "language '{lang}' has no lookup lemma table: words match their exact forms only"
    W301 = "{n} duplicate id(s) in column '{column}' (e.g. {example}); all rows are kept"
    W302 = "inferred text column(s): {columns}; use --text to choose"
    W303 = "inferred id column: {column}; use --id to choose"
    W304 = "no id column found: rows are numbered from 1 as 'row'; use --id to choose"
    W305 = (
        "{path} is not UTF-8; decoded as {encoding} (guessed by charset-normalizer). "
        "If accents look wrong, name the encoding with --encoding"
    )
    W306 = "skipped {n} bad row(s) at line(s) {lines}; each is listed in manifest.json"
    W307 = "{platform} export: skipped {n} extra header row(s); question texts become labels"
    W308 = "renamed {n} column(s) with an empty or repeated name: {renamed}"


class QualcodeError(Exception):
    """A problem the user can fix. Carries a catalogue code, a location and a fix."""

    def __init__(self, code: str, where: Location | None = None, /, **fields: object) -> None:
        what, fix = getattr(Errors, code)
        self.code = code
        self.where = where
        self.what = what.format(**fields)
        self.fix = fix.format(**fields)
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}error {self.code}: {self.what}\n  how to fix: {self.fix}"


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    """Return ' Did you mean 'x'?' for the closest option, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""
