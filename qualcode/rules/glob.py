"""`glob`: a word or phrase with `*` or `?` wildcards (`crav*`), tested on lower-case text."""

from __future__ import annotations

from qualcode.rules.sequence import SequenceRule


class GlobRule(SequenceRule):
    kind = "glob"
