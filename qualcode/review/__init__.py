"""The review workbench: people accept, reject and hand-code the machine's coding.

- :mod:`qualcode.review.store`: the decisions store, ``OUTDIR/review.sqlite`` (append-only);
- :mod:`qualcode.review.corpus`: the answers, codes and hits of an output folder, indexed;
- :mod:`qualcode.review.decide`: decisions applied to the machine coding (stale, orphaned);
- :mod:`qualcode.review.finalize`: the reviewed coding saved as an output folder;
- :mod:`qualcode.review.qdpx_import`: codings made in a QDA program back as decisions;
- :mod:`qualcode.review.carry`: decisions carried over to a new output folder;
- :mod:`qualcode.review.pages`, :mod:`qualcode.review.app`, :mod:`qualcode.review.server`:
  the web application (Starlette, served by uvicorn) behind `qualcode review`;
- :mod:`qualcode.review.command`: the `review`, `finalize` and `import codings` verbs.

See docs/review.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: name -> module: imported on first use, so `qualcode --version` does not pay for them.
_EXPORTS = {
    "Decision": "store",
    "ReviewCorpus": "corpus",
    "ReviewStore": "store",
    "Reviewed": "decide",
    "apply_decisions": "decide",
    "open_store": "store",
    "resolve": "decide",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"qualcode.review.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'qualcode.review' has no attribute {name!r}")
