"""The version, in a module of its own: every layer may cite it (manifests, reports, REFI files)
without importing the `qualcode` package's public API, which sits above all of them."""

__version__ = "0.1.0"
