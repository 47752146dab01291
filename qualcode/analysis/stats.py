"""Moved to :mod:`qualcode.coding.stats` (the coding layer's summary needs it).

TEMPORARY: kept only for qualcode/coding/tally.py, which the engine branch owns; once its
import reads ``qualcode.coding.stats``, delete this module and the matching
``ignore_imports`` line of the layers contract in pyproject.toml.
"""

from qualcode.coding.stats import wilson_interval

__all__ = ["wilson_interval"]
