"""qualcode: code free-text survey answers against a YAML codebook with spaCy.

>>> import qualcode
>>> cb = qualcode.load_codebook("codebooks/ketamine.yaml")
>>> coding = qualcode.code(df, cb, text=["q1_harms"], id="respondent_id")
>>> coding.summary(), coding.segments, coding.matrix, coding.quotes(per_code=2)
"""

__version__ = "0.1.0"

# Registers the "qualcode" spaCy pipeline factory: nlp.add_pipe("qualcode", config=...).
import qualcode.spacy_component  # noqa: E402, F401, I001
from qualcode.codebook.load import load_codebook, parse_codebook  # noqa: E402
from qualcode.codebook.model import Code, Codebook, Rule  # noqa: E402
from qualcode.coding.result import Coding, load_coding  # noqa: E402
from qualcode.coding.run import code  # noqa: E402
from qualcode.errors import QualcodeError  # noqa: E402
from qualcode.io.read import read_answers  # noqa: E402

__all__ = [
    "Code",
    "Codebook",
    "Coding",
    "QualcodeError",
    "Rule",
    "__version__",
    "code",
    "load_codebook",
    "load_coding",
    "parse_codebook",
    "read_answers",
]
