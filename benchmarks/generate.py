"""Generate a synthetic survey and codebook for qualcode's performance benchmark.

    python benchmarks/generate.py --n 100000 --out benchmarks/out

writes ``OUT/answers_<n>.csv`` (columns ``id``, ``region``, ``answer``) and
``OUT/codebook.yaml`` (40 codes under 8 themes, ~400 terms: words, phrases, globs, a few
``regex:`` and ``near:`` rules, ``unless:`` on a few codes).

The answers are 1-3 sentences (~35 spaCy tokens on average, like the 3.55M tokens per 100k
answers in DESIGN.md) of Zipf-distributed filler words, into which codebook terms and their
inflections are inserted so that about half of the answers hit at least one code. Some hits
are preceded by a negation ("never had", "no", ...), some answers carry emoji, ~1% are blank.

Deterministic: one ``numpy.random.default_rng(SEED)`` drives everything; the filler
vocabulary is drawn from the English lookup lemma table of spacy-lookups-data (a qualcode
dependency), sorted before sampling, so a given n gives byte-identical files on every run
with the same spacy-lookups-data version. Filler words that a codebook rule (or the naive
baseline's regex) would match on their own are left out, so hits come from inserted terms.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from naive import naive_patterns  # noqa: E402  (a sibling script, not a package)

SEED = 20250
OUT = Path(__file__).resolve().parent / "out"

# --------------------------------------------------------------------------------------
# The codebook. Term notation (generator-only; the YAML gets the rule itself):
#   "bladder"                      a word (matched through lemmas)
#   "k bladder"                    a phrase
#   "bladd*|bladdar,bladders"      a glob, then the forms the generator writes for it
#   Re(pattern, samples...)        a regex rule and texts it matches
#   Near(a, b, within)             a near rule; a and b in the same notation as above
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Re:
    """A `regex:` rule with sample texts it matches."""

    pattern: str
    samples: tuple[str, ...]

    def __init__(self, pattern: str, *samples: str) -> None:
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "samples", samples)


@dataclass(frozen=True)
class Near:
    """A `near:` rule: terms a and b within `within` words."""

    a: str
    b: str
    within: int


Term = str | Re | Near


@dataclass(frozen=True)
class CodeSpec:
    """One leaf code of the benchmark codebook."""

    id: str
    label: str
    terms: tuple[Term, ...]
    unless: tuple[str, ...] = ()
    negation: str | None = None


@dataclass(frozen=True)
class ThemeSpec:
    """A theme: a parent code with no rules of its own."""

    id: str
    label: str
    codes: tuple[CodeSpec, ...] = field(default_factory=tuple)


def C(
    id: str, label: str, *terms: Term, unless: tuple[str, ...] = (), negation: str | None = None
) -> CodeSpec:
    """Shorthand for a leaf code."""
    return CodeSpec(id, label, terms, unless, negation)


THEMES: tuple[ThemeSpec, ...] = (
    ThemeSpec("physical_harms", "Physical harms", (
        C("bladder", "Bladder and urinary problems",
          "bladder", "urinary", "urine", "cystitis", "incontinence", "pee", "k bladder",
          "ket bladder", "frequent urination", "bladder pain",
          "bladd*|bladdar,bladders,bladdr", "urinat*|urinating,urination,urinate",
          Re(r"\bk[- ]?bladders?\b", "k-bladder", "kbladder"),
          Near("blood", "piss*|pissing,pissed", 4),
          unless=("bladder cancer screening", "urine test*|urine tests,urine testing",
                  "drug test*|drug tests,drug testing")),
        C("kidney", "Kidney problems",
          "kidney", "renal", "hydronephrosis", "ureter", "stent", "kidney damage",
          "kidney function", "swollen kidneys", "nephr*|nephritis,nephrology,nephrologist",
          Re(r"\bkidn(?:e?y|ie)s?\b", "kidny", "kidnies"),
          unless=("kidney bean*|kidney beans",)),
        C("abdominal_pain", "Abdominal pain (K cramps)",
          "stomach", "abdomen", "bellyache", "nausea", "vomit", "cramp", "stomach ache",
          "indigestion", "gut pain", "bile duct", "k cramp*|k cramps,k cramping",
          "ket cramp*|ket cramps", "abdomin*|abdominal"),
        C("liver", "Liver problems",
          "liver", "jaundice", "hepatitis", "gallbladder", "bile", "liver damage",
          "liver function test", "yellow skin", "cirrhosis", "hepat*|hepatic,hepatology",
          "cirrho*|cirrhotic,cirrhosis"),
        C("sleep", "Sleep problems",
          "insomnia", "nightmare", "exhaustion", "fatigue", "tired", "sleepless night",
          "awake all night", "body clock", "drowsy", "insomn*|insomniac,insomnia",
          "sleep*|sleeping,sleepless", Near("wak*|waking,wake,wakes", "night", 3)),
    )),
    ThemeSpec("mental_health", "Mental health", (
        C("depression", "Depression and low mood",
          "depression", "depressed", "hopeless", "misery", "sadness", "despair", "low mood",
          "feeling low", "dark place", "rock bottom", "depress*|depressing,depressive",
          unless=("great depression",)),
        C("anxiety", "Anxiety and panic",
          "anxiety", "anxious", "panic", "paranoia", "worry", "nervous", "dread",
          "panic attack", "on edge", "heart racing", "paranoi*|paranoid,paranoia",
          "anxi*|anxieties,anxiousness"),
        C("psychosis", "Psychosis and dissociation",
          "psychosis", "hallucination", "psychotic", "delusion", "derealisation",
          "depersonalisation", "k hole", "k-hole", "hearing voices", "out of body",
          "dissociat*|dissociation,dissociating,dissociative"),
        C("memory", "Memory and concentration",
          "memory", "forgetful", "concentration", "confusion", "brain fog", "memory loss",
          "short term memory", "lost my words", "dementia", "forget*|forgetting,forgetful",
          "cogniti*|cognitive,cognition"),
        C("suicidal", "Suicidal thoughts and self-harm",
          "suicidal", "suicide", "overdose", "self harm", "end it all", "wanted to die",
          "take my own life", "suicid*|suicide,suicidal",
          Re(r"\bself[- ]?harm(?:ing|ed)?\b", "selfharm", "self-harming")),
    )),
    ThemeSpec("use_patterns", "Patterns of use", (
        C("craving", "Cravings and relapse",
          "craving", "urge", "relapse", "tempted", "obsession", "triggered", "urge to use",
          "itching for", "longing", "crav*|crave,craved,cravings", "relaps*|relapsed,relapsing",
          Near("want*|wanting,wanted", "ket", 3)),
        C("dependence", "Dependence and addiction",
          "addiction", "addicted", "dependent", "hooked", "dependency", "compulsive",
          "binge", "habit", "daily use", "every single day", "out of control",
          "addict*|addict,addiction,addictive", "habit*|habits,habitual"),
        C("tolerance", "Tolerance and dose",
          "tolerance", "dose", "gram", "bigger lines", "more and more", "bumps",
          "gram*|grams,grammes", "build* up|builds up,building up",
          Re(r"\b\d+\s?g(?:rams?)?\s+(?:a|per)\s+day\b", "3g a day", "2 grams per day"),
          Re(r"\b\d+\s?g(?:rams?)?\s+(?:a|per)\s+(?:night|week)\b", "5g a night",
             "7 grams per week")),
        C("polydrug", "Other drugs",
          "cocaine", "alcohol", "heroin", "mdma", "cannabis", "weed", "speed", "coke", "valium",
          "mixing drugs", "benzo*|benzos,benzodiazepines", "opiat*|opiates,opiate",
          unless=("speed limit",)),
        C("withdrawal", "Withdrawal and comedowns",
          "withdrawal", "comedown", "shaking", "sweats", "clammy", "detox", "restless", "come down",
          "cold turkey", "withdraw*|withdrawing,withdrawals",
          Near("shak*|shaking,shaky", "sweat*|sweating,sweats", 4)),
    )),
    ThemeSpec("treatment", "Treatment and support", (
        C("gp", "GP and hospital care",
          "gp", "doctor", "nurse", "appointment", "hospital", "urologist", "clinic",
          "general practitioner", "family doctor", "walk in centre",
          "doct*|doctors,docter", Re(r"\bg\.p\.?s?\b", "g.p.", "g.p.s")),
        C("rehab", "Rehab and recovery services",
          "rehab", "recovery", "sobriety", "inpatient", "outpatient", "detox clinic",
          "residential treatment", "twelve step", "narcotics anonymous", "drug service",
          "rehab*|rehabs,rehabilitation"),
        C("therapy", "Talking therapies",
          "therapy", "counselling", "therapist", "cbt", "psychologist", "talking therapy",
          "support group", "mindfulness", "counsel*|counsellor,counselor,counselling",
          "psychiatr*|psychiatrist,psychiatry",
          unless=("retail therapy",)),
        C("medication", "Medication",
          "medication", "prescription", "antidepressant", "pill", "painkiller",
          "pregabalin", "tramadol", "diazepam", "pain relief", "on meds",
          "diazep*|diazepam,diazepams",
          "prescri*|prescribed,prescriptions", "antidepress*|antidepressants"),
        C("barriers", "Barriers to treatment",
          "referral", "waiting list", "turned away", "long wait", "postcode lottery",
          "never sought help", "never asked for help", "nowhere to go",
          "waiting list*|waiting lists", "referr*|referred,referrals",
          negation="ignore"),
    )),
    ThemeSpec("social", "Relationships and family", (
        C("family", "Family",
          "family", "mum", "dad", "parent", "sibling", "brother", "sister", "partner",
          "my parents", "famil*|families,familys", Near("mum", "cried", 4)),
        C("relationships", "Relationships",
          "relationship", "girlfriend", "boyfriend", "husband", "wife", "breakup", "divorce",
          "marriage", "split up", "broke up", "relationship*|relationships"),
        C("friends", "Friends and peers",
          "friend", "mate", "peer", "buddy", "social life", "circle of friends", "lost touch",
          "drifted apart", "friend*|friends,friendship,friendships"),
        C("isolation", "Isolation and loneliness",
          "lonely", "isolated", "alone", "isolation", "loneliness", "shut myself away",
          "cut off", "isolat*|isolating,isolation"),
        C("parenting", "Pregnancy and children",
          "pregnant", "pregnancy", "baby", "toddler", "custody", "children", "child",
          "social services", "parent*|parenting,parenthood"),
    )),
    ThemeSpec("work_money", "Work, money and the law", (
        C("employment", "Work and employment",
          "employer", "unemployed", "sacked", "fired", "career", "lost my job",
          "sick leave", "redundancy", "employ*|employment,employed,employer",
          "redundan*|redundant,redundancies"),
        C("finances", "Money and debt",
          "debt", "money", "broke", "loan", "savings", "rent arrears",
          "spent all my money", "overdraft", "fin?nc*|finances,financial,finance", "debt*|debts",
          Near("owe*|owe,owed,owes", "money", 4), Re(r"£\s?\d+k?\b", "£500", "£2k")),
        C("education", "Education",
          "university", "college", "exam", "degree", "school", "course", "dropped out",
          "universit*|universities,university"),
        C("housing", "Housing",
          "homeless", "eviction", "housing", "landlord", "hostel", "tenancy", "sofa surfing",
          "kicked out", "evict*|evicted,eviction", "tenan*|tenant,tenants"),
        C("legal", "Police and courts",
          "police", "arrest", "court", "prison", "caution", "probation", "solicitor",
          "criminal record", "arrest*|arrested,arrests",
          Re(r"\b(?:arrested|charged|convicted)\s+(?:for|with)\b", "charged with",
             "convicted for")),
    )),
    ThemeSpec("awareness", "Awareness gaps", (
        C("clinician_knowledge", "Clinicians do not know about ketamine",
          "clueless", "ignorant", "misinformed", "uninformed", "doctors don't know",
          "no idea", "lack of knowledge", "had to explain", "never heard of",
          "misdiagnos*|misdiagnosed,misdiagnosis",
          negation="ignore"),
        C("harm_reduction", "Harm reduction",
          "reagent", "harm reduction", "testing kit", "safer use", "drug checking",
          "space out", "drink water", "dosag*|dosage,dosages"),
        C("information", "Information sources",
          "information", "leaflet", "website", "forum", "reddit", "research", "online", "podcast",
          "inform*|informed,information"),
        C("education_gap", "Drug education gaps",
          "myth", "warning", "drug education", "nobody told me", "party drug",
          "horse tranquiliser", "tranquili?er*|tranquilizer,tranquilisers",
          "warn*|warned,warnings"),
        C("media", "Media portrayals",
          "media", "news", "documentary", "tiktok", "headline", "stereotype", "newspaper",
          "in the papers", "journalis*|journalist,journalism", "newspap*|newspapers"),
    )),
    ThemeSpec("stigma", "Stigma and shame", (
        C("shame", "Shame and guilt",
          "ashamed", "shame", "embarrassed", "guilt", "guilty", "humiliated", "remorse",
          "embarrass*|embarrassing,embarrassment"),
        C("judgement", "Feeling judged",
          "judged", "judgement", "junkie", "criticised", "labelled", "looked down on",
          "treated like", "stigma", "judg*|judging,judgemental,judgmental",
          Near("doctor", "laughed", 5)),
        C("discrimination", "Discrimination",
          "discrimination", "prejudice", "dismissed", "refused treatment",
          "treated differently", "discriminat*|discriminated,discriminatory"),
        C("secrecy", "Secrecy",
          "secret", "hide", "lied", "sneaky", "kept it quiet", "cover up", "behind their back",
          "secre*|secretly,secrecy"),
        C("self_stigma", "Self-stigma",
          "worthless", "failure", "disgust", "weak", "pathetic", "useless", "self hatred",
          "self-loath*|self-loathing"),
    )),
)  # fmt: skip

# Common words, most frequent first (ranked at the top of the Zipf distribution). No
# negators here: negation is inserted on purpose, in front of terms, so its rate is known.
FUNCTION_WORDS = """
I the and to a my it of was in that me is for have on with but so just be had this like as
at all get really about been when from up out would do they people what can more I'm it's
time years now then much some there we them still know think got go going even also
because an or if after started using lot very one back did could other things life way bit
quite well only first since around went make made being take taking lines thing day days
year he she his her you your our their were are am will into over off again every than too
week weeks month months night always sometimes often used felt feel mind body health
point head hard bad good best worse better big long small last next same own few many
most any each both through while before until where which who how why yes ok okay maybe
probably actually literally basically honestly though something anything everything someone
anyone everyone here there's I've I'd you're they're that's whole kind sort
""".split()

# Single-word negation triggers (and words only used inside them), kept out of the filler.
NEGATION_WORDS = set(
    """no not never without nor neither nothing none zero nobody noone nowhere cannot
    deny denies denied denying unlikely resolved free gone clear cleared negative ruled
    lack absence instead rather disappeared stopped n't nt""".split()
)

EMOJI = ["😭", "🙏", "💊", "😔", "❤️", "🤷", "😩", "👍", "🙃", "💀"]
NEG_CUES = [
    "never had", "no", "not", "without any", "I never had any", "I don't have",
    "didn't have any", "no more", "never had any", "haven't had",
]  # fmt: skip
PSEUDO_CUES = ["not only", "no doubt the", "not just"]
OPENERS = ["Honestly", "To be honest", "Tbh", "Well", "Looking back", "For me", "Basically"]
REGIONS = ["Europe", "North America", "Australia", "Asia", "South America", "Africa"]
REGION_P = [0.45, 0.25, 0.15, 0.08, 0.05, 0.02]

# Rates, tuned so that ~35 tokens/answer and ~50-60% of answers hit a code.
P_SENTENCES = [0.3, 0.4, 0.3]  # 1, 2 or 3 sentences
P_TERM = 0.42  # a sentence carries a codebook term
P_SECOND_TERM = 0.15  # ... and a second one
P_NEGATED = 0.15  # a term is preceded by a negation cue
P_PSEUDO = 0.03  # ... or by a pseudo-negation ("not only")
P_UNLESS = 0.02  # an inserted term is an `unless` phrase instead
P_EMOJI = 0.05
P_BLANK = 0.01
P_COMMA = 0.05
WORDS_LOW, WORDS_HIGH = 8, 22  # filler words per sentence, uniform
N_CONTENT_LEMMAS = 2200
ZIPF_S = 1.0  # filler word frequencies
CODE_ZIPF_S = 0.8  # code frequencies


# --------------------------------------------------------------------------------------
# Codebook YAML
# --------------------------------------------------------------------------------------
def rule_text(term: str) -> str:
    """The codebook's rule for a generator term: the part before `|`."""
    return term.split("|", 1)[0]


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def codebook_yaml() -> str:
    """The benchmark codebook as YAML text (hand-emitted so it reads like a real one)."""
    lines = [
        "# Synthetic codebook for qualcode's performance benchmark (benchmarks/generate.py).",
        "# 40 codes under 8 themes; words, phrases, globs, regex and near rules; unless on a few.",
        f"name: {q('qualcode benchmark codebook (synthetic)')}",
        'version: "1.0"',
        "language: en",
        "description: >-",
        "  Generated by benchmarks/generate.py. The terms echo a survey of people with",
        "  ketamine addiction; the answers it is run on are random filler around them.",
        "defaults: {negation: exclude, unit: sentence}",
        "codes:",
    ]
    for theme in THEMES:
        lines += [f"  - id: {theme.id}", f"    label: {q(theme.label)}", "    codes:"]
        for code in theme.codes:
            lines += [f"      - id: {code.id}", f"        label: {q(code.label)}"]
            if code.negation:
                lines.append(f"        negation: {code.negation}")
            lines.append("        match:")
            for term in code.terms:
                if isinstance(term, Re):
                    lines.append(f"          - regex: {q(term.pattern)}")
                elif isinstance(term, Near):
                    pair = f"[{q(rule_text(term.a))}, {q(rule_text(term.b))}]"
                    lines += [f"          - near: {pair}", f"            within: {term.within}"]
                else:
                    lines.append(f"          - {q(rule_text(term))}")
            if code.unless:
                lines.append("        unless:")
                lines += [f"          - {q(rule_text(u))}" for u in code.unless]
    return "\n".join(lines) + "\n"


def term_counts() -> dict[str, int]:
    """How many rules of each kind the codebook has (for the docstring's claims)."""
    counts: dict[str, int] = defaultdict(int)
    for theme in THEMES:
        for code in theme.codes:
            for term in code.terms:
                if isinstance(term, Re):
                    counts["regex"] += 1
                elif isinstance(term, Near):
                    counts["near"] += 1
                elif "*" in rule_text(term) or "?" in rule_text(term):
                    counts["glob"] += 1
                elif " " in term or "-" in term:
                    counts["phrase"] += 1
                else:
                    counts["word"] += 1
    return dict(counts)


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------
def lemma_table() -> dict[str, str]:
    """spacy-lookups-data's English lemma lookup table, lower-case keys only."""
    import spacy
    from spacy.util import load_language_data

    data = load_language_data(spacy.registry.lookups.get("en")["lemma_lookup"])
    return {k: v.lower() for k, v in data.items() if k == k.lower()}


def glob_regex(glob: str) -> re.Pattern[str]:
    """A single-token glob as a full-match regex."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in glob))  # fmt: skip


class Vocabulary:
    """Filler words (with Zipf probabilities) and inflected forms of codebook words."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.lemmas = lemma_table()
        reverse: dict[str, list[str]] = defaultdict(list)
        for form, lemma in self.lemmas.items():
            reverse[lemma].append(form)
        self.reverse = {k: sorted(v) for k, v in reverse.items()}
        self._build_blockers()
        content_lemmas = sorted(
            lemma for lemma in self.reverse
            if lemma.isalpha() and lemma.isascii() and 4 <= len(lemma) <= 9
        )  # fmt: skip
        picked = rng.choice(len(content_lemmas), size=N_CONTENT_LEMMAS, replace=False)
        content: list[str] = []
        for i in sorted(picked.tolist()):
            lemma = content_lemmas[i]
            content.extend([lemma, *self.reverse[lemma]])
        content = sorted({w for w in content if w.isalpha() and w.isascii()})
        rng.shuffle(content)  # the rank of a content word is random, so is its frequency
        seen: set[str] = set()
        words: list[str] = []
        for w in [*FUNCTION_WORDS, *content]:
            if w not in seen and not self.blocked(w):
                seen.add(w)
                words.append(w)
        self.words = np.array(words, dtype=object)
        weights = 1.0 / np.arange(1, len(words) + 1) ** ZIPF_S
        self.p = weights / weights.sum()

    def _build_blockers(self) -> None:
        """Everything a single filler word must not match on its own."""
        self.term_words: set[str] = set(NEGATION_WORDS)
        self.globs: list[re.Pattern[str]] = []
        for theme in THEMES:
            for code in theme.codes:
                for term in code.terms:
                    if isinstance(term, Re):
                        continue
                    parts = [term.a, term.b] if isinstance(term, Near) else [term]
                    for part in parts:
                        text = rule_text(part)
                        if "*" in text or "?" in text:
                            if " " not in text:
                                self.globs.append(glob_regex(text))
                        elif " " not in text:
                            self.term_words.add(text)
                            self.term_words.add(self.lemmas.get(text, text))
        book = {"codes": [_code_dict(c) for t in THEMES for c in t.codes]}
        self.naive = re.compile("|".join(f"(?:{p})" for p in naive_patterns(book).values()))

    def blocked(self, word: str) -> bool:
        """True when a code (ours or the naive baseline's) would match `word` alone."""
        lower = word.lower()
        if lower in self.term_words or self.lemmas.get(lower, lower) in self.term_words:
            return True
        if any(g.fullmatch(lower) for g in self.globs):
            return True
        return bool(self.naive.search(lower))

    def forms(self, word: str) -> list[str]:
        """A codebook word and its inflections from the lemma table (craving: cravings, crave)."""
        lemma = self.lemmas.get(word, word)
        others = [f for f in self.reverse.get(lemma, []) if f != word and f.isalpha()]
        if lemma != word and lemma.isalpha():
            others.append(lemma)
        return [word, *others]


def _code_dict(code: CodeSpec) -> dict[str, object]:
    """A code as the plain data `naive_patterns` reads from YAML."""
    match: list[object] = []
    for term in code.terms:
        if isinstance(term, Re):
            match.append({"regex": term.pattern})
        elif isinstance(term, Near):
            match.append({"near": [rule_text(term.a), rule_text(term.b)], "within": term.within})
        else:
            match.append(rule_text(term))
    return {"id": code.id, "match": match}


# --------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------
class AnswerMaker:
    """Builds answers from filler and inserted terms with one seeded generator."""

    def __init__(self, rng: np.random.Generator, vocab: Vocabulary) -> None:
        self.rng = rng
        self.vocab = vocab
        self.codes = [code for theme in THEMES for code in theme.codes]
        # Real surveys have a few dominant codes and a long tail: Zipf weights over a
        # seeded order of the codes.
        ranks = rng.permutation(len(self.codes)) + 1
        weights = 1.0 / ranks**CODE_ZIPF_S
        self.code_p = weights / weights.sum()
        self.with_unless = [code for code in self.codes if code.unless]
        self._filler: list[str] = []
        self._pos = 0

    def filler(self, k: int) -> list[str]:
        """k filler words, drawn in large vectorised batches (per-word draws are slow)."""
        if self._pos + k > len(self._filler):
            batch = self.rng.choice(self.vocab.words, size=1_000_000, p=self.vocab.p)
            self._filler = [*self._filler[self._pos :], *batch.tolist()]
            self._pos = 0
        out = self._filler[self._pos : self._pos + k]
        self._pos += k
        return out

    def pick(self, options: list[str] | tuple[str, ...]) -> str:
        """One of `options`, uniformly."""
        return options[int(self.rng.integers(len(options)))]

    def render_piece(self, term: str) -> str:
        """Text for a word, phrase or glob term: an inflection or a listed glob form."""
        text, _, forms = term.partition("|")
        if forms:
            return self.pick(forms.split(","))
        words = text.split()
        if self.rng.random() < 0.4:  # an inflection: any for a word, a plural for a phrase
            forms = self.vocab.forms(words[-1])
            if len(words) > 1:
                forms = [f for f in forms if f in (words[-1] + "s", words[-1] + "es")]
            if forms:
                words[-1] = self.pick(forms)
        if words[0] == "k" and self.rng.random() < 0.5:
            words[0] = "K"
        return " ".join(words)

    def render(self, term: Term) -> str:
        """Text for any term."""
        if isinstance(term, Re):
            return self.pick(term.samples)
        if isinstance(term, Near):
            a, b = self.render_piece(term.a), self.render_piece(term.b)
            if self.rng.random() < 0.3:
                a, b = b, a
            gap = self.filler(int(self.rng.integers(0, term.within)))
            return " ".join([a, *gap, b])
        return self.render_piece(term)

    def term(self) -> str:
        """A random code's random term, sometimes behind a negation or pseudo-negation."""
        if self.rng.random() < P_UNLESS:  # a phrase that blocks its code ("urine tests")
            code = self.pick(self.with_unless)
            return self.render_piece(self.pick(code.unless))
        code = self.codes[int(self.rng.choice(len(self.codes), p=self.code_p))]
        text = self.render(code.terms[int(self.rng.integers(len(code.terms)))])
        r = self.rng.random()
        if r < P_NEGATED:
            return f"{self.pick(NEG_CUES)} {text}"
        if r < P_NEGATED + P_PSEUDO:
            return f"{self.pick(PSEUDO_CUES)} {text}"
        return text

    def sentence(self, last: bool) -> str:
        """Filler words with commas, maybe one or two terms, and end punctuation."""
        n = int(self.rng.integers(WORDS_LOW, WORDS_HIGH + 1))
        words = self.filler(n)
        commas = self.rng.random(n) < P_COMMA
        words = [w + "," if c and i < n - 1 else w for i, (w, c) in enumerate(zip(words, commas))]
        if self.rng.random() < P_TERM:
            k = 2 if self.rng.random() < P_SECOND_TERM else 1
            for _ in range(k):
                words.insert(int(self.rng.integers(0, len(words) + 1)), self.term())
        if self.rng.random() < 0.08:
            words.insert(0, self.pick(OPENERS) + ",")
        if self.rng.random() < 0.7:
            words[0] = words[0][:1].upper() + words[0][1:]
        r = self.rng.random()
        end = "." if r < 0.6 else "!" if r < 0.68 else "?" if r < 0.73 else "..." if r < 0.8 else ""
        if not end and not last:
            end = "."
        return " ".join(words).rstrip(",") + end

    def answer(self) -> str:
        """1-3 sentences; sometimes an emoji; sometimes blank."""
        if self.rng.random() < P_BLANK:
            return ""
        k = int(self.rng.choice(3, p=P_SENTENCES)) + 1
        text = " ".join(self.sentence(last=i == k - 1) for i in range(k))
        if self.rng.random() < P_EMOJI:
            emoji = self.pick(EMOJI)
            text = f"{text} {emoji}" if self.rng.random() < 0.7 else f"{emoji} {text}"
        return text


def generate(n: int, out: Path, seed: int = SEED) -> tuple[Path, Path]:
    """Write answers_<n>.csv and codebook.yaml into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    vocab = Vocabulary(rng)
    maker = AnswerMaker(rng, vocab)
    regions = rng.choice(len(REGIONS), size=n, p=REGION_P).tolist()
    width = max(6, len(str(n)))
    csv_path = out / f"answers_{n}.csv"
    tmp = csv_path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "region", "answer"])
        for i in range(n):
            writer.writerow([f"R{i + 1:0{width}d}", REGIONS[regions[i]], maker.answer()])
    tmp.replace(csv_path)  # atomic: a half-written file never has the final name
    book_path = out / "codebook.yaml"
    book_tmp = book_path.with_suffix(".yaml.tmp")
    book_tmp.write_text(codebook_yaml(), encoding="utf-8")
    book_tmp.replace(book_path)
    return csv_path, book_path


def main(argv: list[str] | None = None) -> int:
    """CLI: generate the benchmark data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of answers")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    csv_path, book_path = generate(args.n, args.out, args.seed)
    counts = term_counts()
    print(f"wrote {csv_path} and {book_path}")
    print(f"codebook: {sum(len(t.codes) for t in THEMES)} codes, {len(THEMES)} themes, "
          f"{sum(counts.values())} rules: {dict(sorted(counts.items()))}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
