"""Codebooks: the typed model, YAML loading with line numbers, checks and the starter."""
