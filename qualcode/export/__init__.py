"""Exports for papers and other tools: tables, quotes, reports."""
