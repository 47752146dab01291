"""`word`: one plain word (`bladder`), matching a token whose text or lemma is the word."""

from __future__ import annotations

from qualcode.rules.sequence import SequenceRule


class WordRule(SequenceRule):
    kind = "word"
