"""`phrase`: several words in a row (`kidney pain`), each matched as a `word` is."""

from __future__ import annotations

from qualcode.rules.sequence import SequenceRule


class PhraseRule(SequenceRule):
    kind = "phrase"
